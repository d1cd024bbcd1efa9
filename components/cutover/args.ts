/**
 * ZooKeeperCutover's args, nested by concept (cluster, ensemble, security,
 * nodeGroups, networking, legacy, registry, guard), and the one table that maps
 * them onto the flat keys of a stack config: a stack nests its config with it,
 * the component flattens its args with it, and an error about a flat key
 * names the field the caller wrote. No Pulumi import here but the Input type.
 */
import type { Input } from "@pulumi/pulumi";
import { LegacyNetworkArgs, NodeGroupSettingsArgs, PodNetworkArgs } from "../aws/settings";
import { EnsembleCoreArgs, EnsembleSecurity, LegacyHostDirsArgs } from "../ensemble/args";
import { ConfigIssue, IssueCollector, suggest, ZooKeeperConfigError } from "../shared/errors";
import type { Stage } from "./guard";
import type { PreferredRegistry, Workload } from "./settings";

/** The existing EKS cluster the cutover runs in. */
export interface CutoverCluster {
    /** Name of the existing EKS cluster (e.g. an aws.eks.Cluster's `name`); the node groups are named after it. */
    name: Input<string>;
    /** VPC of the cluster (e.g. an aws.eks.Cluster's `vpcConfig.vpcId`). */
    vpcId: Input<string>;
    /** The cluster security group (`vpcConfig.clusterSecurityGroupId`). */
    securityGroupId: Input<string>;
    /** The cluster's OIDC issuer URL (`identities[0].oidcs[0].issuer`). */
    oidcIssuerUrl: Input<string>;
    /** ARN of the cluster's IAM OIDC provider. */
    oidcProviderArn: Input<string>;
}

/**
 * The pod ensemble. Its names are plain here (unlike ZooKeeperEnsemble's): the
 * quorum guard compares them with the previous stage's, and the bridge and the
 * registry configuration are derived from them, before anything is created.
 */
export interface CutoverEnsemble extends EnsembleCoreArgs {
    /** Kubernetes namespace of the ensemble, the bridge and the registry ConfigMap. */
    namespace: string;
    /** Prefix of every Kubernetes object name of the pod ensemble. A DNS label of at most 40 characters. Default "zk". */
    ensembleName?: string;
    /** StorageClass of the data volumes; empty means the one the pod networking creates. Default "". */
    storageClass?: string;
    /** Create the namespace (labelled for the restricted Pod Security Standard). Default true. */
    createNamespace?: boolean;
    /** KMS key for the data volumes of the StorageClass the pod networking creates; empty means the account's default EBS key. Default "". */
    storageKmsKeyArn?: string;
}

/** The managed node groups dedicated to ZooKeeper. */
export interface CutoverNodeGroups extends NodeGroupSettingsArgs {
    /** Create the node groups (false: the members run on nodes the caller provides, labelled and tainted with `nodeRole`). Default true. */
    createNodeGroups?: boolean;
}

/** Pod networking: clients outside the cluster and the vpc-cni add-on. */
export interface CutoverNetworking extends PodNetworkArgs {
    /** vpc-cni add-on version; empty means the cluster's default. Default "". */
    cniAddonVersion?: string;
}

/** The legacy ensemble on hosts: its members, how the pods reach them, and its Kubernetes wrapper. */
export interface CutoverLegacy extends LegacyNetworkArgs, LegacyHostDirsArgs {
    /** Name prefix of the legacy-host bridge's Services (old-host, dual-registry, member-swap). Default "zk-legacy". */
    legacyEnsembleName?: string;
}

/** The client registry configuration of each stage (Dubbo multi-registry). */
export interface CutoverRegistry {
    /** What the ensemble serves: "dubbo", "kafka", "hbase", "curator" or "other"; dual-registry is refused for kafka, hbase and curator. Default "dubbo". */
    workload?: Workload;
    /** Registry Dubbo consumers prefer in dual-registry: "legacy" until parity is checked, then "k8s". Default "legacy". */
    preferredRegistry?: PreferredRegistry;
    /** Namespaces that get the client registry ConfigMap; empty means the ensemble's namespace. Default []. */
    registryNamespaces?: string[];
}

/**
 * The quorum guard: what the stack was before this stage. Give `previousState`
 * (this stack's last `cutoverState` output, as plain JSON text) whenever the
 * stack has been deployed; `previousStage` and `previousPodMembers` are for a
 * stack whose outputs are gone.
 */
export interface CutoverGuard {
    /**
     * The JSON text of this stack's last `cutoverState` output, or "" on the first deployment. Plain: the guard judges the
     * stage before anything is created. TypeScript: `await new pulumi.StackReference(name).getOutputDetails("cutoverState")`;
     * Go: `GetOutputDetails`; Python, YAML and any language: `pulumi stack output cutoverState` into a config value the
     * program passes here. Default "".
     */
    previousState?: string;
    /** The stage this stack was at before, when `previousState` is not known: "" or a stage. Default "". */
    previousStage?: string;
    /** Member swap: the pods of the previous stage (with previousStage "member-swap"). Default []. */
    previousPodMembers?: number[];
    /** Apply a transition the quorum guard refuses, with loud warnings. Default false. */
    allowUnsafeTransition?: boolean;
}

/** Inputs of ZooKeeperCutover: one stage of the cutover, nested by concept. */
export interface ZooKeeperCutoverArgs {
    /** Cutover stage: "old-host", "dual-registry", "member-swap" or "pure-k8s". Default "pure-k8s". */
    stage?: Stage;
    /** Member swap: the legacy member ids already running as pods (consecutive, one more per step). Default []. */
    podMembers?: number[];
    /** The existing EKS cluster. */
    cluster: CutoverCluster;
    /** The pod ensemble (namespace required). */
    ensemble: CutoverEnsemble;
    /** TLS and SASL of the pod ensemble, one step per rolling restart. Default: all off. */
    security?: EnsembleSecurity;
    /** The node groups. Default: created, with the defaults of each field. */
    nodeGroups?: CutoverNodeGroups;
    /** Pod networking. */
    networking?: CutoverNetworking;
    /** The legacy ensemble (old-host, dual-registry, member-swap). */
    legacy?: CutoverLegacy;
    /** The client registry configuration. */
    registry?: CutoverRegistry;
    /** The quorum guard's view of the previous stage. */
    guard?: CutoverGuard;
    /** Extra tags for every AWS resource; the project and stack name are always added. Default {}. */
    tags?: Record<string, string>;
}

/** The groups of ZooKeeperCutoverArgs and, per field, the flat stack config key it is. */
const GROUPS: Record<string, Record<string, string>> = {
    cluster: { name: "clusterName", vpcId: "vpcId", securityGroupId: "clusterSecurityGroupId", oidcIssuerUrl: "oidcIssuerUrl", oidcProviderArn: "oidcProviderArn" },
    ensemble: same(
        "namespace ensembleName storageClass createNamespace storageKmsKeyArn replicas memberIds dnsCacheSeconds clusterDnsTtlSeconds allowEvenMembers zookeeperVersion imageRepository clusterDomain tickTime initLimit syncLimit maxClientCnxns minSessionTimeout maxSessionTimeout autopurgeIntervalHours autopurgeSnapRetainCount fourLetterWords adminServer adminServerPort metrics metricsPort dataVolumeSize dataLogVolumeSize cpuRequest cpuLimit memoryRequest memoryLimit jvmHeap dedicatedNodes zoneSpread protectStatefulSet clientAccess clientNodePort loadBalancerSourceRanges networkPolicy clientNamespaces clientPodLabels monitoringNamespace podMonitor prometheusRule monitoringLabels grafanaDashboard grafanaDashboardLabels runbookBaseUrl",
    ),
    security: same("tls tlsSecretName tlsIssuer tlsIssuerKind tlsClientAuth saslQuorum saslQuorumPassword saslClient saslClientUsers saslClientPasswords"),
    nodeGroups: same("createNodeGroups zones zoneSubnets nodeInstanceTypes nodeCapacityType nodeAmiType nodeDiskSize nodeMinSize nodeDesiredSize nodeMaxSize nodeRole"),
    networking: same("clientCidrs clientSecurityGroups podSecurityGroups cniExternalSnat cniPrefixDelegation cniWarmIpTarget cniMinimumIpTarget cniAddonVersion"),
    legacy: same("legacyHosts legacyEnsembleName legacyHostCidrs legacyHostSecurityGroups hostDataDir hostConfDir"),
    registry: same("workload preferredRegistry registryNamespaces"),
    guard: same("previousState previousStage previousPodMembers allowUnsafeTransition"),
};
/** Fields at the top level, named as the flat keys. */
const TOP = ["stage", "podMembers", "tags"];
/** The groups a caller must give. */
const REQUIRED_GROUPS = ["cluster", "ensemble"];

function same(keys: string): Record<string, string> {
    return Object.fromEntries(keys.split(" ").map((k) => [k, k]));
}

/** The fields of each group, as the table has them (the interfaces above must have the same). */
export function cutoverArgGroups(): Record<string, string[]> {
    return Object.fromEntries(Object.entries(GROUPS).map(([group, fields]) => [group, Object.keys(fields).sort()]));
}

/** Where each flat key lives in ZooKeeperCutoverArgs ("ensemble.replicas", "cluster.name", "stage"). */
export const CUTOVER_ARG_PATHS: Readonly<Record<string, string>> = Object.fromEntries([
    ...TOP.map((k) => [k, k]),
    ...Object.entries(GROUPS).flatMap(([group, fields]) => Object.entries(fields).map(([field, flat]) => [flat, `${group}.${field}`])),
]);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * The flat values of nested args: every field under its flat key. Refuses,
 * naming the field, anything the table does not hold (with a did-you-mean, and
 * the new place of a flat key given at the top level) and a group that is not
 * an object.
 */
export function flattenCutoverArgs(args: unknown): Record<string, unknown> {
    const issues = new IssueCollector();
    const flat: Record<string, unknown> = {};
    if (!isObject(args)) {
        issues.add("args", `is ${args === undefined || args === null ? "missing" : `a ${Array.isArray(args) ? "list" : typeof args}`}; allowed: an object with the fields of ZooKeeperCutoverArgs`);
        issues.throwIfAny();
    }
    const topLevel = [...TOP, ...Object.keys(GROUPS)];
    for (const [key, value] of Object.entries(args as Record<string, unknown>)) {
        if (value === undefined) {
            continue;
        }
        if (TOP.includes(key)) {
            flat[key] = value;
        } else if (key in GROUPS) {
            if (!isObject(value)) {
                issues.add(key, `is ${Array.isArray(value) ? "a list" : `a ${value === null ? "null" : typeof value}`}; allowed: an object with the fields of ${key}`);
                continue;
            }
            const fields = GROUPS[key];
            for (const [field, v] of Object.entries(value)) {
                if (v === undefined) {
                    continue;
                }
                if (field in fields) {
                    flat[fields[field]] = v;
                } else {
                    const moved = CUTOVER_ARG_PATHS[field];
                    issues.add(`${key}.${field}`, moved ? `is not a field of ${key}; it is ${moved}` : `unknown field${suggest(field, Object.keys(fields))}; allowed: ${Object.keys(fields).sort().join(", ")}`);
                }
            }
        } else {
            const moved = CUTOVER_ARG_PATHS[key];
            issues.add(key, moved ? `is not a top-level field (args are nested by concept); it is ${moved}` : `unknown field${suggest(key, topLevel)}; allowed: ${topLevel.join(", ")}`);
        }
    }
    for (const group of REQUIRED_GROUPS) {
        if ((args as Record<string, unknown>)[group] === undefined) {
            issues.add(group, `is missing; allowed: an object with the fields of ${group}`);
        }
    }
    issues.throwIfAny();
    return flat;
}

/** Nested args from the flat keys of a stack config (the inverse of flattenCutoverArgs); keys not in the table are left out. */
export function nestCutoverArgs(values: Record<string, unknown>): ZooKeeperCutoverArgs {
    const nested: Record<string, Record<string, unknown> | unknown> = {};
    for (const [key, value] of Object.entries(values)) {
        const at = CUTOVER_ARG_PATHS[key];
        if (value === undefined || at === undefined) {
            continue;
        }
        const [group, field] = at.split(".");
        if (field === undefined) {
            nested[group] = value;
        } else {
            nested[group] = { ...((nested[group] as Record<string, unknown>) ?? {}), [field]: value };
        }
    }
    return nested as unknown as ZooKeeperCutoverArgs;
}

/** The same error with each flat key named as the field of the nested args the caller wrote. */
export function withArgPaths(err: ZooKeeperConfigError): ZooKeeperConfigError {
    const issues: ConfigIssue[] = err.issues.map((i) => ({ ...i, key: CUTOVER_ARG_PATHS[i.key] ?? i.key }));
    return new ZooKeeperConfigError(issues, err.keyPrefix);
}
