/**
 * The quorum guard, whole: cutover stages, the state each leaves behind, where
 * the previous state comes from (the stack's last outputs, or config), the
 * rules that decide whether moving from one stage to the next is safe, and the
 * typed refusal (`GuardRefusal`) every caller reads. Pure.
 *
 * Two ensembles can exist during a cutover:
 * - "legacy": the ensemble that started on hosts. In a member swap its members
 *   move to pods one at a time and it stays the same ensemble (same data).
 * - "new": a separate pod ensemble (dual-registry), which clients register to
 *   beside the legacy one before the legacy one is retired.
 * Pods keep their volumes (claims are retained), so the state also remembers
 * whose data the retained volumes hold.
 */

import { CLIENT_SASL_STEPS, SECURITY_STEPS } from "../ensemble/args";
import { ValueOf, ZooKeeperConfigError } from "../shared/errors";

/** Cutover stages: the ensemble on hosts, old and new side by side, members moving to pods one at a time, pods only. */
export const Stage = { OldHost: "old-host", DualRegistry: "dual-registry", MemberSwap: "member-swap", PureK8s: "pure-k8s" } as const;
export type Stage = ValueOf<typeof Stage>;
export const STAGES: readonly Stage[] = Object.values(Stage);
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
    /** The names the serving objects are made of (absent in states recorded before they existed). */
    names?: EnsembleNames;
    /** Live legacy hosts' addresses by id (absent in states recorded before they existed). */
    hostAddresses?: Record<string, string>;
    /** Facts a previous stage stated in config does not give (the guard refuses what depends on them). */
    unknown?: UnknownFact[];
}

/** The names every serving object is derived from: changing one deletes those objects and creates others. */
export interface EnsembleNames {
    namespace: string;
    ensembleName: string;
    clusterDomain: string;
    legacyEnsembleName: string;
}

/**
 * Facts of a previous state that are not known: what config's `previousStage`
 * does not state (all four), or what a cutoverState written before the fact was
 * recorded lacks (names, host addresses).
 */
export type UnknownFact = "preferredRegistry" | "security" | "names" | "hostAddresses";

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
    /** Names of the serving objects. */
    names?: EnsembleNames;
    /** Legacy hosts' addresses by id. */
    hostAddresses?: Record<string, string>;
    /** Facts not known (a previous stage stated in config). */
    unknown?: UnknownFact[];
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
    const hostAddresses = f.hostAddresses ? Object.fromEntries(base.hostIds.filter((id) => f.hostAddresses![id] !== undefined).map((id) => [String(id), f.hostAddresses![id]])) : undefined;
    // What is unknown matters only where the stage has it: the preferred registry in dual-registry, security with pods
    // (a member swap runs none), host addresses with live hosts; names always (the bridge's or the pods').
    const matters: Record<UnknownFact, boolean> = {
        preferredRegistry: f.stage === "dual-registry",
        security: base.podIds.length > 0 && f.stage !== "member-swap",
        hostAddresses: base.hostIds.length > 0,
        names: true,
    };
    const unknown = (f.unknown ?? []).filter((u) => matters[u]);
    return {
        stage: f.stage,
        ...base,
        volumeIds,
        volumeOwner,
        ...(f.security && base.podIds.length > 0 && !unknown.includes("security") ? { security: { ...f.security } } : {}),
        ...(f.names ? { names: { ...f.names } } : {}),
        ...(hostAddresses ? { hostAddresses } : {}),
        ...(unknown.length > 0 ? { unknown } : {}),
    };
}

/**
 * Where a legacy member runs in a state ("host <address>" when the address is
 * known and `address` asks for it), or undefined when it does not run.
 */
function legacyLocation(s: CutoverState, id: number, address = true): string | undefined {
    if (s.hostIds.includes(id)) {
        const at = address ? s.hostAddresses?.[String(id)] : undefined;
        return at === undefined ? "host" : `host ${at}`;
    }
    if (s.podEnsemble === "legacy" && s.podIds.includes(id)) {
        return "pod";
    }
    return undefined;
}

/** How a legacy member's place changes, for messages: "3 (host 10.0.0.3 -> pod)". */
function describeMove(prev: CutoverState, next: CutoverState, id: number, addresses: boolean): string {
    return `${id} (${legacyLocation(prev, id, addresses) ?? "not running"} -> ${legacyLocation(next, id, addresses) ?? "not running"})`;
}

function servesLegacy(s: CutoverState): boolean {
    return s.hostIds.length > 0 || s.podEnsemble === "legacy";
}

/**
 * The ensemble whose members are named by the pod ensemble's objects (its
 * member Services and StatefulSet): the pods' ensemble, or in a member swap the
 * legacy one (the hosts name their peers by those Services from the embrace on).
 */
function namedEnsemble(s: CutoverState): EnsembleIdentity | "" {
    return s.stage === "member-swap" ? "legacy" : s.podIds.length > 0 ? s.podEnsemble : "";
}

/** A refused transition: why, and the safe next step. */
export interface GuardRefusal {
    rule: "quorum" | "one-member-per-step" | "embrace-first" | "myid-reuse" | "registry-retirement" | "security-step" | "identity" | "membership" | "unknown-previous";
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

const majority = (n: number) => Math.floor(n / 2) + 1;

/** membershipStepKeepsQuorum by sizes: `kept` members on both lists, the rest of the `after` list added. */
function stepKeepsQuorum(before: number, after: number, kept: number): boolean {
    const added = after - kept;
    const restarting = kept - 1;
    const oneLeader = majority(before) + majority(after) > kept + added;
    return oneLeader && restarting >= majority(before) && restarting + added >= majority(after);
}

/**
 * Whether one rolling restart can take a running pod ensemble from the server
 * list `before` to `after` (static configuration). Removed members stop first
 * (the StatefulSet scales down before it rolls), added members start first with
 * the new list, then the kept members restart one at a time. Safe when:
 * - no two leaders can exist: a majority of each list overlaps a majority of
 *   the other among the members that may run together (kept and added);
 * - while a kept member restarts, the others still hold a majority of the old
 *   list and, with the added ones, of the new one.
 * Rehearsed with ZooKeeper 3.8 (static lists, rolling restarts): 3 -> 5 in one
 * step let two leaders accept writes; 5 -> 3 and 4 -> 3 lost quorum for one
 * restart; 3 -> 4 and 5 -> 4 kept serving.
 */
export function membershipStepKeepsQuorum(before: number[], after: number[]): boolean {
    return stepKeepsQuorum(before.length, after.length, before.filter((id) => after.includes(id)).length);
}

/**
 * The way from the server list `before` to `after` in rolling restarts that
 * each keep quorum (membershipStepKeepsQuorum): one member added or removed at
 * an end of the id range per step (pod ordinals are consecutive), the last step
 * straight to `after` where one restart can make it. Returns the lists after
 * each step, the last one `after` (none when they are equal), or undefined when
 * no such way exists (e.g. down to 3 members: every way ends in a restart that
 * loses quorum). Shortest first, and among those the one that moves towards
 * `after` first. Searches ids within one of either list's range and lists at
 * most one member longer than the longer of the two.
 */
export function membershipPath(before: number[], after: number[]): number[][] | undefined {
    const key = (ids: number[]) => ids.join(",");
    const target = sorted(after);
    const start = sorted(before);
    if (key(start) === key(target)) {
        return [];
    }
    const wanted = new Set(target);
    const reaches = (ids: number[], kept: number) => stepKeepsQuorum(ids.length, target.length, kept);
    if (start.length === 0 || target.length === 0) {
        return undefined;
    }
    if (reaches(start, start.filter((id) => wanted.has(id)).length)) {
        return [target];
    }
    const lo = Math.max(1, Math.min(start[0], target[0]) - 1);
    const hi = Math.min(255, Math.max(start[start.length - 1], target[target.length - 1]) + 1);
    const longest = Math.max(start.length, target.length) + 1;
    type Node = { ids: number[]; kept: number };
    const steps = ({ ids, kept }: Node): Node[] => {
        const first = ids[0];
        const last = ids[ids.length - 1];
        const moves = [
            { ids: [...ids, last + 1], id: last + 1, add: true },
            { ids: [first - 1, ...ids], id: first - 1, add: true },
            { ids: ids.slice(0, -1), id: last, add: false },
            { ids: ids.slice(1), id: first, add: false },
        ].filter((m) => m.ids.length > 0 && m.ids.length <= longest && m.id >= lo && m.id <= hi);
        // Towards the target first: adding a member it has, removing one it has not.
        const towards = (m: { id: number; add: boolean }) => (m.add === wanted.has(m.id) ? 0 : 1);
        return moves
            .sort((x, y) => towards(x) - towards(y))
            .filter((m) => stepKeepsQuorum(ids.length, m.ids.length, m.add ? ids.length : ids.length - 1))
            .map((m) => ({ ids: m.ids, kept: kept + (wanted.has(m.id) ? (m.add ? 1 : -1) : 0) }));
    };
    const from = new Map<string, Node | undefined>([[key(start), undefined]]);
    const queue: Node[] = [{ ids: start, kept: start.filter((id) => wanted.has(id)).length }];
    for (let i = 0; i < queue.length; i++) {
        for (const next of steps(queue[i])) {
            const k = key(next.ids);
            if (from.has(k)) {
                continue;
            }
            from.set(k, queue[i]);
            const arrived = k === key(target);
            if (arrived || reaches(next.ids, next.kept)) {
                const path = arrived ? [] : [target];
                for (let at: Node | undefined = next; at && at !== queue[0]; at = from.get(key(at.ids))) {
                    path.unshift(at.ids);
                }
                return path;
            }
            queue.push(next);
        }
    }
    return undefined;
}

function membershipRefusals(prev: CutoverState, next: CutoverState): GuardRefusal[] {
    const before = prev.podIds;
    const after = next.podIds;
    if (before.join(",") === after.join(",") || membershipStepKeepsQuorum(before, after)) {
        return [];
    }
    const path = membershipPath(before, after);
    const step = path?.[0];
    const removed = before.filter((id) => !after.includes(id));
    const added = after.filter((id) => !before.includes(id));
    const change = [removed.length > 0 ? `remove ${removed.join(", ")}` : "", added.length > 0 ? `add ${added.join(", ")}` : ""].filter((x) => x).join(" and ");
    const kept = before.length - removed.length;
    const why =
        majority(before.length) + majority(after.length) <= kept + added.length
            ? `members on the old list and on the new one could each elect a leader while it rolls`
            : `while it rolls, a restarting member leaves the others short of a majority of the ${before.length}-member list they still hold${added.length > 0 ? ` or of the ${after.length}-member list` : ""}`;
    const what = `would ${change} (members [${before.join(", ")}] -> [${after.join(", ")}]) in one rolling restart, but ${why}`;
    const even = step && step.length % 2 === 0 ? " with allowEvenMembers" : "";
    return [
        {
            rule: "membership",
            message: step
                ? `${what}; safe next step: memberIds [${step.join(", ")}] (replicas ${step.length}${even}), step 1 of ${path!.length} to memberIds [${after.join(", ")}], one pulumi up per step`
                : `${what}, and no way of rolling restarts that each keep quorum reaches it from here; move to a new ensemble of that size with stage dual-registry instead, or accept losing quorum while it rolls with allowUnsafeTransition`,
        },
    ];
}

function identityRefusals(prev: CutoverState, next: CutoverState): GuardRefusal[] {
    const a = prev.names;
    const b = next.names;
    if (!a || !b) {
        return [];
    }
    const refusals: GuardRefusal[] = [];
    const ensemble = namedEnsemble(prev);
    if (ensemble !== "" && ensemble === namedEnsemble(next)) {
        for (const key of ["namespace", "ensembleName"] as const) {
            if (a[key] !== b[key]) {
                refusals.push({
                    rule: "identity",
                    message: `would change ${key} from ${a[key]} to ${b[key]} while the ${ensemble} ensemble runs: its StatefulSet, member Services and volume claims would be deleted and created under the new names (an empty ensemble${prev.hostIds.length > 0 ? ", and the hosts' peers named by the old Services gone" : ""}); keep ${key} ${a[key]}, or start a new ensemble beside it with stage dual-registry`,
                });
            }
        }
        if (a.clusterDomain !== b.clusterDomain) {
            refusals.push({
                rule: "identity",
                message: `would change clusterDomain from ${a.clusterDomain} to ${b.clusterDomain} while the ${ensemble} ensemble runs: every member's peer name changes in one rolling restart, and members on the new names lose their peers unless the cluster answers both domains; keep clusterDomain ${a.clusterDomain}`,
            });
        }
    }
    if (prev.hostIds.length > 0 && next.hostIds.length > 0 && (a.legacyEnsembleName !== b.legacyEnsembleName || a.namespace !== b.namespace)) {
        const what = a.legacyEnsembleName !== b.legacyEnsembleName ? `legacyEnsembleName from ${a.legacyEnsembleName} to ${b.legacyEnsembleName}` : `namespace from ${a.namespace} to ${b.namespace}`;
        refusals.push({
            rule: "identity",
            message: `would change ${what} while the legacy hosts serve: the bridge's Services, the names clients use for the hosts, would be deleted and created anew; keep it until the hosts are retired`,
        });
    }
    return refusals;
}

/** The next state is the previous one applied again: same stage, the same members in the same places, the same registries. */
function reapplies(prev: CutoverState, next: CutoverState): boolean {
    const where = (s: CutoverState) => JSON.stringify([s.stage, s.legacyIds, s.hostIds, s.podIds, s.podEnsemble, s.registries]);
    return where(prev) === where(next);
}

/**
 * A previous state without names or host addresses, applied again, is taken as
 * this config states them: nothing is declared to move, and nothing else is
 * known to compare with (as for a stack with no previous state at all).
 */
function assumeReapplied(prev: CutoverState, next: CutoverState): CutoverState {
    const unknown = prev.unknown ?? [];
    if (!reapplies(prev, next) || !(unknown.includes("names") || unknown.includes("hostAddresses"))) {
        return prev;
    }
    const rest = unknown.filter((u) => u !== "names" && u !== "hostAddresses");
    const { unknown: _unknown, ...known } = prev;
    return {
        ...known,
        ...(unknown.includes("names") && next.names ? { names: { ...next.names } } : {}),
        ...(unknown.includes("hostAddresses") && next.hostAddresses ? { hostAddresses: { ...next.hostAddresses } } : {}),
        ...(rest.length > 0 ? { unknown: rest } : {}),
    };
}

/** What a previous stage stated in config (or a cutoverState recorded before a fact was) leaves unknown, where the transition depends on it. */
function unknownRefusals(prev: CutoverState, next: CutoverState): GuardRefusal[] {
    const unknown = prev.unknown ?? [];
    const refusals: GuardRefusal[] = [];
    const how = "set previousCutoverState to the stack's last cutoverState output (pulumi stack output cutoverState) instead of previousStage";
    // Names matter where identityRefusals compares them, host addresses where a live host stays live.
    const named = namedEnsemble(prev);
    const namesMatter = unknown.includes("names") && ((named !== "" && named === namedEnsemble(next)) || (prev.hostIds.length > 0 && next.hostIds.length > 0));
    const addressesMatter = unknown.includes("hostAddresses") && prev.hostIds.some((id) => next.hostIds.includes(id));
    if (namesMatter || addressesMatter) {
        const missing = [namesMatter ? "the names its objects had (namespace, ensembleName, clusterDomain, legacyEnsembleName)" : "", addressesMatter ? "its live hosts' addresses" : ""].filter((x) => x);
        const risks = [namesMatter ? "a rename" : "", addressesMatter ? "a host's new address" : ""].filter((x) => x);
        refusals.push({
            rule: "unknown-previous",
            message: `the previous ${prev.stage} state does not say ${missing.join(" or ")}, so ${risks.join(" or ")} in this same step cannot be ruled out (only ${prev.stage} applied again unchanged is taken as this config states it); ${how}, or, for a cutoverState recorded before names and addresses were, apply ${prev.stage} once more unchanged first`,
        });
    }
    const retired = prev.registries.filter((r) => !next.registries.includes(r));
    if (unknown.includes("preferredRegistry") && retired.length > 0) {
        refusals.push({
            rule: "unknown-previous",
            message: `would retire the ${retired.join(" and ")} registry, but previousStage ${prev.stage} does not say which registry consumers preferred; ${how}`,
        });
    }
    if (unknown.includes("security") && next.podIds.length > 0 && next.podEnsemble === prev.podEnsemble) {
        refusals.push({
            rule: "unknown-previous",
            message: `previousStage ${prev.stage} does not say at which TLS and SASL steps the running ensemble is, so a change of more than one step cannot be ruled out; ${how}`,
        });
    }
    return refusals;
}

/**
 * Checks a transition. Refuses: taking more than floor((n-1)/2) members of a
 * serving ensemble away at once (a live host's new address counts as taking it
 * away); moving more than one member per member-swap step; moving members
 * before the hosts run the Service-name config (the embrace step); a myid that
 * would be live twice (a member on its host and as a pod, or pods mounting
 * another ensemble's retained data); a membership change one rolling restart
 * cannot make with quorum; renaming what a running ensemble is made of;
 * retiring a registry unless clients used both and preferred the other one;
 * security more than one step at a time; and anything that depends on a fact
 * the previous state does not give (config's previousStage states the stage and
 * its pods only; a cutoverState recorded by an older version may lack names and
 * host addresses), except that a stage applied again unchanged is taken as its
 * config states it.
 */
export function checkTransition(prev: CutoverState | undefined, next: CutoverState): GuardRefusal[] {
    if (!prev) {
        return [];
    }
    prev = assumeReapplied(prev, next);
    const refusals: GuardRefusal[] = [...identityRefusals(prev, next), ...unknownRefusals(prev, next)];

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

    // Members of the legacy ensemble taken away at once, while it keeps serving with hosts in it.
    if (servesLegacy(prev) && servesLegacy(next) && (prev.hostIds.length > 0 || next.hostIds.length > 0)) {
        const legacyPods = (st: CutoverState) => (st.podEnsemble === "legacy" ? st.podIds : []);
        const ids = sorted([...prev.legacyIds, ...next.legacyIds, ...legacyPods(prev), ...legacyPods(next)]);
        // Host addresses are compared where both states know them (where one does not, unknownRefusals says so).
        const addresses = !!prev.hostAddresses && !!next.hostAddresses;
        const moved = ids.filter((id) => legacyLocation(prev, id, addresses) !== legacyLocation(next, id, addresses));
        const n = ids.length;
        const tolerated = Math.floor((n - 1) / 2);
        const swap = prev.stage === "member-swap" || next.stage === "member-swap";
        const readdressed = moved.filter((id) => prev.hostIds.includes(id) && next.hostIds.includes(id));
        const because = readdressed.length > 0 ? ` (${moved.map((id) => describeMove(prev, next, id, addresses)).join(", ")}: a host's new address is a member moved)` : "";
        if (moved.length > tolerated) {
            const step = nextSwapStep(prev, next.podIds);
            refusals.push({
                rule: "quorum",
                message: `would take members ${moved.join(", ")} (${moved.length} of ${n}) away at once${because}, but a ${n}-member ensemble tolerates ${tolerated}; safe next step: ${readdressed.length > 0 ? "change one host's address per pulumi up, and no move with it" : `stage member-swap with podMembers [${step.join(", ")}]`}`,
            });
        } else if (swap && moved.length > 1) {
            const step = nextSwapStep(prev, next.podIds);
            refusals.push({
                rule: "one-member-per-step",
                message: `would move members ${moved.join(", ")} in one member-swap step${because}; move one member per step: ${readdressed.length > 0 ? "change the host's address in a step of its own" : `podMembers [${step.join(", ")}]`}`,
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
    // A running pod ensemble whose server list changes (grow, shrink, other ids); a member swap's pods are counted above.
    const swapping = prev.podEnsemble === "legacy" && (prev.hostIds.length > 0 || next.hostIds.length > 0);
    if (!swapping && prev.podIds.length > 0 && next.podIds.length > 0 && prev.podEnsemble === next.podEnsemble) {
        refusals.push(...membershipRefusals(prev, next));
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
        } else if (!(prev.unknown ?? []).includes("preferredRegistry") && retired.includes(prev.preferred as EnsembleIdentity)) {
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

/** Reads a `cutoverState` output; states written by older versions get the fields they lacked. Undefined when it is not one. */
export function parseState(json: string | undefined): CutoverState | undefined {
    if (!json) {
        return undefined;
    }
    let s: Partial<CutoverState>;
    try {
        s = JSON.parse(json) as Partial<CutoverState>;
    } catch {
        return undefined;
    }
    if (s === null || typeof s !== "object" || !STAGES.includes(s.stage as Stage)) {
        return undefined;
    }
    // Recorded before names and host addresses were: not known, so not assumed unchanged.
    const unrecorded: UnknownFact[] = [...(s.names ? [] : ["names" as const]), ...(s.hostAddresses || !(s.hostIds ?? []).length ? [] : ["hostAddresses" as const])];
    const unknown = [...new Set([...(s.unknown ?? []), ...unrecorded])];
    return {
        stage: s.stage!,
        legacyIds: s.legacyIds ?? [],
        hostIds: s.hostIds ?? [],
        podIds: s.podIds ?? [],
        podEnsemble: s.podEnsemble ?? "",
        registries: s.registries ?? [],
        preferred: s.preferred ?? (s.registries?.[0] ?? ""),
        volumeIds: s.volumeIds ?? s.podIds ?? [],
        volumeOwner: s.volumeOwner ?? s.podEnsemble ?? "",
        ...(s.security ? { security: s.security } : {}),
        ...(s.names ? { names: s.names } : {}),
        ...(s.hostAddresses ? { hostAddresses: s.hostAddresses } : {}),
        ...(unknown.length > 0 ? { unknown } : {}),
    };
}

/**
 * What the guard reads of a validated stage config (a CutoverSettings has it
 * all): this stage's facts, what config says of the previous one, and the
 * override.
 */
export interface GuardConfig {
    stage: Stage;
    facts: StageFacts;
    legacyHosts: readonly unknown[];
    previousFromConfig?: StageFacts;
    previousStateFromConfig?: CutoverState;
    allowUnsafeTransition: boolean;
}

/** The state this stage leaves behind, given the previous one. */
export function cutoverStateOf(s: GuardConfig, previous?: CutoverState): CutoverState {
    return stateOf(s.facts, previous);
}

/**
 * The previous state the guard compares against: the stack's own last outputs
 * first; config's previousCutoverState or previousStage when there are none (a
 * stack moved between backends, a first deployment of an existing cutover);
 * without either, for a stack that wraps legacy hosts, the hosts-only baseline
 * (old-host). When config disagrees with the last outputs, `conflict` says so,
 * unless the last outputs are this very stage (a config applied again).
 */
export function previousStateOf(s: GuardConfig, lastOutput: CutoverState | undefined): { state?: CutoverState; source: string; conflict?: string } {
    const fromConfig = s.previousStateFromConfig ?? (s.previousFromConfig ? stateOf(s.previousFromConfig, lastOutput) : undefined);
    const configKeys = s.previousStateFromConfig ? "previousCutoverState" : "previousStage and previousPodMembers";
    if (lastOutput) {
        const reapplied = sameState(stateOf(s.facts, lastOutput), lastOutput);
        const conflict =
            fromConfig && !reapplied && !sameState(fromConfig, lastOutput)
                ? `config's previous stage (${fromConfig.stage}${fromConfig.podIds.length ? `, pods ${fromConfig.podIds.join(", ")}` : ""}) disagrees with the stack's last outputs (${lastOutput.stage}${lastOutput.podIds.length ? `, pods ${lastOutput.podIds.join(", ")}` : ""}); remove ${configKeys}`
                : undefined;
        return { state: lastOutput, source: "the stack's last outputs", ...(conflict ? { conflict } : {}) };
    }
    if (fromConfig) {
        return { state: fromConfig, source: s.previousStateFromConfig ? "config previousCutoverState" : "config previousStage" };
    }
    if (s.legacyHosts.length > 0) {
        return {
            state: stateOf({ stage: "old-host", legacyIds: s.facts.legacyIds, memberIds: [], podMembers: [], names: s.facts.names, hostAddresses: s.facts.hostAddresses }),
            source: "the hosts-only baseline (no previous stage known)",
        };
    }
    return { source: "none (a new ensemble)" };
}

export interface GuardResult {
    previous?: CutoverState;
    /** Where the previous state came from. */
    source: string;
    next: CutoverState;
    refusals: GuardRefusal[];
}

/** Runs the quorum guard for a stage given the stack's last state. */
export function guardCutover(settings: GuardConfig, lastState: CutoverState | undefined): GuardResult {
    const { state: previous, source, conflict } = previousStateOf(settings, lastState);
    const next = cutoverStateOf(settings, previous);
    const refusals = checkTransition(previous, next);
    if (conflict) {
        refusals.unshift({ rule: "unknown-previous", message: conflict });
    }
    return { previous, source, next, refusals };
}

/** The guard's refusals as full sentences: "<stage> after <previous> (from <source>) refused: <why>". */
export function refusalMessages(settings: GuardConfig, guard: GuardResult): string[] {
    const from = guard.previous ? `${guard.previous.stage} (from ${guard.source})` : "nothing";
    return guard.refusals.map((r) => `${settings.stage} after ${from} refused: ${r.message}`);
}

/** The guard's refusals as config issues (on key "stage"), unless overridden. */
export function assertSafeTransition(settings: GuardConfig, guard: GuardResult): void {
    if (guard.refusals.length > 0 && !settings.allowUnsafeTransition) {
        throw new ZooKeeperConfigError(refusalMessages(settings, guard).map((message) => ({ key: "stage", message: `${message} (allowUnsafeTransition overrides this)` })));
    }
}

