/**
 * The zk-cutover command line.
 */
import * as path from "path";
import { Command, CommanderError } from "commander";
import { diffMarkdown, diffStages, diffText } from "./diff";
import { PlanInputError, planJson, planStack, planText, writeObjects } from "./plan";

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
            const d = await diffStages(opts.from, opts.to);
            process.stdout.write(opts.json ? JSON.stringify(d, null, 2) + "\n" : opts.markdown ? diffMarkdown(d) : diffText(d));
        });

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
        if (err instanceof PlanInputError) {
            fail(err.message);
        }
        throw err;
    }
}
