// Components (the classes other programs instantiate).
export * from "./ensemble/ensemble";
export * from "./aws/nodeGroups";
export * from "./aws/podNetworking";
export * from "./cutover/bridge";
export * from "./cutover/cutover";
// The pure layer under them: settings, validation, renderers, the quorum guard.
export * from "./shared/errors";
export * from "./shared/net";
export * from "./shared/quantity";
export * from "./ensemble/version";
export * from "./shared/labels";
export * from "./ensemble/args";
export * from "./ensemble/settings";
export * from "./ensemble/security";
export * from "./ensemble/renderConfig";
export * from "./ensemble/renderObjects";
export * from "./shared/hostServices";
export * from "./shared/kube";
export * from "./shared/zookeeper";
export * from "./cutover/renderBridge";
export * from "./aws/settings";
export * from "./aws/render";
export * from "./cutover/settings";
export * from "./cutover/guard";
export * from "./cutover/registry";
export * from "./eks/kubeconfig";
