/** Kubernetes objects as the renderers build them and the components pass them on. Pure. */
import { IssueCollector, show } from "./errors";
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

// Kubernetes name rules.
const DNS_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS_1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** A Kubernetes namespace name. */
export function isNamespaceName(name: string): boolean {
    return DNS_1123_LABEL.test(name) && name.length <= 63;
}

/** Refuses `value` under `key` unless it can prefix every object name (`<prefix>-<myid>`, `<prefix>-client`, ...). */
export function checkNamePrefix(key: string, value: string, issues: IssueCollector): boolean {
    if (!DNS_LABEL.test(value) || value.length > 40) {
        issues.add(key, `${show(value)} is not usable as a name prefix; allowed: a lower-case letter, then letters, digits and '-', at most 40 characters`);
        return false;
    }
    return true;
}

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;

/** A DNS subdomain (RFC 1123) as Kubernetes object names and label prefixes use it; callers check the length. */
export function isDnsSubdomain(value: string): boolean {
    return DNS_SUBDOMAIN.test(value);
}

/** A label value (or the name part of a label key); callers check the length. */
export function isLabelValue(value: string): boolean {
    return LABEL_VALUE.test(value);
}
