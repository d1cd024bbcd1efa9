// The package's public API, by name: what is exported here is what other programs may rely on.

// The components, their args and the closed sets of values they take.
export { ZooKeeperEnsemble, ENSEMBLE_TYPE } from "./ensemble/ensemble";
export {
    ClientAccess,
    ClientSaslStep,
    ENSEMBLE_DEFAULTS,
    EnsembleCoreArgs,
    EnsembleNamesArgs,
    EnsembleSecurity,
    EnsembleSettingsArgs,
    IssuerKind,
    LegacyHostDirsArgs,
    MetricsMode,
    SecurityStep,
    TlsClientAuth,
    ZoneSpread,
    ZooKeeperEnsembleArgs,
} from "./ensemble/args";
export { ZooKeeperNodeGroups, ZooKeeperNodeGroupsArgs, NODE_GROUPS_TYPE } from "./aws/nodeGroups";
export { ZooKeeperPodNetworking, ZooKeeperPodNetworkingArgs, POD_NETWORKING_TYPE } from "./aws/podNetworking";
export { CapacityType, LegacyNetworkArgs, NetworkDerivedArgs, NetworkSettingsArgs, NodeGroupSettingsArgs, PodNetworkArgs } from "./aws/settings";
export { LegacyHostBridge, LegacyHostBridgeArgs, BRIDGE_TYPE } from "./cutover/bridge";
export { ZooKeeperCutover, CUTOVER_TYPE } from "./cutover/cutover";
export {
    CUTOVER_ARG_PATHS,
    CutoverCluster,
    CutoverEnsemble,
    CutoverGuard,
    CutoverLegacy,
    CutoverNetworking,
    CutoverNodeGroups,
    CutoverRegistry,
    flattenCutoverArgs,
    nestCutoverArgs,
    ZooKeeperCutoverArgs,
} from "./cutover/args";
export { PreferredRegistry, Workload } from "./cutover/settings";

// The pure layer under them, for programs that check or render without creating resources.
export { ConfigIssue, ZooKeeperConfigError } from "./shared/errors";
export { HostMember } from "./shared/net";
export { EnsembleSettings, resolveEnsembleSettings } from "./ensemble/settings";
export { DEFAULT_ZOOKEEPER_VERSION, parseZooKeeperVersion, supportedVersionsText, ZooKeeperVersion } from "./ensemble/version";
export { renderConfigFiles, renderHostJvmFlags, renderHostZooCfg, renderJavaSecurity, renderMyid, renderZooCfg } from "./ensemble/zooCfg";
export { CutoverSettings, resolveCutoverSettings } from "./cutover/settings";
export { assertSafeTransition, CutoverState, guardCutover, GuardRefusal, GuardResult, parseState, Stage, STAGES } from "./cutover/guard";
export { planMemberSwap, SwapPlan, SwapPlanInput } from "./cutover/swapPlan";
export { connectString, renderDubboProperties, renderRegistryFiles } from "./cutover/registry";
