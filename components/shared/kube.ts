/** Kubernetes objects as the renderers build them and the components pass them on. Pure. */
import { Labels } from "./labels";

/** A Kubernetes object as it is sent to the API server. */
export interface KubeObject {
    apiVersion: string;
    kind: string;
    metadata: { name: string; namespace?: string; labels?: Labels; annotations?: Record<string, string> };
    [field: string]: unknown;
}

/** Narrows a typed API object (kubernetes-models' interfaces) to the generic KubeObject the components pass on. */
export function kube<T extends { apiVersion: string; kind: string }>(o: T & { metadata: KubeObject["metadata"] }): KubeObject {
    return o as unknown as KubeObject;
}

/** Label Kubernetes puts on every namespace: its name. */
export const NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";
