// Service-level imports: the package index loads every API group (about 0.1 s and 6 MB a process).
import * as corev1 from "@pulumi/kubernetes/core/v1";
import * as pulumi from "@pulumi/pulumi";
import { ZooKeeperNodeGroups } from "../aws/nodeGroups";
import { ZooKeeperPodNetworking } from "../aws/podNetworking";
import { stackTags } from "../aws/render";
import { ZooKeeperEnsemble } from "../ensemble/ensemble";
import { ensembleMeta, LABEL_COMPONENT, MANAGED_BY } from "../shared/labels";
import { isPendingInput, IssueCollector, show } from "../shared/errors";
import { objectNames } from "../shared/zookeeper";
import { toInputErrors } from "../shared/inputErrors";
import { LegacyHostBridge } from "./bridge";
import { connectString, registriesOf, renderRegistryFiles } from "./registry";
import { resolveCutoverSettings } from "./settings";
import { flattenCutoverArgs, withArgPaths, ZooKeeperCutoverArgs } from "./args";
import { assertSafeTransition, guardCutover, parseState } from "./guard";

export const CUTOVER_TYPE = "zookeeper-cutover:index:ZooKeeperCutover";

/** Keys of the flat args that are not stage config values. */
const NOT_CONFIG = ["previousState", "vpcId", "clusterSecurityGroupId", "oidcIssuerUrl", "oidcProviderArn"];

/**
 * The guard judges the stage against `previousState` before anything is
 * created, so it must be the JSON text of a `cutoverState` output, known when
 * the program starts: anything else (an Output, an object, text that is not a
 * cutoverState) would leave the guard without a previous stage.
 */
function checkPreviousState(previous: unknown): void {
    if (previous === undefined || previous === "") {
        return;
    }
    const issues = new IssueCollector();
    if (typeof previous !== "string") {
        issues.add(
            "previousState",
            `${pulumi.Output.isInstance(previous) ? "is an Output" : `is ${Array.isArray(previous) ? "a list" : `a ${typeof previous}`}`}, which the quorum guard cannot read before it creates anything; allowed: the JSON text of the stack's last cutoverState output as a plain string (read it first, e.g. with StackReference.getOutputDetails), or ""`,
        );
    } else if (!parseState(previous)) {
        issues.add("previousState", `${show(previous.length > 60 ? previous.slice(0, 60) + "..." : previous)} is not a cutoverState output; allowed: the JSON text of the stack's last cutoverState output, or ""`);
    }
    issues.throwIfAny();
}

/**
 * A ZooKeeper cutover from hosts into EKS at one stage: node groups and pod
 * networking ready for pods in every stage, the legacy-host bridge while the
 * legacy ensemble serves clients on its own (old-host, dual-registry), the pod
 * ensemble (dual-registry, member-swap with hosts still in it, pure-k8s), and
 * the client registry configuration of the stage. Refuses unsafe transitions
 * (quorum guard) before creating anything.
 */
export class ZooKeeperCutover extends pulumi.ComponentResource {
    /** The stage. */
    public readonly stage: pulumi.Output<string>;
    /** What this stage leaves live (JSON): the next stage's guard reads it. */
    public readonly cutoverState: pulumi.Output<string>;
    /** Dubbo `dubbo.registries.*` properties for in-cluster services. */
    public readonly dubboRegistryProperties: pulumi.Output<string>;
    /** Plain ZooKeeper connection strings by registry ("legacy", "k8s"), for in-cluster clients. */
    public readonly connectStrings: pulumi.Output<Record<string, string>>;
    /** Connection strings for clients outside the cluster that reach hosts directly. */
    public readonly outOfClusterConnectStrings: pulumi.Output<Record<string, string>>;
    /** zoo.cfg for legacy hosts in a member swap (peers by Service name); "" in other stages. */
    public readonly hostZooCfg: pulumi.Output<string>;
    /** `java.security` for legacy hosts in a member swap (beside their zoo.cfg): bounds the JVM's DNS cache; "" in other stages. */
    public readonly hostJavaSecurity: pulumi.Output<string>;
    /** JVM flags legacy hosts add in a member swap (they read `hostJavaSecurity`); "" in other stages. */
    public readonly hostJvmFlags: pulumi.Output<string>;
    /** Member swap: seconds a step waits after a move until every member resolves the moved member's new address; 0 in other stages. */
    public readonly moveSettleSeconds: pulumi.Output<number>;
    /** zoo.cfg of the pod ensemble; "" in old-host. */
    public readonly zooCfg: pulumi.Output<string>;
    /** Name of the pod ensemble's Service for clients outside the cluster ("" when none). */
    public readonly externalServiceName: pulumi.Output<string>;
    /** The guard's verdict: "safe", or the overridden refusals. */
    public readonly guard: pulumi.Output<string>;
    /** The ZooKeeper security group. */
    public readonly securityGroupId: pulumi.Output<string>;
    /** The StorageClass of the data volumes. */
    public readonly storageClassName: pulumi.Output<string>;

    constructor(name: string, args: ZooKeeperCutoverArgs, opts?: pulumi.ComponentResourceOptions) {
        const flat = toInputErrors("ZooKeeperCutover", () => flattenCutoverArgs(args));
        // The args' table holds only keys a setting reads (config.spec checks it against the stack config's keys).
        toInputErrors("ZooKeeperCutover", () => checkPreviousState(flat.previousState), withArgPaths);
        // The cluster's name may come from another resource: the settings are checked with a stand-in, the node groups
        // and pod networking check the name itself once it is known.
        const clusterName = flat.clusterName as pulumi.Input<string>;
        const values = Object.fromEntries(Object.entries(flat).filter(([k]) => !NOT_CONFIG.includes(k)));
        if (isPendingInput(clusterName)) {
            values.clusterName = "pending-cluster";
        }
        const settings = toInputErrors("ZooKeeperCutover", () => resolveCutoverSettings(values), withArgPaths);
        const previousState = flat.previousState as string | undefined;
        const guard = guardCutover(settings, parseState(previousState));
        toInputErrors("ZooKeeperCutover", () => assertSafeTransition(settings, guard), withArgPaths);
        super(CUTOVER_TYPE, name, {}, opts);
        const child = { parent: this };
        // Components created at the stack's top level before this component existed keep their URNs.
        const moved = { ...child, aliases: [{ parent: pulumi.rootStackResource }] };

        for (const r of guard.refusals) {
            pulumi.log.warn(`UNSAFE TRANSITION ALLOWED by allowUnsafeTransition: ${r.message}`, this);
        }

        const e = settings.ensembleSettings;
        const tags = stackTags(pulumi.getStack(), settings.userTags);
        const networking = new ZooKeeperPodNetworking(
            "networking",
            {
                ...settings.network,
                clusterName,
                vpcId: args.cluster.vpcId,
                clusterSecurityGroupId: args.cluster.securityGroupId,
                oidcIssuerUrl: args.cluster.oidcIssuerUrl,
                oidcProviderArn: args.cluster.oidcProviderArn,
                namespace: e.namespace,
                ensembleName: e.ensembleName,
                nodeInstanceTypes: settings.nodeGroups.nodeInstanceTypes ?? [],
                storageClassName: e.storageClass,
                storageKmsKeyArn: settings.storageKmsKeyArn,
                cniAddonVersion: settings.cniAddonVersion,
                tags,
            },
            moved,
        );
        const dependsOn: pulumi.Resource[] = [networking];
        if (settings.createNodeGroups) {
            dependsOn.push(
                new ZooKeeperNodeGroups(
                    "nodes",
                    {
                        ...settings.nodeGroups,
                        nodeRole: e.nodeRole,
                        clusterName,
                        securityGroupIds: settings.network.podSecurityGroups ? [args.cluster.securityGroupId] : [args.cluster.securityGroupId, networking.securityGroupId],
                        tags,
                    },
                    moved,
                ),
            );
        }
        if (settings.createNamespace) {
            dependsOn.push(
                new corev1.Namespace(
                    "namespace",
                    {
                        metadata: {
                            name: e.namespace,
                            labels: { ...MANAGED_BY, "pod-security.kubernetes.io/enforce": "restricted" },
                        },
                    },
                    moved,
                ),
            );
        }

        if (settings.bridge) {
            new LegacyHostBridge(
                settings.bridge.name,
                { namespace: e.namespace, name: settings.bridge.name, hosts: settings.bridge.hosts.map((h) => `${h.id}=${h.address}`) },
                { ...child, dependsOn },
            );
        }
        let ensemble: ZooKeeperEnsemble | undefined;
        if (settings.stage !== "old-host") {
            // An empty data directory is trusted only while this ensemble is being created: never in a member
            // swap (pods join the serving legacy ensemble), and not once its volumes exist.
            const next = guard.next;
            const volumesExist = !!guard.previous && guard.previous.volumeOwner === next.podEnsemble && guard.previous.volumeIds.length > 0;
            const bootstrap = settings.stage !== "member-swap" && next.podEnsemble === "new" && !volumesExist;
            ensemble = new ZooKeeperEnsemble(e.ensembleName, { ...settings.ensemble, bootstrap }, { ...moved, dependsOn });
        }

        const files = renderRegistryFiles(settings);
        for (const namespace of settings.registryNamespaces) {
            new corev1.ConfigMap(
                `registries-${namespace}`,
                {
                    // In each registry namespace, not the ensemble's.
                    metadata: { ...ensembleMeta(e, objectNames(e).registries, { [LABEL_COMPONENT]: "registries" }), namespace },
                    data: files,
                },
                { ...child, dependsOn },
            );
        }

        const registries = registriesOf(settings);
        this.stage = pulumi.output(settings.stage);
        this.cutoverState = pulumi.output(JSON.stringify(guard.next));
        this.dubboRegistryProperties = pulumi.output(files["dubbo-registries.properties"]);
        this.connectStrings = pulumi.output(Object.fromEntries(registries.map((r) => [r.id, connectString(r.inCluster)])));
        this.outOfClusterConnectStrings = pulumi.output(Object.fromEntries(registries.filter((r) => r.outOfCluster.length > 0).map((r) => [r.id, connectString(r.outOfCluster)])));
        const swap = settings.stage === "member-swap" && ensemble ? ensemble : undefined;
        this.hostZooCfg = swap ? swap.hostZooCfg : pulumi.output("");
        this.hostJavaSecurity = swap ? swap.hostJavaSecurity : pulumi.output("");
        this.hostJvmFlags = swap ? swap.hostJvmFlags : pulumi.output("");
        this.moveSettleSeconds = swap ? swap.moveSettleSeconds : pulumi.output(0);
        this.zooCfg = ensemble ? ensemble.zooCfg : pulumi.output("");
        this.externalServiceName = ensemble ? ensemble.externalServiceName : pulumi.output("");
        this.guard = pulumi.output(guard.refusals.length === 0 ? "safe" : `UNSAFE, allowed by allowUnsafeTransition: ${guard.refusals.map((r) => r.message).join("; ")}`);
        this.securityGroupId = networking.securityGroupId;
        this.storageClassName = networking.storageClassName;
        this.registerOutputs({
            stage: this.stage,
            cutoverState: this.cutoverState,
            dubboRegistryProperties: this.dubboRegistryProperties,
            connectStrings: this.connectStrings,
            outOfClusterConnectStrings: this.outOfClusterConnectStrings,
            hostZooCfg: this.hostZooCfg,
            hostJavaSecurity: this.hostJavaSecurity,
            hostJvmFlags: this.hostJvmFlags,
            moveSettleSeconds: this.moveSettleSeconds,
            zooCfg: this.zooCfg,
            externalServiceName: this.externalServiceName,
            guard: this.guard,
            securityGroupId: this.securityGroupId,
            storageClassName: this.storageClassName,
        });
    }
}
