/**
 * From the raw stack configuration to validated settings for every component
 * of the stack, with cross-component checks. Every issue is reported at once,
 * keyed by its config key; nothing here touches Pulumi resources.
 */
import { NETWORK_DEFAULTS, NODE_GROUP_DEFAULTS, NetworkSettingsArgs, NodeGroupSettingsArgs, checkNodesForMembers, checkZonesForMembers, resolveNetworkSettings, resolveNodeGroupSettings } from "../components/aws/settings";
import { parsePairs } from "../components/net";
import { DEFAULT_STORAGE_CLASS } from "../components/aws/render";
import { ENSEMBLE_ARG_KEYS, EnsembleSettings, resolveEnsembleSettings, ZooKeeperEnsembleArgs } from "../components/ensemble/settings";
import { ConfigIssue, IssueCollector, ZooKeeperConfigError } from "../components/errors";
import { PROJECT, readStackConfigCollecting } from "./config";

export interface StackSettings {
    clusterName: string;
    createNamespace: boolean;
    createNodeGroups: boolean;
    ensemble: ZooKeeperEnsembleArgs;
    ensembleSettings: EnsembleSettings;
    nodeGroups: NodeGroupSettingsArgs;
    network: NetworkSettingsArgs;
    storageKmsKeyArn: string;
    cniAddonVersion: string;
    userTags: Record<string, string>;
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

/** Validates the whole stack configuration; throws one ZooKeeperConfigError (keys prefixed "zookeeper-cutover:") listing every issue. */
export function resolveStackSettings(raw: Record<string, string>): StackSettings {
    const read = readStackConfigCollecting(raw);
    const values = read.values;
    // Keys already reported (unknown, wrong type, missing) are not reported again by the checks below.
    const reported = new Set(read.issues.issues.map((i) => i.key));
    const issues = new IssueCollector();
    if (values.clusterName === "") {
        issues.add("clusterName", '"" is empty; allowed: the name of an existing EKS cluster');
    }

    const ensemble = pick<ZooKeeperEnsembleArgs>(values, ENSEMBLE_ARG_KEYS);
    // The stack creates the StorageClass the ensemble uses.
    ensemble.storageClass = ensemble.storageClass || DEFAULT_STORAGE_CLASS;
    const ensembleSettings = collect(issues, () => resolveEnsembleSettings(ensemble));

    const nodeGroups = pick<NodeGroupSettingsArgs>(values, ["zones", "zoneSubnets", ...Object.keys(NODE_GROUP_DEFAULTS)]);
    const network = pick<NetworkSettingsArgs>(values, Object.keys(NETWORK_DEFAULTS));
    const createNodeGroups = values.createNodeGroups as boolean;
    const nodeSettings = createNodeGroups ? collect(issues, () => resolveNodeGroupSettings(nodeGroups)) : undefined;
    collect(issues, () => resolveNetworkSettings(network, nodeGroups.nodeInstanceTypes ?? []));

    if (ensembleSettings) {
        checkZonesForMembers(nodeGroups.zones ?? [], ensembleSettings.memberIds.length, ensembleSettings.zoneSpread, issues);
        if (nodeSettings) {
            checkNodesForMembers(nodeSettings, ensembleSettings.memberIds.length, issues);
        }
        if (createNodeGroups && !ensembleSettings.dedicatedNodes) {
            issues.add("dedicatedNodes", "false, but createNodeGroups creates nodes tainted for ZooKeeper that members would not land on; allowed: true, or createNodeGroups false");
        }
    }

    const userTags = Object.fromEntries(parsePairs("tags", values.tags as string[], issues, '"key=value", e.g. "team=platform"'));
    for (const key of Object.keys(userTags)) {
        if (key.startsWith("aws:") || key.startsWith("zookeeper-cutover/")) {
            issues.add("tags", `${JSON.stringify(key)} uses a reserved prefix; allowed: keys not starting with "aws:" or "zookeeper-cutover/"`);
        }
    }

    const all = [...read.issues.issues, ...issues.issues.filter((i) => !reported.has(i.key))];
    if (all.length > 0) {
        throw new ZooKeeperConfigError(all, `${PROJECT}:`);
    }
    return {
        clusterName: values.clusterName as string,
        createNamespace: values.createNamespace as boolean,
        createNodeGroups,
        ensemble,
        ensembleSettings: ensembleSettings!,
        nodeGroups,
        network,
        storageKmsKeyArn: values.storageKmsKeyArn as string,
        cniAddonVersion: values.cniAddonVersion as string,
        userTags,
    };
}
