/**
 * The zk-cutover command line.
 */
import * as fs from "fs";
import * as path from "path";
import { Command, CommanderError } from "commander";
import { registerCheckCommands } from "./checks/cli";
import { registerCopyCommand } from "./checks/copy";
import { UserInputError } from "./errors";
import { repeatable } from "./checks/sides";

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
        .description("Render stacks offline on Pulumi's mock engine: resources by type and the rendered zoo.cfg. Several stacks in one call pay start-up once.")
        .option("--stack <name>", "a shipped stack: renders stacks/Pulumi.<name>.yaml (repeat for several)", repeatable, [])
        .option("--config-file <path>", "a stack config file from anywhere, Pulumi.<name>.yaml (repeat for several)", repeatable, [])
        .option("--json", "print exactly one JSON document: {stack, resources}, or a list of them for several stacks")
        .option("--out <dir>", "also write every Kubernetes object as YAML, one file each (one stack only)")
        .option("--as-deployed", "plan each stage as deployed and applied again (its bootstrap over): what diff compares the next stage against")
        .action(async (opts: { stack: string[]; configFile: string[]; json?: boolean; out?: string; asDeployed?: boolean }) => {
            const { planJson, planStack, planText, PlanInputError, resolveSource, writeObjects } = await import("./plan");
            const { deployedState } = await import("./stageConfig");
            if (opts.stack.length > 0 && opts.configFile.length > 0) {
                throw new PlanInputError("Only one of --stack or --config-file can be provided.");
            }
            const sources = opts.configFile.length > 0 ? opts.configFile.map((configFile) => ({ configFile })) : opts.stack.map((stack) => ({ stack }));
            if (sources.length > 1 && opts.out) {
                throw new PlanInputError(`--out writes one stack's objects; allowed: one --stack or --config-file with --out (given ${sources.length})`);
            }
            // Every source is checked before the first is planned.
            sources.forEach((source) => resolveSource(source));
            const plans = [];
            for (const source of sources.length > 0 ? sources : [{}]) {
                const deployed = opts.asDeployed ? deployedState(source) : undefined;
                const plan = await planStack(deployed ? { ...source, lastOutputs: { cutoverState: deployed.state } } : source);
                plan.warnings.forEach((w) => console.warn(w));
                plans.push(plan);
            }
            const written = opts.out ? writeObjects(plans[0], opts.out) : [];
            if (opts.json) {
                process.stdout.write(plans.length === 1 ? planJson(plans[0]) : `[\n${plans.map((p) => planJson(p).trimEnd()).join(",\n")}\n]\n`);
                return;
            }
            process.stdout.write(plans.map((p) => planText(p)).join("\n"));
            if (opts.out) {
                process.stdout.write(`\nWrote ${written.length} Kubernetes objects to ${path.resolve(opts.out)}\n`);
            }
        });

    program
        .command("diff")
        .description(
            "Compare two stages offline: resources added, removed, replaced and changed, and the quorum guard's verdict. Several pairs in one call (--from a --to b --from c --to d) pay start-up once.",
        )
        .option("--from <stack-or-file>", "the current stage: a shipped stack name or a stack config file (repeat with --to for several pairs)", repeatable, [])
        .option("--to <stack-or-file>", "the next stage: a shipped stack name or a stack config file (one for each --from, in order)", repeatable, [])
        .option("--from-plan <file>", "the current stages' resources from this `plan --json` file (e.g. planned with the base branch's code) instead of planning them with this code (repeat for several)", repeatable, [])
        .option("--markdown", "print Markdown fit for a pull-request comment")
        .option("--json", "print the diff as one JSON document (a list of them for several pairs)")
        .action(async (opts: { from: string[]; to: string[]; fromPlan: string[]; markdown?: boolean; json?: boolean }) => {
            const { diffMarkdown, diffStages, diffText, PlansFromFiles, sourceOf } = await import("./diff");
            const { PlanInputError, resolveSource } = await import("./plan");
            if (opts.from.length === 0 || opts.from.length !== opts.to.length) {
                throw new PlanInputError(`--from and --to go in pairs; allowed: one --to for each --from, in order (given ${opts.from.length} --from, ${opts.to.length} --to)`);
            }
            // Every stage is checked before the first pair is planned.
            opts.from.forEach((spec, i) => {
                resolveSource(sourceOf(spec, "--from"));
                resolveSource(sourceOf(opts.to[i], "--to"));
            });
            const fromPlans = opts.fromPlan.length > 0 ? new PlansFromFiles(opts.fromPlan) : undefined;
            const diffs = [];
            for (const [i, from] of opts.from.entries()) {
                diffs.push(await diffStages(from, opts.to[i], fromPlans));
            }
            if (opts.json) {
                process.stdout.write(JSON.stringify(diffs.length === 1 ? diffs[0] : diffs, null, 2) + "\n");
                return;
            }
            process.stdout.write(diffs.map((d) => (opts.markdown ? diffMarkdown(d) : diffText(d))).join("\n"));
        });

    program
        .command("rehearse")
        .description(
            "Rehearse a whole cutover on this machine as the runbook runs it: real ZooKeeper servers as hosts and pods in their own network namespaces, " +
                "Services as DNS names that move, your stage config's rendered files, each step gated, under client load. Needs root.",
        )
        .option("--strategy <strategy>", "dual-registry or member-swap (default: the stage config's stage, when it is one of them)")
        .option("--members <n>", "without a stage config: the ensemble size, 3 to 9 (default 3)")
        .option("--stack <name>", "rehearse a shipped stage config (stacks/Pulumi.<name>.yaml)")
        .option("--config-file <path>", "rehearse your own stage config (Pulumi.<stack>.yaml): members, version, timing, heap, DNS settings")
        .option("--legacy-leader <id>", "the legacy member that leads at the start (default: whoever the first election picks)")
        .option("--stage-seconds <s>", "seconds of steady load in old-host and pure-k8s", "3")
        .option("--logs <dir>", "keep every member's log and the cluster DNS's history in this directory")
        .option("--json", "print the report as one JSON document")
        .option("--plot <file.svg>", "also draw the run as an SVG picture: writes per second and registry providers over time, stages, member moves and leader elections")
        .action(async (opts: { strategy?: string; members?: string; stack?: string; configFile?: string; legacyLeader?: string; stageSeconds: string; logs?: string; json?: boolean; plot?: string }) => {
            const { rehearse, RehearsalInputError, reportText } = await import("./rehearse/rehearse");
            const whole = (text: string | undefined, option: string, allowed: string) => {
                if (text === undefined) {
                    return undefined;
                }
                if (!/^\d+$/.test(text)) {
                    throw new RehearsalInputError(`${option}: ${JSON.stringify(text)} is not a whole number; allowed: ${allowed}`);
                }
                if (!Number.isSafeInteger(Number(text))) {
                    throw new RehearsalInputError(`${option}: ${text} is out of range; allowed: ${allowed}`);
                }
                return Number(text);
            };
            if (!/^\d+(\.\d+)?$/.test(opts.stageSeconds)) {
                throw new RehearsalInputError(`--stage-seconds: ${JSON.stringify(opts.stageSeconds)} is not a number of seconds; allowed: 0 to 600`);
            }
            const stageSeconds = Number(opts.stageSeconds);
            if (stageSeconds > 600) {
                throw new RehearsalInputError(`--stage-seconds: ${opts.stageSeconds} is out of range; allowed: 0 to 600`);
            }
            if (opts.plot !== undefined) {
                checkPlotFile(opts.plot);
            }
            const report = await rehearse({
                strategy: opts.strategy,
                members: whole(opts.members, "--members", "3 to 9 members"),
                stack: opts.stack,
                configFile: opts.configFile,
                legacyLeader: whole(opts.legacyLeader, "--legacy-leader", "the id of a legacy member"),
                stageSeconds,
                logsDir: opts.logs,
                log: opts.json ? undefined : (line) => process.stderr.write(`${line}\n`),
            });
            process.stdout.write(opts.json ? JSON.stringify(report, null, 2) + "\n" : reportText(report));
            if (opts.plot !== undefined) {
                const { timelineSvg } = await import("./rehearse/plot");
                fs.writeFileSync(opts.plot, await timelineSvg(report));
                process.stderr.write(`wrote the rehearsal's picture to ${opts.plot}\n`);
            }
            if (report.total.writesLost > 0) {
                process.exitCode = 1;
            }
        });

    registerCheckCommands(program);
    registerCopyCommand(program);

    return program;
}

/** Refuses a --plot file the picture cannot be written to, before anything starts. */
function checkPlotFile(file: string): void {
    const error = (message: string) => new UserInputError(message, "PlotFileError");
    if (!file.endsWith(".svg")) {
        throw error(`--plot: ${JSON.stringify(file)} does not end in .svg; allowed: a file name ending in .svg (the picture is SVG)`);
    }
    const dir = path.dirname(path.resolve(file));
    if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
        throw error(`--plot: the directory ${JSON.stringify(path.dirname(file))} does not exist; allowed: a file in an existing directory`);
    }
    if (fs.existsSync(file) && fs.statSync(file).isDirectory()) {
        throw error(`--plot: ${JSON.stringify(file)} is a directory; allowed: a file name ending in .svg`);
    }
}

/** The command line (bin/zk-cutover.js first makes it end with whoever started it). */
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
