/**
 * The rehearsal's report: figures per stage and in total, every step with how
 * long each gate waited and why, the member swap's plan, and what the
 * rehearsal does not emulate.
 */
import { AckedWrite } from "./load";
import { Strategy } from "./input";
import { VersionFeatures } from "../../components/ensemble/version";

export interface Figures {
    durationMs: number;
    writesAttempted: number;
    writesAcknowledged: number;
    /** Acknowledged, but missing when checked at the end (or before their ensemble was retired). Must be 0. */
    writesLost: number;
    leaderElections: number;
    /** Longest interval without a successful write, ms. */
    longestWriteGapMs: number;
    /** Client sessions that expired (their ephemeral nodes went with them). */
    expiredSessions: number;
    /** Longest time a registry showed fewer providers than were registered, ms. */
    longestProviderShortfallMs: number;
}

export interface StageReport extends Figures {
    stage: string;
}

/** One wait of a step: which gate, how long, and what it was waiting for. */
export interface GateWait {
    gate: string;
    ms: number;
    /** The reasons it kept waiting, most frequent first, each with how many checks gave it. */
    why: string[];
}

export interface StepReport {
    stage: string;
    step: string;
    /** From the rehearsal's start, ms. */
    atMs: number;
    durationMs: number;
    waits: GateWait[];
    /** What the health gate warned about at the end of the step (e.g. a member holding a moved peer's old address). */
    warnings: string[];
}

export interface SwapPlanReport {
    leaderAtStart: number;
    embrace: number[];
    leaderKeptHostConfig: boolean;
    order: number[];
    plannedElections: number;
    reason: string;
}

/** Where the longest write gap of the whole run was: from when (ms from the rehearsal's start), during which step, and what the writes in it met. */
export interface GapReport {
    ms: number;
    atMs: number;
    during: string;
    /** The writes sent in the gap: failures by reason, and how long the one that ended it waited for its answer. */
    writes: string[];
    /**
     * The defect of the installed ZooKeeper that made the gap, when the write
     * that ended it shows its mark (see `installedStall`): e.g. "ZOOKEEPER-4537".
     */
    installedDefect?: string;
}

export interface RehearsalReport {
    strategy: Strategy;
    /** Where the configuration came from. */
    source: string;
    members: number;
    memberIds: number[];
    /** The version the configs were rendered for, and the one that ran. */
    renderedVersion: string;
    zookeeperVersion: string;
    tickTime: number;
    stages: StageReport[];
    total: Figures;
    longestWriteGap: GapReport;
    /**
     * When a defect of the installed ZooKeeper made the longest gap (one the
     * rendered release does not have): the longest gap it did not make, the
     * figure that stands for the runbook.
     */
    longestWriteGapOtherwise?: GapReport;
    steps: StepReport[];
    /** Member swap: the order decided from the live leader. */
    swap?: SwapPlanReport;
    /** Dual-registry: providers and persistent nodes checked in both registries before consumers preferred the new one. */
    parity?: { providers: number; missingInNew: number; persistentNodes: number; persistentMissingInNew: number };
    /**
     * Dual-registry: the governance data seeded in the legacy registry, the
     * changes made mid-stage, each copy's counts, and per stage the persistent
     * nodes missing in (or different in) the new registry: the last count of
     * the stage and the most seen in it.
     */
    governance?: { seeded: number; changed: string[]; copies: string[]; byStage: Record<string, { last: number; most: number }> };
    /** What the chaos option did, if used. */
    chaos?: string;
    /** What differs from production, one line each. */
    notEmulated: string[];
    /** What happened when, second by second: what `rehearse --plot` draws. */
    timeline: Timeline;
}

/** The run over time, in seconds from the first stage's start. */
export interface Timeline {
    /** Where each stage starts (the last entry, "end", where the run ends). */
    stages: { stage: string; atS: number }[];
    /** Acknowledged writes in each whole second, per ensemble (0 where none were). */
    writes: { second: number; ensemble: string; writes: number }[];
    /** When a new leader was seen, per ensemble. */
    elections: { atS: number; ensemble: string }[];
    /** Where each step of the runbook starts; `move` marks a member moving from its host to its pod. */
    steps: { atS: number; step: string; move: boolean }[];
    /** The fewest providers a registry listed in each second it was read. */
    providers: { second: number; ensemble: string; providers: number }[];
}

/** The timeline of a run from what it recorded (times in ms since the epoch, step times from `startedAt`). */
export function timelineOf(r: {
    startedAt: number;
    stageStarts: { stage: string; at: number }[];
    acked: AckedWrite[];
    elections: { at: number; ensemble: string }[];
    steps: StepReport[];
    listed: { at: number; ensemble: string; providers: number }[];
}): Timeline {
    const from = r.stageStarts[0]?.at ?? r.startedAt;
    const seconds = (at: number) => Math.round((at - from) / 100) / 10;
    const second = (at: number) => Math.floor((at - from) / 1000);
    const writes = new Map<string, Map<number, number>>();
    // Whole seconds only: the run's last, partial second would read as a drop.
    const end = r.stageStarts[r.stageStarts.length - 1]?.at ?? from;
    const lastWhole = Math.floor((end - from) / 1000);
    for (const w of r.acked.filter((a) => a.at >= from && second(a.at) < lastWhole)) {
        const perSecond = writes.get(w.ensemble) ?? new Map<number, number>();
        perSecond.set(second(w.at), (perSecond.get(second(w.at)) ?? 0) + 1);
        writes.set(w.ensemble, perSecond);
    }
    const providers = new Map<string, number>();
    for (const l of r.listed.filter((x) => x.at >= from)) {
        const key = `${l.ensemble}\n${second(l.at)}`;
        providers.set(key, Math.min(providers.get(key) ?? Infinity, l.providers));
    }
    return {
        stages: r.stageStarts.map((st) => ({ stage: st.stage, atS: seconds(st.at) })),
        writes: [...writes].sort(([a], [b]) => a.localeCompare(b)).flatMap(([ensemble, perSecond]) => {
            const all = [...perSecond.keys()];
            const [first, last] = [Math.min(...all), Math.max(...all)];
            return Array.from({ length: last - first + 1 }, (_, i) => ({ second: first + i, ensemble, writes: perSecond.get(first + i) ?? 0 }));
        }),
        elections: r.elections.filter((e) => e.at >= from).map((e) => ({ atS: seconds(e.at), ensemble: e.ensemble })),
        steps: r.steps.map((st) => ({ atS: seconds(r.startedAt + st.atMs), step: st.step, move: st.step.startsWith("move member") })),
        providers: [...providers]
            .map(([key, count]) => {
                const [ensemble, s] = key.split("\n");
                return { second: Number(s), ensemble, providers: count };
            })
            .sort((a, b) => a.ensemble.localeCompare(b.ensemble) || a.second - b.second),
    };
}

/** Longest interval without an acknowledged write between `from` and `to`, and when it began. */
export function longestGapOf(acks: AckedWrite[], from: number, to: number): { ms: number; at: number } {
    return gapsOf(acks, from, to)[0] ?? { ms: 0, at: from };
}

/**
 * Whether the write that ended a gap bears the mark of ZOOKEEPER-4537 in the
 * installed ZooKeeper while the rendered release has the fix: its answer came
 * with the client's next ping (at most 250 ms after the ping interval), on a
 * connection that stayed up (no state change in the gap). Returns the
 * defect's name, or undefined.
 */
export function installedStall(
    installed: Pick<VersionFeatures, "lostCommitWakeup">,
    rendered: Pick<VersionFeatures, "lostCommitWakeup">,
    ending: AckedWrite | undefined,
    stateChanges: number,
): string | undefined {
    if (!installed.lostCommitWakeup || rendered.lostCommitWakeup || stateChanges > 0 || ending?.sentAt === undefined || ending.pingMs === undefined) {
        return undefined;
    }
    const waited = ending.at - ending.sentAt;
    return waited >= ending.pingMs && waited <= ending.pingMs + 250 ? "ZOOKEEPER-4537" : undefined;
}

/** Every gap between acknowledgements from `from` to `to` (the first from `from`, the last until `to`), longest first (the earlier of equal ones first). */
export function gapsOf(acks: AckedWrite[], from: number, to: number): { ms: number; at: number }[] {
    const times = acks.map((a) => a.at).filter((t) => t >= from && t <= to).sort((a, b) => a - b);
    const gaps: { ms: number; at: number }[] = [];
    let previous = from;
    for (const t of [...times, to]) {
        if (t > previous) {
            gaps.push({ ms: t - previous, at: previous });
        }
        previous = t;
    }
    return gaps.sort((a, b) => b.ms - a.ms || a.at - b.at);
}

/** The total over the stages; the longest gap over the whole run. */
export function totalOf(stages: StageReport[], acks: AckedWrite[], from: number, to: number): Figures {
    const sum = (k: keyof Figures) => stages.reduce((acc, s) => acc + s[k], 0);
    const max = (k: keyof Figures) => stages.reduce((acc, s) => Math.max(acc, s[k]), 0);
    return {
        durationMs: sum("durationMs"),
        writesAttempted: sum("writesAttempted"),
        writesAcknowledged: sum("writesAcknowledged"),
        writesLost: sum("writesLost"),
        leaderElections: sum("leaderElections"),
        longestWriteGapMs: stages.length > 0 ? longestGapOf(acks, from, to).ms : 0,
        expiredSessions: sum("expiredSessions"),
        longestProviderShortfallMs: max("longestProviderShortfallMs"),
    };
}

function pad(s: string | number, n: number): string {
    return String(s).padStart(n);
}

const seconds = (ms: number) => (ms / 1000).toFixed(1);

/** The report as text. */
export function reportText(r: RehearsalReport): string {
    const versions = r.renderedVersion === r.zookeeperVersion ? `ZooKeeper ${r.zookeeperVersion}` : `configs rendered for ZooKeeper ${r.renderedVersion}, run on ${r.zookeeperVersion}`;
    const lines = [
        `Rehearsal: ${r.strategy} of ${r.source}: ${r.members} members (ids ${r.memberIds.join(", ")}), ${versions}, tickTime ${r.tickTime}; real servers in their own network namespaces, cluster DNS emulated`,
    ];
    if (r.swap) {
        lines.push(
            `Member swap from the live leader (member ${r.swap.leaderAtStart}): embrace ${r.swap.embrace.join(", ") || "none"}${r.swap.leaderKeptHostConfig ? ` (member ${r.swap.leaderAtStart} kept its host config)` : ""}; moves ${r.swap.order.join(", ")}; ${r.swap.plannedElections} election${r.swap.plannedElections === 1 ? "" : "s"} planned`,
            `  ${r.swap.reason}`,
        );
    }
    if (r.parity) {
        lines.push(
            `Parity before consumers preferred the new registry: ${r.parity.providers} providers, ${r.parity.missingInNew} missing in the new one; ${r.parity.persistentNodes} persistent nodes, ${r.parity.persistentMissingInNew} missing or different in the new one`,
        );
    }
    if (r.governance) {
        const g = r.governance;
        lines.push(`Governance data: ${g.seeded} nodes seeded in the legacy registry; mid-stage: ${g.changed.join("; ")}`);
        g.copies.forEach((c, i) => lines.push(`  copy ${i + 1}: ${c}`));
        for (const [stage, n] of Object.entries(g.byStage)) {
            lines.push(`  ${stage}: ${n.last} persistent nodes missing or different in the new registry at the last check (at most ${n.most})`);
        }
    }
    if (r.chaos) {
        lines.push(`Chaos: ${r.chaos}`);
    }
    lines.push(
        "",
        `${"stage".padEnd(14)} ${pad("seconds", 8)} ${pad("attempted", 10)} ${pad("acked", 7)} ${pad("lost", 5)} ${pad("elections", 10)} ${pad("expired", 8)} ${pad("short ms", 9)} ${pad("longest gap ms", 15)}`,
    );
    for (const s of [...r.stages, { stage: "total", ...r.total }]) {
        lines.push(
            `${s.stage.padEnd(14)} ${pad(seconds(s.durationMs), 8)} ${pad(s.writesAttempted, 10)} ${pad(s.writesAcknowledged, 7)} ${pad(s.writesLost, 5)} ${pad(s.leaderElections, 10)} ${pad(s.expiredSessions, 8)} ${pad(s.longestProviderShortfallMs, 9)} ${pad(s.longestWriteGapMs, 15)}`,
        );
    }
    const gapLine = (g: GapReport) => `${g.ms} ms from ${seconds(g.atMs)} s, during ${g.during}${g.writes.length > 0 ? ` (${g.writes.join("; ")})` : ""}`;
    lines.push("", `longest write gap: ${gapLine(r.longestWriteGap)}`);
    if (r.longestWriteGapOtherwise) {
        lines.push(`longest write gap apart from ${r.longestWriteGap.installedDefect} of the installed ZooKeeper ${r.zookeeperVersion}: ${gapLine(r.longestWriteGapOtherwise)}`);
    }
    lines.push("", "steps (each gate's wait, and what it waited for):");
    for (const step of r.steps) {
        lines.push(`  ${seconds(step.atMs).padStart(6)} s  ${step.stage}: ${step.step} (${seconds(step.durationMs)} s)`);
        for (const w of step.waits) {
            lines.push(`            ${w.gate}: ${seconds(w.ms)} s${w.why.length > 0 ? ` - ${w.why.join("; ")}` : ""}`);
        }
        for (const w of step.warnings) {
            lines.push(`            warning: ${w}`);
        }
    }
    lines.push("", "not emulated:", ...r.notEmulated.map((n) => `  - ${n}`));
    return lines.join("\n") + "\n";
}
