// Components (the classes other programs instantiate).
export * from "./ensemble/ensemble";
export * from "./aws/nodeGroups";
export * from "./aws/podNetworking";
export * from "./cutover/bridge";
export * from "./cutover/cutover";
// The pure layer under them: settings, validation, renderers, the quorum guard.
export * from "./errors";
export * from "./net";
export * from "./quantity";
export * from "./ensemble/version";
export * from "./ensemble/labels";
export * from "./ensemble/settings";
export * from "./ensemble/renderConfig";
export * from "./ensemble/renderObjects";
export * from "./ensemble/renderHosts";
export * from "./aws/settings";
export * from "./aws/render";
export * from "./cutover/settings";
export * from "./cutover/stages";
export * from "./cutover/registry";
export * from "./eks/kubeconfig";
