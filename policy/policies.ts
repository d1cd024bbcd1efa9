/**
 * The package's invariants as Pulumi policies, so they hold on any stack that
 * uses its components (or hand-written resources that look like them). The
 * checks are pure functions over resource properties; the policies only pick
 * the resources and word the violations.
 *
 * Self-contained on purpose: `pulumi policy publish` ships this directory
 * alone, so nothing here imports from components/.
 */
import { Policies, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";

export const TYPES = {
    configMap: "kubernetes:core/v1:ConfigMap",
    statefulSet: "kubernetes:apps/v1:StatefulSet",
    podDisruptionBudget: "kubernetes:policy/v1:PodDisruptionBudget",
    service: "kubernetes:core/v1:Service",
    storageClass: "kubernetes:storage.k8s.io/v1:StorageClass",
    launchTemplate: "aws:ec2/launchTemplate:LaunchTemplate",
    nodeGroup: "aws:eks/nodeGroup:NodeGroup",
} as const;

/** Pod label that marks ZooKeeper pods (the components' `app.kubernetes.io/name`). */
export const LABEL_NAME = "app.kubernetes.io/name";
export const HOSTNAME_TOPOLOGY = "kubernetes.io/hostname";
export const SCHEME_ANNOTATION = "service.beta.kubernetes.io/aws-load-balancer-scheme";
export const INTERNAL_ANNOTATION = "service.beta.kubernetes.io/aws-load-balancer-internal";

export type Labels = Record<string, string>;

export interface LabelSelector {
    matchLabels?: Labels;
    matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/**
 * Whether `selector` selects an object labelled `labels`, as Kubernetes
 * decides it: every matchLabels pair and every matchExpression (In, NotIn,
 * Exists, DoesNotExist) must hold; an empty selector selects everything, a
 * missing one nothing, an unknown operator nothing.
 */
export function selects(selector: LabelSelector | undefined | null, labels: Labels): boolean {
    if (!selector) {
        return false;
    }
    const pairsMatch = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
    const expressionsMatch = (selector.matchExpressions ?? []).every(({ key, operator, values = [] }) => {
        const has = key in labels;
        switch (operator) {
            case "In":
                return has && values.includes(labels[key]);
            case "NotIn":
                return !has || !values.includes(labels[key]);
            case "Exists":
                return has;
            case "DoesNotExist":
                return !has;
            default:
                return false;
        }
    });
    return pairsMatch && expressionsMatch;
}

/**
 * Voting members listed in a zoo.cfg: its `server.<id>=...` lines, without
 * observers (they do not vote, so they do not count toward a quorum).
 */
export function memberCount(zooCfg: string): number {
    return zooCfg
        .split("\n")
        .map((line) => /^\s*server\.\d+\s*=(.*)$/.exec(line)?.[1])
        .filter((value): value is string => value !== undefined && !/:observer\s*(;|$)/.test(value)).length;
}

/** Pod template labels of a StatefulSet's properties. */
export function podLabels(statefulSet: any): Labels {
    return statefulSet?.spec?.template?.metadata?.labels ?? {};
}

/** Whether a StatefulSet runs ZooKeeper (its pods carry `app.kubernetes.io/name: zookeeper`). */
export function isZooKeeperStatefulSet(statefulSet: any): boolean {
    return podLabels(statefulSet)[LABEL_NAME] === "zookeeper";
}

/** Namespace of a namespaced object; an object without one goes to "default". */
export function namespaceOf(props: any): string {
    return props?.metadata?.namespace ?? "default";
}

/** "Kind namespace/name" (or "Kind name" for a cluster-scoped kind) for messages; `fallback` when the object has no metadata.name. */
function ref(kind: string, props: any, fallback: string, namespaced = true): string {
    const name = props?.metadata?.name ?? fallback;
    return namespaced ? `${kind} ${namespaceOf(props)}/${name}` : `${kind} ${name}`;
}

export const oddMemberCount: ResourceValidationPolicy = {
    name: "zookeeper-odd-member-count",
    description: "A ZooKeeper ensemble (the server.N lines of its zoo.cfg) has an odd number of voting members.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        const zooCfg = args.props.data?.["zoo.cfg"];
        if (args.type !== TYPES.configMap || typeof zooCfg !== "string") {
            return;
        }
        const n = memberCount(zooCfg);
        if (n % 2 === 0) {
            const listed = n === 0 ? "no members (no server.N lines)" : `${n} voting members`;
            reportViolation(
                `zoo.cfg in ${ref("ConfigMap", args.props, args.name)} lists ${listed}; an ensemble needs an odd number of members ` +
                    `(an even one tolerates no more failures than one member fewer). List 3 or 5 server.N lines.`,
            );
        }
    },
};

export const pdbPresent: StackValidationPolicy = {
    name: "zookeeper-pdb-present",
    description: "Every ZooKeeper StatefulSet has a PodDisruptionBudget in its namespace that selects its pods.",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        const budgets = args.resources.filter((r) => r.type === TYPES.podDisruptionBudget).map((r) => r.props);
        for (const sts of args.resources.filter((r) => r.type === TYPES.statefulSet && isZooKeeperStatefulSet(r.props))) {
            const ns = namespaceOf(sts.props);
            if (!budgets.some((pdb) => namespaceOf(pdb) === ns && selects(pdb.spec?.selector, podLabels(sts.props)))) {
                reportViolation(
                    `${ref("StatefulSet", sts.props, sts.name)} has no PodDisruptionBudget in namespace ${ns} whose selector matches its pod labels ` +
                        `${JSON.stringify(podLabels(sts.props))}, so a node drain can take down a quorum. ` +
                        `Add a policy/v1 PodDisruptionBudget with maxUnavailable floor((n-1)/2) selecting these labels.`,
                    sts.urn,
                );
            }
        }
    },
};

export const antiAffinitySelectsOwnPods: ResourceValidationPolicy = {
    name: "zookeeper-anti-affinity-selects-own-pods",
    description: "A ZooKeeper StatefulSet's required pod anti-affinity on kubernetes.io/hostname selects its own pods, so no two members share a node.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        if (args.type !== TYPES.statefulSet || !isZooKeeperStatefulSet(args.props)) {
            return;
        }
        const what = ref("StatefulSet", args.props, args.name);
        const labels = podLabels(args.props);
        const terms: any[] = args.props.spec?.template?.spec?.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? [];
        const onHost = terms.filter((t) => t?.topologyKey === HOSTNAME_TOPOLOGY);
        const fix = `with topologyKey "${HOSTNAME_TOPOLOGY}" and a labelSelector matching the pod template labels ${JSON.stringify(labels)}`;
        if (terms.length === 0) {
            reportViolation(
                `${what} has no required pod anti-affinity, so two members can land on one node. ` +
                    `Add spec.template.spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution ${fix}.`,
            );
        } else if (onHost.length === 0) {
            reportViolation(`${what}: no required pod anti-affinity term has topologyKey "${HOSTNAME_TOPOLOGY}", so two members can land on one node. Add a term ${fix}.`);
        } else if (!onHost.some((t) => selects(t.labelSelector, labels))) {
            reportViolation(
                `${what}: the required pod anti-affinity on "${HOSTNAME_TOPOLOGY}" selects ${JSON.stringify(onHost.map((t) => t.labelSelector ?? null))}, ` +
                    `which matches none of its own pods (labels ${JSON.stringify(labels)}), so it keeps no two members apart. Use a labelSelector matching the pod template labels.`,
            );
        }
    },
};

export const dataRetained: ResourceValidationPolicy = {
    name: "zookeeper-data-retained",
    description: "ZooKeeper data volumes outlive their pods: StatefulSets retain their claims and the package's StorageClass retains released volumes.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        if (args.type === TYPES.statefulSet && isZooKeeperStatefulSet(args.props)) {
            const policy = args.props.spec?.persistentVolumeClaimRetentionPolicy ?? {};
            const when = { whenDeleted: "deleting the StatefulSet", whenScaled: "scaling it down" };
            for (const [field, event] of Object.entries(when)) {
                if ((policy[field] ?? "Retain") !== "Retain") {
                    reportViolation(
                        `${ref("StatefulSet", args.props, args.name)}: spec.persistentVolumeClaimRetentionPolicy.${field} is ${JSON.stringify(policy[field])}, ` +
                            `so ${event} deletes members' data volumes. Set it to "Retain" (or leave it out; Retain is the default).`,
                    );
                }
            }
        }
        if (args.type === TYPES.storageClass && args.props.metadata?.labels?.["app.kubernetes.io/managed-by"] === "zookeeper-cutover") {
            const reclaim = args.props.reclaimPolicy;
            if (reclaim !== "Retain") {
                const is = reclaim === undefined ? "is not set (Kubernetes defaults to Delete)" : `is ${JSON.stringify(reclaim)}`;
                reportViolation(
                    `${ref("StorageClass", args.props, args.name, false)}: reclaimPolicy ${is}, so a released ZooKeeper volume is deleted with its data. Set reclaimPolicy: Retain.`,
                );
            }
        }
    },
};

export const noInternetFacingLoadBalancer: ResourceValidationPolicy = {
    name: "zookeeper-no-internet-facing-load-balancer",
    description: "A LoadBalancer Service in front of ZooKeeper pods is internal, never internet-facing.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        const spec = args.props.spec;
        if (args.type !== TYPES.service || spec?.type !== "LoadBalancer" || spec.selector?.[LABEL_NAME] !== "zookeeper") {
            return;
        }
        const annotations: Record<string, string> = args.props.metadata?.annotations ?? {};
        const scheme = annotations[SCHEME_ANNOTATION];
        if (scheme === "internal" || annotations[INTERNAL_ANNOTATION] === "true") {
            return;
        }
        const is = scheme === undefined ? `has no ${SCHEME_ANNOTATION} annotation (the in-tree AWS cloud provider then makes it internet-facing)` : `has ${SCHEME_ANNOTATION}: ${scheme}`;
        reportViolation(
            `${ref("Service", args.props, args.name)} of type LoadBalancer selects ZooKeeper pods and ${is}; ZooKeeper must not be reachable from the internet. ` +
                `Set the annotation ${SCHEME_ANNOTATION}: internal.`,
        );
    },
};

export const nodesRequireImdsv2: ResourceValidationPolicy = {
    name: "nodes-require-imdsv2",
    description: "Nodes require IMDSv2 with a hop limit of 1, so pods cannot reach the node's instance credentials.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        if (args.type === TYPES.launchTemplate) {
            const options = args.props.metadataOptions ?? {};
            if (options.httpTokens !== "required") {
                reportViolation(
                    `LaunchTemplate ${args.name}: metadataOptions.httpTokens is ${JSON.stringify(options.httpTokens ?? null)}, which allows IMDSv1. Set metadataOptions.httpTokens: "required".`,
                );
            }
            if (options.httpPutResponseHopLimit !== 1) {
                reportViolation(
                    `LaunchTemplate ${args.name}: metadataOptions.httpPutResponseHopLimit is ${JSON.stringify(options.httpPutResponseHopLimit ?? null)}, so pods can reach the node's credentials. ` +
                        `Set metadataOptions.httpPutResponseHopLimit: 1.`,
                );
            }
        }
        if (args.type === TYPES.nodeGroup && !args.props.launchTemplate) {
            reportViolation(
                `NodeGroup ${args.name} has no launchTemplate, so its nodes get EKS's default instance metadata options, which can allow IMDSv1 and let pods reach the node's credentials. ` +
                    `Give it a launchTemplate with metadataOptions httpTokens "required" and httpPutResponseHopLimit 1.`,
            );
        }
    },
};

export const policies: Policies = [
    oddMemberCount,
    pdbPresent,
    antiAffinitySelectsOwnPods,
    dataRetained,
    noInternetFacingLoadBalancer,
    nodesRequireImdsv2,
];
