/**
 * The order of a member swap, decided from where the leader is right now.
 * Pure: the live check prints it before each step and the rehearsal follows it.
 *
 * What ZooKeeper allows, and so what the plan is built on:
 * - A leader election happens only when the leader stops (restarted for the
 *   embrace, or moved). Followers stop and start without one.
 * - When the leader stops, the members left elect the most up-to-date one,
 *   the highest id among equals. So the plan moves the leader only once the
 *   member expected to take over is already a pod: it never moves again, and
 *   the leader's move is the only election of the swap.
 * - Pods have consecutive ids (a pod's ordinal is its myid), so the pods grow
 *   at one end of their range per step; the first pod may be any member.
 * - The leader need not be restarted for the embrace: it keeps its host
 *   config (peers by address) and moves straight to its pod. A pod with a
 *   lower id reaches it because the leader connects back to the address the
 *   pod announces (ZooKeeper 3.5+); 3.4 connects back to the address in its
 *   own config, so there only pods with higher ids can join a leader that
 *   kept its host config.
 */

export interface SwapPlanInput {
    /** Every member id, consecutive. */
    memberIds: number[];
    /** Members already running as pods (a consecutive range, possibly empty). */
    podIds: number[];
    /** The live leader's id; undefined when unknown. */
    leader?: number;
    /** Whether a member connects back to the election address a lower-id peer announces (ZooKeeper 3.5+) rather than its own configured one (3.4). */
    connectsBackToAnnounced: boolean;
    /**
     * Hosts still running their original config (peers by address), not yet
     * rolled onto hostZooCfg. Default: every host while no member is a pod
     * (the embrace is ahead), none once a member moved (it is done).
     */
    onHostConfig?: number[];
}

export interface SwapPlan {
    /** Hosts to roll hostZooCfg onto before the first move, in this order. */
    embrace: number[];
    /** The leader keeps its host config and is moved without being restarted first. */
    leaderKeepsHostConfig: boolean;
    /** The moves still to make, in order: podMembers grows by one member per step. */
    moves: number[];
    /** Leader elections the plan costs, assuming the members left after a leader stops are equally up to date. */
    elections: number;
    /** The next step, for people. */
    next: string;
    /** Why this order. */
    reason: string;
}

const ascending = (xs: number[]) => [...xs].sort((a, b) => a - b);

/** Every order in which the pods can grow from `podIds` (one end per step) to all members, as candidates. */
function growthOrders(memberIds: number[], podIds: number[]): number[][] {
    const lo = memberIds[0];
    const hi = memberIds[memberIds.length - 1];
    const grow = (from: number, to: number, upFirst: boolean) => {
        const up = Array.from({ length: hi - to }, (_, i) => to + 1 + i);
        const down = Array.from({ length: from - lo }, (_, i) => from - 1 - i);
        return upFirst ? [...up, ...down] : [...down, ...up];
    };
    if (podIds.length > 0) {
        const from = podIds[0];
        const to = podIds[podIds.length - 1];
        return [grow(from, to, true), grow(from, to, false)];
    }
    return memberIds.flatMap((start) => [
        [start, ...grow(start, start, true)],
        [start, ...grow(start, start, false)],
    ]);
}

interface Outcome {
    /** False when a pod could not join (a 3.4 leader on its host config would dial the pod's old address). */
    valid: boolean;
    /** The moves that stop a leader, each an election. */
    electionsAt: number[];
}

/**
 * Plays `order` through: every move of the current leader is an election, after
 * which the highest remaining id leads (the plan's assumption).
 */
function simulate(input: SwapPlanInput, order: number[], leader: number | undefined, leaderOnHostConfig: boolean): Outcome {
    let lead = leader;
    let onHostConfig = leaderOnHostConfig;
    const electionsAt: number[] = [];
    for (const m of order) {
        if (lead !== undefined && m !== lead && onHostConfig && !input.connectsBackToAnnounced && m < lead) {
            return { valid: false, electionsAt };
        }
        if (m === lead) {
            electionsAt.push(m);
            const others = input.memberIds.filter((id) => id !== m);
            lead = others.length > 0 ? Math.max(...others) : undefined;
            onHostConfig = false;
        }
    }
    return { valid: true, electionsAt };
}

type Choice = Outcome & { elections: number; leaderLast: boolean; embraceLeader: boolean; order: number[] };

/** Times the order changes direction (0 for bottom-up or top-down): simpler orders are easier to follow. */
function turns(order: number[]): number {
    let count = 0;
    for (let i = 2; i < order.length; i++) {
        if (Math.sign(order[i] - order[i - 1]) !== Math.sign(order[i - 1] - order[i - 2])) {
            count++;
        }
    }
    return count;
}

function better(a: Choice, b: Choice): boolean {
    if (a.valid !== b.valid) {
        return a.valid;
    }
    if (a.elections !== b.elections) {
        return a.elections < b.elections;
    }
    if (a.embraceLeader !== b.embraceLeader) {
        return !a.embraceLeader;
    }
    if (a.leaderLast !== b.leaderLast) {
        return a.leaderLast;
    }
    return turns(a.order) < turns(b.order);
}

const list = (ids: number[]) => ids.join(", ");

/** The order of the rest of a member swap given the live leader; see the module comment for the rules. */
export function planMemberSwap(input: SwapPlanInput): SwapPlan {
    const memberIds = ascending(input.memberIds);
    const podIds = ascending(input.podIds);
    const hosts = memberIds.filter((id) => !podIds.includes(id));
    const onHostConfig = ascending(input.onHostConfig ?? (podIds.length === 0 ? hosts : [])).filter((id) => hosts.includes(id));
    const leader = input.leader;
    const leaderIsHost = leader !== undefined && hosts.includes(leader);
    const leaderOnHostConfig = leaderIsHost && onHostConfig.includes(leader!);

    let best: Choice | undefined;
    // Restarting the leader for the embrace is one election, after which the highest other id leads.
    const options = leaderOnHostConfig ? [false, true] : [false];
    for (const embraceLeader of options) {
        const others = memberIds.filter((id) => id !== leader);
        const startLeader = embraceLeader ? Math.max(...others) : leader;
        for (const order of growthOrders(memberIds, podIds)) {
            const o = simulate({ ...input, memberIds, podIds }, order, startLeader, leaderOnHostConfig && !embraceLeader);
            const elections = o.electionsAt.length + (embraceLeader ? 1 : 0);
            const choice = { ...o, elections, leaderLast: leader === undefined || order[order.length - 1] === leader, embraceLeader, order };
            if (!best || better(choice, best)) {
                best = choice;
            }
        }
    }
    const chosen: Choice = best ?? { valid: true, electionsAt: [], elections: 0, leaderLast: true, embraceLeader: false, order: [] };
    const embrace = [...onHostConfig.filter((id) => id !== leader || !leaderOnHostConfig), ...(chosen.embraceLeader ? [leader!] : [])];
    const leaderKeepsHostConfig = leaderOnHostConfig && !chosen.embraceLeader;
    const moves = chosen.order;

    let reason: string;
    if (moves.length === 0) {
        reason = "every member is a pod";
    } else if (leader === undefined) {
        reason = "the leader is not known: check health first, the order depends on it";
    } else if (!leaderIsHost) {
        reason = `member ${leader} leads and is a pod already: the remaining moves cost no election`;
    } else {
        const takeover = Math.max(...memberIds.filter((id) => id !== leader));
        const parts = [
            chosen.embraceLeader
                ? `member ${leader} leads but is restarted for the embrace (a ZooKeeper 3.4 leader on its host config would not let pods with lower ids join): one election, after which member ${takeover} is expected to lead`
                : leaderKeepsHostConfig
                  ? `member ${leader} leads and keeps its host config, so the embrace does not restart it`
                  : `member ${leader} leads`,
        ];
        if (!chosen.embraceLeader) {
            parts.push(
                moves[moves.length - 1] === leader
                    ? `it moves last`
                    : chosen.electionsAt.length === 1
                      ? `it moves once member ${takeover}, which takes over when the leader stops (the highest id among equally current members), is a pod`
                      : `no order moves it after member ${takeover}, which takes over when it stops`,
            );
        }
        const at = chosen.electionsAt.length > 0 ? ` (at the move${chosen.electionsAt.length === 1 ? "" : "s"} of member${chosen.electionsAt.length === 1 ? "" : "s"} ${list(chosen.electionsAt)})` : "";
        parts.push(`${chosen.elections} election${chosen.elections === 1 ? "" : "s"} in all${at}`);
        if (!chosen.valid) {
            parts.push("no order lets every pod join this leader: roll hostZooCfg onto it first");
        }
        reason = parts.join("; ");
    }
    let next: string;
    if (leader === undefined && moves.length > 0) {
        next = "none until the leader is known (check health must pass): the order depends on it";
    } else if (embrace.length > 0) {
        next = `roll hostZooCfg (and hostJvmFlags) onto ${embrace.length === 1 ? "member" : "members"} ${list(embrace)}, one at a time${leaderKeepsHostConfig ? ` (not member ${leader}, the leader)` : ""}`;
    } else if (moves.length > 0) {
        next = `stop the host of member ${moves[0]}, then podMembers [${list(ascending([...podIds, moves[0]]))}]`;
    } else {
        next = "stage pure-k8s";
    }
    return { embrace, leaderKeepsHostConfig, moves, elections: chosen.elections, next, reason };
}
