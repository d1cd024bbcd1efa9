/**
 * The zk-cutover command line.
 */
import * as path from "path";
import { Command, CommanderError } from "commander";
import { registerCheckCommands } from "./checks/cli";
import { UserInputError } from "./errors";

function fail(message: string, code = 1): never {
    process.stderr.write(`error: ${message}\n`);
    process.exit(code);
}

export function buildProgram(): Command {
    const program = new Command();
    program
        .name("zk-cutover")
        .description("Plan, diff, rehearse and check a ZooKeeper cutover from hosts into EKS.")
        .showHelpAfterError()
        .configureOutput({ writeErr: (s) => process.stderr.write(s) });

    program
        .command("plan")
        .description("Render a stack offline on Pulumi's mock engine: resources by type and the rendered zoo.cfg.")
        .option("--stack <name>", "a shipped stack: renders stacks/Pulumi.<name>.yaml")
        .option("--config-file <path>", "a stack config file from anywhere (Pulumi.<name>.yaml)")
        .option("--json", "print exactly one JSON document: {stack, resources}")
        .option("--out <dir>", "also write every Kubernetes object as YAML, one file each")
        .action(async (opts: { stack?: string; configFile?: string; json?: boolean; out?: string }) => {
            const { planJson, planStack, planText, writeObjects } = await import("./plan");
            const plan = await planStack({ stack: opts.stack, configFile: opts.configFile });
            let written: string[] = [];
            if (opts.out) {
                written = writeObjects(plan, opts.out);
            }
            if (opts.json) {
                process.stdout.write(planJson(plan));
                return;
            }
            process.stdout.write(planText(plan));
            if (opts.out) {
                process.stdout.write(`\nWrote ${written.length} Kubernetes objects to ${path.resolve(opts.out)}\n`);
            }
        });

    program
        .command("diff")
        .description("Compare two stages offline: resources added, removed, replaced and changed, and the quorum guard's verdict.")
        .requiredOption("--from <stack-or-file>", "the current stage: a shipped stack name or a stack config file")
        .requiredOption("--to <stack-or-file>", "the next stage: a shipped stack name or a stack config file")
        .option("--markdown", "print Markdown fit for a pull-request comment")
        .option("--json", "print the diff as one JSON document")
        .action(async (opts: { from: string; to: string; markdown?: boolean; json?: boolean }) => {
            const { diffMarkdown, diffStages, diffText } = await import("./diff");
            const d = await diffStages(opts.from, opts.to);
            process.stdout.write(opts.json ? JSON.stringify(d, null, 2) + "\n" : opts.markdown ? diffMarkdown(d) : diffText(d));
        });

    program
        .command("rehearse")
        .description("Rehearse a whole cutover on this machine with real ZooKeeper servers under client load, and report lost writes, elections and write gaps.")
        .requiredOption("--strategy <strategy>", "dual-registry or member-swap")
        .option("--members <n>", "ensemble size, 3 to 7", "3")
        .option("--stage-seconds <s>", "seconds of steady load per stage", "3")
        .option("--json", "print the report as one JSON document")
        .action(async (opts: { strategy: string; members: string; stageSeconds: string; json?: boolean }) => {
            const { rehearse, RehearsalInputError, reportText } = await import("./rehearse/rehearse");
            const members = /^\d+$/.test(opts.members) ? Number(opts.members) : NaN;
            const stageSeconds = Number(opts.stageSeconds);
            if (!Number.isFinite(stageSeconds) || stageSeconds < 0 || stageSeconds > 600) {
                throw new RehearsalInputError(`--stage-seconds: ${JSON.stringify(opts.stageSeconds)} is out of range; allowed: 0 to 600`);
            }
            const report = await rehearse({
                strategy: opts.strategy,
                members,
                stageSeconds,
                log: opts.json ? undefined : (line) => process.stderr.write(`${line}\n`),
            });
            process.stdout.write(opts.json ? JSON.stringify(report, null, 2) + "\n" : reportText(report));
            if (report.total.writesLost > 0) {
                process.exitCode = 1;
            }
        });

    registerCheckCommands(program);

    return program;
}

export async function main(argv: string[]): Promise<void> {
    process.on("unhandledRejection", (err) => fail(err instanceof Error ? err.message : String(err)));
    const program = buildProgram();
    program.exitOverride();
    try {
        await program.parseAsync(argv);
    } catch (err) {
        if (err instanceof CommanderError) {
            process.exit(err.exitCode);
        }
        if (err instanceof UserInputError) {
            fail(err.message, err.exitCode);
        }
        throw err;
    }
}
