/**
 * Test helpers for Kubernetes objects: label selector matching (as the API
 * server does it), the pods a StatefulSet creates, and OpenAPI validation.
 */
import { POD_INDEX_LABEL, POD_NAME_LABEL } from "../../components/shared/labels";
import { Labels, LabelSelector, selects as kubernetesSelects } from "../../policy/policies";
import { importEsm } from "../../tools/esm";

export type { Labels, LabelSelector };

/**
 * Does a LabelSelector (or a Service's plain selector map) select `labels`?
 * Kubernetes' matching, from the policy pack; but here an empty selector
 * matches nothing, to catch a selector that was left out by mistake.
 */
export function selects(selector: LabelSelector | Labels | undefined, labels: Labels): boolean {
    if (!selector) {
        return false;
    }
    const labelSelector: LabelSelector = "matchLabels" in selector || "matchExpressions" in selector ? (selector as LabelSelector) : { matchLabels: selector as Labels };
    const empty = Object.keys(labelSelector.matchLabels ?? {}).length === 0 && (labelSelector.matchExpressions ?? []).length === 0;
    return !empty && kubernetesSelects(labelSelector, labels);
}

export interface SimulatedPod {
    name: string;
    ordinal: number;
    labels: Labels;
}

/** The pods a StatefulSet creates: template labels plus the controller's pod-name and pod-index labels. */
export function podsOf(statefulSet: any): SimulatedPod[] {
    const start = statefulSet.spec.ordinals?.start ?? 0;
    const pods: SimulatedPod[] = [];
    for (let ordinal = start; ordinal < start + statefulSet.spec.replicas; ordinal++) {
        const name = `${statefulSet.metadata.name}-${ordinal}`;
        pods.push({
            name,
            ordinal,
            labels: { ...statefulSet.spec.template.metadata.labels, [POD_NAME_LABEL]: name, [POD_INDEX_LABEL]: String(ordinal) },
        });
    }
    return pods;
}


/** Validates an object against the Kubernetes OpenAPI schema (kubernetes-models); rejects with the schema errors. */
export async function validateKubeObject(object: any): Promise<void> {
    const [group, version] = object.apiVersion.includes("/") ? object.apiVersion.split("/") : ["", object.apiVersion];
    // prometheus-operator's CRDs have their own models package.
    const modulePath =
        group === "monitoring.coreos.com"
            ? `@kubernetes-models/prometheus-operator/${group}/${version}`
            : group === ""
              ? `kubernetes-models/${version}`
              : `kubernetes-models/${group}/${version}`;
    const models = await importEsm(modulePath);
    const Model = models[object.kind];
    if (!Model) {
        throw new Error(`no schema for ${object.apiVersion} ${object.kind}`);
    }
    new Model(object).validate();
}
