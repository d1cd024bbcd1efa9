// Service-level imports: the package index loads every API group (about 0.1 s and 6 MB a process).
import * as corev1 from "@pulumi/kubernetes/core/v1";
import * as appsv1 from "@pulumi/kubernetes/apps/v1";
import * as discoveryv1 from "@pulumi/kubernetes/discovery/v1";
import * as networkingv1 from "@pulumi/kubernetes/networking/v1";
import * as policyv1 from "@pulumi/kubernetes/policy/v1";
import * as apiextensions from "@pulumi/kubernetes/apiextensions";
import * as pulumi from "@pulumi/pulumi";
import { toInputErrors } from "../shared/inputErrors";
import { JAVA_SECURITY_FILE } from "./paths";
import { renderHostJvmFlags, renderHostZooCfg } from "./zooCfg";
import { renderJaasConfig, usesSasl } from "./security";
import { memberPeerAddress, objectNames } from "../shared/zookeeper";
import { KubeObject } from "../shared/kube";
import { primaryClientPort, renderEnsemble, RenderedEnsemble, renderSaslSecret } from "./objects";
import { EnsembleSettings, resolveEnsembleSettings } from "./settings";
import { EnsembleValues, NAME_INPUT_KEYS, ZooKeeperEnsembleArgs } from "./args";
import { LOST_COMMIT_WAKEUP_TEXT } from "./version";

export const ENSEMBLE_TYPE = "zookeeper-cutover:index:ZooKeeperEnsemble";

/** Validates args the way the component does; throws Pulumi input-property errors before anything is registered. */
export function validateEnsembleArgs(args: EnsembleValues): EnsembleSettings {
    return toInputErrors("ZooKeeperEnsemble", () => resolveEnsembleSettings(args));
}

/** Stand-ins for names that come from other resources, while everything else is checked up front; each is a valid name. */
const PENDING_NAMES: Record<(typeof NAME_INPUT_KEYS)[number], string> = { namespace: "pending-namespace", ensembleName: "pending", storageClass: "pending-storage-class" };

/**
 * A Kubernetes object whose content is known later, as resource args: each
 * top-level field an Output (the fields are those of `shape`), but for its
 * apiVersion and kind, which names do not change and a custom resource's type
 * is made of when it is created.
 */
function lift(object: pulumi.Output<KubeObject>, shape: KubeObject): KubeObject {
    return Object.fromEntries(Object.keys(shape).map((key) => [key, key === "apiVersion" || key === "kind" ? shape[key] : object.apply((o) => o[key])])) as unknown as KubeObject;
}

/**
 * A ZooKeeper ensemble of pods: one StatefulSet whose pod ordinals are the
 * member ids, a headless peer Service, one Service per member (its stable peer
 * address), a client Service, an optional NodePort/internal LoadBalancer
 * Service, a PodDisruptionBudget that keeps a quorum, and the ConfigMap with
 * zoo.cfg and the member scripts.
 */
export class ZooKeeperEnsemble extends pulumi.ComponentResource {
    /** `host:port` of the in-cluster client Service (2281 once `tls` is "require", else 2181). */
    public readonly clientConnectString: pulumi.Output<string>;
    /** Comma-separated `member-address:2181` of every member (clients that list members themselves). */
    public readonly memberConnectString: pulumi.Output<string>;
    /** The rendered zoo.cfg every member uses. */
    public readonly zooCfg: pulumi.Output<string>;
    /** Member ids (myid), ascending. */
    public readonly memberIds: pulumi.Output<number[]>;
    /** zoo.cfg for members still on hosts (member swap): roll it to the hosts once, one host at a time. */
    public readonly hostZooCfg: pulumi.Output<string>;
    /** `java.security` for members still on hosts, beside their zoo.cfg in `hostConfDir`: bounds the JVM's DNS cache. */
    public readonly hostJavaSecurity: pulumi.Output<string>;
    /** JVM flags members still on hosts must run with (e.g. SERVER_JVMFLAGS in java.env): they read `hostJavaSecurity`. */
    public readonly hostJvmFlags: pulumi.Output<string>;
    /** Seconds a member-swap step waits after a move until every member resolves the moved member's new address. */
    public readonly moveSettleSeconds: pulumi.Output<number>;
    /** Name of the StatefulSet. */
    public readonly statefulSetName: pulumi.Output<string>;
    /** Name of the Service for clients outside the cluster, or "" when `clientAccess` is "none". */
    public readonly externalServiceName: pulumi.Output<string>;

    constructor(name: string, args: ZooKeeperEnsembleArgs, opts?: pulumi.ComponentResourceOptions) {
        // Names may come from other resources: everything else is checked now, with stand-ins for them; the
        // objects are rendered again, and the names checked, once they are known.
        const pending = NAME_INPUT_KEYS.filter((key) => args[key] !== undefined && typeof args[key] !== "string");
        const known = { ...args, ...Object.fromEntries(pending.map((key) => [key, PENDING_NAMES[key]])) } as EnsembleValues;
        const settings = validateEnsembleArgs(known);
        super(ENSEMBLE_TYPE, name, {}, opts);
        if (settings.features.lostCommitWakeup) {
            pulumi.log.warn(`zookeeperVersion: ZooKeeper ${settings.version.text} has ${LOST_COMMIT_WAKEUP_TEXT}; use a fixed release of the same line (a patch upgrade rolls like any other change)`, this);
        }

        const rendered = renderEnsemble(settings);
        const later =
            pending.length === 0
                ? undefined
                : pulumi.all(pending.map((key) => pulumi.output(args[key] as pulumi.Input<string>))).apply((values) => {
                      const s = validateEnsembleArgs({ ...known, ...Object.fromEntries(pending.map((key, i) => [key, values[i]])) });
                      return { s, r: renderEnsemble(s) };
                  });
        /** What the settings and the rendered objects decide: a value now, or an Output once the names are known. */
        const view = <T>(pick: (s: EnsembleSettings, r: RenderedEnsemble) => T): pulumi.Output<T> => (later ? later.apply(({ s, r }) => pick(s, r)) : (pulumi.output(pick(settings, rendered)) as pulumi.Output<T>));
        const object = (pick: (s: EnsembleSettings, r: RenderedEnsemble) => KubeObject): KubeObject => (later ? lift(view(pick), pick(settings, rendered)) : pick(settings, rendered));
        const child = { parent: this };
        const create = <T>(ctor: new (n: string, a: any, o: pulumi.CustomResourceOptions) => T, suffix: string, obj: KubeObject, o = {}) =>
            new ctor(`${name}-${suffix}`, obj, { ...child, ...o });

        const configMap = create(corev1.ConfigMap, "config", object((_, r) => r.configMap));
        const secrets: pulumi.Resource[] = [];
        if (rendered.certificate) {
            secrets.push(create(apiextensions.CustomResource, "certificate", object((_, r) => r.certificate!)));
        }
        if (usesSasl(settings)) {
            // Passwords stay Pulumi secrets end to end: encrypted in state, masked in previews and plans.
            const jaas = pulumi
                .all([pulumi.output(args.saslQuorumPassword ?? ""), pulumi.all(args.saslClientPasswords ?? [])])
                .apply(([quorumPassword, clientPasswords]) => renderJaasConfig(settings, { quorumPassword, clientPasswords }));
            secrets.push(create(corev1.Secret, "sasl", object((s) => renderSaslSecret(s, pulumi.secret(jaas)))));
        }
        const bootstrap = create(corev1.ConfigMap, "bootstrap", object((_, r) => r.bootstrapConfigMap));
        const peerService = create(corev1.Service, "peers", object((_, r) => r.peerService));
        // A member's host EndpointSlice changes before its Service: a moving member's old host leaves DNS
        // before the Service selects the pod.
        const slices = new Map(
            rendered.hostEndpointSlices.map(({ id }, i) => [id, create(discoveryv1.EndpointSlice, `member-${id}-host`, object((_, r) => r.hostEndpointSlices[i].slice))] as const),
        );
        const memberServices = rendered.memberServices.map((_, i) => {
            const id = settings.memberIds[i];
            const slice = slices.get(id);
            return create(corev1.Service, `member-${id}`, object((_, r) => r.memberServices[i]), slice ? { dependsOn: [slice] } : {});
        });
        create(corev1.Service, "client", object((_, r) => r.clientService));
        if (rendered.externalService) {
            create(corev1.Service, "external", object((_, r) => r.externalService!));
        }
        create(appsv1.StatefulSet, "statefulset", object((_, r) => r.statefulSet), {
            dependsOn: [configMap, bootstrap, peerService, ...memberServices, ...secrets],
            protect: settings.protectStatefulSet,
        });
        create(policyv1.PodDisruptionBudget, "pdb", object((_, r) => r.podDisruptionBudget));
        if (rendered.networkPolicy) {
            create(networkingv1.NetworkPolicy, "network-policy", object((_, r) => r.networkPolicy!));
        }
        // Scraping, alerts and the dashboard (prometheus-operator CRDs and the Grafana sidecar), when metrics are on.
        if (rendered.monitoring.podMonitor) {
            create(apiextensions.CustomResource, "pod-monitor", object((_, r) => r.monitoring.podMonitor!));
        }
        if (rendered.monitoring.prometheusRule) {
            create(apiextensions.CustomResource, "alerts", object((_, r) => r.monitoring.prometheusRule!));
        }
        if (rendered.monitoring.dashboard) {
            create(corev1.ConfigMap, "dashboard", object((_, r) => r.monitoring.dashboard!));
        }

        this.clientConnectString = view((s) => `${objectNames(s).clientService}.${s.namespace}.svc.${s.clusterDomain}:${primaryClientPort(s)}`);
        this.memberConnectString = view((s) => s.memberIds.map((id) => `${memberPeerAddress(s, id)}:${primaryClientPort(s)}`).join(","));
        const files = (r: RenderedEnsemble) => r.configMap.data as Record<string, string>;
        this.zooCfg = view((_, r) => files(r)["zoo.cfg"]);
        this.memberIds = pulumi.output(settings.memberIds);
        this.hostZooCfg = view((s) => renderHostZooCfg(s));
        // Hosts and pods bound their DNS cache with the same file.
        this.hostJavaSecurity = view((_, r) => files(r)[JAVA_SECURITY_FILE]);
        this.hostJvmFlags = pulumi.output(renderHostJvmFlags(settings));
        this.moveSettleSeconds = pulumi.output(settings.moveSettleSeconds);
        this.statefulSetName = view((s) => objectNames(s).statefulSet);
        this.externalServiceName = view((s, r) => (r.externalService ? objectNames(s).externalService : ""));

        this.registerOutputs({
            clientConnectString: this.clientConnectString,
            memberConnectString: this.memberConnectString,
            zooCfg: this.zooCfg,
            memberIds: this.memberIds,
            hostZooCfg: this.hostZooCfg,
            hostJavaSecurity: this.hostJavaSecurity,
            hostJvmFlags: this.hostJvmFlags,
            moveSettleSeconds: this.moveSettleSeconds,
            statefulSetName: this.statefulSetName,
            externalServiceName: this.externalServiceName,
        });
    }
}
