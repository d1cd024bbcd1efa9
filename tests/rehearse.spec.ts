import { expect } from "chai";
import { spawn, spawnSync } from "child_process";
import * as dns from "dns";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { rehearse, RehearsalReport, reportText } from "../tools/rehearse/rehearse";
import { gapsOf, installedStall, longestGapOf } from "../tools/rehearse/report";
import { PLOT_CHART, timelineSvg } from "../tools/rehearse/plot";
import { resolveRehearsalInput } from "../tools/rehearse/input";
import { ClusterDns } from "../tools/rehearse/dns";
import { mapPodPaths } from "../tools/rehearse/members";
import { HEARTBEATS, networkUnavailableReason, resourcesOf, sweepStale } from "../tools/rehearse/network";
import { REPO_ROOT } from "../tools/plan";
import { stackConfigWith, withStackFile } from "./support/stacks";
import { requireZooKeeper } from "./support/zookeeper";

/** Processes whose command line names `dir` (every server of a rehearsal run there), and the namespaces, /etc/netns entries and bridges of process `pid`. */
function leftovers(dir: string, pid = process.pid): { processes: string; namespaces: string[]; files: string[] } {
    const processes = spawnSync("pgrep", ["-af", dir], { encoding: "utf8" }).stdout.trim();
    const namespaces = resourcesOf(pid);
    // Only the rehearsal's own files (Node may keep a compile cache there too).
    return { processes, namespaces, files: fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.startsWith("zk-")) : [] };
}

/** Runs `body` with os.tmpdir() at a fresh directory, so the rehearsal's files and processes can be told apart from anyone else's. */
async function inOwnTmp<T>(body: (dir: string) => Promise<T>): Promise<{ result: T; dir: string }> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "zk-rehearse-spec-"));
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = dir;
    try {
        return { result: await body(dir), dir };
    } catch (err) {
        // A run that failed is not checked afterwards (the rehearsal stopped and removed what it started): its directory goes now.
        fs.rmSync(dir, { recursive: true, force: true });
        throw err;
    } finally {
        process.env.TMPDIR = saved;
        if (saved === undefined) {
            delete process.env.TMPDIR;
        }
    }
}

describe("rehearsal building blocks", () => {
    it("cluster DNS: one fixed-size file, rewritten in place; late answers; this process's lookups of cluster names only", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "zk-dns-"));
        const d = new ClusterDns(path.join(dir, "hosts"), ".svc.cluster.local");
        try {
            d.set("zk-1.zk.svc.cluster.local", ["198.18.0.1"]);
            const inode = fs.statSync(d.file).ino;
            const lines = () => fs.readFileSync(d.file, "utf8").split("\n").filter((l) => l !== "" && !l.startsWith("#"));
            expect(lines()).to.deep.equal(["127.0.0.1 localhost", "198.18.0.1 zk-1.zk.svc.cluster.local"]);
            expect(fs.statSync(d.file).size).to.equal(4096);
            const moved = d.setAfter(200, "zk-1.zk.svc.cluster.local", ["198.18.1.1"]);
            expect(d.get("zk-1.zk.svc.cluster.local")).to.deep.equal(["198.18.0.1"]);
            await moved;
            expect(lines()).to.deep.equal(["127.0.0.1 localhost", "198.18.1.1 zk-1.zk.svc.cluster.local"]);
            expect(fs.statSync(d.file).ino).to.equal(inode);
            d.serveLookups();
            const lookup = (name: string) => new Promise<string>((resolve) => dns.lookup(name, (err, address) => resolve(err ? (err as NodeJS.ErrnoException).code! : address)));
            expect(await lookup("zk-1.zk.svc.cluster.local")).to.equal("198.18.1.1");
            d.set("zk-1.zk.svc.cluster.local", []);
            expect(await lookup("zk-1.zk.svc.cluster.local")).to.equal("ENOTFOUND");
            expect(await lookup("localhost")).to.match(/^(127\.0\.0\.1|::1)$/);
        } finally {
            d.close();
            fs.rmSync(dir, { recursive: true, force: true });
        }
        expect(await new Promise((resolve) => dns.lookup("zk-1.zk.svc.cluster.local", (err) => resolve((err as NodeJS.ErrnoException | null)?.code)))).to.equal("ENOTFOUND");
    });

    it("finds the longest interval without an acknowledged write, and when it began (also the end of the run)", () => {
        const acks = [1_000, 1_100, 2_900, 3_000].map((at, i) => ({ ensemble: "main", path: `/w-${i}`, stage: "s", at }));
        expect(longestGapOf(acks, 0, 3_500)).to.deep.equal({ ms: 1_800, at: 1_100 });
        expect(longestGapOf(acks, 0, 6_000)).to.deep.equal({ ms: 3_000, at: 3_000 });
        expect(longestGapOf([], 500, 900)).to.deep.equal({ ms: 400, at: 500 });
    });

    it("puts a gap down to ZOOKEEPER-4537 of the installed release only when its write was answered with the client's next ping and the rendered release has the fix", () => {
        const affected = { lostCommitWakeup: true };
        const fixed = { lostCommitWakeup: false };
        // The writer's client pings every 6000 ms (an 18 s session); its write waited 6003 ms.
        const write = (waited: number) => ({ ensemble: "main", path: "/w-1", stage: "s", sentAt: 10_000, at: 10_000 + waited, pingMs: 6_000 });
        expect(installedStall(affected, fixed, write(6_003), 0)).to.equal("ZOOKEEPER-4537");
        expect(installedStall(affected, fixed, write(6_250), 0)).to.equal("ZOOKEEPER-4537");
        // Answered before the ping, or well after it: something else held it.
        expect(installedStall(affected, fixed, write(5_900), 0)).to.equal(undefined);
        expect(installedStall(affected, fixed, write(6_400), 0)).to.equal(undefined);
        // The connection changed in the gap: a reconnect, not the lost wake-up.
        expect(installedStall(affected, fixed, write(6_003), 2)).to.equal(undefined);
        // The rendered release has the defect too (production would stall the same), or the installed one does not.
        expect(installedStall(affected, affected, write(6_003), 0)).to.equal(undefined);
        expect(installedStall(fixed, fixed, write(6_003), 0)).to.equal(undefined);
        expect(installedStall(affected, fixed, { ...write(6_003), pingMs: undefined }, 0)).to.equal(undefined);
    });

    it("lists the gaps between acknowledged writes longest first, so the longest one a defect did not make can be found", () => {
        const acks = [1_000, 1_100, 2_900, 3_000].map((at, i) => ({ ensemble: "main", path: `/w-${i}`, stage: "s", at }));
        expect(gapsOf(acks, 0, 3_500)).to.deep.equal([
            { ms: 1_800, at: 1_100 },
            { ms: 1_000, at: 0 },
            { ms: 500, at: 3_000 },
            { ms: 100, at: 1_000 },
            { ms: 100, at: 2_900 },
        ]);
    });

    it("pods' mounted paths point into the pod's directory; nothing else changes", () => {
        expect(mapPodPaths("-Xms1024m -XX:HeapDumpPath=/tmp -Djava.security.properties=/conf/java.security", "/r/pod-1")).to.equal(
            "-Xms1024m -XX:HeapDumpPath=/r/pod-1/tmp -Djava.security.properties=/r/pod-1/conf/java.security",
        );
        expect(mapPodPaths("dataDir=/data\ndataLogDir=/datalog\nother=/database\n", "/r/p")).to.equal("dataDir=/r/p/data\ndataLogDir=/r/p/datalog\nother=/database\n");
    });

    it("sweeps the namespaces of a stopped run only: never those of a live run in another PID namespace (its PID means nothing here)", () => {
        const reason = networkUnavailableReason();
        if (reason) {
            throw new Error(reason);
        }
        // A run id names a PID in base 36: 4194304 is above Linux's largest PID, so it is never alive here.
        const run = (suffix: string) => `${(4194304).toString(36)}${suffix}`;
        const make = (id: string, heartbeatAgeMs: number | undefined) => {
            spawnSync("ip", ["netns", "add", `zkr-${id}-host-1`]);
            if (heartbeatAgeMs !== undefined) {
                fs.mkdirSync(HEARTBEATS, { recursive: true });
                const file = path.join(HEARTBEATS, id);
                fs.writeFileSync(file, "1\n");
                const at = new Date(Date.now() - heartbeatAgeMs);
                fs.utimesSync(file, at, at);
            }
        };
        const exists = (id: string) => spawnSync("ip", ["netns", "list"], { encoding: "utf8" }).stdout.includes(`zkr-${id}-host-1`);
        const [live, killed, old] = [run("l0"), run("k0"), run("o0")];
        try {
            make(live, 1_000); // beating: another PID namespace's live run
            make(killed, 120_000); // stopped beating two minutes ago
            make(old, undefined); // no heartbeat, owner not alive
            const swept = sweepStale();
            expect(exists(live), "the live run's namespace").to.equal(true);
            expect(swept).to.include.members([`zkr-${killed}-host-1`, `zkr-${old}-host-1`]);
            expect([exists(killed), exists(old)]).to.deep.equal([false, false]);
            expect(fs.existsSync(path.join(HEARTBEATS, killed))).to.equal(false);
        } finally {
            for (const id of [live, killed, old]) {
                spawnSync("ip", ["netns", "delete", `zkr-${id}-host-1`]);
                fs.rmSync(path.join(HEARTBEATS, id), { force: true });
            }
        }
    });

    it("refuses bad options with one line naming the option, before starting anything", () => {
        const err = (o: Parameters<typeof resolveRehearsalInput>[0]) => {
            try {
                resolveRehearsalInput(o);
            } catch (e) {
                return (e as Error).message;
            }
            return "accepted";
        };
        expect(err({ strategy: "big-bang" })).to.equal('--strategy: "big-bang" is not a strategy; allowed: dual-registry, member-swap');
        expect(err({ strategy: "member-swap", members: 11 })).to.equal("--members: 11 is out of range; allowed: 3 to 9 members");
        expect(err({ members: 3 })).to.equal("--strategy is required without a stage config; allowed: dual-registry, member-swap");
        expect(err({ stack: "pure-k8s" })).to.match(/^--strategy is required: stacks\/Pulumi\.pure-k8s\.yaml is at stage pure-k8s/);
        expect(err({ stack: "member-swap", members: 3 })).to.equal("Only one of --members or --stack/--config-file can be provided: a stage config gives its own members.");
        expect(err({ strategy: "member-swap", members: 3, legacyLeader: 1 })).to.equal(
            "--legacy-leader: 1 cannot lead the legacy ensemble at the start (a first quorum elects its highest id); allowed: 2, 3",
        );
        const r = resolveRehearsalInput({ stack: "member-swap" });
        expect({ strategy: r.strategy, source: r.source, legacyIds: r.legacyIds, version: r.settings.version.text, settle: r.settings.moveSettleSeconds }).to.deep.equal({
            strategy: "member-swap",
            source: "stacks/Pulumi.member-swap.yaml",
            legacyIds: [1, 2, 3],
            version: "3.8.4",
            settle: 11,
        });
    });
});

describe("cutover rehearsal on real ZooKeeper (own network namespaces, cluster DNS, rendered scripts)", function () {
    this.timeout(360_000);

    before(function () {
        requireZooKeeper("the rehearsal");
        if (process.getuid?.() !== 0) {
            throw new Error("the rehearsal builds network namespaces and needs root; run the tests as root (CI does)");
        }
    });

    describe("member swap of the shipped member-swap stack, its legacy leader in the middle (member 2)", () => {
        let report: RehearsalReport;
        let dir: string;
        before(async () => {
            ({ result: report, dir } = await inOwnTmp(() => rehearse({ stack: "member-swap", legacyLeader: 2, stageSeconds: 2 })));
        });

        it("rehearses the stage config: its members, names and versions", () => {
            expect(report).to.include({ strategy: "member-swap", source: "stacks/Pulumi.member-swap.yaml", members: 3, renderedVersion: "3.8.4", tickTime: 2000 });
            expect(report.stages.map((s) => s.stage)).to.deep.equal(["old-host", "member-swap", "pure-k8s"]);
        });

        it("decides the order from the live leader: the leader keeps its host config and moves once member 3 is a pod; one election", () => {
            expect(report.swap).to.deep.include({ leaderAtStart: 2, embrace: [1, 3], leaderKeptHostConfig: true, order: [3, 2, 1], plannedElections: 1 });
            expect(report.stages.map((s) => [s.stage, s.leaderElections])).to.deep.equal([
                ["old-host", 0],
                ["member-swap", 1],
                ["pure-k8s", 0],
            ]);
        });

        it("loses no acknowledged write, expires no session, and the registry is never short of a provider", () => {
            expect(report.total.writesAcknowledged).to.be.above(500);
            expect(report.total.writesLost).to.equal(0);
            expect(report.total.expiredSessions).to.equal(0);
            expect(report.total.longestProviderShortfallMs).to.equal(0);
        });

        it("gates each move: start.sh waits for the member's name, ready.sh on the probe's schedule, then health until settled", () => {
            const moves = report.steps.filter((s) => s.step.startsWith("move member"));
            expect(moves.map((s) => s.step)).to.deep.equal(["move member 3 (podMembers [3])", "move member 2 (podMembers [2, 3])", "move member 1 (podMembers [1, 2, 3])"]);
            for (const m of moves) {
                const gates = m.waits.map((w) => w.gate);
                expect(gates[0]).to.equal("host stop");
                expect(gates[1]).to.match(/^start\.sh of pod \d: its Service name leads to the pod$/);
                expect(gates[2]).to.match(/^readiness \(ready\.sh/);
                expect(gates[3]).to.equal("health, settled (moveSettleSeconds)");
                // The first probe runs initialDelaySeconds (10 s) after the container started.
                expect(m.waits[2].ms).to.be.at.least(9_500);
                expect(m.waits[1].why.join("\n")).to.match(/zk-\d\.zookeeper\.svc\.cluster\.local resolves to this pod \(198\.1[89]\.\d+\.\d\) after \d+ s/);
                expect(m.waits[3].why.join("\n")).to.contain("may still hold its old address");
            }
        });

        it("reports the leader holding a moved member's old address (it cannot dial it) until it moves itself", () => {
            const afterFirstMove = report.steps.find((s) => s.step.startsWith("move member 3"))!;
            expect(afterFirstMove.warnings.join("\n")).to.match(
                /member 2 \(zk-2\.zookeeper\.svc\.cluster\.local:2181\) names member 3 at (198\.1[89]\.\d+)\.3, but member 3 now answers at 198\.1[89]\.\d+\.3: it cannot dial member 3 itself \(expected while the leader keeps its host config/,
            );
            const last = report.steps.find((s) => s.step.startsWith("move member 1"))!;
            expect(last.warnings.join("\n")).to.not.contain("cannot dial");
        });

        it("draws the run as a picture (--plot): writes per second and providers over time, the stages, the three moves and the one election", async function () {
            this.timeout(60_000);
            const t = report.timeline;
            expect(t.stages.map((st) => st.stage)).to.deep.equal(["old-host", "member-swap", "pure-k8s", "end"]);
            expect(t.steps.filter((st) => st.move).map((st) => st.step.replace(/ \(.*$/, ""))).to.deep.equal(["move member 3", "move member 2", "move member 1"]);
            expect(t.elections).to.have.length(1);
            // The acknowledged writes of the stages, but for the run's last, partial second.
            const drawn = t.writes.reduce((sum, w) => sum + w.writes, 0);
            expect(drawn).to.be.at.most(report.total.writesAcknowledged);
            expect(drawn).to.be.at.least(report.total.writesAcknowledged * 0.9);
            const svg = await timelineSvg(report);
            const root = /^<svg [^>]*width="(\d+)" height="(\d+)"/.exec(svg);
            expect(root, svg.slice(0, 200)).to.not.equal(null);
            expect(Number(root![1])).to.be.at.least(PLOT_CHART.width);
            expect(Number(root![2])).to.be.at.least(2 * PLOT_CHART.height);
            /** The SVG of one mark group: its lines and paths, up to the next group. */
            const group = (name: string) => {
                const at = svg.indexOf(`role-mark ${name}"`);
                expect(at, name).to.be.above(-1);
                return svg.slice(at, svg.indexOf("<g class=", at + 1) === -1 ? undefined : svg.indexOf("<g class=", at + 1));
            };
            const count = (text: string, re: RegExp) => (text.match(re) ?? []).length;
            for (const chart of ["concat_0", "concat_1"]) {
                // One line per ensemble (a member swap has one); the events as rules: 4 stage marks, 3 moves, 1 election.
                expect(count(svg, new RegExp(`role-mark ${chart}_layer_0_marks"`, "g")), chart).to.equal(1);
                expect(group(`${chart}_layer_0_marks`)).to.match(/<path [^>]*d="M[^"]{200,}"/);
                const rules = group(`${chart}_layer_1_marks`);
                expect(count(rules, /<line [^>]*stroke="#333333"/g), `${chart} stages`).to.equal(4);
                expect(count(rules, /<line [^>]*stroke="#999999"/g), `${chart} moves`).to.equal(3);
                expect(count(rules, /<line [^>]*stroke="#d62728"/g), `${chart} elections`).to.equal(1);
            }
            for (const label of ["Acknowledged writes per second", "Providers each registry lists", "old-host", "member-swap", "pure-k8s", "leader election", "member move"]) {
                expect(svg, label).to.contain(label);
            }
        });

        it("says what it does not emulate", () => {
            expect(report.notEmulated.join("\n")).to.contain("a changed answer reaches it 5 s (clusterDnsTtlSeconds) after the EndpointSlice changes");
            expect(reportText(report)).to.match(/^total +\d+\.\d +\d+ +\d+ +0 +1 +0 +0 +\d+$/m);
        });

        it("leaves no process, namespace or file behind", () => {
            expect(leftovers(dir)).to.deep.equal({ processes: "", namespaces: [], files: [] });
            fs.rmSync(dir, { recursive: true, force: true });
        });
    });

    describe("dual-registry of a stage config with TLS and SASL required, the legacy leader killed mid-stage", () => {
        let report: RehearsalReport;
        let dir: string;
        before(async () => {
            const config = stackConfigWith("dual-registry", {
                tls: "require",
                tlsIssuer: "zookeeper-ca",
                saslQuorum: "prefer",
                saslQuorumPassword: { secure: "v1:c2VjcmV0" },
                saslClient: "require",
                saslClientUsers: ["dubbo"],
                saslClientPasswords: [{ secure: "v1:ZHViYm8=" }],
            });
            ({ result: report, dir } = await inOwnTmp(() =>
                withStackFile("prod", config, (file) => rehearse({ configFile: file, stageSeconds: 2, kill: { stage: "old-host", role: "leader" } })),
            ));
        });

        it("runs the new ensemble TLS only, with SASL between its members and required of clients: every client, gate, copy and parity check of the new registry speaks TLS and logs in, and says whose certificates and passwords", () => {
            expect(report.strategy).to.equal("dual-registry");
            expect(report.notEmulated.filter((n) => /^(tls|saslClient|saslQuorum):/.test(n))).to.deep.equal([]);
            expect(report.notEmulated.join("\n")).to.contain("certificates and passwords: the rehearsal's own");
            // The writes moved to the new registry, which answers only on its TLS port.
            expect(report.stages.find((s) => s.stage === "pure-k8s")!.writesAcknowledged).to.be.greaterThan(0);
        });

        it("loses no acknowledged write; only the crash elects a leader", () => {
            expect(report.total.writesLost).to.equal(0);
            expect(report.chaos).to.match(/^killed member \d \(the leader\) with SIGKILL during old-host/);
            expect(report.stages.map((s) => [s.stage, s.leaderElections])).to.deep.equal([
                ["old-host", 1],
                ["dual-registry", 0],
                ["pure-k8s", 0],
            ]);
        });

        it("creates the new ensemble through start.sh (an empty tree is expected only there) and checks parity before the flip", () => {
            const created = report.steps.find((s) => s.step.startsWith("pulumi up (stage dual-registry)"))!;
            expect(created.waits.filter((w) => w.gate.startsWith("start.sh")).flatMap((w) => w.why).join("\n")).to.contain("no other member serves: creating the ensemble");
            expect(report.parity).to.deep.include({ providers: 7, missingInNew: 0, persistentMissingInNew: 0 }); // the app's 6 and the seeded dynamic=false one
            expect(report.total.longestProviderShortfallMs).to.equal(0);
        });

        it("copies the governance data, follows a rule changed mid-stage with a re-copy, and ends with no persistent node missing", () => {
            const g = report.governance!;
            expect(g.seeded).to.equal(8);
            expect(g.changed).to.have.length(3);
            // The first copy creates every seeded node; the re-copy rewrites the changed route, prunes the deleted override, adds the new route.
            expect(g.copies[0]).to.match(/^created \d+, updated 0, deleted 0/);
            expect(g.copies[1]).to.match(/^created 1, updated 1, deleted 1,/);
            expect(g.byStage["dual-registry"].most).to.equal(3); // the rewritten route differs, the added one is missing, the deleted override is stale
            expect(g.byStage["dual-registry"].last).to.equal(0);
            expect(g.byStage["pure-k8s"]).to.deep.equal({ last: 0, most: 0 });
            expect(report.parity!.persistentNodes).to.be.greaterThan(8);
        });

        it("leaves no process, namespace or file behind", () => {
            expect(leftovers(dir)).to.deep.equal({ processes: "", namespaces: [], files: [] });
            fs.rmSync(dir, { recursive: true, force: true });
        });
    });

    describe("interrupted", () => {
        it("stops every server it started and removes its namespaces and directories on SIGTERM", async () => {
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "zk-rehearse-spec-"));
            const child = spawn(process.execPath, [path.join(REPO_ROOT, "bin", "zk-cutover.js"), "rehearse", "--strategy", "member-swap", "--members", "3"], {
                cwd: REPO_ROOT,
                env: { ...process.env, TMPDIR: dir },
                stdio: "ignore",
            });
            const running = () => leftovers(dir, child.pid!).processes.split("\n").filter(Boolean).length;
            const deadline = Date.now() + 60_000;
            while (running() < 3 && Date.now() < deadline) {
                await new Promise((r) => setTimeout(r, 250));
            }
            expect(running()).to.equal(3);
            child.kill("SIGTERM");
            const code = await new Promise((resolve) => child.on("exit", (c: number | null, signal: string | null) => resolve(c ?? signal)));
            expect(code).to.equal(143);
            const settle = Date.now() + 10_000;
            while (leftovers(dir, child.pid!).processes !== "" && Date.now() < settle) {
                await new Promise((r) => setTimeout(r, 200));
            }
            expect(leftovers(dir, child.pid!)).to.deep.equal({ processes: "", namespaces: [], files: [] });
            fs.rmSync(dir, { recursive: true, force: true });
        });

        it("a --plot file the picture cannot be written to is refused in one line, before anything starts", () => {
            const run = (plot: string) =>
                spawnSync(process.execPath, [path.join(REPO_ROOT, "bin", "zk-cutover.js"), "rehearse", "--strategy", "member-swap", "--plot", plot], { cwd: REPO_ROOT, encoding: "utf8", timeout: 60_000 });
            let r = run("cutover.png");
            expect([r.status, r.stderr]).to.deep.equal([1, 'error: --plot: "cutover.png" does not end in .svg; allowed: a file name ending in .svg (the picture is SVG)\n']);
            r = run("no-such-dir/cutover.svg");
            expect([r.status, r.stderr]).to.deep.equal([1, 'error: --plot: the directory "no-such-dir" does not exist; allowed: a file in an existing directory\n']);
        });

        it("a bad option prints one line and exits 1, starting nothing", () => {
            const r = spawnSync(process.execPath, [path.join(REPO_ROOT, "bin", "zk-cutover.js"), "rehearse", "--strategy", "member-swap", "--members", "2"], {
                cwd: REPO_ROOT,
                encoding: "utf8",
                timeout: 60_000,
            });
            expect(r.status).to.equal(1);
            expect(r.stderr).to.equal("error: --members: 2 is out of range; allowed: 3 to 9 members\n");
        });
    });
});
