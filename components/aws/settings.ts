/**
 * Inputs of the AWS side (node groups, pod networking) and their validation.
 * Pure: no Pulumi import.
 */
import { checkTypes, IssueCollector, show, typeOfDefault, ValueOf, ValueType } from "../shared/errors";
import { checkCidrs, cidrContains, HostMember, ipv4ToInt, parseCidr, parseHostMembers, parsePairs } from "../shared/net";

/** Capacity of the ZooKeeper nodes (a reclaimed spot node takes a member with it). */
export const CapacityType = { OnDemand: "ON_DEMAND", Spot: "SPOT" } as const;
export type CapacityType = ValueOf<typeof CapacityType>;

/** The problem with an EKS cluster name, if any (the node groups, the pod networking and the cutover check it). */
export function clusterNameProblem(v: unknown): string | undefined {
    return typeof v !== "string" ? `${show(v)} has the wrong type; allowed: a string` : v === "" ? `"" is empty; allowed: the name of an existing EKS cluster` : undefined;
}

/** Node-group inputs that are checked before anything is created. */
export interface NodeGroupSettingsArgs {
    /** Availability zones to run ZooKeeper nodes in; one managed node group per zone. Required when node groups are created. */
    zones?: string[];
    /** Subnets per zone, as "zone=subnet-id" (one or more per zone). Each node group gets only its own zone's subnets. Required when node groups are created. */
    zoneSubnets?: string[];
    /** EC2 instance types of the nodes. Default ["m6i.large"]. */
    nodeInstanceTypes?: string[];
    /** "ON_DEMAND" or "SPOT". Default "ON_DEMAND": a reclaimed spot node takes a member with it. */
    nodeCapacityType?: CapacityType;
    /** EKS AMI type. Default "AL2023_x86_64_STANDARD". */
    nodeAmiType?: string;
    /** Root volume size of each node in GiB. Default 50. */
    nodeDiskSize?: number;
    /** Minimum nodes per zone. Default 1. */
    nodeMinSize?: number;
    /** Desired nodes per zone. Default 1. */
    nodeDesiredSize?: number;
    /** Maximum nodes per zone. Default 2 (room for a replacement node during an update). */
    nodeMaxSize?: number;
    /** Value of the nodes' role label and taint (shared with the ensemble's nodeSelector and tolerations). Default "zookeeper". */
    nodeRole?: string;
}

export const NODE_GROUP_DEFAULTS = {
    nodeInstanceTypes: ["m6i.large"],
    nodeCapacityType: "ON_DEMAND",
    nodeAmiType: "AL2023_x86_64_STANDARD",
    nodeDiskSize: 50,
    nodeMinSize: 1,
    nodeDesiredSize: 1,
    nodeMaxSize: 2,
    nodeRole: "zookeeper",
};

export interface NodeGroupSettings {
    zones: string[];
    /** Subnets of each zone, in the order given. */
    subnetsByZone: Record<string, string[]>;
    instanceTypes: string[];
    capacityType: string;
    amiType: string;
    diskSize: number;
    minSize: number;
    desiredSize: number;
    maxSize: number;
    nodeRole: string;
}

const ZONE = /^[a-z]{2}(-gov)?-[a-z]+-\d[a-z]$/;
const SUBNET = /^subnet-[0-9a-f]{8,17}$/;
const SECURITY_GROUP = /^sg-[0-9a-f]{8,17}$/;
const INSTANCE_TYPE = /^[a-z][a-z0-9-]*\.[a-z0-9]+$/;
const CAPACITY_TYPES: readonly string[] = Object.values(CapacityType);
const AMI_TYPES = ["AL2023_x86_64_STANDARD", "AL2023_ARM_64_STANDARD", "BOTTLEROCKET_x86_64", "BOTTLEROCKET_ARM_64"];

/**
 * Instance families that cannot trunk ENIs (burstable and pre-Nitro
 * generations), so they cannot give pods their own security groups.
 */
const NO_TRUNK = /^(t\d[a-z]*|m[1-4]|c[1-4]|r[34]|i2|i3|d2|x1e?|g[23]|p[23]|h1|f1)\./;

export function canTrunkEnis(instanceType: string): boolean {
    return !NO_TRUNK.test(instanceType);
}


/** Types of the node-group inputs, from their defaults. */
const NODE_GROUP_TYPES: Record<string, ValueType> = Object.fromEntries(
    Object.entries({ zones: [], zoneSubnets: [], ...NODE_GROUP_DEFAULTS }).map(([k, d]) => [k, typeOfDefault(k, d)]),
);

export function resolveNodeGroupSettings(args: NodeGroupSettingsArgs): NodeGroupSettings {
    const issues = new IssueCollector();
    const defaults = { ...NODE_GROUP_DEFAULTS, zones: [], zoneSubnets: [] };
    const { values: given, wrong } = checkTypes(Object.fromEntries(Object.entries(args ?? {}).filter(([, v]) => v !== undefined)), NODE_GROUP_TYPES, defaults, issues);
    const a = { ...defaults, ...given } as Required<NodeGroupSettingsArgs>;

    if (a.zones.length === 0 && !wrong.has("zones")) {
        issues.add("zones", "is empty; allowed: the availability zones to run ZooKeeper nodes in, e.g. [\"eu-west-1a\", \"eu-west-1b\", \"eu-west-1c\"]");
    }
    const badZones = a.zones.filter((z) => !ZONE.test(z));
    if (badZones.length > 0) {
        issues.add("zones", `${show(badZones)} not availability zone names; allowed: names such as "eu-west-1a"`);
    }
    const dupZones = a.zones.filter((z, i) => a.zones.indexOf(z) !== i);
    if (dupZones.length > 0) {
        issues.add("zones", `${show([...new Set(dupZones)])} listed more than once; allowed: each zone once`);
    }

    const subnetsByZone: Record<string, string[]> = Object.fromEntries(a.zones.map((z) => [z, [] as string[]]));
    for (const [zone, subnet] of parsePairs("zoneSubnets", a.zoneSubnets, issues, '"zone=subnet-id", e.g. "eu-west-1a=subnet-0a1b2c3d4e5f60718"')) {
        if (!(zone in subnetsByZone)) {
            issues.add("zoneSubnets", `${show(`${zone}=${subnet}`)} names zone ${zone}, which is not in zones (${a.zones.join(", ") || "none"}); allowed: subnets of the listed zones only`);
        } else if (!SUBNET.test(subnet)) {
            issues.add("zoneSubnets", `${show(subnet)} is not a subnet id; allowed: ids such as "subnet-0a1b2c3d4e5f60718"`);
        } else if (Object.values(subnetsByZone).some((list) => list.includes(subnet))) {
            issues.add("zoneSubnets", `${show(subnet)} is given more than once; a subnet lives in exactly one zone`);
        } else {
            subnetsByZone[zone].push(subnet);
        }
    }
    const withoutSubnet = a.zones.filter((z) => ZONE.test(z) && subnetsByZone[z]?.length === 0);
    if (withoutSubnet.length > 0 && !issues.issues.some((i) => i.key === "zoneSubnets")) {
        issues.add("zoneSubnets", `no subnet for ${withoutSubnet.join(", ")}; allowed: at least one "zone=subnet-id" per zone in zones`);
    }

    if (a.nodeInstanceTypes.length === 0 || a.nodeInstanceTypes.some((t) => !INSTANCE_TYPE.test(t))) {
        issues.add("nodeInstanceTypes", `${show(a.nodeInstanceTypes)} is not a list of EC2 instance types; allowed: e.g. ["m6i.large"]`);
    }
    if (!CAPACITY_TYPES.includes(a.nodeCapacityType)) {
        issues.add("nodeCapacityType", `${show(a.nodeCapacityType)} is not allowed; allowed: ${CAPACITY_TYPES.join(", ")}`);
    }
    if (!AMI_TYPES.includes(a.nodeAmiType)) {
        issues.add("nodeAmiType", `${show(a.nodeAmiType)} is not allowed; allowed: ${AMI_TYPES.join(", ")}`);
    }
    if (!Number.isInteger(a.nodeDiskSize) || a.nodeDiskSize < 20 || a.nodeDiskSize > 16384) {
        issues.add("nodeDiskSize", `${show(a.nodeDiskSize)} is out of range; allowed: 20 to 16384 GiB`);
    }
    const sizes = [a.nodeMinSize, a.nodeDesiredSize, a.nodeMaxSize];
    if (sizes.some((n) => !Number.isInteger(n) || n < 0)) {
        issues.add("nodeDesiredSize", `sizes ${show(sizes)} (min, desired, max) must be whole numbers of at least 0`);
    } else if (!(a.nodeMinSize <= a.nodeDesiredSize && a.nodeDesiredSize <= a.nodeMaxSize) || a.nodeMaxSize < 1) {
        issues.add(
            "nodeDesiredSize",
            `min ${a.nodeMinSize}, desired ${a.nodeDesiredSize}, max ${a.nodeMaxSize} are out of order; allowed: nodeMinSize <= nodeDesiredSize <= nodeMaxSize, nodeMaxSize at least 1`,
        );
    }
    issues.throwIfAny();
    return {
        zones: [...a.zones],
        subnetsByZone,
        instanceTypes: [...a.nodeInstanceTypes],
        capacityType: a.nodeCapacityType,
        amiType: a.nodeAmiType,
        diskSize: a.nodeDiskSize,
        minSize: a.nodeMinSize,
        desiredSize: a.nodeDesiredSize,
        maxSize: a.nodeMaxSize,
        nodeRole: a.nodeRole,
    };
}

/** How the pods reach the legacy hosts and the hosts reach the pods. */
export interface LegacyNetworkArgs {
    /** Legacy ZooKeeper hosts as "myid=address" (IPv4). Default []. */
    legacyHosts?: string[];
    /** CIDRs of the legacy hosts; pods and hosts reach each other on 2181, 2888 and 3888. Default []. */
    legacyHostCidrs?: string[];
    /** Security groups of the legacy hosts (same or peered VPC); rules are added on both sides. Default []. */
    legacyHostSecurityGroups?: string[];
}

/** Who reaches the members from outside the cluster, and the pod networking (vpc-cni) itself. */
export interface PodNetworkArgs {
    /** CIDRs of clients outside the cluster; they reach 2181 only. Default []. */
    clientCidrs?: string[];
    /** Security groups of clients outside the cluster; they reach 2181 only. Default []. */
    clientSecurityGroups?: string[];
    /** Give ZooKeeper pods their own security group (SecurityGroupPolicy); needs trunk-capable (Nitro, non-t) instance types. Default false. */
    podSecurityGroups?: boolean;
    /** vpc-cni AWS_VPC_K8S_CNI_EXTERNALSNAT: keep pod source IPs towards legacy hosts outside the VPC or in a peered VPC. Default false. */
    cniExternalSnat?: boolean;
    /** vpc-cni ENABLE_PREFIX_DELEGATION: /28 prefixes per ENI slot (more pods per node, faster IP allocation). Default false. */
    cniPrefixDelegation?: boolean;
    /** vpc-cni WARM_IP_TARGET; 0 leaves the add-on default. Default 0. */
    cniWarmIpTarget?: number;
    /** vpc-cni MINIMUM_IP_TARGET; 0 leaves the add-on default. Default 0. */
    cniMinimumIpTarget?: number;
}

/** Pod-networking inputs that are checked before anything is created. */
export interface NetworkSettingsArgs extends LegacyNetworkArgs, PodNetworkArgs {}

/** Pod networking settings a ZooKeeperCutover derives from its ensemble's (networkPolicy, tls); callers of the pod networking alone give them. */
export interface NetworkDerivedArgs {
    /** Turn on the VPC CNI's network policy agent (enableNetworkPolicy), which enforces the ensemble's NetworkPolicy. Default false; the cutover sets it from networkPolicy. */
    enforceNetworkPolicies?: boolean;
    /** Clients also reach the TLS client port 2281. Default false; the cutover sets it from tls. */
    secureClientPort?: boolean;
}

export const NETWORK_DEFAULTS = {
    legacyHosts: [] as string[],
    legacyHostCidrs: [] as string[],
    legacyHostSecurityGroups: [] as string[],
    clientCidrs: [] as string[],
    clientSecurityGroups: [] as string[],
    podSecurityGroups: false,
    cniExternalSnat: false,
    cniPrefixDelegation: false,
    cniWarmIpTarget: 0,
    cniMinimumIpTarget: 0,
    enforceNetworkPolicies: false,
    secureClientPort: false,
};

export type LegacyHost = HostMember;

export interface NetworkSettings {
    legacyHosts: LegacyHost[];
    legacyHostCidrs: string[];
    legacyHostSecurityGroups: string[];
    clientCidrs: string[];
    clientSecurityGroups: string[];
    podSecurityGroups: boolean;
    cniExternalSnat: boolean;
    cniPrefixDelegation: boolean;
    cniWarmIpTarget: number;
    cniMinimumIpTarget: number;
    enforceNetworkPolicies: boolean;
    secureClientPort: boolean;
}




/** Types of the pod-networking inputs, from their defaults. */
const NETWORK_TYPES: Record<string, ValueType> = Object.fromEntries(Object.entries(NETWORK_DEFAULTS).map(([k, d]) => [k, typeOfDefault(k, d)]));

/** Why `address` cannot be a host of `cidr` (its network or broadcast address), if it cannot. */
function reservedInCidr(cidr: string, address: string): string | undefined {
    const c = parseCidr(cidr);
    if (!c || c.prefix > 30 || !cidrContains(cidr, address)) {
        return undefined;
    }
    const size = 2 ** (32 - c.prefix);
    const offset = ipv4ToInt(address)! % size;
    return offset === 0 ? "network" : offset === size - 1 ? "broadcast" : undefined;
}

export function resolveNetworkSettings(args: NetworkSettingsArgs & NetworkDerivedArgs, instanceTypes: string[]): NetworkSettings {
    const issues = new IssueCollector();
    const given = checkTypes(Object.fromEntries(Object.entries(args ?? {}).filter(([, v]) => v !== undefined)), NETWORK_TYPES, NETWORK_DEFAULTS, issues).values;
    const a = { ...NETWORK_DEFAULTS, ...given } as Required<NetworkSettingsArgs & NetworkDerivedArgs>;

    const checkGroups = (key: string, groups: string[]) => {
        const bad = groups.filter((g) => !SECURITY_GROUP.test(g));
        if (bad.length > 0) {
            issues.add(key, `${show(bad)} not security group ids; allowed: ids such as "sg-0a1b2c3d4e5f60718"`);
        }
    };
    checkCidrs("legacyHostCidrs", a.legacyHostCidrs, issues);
    checkCidrs("clientCidrs", a.clientCidrs, issues);
    checkGroups("legacyHostSecurityGroups", a.legacyHostSecurityGroups);
    checkGroups("clientSecurityGroups", a.clientSecurityGroups);

    const legacyHosts: LegacyHost[] = [];
    for (const host of parseHostMembers("legacyHosts", a.legacyHosts, issues)) {
        const reserved = a.legacyHostCidrs.map((c) => [c, reservedInCidr(c, host.address)]).find(([, r]) => r);
        if (reserved) {
            issues.add(
                "legacyHosts",
                `${show(host.address)} (myid ${host.id}) is the ${reserved[1]} address of legacyHostCidrs entry ${reserved[0]}; allowed: the host's own address inside it`,
            );
        } else if (a.legacyHostCidrs.length > 0 && a.legacyHostCidrs.every((c) => parseCidr(c)) && !a.legacyHostCidrs.some((c) => cidrContains(c, host.address))) {
            issues.add(
                "legacyHosts",
                `${show(host.address)} (myid ${host.id}) is outside every legacyHostCidrs entry (${a.legacyHostCidrs.join(", ")}); allowed: addresses inside them, or add its network to legacyHostCidrs`,
            );
        } else {
            legacyHosts.push(host);
        }
    }
    if (legacyHosts.length > 0 && a.legacyHostCidrs.length === 0 && a.legacyHostSecurityGroups.length === 0) {
        issues.add("legacyHostCidrs", "is empty, but legacyHosts are given; allowed: the hosts' CIDRs (or set legacyHostSecurityGroups) so pods and hosts can reach each other");
    }

    for (const key of ["cniWarmIpTarget", "cniMinimumIpTarget"] as const) {
        if (!Number.isInteger(a[key]) || a[key] < 0 || a[key] > 1000) {
            issues.add(key, `${show(a[key])} is out of range; allowed: 0 (add-on default) to 1000 addresses`);
        }
    }
    if (a.podSecurityGroups) {
        const cannot = (Array.isArray(instanceTypes) ? instanceTypes : []).filter((t) => typeof t === "string" && !canTrunkEnis(t));
        if (cannot.length > 0) {
            issues.add(
                "podSecurityGroups",
                `true needs instance types that can trunk ENIs, but nodeInstanceTypes has ${cannot.join(", ")}; allowed: Nitro types outside the t family (e.g. m6i.large), or podSecurityGroups false`,
            );
        }
    }
    issues.throwIfAny();
    return {
        legacyHosts: legacyHosts.sort((x, y) => x.id - y.id),
        legacyHostCidrs: [...a.legacyHostCidrs],
        legacyHostSecurityGroups: [...a.legacyHostSecurityGroups],
        clientCidrs: [...a.clientCidrs],
        clientSecurityGroups: [...a.clientSecurityGroups],
        podSecurityGroups: a.podSecurityGroups,
        cniExternalSnat: a.cniExternalSnat,
        cniPrefixDelegation: a.cniPrefixDelegation,
        cniWarmIpTarget: a.cniWarmIpTarget,
        cniMinimumIpTarget: a.cniMinimumIpTarget,
        enforceNetworkPolicies: a.enforceNetworkPolicies,
        secureClientPort: a.secureClientPort,
    };
}

/** Zones vs members: with zoneSpread "required", every member needs its own zone. */
export function checkZonesForMembers(zones: string[], members: number, zoneSpread: string, issues: IssueCollector): void {
    if (zoneSpread === "required" && zones.length > 0 && zones.length < members) {
        issues.add(
            "zones",
            `${zones.length} zones for ${members} members; with zoneSpread "required" every member needs its own zone; allowed: at least ${members} zones, or zoneSpread "preferred"`,
        );
    }
}

/** Node capacity vs members: required anti-affinity puts each member on its own node. */
export function checkNodesForMembers(settings: NodeGroupSettings, members: number, issues: IssueCollector): void {
    const maxNodes = settings.zones.length * settings.maxSize;
    if (maxNodes < members) {
        issues.add(
            "nodeMaxSize",
            `${settings.maxSize} nodes per zone in ${settings.zones.length} zones is ${maxNodes} nodes for ${members} members, each needing its own node; allowed: nodeMaxSize of at least ${Math.ceil(members / settings.zones.length)}`,
        );
    }
}
