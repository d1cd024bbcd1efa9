/**
 * One typed stage config (the flat keys of Pulumi.yaml) to validated settings
 * for every part of the cutover: node groups, pod networking, the legacy-host
 * bridge, the pod ensemble and the client registry configuration. Every issue
 * is collected, keyed by its config key. Pure.
 */
import { DEFAULT_STORAGE_CLASS } from "../aws/render";
import {
    checkNodesForMembers,
    clusterNameProblem,
    checkZonesForMembers,
    NETWORK_DEFAULTS,
    NetworkDerivedArgs,
    NetworkSettingsArgs,
    NODE_GROUP_DEFAULTS,
    NodeGroupSettingsArgs,
    resolveNetworkSettings,
    resolveNodeGroupSettings,
} from "../aws/settings";
import { checkNamePrefix, isNamespaceName } from "../shared/kube";
import { ENSEMBLE_ARG_KEYS, EnsembleValues } from "../ensemble/args";
import { EnsembleSettings, resolveEnsembleSettings } from "../ensemble/settings";
import { checkTypes, ConfigIssue, isPendingInput, IssueCollector, show, typeOfDefault, ValueOf, ValueType, ZooKeeperConfigError } from "../shared/errors";
import { HostMember, parseMap } from "../shared/net";

export type { HostMember };
import { CutoverState, EnsembleNames, parseState, Stage, StageFacts, STAGES } from "./guard";

/** Keys of the cutover itself (besides the ensemble's, node groups' and networking's). */
export const CUTOVER_DEFAULTS = {
    stage: "pure-k8s",
    podMembers: [] as number[],
    legacyEnsembleName: "zk-legacy",
    workload: "dubbo",
    preferredRegistry: "legacy",
    registryNamespaces: [] as string[],
    previousStage: "",
    previousPodMembers: [] as number[],
    previousCutoverState: "",
    allowUnsafeTransition: false,
    createNamespace: true,
    createNodeGroups: true,
    storageKmsKeyArn: "",
    cniAddonVersion: "",
    tags: [] as string[],
};

/** Ensemble args that the cutover derives instead of reading from config. */
export const DERIVED_ENSEMBLE_KEYS = ["hostMembers", "hosts", "movedHostIds", "peerCidrs", "bootstrap"];
/** Networking args that the cutover derives instead of reading from config. */
export const DERIVED_NETWORK_KEYS = ["enforceNetworkPolicies", "secureClientPort"];

/** The registry Dubbo consumers prefer in dual-registry: the legacy one until parity is checked, then the new one. */
export const PreferredRegistry = { Legacy: "legacy", K8s: "k8s" } as const;
export type PreferredRegistry = ValueOf<typeof PreferredRegistry>;
export const REGISTRIES: readonly string[] = Object.values(PreferredRegistry);

/** What an ensemble serves; dual-registry suits only clients that register again by themselves. */
export const Workload = { Dubbo: "dubbo", Kafka: "kafka", Hbase: "hbase", Curator: "curator", Other: "other" } as const;
export type Workload = ValueOf<typeof Workload>;
export const WORKLOADS: readonly string[] = Object.values(Workload);
const NO_DUAL_REGISTRY: Record<string, string> = {
    kafka: "Kafka (ZooKeeper mode) keeps its brokers, topics and controller epoch as persistent, version-checked znodes and holds one connection string",
    hbase: "HBase keeps its region assignments and master state as persistent znodes and holds one connection string",
    curator: "Curator-based applications keep persistent, version-checked state (locks, counters, leader latches) and hold one connection string",
};

/** Types of the cutover's own keys, from their defaults (the ensemble, node groups and networking check theirs). */
const CUTOVER_TYPES: Record<string, ValueType> = {
    clusterName: "string",
    ...Object.fromEntries(Object.entries(CUTOVER_DEFAULTS).map(([k, d]) => [k, typeOfDefault(k, d, ["podMembers", "previousPodMembers"])])),
};

/** The keys a member swap's users write for what the ensemble receives as `hosts`. */
const MEMBER_SWAP_KEYS = { hosts: "legacyHosts", pods: "podMembers" };


export interface CutoverSettings {
    stage: Stage;
    clusterName: string;
    createNamespace: boolean;
    createNodeGroups: boolean;
    namespace: string;
    /** The pod ensemble's args; created in every stage but old-host. */
    ensemble: EnsembleValues;
    ensembleSettings: EnsembleSettings;
    /** Legacy-host bridge (old-host, dual-registry, member-swap): name prefix and hosts. */
    bridge?: { name: string; hosts: HostMember[] };
    legacyHosts: HostMember[];
    podMembers: number[];
    nodeGroups: NodeGroupSettingsArgs;
    network: NetworkSettingsArgs & NetworkDerivedArgs;
    storageKmsKeyArn: string;
    cniAddonVersion: string;
    userTags: Record<string, string>;
    preferredRegistry: "legacy" | "k8s";
    /** Namespaces that get the client registry ConfigMap. */
    registryNamespaces: string[];
    facts: StageFacts;
    /** The previous stage as config states it (previousStage), if it does: the stage and its pods, nothing more (the rest unknown). */
    previousFromConfig?: StageFacts;
    /** The previous state config gives in full (previousCutoverState), if it does. */
    previousStateFromConfig?: CutoverState;
    allowUnsafeTransition: boolean;
}

function pick<T>(values: Record<string, unknown>, keys: readonly string[]): T {
    return Object.fromEntries(keys.filter((k) => k in values).map((k) => [k, values[k]])) as T;
}

/** Runs a validator, moving its issues into `issues`; returns its result or undefined. */
function collect<T>(issues: IssueCollector, validate: () => T): T | undefined {
    try {
        return validate();
    } catch (err) {
        if (ZooKeeperConfigError.isInstance(err)) {
            err.issues.forEach((i: ConfigIssue) => issues.add(i.key, i.message));
            return undefined;
        }
        throw err;
    }
}


/** A map of tags (not a list, not a value known later as a whole). */
function isTagMap(v: unknown): boolean {
    return typeof v === "object" && v !== null && !Array.isArray(v) && !isPendingInput(v);
}

/** Tags given as a map: every key a non-empty string; values strings or values from other resources. */
function checkTagMap(tags: Record<string, unknown>, issues: IssueCollector): Record<string, string> {
    const bad = Object.entries(tags).filter(([k, v]) => k.trim() === "" || !(typeof v === "string" || isPendingInput(v)));
    if (bad.length > 0) {
        issues.add("tags", `${show(Object.fromEntries(bad))} are not tags; allowed: a map of non-empty keys to strings (or values from other resources), e.g. {"team": "platform"}`);
    }
    return Object.fromEntries(Object.entries(tags).filter(([k]) => !bad.some(([b]) => b === k))) as Record<string, string>;
}

/**
 * Validates a whole stage config. `values` are typed config values with
 * defaults applied; `reported` are keys already reported (wrong type), whose
 * follow-on issues are dropped. Throws one ZooKeeperConfigError listing every
 * issue.
 */
export function resolveCutoverSettings(values: Record<string, unknown>, reported: ConfigIssue[] = []): CutoverSettings {
    const issues = new IssueCollector();
    const given = Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined));
    // Tags: a map from the component's callers (as every component takes them), a list of "key=value" from a stack
    // config (whose schema has lists, not maps).
    const tagMap = isTagMap(given.tags) ? (given.tags as Record<string, string>) : undefined;
    if (tagMap) {
        delete given.tags;
    }
    const { values: checked, wrong } = checkTypes({ ...CUTOVER_DEFAULTS, ...given }, CUTOVER_TYPES, CUTOVER_DEFAULTS, issues);
    const v = checked as typeof CUTOVER_DEFAULTS & Record<string, unknown>;
    const clusterProblem = wrong.has("clusterName") ? undefined : clusterNameProblem(v.clusterName ?? "");
    if (clusterProblem) {
        issues.add("clusterName", clusterProblem);
    }

    const stage = v.stage as Stage;
    if (!STAGES.includes(stage)) {
        issues.add("stage", `${show(v.stage)} is not a cutover stage; allowed: ${STAGES.join(", ")}`);
    }

    const network = pick<NetworkSettingsArgs & NetworkDerivedArgs>(v, Object.keys(NETWORK_DEFAULTS).filter((k) => !DERIVED_NETWORK_KEYS.includes(k)));
    // The ensemble's NetworkPolicy is only as good as the CNI that enforces it.
    network.enforceNetworkPolicies = v.networkPolicy !== false;
    network.secureClientPort = typeof v.tls === "string" && v.tls !== "off";
    const nodeGroups = pick<NodeGroupSettingsArgs>(v, ["zones", "zoneSubnets", ...Object.keys(NODE_GROUP_DEFAULTS)]);
    const networkSettings = collect(issues, () => resolveNetworkSettings(network, nodeGroups.nodeInstanceTypes ?? []));
    const legacyHosts: HostMember[] = networkSettings?.legacyHosts ?? [];
    const legacyIds = legacyHosts.map((h) => h.id);

    const needsHosts = stage === "old-host" || stage === "dual-registry" || stage === "member-swap";
    if (needsHosts && networkSettings && legacyHosts.length === 0) {
        issues.add("legacyHosts", `is empty, but stage ${stage} wraps the legacy hosts; allowed: the legacy ensemble's servers as "myid=address"`);
    }

    const podMembers = (v.podMembers as number[]) ?? [];
    if (podMembers.length > 0 && stage !== "member-swap") {
        issues.add("podMembers", `${show(podMembers)} is set, but stage is ${stage}; allowed: [] (podMembers belongs to stage member-swap)`);
    }
    const strangers = podMembers.filter((id) => !legacyIds.includes(id));
    if (stage === "member-swap" && legacyHosts.length > 0 && strangers.length > 0) {
        issues.add("podMembers", `${show(strangers)} not legacy members (${legacyIds.join(", ")}); allowed: ids from legacyHosts`);
    }

    // The pod ensemble.
    const ensemble = pick<EnsembleValues>(v, ENSEMBLE_ARG_KEYS.filter((k) => !DERIVED_ENSEMBLE_KEYS.includes(k)));
    ensemble.storageClass = ensemble.storageClass || DEFAULT_STORAGE_CLASS;
    if (stage === "member-swap" && legacyHosts.length > 0) {
        // A member swap keeps the legacy ensemble: its members, moved one by one.
        const configured = (ensemble.memberIds ?? []).length > 0 ? [...ensemble.memberIds!].sort((a, b) => a - b) : undefined;
        if (configured && configured.join(",") !== [...legacyIds].sort((a, b) => a - b).join(",")) {
            issues.add("memberIds", `${show(configured)} differ from the legacy members (${legacyIds.join(", ")}); allowed: [] or the legacy ids, a member swap keeps the ensemble's members`);
        } else if (!configured && ensemble.replicas !== undefined && ensemble.replicas !== legacyIds.length) {
            issues.add("replicas", `${ensemble.replicas} differs from the ${legacyIds.length} legacy members; allowed: ${legacyIds.length}, a member swap keeps the ensemble's members`);
        }
        ensemble.memberIds = [...legacyIds];
        ensemble.replicas = legacyIds.length;
        ensemble.allowEvenMembers = ensemble.allowEvenMembers || legacyIds.length % 2 === 0;
        ensemble.hosts = legacyHosts.filter((h) => !podMembers.includes(h.id)).map((h) => ({ id: h.id, address: h.address }));
        ensemble.movedHostIds = legacyHosts.filter((h) => podMembers.includes(h.id)).map((h) => h.id);
        // Hosts still in the ensemble talk to the pods on the peer ports.
        ensemble.peerCidrs = [...(network.legacyHostCidrs ?? [])];
    }
    const ensembleSettings = collect(issues, () => resolveEnsembleSettings(ensemble, MEMBER_SWAP_KEYS));

    // The legacy-host bridge.
    const legacyEnsembleName = v.legacyEnsembleName as string;
    if (checkNamePrefix("legacyEnsembleName", legacyEnsembleName, issues) && legacyEnsembleName === ensemble.ensembleName) {
        issues.add("legacyEnsembleName", `${show(legacyEnsembleName)} equals ensembleName; allowed: a different prefix, the legacy bridge and the pod ensemble live side by side`);
    }
    // The bridge stays unchanged until the hosts are retired (in a member swap, clients still holding the
    // legacy names fail over from a moved member's stopped host to the next server).
    const bridge = needsHosts ? { name: legacyEnsembleName, hosts: legacyHosts } : undefined;

    const workload = v.workload as string;
    if (!WORKLOADS.includes(workload)) {
        issues.add("workload", `${show(workload)} is not allowed; allowed: ${WORKLOADS.join(", ")}`);
    } else if (stage === "dual-registry" && NO_DUAL_REGISTRY[workload]) {
        issues.add(
            "stage",
            `dual-registry is refused for workload ${workload}: ${NO_DUAL_REGISTRY[workload]}, and a second, empty ensemble gets none of it (no copy carries sequence counters, versions or sessions); allowed for ${workload}: old-host, member-swap (the members move into pods one at a time, same data), pure-k8s`,
        );
    }
    if (!REGISTRIES.includes(v.preferredRegistry as string)) {
        issues.add("preferredRegistry", `${show(v.preferredRegistry)} is not allowed; allowed: ${REGISTRIES.join(", ")}`);
    }

    const registryNamespaces = v.registryNamespaces.length > 0 ? [...new Set(v.registryNamespaces)] : typeof ensemble.namespace === "string" ? [ensemble.namespace] : [];
    const badNamespaces = registryNamespaces.filter((n) => !isNamespaceName(n));
    if (badNamespaces.length > 0) {
        issues.add("registryNamespaces", `${show(badNamespaces)} not namespace names; allowed: lower-case letters, digits and '-', at most 63 characters`);
    }

    // The previous stage, when config states it.
    const previousStage = v.previousStage as string;
    const previousPodMembers = (v.previousPodMembers as number[]) ?? [];
    let previousFromConfig: StageFacts | undefined;
    if (previousStage !== "") {
        if (!STAGES.includes(previousStage as Stage)) {
            issues.add("previousStage", `${show(previousStage)} is not a cutover stage; allowed: "" (read it from the stack's last outputs), ${STAGES.join(", ")}`);
        } else {
            // previousStage says the stage and its pods, nothing more: which registry consumers preferred, the pods'
            // security steps (a member swap runs none), the names the objects had and the hosts' addresses are unknown
            // (this config's may be new ones); the guard takes them as this config's only when it is applied again.
            previousFromConfig = {
                stage: previousStage as Stage,
                legacyIds,
                memberIds: ensembleSettings?.memberIds ?? [],
                podMembers: previousPodMembers,
                ...(previousStage === "member-swap" ? { security: { tls: "off", saslQuorum: "off", saslClient: "off" } } : {}),
                unknown: ["preferredRegistry", "security", "names", "hostAddresses"],
            };
        }
    }
    const previousCutoverState = v.previousCutoverState as string;
    let previousStateFromConfig: CutoverState | undefined;
    if (previousCutoverState !== "") {
        previousStateFromConfig = parseState(previousCutoverState);
        if (previousStage !== "") {
            issues.add("previousCutoverState", "is set beside previousStage; allowed: only one of previousStage or previousCutoverState");
        } else if (!previousStateFromConfig) {
            issues.add("previousCutoverState", `is not a cutoverState output; allowed: "" or the JSON value of \`pulumi stack output cutoverState\` (an object with a "stage" of ${STAGES.join(", ")})`);
        }
    }
    if (previousPodMembers.length > 0 && previousStage !== "member-swap") {
        issues.add("previousPodMembers", `${show(previousPodMembers)} is set, but previousStage is ${show(previousStage)}; allowed: [] unless previousStage is member-swap`);
    }

    // Cross-component checks.
    const createNodeGroups = v.createNodeGroups as boolean;
    const nodeSettings = createNodeGroups ? collect(issues, () => resolveNodeGroupSettings(nodeGroups)) : undefined;
    if (ensembleSettings) {
        checkZonesForMembers(nodeGroups.zones ?? [], ensembleSettings.memberIds.length, ensembleSettings.zoneSpread, issues);
        if (nodeSettings) {
            checkNodesForMembers(nodeSettings, ensembleSettings.memberIds.length, issues);
        }
        if (createNodeGroups && !ensembleSettings.dedicatedNodes) {
            issues.add("dedicatedNodes", "false, but createNodeGroups creates nodes tainted for ZooKeeper that members would not land on; allowed: true, or createNodeGroups false");
        }
    }
    const userTags = tagMap ? checkTagMap(tagMap, issues) : parseMap("tags", v.tags, issues, '"key=value", e.g. "team=platform"', "tag key");
    for (const key of Object.keys(userTags)) {
        if (key.startsWith("aws:") || key.startsWith("zookeeper-cutover/")) {
            issues.add("tags", `${JSON.stringify(key)} uses a reserved prefix; allowed: keys not starting with "aws:" or "zookeeper-cutover/"`);
        }
    }

    // What the serving objects are named after (the guard refuses renaming a running ensemble).
    const names: EnsembleNames = {
        namespace: ensemble.namespace,
        ensembleName: ensembleSettings?.ensembleName ?? "",
        clusterDomain: ensembleSettings?.clusterDomain ?? "",
        legacyEnsembleName,
    };
    const hostAddresses = Object.fromEntries(legacyHosts.map((h) => [String(h.id), h.address]));
    const reportedKeys = new Set(reported.map((i) => i.key));
    const all = [...reported, ...issues.issues.filter((i) => !reportedKeys.has(i.key))];
    if (all.length > 0) {
        throw new ZooKeeperConfigError(all);
    }
    return {
        stage,
        clusterName: v.clusterName as string,
        createNamespace: v.createNamespace as boolean,
        createNodeGroups,
        namespace: ensemble.namespace,
        ensemble,
        ensembleSettings: ensembleSettings!,
        bridge,
        legacyHosts,
        podMembers: [...podMembers].sort((a, b) => a - b),
        nodeGroups,
        network,
        storageKmsKeyArn: v.storageKmsKeyArn as string,
        cniAddonVersion: v.cniAddonVersion as string,
        userTags,
        preferredRegistry: v.preferredRegistry as "legacy" | "k8s",
        registryNamespaces,
        facts: {
            stage,
            legacyIds,
            names,
            hostAddresses,
            memberIds: ensembleSettings!.memberIds,
            podMembers,
            preferredRegistry: v.preferredRegistry as string,
            security: { tls: ensembleSettings!.tls, saslQuorum: ensembleSettings!.saslQuorum, saslClient: ensembleSettings!.saslClient },
        },
        previousFromConfig,
        ...(previousStateFromConfig ? { previousStateFromConfig } : {}),
        allowUnsafeTransition: v.allowUnsafeTransition as boolean,
    };
}
