/**
 * Cutover stages, the state each leaves behind, and the quorum guard that
 * decides whether moving from one stage to the next is safe. Pure.
 *
 * Two ensembles can exist during a cutover:
 * - "legacy": the ensemble that started on hosts. In a member swap its members
 *   move to pods one at a time and it stays the same ensemble (same data).
 * - "new": a separate pod ensemble (dual-registry), which clients register to
 *   beside the legacy one before the legacy one is retired.
 */

export const STAGES = ["old-host", "dual-registry", "member-swap", "pure-k8s"] as const;
export type Stage = (typeof STAGES)[number];
export type EnsembleIdentity = "legacy" | "new";

/** What is live after a stage: which legacy members are on hosts, which members are pods and of which ensemble, and which registries clients use. */
export interface CutoverState {
    stage: Stage;
    /** Ids of the legacy ensemble's members (on hosts or, in a member swap, already pods). */
    legacyIds: number[];
    /** Legacy members still live on their hosts. */
    hostIds: number[];
    /** Members running as pods. */
    podIds: number[];
    /** The ensemble the pods belong to ("" when there are none). */
    podEnsemble: EnsembleIdentity | "";
    /** The ensembles clients register to and subscribe from. */
    registries: EnsembleIdentity[];
}

/** The facts of one stage config the state is computed from. */
export interface StageFacts {
    stage: Stage;
    /** Legacy host member ids (from legacyHosts). */
    legacyIds: number[];
    /** Member ids of the pod ensemble. */
    memberIds: number[];
    /** Member swap: ids already running as pods. */
    podMembers: number[];
}

/**
 * The state a stage leaves behind. `previous` decides one thing only: whether
 * a pure-k8s ensemble is the legacy one that finished a member swap or a new
 * one that replaced it after dual-registry.
 */
export function stateOf(f: StageFacts, previous?: CutoverState): CutoverState {
    const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
    switch (f.stage) {
        case "old-host":
            return { stage: f.stage, legacyIds: sorted(f.legacyIds), hostIds: sorted(f.legacyIds), podIds: [], podEnsemble: "", registries: ["legacy"] };
        case "dual-registry":
            return { stage: f.stage, legacyIds: sorted(f.legacyIds), hostIds: sorted(f.legacyIds), podIds: sorted(f.memberIds), podEnsemble: "new", registries: ["legacy", "new"] };
        case "member-swap": {
            const pods = sorted(f.podMembers);
            return {
                stage: f.stage,
                legacyIds: sorted(f.legacyIds),
                hostIds: sorted(f.legacyIds.filter((id) => !pods.includes(id))),
                podIds: pods,
                podEnsemble: pods.length > 0 ? "legacy" : "",
                registries: ["legacy"],
            };
        }
        case "pure-k8s": {
            // The pods continue whichever ensemble the previous stage's pods belonged to.
            const lineage: EnsembleIdentity = previous?.podEnsemble === "legacy" ? "legacy" : "new";
            return { stage: f.stage, legacyIds: lineage === "legacy" ? previous!.legacyIds : [], hostIds: [], podIds: sorted(f.memberIds), podEnsemble: lineage, registries: [lineage] };
        }
    }
}

/** Where a legacy member runs in a state, or undefined when it does not run. */
function legacyLocation(s: CutoverState, id: number): "host" | "pod" | undefined {
    if (s.hostIds.includes(id)) {
        return "host";
    }
    if (s.podEnsemble === "legacy" && s.podIds.includes(id)) {
        return "pod";
    }
    return undefined;
}

function servesLegacy(s: CutoverState): boolean {
    return s.hostIds.length > 0 || s.podEnsemble === "legacy";
}

/** A refused transition: why, and the safe next step. */
export interface GuardRefusal {
    rule: "quorum" | "one-member-per-step" | "myid-reuse" | "registry-retirement";
    message: string;
}

/**
 * Suggests the next member-swap step: the current pods plus one member next to
 * them, preferring one the target asked for, else the lowest id (ZooKeeper
 * elects the highest myid among equally current servers, so moving low ids
 * first tends to move the leader last).
 */
function nextSwapStep(prev: CutoverState, wanted: number[]): number[] {
    const pods = prev.podEnsemble === "legacy" ? prev.podIds : [];
    const candidates = prev.hostIds.filter((id) => pods.length === 0 || id === pods[0] - 1 || id === pods[pods.length - 1] + 1);
    const pick = candidates.find((id) => wanted.includes(id)) ?? candidates[0];
    return pick === undefined ? pods : [...pods, pick].sort((a, b) => a - b);
}

/**
 * Checks a transition. Refuses: taking more than floor((n-1)/2) members of a
 * serving ensemble away at once; moving more than one member per member-swap
 * step; a myid that would be live twice; retiring a registry clients use
 * unless the stage before was dual-registry (clients registered to both).
 */
export function checkTransition(prev: CutoverState | undefined, next: CutoverState): GuardRefusal[] {
    if (!prev) {
        return [];
    }
    const refusals: GuardRefusal[] = [];

    // A myid live twice within the legacy ensemble (host and pod at once).
    const twice = next.podEnsemble === "legacy" ? next.podIds.filter((id) => next.hostIds.includes(id)) : [];
    for (const id of twice) {
        refusals.push({ rule: "myid-reuse", message: `myid ${id} would be live twice, on its host and as pod; stop the host and move the member (member-swap podMembers) instead` });
    }
    // Pods keep their volumes: a pod of one ensemble must not come back as a member of the other.
    if (prev.podEnsemble !== "" && next.podEnsemble !== "" && prev.podEnsemble !== next.podEnsemble) {
        const kept = next.podIds.filter((id) => prev.podIds.includes(id));
        if (kept.length > 0) {
            refusals.push({
                rule: "myid-reuse",
                message: `pods ${kept.join(", ")} hold the ${prev.podEnsemble} ensemble's data and myids and would serve as the ${next.podEnsemble} ensemble's members; finish one strategy first (member swap to pure-k8s, or dual-registry to pure-k8s) before starting the other`,
            });
        }
    }

    // Members of the legacy ensemble taken away at once, while it keeps serving.
    if (servesLegacy(prev) && servesLegacy(next)) {
        const legacyPods = (st: CutoverState) => (st.podEnsemble === "legacy" ? st.podIds : []);
        const ids = [...new Set([...prev.legacyIds, ...next.legacyIds, ...legacyPods(prev), ...legacyPods(next)])].sort((a, b) => a - b);
        const moved = ids.filter((id) => legacyLocation(prev, id) !== legacyLocation(next, id));
        const n = ids.length;
        const tolerated = Math.floor((n - 1) / 2);
        const swap = prev.stage === "member-swap" || next.stage === "member-swap";
        if (moved.length > tolerated) {
            const step = nextSwapStep(prev, next.podIds);
            refusals.push({
                rule: "quorum",
                message: `would take members ${moved.join(", ")} (${moved.length} of ${n}) away at once, but a ${n}-member ensemble tolerates ${tolerated}; safe next step: stage member-swap with podMembers [${step.join(", ")}]`,
            });
        } else if (swap && moved.length > 1) {
            const step = nextSwapStep(prev, next.podIds);
            refusals.push({
                rule: "one-member-per-step",
                message: `would move members ${moved.join(", ")} in one member-swap step; move one member per step: podMembers [${step.join(", ")}]`,
            });
        }
    }

    // Retiring a registry is safe only after clients used both (dual-registry).
    const retired = prev.registries.filter((r) => !next.registries.includes(r));
    if (retired.length > 0 && prev.stage !== "dual-registry") {
        refusals.push({
            rule: "registry-retirement",
            message: `would retire the ${retired.join(" and ")} registry while the stage before was ${prev.stage}, not dual-registry; safe next step: stage dual-registry (services register to both), check parity with \`zk-cutover check parity\`, then ${next.stage}`,
        });
    }
    return refusals;
}
