/**
 * Benchmark: wall time and peak memory of `zk-cutover plan`, run as a user runs it (a fresh process each time), from
 * this checkout and from the packed tarball installed in a project of its own, each beside the floor of merely
 * loading the three Pulumi packages; every shipped stack planned in one call; the cross-language schema analysis;
 * and whole cutovers rehearsed on real ZooKeeper. Prints medians and the worst of several runs against the
 * targets; figures, not a pass/fail test.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { installPackedTarball } from "./packed";
import { shippedStacks } from "./plan";

const ROOT = path.resolve(__dirname, "..");
const RUNS = Number(process.env.BENCH_RUNS ?? 7);
/** Targets: the plan's median within this factor of the import floor's, and its peak memory under this. */
const TARGET_RATIO = 1.5;
const TARGET_MB = 200;

function median(xs: number[]): number {
    const s = [...xs].sort((a, b) => a - b);
    const m = Math.floor(s.length / 2);
    return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** One fresh node process running `args` (in `cwd`): wall time and peak RSS. */
function timed(args: string[], cwd = ROOT): { seconds: number; peakMB: number } {
    const rssFile = path.join(os.tmpdir(), `zk-bench-rss-${process.pid}`);
    const start = process.hrtime.bigint();
    const r = spawnSync(process.execPath, ["-r", path.join(__dirname, "rss-hook.js"), ...args], { cwd, encoding: "utf8", maxBuffer: 1 << 28, env: { ...process.env, BENCH_RSS_FILE: rssFile } });
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    if (r.status !== 0) {
        throw new Error(`${args.join(" ")} failed: ${r.stderr}`);
    }
    const kib = Number(fs.readFileSync(rssFile, "utf8"));
    fs.rmSync(rssFile, { force: true });
    return { seconds, peakMB: kib / 1024 };
}

/** The floor: merely loading the three Pulumi packages a plan needs, in the same run. */
const FLOOR = ["-e", 'require("@pulumi/pulumi"); require("@pulumi/aws"); require("@pulumi/kubernetes");'];

/**
 * `RUNS` interleaved pairs (plan, floor), so both see the same machine, after one plan not counted (a checkout
 * transpiles the files changed since its last run); prints the plan's median and worst, the floor's median, their
 * ratio and the peak memory against the targets. Returns the plan's median.
 */
function planAgainstFloor(title: string, plan: string[], cwd: string): number {
    const results: { seconds: number; peakMB: number }[] = [];
    const floors: { seconds: number; peakMB: number }[] = [];
    timed(plan, cwd);
    for (let i = 0; i < RUNS; i++) {
        results.push(timed(plan, cwd));
        floors.push(timed(FLOOR, cwd));
    }
    const seconds = results.map((r) => r.seconds);
    const mem = results.map((r) => r.peakMB);
    const medianSeconds = median(seconds);
    const floorSeconds = median(floors.map((r) => r.seconds));
    process.stdout.write(`${title}, ${RUNS} runs\n`);
    process.stdout.write(`  wall time: median ${medianSeconds.toFixed(2)} s, max ${Math.max(...seconds).toFixed(2)} s\n`);
    process.stdout.write(`  peak RSS:  median ${median(mem).toFixed(0)} MB, max ${Math.max(...mem).toFixed(0)} MB (target < ${TARGET_MB} MB)\n`);
    process.stdout.write(
        `  import floor (@pulumi/pulumi, aws, kubernetes loaded, nothing else): median ${floorSeconds.toFixed(2)} s, ${median(floors.map((r) => r.peakMB)).toFixed(0)} MB; ` +
            `plan / floor ${(medianSeconds / floorSeconds).toFixed(2)} (target < ${TARGET_RATIO})\n`,
    );
    return medianSeconds;
}

const CLI = path.join(ROOT, "bin", "zk-cutover.js");
const medianSeconds = planAgainstFloor("zk-cutover plan --stack pure-k8s --json, from this checkout", [CLI, "plan", "--stack", "pure-k8s", "--json"], ROOT);

// The installed package: the packed tarball in a project of its own, planning pure-k8s's config as a user's own
// --config-file with the package's compiled code.
const project = installPackedTarball();
try {
    const userConfig = path.join(project.dir, "Pulumi.prod.yaml");
    fs.copyFileSync(path.join(ROOT, "stacks", "Pulumi.pure-k8s.yaml"), userConfig);
    planAgainstFloor("zk-cutover plan --config-file Pulumi.prod.yaml --json, from the packed tarball installed in a project", [project.cli, "plan", "--config-file", userConfig, "--json"], project.dir);
} finally {
    project.remove();
}

const stacks = shippedStacks();
const all = timed([CLI, "plan", ...stacks.flatMap((s) => ["--stack", s]), "--json"]);
process.stdout.write(
    `all ${stacks.length} shipped stacks in one call, from this checkout: ${all.seconds.toFixed(2)} s, ${all.peakMB.toFixed(0)} MB (${stacks.length} separate calls: about ${(stacks.length * medianSeconds).toFixed(1)} s)\n`,
);

/**
 * Cross-language schema analysis, timed the way the component provider runs it when a consumer's Pulumi starts the
 * package (PulumiPlugin.yaml, runtime nodejs): @pulumi/pulumi's cmd/run-plugin loads the package's components and
 * hands them to ComponentProvider, whose getSchema() runs the Analyzer over the package directory's tsconfig.json.
 * A fresh process per run; loading the components is not counted, getSchema() is.
 */
const SCHEMA_RUNS = Number(process.env.BENCH_RUNS ?? 3);
const SCHEMA_TARGET_SECONDS = 10;
const SCHEMA_SCRIPT = `
const { ComponentProvider, getPulumiComponents } = require("@pulumi/pulumi/provider/experimental");
const { readPackageManifest } = require("@pulumi/pulumi/runtime/manifest");
const dir = process.argv[1];
const components = getPulumiComponents(require(require("path").join(dir, "index.ts")));
const name = readPackageManifest(dir).data.name.replace(/^@[^/]*\\//, "").replace(/[^-a-zA-Z0-9_]/g, "-");
const cpu = process.cpuUsage();
const start = process.hrtime.bigint();
new ComponentProvider({ name, dirname: dir, components }).getSchema().then((schema) => {
    const used = process.cpuUsage(cpu);
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    process.stdout.write("\\n" + JSON.stringify({ seconds, cpuSeconds: (used.user + used.system) / 1e6, components: Object.keys(JSON.parse(schema).resources).length }));
});`;

function schemaAnalysisOnce(): { seconds: number; cpuSeconds: number; components: number } {
    const r = spawnSync(process.execPath, ["-r", path.join(ROOT, "bin", "ts-register.js"), "-e", SCHEMA_SCRIPT, ROOT], { cwd: ROOT, encoding: "utf8" });
    if (r.status !== 0) {
        throw new Error(`schema analysis failed: ${r.stderr}`);
    }
    return JSON.parse(r.stdout.trim().split("\n").pop() ?? "");
}

const schemaRuns = Array.from({ length: SCHEMA_RUNS }, schemaAnalysisOnce);
const schemaSeconds = schemaRuns.map((r) => r.seconds);
process.stdout.write(`cross-language schema analysis (component provider getSchema, ${schemaRuns[0].components} components), ${SCHEMA_RUNS} runs\n`);
process.stdout.write(
    `  wall time: median ${median(schemaSeconds).toFixed(2)} s, max ${Math.max(...schemaSeconds).toFixed(2)} s, CPU median ${median(schemaRuns.map((r) => r.cpuSeconds)).toFixed(2)} s (target < ${SCHEMA_TARGET_SECONDS} s)\n`,
);

/** Rehearsal figures: a whole cutover per strategy and size on real ZooKeeper, at runbook pace (every gate as the runbook has it). */
async function rehearsals(): Promise<void> {
    // Imported here so the plan figures above do not pay for it.
    const { rehearse } = await import("./rehearse/rehearse");
    const { findZooKeeperInstall } = await import("./zookeeper/process");
    const { networkUnavailableReason } = await import("./rehearse/network");
    if (process.env.BENCH_REHEARSAL === "0") {
        return;
    }
    if (!findZooKeeperInstall()) {
        process.stdout.write("\nrehearsal: skipped, ZooKeeper is not installed (apt-get install -y zookeeper)\n");
        return;
    }
    const unavailable = networkUnavailableReason();
    if (unavailable) {
        process.stdout.write(`\nrehearsal: skipped, ${unavailable}\n`);
        return;
    }
    process.stdout.write(
        "\nrehearsal (real ZooKeeper, package defaults, tickTime 2000, embrace included; targets: 0 lost writes, 0 expired sessions, registry never short, member-swap <= 1 election and longest write gap < 2 s, dual-registry 0 elections and no persistent node missing)\n",
    );
    const head = ["strategy", "members", "cutover s", "acked", "lost", "expired", "short ms", "elections", "longest gap ms"];
    const widths = [14, 7, 10, 7, 5, 8, 9, 10, 17];
    const row = (cells: (string | number)[]) => "  " + cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join(" ") + "\n";
    process.stdout.write(row(head));
    const steps: string[] = [];
    const gaps: string[] = [];
    const governance: string[] = [];
    for (const strategy of ["member-swap", "dual-registry"]) {
        for (const members of [3, 5]) {
            const r = await rehearse({ strategy, members, stageSeconds: 2 });
            const cutover = r.stages.filter((st) => st.stage !== "old-host").reduce((a, st) => a + st.durationMs, 0) / 1000;
            const t = r.total;
            // A gap a defect of the installed ZooKeeper made (one the rendered release has fixed) is shown apart: "* 6003".
            const otherwise = r.longestWriteGapOtherwise;
            process.stdout.write(row([strategy, members, cutover.toFixed(1), t.writesAcknowledged, t.writesLost, t.expiredSessions, t.longestProviderShortfallMs, t.leaderElections, otherwise ? `${otherwise.ms} *${t.longestWriteGapMs}` : t.longestWriteGapMs]));
            const gapText = (g: typeof r.longestWriteGap) => `${g.ms} ms during ${g.during}${g.writes.length > 0 ? ` (${g.writes.join("; ")})` : ""}`;
            gaps.push(`  ${strategy} ${members}: ${gapText(r.longestWriteGap)}`);
            if (otherwise) {
                gaps.push(`  ${strategy} ${members}, apart from ${r.longestWriteGap.installedDefect} of the installed ZooKeeper ${r.zookeeperVersion} (* in the table): ${gapText(otherwise)}`);
            }
            if (r.governance) {
                const by = Object.entries(r.governance.byStage).map(([stage, n]) => `${stage} ${n.last} at the end (at most ${n.most})`);
                governance.push(`  dual-registry ${members}: ${r.governance.seeded} seeded, ${r.governance.changed.length} changed mid-stage; ${by.join(", ")}`);
            }
            const moves = r.steps.filter((st) => st.step.startsWith("move member"));
            if (moves.length > 0) {
                const mean = (gate: RegExp) => moves.reduce((a, st) => a + st.waits.filter((w) => gate.test(w.gate)).reduce((b, w) => b + w.ms, 0), 0) / moves.length / 1000;
                steps.push(
                    `  member-swap ${members}: ${moves.length} moves, ${(moves.reduce((a, st) => a + st.durationMs, 0) / moves.length / 1000).toFixed(1)} s each on average: ` +
                        `host stop ${mean(/^host stop/).toFixed(1)} s, start.sh waiting for its name ${mean(/^start\.sh/).toFixed(1)} s, readiness ${mean(/^readiness/).toFixed(1)} s (from container start), health until settled ${mean(/^health/).toFixed(1)} s`,
                );
            }
        }
    }
    process.stdout.write(`\nwhere the longest write gap fell:\n${gaps.join("\n")}\n`);
    process.stdout.write(`\ndual-registry governance data (persistent nodes missing or different in the new registry; target 0 at the end):\n${governance.join("\n")}\n`);
    process.stdout.write(`\nmember-swap steps at runbook pace:\n${steps.join("\n")}\n`);
}

void rehearsals().catch((err) => {
    process.stderr.write(`rehearsal failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
});
