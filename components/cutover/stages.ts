/**
 * Cutover stages, the state each leaves behind, and the quorum guard that
 * decides whether moving from one stage to the next is safe. Pure.
 *
 * Two ensembles can exist during a cutover:
 * - "legacy": the ensemble that started on hosts. In a member swap its members
 *   move to pods one at a time and it stays the same ensemble (same data).
 * - "new": a separate pod ensemble (dual-registry), which clients register to
 *   beside the legacy one before the legacy one is retired.
 * Pods keep their volumes (claims are retained), so the state also remembers
 * whose data the retained volumes hold.
 */

import { CLIENT_SASL_STEPS, SECURITY_STEPS } from "../ensemble/settings";

export const STAGES = ["old-host", "dual-registry", "member-swap", "pure-k8s"] as const;
export type Stage = (typeof STAGES)[number];
export type EnsembleIdentity = "legacy" | "new";

/** What is live after a stage. */
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
    /** The registry consumers prefer (in dual-registry: preferredRegistry). */
    preferred: EnsembleIdentity | "";
    /** Member ids whose retained volumes (data-<name>-<id>) hold data, and whose data it is. */
    volumeIds: number[];
    volumeOwner: EnsembleIdentity | "";
    /** The pod ensemble's security steps (absent in states recorded before they existed). */
    security?: SecuritySteps;
}

/** Where the pod ensemble stands on turning TLS and SASL on (steps as in the ensemble settings). */
export interface SecuritySteps {
    tls: string;
    saslQuorum: string;
    saslClient: string;
}

/** Each security setting's steps in order; a running ensemble moves one step per rolling restart. */
export const SECURITY_STEP_ORDER: Record<keyof SecuritySteps, readonly string[]> = {
    tls: SECURITY_STEPS,
    saslQuorum: SECURITY_STEPS,
    saslClient: CLIENT_SASL_STEPS,
};

/** The facts of one stage config the state is computed from. */
export interface StageFacts {
    stage: Stage;
    /** Legacy host member ids (from legacyHosts). */
    legacyIds: number[];
    /** Member ids of the pod ensemble. */
    memberIds: number[];
    /** Member swap: ids already running as pods. */
    podMembers: number[];
    /** dual-registry: the registry consumers prefer ("legacy" or "k8s"). */
    preferredRegistry?: string;
    /** The pod ensemble's security steps. */
    security?: SecuritySteps;
}

const sorted = (xs: number[]) => [...new Set(xs)].sort((a, b) => a - b);

/**
 * The state a stage leaves behind. `previous` decides whether a pure-k8s
 * ensemble is the legacy one that finished a member swap or a new one, and
 * carries the retained volumes forward.
 */
export function stateOf(f: StageFacts, previous?: CutoverState): CutoverState {
    const base = (() => {
        switch (f.stage) {
            case "old-host":
                return { legacyIds: sorted(f.legacyIds), hostIds: sorted(f.legacyIds), podIds: [], podEnsemble: "" as const, registries: ["legacy" as const], preferred: "legacy" as const };
            case "dual-registry":
                return {
                    legacyIds: sorted(f.legacyIds),
                    hostIds: sorted(f.legacyIds),
                    podIds: sorted(f.memberIds),
                    podEnsemble: "new" as const,
                    registries: ["legacy" as const, "new" as const],
                    preferred: f.preferredRegistry === "k8s" ? ("new" as const) : ("legacy" as const),
                };
            case "member-swap": {
                const pods = sorted(f.podMembers);
                return {
                    legacyIds: sorted(f.legacyIds),
                    hostIds: sorted(f.legacyIds.filter((id) => !pods.includes(id))),
                    podIds: pods,
                    podEnsemble: pods.length > 0 ? ("legacy" as const) : ("" as const),
                    registries: ["legacy" as const],
                    preferred: "legacy" as const,
                };
            }
            case "pure-k8s": {
                // The pods continue whichever ensemble the previous stage's pods (or volumes) belonged to.
                const lineage: EnsembleIdentity = previous?.podEnsemble === "legacy" || (previous?.podEnsemble === "" && previous.volumeOwner === "legacy") ? "legacy" : "new";
                return {
                    legacyIds: lineage === "legacy" ? previous!.legacyIds : [],
                    hostIds: [],
                    podIds: sorted(f.memberIds),
                    podEnsemble: lineage,
                    registries: [lineage],
                    preferred: lineage,
                };
            }
        }
    })();
    const keepsOwner = base.podIds.length === 0 || previous?.volumeOwner === base.podEnsemble;
    const volumeOwner = base.podIds.length > 0 ? base.podEnsemble : previous?.volumeOwner ?? "";
    const volumeIds = keepsOwner ? sorted([...(previous?.volumeIds ?? []), ...base.podIds]) : sorted(base.podIds);
    return { stage: f.stage, ...base, volumeIds, volumeOwner, ...(f.security && base.podIds.length > 0 ? { security: { ...f.security } } : {}) };
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
    rule: "quorum" | "one-member-per-step" | "embrace-first" | "myid-reuse" | "registry-retirement" | "security-step";
    message: string;
}

/**
 * Suggests the next member-swap step for a refusal: the current pods plus one
 * member next to them, preferring one the target asked for, else the lowest id.
 * The guard does not know the live leader; `check health --config-file`
 * prints the order that costs one election (see swapPlan.ts).
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
 * step; moving members before the hosts run the Service-name config (the
 * embrace step); a myid that would be live twice (a member on its host and as
 * a pod, or pods mounting another ensemble's retained data); retiring a
 * registry unless clients used both and preferred the other one.
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
    // Pods keep their volumes: a pod of one ensemble must not start on another ensemble's retained data.
    if (next.podEnsemble !== "" && prev.volumeOwner !== "" && prev.volumeOwner !== next.podEnsemble) {
        const reused = next.podIds.filter((id) => prev.volumeIds.includes(id));
        if (reused.length > 0) {
            refusals.push({
                rule: "myid-reuse",
                message: `pods ${reused.join(", ")} would start on retained volumes holding the ${prev.volumeOwner} ensemble's data and myids while serving as the ${next.podEnsemble} ensemble's members; finish one strategy before starting the other, or delete those volume claims first`,
            });
        }
    }

    // Members of the legacy ensemble taken away at once, while it keeps serving.
    if (servesLegacy(prev) && servesLegacy(next)) {
        const legacyPods = (st: CutoverState) => (st.podEnsemble === "legacy" ? st.podIds : []);
        const ids = sorted([...prev.legacyIds, ...next.legacyIds, ...legacyPods(prev), ...legacyPods(next)]);
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
        // Pods can join only once the hosts name their peers by Service (the embrace step).
        const embraced = prev.stage === "member-swap" || (prev.stage === "pure-k8s" && prev.podEnsemble === "legacy");
        if (next.stage === "member-swap" && next.podIds.length > 0 && !embraced) {
            refusals.push({
                rule: "embrace-first",
                message: `moves members to pods while the hosts still name their peers by address (stage before: ${prev.stage}); safe next step: stage member-swap with podMembers [] and roll the hostZooCfg output to the hosts`,
            });
        }
    }

    // Members of a pod ensemble removed at once while it keeps serving (scale-down, changed ids).
    if (prev.podEnsemble === "new" && next.podEnsemble === "new") {
        const gone = prev.podIds.filter((id) => !next.podIds.includes(id));
        const tolerated = Math.floor((prev.podIds.length - 1) / 2);
        if (gone.length > tolerated) {
            refusals.push({
                rule: "quorum",
                message: `would remove pod members ${gone.join(", ")} (${gone.length} of ${prev.podIds.length}) at once, but a ${prev.podIds.length}-member ensemble tolerates ${tolerated}; change the members at most ${Math.max(tolerated, 1)} at a time`,
            });
        }
    }

    // TLS and SASL change one step per rolling restart on a running ensemble (ZooKeeper's zero-downtime order):
    // a member restarted two steps ahead could not talk to the members not yet restarted.
    if (prev.security && next.security && prev.podIds.length > 0 && prev.podEnsemble === next.podEnsemble) {
        for (const key of Object.keys(SECURITY_STEP_ORDER) as (keyof SecuritySteps)[]) {
            const order = SECURITY_STEP_ORDER[key];
            const from = order.indexOf(prev.security[key]);
            const to = order.indexOf(next.security[key]);
            if (from >= 0 && to >= 0 && Math.abs(to - from) > 1) {
                const step = order[from + Math.sign(to - from)];
                refusals.push({
                    rule: "security-step",
                    message: `would change ${key} from ${prev.security[key]} to ${next.security[key]} in one rolling restart, but a running ensemble moves one step at a time (${order.join(" -> ")}); safe next step: ${key} ${step}`,
                });
            }
        }
    }

    // Consumers prefer the new registry only once it has been checked against the old one, inside dual-registry.
    if (next.stage === "dual-registry" && prev.stage !== "dual-registry" && next.preferred === "new") {
        refusals.push({
            rule: "registry-retirement",
            message: "would make consumers prefer the new registry as soon as it exists, before any parity check; safe next step: stage dual-registry with preferredRegistry legacy, check parity with `zk-cutover check parity`, then preferredRegistry k8s",
        });
    }

    // Retiring a registry is safe only after clients used both and preferred the other one.
    const retired = prev.registries.filter((r) => !next.registries.includes(r));
    if (retired.length > 0) {
        if (prev.stage !== "dual-registry") {
            refusals.push({
                rule: "registry-retirement",
                message: `would retire the ${retired.join(" and ")} registry while the stage before was ${prev.stage}, not dual-registry; safe next step: stage dual-registry (services register to both), check parity with \`zk-cutover check parity\`, then ${next.stage}`,
            });
        } else if (retired.includes(prev.preferred as EnsembleIdentity)) {
            refusals.push({
                rule: "registry-retirement",
                message: `would retire the ${prev.preferred} registry while consumers still prefer it; safe next step: stay in dual-registry with preferredRegistry ${prev.preferred === "legacy" ? "k8s" : "legacy"} (after \`zk-cutover check parity\` passes), then ${next.stage}`,
            });
        }
    }
    return refusals;
}

/** Two states describe the same deployment (for comparing config's previousStage with the stack's last outputs). */
export function sameState(a: CutoverState, b: CutoverState): boolean {
    return a.stage === b.stage && a.podIds.join(",") === b.podIds.join(",") && a.hostIds.join(",") === b.hostIds.join(",");
}
