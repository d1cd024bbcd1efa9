/**
 * The ensemble's inputs: the args interface, its defaults (in one place) and
 * the validation that turns args into resolved settings or a list of issues.
 * No Pulumi import here.
 */
import { PORTS } from "../shared/zookeeper";
import type { Input } from "@pulumi/pulumi";
import { describeType, hasType, IssueCollector, show, typeOfDefault } from "../shared/errors";
import { checkCidrs, checkHostMembers, checkNotOpenToAll, HostMember, parseCidr, parseHostMembers, parsePairs } from "../shared/net";
import { parseQuantity, toMiB } from "../shared/quantity";
import { DEFAULT_ZOOKEEPER_VERSION, featuresOf, parseZooKeeperVersion, VersionFeatures, ZooKeeperVersion } from "./version";

/**
 * Inputs of a ZooKeeper ensemble. Every field is optional except `namespace`;
 * the default of each is given in its description and in `ENSEMBLE_DEFAULTS`.
 * Values are plain (not Outputs) so that every one of them is checked before
 * any resource is created.
 */
export interface ZooKeeperEnsembleArgs {
    /** Kubernetes namespace the ensemble lives in. Must exist (or be created by the caller). */
    namespace: string;
    /** Prefix of every Kubernetes object name (`<ensembleName>-1`, `<ensembleName>-client`, ...). A DNS label of at most 40 characters. Default "zk". */
    ensembleName?: string;
    /** Number of members. Odd, so that a majority survives a failure. Default 3. */
    replicas?: number;
    /** Explicit member ids (myid, 1..255), one per member, consecutive (each member's pod ordinal is its myid). Empty means 1..replicas. Default []. */
    memberIds?: number[];
    /**
     * Members still running on hosts, as "myid=address" (member swap). Their
     * member Service points at the host through an EndpointSlice; every other
     * member runs as a pod. Pod ids must stay consecutive. Default [] (all pods).
     */
    hostMembers?: string[];
    /**
     * Members still running on hosts as objects `{ id, address }`: the same as
     * `hostMembers`, for callers that hold them as objects. Only one of the two
     * can be provided. Default [].
     */
    hosts?: HostMember[];
    /**
     * Members that moved from a host to a pod (member swap). Their host
     * EndpointSlice is kept with no endpoints, so DNS stops returning the old
     * host before the member's Service selects its pod. Default [].
     */
    movedHostIds?: number[];
    /**
     * The ensemble is being created: a member whose data directory is new may
     * start from an empty tree (3.6+ database existence validation). Kept in a
     * small mutable ConfigMap, so turning it off restarts nothing; the cutover
     * turns it off once the ensemble's volumes exist. Default true.
     */
    bootstrap?: boolean;
    /** dataDir of the members on hosts, for the zoo.cfg rendered for them. Default "/var/lib/zookeeper". */
    hostDataDir?: string;
    /** Configuration directory of the members on hosts, where they keep zoo.cfg and the `java.security` override (`hostJvmFlags` points at it). Default "/etc/zookeeper/conf". */
    hostConfDir?: string;
    /**
     * Seconds a member's JVM keeps a resolved peer address (Java's
     * `networkaddress.cache.ttl`, set through a `java.security` override;
     * failed lookups are kept at most 1 s). A member that moves keeps its
     * Service name but gets a new address: the other members see it at most
     * this long after the cluster DNS does. 0 to 60. Default 5.
     */
    dnsCacheSeconds?: number;
    /**
     * Seconds a DNS answer for a member's Service may be cached before a member
     * asks again: the cluster DNS TTL (CoreDNS `kubernetes` plugin, 5 s by
     * default), or longer if the hosts' resolvers keep answers longer. With
     * `dnsCacheSeconds` it decides how long a member-swap step waits after a
     * move (`moveSettleSeconds`). 0 to 300. Default 5.
     */
    clusterDnsTtlSeconds?: number;
    /** Allow an even member count. An even ensemble tolerates no more failures than the odd one below it. Default false. */
    allowEvenMembers?: boolean;
    /** ZooKeeper release, MAJOR.MINOR.PATCH: 3.4.14, 3.5.5-3.5.10, 3.6.0-3.6.4, 3.7.0-3.7.2, 3.8.0-3.8.4 or 3.9.0-3.9.3. Decides the zoo.cfg dialect and the image tag. Default "3.8.4". */
    zookeeperVersion?: string;
    /** Image repository without tag; the tag is `zookeeperVersion`. Point it at a mirror (e.g. ECR) where Docker Hub is not reachable. Default "zookeeper" (the official image). */
    imageRepository?: string;
    /** Kubernetes cluster DNS domain, used in peer addresses. Default "cluster.local". */
    clusterDomain?: string;
    /** ZooKeeper's basic time unit in milliseconds. Default 2000. */
    tickTime?: number;
    /** Ticks a follower may take to connect and sync to the leader. Default 10. */
    initLimit?: number;
    /** Ticks a follower may lag behind the leader. Default 5. */
    syncLimit?: number;
    /** Concurrent connections one client IP may open to one member; 0 means unlimited. Default 60. */
    maxClientCnxns?: number;
    /** Smallest session timeout (ms) a client may negotiate; 0 means 2 x tickTime. Default 0. */
    minSessionTimeout?: number;
    /** Largest session timeout (ms) a client may negotiate; 0 means 20 x tickTime. Default 0. */
    maxSessionTimeout?: number;
    /** Hours between purges of old snapshots and transaction logs; 0 disables autopurge. Default 1. */
    autopurgeIntervalHours?: number;
    /** Snapshots (and their logs) autopurge keeps; at least 3. Default 3. */
    autopurgeSnapRetainCount?: number;
    /** Four-letter-word commands a member answers (`4lw.commands.whitelist`); must include ruok and srvr, which the probes use. Default ["conf", "mntr", "ruok", "srvr"]. */
    fourLetterWords?: string[];
    /** Run the Jetty admin server (3.5+). Default false. */
    adminServer?: boolean;
    /** Port of the admin server. Default 8080. */
    adminServerPort?: number;
    /** Prometheus metrics endpoint (3.6+): "auto" (on where the version supports it), "on" or "off". Default "auto". */
    metrics?: string;
    /** Port of the Prometheus metrics endpoint. Default 7000. */
    metricsPort?: number;
    /** StorageClass of the data volumes; empty means the cluster's default class. Default "". */
    storageClass?: string;
    /** Size of each member's data volume (snapshots, and the transaction log unless `dataLogVolumeSize` is set). Default "20Gi". */
    dataVolumeSize?: string;
    /** Size of a separate transaction log volume (`dataLogDir`); empty keeps the log on the data volume. Default "". */
    dataLogVolumeSize?: string;
    /** CPU request of each member. Default "1". */
    cpuRequest?: string;
    /** CPU limit of each member; empty means no limit (recommended: throttling stalls heartbeats). Default "". */
    cpuLimit?: string;
    /** Memory request of each member; empty means equal to `memoryLimit`. Default "". */
    memoryRequest?: string;
    /** Memory limit of each member. Default "2Gi". */
    memoryLimit?: string;
    /** JVM heap (-Xms/-Xmx); at most 75% of `memoryLimit`, the rest is for off-heap memory. Default "1Gi". */
    jvmHeap?: string;
    /** Schedule members only on nodes dedicated to ZooKeeper (node label `zookeeper-cutover/node-role` and a matching NoSchedule taint). Default true. */
    dedicatedNodes?: boolean;
    /** Value of the dedicated nodes' role label and taint. Default "zookeeper". */
    nodeRole?: string;
    /** Spread of members over availability zones: "required" (never two members in one zone while another zone has fewer) or "preferred". Default "required". */
    zoneSpread?: string;
    /** Protect the StatefulSet: Pulumi refuses to delete or replace it (a replacement would stop every member at once); `pulumi state unprotect` lifts it. Default true. */
    protectStatefulSet?: boolean;
    /** Access for clients outside the cluster: "none", "NodePort" or "LoadBalancer" (an internal AWS load balancer). Default "none". */
    clientAccess?: string;
    /** Node port (30000-32767) for `clientAccess` NodePort or LoadBalancer; 0 lets Kubernetes choose. Default 0. */
    clientNodePort?: number;
    /** CIDRs allowed through the internal load balancer (`clientAccess` LoadBalancer). Default []. */
    loadBalancerSourceRanges?: string[];
    /** A NetworkPolicy that admits only the traffic below and denies every other ingress to the members. Default true. */
    networkPolicy?: boolean;
    /** Namespaces whose pods may reach the client port 2181; empty means the ensemble's own namespace. Default []. */
    clientNamespaces?: string[];
    /** Pod labels ("key=value", all must match) a client pod in those namespaces must carry; empty admits every pod there. Default []. */
    clientPodLabels?: string[];
    /** Addresses outside the cluster that may reach 2181 (NodePort and load balancer clients, load balancer health checks). Default []. */
    clientCidrs?: string[];
    /** Addresses outside the cluster that may reach the peer ports 2888/3888 (legacy hosts during a member swap). Default []. */
    peerCidrs?: string[];
    /** Namespace of the Prometheus that scrapes the metrics port. Default "monitoring". */
    monitoringNamespace?: string;
    /**
     * TLS (3.5.5+), one step per rolling restart on a running ensemble:
     * "off"; "accept" (members accept TLS and plaintext from peers, clients may
     * use the TLS port 2281 beside 2181); "prefer" (members talk TLS to each
     * other, still accepting plaintext); "require" (TLS only; 2181 answers only
     * inside the pod, for the probes). Default "off".
     */
    tls?: string;
    /** Existing Secret with the members' certificate: `tls.crt`, `tls.key` (PKCS#8) and `ca.crt`, PEM. One of this or `tlsIssuer` when `tls` is on. Default "". */
    tlsSecretName?: string;
    /** cert-manager issuer that signs the members' certificate (a Certificate `<ensembleName>-tls` is created). Default "". */
    tlsIssuer?: string;
    /** Kind of `tlsIssuer`: "ClusterIssuer" or "Issuer" (in the ensemble's namespace). Default "ClusterIssuer". */
    tlsIssuerKind?: string;
    /** Client certificates on the TLS client port (`ssl.clientAuth`): "need" (mutual TLS), "want" or "none". Default "need". */
    tlsClientAuth?: string;
    /**
     * SASL DIGEST-MD5 between members (`quorum.auth.*`), one step per rolling
     * restart on a running ensemble: "off"; "accept" (members answer SASL);
     * "prefer" (learners authenticate); "require" (unauthenticated peers are
     * refused). Default "off".
     */
    saslQuorum?: string;
    /** Password of the members' quorum identity (a Pulumi secret). Required when `saslQuorum` is on. Default "". */
    saslQuorumPassword?: Input<string>;
    /**
     * SASL DIGEST-MD5 for clients: "off"; "accept" (clients may authenticate,
     * for `sasl:` ACLs); "require" (3.6+: sessions without SASL are refused).
     * Default "off".
     */
    saslClient?: string;
    /** User names clients authenticate as (`saslClient`), e.g. ["dubbo", "kafka"]. Default []. */
    saslClientUsers?: string[];
    /** Passwords of `saslClientUsers`, in the same order (Pulumi secrets). Default []. */
    saslClientPasswords?: Input<string>[];
}

/** Every optional input with its default. Pulumi.yaml's config defaults must equal these. */
export const ENSEMBLE_DEFAULTS = {
    ensembleName: "zk",
    replicas: 3,
    memberIds: [] as number[],
    hostMembers: [] as string[],
    hosts: [] as HostMember[],
    movedHostIds: [] as number[],
    bootstrap: true,
    hostDataDir: "/var/lib/zookeeper",
    hostConfDir: "/etc/zookeeper/conf",
    dnsCacheSeconds: 5,
    clusterDnsTtlSeconds: 5,
    allowEvenMembers: false,
    zookeeperVersion: DEFAULT_ZOOKEEPER_VERSION,
    imageRepository: "zookeeper",
    clusterDomain: "cluster.local",
    tickTime: 2000,
    initLimit: 10,
    syncLimit: 5,
    maxClientCnxns: 60,
    minSessionTimeout: 0,
    maxSessionTimeout: 0,
    autopurgeIntervalHours: 1,
    autopurgeSnapRetainCount: 3,
    fourLetterWords: ["conf", "mntr", "ruok", "srvr"],
    adminServer: false,
    adminServerPort: 8080,
    metrics: "auto",
    metricsPort: 7000,
    storageClass: "",
    dataVolumeSize: "20Gi",
    dataLogVolumeSize: "",
    cpuRequest: "1",
    cpuLimit: "",
    memoryRequest: "",
    memoryLimit: "2Gi",
    jvmHeap: "1Gi",
    dedicatedNodes: true,
    nodeRole: "zookeeper",
    zoneSpread: "required",
    protectStatefulSet: true,
    clientAccess: "none",
    clientNodePort: 0,
    loadBalancerSourceRanges: [] as string[],
    networkPolicy: true,
    clientNamespaces: [] as string[],
    clientPodLabels: [] as string[],
    clientCidrs: [] as string[],
    peerCidrs: [] as string[],
    monitoringNamespace: "monitoring",
    tls: "off",
    tlsSecretName: "",
    tlsIssuer: "",
    tlsIssuerKind: "ClusterIssuer",
    tlsClientAuth: "need",
    saslQuorum: "off",
    saslQuorumPassword: "" as Input<string>,
    saslClient: "off",
    saslClientUsers: [] as string[],
    saslClientPasswords: [] as Input<string>[],
};

/** Args that carry secrets: never shown in an error, never rendered into plain objects. */
export const SECRET_ARG_KEYS: readonly string[] = ["saslQuorumPassword", "saslClientPasswords"];

/** Every key `ZooKeeperEnsembleArgs` accepts. */
export const ENSEMBLE_ARG_KEYS: readonly string[] = ["namespace", ...Object.keys(ENSEMBLE_DEFAULTS)];

export const FOUR_LETTER_WORDS = [
    "conf", "cons", "crst", "dirs", "dump", "envi", "gtmk", "isro", "mntr", "ruok", "srst", "srvr", "stat", "stmk", "wchc", "wchp", "wchs",
];
const PROBE_WORDS = ["ruok", "srvr"];

export const CLIENT_ACCESS = ["none", "NodePort", "LoadBalancer"];
export const ZONE_SPREAD = ["required", "preferred"];
export const METRICS = ["auto", "on", "off"];
/** Steps of turning TLS or quorum SASL on (or off) on a running ensemble, one per rolling restart. */
export const SECURITY_STEPS = ["off", "accept", "prefer", "require"] as const;
export const CLIENT_SASL_STEPS = ["off", "accept", "require"] as const;
export type SecurityStep = (typeof SECURITY_STEPS)[number];
export const ISSUER_KINDS = ["ClusterIssuer", "Issuer"];
export const TLS_CLIENT_AUTH = ["need", "want", "none"];
/** Where TLS material comes from. */
export type TlsSource = { kind: "secret"; secretName: string } | { kind: "cert-manager"; issuer: string; issuerKind: string };

/** Settings after defaults and validation: what the renderers consume. */
export interface EnsembleSettings {
    namespace: string;
    ensembleName: string;
    /** Member ids in ascending order. */
    memberIds: number[];
    /** Members running as pods (consecutive ids), ascending. */
    podIds: number[];
    /** Members still on hosts (member swap), by id. */
    hosts: { id: number; address: string }[];
    /** Members that moved from a host to a pod; their host EndpointSlice stays, empty. */
    movedHostIds: number[];
    bootstrap: boolean;
    hostDataDir: string;
    hostConfDir: string;
    /** Seconds a member's JVM keeps a resolved address (networkaddress.cache.ttl). */
    dnsCacheSeconds: number;
    /** Seconds a cluster DNS answer may be cached outside the JVM. */
    clusterDnsTtlSeconds: number;
    /**
     * Seconds after a moved member's new address is published until every
     * member is certain to resolve it: cluster DNS TTL + JVM cache + 1 s for
     * the EndpointSlice to reach the cluster DNS.
     */
    moveSettleSeconds: number;
    /** Members that must be up for the ensemble to serve: floor(n/2)+1. */
    quorumSize: number;
    version: ZooKeeperVersion;
    features: VersionFeatures;
    image: string;
    clusterDomain: string;
    tickTime: number;
    initLimit: number;
    syncLimit: number;
    maxClientCnxns: number;
    minSessionTimeout: number;
    maxSessionTimeout: number;
    autopurgeIntervalHours: number;
    autopurgeSnapRetainCount: number;
    fourLetterWords: string[];
    adminServer: boolean;
    adminServerPort: number;
    metricsEnabled: boolean;
    metricsPort: number;
    storageClass: string;
    dataVolumeSize: string;
    dataLogVolumeSize: string;
    cpuRequest: string;
    cpuLimit: string;
    memoryRequest: string;
    memoryLimit: string;
    jvmHeapMiB: number;
    dedicatedNodes: boolean;
    nodeRole: string;
    zoneSpread: "required" | "preferred";
    protectStatefulSet: boolean;
    clientAccess: "none" | "NodePort" | "LoadBalancer";
    clientNodePort: number;
    loadBalancerSourceRanges: string[];
    networkPolicy: boolean;
    clientNamespaces: string[];
    clientPodLabels: Record<string, string>;
    clientCidrs: string[];
    peerCidrs: string[];
    monitoringNamespace: string;
    tls: SecurityStep;
    /** Certificates: a given Secret or one cert-manager fills; absent when `tls` is off and no issuer is set. */
    tlsSource?: TlsSource;
    tlsClientAuth: "need" | "want" | "none";
    saslQuorum: SecurityStep;
    saslClient: "off" | "accept" | "require";
    saslClientUsers: string[];
}

const DNS_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS_1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** A Kubernetes namespace name. */
export function isNamespaceName(name: string): boolean {
    return DNS_1123_LABEL.test(name) && name.length <= 63;
}

/** Refuses `value` under `key` unless it can prefix every object name (`<prefix>-<myid>`, `<prefix>-client`, ...). */
export function checkNamePrefix(key: string, value: string, issues: IssueCollector): boolean {
    if (!DNS_LABEL.test(value) || value.length > 40) {
        issues.add(key, `${show(value)} is not usable as a name prefix; allowed: a lower-case letter, then letters, digits and '-', at most 40 characters`);
        return false;
    }
    return true;
}
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;
const IMAGE_REPOSITORY = /^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/;

function isInteger(v: unknown): v is number {
    return typeof v === "number" && Number.isInteger(v);
}


/**
 * The keys users wrote for the members on hosts and the pods, when the
 * ensemble's args are derived from other settings (the cutover's legacyHosts
 * and podMembers become `hosts`), so that errors name those keys.
 */
export interface MemberKeys {
    /** Key of the members on hosts. */
    hosts: string;
    /** Key of the members that run as pods. */
    pods: string;
}

/**
 * Applies defaults and checks every input. Returns the settings, or throws a
 * `ZooKeeperConfigError` listing every issue (keys are the args' field names,
 * or for derived members the keys in `memberKeys`).
 */
export function resolveEnsembleSettings(args: ZooKeeperEnsembleArgs, memberKeys?: MemberKeys): EnsembleSettings {
    const issues = new IssueCollector();
    const raw = (args ?? {}) as unknown as Record<string, unknown>;

    for (const key of Object.keys(raw)) {
        if (!ENSEMBLE_ARG_KEYS.includes(key)) {
            issues.add(key, `unknown setting${suggest(key, ENSEMBLE_ARG_KEYS)}; allowed: ${ENSEMBLE_ARG_KEYS.join(", ")}`);
        }
    }
    const a = { ...ENSEMBLE_DEFAULTS, ...stripUndefined(raw) } as Required<ZooKeeperEnsembleArgs>;

    // Type checks first: later rules assume the types are right.
    const typed = checkTypes(a, issues);

    const str = (key: keyof typeof a) => (typeof a[key] === "string" ? (a[key] as string) : "");
    if (typed.has("namespace")) {
        if (!isNamespaceName(a.namespace)) {
            issues.add("namespace", `${show(a.namespace)} is not a Kubernetes namespace name; allowed: lower-case letters, digits and '-', at most 63 characters`);
        }
    }
    if (typed.has("ensembleName")) {
        checkNamePrefix("ensembleName", a.ensembleName, issues);
    }

    // Members.
    let memberIds: number[] = [];
    if (typed.has("memberIds") && typed.has("replicas")) {
        const explicit = a.memberIds;
        if (explicit.length > 0) {
            const bad = explicit.filter((id) => !isInteger(id) || id < 1 || id > 255);
            const dupes = explicit.filter((id, i) => explicit.indexOf(id) !== i);
            if (bad.length > 0) {
                issues.add("memberIds", `${show(bad)} out of range; allowed: whole numbers from 1 to 255 (a member's myid)`);
            } else if (dupes.length > 0) {
                issues.add("memberIds", `id ${[...new Set(dupes)].join(", ")} appears more than once; allowed: each id once (every member needs its own myid)`);
            } else if (raw.replicas !== undefined && a.replicas !== explicit.length) {
                issues.add("replicas", `${a.replicas} disagrees with memberIds, which lists ${explicit.length} ids; allowed: ${explicit.length}, or leave memberIds empty`);
            } else {
                const sorted = [...explicit].sort((x, y) => x - y);
                if (sorted[sorted.length - 1] - sorted[0] !== sorted.length - 1) {
                    issues.add(
                        "memberIds",
                        `${show(explicit)} are not consecutive; allowed: consecutive ids such as [1, 2, 3] or [4, 5, 6] (each member's pod ordinal is its myid)`,
                    );
                } else {
                    memberIds = sorted;
                }
            }
        } else if (a.replicas < 1 || a.replicas > 255) {
            issues.add("replicas", `${a.replicas} is out of range; allowed: 1 to 255 members (odd counts such as 3 or 5)`);
        } else {
            memberIds = Array.from({ length: a.replicas }, (_, i) => i + 1);
        }
        if (memberIds.length > 0 && memberIds.length % 2 === 0 && !(typed.has("allowEvenMembers") && a.allowEvenMembers)) {
            const key = explicit.length > 0 ? "memberIds" : "replicas";
            issues.add(
                key,
                `${memberIds.length} members is an even count, which tolerates no more failures than ${memberIds.length - 1}; allowed: an odd count (1, 3, 5, 7), or set allowEvenMembers to true`,
            );
        }
    }

    // Members on hosts (member swap), as "myid=address" strings (hostMembers, converted here once) or as
    // objects (hosts); the rest are pods, with consecutive ids (pod ordinal = myid).
    let hostsKey = memberKeys?.hosts ?? "hosts";
    let given: HostMember[] = [];
    if (typed.has("hostMembers") && a.hostMembers.length > 0) {
        if (typed.has("hosts") && a.hosts.length > 0) {
            issues.add("hostMembers", 'Only one of hostMembers or hosts can be provided; allowed: "myid=address" strings in hostMembers, or {id, address} objects in hosts');
        } else {
            hostsKey = "hostMembers";
            given = parseHostMembers(hostsKey, a.hostMembers, issues);
        }
    } else if (typed.has("hosts")) {
        given = checkHostMembers(hostsKey, a.hosts, issues);
    }
    const hosts: HostMember[] = [];
    for (const host of given) {
        if (!memberIds.includes(host.id)) {
            issues.add(hostsKey, `myid ${host.id} (${host.address}) is not a member (${memberIds.join(", ")}); allowed: members' ids`);
        } else {
            hosts.push({ id: host.id, address: host.address });
        }
    }
    hosts.sort((x, y) => x.id - y.id);
    const podIds = memberIds.filter((id) => !hosts.some((h) => h.id === id));
    if (podIds.length > 1 && podIds[podIds.length - 1] - podIds[0] !== podIds.length - 1) {
        const allowed = "allowed: pods with consecutive ids (each pod's ordinal is its myid), so move members in an order that grows the pod range at one end";
        if (memberKeys) {
            issues.add(memberKeys.pods, `${show(podIds)} are not consecutive; ${allowed}`);
        } else {
            issues.add(hostsKey, `leaves members ${podIds.join(", ")} as pods, which are not consecutive; ${allowed}`);
        }
    }
    const movedHostIds = typed.has("movedHostIds") ? [...new Set(a.movedHostIds)].sort((x, y) => x - y) : [];
    const notPods = movedHostIds.filter((id) => !podIds.includes(id));
    if (notPods.length > 0) {
        issues.add("movedHostIds", `${show(notPods)} not pod members; allowed: ids of members that run as pods`);
    }
    for (const [key, example] of [["hostDataDir", "/var/lib/zookeeper"], ["hostConfDir", "/etc/zookeeper/conf"]] as const) {
        if (typed.has(key) && !/^\/[^\s]*$/.test(a[key])) {
            issues.add(key, `${show(a[key])} is not an absolute path; allowed: e.g. "${example}"`);
        }
    }

    // Version and the features it decides.
    let version: ZooKeeperVersion | undefined;
    if (typed.has("zookeeperVersion")) {
        const parsed = parseZooKeeperVersion(a.zookeeperVersion);
        if ("error" in parsed) {
            issues.add("zookeeperVersion", parsed.error);
        } else {
            version = parsed;
        }
    }
    const features = version ? featuresOf(version) : undefined;

    if (typed.has("imageRepository") && !IMAGE_REPOSITORY.test(a.imageRepository)) {
        issues.add(
            "imageRepository",
            `${show(a.imageRepository)} is not an image repository; allowed: a repository without tag or digest such as "zookeeper" or "123456789012.dkr.ecr.eu-west-1.amazonaws.com/zookeeper" (the tag is zookeeperVersion)`,
        );
    }
    if (typed.has("clusterDomain") && !DNS_SUBDOMAIN.test(a.clusterDomain)) {
        issues.add("clusterDomain", `${show(a.clusterDomain)} is not a DNS domain; allowed: e.g. "cluster.local"`);
    }

    // Timing.
    const range = (key: keyof typeof a, min: number, max: number, what: string) => {
        if (typed.has(key) && ((a[key] as number) < min || (a[key] as number) > max)) {
            issues.add(key, `${show(a[key])} is out of range; allowed: ${min} to ${max} ${what}`);
        }
    };
    range("tickTime", 100, 60000, "milliseconds");
    range("initLimit", 1, 1000, "ticks");
    range("syncLimit", 1, 1000, "ticks");
    range("maxClientCnxns", 0, 65535, "connections (0 means unlimited)");
    range("minSessionTimeout", 0, 3600000, "milliseconds (0 means 2 x tickTime)");
    range("maxSessionTimeout", 0, 3600000, "milliseconds (0 means 20 x tickTime)");
    range("autopurgeIntervalHours", 0, 8760, "hours (0 disables autopurge)");
    range("autopurgeSnapRetainCount", 3, 1000, "snapshots (ZooKeeper keeps at least 3)");
    range("dnsCacheSeconds", 0, 60, "seconds (0 caches nothing)");
    range("clusterDnsTtlSeconds", 0, 300, "seconds");
    const minSession = a.minSessionTimeout || 2 * a.tickTime;
    const maxSession = a.maxSessionTimeout || 20 * a.tickTime;
    if (typed.has("minSessionTimeout") && typed.has("maxSessionTimeout") && typed.has("tickTime") && minSession > maxSession) {
        issues.add("minSessionTimeout", `${minSession} ms is above maxSessionTimeout (${maxSession} ms); allowed: at most maxSessionTimeout`);
    }

    // Four-letter words.
    if (typed.has("fourLetterWords")) {
        const unknown = a.fourLetterWords.filter((w) => !FOUR_LETTER_WORDS.includes(w));
        const missing = PROBE_WORDS.filter((w) => !a.fourLetterWords.includes(w));
        if (unknown.length > 0) {
            issues.add("fourLetterWords", `${show(unknown)} unknown; allowed: ${FOUR_LETTER_WORDS.join(", ")}`);
        } else if (missing.length > 0) {
            issues.add("fourLetterWords", `${show(a.fourLetterWords)} lacks ${missing.join(" and ")}, which the readiness and liveness probes use; allowed: any list that includes ruok and srvr`);
        }
    }

    // Version-dependent features.
    range("adminServerPort", 1024, 65535, "");
    range("metricsPort", 1024, 65535, "");
    if (typed.has("adminServer") && a.adminServer && features && !features.adminServer) {
        issues.add("adminServer", `true needs ZooKeeper 3.5 or later, but zookeeperVersion is ${version!.text}; allowed: false`);
    }
    if (typed.has("metrics") && !METRICS.includes(a.metrics)) {
        issues.add("metrics", `${show(a.metrics)} is not allowed; allowed: ${METRICS.join(", ")}`);
    } else if (a.metrics === "on" && features && !features.prometheusMetrics) {
        issues.add("metrics", `"on" needs ZooKeeper 3.6 or later (Prometheus metrics provider), but zookeeperVersion is ${version!.text}; allowed: "auto" or "off"`);
    }
    const metricsEnabled = !!features && features.prometheusMetrics && a.metrics !== "off";

    // A member's ports: any two it listens on must differ.
    const tlsOn = typed.has("tls") && (SECURITY_STEPS as readonly string[]).includes(a.tls) && a.tls !== "off";
    const memberPorts: [number, string][] = [
        [PORTS.client, "client"],
        ...(tlsOn ? [[PORTS.secureClient, "TLS client"] as [number, string]] : []),
        [PORTS.quorum, "quorum"],
        [PORTS.election, "election"],
    ];
    const checkPort = (key: "metricsPort" | "adminServerPort", name: string) => {
        const clash = memberPorts.find(([port]) => port === a[key]);
        if (clash) {
            issues.add(key, `${a[key]} is already used by ZooKeeper (the ${clash[1]} port); allowed: a port other than ${memberPorts.map(([port, n]) => `${port} (${n})`).join(", ")}`);
        }
        memberPorts.push([a[key], name]);
    };
    if (typed.has("metricsPort") && metricsEnabled) {
        checkPort("metricsPort", "metrics");
    }
    if (typed.has("adminServerPort") && typed.has("adminServer") && a.adminServer && features?.adminServer !== false) {
        checkPort("adminServerPort", "admin server");
    }

    // Storage.
    if (typed.has("storageClass") && a.storageClass !== "" && (!DNS_SUBDOMAIN.test(a.storageClass) || a.storageClass.length > 253)) {
        issues.add("storageClass", `${show(a.storageClass)} is not a StorageClass name; allowed: a DNS subdomain such as "gp3", or "" for the cluster default`);
    }
    const positiveQuantity = (key: keyof typeof a, example: string, optional: boolean) => {
        if (!typed.has(key)) {
            return undefined;
        }
        const text = str(key);
        if (optional && text === "") {
            return undefined;
        }
        const value = parseQuantity(text);
        if (value === undefined || value <= 0) {
            issues.add(key, `${show(text)} is not a positive Kubernetes quantity; allowed: e.g. ${example}${optional ? ', or ""' : ""}`);
        }
        return value;
    };
    positiveQuantity("dataVolumeSize", '"20Gi"', false);
    positiveQuantity("dataLogVolumeSize", '"10Gi"', true);

    // Resources and heap.
    const cpuRequest = positiveQuantity("cpuRequest", '"1" or "500m"', false);
    const cpuLimit = positiveQuantity("cpuLimit", '"2"', true);
    const memoryRequest = positiveQuantity("memoryRequest", '"2Gi"', true);
    const memoryLimit = positiveQuantity("memoryLimit", '"2Gi"', false);
    const heap = positiveQuantity("jvmHeap", '"1Gi" or "1536Mi"', false);
    if (cpuRequest !== undefined && cpuLimit !== undefined && cpuLimit < cpuRequest) {
        issues.add("cpuLimit", `${show(a.cpuLimit)} is below cpuRequest ${show(a.cpuRequest)}; allowed: at least cpuRequest, or "" for no limit`);
    }
    if (memoryRequest !== undefined && memoryLimit !== undefined && memoryRequest > memoryLimit) {
        issues.add("memoryRequest", `${show(a.memoryRequest)} is above memoryLimit ${show(a.memoryLimit)}; allowed: at most memoryLimit`);
    }
    if (heap !== undefined && memoryLimit !== undefined) {
        const maxHeapMiB = Math.floor(toMiB(memoryLimit) * 0.75);
        if (toMiB(heap) > maxHeapMiB) {
            const what = heap > memoryLimit ? "is larger than" : "leaves under 25% of";
            issues.add(
                "jvmHeap",
                `${show(a.jvmHeap)} ${what} memoryLimit ${show(a.memoryLimit)}; allowed: at most ${maxHeapMiB}Mi (75% of memoryLimit, the rest is for off-heap memory), or raise memoryLimit`,
            );
        } else if (toMiB(heap) < 64) {
            issues.add("jvmHeap", `${show(a.jvmHeap)} is too small for ZooKeeper; allowed: 64Mi or more`);
        }
    }

    // Placement.
    if (typed.has("nodeRole") && (a.nodeRole === "" || a.nodeRole.length > 63 || !LABEL_VALUE.test(a.nodeRole))) {
        issues.add("nodeRole", `${show(a.nodeRole)} is not a label value; allowed: letters, digits, '-', '_' and '.', 1 to 63 characters`);
    }
    if (typed.has("zoneSpread") && !ZONE_SPREAD.includes(a.zoneSpread)) {
        issues.add("zoneSpread", `${show(a.zoneSpread)} is not allowed; allowed: ${ZONE_SPREAD.join(", ")}`);
    }

    // Client access from outside the cluster.
    if (typed.has("clientAccess") && !CLIENT_ACCESS.includes(a.clientAccess)) {
        issues.add("clientAccess", `${show(a.clientAccess)} is not allowed; allowed: ${CLIENT_ACCESS.join(", ")}`);
    }
    if (typed.has("clientNodePort") && a.clientNodePort !== 0) {
        if (a.clientNodePort < 30000 || a.clientNodePort > 32767) {
            issues.add("clientNodePort", `${a.clientNodePort} is outside the node port range; allowed: 30000-32767, or 0 to let Kubernetes choose`);
        } else if (a.clientAccess === "none") {
            issues.add("clientNodePort", `${a.clientNodePort} is set but clientAccess is "none"; allowed: 0, or set clientAccess to NodePort or LoadBalancer`);
        }
    }
    if (typed.has("loadBalancerSourceRanges") && a.loadBalancerSourceRanges.length > 0) {
        const bad = a.loadBalancerSourceRanges.filter((c) => !parseCidr(c));
        if (bad.length > 0) {
            issues.add("loadBalancerSourceRanges", `${show(bad)} not IPv4 CIDRs; allowed: CIDRs such as "10.0.0.0/16"`);
        } else if (checkNotOpenToAll("loadBalancerSourceRanges", a.loadBalancerSourceRanges, issues) && a.clientAccess !== "LoadBalancer") {
            issues.add("loadBalancerSourceRanges", `set but clientAccess is ${show(a.clientAccess)}; allowed: [] unless clientAccess is LoadBalancer`);
        }
    }

    // NetworkPolicy peers: every one must be able to select something.
    if (typed.has("clientNamespaces")) {
        const bad = a.clientNamespaces.filter((n) => !isNamespaceName(n));
        if (bad.length > 0) {
            issues.add("clientNamespaces", `${show(bad)} can select no namespace (not namespace names); allowed: names such as "orders"`);
        }
    }
    if (typed.has("monitoringNamespace") && !isNamespaceName(a.monitoringNamespace)) {
        issues.add("monitoringNamespace", `${show(a.monitoringNamespace)} can select no namespace (not a namespace name); allowed: a name such as "monitoring"`);
    }
    const clientPodLabels: Record<string, string> = {};
    if (typed.has("clientPodLabels")) {
        for (const [key, value] of parsePairs("clientPodLabels", a.clientPodLabels, issues, '"key=value", e.g. "app.kubernetes.io/part-of=orders"')) {
            const [prefix, name] = key.includes("/") ? key.split("/", 2) : ["", key];
            const keyOk = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)$/.test(name) && name.length <= 63 && (prefix === "" || (DNS_SUBDOMAIN.test(prefix) && prefix.length <= 253));
            if (!keyOk || !LABEL_VALUE.test(value) || value.length > 63) {
                issues.add("clientPodLabels", `${show(`${key}=${value}`)} can select no pod (not a valid label); allowed: label keys and values Kubernetes accepts`);
            } else if (key in clientPodLabels && clientPodLabels[key] !== value) {
                issues.add("clientPodLabels", `${show(key)} is given two values, which no pod can carry at once; allowed: one value per key`);
            } else {
                clientPodLabels[key] = value;
            }
        }
    }
    for (const key of ["clientCidrs", "peerCidrs"] as const) {
        if (typed.has(key)) {
            checkCidrs(key, a[key], issues);
        }
    }

    const security = checkSecurity(a, typed, issues, { version, features, hosts });

    issues.throwIfAny();

    return {
        namespace: a.namespace,
        ensembleName: a.ensembleName,
        memberIds,
        podIds,
        hosts,
        movedHostIds,
        bootstrap: a.bootstrap,
        hostDataDir: a.hostDataDir,
        hostConfDir: a.hostConfDir,
        dnsCacheSeconds: a.dnsCacheSeconds,
        clusterDnsTtlSeconds: a.clusterDnsTtlSeconds,
        moveSettleSeconds: a.clusterDnsTtlSeconds + a.dnsCacheSeconds + 1,
        quorumSize: Math.floor(memberIds.length / 2) + 1,
        version: version!,
        features: features!,
        image: `${a.imageRepository}:${version!.text}`,
        clusterDomain: a.clusterDomain,
        tickTime: a.tickTime,
        initLimit: a.initLimit,
        syncLimit: a.syncLimit,
        maxClientCnxns: a.maxClientCnxns,
        minSessionTimeout: minSession,
        maxSessionTimeout: maxSession,
        autopurgeIntervalHours: a.autopurgeIntervalHours,
        autopurgeSnapRetainCount: a.autopurgeSnapRetainCount,
        fourLetterWords: [...new Set(a.fourLetterWords)].sort(),
        adminServer: a.adminServer,
        adminServerPort: a.adminServerPort,
        metricsEnabled,
        metricsPort: a.metricsPort,
        storageClass: a.storageClass,
        dataVolumeSize: a.dataVolumeSize,
        dataLogVolumeSize: a.dataLogVolumeSize,
        cpuRequest: a.cpuRequest,
        cpuLimit: a.cpuLimit,
        memoryRequest: a.memoryRequest === "" ? a.memoryLimit : a.memoryRequest,
        memoryLimit: a.memoryLimit,
        jvmHeapMiB: toMiB(heap!),
        dedicatedNodes: a.dedicatedNodes,
        nodeRole: a.nodeRole,
        zoneSpread: a.zoneSpread as EnsembleSettings["zoneSpread"],
        protectStatefulSet: a.protectStatefulSet,
        clientAccess: a.clientAccess as EnsembleSettings["clientAccess"],
        clientNodePort: a.clientNodePort,
        loadBalancerSourceRanges: [...a.loadBalancerSourceRanges],
        networkPolicy: a.networkPolicy,
        clientNamespaces: [...new Set(a.clientNamespaces)].sort(),
        clientPodLabels,
        clientCidrs: [...a.clientCidrs],
        peerCidrs: [...a.peerCidrs],
        monitoringNamespace: a.monitoringNamespace,
        ...security,
    };
}

/** A value given as an Output or Promise (a secret from config or another resource): checked when it is known. */
function isPendingInput(v: unknown): boolean {
    return typeof v === "object" && v !== null && (typeof (v as { apply?: unknown }).apply === "function" || typeof (v as { then?: unknown }).then === "function");
}

/**
 * TLS and SASL: versions, certificate source, credentials. Members still on
 * hosts (a member swap) share the quorum with the pods but not their
 * certificates and credentials, so security waits until every member is a pod.
 */
function checkSecurity(
    a: Required<ZooKeeperEnsembleArgs>,
    typed: Set<string>,
    issues: IssueCollector,
    ctx: { version?: ZooKeeperVersion; features?: VersionFeatures; hosts: { id: number }[] },
): Pick<EnsembleSettings, "tls" | "tlsSource" | "tlsClientAuth" | "saslQuorum" | "saslClient" | "saslClientUsers"> {
    const step = <T extends string>(key: "tls" | "saslQuorum" | "saslClient", allowed: readonly T[]): T => {
        if (typed.has(key) && !allowed.includes(a[key] as T)) {
            issues.add(key, `${show(a[key])} is not allowed; allowed: ${allowed.join(", ")}`);
            return "off" as T;
        }
        return typed.has(key) ? (a[key] as T) : ("off" as T);
    };
    const tls = step("tls", SECURITY_STEPS);
    const saslQuorum = step("saslQuorum", SECURITY_STEPS);
    const saslClient = step("saslClient", CLIENT_SASL_STEPS);

    for (const [key, value] of [["tls", tls], ["saslQuorum", saslQuorum], ["saslClient", saslClient]] as const) {
        if (value === "off") {
            continue;
        }
        if (ctx.features && !ctx.features.tlsAndSasl) {
            issues.add(key, `${show(value)} needs ZooKeeper 3.5.5 or later (TLS and SASL for quorum and clients), but zookeeperVersion is ${ctx.version!.text}; allowed: "off", or upgrade first`);
        } else if (ctx.hosts.length > 0) {
            issues.add(
                key,
                `${show(value)} while members ${ctx.hosts.map((h) => h.id).join(", ")} still run on hosts, which have neither the certificates nor the credentials; allowed: "off" until every member is a pod (finish the member swap first)`,
            );
        }
    }
    if (saslClient === "require" && ctx.features && ctx.features.tlsAndSasl && !ctx.features.requireClientSasl) {
        issues.add("saslClient", `"require" needs ZooKeeper 3.6.0 or later (zookeeper.sessionRequireClientSASLAuth), but zookeeperVersion is ${ctx.version!.text}; allowed: "off" or "accept"`);
    }

    // Certificates.
    const name = (key: "tlsSecretName" | "tlsIssuer") => {
        if (!typed.has(key) || a[key] === "") {
            return "";
        }
        if (!DNS_SUBDOMAIN.test(a[key]) || a[key].length > 253) {
            issues.add(key, `${show(a[key])} is not a valid Kubernetes object name; allowed: lower-case letters, digits, '-' and '.', starting and ending with a letter or digit, at most 253 characters`);
            return "";
        }
        return a[key];
    };
    const secretName = name("tlsSecretName");
    const issuer = name("tlsIssuer");
    if (typed.has("tlsIssuerKind") && !ISSUER_KINDS.includes(a.tlsIssuerKind)) {
        issues.add("tlsIssuerKind", `${show(a.tlsIssuerKind)} is not allowed; allowed: ${ISSUER_KINDS.join(", ")}`);
    }
    if (typed.has("tlsClientAuth") && !TLS_CLIENT_AUTH.includes(a.tlsClientAuth)) {
        issues.add("tlsClientAuth", `${show(a.tlsClientAuth)} is not allowed; allowed: ${TLS_CLIENT_AUTH.join(", ")}`);
    } else if (typed.has("tlsClientAuth") && a.tlsClientAuth !== "need" && tls !== "off" && ctx.version?.minor === 5 && ctx.version.patch < 7) {
        // ssl.clientAuth is read from 3.5.7 on (ZOOKEEPER-3674); before, clients always need a certificate.
        issues.add("tlsClientAuth", `${show(a.tlsClientAuth)} needs ZooKeeper 3.5.7 or later, but zookeeperVersion is ${ctx.version.text}; allowed: "need"`);
    }
    let tlsSource: TlsSource | undefined;
    if (secretName !== "" && issuer !== "") {
        issues.add("tlsSecretName", "Only one of tlsSecretName or tlsIssuer can be provided; allowed: an existing Secret, or a cert-manager issuer that fills one");
    } else if (secretName !== "") {
        tlsSource = { kind: "secret", secretName };
    } else if (issuer !== "") {
        tlsSource = { kind: "cert-manager", issuer, issuerKind: a.tlsIssuerKind };
    } else if (tls !== "off" && typed.has("tlsSecretName") && typed.has("tlsIssuer") && a.tlsSecretName === "" && a.tlsIssuer === "") {
        issues.add(
            "tls",
            `${show(tls)} needs certificates, but neither tlsSecretName nor tlsIssuer is set; allowed: tlsSecretName (an existing Secret with tls.crt, tls.key and ca.crt) or tlsIssuer (a cert-manager issuer)`,
        );
    }

    // Credentials: shown by name only, never by value.
    if (saslQuorum !== "off" && typed.has("saslQuorumPassword") && a.saslQuorumPassword === "") {
        issues.add("saslQuorumPassword", `is empty, but saslQuorum is ${show(saslQuorum)}; allowed: a non-empty Pulumi secret`);
    }
    const users = typed.has("saslClientUsers") ? a.saslClientUsers : [];
    const badUsers = users.filter((u) => !/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(u));
    const twice = users.filter((u, i) => users.indexOf(u) !== i);
    if (badUsers.length > 0) {
        issues.add("saslClientUsers", `${show(badUsers)} not usable as SASL user names; allowed: letters, digits, '.', '_' and '-', starting with a letter or digit, at most 64 characters`);
    } else if (twice.length > 0) {
        issues.add("saslClientUsers", `${show([...new Set(twice)])} listed more than once; allowed: each user once`);
    }
    if (saslClient !== "off" && users.length === 0) {
        issues.add("saslClientUsers", `is empty, but saslClient is ${show(saslClient)}; allowed: the user names clients authenticate as, e.g. ["dubbo"]`);
    }
    if (typed.has("saslClientPasswords") && typed.has("saslClientUsers") && (saslClient !== "off" || a.saslClientPasswords.length > 0)) {
        const passwords = a.saslClientPasswords;
        if (passwords.length !== users.length) {
            issues.add("saslClientPasswords", `has ${passwords.length} entries for ${users.length} saslClientUsers; allowed: one password per user, in the same order`);
        } else {
            const empty = passwords.map((p, i) => (p === "" ? users[i] : undefined)).filter((u) => u !== undefined);
            if (empty.length > 0) {
                issues.add("saslClientPasswords", `the passwords of ${show(empty)} are empty; allowed: non-empty Pulumi secrets`);
            }
        }
    }

    return {
        tls,
        tlsSource,
        tlsClientAuth: (TLS_CLIENT_AUTH.includes(a.tlsClientAuth) ? a.tlsClientAuth : "need") as EnsembleSettings["tlsClientAuth"],
        saslQuorum,
        saslClient,
        saslClientUsers: [...users],
    };
}

/** Checks each value's type; returns the keys whose type is right. */
function checkTypes(a: Record<string, unknown>, issues: IssueCollector): Set<string> {
    const ok = new Set<string>();
    const expect = (key: string, good: boolean, what: string) => {
        if (good) {
            ok.add(key);
        } else {
            issues.add(key, `${show(a[key])} has the wrong type; allowed: ${what}`);
        }
    };
    if (a.namespace === undefined) {
        issues.add("namespace", "is required; allowed: the name of an existing Kubernetes namespace");
    } else {
        expect("namespace", typeof a.namespace === "string", "a string");
    }
    for (const [key, def] of Object.entries(ENSEMBLE_DEFAULTS)) {
        const v = a[key];
        if (SECRET_ARG_KEYS.includes(key)) {
            // A secret: strings, or Outputs known later; its value is never shown.
            const secretValue = (x: unknown) => typeof x === "string" || isPendingInput(x);
            const list = Array.isArray(def);
            if (list ? Array.isArray(v) && v.every(secretValue) : secretValue(v)) {
                ok.add(key);
            } else {
                issues.add(key, `has the wrong type; allowed: ${list ? "a list of strings (Pulumi secrets)" : "a string (a Pulumi secret)"}`);
            }
        } else if (key === "hosts") {
            const isHost = (h: unknown) => typeof h === "object" && h !== null && isInteger((h as HostMember).id) && typeof (h as HostMember).address === "string";
            expect(key, Array.isArray(v) && v.every(isHost), "a list of {id, address} objects");
        } else {
            const type = typeOfDefault(key, def, ["memberIds", "movedHostIds"]);
            expect(key, hasType(v, type), describeType(type));
        }
    }
    return ok;
}

function stripUndefined(o: Record<string, unknown>): Record<string, unknown> {
    return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

/** " (did you mean x?)" when a known key is within two edits of `key`. */
export function suggest(key: string, known: readonly string[]): string {
    let best: string | undefined;
    let bestDistance = 3;
    for (const k of known) {
        const d = editDistance(key.toLowerCase(), k.toLowerCase());
        if (d < bestDistance) {
            best = k;
            bestDistance = d;
        }
    }
    return best ? ` (did you mean ${best}?)` : "";
}

function editDistance(a: string, b: string): number {
    let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
        const cur = [i];
        for (let j = 1; j <= b.length; j++) {
            cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
        }
        prev = cur;
    }
    return prev[b.length];
}
