import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { toInputErrors } from "../shared/inputErrors";
import { JAVA_SECURITY_FILE } from "./paths";
import { renderHostJvmFlags, renderHostZooCfg } from "./zooCfg";
import { renderJaasConfig, usesSasl } from "./security";
import { memberPeerAddress, objectNames } from "../shared/zookeeper";
import { KubeObject } from "../shared/kube";
import { primaryClientPort, renderEnsemble, renderSaslSecret } from "./objects";
import { EnsembleSettings, resolveEnsembleSettings } from "./settings";
import { ZooKeeperEnsembleArgs } from "./args";

export const ENSEMBLE_TYPE = "zookeeper-cutover:index:ZooKeeperEnsemble";

/** Validates args the way the component does; throws Pulumi input-property errors before anything is registered. */
export function validateEnsembleArgs(args: ZooKeeperEnsembleArgs): EnsembleSettings {
    return toInputErrors("ZooKeeperEnsemble", () => resolveEnsembleSettings(args));
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
        const settings = validateEnsembleArgs(args);
        super(ENSEMBLE_TYPE, name, {}, opts);

        const rendered = renderEnsemble(settings);
        const child = { parent: this };
        const create = <T>(ctor: new (n: string, a: any, o: pulumi.CustomResourceOptions) => T, suffix: string, obj: KubeObject, o = {}) =>
            new ctor(`${name}-${suffix}`, obj, { ...child, ...o });

        const configMap = create(k8s.core.v1.ConfigMap, "config", rendered.configMap);
        const secrets: pulumi.Resource[] = [];
        if (rendered.certificate) {
            secrets.push(create(k8s.apiextensions.CustomResource, "certificate", rendered.certificate));
        }
        if (usesSasl(settings)) {
            // Passwords stay Pulumi secrets end to end: encrypted in state, masked in previews and plans.
            const jaas = pulumi
                .all([pulumi.output(args.saslQuorumPassword ?? ""), pulumi.all(args.saslClientPasswords ?? [])])
                .apply(([quorumPassword, clientPasswords]) => renderJaasConfig(settings, { quorumPassword, clientPasswords }));
            secrets.push(create(k8s.core.v1.Secret, "sasl", renderSaslSecret(settings, pulumi.secret(jaas))));
        }
        const bootstrap = create(k8s.core.v1.ConfigMap, "bootstrap", rendered.bootstrapConfigMap);
        const peerService = create(k8s.core.v1.Service, "peers", rendered.peerService);
        // A member's host EndpointSlice changes before its Service: a moving member's old host leaves DNS
        // before the Service selects the pod.
        const slices = new Map(
            rendered.hostEndpointSlices.map(({ id, slice }) => [id, create(k8s.discovery.v1.EndpointSlice, `member-${id}-host`, slice)] as const),
        );
        const memberServices = rendered.memberServices.map((svc, i) => {
            const id = settings.memberIds[i];
            const slice = slices.get(id);
            return create(k8s.core.v1.Service, `member-${id}`, svc, slice ? { dependsOn: [slice] } : {});
        });
        create(k8s.core.v1.Service, "client", rendered.clientService);
        if (rendered.externalService) {
            create(k8s.core.v1.Service, "external", rendered.externalService);
        }
        create(k8s.apps.v1.StatefulSet, "statefulset", rendered.statefulSet, {
            dependsOn: [configMap, bootstrap, peerService, ...memberServices, ...secrets],
            protect: settings.protectStatefulSet,
        });
        create(k8s.policy.v1.PodDisruptionBudget, "pdb", rendered.podDisruptionBudget);
        if (rendered.networkPolicy) {
            create(k8s.networking.v1.NetworkPolicy, "network-policy", rendered.networkPolicy);
        }

        const names = objectNames(settings);
        const port = primaryClientPort(settings);
        this.clientConnectString = pulumi.output(`${names.clientService}.${settings.namespace}.svc.${settings.clusterDomain}:${port}`);
        this.memberConnectString = pulumi.output(settings.memberIds.map((id) => `${memberPeerAddress(settings, id)}:${port}`).join(","));
        const files = rendered.configMap.data as Record<string, string>;
        this.zooCfg = pulumi.output(files["zoo.cfg"]);
        this.memberIds = pulumi.output(settings.memberIds);
        this.hostZooCfg = pulumi.output(renderHostZooCfg(settings));
        // Hosts and pods bound their DNS cache with the same file.
        this.hostJavaSecurity = pulumi.output(files[JAVA_SECURITY_FILE]);
        this.hostJvmFlags = pulumi.output(renderHostJvmFlags(settings));
        this.moveSettleSeconds = pulumi.output(settings.moveSettleSeconds);
        this.statefulSetName = pulumi.output(names.statefulSet);
        this.externalServiceName = pulumi.output(rendered.externalService ? names.externalService : "");

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
