/**
 * The Kubernetes objects of a pod ensemble, as plain objects. Pure: the
 * component turns each into a Pulumi resource; tests validate them against the
 * Kubernetes OpenAPI schema.
 */
import { kube, KubeObject, NAMESPACE_NAME_LABEL } from "../shared/kube";
import { memberServiceName, objectNames, PORTS } from "../shared/zookeeper";
import { createHash } from "crypto";
// Type-only imports: the objects below are checked field by field against the Kubernetes API types
// at compile time (a misspelt field fails `tsc`); nothing of kubernetes-models is loaded at run time.
import type { IStatefulSet } from "kubernetes-models/apps/v1/StatefulSet";
import type { INetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import type { INetworkPolicyIngressRule } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicyIngressRule";
import type { INetworkPolicyPeer } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicyPeer";
import type { IPodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import type { IConfigMap } from "kubernetes-models/v1/ConfigMap";
import type { IContainerPort } from "kubernetes-models/v1/ContainerPort";
import type { IPersistentVolumeClaim } from "kubernetes-models/v1/PersistentVolumeClaim";
import type { IPodSpec } from "kubernetes-models/v1/PodSpec";
import type { IProbe } from "kubernetes-models/v1/Probe";
import type { IResourceRequirements } from "kubernetes-models/v1/ResourceRequirements";
import type { IService } from "kubernetes-models/v1/Service";
import type { IServicePort } from "kubernetes-models/v1/ServicePort";
import type { IServiceSpec } from "kubernetes-models/v1/ServiceSpec";
import type { IVolumeMount } from "kubernetes-models/v1/VolumeMount";
import { dedicatedNodePlacement, ensembleMeta as meta, ensembleSelector, LABEL_MEMBER_ID, memberSelector, objectLabels, POD_INDEX_LABEL, tolerationsFor } from "../shared/labels";
import { renderHostEndpointSlice, renderHostService } from "../shared/hostServices";
import { JAVA_SECURITY_FILE, POD_PATHS } from "./paths";
import { javaSecurityFlag, renderConfigFiles } from "./zooCfg";
import { renderSecurityJvmFlags, usesSasl } from "./security";
import { renderMonitoring } from "./monitoring";
import { EnsembleSettings } from "./settings";

/** Pod annotation that changes whenever the rendered configuration changes, so pods roll. */
export const CONFIG_HASH_ANNOTATION = "zookeeper-cutover/config-hash";

/** Every object of one ensemble, by role. */
export interface RenderedEnsemble {
    configMap: KubeObject;
    /** Headless Service governing the StatefulSet; publishes not-ready pods so peers find each other before quorum. */
    peerService: KubeObject;
    /** One headless Service per member: the member's stable peer address, backed by its pod or (member swap) its host. */
    memberServices: KubeObject[];
    /** EndpointSlices of the members still on hosts, and (empty) of those that moved to pods, by member id. */
    hostEndpointSlices: { id: number; slice: KubeObject }[];
    /** ClusterIP Service for clients inside the cluster (ready members only). */
    clientService: KubeObject;
    /** NodePort or internal LoadBalancer Service for clients outside the cluster, when asked for. */
    externalService?: KubeObject;
    /** Zero replicas while every member is still on a host. */
    statefulSet: KubeObject;
    podDisruptionBudget: KubeObject;
    /** The mutable bootstrap flag start.sh reads (not part of the config hash: flipping it restarts nothing). */
    bootstrapConfigMap: KubeObject;
    /** Admits only members (peer ports), configured clients (2181/2281) and monitoring (metrics); absent when networkPolicy is off. */
    networkPolicy?: KubeObject;
    /** cert-manager Certificate that fills the TLS Secret, when `tlsIssuer` is set. */
    certificate?: KubeObject;
    /** PodMonitor, PrometheusRule and Grafana dashboard, as the settings ask (none when metrics are off). */
    monitoring: ReturnType<typeof renderMonitoring>;
}

/** The client ports other pods may use: 2181 unless TLS is required, 2281 once TLS is on. */
export function clientPorts(s: Pick<EnsembleSettings, "tls">): { name: string; port: number }[] {
    const ports: { name: string; port: number }[] = [];
    if (s.tls !== "require") {
        ports.push({ name: "client", port: PORTS.client });
    }
    if (s.tls !== "off") {
        ports.push({ name: "client-tls", port: PORTS.secureClient });
    }
    return ports;
}

/** The port clients should connect to: the TLS port once TLS is required, else 2181. */
export function primaryClientPort(s: Pick<EnsembleSettings, "tls">): number {
    return s.tls === "require" ? PORTS.secureClient : PORTS.client;
}

function clientServicePorts(s: EnsembleSettings): IServicePort[] {
    return clientPorts(s).map(({ name, port }) => ({ name, port, targetPort: name, protocol: "TCP" }));
}

function servicePorts(s: EnsembleSettings, withMetrics: boolean): IServicePort[] {
    const ports: IServicePort[] = [
        ...clientServicePorts(s),
        { name: "quorum", port: PORTS.quorum, targetPort: "quorum", protocol: "TCP" },
        { name: "election", port: PORTS.election, targetPort: "election", protocol: "TCP" },
    ];
    if (withMetrics && s.metricsEnabled) {
        ports.push({ name: "metrics", port: s.metricsPort, targetPort: "metrics", protocol: "TCP" });
    }
    return ports;
}

/** SHA-256 of the ConfigMap's data, stable for the same content. */
export function configHash(data: Record<string, string>): string {
    const h = createHash("sha256");
    for (const key of Object.keys(data).sort()) {
        h.update(key).update("\0").update(data[key]).update("\0");
    }
    return h.digest("hex").slice(0, 16);
}

/** The member ConfigMap around already-rendered files and their hash (rendered once per ensemble). */
export function renderConfigMap(s: EnsembleSettings, data: Record<string, string>, hash: string): KubeObject {
    return kube<IConfigMap>({
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: meta(s, objectNames(s).configMap(hash)),
        immutable: true,
        data,
    });
}

export function renderPeerService(s: EnsembleSettings): KubeObject {
    return kube<IService>({
        apiVersion: "v1",
        kind: "Service",
        metadata: meta(s, objectNames(s).peerService),
        spec: {
            clusterIP: "None",
            publishNotReadyAddresses: true,
            selector: ensembleSelector(s.ensembleName),
            ports: servicePorts(s, true),
        },
    });
}

function memberServiceLabels(s: EnsembleSettings, id: number) {
    return { ...objectLabels(s.ensembleName, s.version.text), [LABEL_MEMBER_ID]: String(id) };
}

/**
 * Member `id`'s own headless Service. A pod member's selects only its pod; a
 * member still on a host has no selector and an EndpointSlice instead. The two
 * differ only in the selector, so moving a member updates its Service in place.
 */
export function renderMemberService(s: EnsembleSettings, id: number): KubeObject {
    const service = renderHostService(s.namespace, memberServiceName(s, id), memberServiceLabels(s, id), "member");
    if (s.podIds.includes(id)) {
        (service.spec as Record<string, unknown>).selector = memberSelector(s.ensembleName, id);
    }
    return service;
}

/** The EndpointSlice of a member still on its host (or, once it moved to a pod, kept with no endpoints). */
export function renderMemberEndpointSlice(s: EnsembleSettings, id: number, addresses: string[]): KubeObject {
    const name = memberServiceName(s, id);
    return renderHostEndpointSlice(s.namespace, `${name}-host`, name, memberServiceLabels(s, id), addresses, "member");
}

export function renderClientService(s: EnsembleSettings): KubeObject {
    return kube<IService>({
        apiVersion: "v1",
        kind: "Service",
        metadata: meta(s, objectNames(s).clientService),
        spec: {
            type: "ClusterIP",
            selector: ensembleSelector(s.ensembleName),
            ports: clientServicePorts(s),
        },
    });
}

/** NodePort or internal NLB (AWS Load Balancer Controller, IP targets) for clients outside the cluster. */
export function renderExternalService(s: EnsembleSettings): KubeObject | undefined {
    if (s.clientAccess === "none") {
        return undefined;
    }
    // clientNodePort belongs to the port clients are told to use (the TLS port once TLS is required).
    const ports = clientServicePorts(s).map((port) => (s.clientNodePort !== 0 && port.port === primaryClientPort(s) ? { ...port, nodePort: s.clientNodePort } : port));
    const metadata = meta(s, objectNames(s).externalService);
    const spec: IServiceSpec = {
        type: s.clientAccess,
        selector: ensembleSelector(s.ensembleName),
        ports,
    };
    if (s.clientAccess === "LoadBalancer") {
        metadata.annotations = {
            "service.beta.kubernetes.io/aws-load-balancer-type": "external",
            "service.beta.kubernetes.io/aws-load-balancer-nlb-target-type": "ip",
            "service.beta.kubernetes.io/aws-load-balancer-scheme": "internal",
            // Keep client source IPs: ZooKeeper limits connections per client IP (maxClientCnxns).
            "service.beta.kubernetes.io/aws-load-balancer-target-group-attributes": "preserve_client_ip.enabled=true",
        };
        if (s.loadBalancerSourceRanges.length > 0) {
            spec.loadBalancerSourceRanges = [...s.loadBalancerSourceRanges];
        }
    } else {
        spec.externalTrafficPolicy = "Local";
    }
    return kube<IService>({ apiVersion: "v1", kind: "Service", metadata, spec });
}

/**
 * Allows at most floor((n-1)/2) members (n counts hosts too) to be disrupted
 * voluntarily, so a quorum always stays. The same number holds while members
 * move from hosts to pods, so a move never touches the budget.
 */
export function renderPodDisruptionBudget(s: EnsembleSettings): KubeObject {
    return kube<IPodDisruptionBudget>({
        apiVersion: "policy/v1",
        kind: "PodDisruptionBudget",
        metadata: meta(s, objectNames(s).podDisruptionBudget),
        spec: {
            maxUnavailable: s.memberIds.length - s.quorumSize,
            selector: { matchLabels: ensembleSelector(s.ensembleName) },
        },
    });
}

function probe(script: string, timing: Omit<IProbe, "exec">): IProbe {
    return { exec: { command: ["bash", `${POD_PATHS.conf}/${script}`] }, ...timing };
}

export function renderStatefulSet(s: EnsembleSettings, configHashValue: string): KubeObject {
    const names = objectNames(s);
    // Ordinals start at the first pod (or, before any member moved, at the first member with no pods).
    const firstId = s.podIds[0] ?? s.memberIds[0];
    const selector = ensembleSelector(s.ensembleName);
    const labels = objectLabels(s.ensembleName, s.version.text);
    const placement = dedicatedNodePlacement(s.nodeRole);

    const ports: IContainerPort[] = [
        ...clientPorts(s).map(({ name, port }) => ({ name, containerPort: port, protocol: "TCP" as const })),
        { name: "quorum", containerPort: PORTS.quorum, protocol: "TCP" },
        { name: "election", containerPort: PORTS.election, protocol: "TCP" },
    ];
    if (s.metricsEnabled) {
        ports.push({ name: "metrics", containerPort: s.metricsPort, protocol: "TCP" });
    }
    if (s.adminServer) {
        ports.push({ name: "admin", containerPort: s.adminServerPort, protocol: "TCP" });
    }

    const volumeMounts: IVolumeMount[] = [
        { name: "data", mountPath: POD_PATHS.data },
        { name: "config", mountPath: POD_PATHS.conf, readOnly: true },
        { name: "logs", mountPath: POD_PATHS.logs },
        { name: "tmp", mountPath: POD_PATHS.tmp },
        { name: "bootstrap", mountPath: POD_PATHS.bootstrap, readOnly: true },
    ];
    if (s.tls !== "off") {
        volumeMounts.push({ name: "tls", mountPath: POD_PATHS.tls, readOnly: true });
    }
    if (usesSasl(s)) {
        volumeMounts.push({ name: "sasl", mountPath: POD_PATHS.sasl, readOnly: true });
    }
    const claim = (name: string, size: string): Omit<IPersistentVolumeClaim, "apiVersion" | "kind"> => ({
        metadata: { name, labels: ensembleSelector(s.ensembleName) },
        spec: {
            accessModes: ["ReadWriteOnce"],
            ...(s.storageClass !== "" ? { storageClassName: s.storageClass } : {}),
            resources: { requests: { storage: size } },
        },
    });
    const claims = [claim("data", s.dataVolumeSize)];
    if (s.dataLogVolumeSize !== "") {
        volumeMounts.splice(1, 0, { name: "datalog", mountPath: POD_PATHS.dataLog });
        claims.push(claim("datalog", s.dataLogVolumeSize));
    }

    const limits: Record<string, string> = { memory: s.memoryLimit };
    if (s.cpuLimit !== "") {
        limits.cpu = s.cpuLimit;
    }
    const resources: IResourceRequirements = { requests: { cpu: s.cpuRequest, memory: s.memoryRequest }, limits };

    const podSpec: IPodSpec = {
        automountServiceAccountToken: false,
        enableServiceLinks: false,
        terminationGracePeriodSeconds: 60,
        securityContext: {
            runAsNonRoot: true,
            runAsUser: 1000,
            runAsGroup: 1000,
            fsGroup: 1000,
            fsGroupChangePolicy: "OnRootMismatch",
            seccompProfile: { type: "RuntimeDefault" },
        },
        affinity: {
            podAntiAffinity: {
                requiredDuringSchedulingIgnoredDuringExecution: [
                    { labelSelector: { matchLabels: selector }, topologyKey: "kubernetes.io/hostname" },
                ],
            },
        },
        topologySpreadConstraints: [
            {
                maxSkew: 1,
                topologyKey: "topology.kubernetes.io/zone",
                whenUnsatisfiable: s.zoneSpread === "required" ? "DoNotSchedule" : "ScheduleAnyway",
                labelSelector: { matchLabels: selector },
            },
        ],
        containers: [
            {
                name: "zookeeper",
                image: s.image,
                imagePullPolicy: "IfNotPresent",
                command: ["bash", `${POD_PATHS.conf}/start.sh`],
                env: [
                    { name: "ZK_MEMBER_ID", valueFrom: { fieldRef: { fieldPath: `metadata.labels['${POD_INDEX_LABEL}']` } } },
                    // start.sh waits until the member's Service name resolves to this pod before starting.
                    { name: "ZK_POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
                    { name: "ZK_DATA_DIR", value: POD_PATHS.data },
                    { name: "ZOOCFGDIR", value: POD_PATHS.conf },
                    { name: "ZOO_CONF_DIR", value: POD_PATHS.conf },
                    { name: "ZOO_LOG_DIR", value: POD_PATHS.logs },
                    { name: "ZK_SERVER_HEAP", value: String(s.jvmHeapMiB) },
                    {
                        name: "JVMFLAGS",
                        value: [
                            `-Xms${s.jvmHeapMiB}m`,
                            `-Xmx${s.jvmHeapMiB}m`,
                            `-XX:HeapDumpPath=${POD_PATHS.tmp}`,
                            // A moved peer's new address must be seen within seconds, not Java's default 30 s.
                            javaSecurityFlag(`${POD_PATHS.conf}/${JAVA_SECURITY_FILE}`),
                            ...(s.features.dbExistenceGuard ? ["-Dzookeeper.db.autocreate=false"] : []),
                            ...renderSecurityJvmFlags(s),
                        ].join(" "),
                    },
                ],
                ports,
                readinessProbe: probe("ready.sh", { initialDelaySeconds: 10, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 }),
                livenessProbe: probe("live.sh", { periodSeconds: 15, timeoutSeconds: 5, failureThreshold: 4 }),
                startupProbe: probe("live.sh", { periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 60 }),
                resources,
                securityContext: {
                    allowPrivilegeEscalation: false,
                    readOnlyRootFilesystem: true,
                    runAsNonRoot: true,
                    capabilities: { drop: ["ALL"] },
                },
                volumeMounts,
            },
        ],
        volumes: [
            { name: "config", configMap: { name: names.configMap(configHashValue), defaultMode: 0o444 } },
            { name: "bootstrap", configMap: { name: names.bootstrapConfigMap, optional: true } },
            { name: "logs", emptyDir: { sizeLimit: "1Gi" } },
            // Room for a heap dump after an OutOfMemoryError.
            { name: "tmp", emptyDir: { sizeLimit: `${s.jvmHeapMiB + 512}Mi` } },
        ],
    };
    // Secrets are readable by the members' group only (fsGroup).
    if (s.tls !== "off" && s.tlsSource) {
        podSpec.volumes!.push({ name: "tls", secret: { secretName: tlsSecretName(s), defaultMode: 0o440 } });
    }
    if (usesSasl(s)) {
        podSpec.volumes!.push({ name: "sasl", secret: { secretName: names.saslSecret, defaultMode: 0o440 } });
    }
    if (s.dedicatedNodes) {
        podSpec.nodeSelector = { ...placement.nodeLabels };
        podSpec.tolerations = tolerationsFor(placement.taints);
    }

    return kube<IStatefulSet>({
        apiVersion: "apps/v1",
        kind: "StatefulSet",
        metadata: meta(s, names.statefulSet),
        spec: {
            serviceName: names.peerService,
            replicas: s.podIds.length,
            ordinals: { start: firstId },
            // Members must start together to form a quorum: readiness needs a quorum.
            podManagementPolicy: "Parallel",
            updateStrategy: { type: "RollingUpdate" },
            persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Retain" },
            selector: { matchLabels: selector },
            template: {
                metadata: { labels, annotations: { [CONFIG_HASH_ANNOTATION]: configHashValue } },
                spec: podSpec,
            },
            volumeClaimTemplates: claims,
        },
    });
}

/**
 * Ingress to the members: 2888/3888 only from members (and peerCidrs), 2181
 * only from the client namespaces (and pod labels) and clientCidrs, the
 * metrics port only from the monitoring namespace; everything else denied.
 */
export function renderNetworkPolicy(s: EnsembleSettings): KubeObject {
    const tcp = (port: number) => ({ protocol: "TCP" as const, port });
    const namespaces = s.clientNamespaces.length > 0 ? s.clientNamespaces : [s.namespace];
    const clientPeers: INetworkPolicyPeer[] = [
        {
            namespaceSelector: { matchExpressions: [{ key: NAMESPACE_NAME_LABEL, operator: "In", values: namespaces }] },
            ...(Object.keys(s.clientPodLabels).length > 0 ? { podSelector: { matchLabels: { ...s.clientPodLabels } } } : {}),
        },
        ...s.clientCidrs.map((cidr) => ({ ipBlock: { cidr } })),
    ];
    const ingress: INetworkPolicyIngressRule[] = [
        {
            from: [{ podSelector: { matchLabels: ensembleSelector(s.ensembleName) } }, ...s.peerCidrs.map((cidr) => ({ ipBlock: { cidr } }))],
            ports: [tcp(PORTS.quorum), tcp(PORTS.election)],
        },
        { from: clientPeers, ports: clientPorts(s).map(({ port }) => tcp(port)) },
    ];
    if (s.metricsEnabled) {
        ingress.push({ from: [{ namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: s.monitoringNamespace } } }], ports: [tcp(s.metricsPort)] });
    }
    return kube<INetworkPolicy>({
        apiVersion: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: meta(s, objectNames(s).networkPolicy),
        spec: { podSelector: { matchLabels: ensembleSelector(s.ensembleName) }, policyTypes: ["Ingress"], ingress },
    });
}

export function renderBootstrapConfigMap(s: EnsembleSettings): KubeObject {
    return kube<IConfigMap>({
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: meta(s, objectNames(s).bootstrapConfigMap),
        data: { bootstrap: String(s.bootstrap) },
    });
}

/** The Secret holding the members' certificate: the one given, or the one cert-manager fills. */
export function tlsSecretName(s: EnsembleSettings): string {
    return s.tlsSource?.kind === "secret" ? s.tlsSource.secretName : objectNames(s).tlsCertificate;
}

/** DNS names the members' certificate covers: each member's Service, the peer and client Services, short and qualified. */
export function certificateDnsNames(s: EnsembleSettings): string[] {
    const names = objectNames(s);
    const services = [...s.memberIds.map((id) => memberServiceName(s, id)), names.clientService, names.externalService];
    const qualified = (svc: string) => [svc, `${svc}.${s.namespace}`, `${svc}.${s.namespace}.svc`, `${svc}.${s.namespace}.svc.${s.clusterDomain}`];
    return [...services.flatMap(qualified), `*.${names.peerService}.${s.namespace}.svc.${s.clusterDomain}`];
}

/**
 * The cert-manager Certificate of the members (one for all: peers and clients
 * verify the ensemble's CA). PKCS#8 keys, which ZooKeeper's PEM reader needs;
 * client and server auth, since members are each other's clients.
 */
export function renderCertificate(s: EnsembleSettings): KubeObject | undefined {
    if (s.tlsSource?.kind !== "cert-manager") {
        return undefined;
    }
    const names = objectNames(s);
    return {
        apiVersion: "cert-manager.io/v1",
        kind: "Certificate",
        metadata: meta(s, names.tlsCertificate),
        spec: {
            secretName: tlsSecretName(s),
            issuerRef: { group: "cert-manager.io", kind: s.tlsSource.issuerKind, name: s.tlsSource.issuer },
            commonName: `${names.clientService}.${s.namespace}.svc.${s.clusterDomain}`,
            dnsNames: certificateDnsNames(s),
            privateKey: { algorithm: "RSA", size: 2048, encoding: "PKCS8", rotationPolicy: "Always" },
            usages: ["digital signature", "key encipherment", "server auth", "client auth"],
        },
    };
}

/** The JAAS Secret around already-rendered content (the component passes a Pulumi secret). */
export function renderSaslSecret(s: EnsembleSettings, jaas: unknown): KubeObject {
    return { apiVersion: "v1", kind: "Secret", metadata: meta(s, objectNames(s).saslSecret), type: "Opaque", stringData: { "jaas.conf": jaas } };
}

/** Renders every object of the ensemble. Same settings, same objects. */
export function renderEnsemble(s: EnsembleSettings): RenderedEnsemble {
    const data = renderConfigFiles(s);
    const hash = configHash(data);
    const configMap = renderConfigMap(s, data, hash);
    const slices = [
        ...s.hosts.map((h) => ({ id: h.id, slice: renderMemberEndpointSlice(s, h.id, [h.address]) })),
        ...s.movedHostIds.map((id) => ({ id, slice: renderMemberEndpointSlice(s, id, []) })),
    ].sort((a, b) => a.id - b.id);
    return {
        configMap,
        peerService: renderPeerService(s),
        memberServices: s.memberIds.map((id) => renderMemberService(s, id)),
        hostEndpointSlices: slices,
        clientService: renderClientService(s),
        externalService: renderExternalService(s),
        statefulSet: renderStatefulSet(s, hash),
        podDisruptionBudget: renderPodDisruptionBudget(s),
        bootstrapConfigMap: renderBootstrapConfigMap(s),
        networkPolicy: s.networkPolicy ? renderNetworkPolicy(s) : undefined,
        certificate: renderCertificate(s),
        monitoring: renderMonitoring(s),
    };
}
