/**
 * Labels, selectors and node placement of an ensemble. Every selector the
 * components render (StatefulSet, Services, PDB, anti-affinity, topology
 * spread) and every pod label comes from these functions, so they cannot drift
 * apart.
 */
import type { KubeObject } from "./kube";

export const LABEL_NAME = "app.kubernetes.io/name";
export const LABEL_INSTANCE = "app.kubernetes.io/instance";
export const LABEL_COMPONENT = "app.kubernetes.io/component";
export const LABEL_MANAGED_BY = "app.kubernetes.io/managed-by";
export const LABEL_VERSION = "app.kubernetes.io/version";
export const LABEL_MEMBER_ID = "zookeeper-cutover/member-id";

/** Node label and taint that dedicate nodes to ZooKeeper. */
export const NODE_ROLE_LABEL = "zookeeper-cutover/node-role";
export const DEDICATED_TAINT_KEY = "zookeeper-cutover/dedicated";

export type Labels = Record<string, string>;

/** The label every object this package manages carries. */
export const MANAGED_BY: Labels = { [LABEL_MANAGED_BY]: "zookeeper-cutover" };

/** Labels naming one part (`component`) of the ZooKeeper instance `instance`. */
export function partLabels(instance: string, component: string): Labels {
    return { [LABEL_NAME]: "zookeeper", [LABEL_INSTANCE]: instance, [LABEL_COMPONENT]: component };
}

/** Selects every pod of the ensemble `ensembleName`, whatever its member or version. */
export function ensembleSelector(ensembleName: string): Labels {
    return partLabels(ensembleName, "ensemble");
}

/** Label the StatefulSet controller puts on each pod: the pod's name. */
export const POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name";
/** Label the StatefulSet controller puts on each pod: its ordinal, which is the member id. */
export const POD_INDEX_LABEL = "apps.kubernetes.io/pod-index";

/** Name of member `id`'s pod: the StatefulSet `ensembleName` numbers its pods from the first member id. */
export function memberPodName(ensembleName: string, id: number): string {
    return `${ensembleName}-${id}`;
}

/** Selects the one pod of member `id` (by the pod-name label the StatefulSet controller sets). */
export function memberSelector(ensembleName: string, id: number): Labels {
    return { ...ensembleSelector(ensembleName), [POD_NAME_LABEL]: memberPodName(ensembleName, id) };
}

/**
 * Labels of the ensemble's objects and of its pod template: a superset of
 * `ensembleSelector`. Pods additionally get the controller's pod-name and
 * pod-index labels, which `memberSelector` uses.
 */
export function objectLabels(ensembleName: string, version: string): Labels {
    return {
        ...ensembleSelector(ensembleName),
        ...MANAGED_BY,
        [LABEL_VERSION]: version,
    };
}

/** Metadata of an object of the ensemble: its name, the ensemble's namespace, the ensemble's labels and `extraLabels`. */
export function ensembleMeta(
    s: { namespace: string; ensembleName: string; version: { text: string } },
    name: string,
    extraLabels: Labels = {},
): KubeObject["metadata"] {
    return { name, namespace: s.namespace, labels: { ...objectLabels(s.ensembleName, s.version.text), ...extraLabels } };
}

export interface Taint {
    key: string;
    value: string;
    effect: "NoSchedule";
}

export interface Toleration {
    key: string;
    operator: "Equal";
    value: string;
    effect: "NoSchedule";
}

/** Node labels and taints of nodes dedicated to ZooKeeper with role `role`. Node groups and pods both use this. */
export function dedicatedNodePlacement(role: string): { nodeLabels: Labels; taints: Taint[] } {
    return {
        nodeLabels: { [NODE_ROLE_LABEL]: role },
        taints: [{ key: DEDICATED_TAINT_KEY, value: role, effect: "NoSchedule" }],
    };
}

/** The tolerations that let a pod onto nodes carrying `taints`. */
export function tolerationsFor(taints: Taint[]): Toleration[] {
    return taints.map((t) => ({ key: t.key, operator: "Equal", value: t.value, effect: t.effect }));
}
