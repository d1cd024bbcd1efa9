/**
 * `zk-cutover check health|parity`: the live checks that gate each cutover
 * stage, wired into a commander program by `registerCheckCommands`.
 *
 * Exit codes (set on `process.exitCode`; nothing here calls process.exit):
 *   0  healthy / in parity
 *   1  unhealthy / the new registry lacks providers of the old one, or
 *      persistent nodes of it, or holds them with other data or ACL, or
 *      holds nodes a copy wrote that the old one no longer has (stale)
 *   2  a user mistake (bad option, malformed connect string, including
 *      commander's own usage errors in these commands); for parity, a
 *      registry that cannot be read (unreachable, no quorum, not ZooKeeper,
 *      a znode it may not read), nothing to compare, or more znodes than
 *      --max-nodes; and any failure a check did not foresee
 *
 * Whatever goes wrong, a check prints one `error:` line, never a stack trace.
 */
import { Command, CommanderError } from "commander";
import { UserInputError } from "../errors";
import { readSideSasl, readSideTls, repeatable, sideSaslOptions, sideTlsOptions } from "./sides";
// The checks (and the ZooKeeper client under them) load only when a check runs, so other commands start fast.
const health = () => import("./health");
const parity = () => import("./parity");

/** Where a check writes: the report to `out`, `error: ...` lines to `err`. */
export interface CheckOutput {
    out(text: string): void;
    err(text: string): void;
}

/** Exit code for a usage error in the check commands, and for a check that could not finish. */
export const USAGE_EXIT_CODE = 2;

/** Options of `check health` as commander gives them. */
export interface HealthCommandOptions {
    connect?: string;
    stack?: string;
    configFile?: string;
    registry?: string;
    settleSeconds?: string;
    wait?: string;
    json?: boolean;
    timeoutMs?: string;
    tlsCa?: string;
    tlsCert?: string;
    tlsKey?: string;
}

/** Options of `check parity` as commander gives them. */
export interface ParityCommandOptions {
    old?: string;
    new?: string;
    root?: string;
    json?: boolean;
    timeoutMs?: string;
    maxNodes?: string;
    exclude?: string[];
    oldAuth?: string;
    newAuth?: string;
    oldTlsCa?: string;
    oldTlsCert?: string;
    oldTlsKey?: string;
    newTlsCa?: string;
    newTlsCert?: string;
    newTlsKey?: string;
    oldSaslUser?: string;
    oldSaslPasswordFile?: string;
    newSaslUser?: string;
    newSaslPasswordFile?: string;
}

/**
 * Runs a check and resolves with its exit code. A `CheckError` or another user
 * mistake becomes one `error:` line and its exit code; so does any other
 * failure (exit 2: the check could not tell), so a gate never sees a stack
 * trace or mistakes a crash for a verdict.
 */
export async function guarded(output: CheckOutput, run: () => Promise<number>): Promise<number> {
    try {
        return await run();
    } catch (err) {
        if (err instanceof (await health()).CheckError) {
            output.err(`error: ${err.message}\n`);
            return err.exitCode;
        }
        // A stage config that cannot be used is a user mistake like a bad option.
        if (err instanceof UserInputError) {
            output.err(`error: ${err.message}\n`);
            return USAGE_EXIT_CODE;
        }
        const message = err instanceof Error ? err.message : String(err);
        output.err(`error: the check could not finish: ${message.split("\n")[0]}\n`);
        return USAGE_EXIT_CODE;
    }
}

/**
 * `check health`: prints the report and resolves with the exit code (0 healthy, 1 unhealthy, 2 bad input).
 * With a stage config (`--stack`/`--config-file`) it asks the stage's members, applies the member swap's
 * settle time and prints the swap's next step, decided from the live leader.
 */
export function runHealthCommand(opts: HealthCommandOptions, output: CheckOutput): Promise<number> {
    return guarded(output, async () => {
        const { CheckError, healthJson, healthText, parseConnectString, parseSeconds, parseTimeoutMs, waitForHealth } = await health();
        const fromConfig = opts.stack !== undefined || opts.configFile !== undefined;
        if (fromConfig && opts.connect !== undefined) {
            throw new CheckError("Only one of --connect or --stack/--config-file can be provided.");
        }
        if (!fromConfig && opts.registry !== undefined) {
            throw new CheckError("--registry needs --stack or --config-file (it picks the stage's registry to check)");
        }
        const timeoutMs = parseTimeoutMs(opts.timeoutMs, "--timeout-ms", 3_000);
        const waitSeconds = parseSeconds(opts.wait, "--wait", 0, 3600) ?? 0;
        let settleSeconds = parseSeconds(opts.settleSeconds, "--settle-seconds", 0, 600);
        // Loaded only with a stage config: it brings the cutover's settings along.
        const gate = fromConfig ? await import("./gate") : undefined;
        const tls = await readSideTls(opts, "");
        let settings: import("../../components/cutover/settings").CutoverSettings | undefined;
        let endpoints;
        if (gate) {
            const { loadStage } = await import("../stageConfig");
            settings = loadStage({ stack: opts.stack, configFile: opts.configFile }).settings;
            const stage = gate.stageGate(settings, opts.registry);
            endpoints = stage.endpoints;
            settleSeconds ??= stage.settleSeconds;
            if (stage.tlsOnly && tls === undefined) {
                const e = settings.ensembleSettings;
                throw new CheckError(
                    `stage ${settings.stage}'s ensemble answers clients only over TLS (tls: require, port ${endpoints[0].port}): --tls-ca is missing; allowed: --tls-ca FILE${e.tlsClientAuth === "need" ? " with --tls-cert FILE and --tls-key FILE (tlsClientAuth is need)" : ""}`,
                );
            }
        } else if (opts.connect === undefined) {
            throw new CheckError("--connect is missing; allowed: --connect host:port,host:port (every member), or --stack NAME / --config-file FILE (the stage's members)");
        } else {
            endpoints = parseConnectString(opts.connect, "--connect").members;
        }
        const waited = await waitForHealth(endpoints, { timeoutMs, settleSeconds, waitMs: waitSeconds * 1000, ...(tls ? { tls } : {}) });
        const report = waited.report;
        const plan = gate && settings ? gate.memberSwapPlan(settings, report) : undefined;
        if (opts.json) {
            output.out(healthJson({ ...report, ...(waitSeconds > 0 ? { waitedMs: waited.waitedMs } : {}), ...(plan ? { plan } : {}) }));
        } else {
            const waitedLine = waitSeconds > 0 ? `waited ${(waited.waitedMs / 1000).toFixed(1)} s (${waited.attempts} checks)\n` : "";
            output.out(healthText(report) + waitedLine + (gate && plan ? `\n${gate.planText(plan)}` : ""));
        }
        return report.healthy ? 0 : 1;
    });
}

/** `check parity`: prints the report and resolves with the exit code (0 in parity, 1 missing providers or persistent nodes missing, different or stale, 2 bad input, unreadable side or nothing to compare). */
export function runParityCommand(opts: ParityCommandOptions, output: CheckOutput): Promise<number> {
    return guarded(output, async () => {
        const { parseTimeoutMs } = await health();
        const { checkParity, parityJson, parityText, parseMaxNodes } = await parity();
        const timeoutMs = parseTimeoutMs(opts.timeoutMs, "--timeout-ms", 10_000);
        const maxNodes = parseMaxNodes(opts.maxNodes);
        const oldTls = await readSideTls(opts, "--old");
        const newTls = await readSideTls(opts, "--new");
        const oldSasl = await readSideSasl(opts, "--old");
        const newSasl = await readSideSasl(opts, "--new");
        const report = await checkParity({
            oldConnect: opts.old ?? "",
            newConnect: opts.new ?? "",
            root: opts.root,
            timeoutMs,
            maxNodes,
            exclude: opts.exclude,
            oldAuth: opts.oldAuth,
            newAuth: opts.newAuth,
            oldTls,
            newTls,
            oldSasl,
            newSasl,
        });
        output.out(opts.json ? parityJson(report) : parityText(report));
        return report.inParity ? 0 : 1;
    });
}

/** The output a command was configured with (inherited from the program when the command was added). */
function outputOf(cmd: Command): CheckOutput {
    const config = cmd.configureOutput() as { writeOut?: (s: string) => void; writeErr?: (s: string) => void };
    return {
        out: (s) => (config.writeOut ?? ((t: string) => process.stdout.write(t)))(s),
        err: (s) => (config.writeErr ?? ((t: string) => process.stderr.write(t)))(s),
    };
}

/**
 * Commander's own usage errors (unknown option, missing value) exit 1 by
 * default, which a stage gate would read as "unhealthy": these commands throw
 * them as `CommanderError`s with exit code 2 instead (help stays 0). The
 * program's caller catches `CommanderError` and exits with its `exitCode`, as
 * tools/cli.ts `main` does.
 */
function usageErrorsExit2(cmd: Command): Command {
    return cmd.exitOverride((err: CommanderError) => {
        if (err.exitCode === 0 || err.code === "commander.executeSubCommandAsync") {
            throw err;
        }
        throw new CommanderError(USAGE_EXIT_CODE, err.code, err.message);
    });
}

/**
 * Adds `check health` and `check parity` to `program`. Call after the
 * program's `configureOutput` (subcommands inherit it when added). Returns the
 * `check` command.
 */
export function registerCheckCommands(program: Command): Command {
    const check = usageErrorsExit2(
        program.command("check").description("Live checks that gate each cutover stage: ensemble health, Dubbo registry parity."),
    );

    const healthCommand = usageErrorsExit2(check.command("health"))
        .description(
            "Ask every member srvr, mntr and conf: mode, zxid, epoch, outstanding requests, latency and server list. " +
                "Healthy only when every member the server lists name answers, exactly one leads (or the one member serves standalone), a quorum is formed " +
                "and all agree on the server list. Exit 1 when unhealthy.",
        )
        .option("--connect <members>", "members of the ensemble: host:port,host:port (members their server lists name are asked too)")
        .option("--stack <name>", "a shipped stage config instead of --connect: its members, settle time and the member swap's next step")
        .option("--config-file <path>", "a stage config file (Pulumi.<stack>.yaml) instead of --connect")
        .option("--registry <id>", "with a stage config in dual-registry: which ensemble to check, legacy or k8s (default k8s)")
        .option("--settle-seconds <s>", "members must have served this long (after a move); default: the stage's moveSettleSeconds in a member swap, else none")
        .option("--wait <s>", "check again every second until healthy, for at most this long (default 0: once)")
        .option("--json", "print exactly one JSON document")
        .option("--timeout-ms <ms>", "deadline of each four-letter word per member (default 3000)");
    sideTlsOptions(healthCommand, "", "ask every member")
        .action(async (opts: HealthCommandOptions, cmd: Command) => {
            process.exitCode = await runHealthCommand(opts, outputOf(cmd));
        });

    const parityCommand = usageErrorsExit2(check.command("parity"))
        .description(
            "Compare the old and the new Dubbo registry under --root: providers (<root>/<interface>/providers) by interface, host:port, group and version, " +
                "and persistent znodes (routers, configurators, config and metadata center, mappings, dynamic=false providers) by path, data and ACL " +
                "(not versions or times; ephemeral nodes are not persistent data; Dubbo's own containers, <root>/<x> and <root>/<interface>/<category>, are not compared). " +
                "Exit 1 while the new registry lacks a provider of the old one, lacks a persistent node of it, holds one with other data or ACL, " +
                "or holds a persistent node that zk-cutover copy wrote there (its record in /zk-cutover/copies) and the old registry no longer has " +
                "(stale: deleted on the legacy side after the copy; copy --prune deletes it) " +
                "(text names up to 20 nodes per list, --json all); nodes only in the new registry that no copy wrote are reported, not a failure. " +
                "--exclude, --old-auth, --new-auth, --old-tls-*, --new-tls-* and --old-sasl-*, --new-sasl-* work as copy's --exclude, --from-auth, --to-auth, --from-tls-*, --to-tls-* and --from-sasl-*, --to-sasl-*. " +
                "Exit 2 when there is nothing to compare (one ensemble on both sides, no such --root in the old registry, neither providers nor persistent nodes in it), " +
                "when a registry cannot be read (unreachable, no quorum, not ZooKeeper, a znode it may not read) and when a tree holds more than --max-nodes znodes.",
        )
        .option("--old <connect>", "the old registry's ZooKeeper: host:port,host:port[/chroot]")
        .option("--new <connect>", "the new registry's ZooKeeper: host:port,host:port[/chroot]")
        .option("--root <path>", "Dubbo root znode in both registries (default /dubbo)")
        .option("--json", "print exactly one JSON document")
        .option("--timeout-ms <ms>", "deadline for connecting to each registry and for each read (default 10000)")
        .option("--max-nodes <n>", "the most znodes read under --root in each registry; more fails with exit 2 (default 100000)")
        .option("--exclude <path>", "leave out this path and its subtree in both registries, as copy --exclude does (repeatable)", repeatable)
        .option("--old-auth <scheme:credentials>", "credentials for --old, as copy's --from-auth (e.g. digest:USER:PASSWORD): to read nodes only a user may read")
        .option("--new-auth <scheme:credentials>", "credentials for --new, as copy's --to-auth");
    sideTlsOptions(parityCommand, "--old");
    sideTlsOptions(parityCommand, "--new");
    sideSaslOptions(parityCommand, "--old");
    sideSaslOptions(parityCommand, "--new");
    parityCommand.action(async (opts: ParityCommandOptions, cmd: Command) => {
        process.exitCode = await runParityCommand(opts, outputOf(cmd));
    });

    return check;
}
