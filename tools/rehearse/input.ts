/**
 * What a rehearsal rehearses: the user's own stage config (`--stack`,
 * `--config-file`) or the package defaults for `--members N`, validated
 * before anything starts.
 */
import { EnsembleSettings, resolveEnsembleSettings } from "../../components/ensemble/settings";
import { UserInputError } from "../errors";

export const STRATEGIES = ["dual-registry", "member-swap"] as const;
export type Strategy = (typeof STRATEGIES)[number];

/** Members a rehearsal runs per ensemble (each a JVM on this machine). */
export const MEMBER_RANGE = { min: 3, max: 9 } as const;

export interface RehearsalOptions {
    /** dual-registry or member-swap; with a stage config at one of those stages, that stage's strategy by default. */
    strategy?: string;
    /** Without a stage config: the ensemble size, 3 to 9 (default 3). */
    members?: number;
    /** A shipped stage config (stacks/Pulumi.<stack>.yaml). */
    stack?: string;
    /** A stage config file from anywhere. */
    configFile?: string;
    /** The legacy member that leads when the rehearsal starts (it starts first with the lowest ids). Default: whoever the first election picks. */
    legacyLeader?: number;
    /** Seconds of steady load in old-host and pure-k8s. Default 3. */
    stageSeconds?: number;
    /** The whole rehearsal is aborted (and cleaned up) after this long. Default: scaled to the members. */
    deadlineMs?: number;
    /** Crash one member mid-stage (SIGKILL, started again 1 s later with its data), to see the report still counts. */
    kill?: { stage: string; role: "leader" | "follower" };
    /** Progress lines. Default: none. */
    log?: (line: string) => void;
    /** Keep every member's log (and the cluster DNS's history) here when the rehearsal ends. Default: none. */
    logsDir?: string;
}

/** A mistake in the rehearsal's own options: one line, no stack trace. */
export class RehearsalInputError extends UserInputError {
    constructor(message: string) {
        super(message, "RehearsalInputError");
    }
}

/** The rehearsal's inputs, resolved. */
export interface RehearsalInput {
    strategy: Strategy;
    /** Where the settings come from, for the report. */
    source: string;
    /** The ensemble that ends up in pods: in a member swap the legacy ensemble itself. */
    settings: EnsembleSettings;
    /** Ids of the legacy ensemble's members on hosts. */
    legacyIds: number[];
    /** Name prefix of the legacy-host bridge's Services. */
    legacyBridgeName: string;
    legacyLeader?: number;
    /** What of the config the rehearsal leaves out, one line each. */
    gaps: string[];
}

const ids = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

/** A value as an error shows it: numbers as written in code (NaN, Infinity; JSON has neither), anything else as JSON. */
const shown = (value: unknown) => (typeof value === "number" ? String(value) : JSON.stringify(value));

function checkCount(what: string, n: number, key: string): void {
    if (n < MEMBER_RANGE.min || n > MEMBER_RANGE.max) {
        throw new RehearsalInputError(`${key}: ${what} has ${n} members; allowed: ${MEMBER_RANGE.min} to ${MEMBER_RANGE.max} members (each is a server process on this machine)`);
    }
}

/** Validates the options and reads the stage config, if any. Starts nothing. */
export function resolveRehearsalInput(o: RehearsalOptions): RehearsalInput {
    if (o.strategy !== undefined && !STRATEGIES.includes(o.strategy as Strategy)) {
        throw new RehearsalInputError(`--strategy: ${JSON.stringify(o.strategy)} is not a strategy; allowed: ${STRATEGIES.join(", ")}`);
    }
    if (o.kill && !["leader", "follower"].includes(o.kill.role)) {
        throw new RehearsalInputError(`--kill: ${JSON.stringify(o.kill.role)} is not a role; allowed: leader, follower`);
    }
    const fromConfig = o.stack !== undefined || o.configFile !== undefined;
    let input: RehearsalInput;
    if (fromConfig) {
        if (o.members !== undefined) {
            throw new RehearsalInputError("Only one of --members or --stack/--config-file can be provided: a stage config gives its own members.");
        }
        input = fromStageConfig(o);
    } else {
        if (o.strategy === undefined) {
            throw new RehearsalInputError(`--strategy is required without a stage config; allowed: ${STRATEGIES.join(", ")}`);
        }
        const n = o.members ?? 3;
        if (!Number.isInteger(n) || n < MEMBER_RANGE.min || n > MEMBER_RANGE.max) {
            throw new RehearsalInputError(`--members: ${shown(o.members)} is out of range; allowed: ${MEMBER_RANGE.min} to ${MEMBER_RANGE.max} members`);
        }
        input = {
            strategy: o.strategy as Strategy,
            source: `${n} members, the package defaults`,
            settings: resolveEnsembleSettings({ namespace: "zookeeper", memberIds: ids(n) }),
            legacyIds: ids(n),
            legacyBridgeName: "zk-legacy",
            gaps: [],
        };
    }
    if (o.legacyLeader !== undefined) {
        const quorum = Math.floor(input.legacyIds.length / 2) + 1;
        const possible = input.legacyIds.slice(quorum - 1);
        if (!possible.includes(o.legacyLeader)) {
            throw new RehearsalInputError(
                `--legacy-leader: ${shown(o.legacyLeader)} cannot lead the legacy ensemble at the start (a first quorum elects its highest id); allowed: ${possible.join(", ")}`,
            );
        }
        input.legacyLeader = o.legacyLeader;
    }
    return input;
}

/** The stage config, resolved again at the strategy's middle stage (the rehearsal plays every stage of it). */
function fromStageConfig(o: RehearsalOptions): RehearsalInput {
    // Loaded lazily: reading a stage config loads the config schema and the Pulumi runtime.
    const { loadStage } = require("../stageConfig") as typeof import("../stageConfig");
    const source = { stack: o.stack, configFile: o.configFile };
    const first = loadStage(source);
    const stage = first.settings.stage;
    const strategy = (o.strategy ?? (STRATEGIES.includes(stage as Strategy) ? stage : undefined)) as Strategy | undefined;
    if (strategy === undefined) {
        throw new RehearsalInputError(`--strategy is required: ${first.display} is at stage ${stage}, which does not say which strategy; allowed: ${STRATEGIES.join(", ")}`);
    }
    const e = first.settings.ensembleSettings;
    const gaps: string[] = [];
    // The pods run TLS and SASL as configured (the rehearsal's clients speak both); a member swap's hosts have
    // neither, so there they are off (the stage refuses them too).
    const rehearsed = { tls: e.tls as string, saslQuorum: e.saslQuorum as string, saslClient: e.saslClient as string };
    if (strategy === "member-swap") {
        const on = (["tls", "saslQuorum", "saslClient"] as const).filter((k) => e[k] !== "off");
        if (on.length > 0) {
            gaps.push(`${on.map((k) => `${k}: ${e[k]}`).join(", ")}: rehearsed off (a member swap's hosts have neither certificates nor credentials)`);
            on.forEach((k) => (rehearsed[k] = "off"));
        }
    } else {
        if (e.tls !== "off" || e.saslQuorum !== "off" || e.saslClient !== "off") {
            gaps.push("certificates and passwords: the rehearsal's own (a CA and one certificate for every member's name, made with openssl; random passwords), not the stack's Secrets");
        }
    }
    const settings = first.with({
        stage: strategy,
        podMembers: [],
        previousStage: "",
        previousPodMembers: [],
        previousCutoverState: "",
        preferredRegistry: "legacy",
        ...rehearsed,
    });
    const legacyIds = settings.legacyHosts.map((h) => h.id).sort((a, b) => a - b);
    checkCount(`the legacy ensemble (legacyHosts)`, legacyIds.length, "legacyHosts");
    checkCount("the pod ensemble", settings.ensembleSettings.memberIds.length, "replicas");
    return { strategy, source: first.display, settings: settings.ensembleSettings, legacyIds, legacyBridgeName: settings.bridge?.name ?? "zk-legacy", gaps };
}
