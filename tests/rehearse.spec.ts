import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { rehearse, RehearsalReport, reportText, validateOptions } from "../tools/rehearse/rehearse";
import { requireZooKeeper } from "./support/zookeeper";
import { REPO_ROOT } from "../tools/plan";

/** Our rehearsal temp directories left behind, and ZooKeeper processes still running. */
function leftovers(): { dirs: string[]; processes: string } {
    const dirs = fs.readdirSync(os.tmpdir()).filter((d) => d.startsWith("zk-rehearsal-"));
    const processes = spawnSync("pgrep", ["-af", "QuorumPeerMain"], { encoding: "utf8" }).stdout.trim();
    return { dirs, processes };
}

describe("cutover rehearsal on real ZooKeeper", function () {
    this.timeout(240_000);

    before(function () {
        requireZooKeeper("the rehearsal");
    });

    afterEach(() => {
        expect(leftovers().processes, "ZooKeeper processes left running").to.equal("");
    });

    describe("member swap, 3 members", () => {
        let report: RehearsalReport;
        before(async () => {
            report = await rehearse({ strategy: "member-swap", members: 3, stageSeconds: 2 });
        });

        it("loses no acknowledged write", () => {
            expect(report.total.writesAcknowledged).to.be.above(50);
            expect(report.total.writesLost).to.equal(0);
            expect(report.stages.map((s) => s.writesLost)).to.deep.equal([0, 0, 0]);
        });

        it("moves followers first and the leader last, with exactly one leader election", () => {
            expect(report.swapOrder).to.have.length(3);
            expect(report.total.leaderElections).to.equal(1);
            expect(report.stages.map((s) => [s.stage, s.leaderElections])).to.deep.equal([
                ["old-host", 0],
                ["member-swap", 1],
                ["pure-k8s", 0],
            ]);
        });

        it("reports per stage and in total, consistently", () => {
            const sum = (k: "writesAttempted" | "writesAcknowledged" | "durationMs") => report.stages.reduce((a, s) => a + s[k], 0);
            expect(report.total.writesAttempted).to.equal(sum("writesAttempted"));
            expect(report.total.writesAcknowledged).to.equal(sum("writesAcknowledged"));
            expect(report.total.durationMs).to.equal(sum("durationMs"));
            expect(report.total.longestWriteGapMs).to.equal(Math.max(...report.stages.map((s) => s.longestWriteGapMs)));
            const text = reportText(report);
            expect(text).to.match(/^total +\d+\.\d +\d+ +\d+ +0 +1 +\d+$/m);
        });

        it("leaves no process and no directory behind", () => {
            expect(leftovers().dirs).to.deep.equal([]);
        });
    });

    describe("dual-registry, 3 members", () => {
        let report: RehearsalReport;
        before(async () => {
            report = await rehearse({ strategy: "dual-registry", members: 3, stageSeconds: 2 });
        });

        it("loses no acknowledged write and elects no leader after the ensembles formed", () => {
            expect(report.total.writesAcknowledged).to.be.above(50);
            expect(report.total.writesLost).to.equal(0);
            expect(report.total.leaderElections).to.equal(0);
            expect(report.stages.map((s) => s.stage)).to.deep.equal(["old-host", "dual-registry", "pure-k8s"]);
        });

        it("checks parity of the providers before retiring the old registry", () => {
            expect(report.parity).to.deep.equal({ providers: 6, missingInNew: 0 });
        });
    });

    describe("a member killed mid-rehearsal", () => {
        let report: RehearsalReport;
        before(async () => {
            report = await rehearse({ strategy: "member-swap", members: 3, stageSeconds: 2, kill: { stage: "old-host", role: "leader" } });
        });

        it("counts the crash's election in its stage, still loses no acknowledged write", () => {
            expect(report.chaos).to.match(/^killed member \d \(the leader\) with SIGKILL during old-host/);
            expect(report.stages.map((s) => [s.stage, s.leaderElections])).to.deep.equal([
                ["old-host", 1],
                ["member-swap", 1],
                ["pure-k8s", 0],
            ]);
            expect(report.total.leaderElections).to.equal(2);
            expect(report.total.writesLost).to.equal(0);
            expect(report.stages[0].writesAttempted).to.be.at.least(report.stages[0].writesAcknowledged);
        });
    });

    describe("interrupted", () => {
        it("stops every server it started and removes its directories on SIGTERM", async () => {
            const child = require("child_process").spawn(process.execPath, [path.join(REPO_ROOT, "bin", "zk-cutover.js"), "rehearse", "--strategy", "member-swap", "--members", "3"], {
                cwd: REPO_ROOT,
                stdio: "ignore",
            });
            const deadline = Date.now() + 60_000;
            while (leftovers().processes.split("\n").filter(Boolean).length < 3 && Date.now() < deadline) {
                await new Promise((r) => setTimeout(r, 250));
            }
            expect(leftovers().processes.split("\n").filter(Boolean)).to.have.length(3);
            child.kill("SIGTERM");
            const code = await new Promise((resolve) => child.on("exit", (c: number | null, signal: string | null) => resolve(c ?? signal)));
            expect(code).to.equal(143);
            const settle = Date.now() + 10_000;
            while (leftovers().processes !== "" && Date.now() < settle) {
                await new Promise((r) => setTimeout(r, 200));
            }
            expect(leftovers()).to.deep.equal({ dirs: [], processes: "" });
        });
    });

    describe("bad input", () => {
        it("refuses an unknown strategy and a member count outside 3..7 with one line, starting nothing", () => {
            expect(() => validateOptions({ strategy: "big-bang", members: 3 })).to.throw('--strategy: "big-bang" is not a strategy; allowed: dual-registry, member-swap');
            expect(() => validateOptions({ strategy: "member-swap", members: 9 })).to.throw("--members: 9 is out of range; allowed: 3 to 7 members");
            const r = spawnSync(process.execPath, [path.join(REPO_ROOT, "bin", "zk-cutover.js"), "rehearse", "--strategy", "member-swap", "--members", "2"], {
                cwd: REPO_ROOT,
                encoding: "utf8",
                timeout: 60_000,
            });
            expect(r.status).to.equal(1);
            expect(r.stderr).to.equal("error: --members: 2 is out of range; allowed: 3 to 7 members\n");
            expect(leftovers()).to.deep.equal({ dirs: [], processes: "" });
        });
    });
});
