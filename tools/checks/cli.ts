/**
 * `zk-cutover check health|parity`: the live checks that gate each cutover
 * stage, wired into a commander program by `registerCheckCommands`.
 *
 * Exit codes (set on `process.exitCode`; nothing here calls process.exit):
 *   0  healthy / in parity
 *   1  unhealthy / the new registry lacks providers of the old one
 *   2  a user mistake (bad option, malformed connect string, including
 *      commander's own usage errors in these commands) or, for parity, a
 *      registry that cannot be read (unreachable, no quorum)
 */
import { Command, CommanderError } from "commander";
// The checks (and the ZooKeeper client under them) load only when a check runs, so other commands start fast.
const health = () => import("./health");
const parity = () => import("./parity");

/** Where a check writes: the report to `out`, `error: ...` lines to `err`. */
export interface CheckOutput {
    out(text: string): void;
    err(text: string): void;
}

/** Exit code for a usage error in the check commands. */
export const USAGE_EXIT_CODE = 2;

/** Options of `check health` as commander gives them. */
export interface HealthCommandOptions {
    connect?: string;
    json?: boolean;
    timeoutMs?: string;
}

/** Options of `check parity` as commander gives them. */
export interface ParityCommandOptions {
    old?: string;
    new?: string;
    root?: string;
    json?: boolean;
    timeoutMs?: string;
}

/** Runs a check; a `CheckError` becomes one `error:` line and exit code 2, anything else propagates. */
async function guarded(output: CheckOutput, run: () => Promise<number>): Promise<number> {
    try {
        return await run();
    } catch (err) {
        if (err instanceof (await health()).CheckError) {
            output.err(`error: ${err.message}\n`);
            return err.exitCode;
        }
        throw err;
    }
}

/** `check health`: prints the report and resolves with the exit code (0 healthy, 1 unhealthy, 2 bad input). */
export function runHealthCommand(opts: HealthCommandOptions, output: CheckOutput): Promise<number> {
    return guarded(output, async () => {
        const { checkHealth, healthJson, healthText, parseConnectString, parseTimeoutMs } = await health();
        const { members } = parseConnectString(opts.connect, "--connect");
        const timeoutMs = parseTimeoutMs(opts.timeoutMs, "--timeout-ms", 3_000);
        const report = await checkHealth(members, { timeoutMs });
        output.out(opts.json ? healthJson(report) : healthText(report));
        return report.healthy ? 0 : 1;
    });
}

/** `check parity`: prints the report and resolves with the exit code (0 in parity, 1 missing providers, 2 bad input or unreadable side). */
export function runParityCommand(opts: ParityCommandOptions, output: CheckOutput): Promise<number> {
    return guarded(output, async () => {
        const { parseTimeoutMs } = await health();
        const { checkParity, parityJson, parityText } = await parity();
        const timeoutMs = parseTimeoutMs(opts.timeoutMs, "--timeout-ms", 10_000);
        const report = await checkParity({ oldConnect: opts.old ?? "", newConnect: opts.new ?? "", root: opts.root, timeoutMs });
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

    usageErrorsExit2(check.command("health"))
        .description(
            "Ask every member srvr, mntr and conf: mode, zxid, epoch, outstanding requests, latency and server list. " +
                "Healthy only when every member answers, exactly one leads, a quorum is formed and all agree on the server list. Exit 1 when unhealthy.",
        )
        .option("--connect <members>", "every member of the ensemble: host:port,host:port")
        .option("--json", "print exactly one JSON document")
        .option("--timeout-ms <ms>", "deadline of each four-letter word per member (default 3000)")
        .action(async (opts: HealthCommandOptions, cmd: Command) => {
            process.exitCode = await runHealthCommand(opts, outputOf(cmd));
        });

    usageErrorsExit2(check.command("parity"))
        .description(
            "List Dubbo providers (<root>/<interface>/providers) in the old and the new registry and compare them by interface, host:port, group and version. " +
                "Exit 1 while the new registry lacks a provider of the old one.",
        )
        .option("--old <connect>", "the old registry's ZooKeeper: host:port,host:port[/chroot]")
        .option("--new <connect>", "the new registry's ZooKeeper: host:port,host:port[/chroot]")
        .option("--root <path>", "Dubbo root znode in both registries (default /dubbo)")
        .option("--json", "print exactly one JSON document")
        .option("--timeout-ms <ms>", "deadline for connecting to each registry and for each read (default 10000)")
        .action(async (opts: ParityCommandOptions, cmd: Command) => {
            process.exitCode = await runParityCommand(opts, outputOf(cmd));
        });

    return check;
}
