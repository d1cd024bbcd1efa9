/**
 * Test helpers for Kubernetes objects: label selector matching (as the API
 * server does it), the pods a StatefulSet creates, and OpenAPI validation.
 */
import { POD_INDEX_LABEL, POD_NAME_LABEL } from "../../components/ensemble/labels";

export type Labels = Record<string, string>;

export interface LabelSelector {
    matchLabels?: Labels;
    matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/** Does a LabelSelector (or a Service's plain selector map) select `labels`? An empty selector matches nothing here, to catch mistakes. */
export function selects(selector: LabelSelector | Labels | undefined, labels: Labels): boolean {
    if (!selector) {
        return false;
    }
    const isLabelSelector = "matchLabels" in selector || "matchExpressions" in selector;
    const matchLabels = (isLabelSelector ? (selector as LabelSelector).matchLabels : (selector as Labels)) ?? {};
    const expressions = isLabelSelector ? (selector as LabelSelector).matchExpressions ?? [] : [];
    if (Object.keys(matchLabels).length === 0 && expressions.length === 0) {
        return false;
    }
    for (const [k, v] of Object.entries(matchLabels)) {
        if (labels[k] !== v) {
            return false;
        }
    }
    for (const e of expressions) {
        const has = e.key in labels;
        const inValues = has && (e.values ?? []).includes(labels[e.key]);
        const ok =
            e.operator === "In" ? inValues : e.operator === "NotIn" ? !inValues : e.operator === "Exists" ? has : e.operator === "DoesNotExist" ? !has : false;
        if (!ok) {
            return false;
        }
    }
    return true;
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

// kubernetes-models ships ES modules only; a real dynamic import (not compiled into require) loads them.
const importModule = new Function("specifier", "return import(specifier)") as (specifier: string) => Promise<any>;

/** Validates an object against the Kubernetes OpenAPI schema (kubernetes-models); rejects with the schema errors. */
export async function validateKubeObject(object: any): Promise<void> {
    const [group, version] = object.apiVersion.includes("/") ? object.apiVersion.split("/") : ["", object.apiVersion];
    const modulePath = group === "" ? `kubernetes-models/${version}` : `kubernetes-models/${group}/${version}`;
    const models = await importModule(modulePath);
    const Model = models[object.kind];
    if (!Model) {
        throw new Error(`no schema for ${object.apiVersion} ${object.kind}`);
    }
    new Model(object).validate();
}
