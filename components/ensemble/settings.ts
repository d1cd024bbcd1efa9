/**
 * The ensemble's settings: the validation that turns args (./args.ts) into
 * resolved settings or a list of issues, each keyed by the field it is about.
 * No Pulumi import here.
 */
import {
    CLIENT_ACCESS,
    ENSEMBLE_ARG_KEYS,
    ENSEMBLE_DEFAULTS,
    FOUR_LETTER_WORDS,
    METRICS,
    PROBE_WORDS,
    SECRET_ARG_KEYS,
    SECURITY_STEPS,
    ZONE_SPREAD,
    EnsembleValues,
} from "./args";
import { checkNamePrefix, isDnsSubdomain, isLabelValue, isNamespaceName } from "../shared/kube";
import { PORTS } from "../shared/zookeeper";
import { describeType, hasType, isPendingInput, IssueCollector, show, suggest, typeOfDefault } from "../shared/errors";
import { checkCidrs, checkHostMembers, checkNotOpenToAll, HostMember, parseCidr, parseHostMembers, parsePairs } from "../shared/net";
import { parseQuantity, toMiB } from "../shared/quantity";
import { featuresOf, parseZooKeeperVersion, VersionFeatures, ZooKeeperVersion } from "./version";
import { resolveSecurity, SecuritySettings } from "./security";


/** Settings after defaults and validation: what the renderers consume. */
export interface EnsembleSettings extends SecuritySettings {
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
    /** What watches the ensemble when metrics are on (each false when metrics are off). */
    podMonitor: boolean;
    prometheusRule: boolean;
    monitoringLabels: Record<string, string>;
    grafanaDashboard: boolean;
    grafanaDashboardLabels: Record<string, string>;
    runbookBaseUrl: string;
}

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
 * Labels given as "key=value" under config key `key`: each a label Kubernetes
 * accepts, one value per key; `carrier` is what carries them (an error says
 * what a bad one cannot do).
 */
function labelsOf(key: string, entries: string[], carrier: "pod" | "object", example: string, issues: IssueCollector): Record<string, string> {
    const why = carrier === "pod" ? "can select no pod" : "cannot label an object";
    const labels: Record<string, string> = {};
    for (const [name, value] of parsePairs(key, entries, issues, `"key=value", e.g. ${example}`)) {
        const [prefix, local] = name.includes("/") ? name.split("/", 2) : ["", name];
        const keyOk = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)$/.test(local) && local.length <= 63 && (prefix === "" || (isDnsSubdomain(prefix) && prefix.length <= 253));
        if (!keyOk || !isLabelValue(value) || value.length > 63) {
            issues.add(key, `${show(`${name}=${value}`)} ${why} (not a valid label); allowed: label keys and values Kubernetes accepts`);
        } else if (name in labels && labels[name] !== value) {
            issues.add(key, `${show(name)} is given two values, which no ${carrier} can carry at once; allowed: one value per key`);
        } else {
            labels[name] = value;
        }
    }
    return labels;
}

/**
 * Applies defaults and checks every input. Returns the settings, or throws a
 * `ZooKeeperConfigError` listing every issue (keys are the args' field names,
 * or for derived members the keys in `memberKeys`).
 */
export function resolveEnsembleSettings(args: EnsembleValues, memberKeys?: MemberKeys): EnsembleSettings {
    const issues = new IssueCollector();
    const raw = (args ?? {}) as unknown as Record<string, unknown>;

    for (const key of Object.keys(raw)) {
        if (!ENSEMBLE_ARG_KEYS.includes(key)) {
            issues.add(key, `unknown setting${suggest(key, ENSEMBLE_ARG_KEYS)}; allowed: ${ENSEMBLE_ARG_KEYS.join(", ")}`);
        }
    }
    const a = { ...ENSEMBLE_DEFAULTS, ...stripUndefined(raw) } as Required<EnsembleValues>;

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
    if (typed.has("clusterDomain") && !isDnsSubdomain(a.clusterDomain)) {
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
    if (typed.has("storageClass") && a.storageClass !== "" && (!isDnsSubdomain(a.storageClass) || a.storageClass.length > 253)) {
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
    if (typed.has("nodeRole") && (a.nodeRole === "" || a.nodeRole.length > 63 || !isLabelValue(a.nodeRole))) {
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
    if (typed.has("runbookBaseUrl") && a.runbookBaseUrl !== "" && !/^https?:\/\/[^\s#]+$/.test(a.runbookBaseUrl)) {
        issues.add("runbookBaseUrl", `${show(a.runbookBaseUrl)} is not a URL without a fragment; allowed: "" or an http(s) URL of your copy of the README, e.g. "https://git.example.com/platform/zookeeper-cutover/README.md"`);
    }
    const clientPodLabels = typed.has("clientPodLabels") ? labelsOf("clientPodLabels", a.clientPodLabels, "pod", '"app.kubernetes.io/part-of=orders"', issues) : {};
    const monitoringLabels = typed.has("monitoringLabels") ? labelsOf("monitoringLabels", a.monitoringLabels, "object", '"release=kube-prometheus-stack"', issues) : {};
    const grafanaDashboardLabels = typed.has("grafanaDashboardLabels") ? labelsOf("grafanaDashboardLabels", a.grafanaDashboardLabels, "object", '"grafana_dashboard=1"', issues) : {};
    for (const key of ["clientCidrs", "peerCidrs"] as const) {
        if (typed.has(key)) {
            checkCidrs(key, a[key], issues);
        }
    }

    const security = resolveSecurity(a, typed, issues, { version, features, hosts });

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
        podMonitor: metricsEnabled && a.podMonitor,
        prometheusRule: metricsEnabled && a.prometheusRule,
        monitoringLabels,
        grafanaDashboard: metricsEnabled && a.grafanaDashboard,
        grafanaDashboardLabels,
        runbookBaseUrl: a.runbookBaseUrl,
        ...security,
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
