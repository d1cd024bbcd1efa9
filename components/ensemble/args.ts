/**
 * The ensemble's args: the interface (every field documented with its
 * default), the defaults written once, the keys and the closed sets of values.
 * No Pulumi import here but the Input type.
 */
import type { Input } from "@pulumi/pulumi";
import { HostMember } from "../shared/net";
import { DEFAULT_ZOOKEEPER_VERSION } from "./version";
import type { ValueOf } from "../shared/errors";

/** The ensemble's names: they may come from other resources (Outputs), and are checked when known. */
export interface EnsembleNamesArgs {
    /** Kubernetes namespace the ensemble lives in (e.g. a Namespace resource's `metadata.name`). Must exist (or be created by the caller). */
    namespace: Input<string>;
    /** Prefix of every Kubernetes object name (`<ensembleName>-1`, `<ensembleName>-client`, ...). A DNS label of at most 40 characters. Default "zk". */
    ensembleName?: Input<string>;
    /** StorageClass of the data volumes; empty means the cluster's default class. Default "". */
    storageClass?: Input<string>;
}

/**
 * The ensemble itself: members, version, timing, limits, storage, resources,
 * scheduling and client access. Plain values: they shape the resources.
 */
export interface EnsembleCoreArgs {
    /** Number of members. Odd, so that a majority survives a failure. Default 3. */
    replicas?: number;
    /** Explicit member ids (myid, 1..255), one per member, consecutive (each member's pod ordinal is its myid). Empty means 1..replicas. Default []. */
    memberIds?: number[];
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
    metrics?: MetricsMode;
    /** Port of the Prometheus metrics endpoint. Default 7000. */
    metricsPort?: number;
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
    /** Spread of members over availability zones: "required" (never two members in one zone while another zone has fewer) or "preferred". Default "required". */
    zoneSpread?: ZoneSpread;
    /** Protect the StatefulSet: Pulumi refuses to delete or replace it (a replacement would stop every member at once); `pulumi state unprotect` lifts it. Default true. */
    protectStatefulSet?: boolean;
    /** Access for clients outside the cluster: "none", "NodePort" or "LoadBalancer" (an internal AWS load balancer). Default "none". */
    clientAccess?: ClientAccess;
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
    /** Namespace of the Prometheus that scrapes the metrics port. Default "monitoring". */
    monitoringNamespace?: string;
    /** A prometheus-operator PodMonitor that scrapes every member's metrics port (when metrics are on); false where the prometheus-operator CRDs are not installed. Default true. */
    podMonitor?: boolean;
    /** A prometheus-operator PrometheusRule with the ensemble's alerts (when metrics are on); false where the CRDs are not installed. Default true. */
    prometheusRule?: boolean;
    /** Labels ("key=value") on the PodMonitor and the PrometheusRule, for the Prometheus's podMonitorSelector and ruleSelector (e.g. "release=kube-prometheus-stack"). Default []. */
    monitoringLabels?: string[];
    /** A Grafana dashboard of the ensemble, as a ConfigMap in the ensemble's namespace that the Grafana dashboard sidecar loads (when metrics are on). Default true. */
    grafanaDashboard?: boolean;
    /** Labels ("key=value") of the dashboard ConfigMap that the Grafana sidecar looks for. Default ["grafana_dashboard=1"]. */
    grafanaDashboardLabels?: string[];
    /** Where your copy of this package's README is (an https URL): each alert's `runbook_url` is its section there; empty names the section of "README.md". Default "". */
    runbookBaseUrl?: string;
}

/** Where the members keep their files on the legacy hosts (the zoo.cfg rendered for hosts names them). */
export interface LegacyHostDirsArgs {
    /** dataDir of the members on hosts, for the zoo.cfg rendered for them. Default "/var/lib/zookeeper". */
    hostDataDir?: string;
    /** Configuration directory of the members on hosts, where they keep zoo.cfg and the `java.security` override (`hostJvmFlags` points at it). Default "/etc/zookeeper/conf". */
    hostConfDir?: string;
}

/**
 * TLS and SASL of an ensemble, each turned on (or off) one step per rolling
 * restart. Passwords may be plain strings or Outputs; wherever they go they are
 * kept secret (wrapped with pulumi.secret), whatever the caller passed.
 */
export interface EnsembleSecurity {
    /**
     * TLS (3.5.5+), one step per rolling restart on a running ensemble:
     * "off"; "accept" (members accept TLS and plaintext from peers, clients may
     * use the TLS port 2281 beside 2181); "prefer" (members talk TLS to each
     * other, still accepting plaintext); "require" (TLS only; 2181 answers only
     * inside the pod, for the probes). Default "off".
     */
    tls?: SecurityStep;
    /** Existing Secret with the members' certificate: `tls.crt`, `tls.key` (PKCS#8) and `ca.crt`, PEM. One of this or `tlsIssuer` when `tls` is on. Default "". */
    tlsSecretName?: string;
    /** cert-manager issuer that signs the members' certificate (a Certificate `<ensembleName>-tls` is created). Default "". */
    tlsIssuer?: string;
    /** Kind of `tlsIssuer`: "ClusterIssuer" or "Issuer" (in the ensemble's namespace). Default "ClusterIssuer". */
    tlsIssuerKind?: IssuerKind;
    /** Client certificates on the TLS client port (`ssl.clientAuth`): "need" (mutual TLS), "want" or "none". Default "need". */
    tlsClientAuth?: TlsClientAuth;
    /**
     * SASL DIGEST-MD5 between members (`quorum.auth.*`), one step per rolling
     * restart on a running ensemble: "off"; "accept" (members answer SASL);
     * "prefer" (learners authenticate); "require" (unauthenticated peers are
     * refused). Default "off".
     */
    saslQuorum?: SecurityStep;
    /** Password of the members' quorum identity (a Pulumi secret). Required when `saslQuorum` is on. Default "". */
    saslQuorumPassword?: Input<string>;
    /**
     * SASL DIGEST-MD5 for clients: "off"; "accept" (clients may authenticate,
     * for `sasl:` ACLs); "require" (3.6+: sessions without SASL are refused).
     * Default "off".
     */
    saslClient?: ClientSaslStep;
    /** User names clients authenticate as (`saslClient`), e.g. ["dubbo", "kafka"]. Default []. */
    saslClientUsers?: string[];
    /** Passwords of `saslClientUsers`, in the same order (Pulumi secrets). Default []. */
    saslClientPasswords?: Input<string>[];
}

/**
 * Settings of a ZooKeeper ensemble (its inputs but for the member swap's
 * placement, below). Every field is optional except `namespace`;
 * the default of each is given in its description and in `ENSEMBLE_DEFAULTS`.
 * The names (`namespace`, `ensembleName`, `storageClass`) and the passwords
 * may come from other resources (Outputs); they are checked when known. Every
 * other value shapes the resources (members, version, ports, security steps)
 * and is plain, so it is checked before any resource is created.
 */
export interface EnsembleSettingsArgs extends EnsembleNamesArgs, EnsembleCoreArgs, LegacyHostDirsArgs, EnsembleSecurity {
    /** Value of the dedicated nodes' role label and taint. Default "zookeeper". */
    nodeRole?: string;
    /** Addresses outside the cluster that may reach 2181 (NodePort and load balancer clients, load balancer health checks). Default []. */
    clientCidrs?: string[];
}

/**
 * Inputs of a ZooKeeper ensemble: its settings, and where its members run
 * during a member swap (which members are still on hosts, which moved, which
 * addresses reach the peer ports) and whether it is being created. A
 * ZooKeeperCutover derives these from its stage; callers that run a member
 * swap with the ensemble alone give them.
 */
export interface ZooKeeperEnsembleArgs extends EnsembleSettingsArgs {
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
    /** Addresses outside the cluster that may reach the peer ports 2888/3888 (legacy hosts during a member swap). Default []. */
    peerCidrs?: string[];
}

/** Every optional input with its default. Pulumi.yaml's config defaults must equal these. */
/** The args that may come from other resources as Outputs: names, resolved before the other settings are checked. */
export const NAME_INPUT_KEYS = ["namespace", "ensembleName", "storageClass"] as const;

/** The ensemble's args with their names known: what the settings are resolved from. */
export type EnsembleValues = Omit<ZooKeeperEnsembleArgs, (typeof NAME_INPUT_KEYS)[number]> & { namespace: string; ensembleName?: string; storageClass?: string };

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
    podMonitor: true,
    prometheusRule: true,
    monitoringLabels: [] as string[],
    grafanaDashboard: true,
    grafanaDashboardLabels: ["grafana_dashboard=1"],
    runbookBaseUrl: "",
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
/** The four-letter words the probes use: every member must answer them. */
export const PROBE_WORDS = ["ruok", "srvr"];

// Closed sets of values, as `as const` objects: the cross-language schema turns each into an enum.

/** How clients outside the cluster reach the ensemble: not at all, a NodePort Service, or an internal LoadBalancer. */
export const ClientAccess = { None: "none", NodePort: "NodePort", LoadBalancer: "LoadBalancer" } as const;
export type ClientAccess = ValueOf<typeof ClientAccess>;
/** How strictly members are spread over zones: required (a zone per member) or preferred. */
export const ZoneSpread = { Required: "required", Preferred: "preferred" } as const;
export type ZoneSpread = ValueOf<typeof ZoneSpread>;
/** The Prometheus metrics endpoint (3.6+): on where the version supports it, on, or off. */
export const MetricsMode = { Auto: "auto", On: "on", Off: "off" } as const;
export type MetricsMode = ValueOf<typeof MetricsMode>;
/** Steps of turning TLS or quorum SASL on (or off) on a running ensemble, one per rolling restart, in order. */
export const SecurityStep = { Off: "off", Accept: "accept", Prefer: "prefer", Require: "require" } as const;
export type SecurityStep = ValueOf<typeof SecurityStep>;
/** Steps of client SASL, one per rolling restart, in order. */
export const ClientSaslStep = { Off: "off", Accept: "accept", Require: "require" } as const;
export type ClientSaslStep = ValueOf<typeof ClientSaslStep>;
/** Kind of cert-manager issuer. */
export const IssuerKind = { ClusterIssuer: "ClusterIssuer", Issuer: "Issuer" } as const;
export type IssuerKind = ValueOf<typeof IssuerKind>;
/** Client certificates on the TLS client port (ssl.clientAuth). */
export const TlsClientAuth = { Need: "need", Want: "want", None: "none" } as const;
export type TlsClientAuth = ValueOf<typeof TlsClientAuth>;

export const CLIENT_ACCESS: readonly string[] = Object.values(ClientAccess);
export const ZONE_SPREAD: readonly string[] = Object.values(ZoneSpread);
export const METRICS: readonly string[] = Object.values(MetricsMode);
export const SECURITY_STEPS: readonly SecurityStep[] = Object.values(SecurityStep);
export const CLIENT_SASL_STEPS: readonly ClientSaslStep[] = Object.values(ClientSaslStep);
export const ISSUER_KINDS: readonly string[] = Object.values(IssuerKind);
export const TLS_CLIENT_AUTH: readonly string[] = Object.values(TlsClientAuth);
/** Where TLS material comes from. */
