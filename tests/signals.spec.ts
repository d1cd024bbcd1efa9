/**
 * Long-running commands stop what they started when they are interrupted:
 * SIGINT, SIGTERM, SIGHUP, whoever started them going away (npx passes
 * neither SIGHUP nor, through its shell, SIGTERM on), or their output
 * closing; killed outright, their servers die with them. Each test starts the
 * real command line in a session of its own and watches only that session's
 * processes.
 */
import { expect } from "chai";
import { ChildProcess, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { resourcesOf } from "../tools/rehearse/network";
import { REPO_ROOT } from "../tools/plan";
import { requireZooKeeper } from "./support/zookeeper";

const CLI = path.join(REPO_ROOT, "bin", "zk-cutover.js");

/** One shell word. */
const quote = (a: string): string => `'${a.replace(/'/g, "'\\''")}'`;

interface Proc {
    pid: number;
    ppid: number;
    session: number;
    state: string;
    /** Start time in clock ticks since boot: with the PID, names one process even if the PID is reused. */
    start: string;
    comm: string;
    cmdline: string;
}

function readProc(pid: number): Proc | undefined {
    try {
        const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
        const close = stat.lastIndexOf(")");
        const comm = stat.slice(stat.indexOf("(") + 1, close);
        const fields = stat.slice(close + 2).split(" ");
        const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ").trim();
        return { pid, ppid: Number(fields[1]), session: Number(fields[3]), state: fields[0], start: fields[19], comm, cmdline };
    } catch {
        return undefined;
    }
}

/** Live (not zombie) processes of session `sid`: everything a command started in it, wherever it was reparented. */
function sessionProcesses(sid: number): Proc[] {
    return fs
        .readdirSync("/proc")
        .filter((d) => /^\d+$/.test(d))
        .map((d) => readProc(Number(d)))
        .filter((p): p is Proc => p !== undefined && p.session === sid && p.state !== "Z");
}

/** Is this exact process (PID and start time) still running? */
function stillRunning(p: Proc): boolean {
    const now = readProc(p.pid);
    return now !== undefined && now.start === p.start && now.state !== "Z";
}

async function until<T>(what: string, ms: number, probe: () => T | undefined): Promise<T> {
    const end = Date.now() + ms;
    for (;;) {
        const v = probe();
        if (v !== undefined) {
            return v;
        }
        if (Date.now() > end) {
            throw new Error(`timed out after ${ms} ms waiting for ${what}`);
        }
        await new Promise((r) => setTimeout(r, 200));
    }
}

/** A command line run in its own session (so its processes can be told from anyone else's) with its own TMPDIR. */
class Run {
    readonly tmp = fs.mkdtempSync(path.join(os.tmpdir(), "zk-signals-spec-"));
    readonly child: ChildProcess;
    readonly exited: Promise<number | string>;
    output = "";

    /**
     * `parent`: "shell" starts the command through `sh -c`, which neither
     * execs it nor passes signals on; "npx" as npx does, through such a shell
     * started by a parent (npm) that can go while the shell stays.
     */
    constructor(args: string[], parent: "none" | "shell" | "npx" = "none") {
        const shell = `${[process.execPath, CLI, ...args].map(quote).join(" ")}; exit $?`;
        const [command, argv] =
            parent === "none" ? [process.execPath, [CLI, ...args]] : ["sh", ["-c", parent === "shell" ? shell : `sh -c ${quote(shell)} & wait`]];
        this.child = spawn(command, argv, { cwd: REPO_ROOT, env: { ...process.env, TMPDIR: this.tmp }, detached: true, stdio: ["ignore", "pipe", "pipe"] });
        this.child.stdout!.on("data", (d: Buffer) => (this.output += d.toString()));
        this.child.stderr!.on("data", (d: Buffer) => (this.output += d.toString()));
        this.exited = new Promise((resolve) => this.child.on("exit", (code, signal) => resolve(code ?? signal!)));
    }

    get sid(): number {
        return this.child.pid!;
    }

    /** The node process of the command (the child itself, or the shell's child). */
    cli(): Proc | undefined {
        return sessionProcesses(this.sid).find((p) => p.comm === "node" || p.cmdline.startsWith(process.execPath));
    }

    processes(): Proc[] {
        return sessionProcesses(this.sid);
    }

    /** Whatever is left: every process of the session killed, the namespaces of `cliPid` and the temporary directory removed. */
    cleanUp(cliPid: number | undefined): void {
        for (const p of this.processes()) {
            try {
                process.kill(p.pid, "SIGKILL");
            } catch {
                // gone
            }
        }
        if (cliPid !== undefined) {
            for (const r of resourcesOf(cliPid)) {
                if (r.startsWith("/")) {
                    fs.rmSync(r, { recursive: true, force: true });
                } else {
                    spawnSync("ip", r.startsWith("zkr-") ? ["netns", "delete", r] : ["link", "delete", r], { stdio: "ignore" });
                }
            }
        }
        fs.rmSync(this.tmp, { recursive: true, force: true });
    }
}

/** What a rehearsal leaves behind: processes among `started`, namespaces and bridges of its PID, files in its TMPDIR. */
function leftovers(run: Run, started: Proc[], cliPid: number): { processes: string[]; namespaces: string[]; files: string[] } {
    return {
        processes: started.filter(stillRunning).map((p) => `${p.pid} ${p.cmdline.slice(0, 120)}`),
        namespaces: resourcesOf(cliPid),
        files: fs.existsSync(run.tmp) ? fs.readdirSync(run.tmp).filter((f) => f.startsWith("zk-")) : [],
    };
}

describe("interrupted commands stop what they started", function () {
    this.timeout(240_000);

    before(() => {
        requireZooKeeper("the interrupted-command suite");
    });

    /**
     * Starts a rehearsal (through `parent`, see Run), waits until
     * `jvms` of its servers run, interrupts it with `interrupt`, waits for its
     * processes to end, and returns what it left behind and how it ended.
     * Whatever is left is removed afterwards.
     */
    async function interrupted(jvms: number, interrupt: (run: Run, cli: Proc) => void, parent: "none" | "shell" | "npx" = "none") {
        const run = new Run(["rehearse", "--strategy", "dual-registry", "--members", "3", "--stage-seconds", "10"], parent);
        let cliPid: number | undefined;
        try {
            const cli = await until("the command's node process", 30_000, () => run.cli());
            cliPid = cli.pid;
            const started = await until(`${jvms} ZooKeeper servers`, 180_000, () => {
                const ps = run.processes();
                return ps.filter((p) => p.comm === "java").length >= jvms ? ps : undefined;
            });
            expect(resourcesOf(cli.pid)).to.not.be.empty;
            expect(fs.readdirSync(run.tmp).filter((f) => f.startsWith("zk-rehearsal-"))).to.have.length(1);
            interrupt(run, cli);
            const all = () => [...started, ...run.processes()];
            await until("the rehearsal's processes to end", 30_000, () => (all().some(stillRunning) ? undefined : true)).catch(() => undefined);
            return { left: leftovers(run, all(), cli.pid), exited: await Promise.race([run.exited, new Promise((r) => setTimeout(() => r("still running"), 5_000))]), output: run.output };
        } finally {
            run.cleanUp(cliPid);
        }
    }

    const nothing = { processes: [], namespaces: [], files: [] };

    it("rehearse on SIGHUP (its terminal closed) while the new ensemble's pods run", async () => {
        const { left, exited, output } = await interrupted(6, (_, cli) => process.kill(cli.pid, "SIGHUP"));
        expect(left, output).to.deep.equal(nothing);
        expect(exited).to.equal(129);
    });

    it("rehearse on SIGINT (Ctrl-C) while the legacy hosts start", async () => {
        const { left, exited, output } = await interrupted(2, (_, cli) => process.kill(cli.pid, "SIGINT"));
        expect(left, output).to.deep.equal(nothing);
        expect(exited).to.equal(130);
    });

    it("rehearse on SIGTERM sent to it (kill, a container stopping) while the legacy hosts serve", async () => {
        const { left, exited, output } = await interrupted(3, (_, cli) => process.kill(cli.pid, "SIGTERM"));
        expect(left, output).to.deep.equal(nothing);
        expect(exited).to.equal(143);
    });

    it("rehearse started as npx starts it (npm, its shell, the command), when npm is terminated and the shell stays", async () => {
        const { left, exited, output } = await interrupted(3, (r) => process.kill(r.sid, "SIGTERM"), "npx");
        expect(left, output).to.deep.equal(nothing);
        expect(exited).to.equal("SIGTERM");
    });

    it("rehearse whose output is closed (piped into a reader that went away)", async () => {
        const { left, exited, output } = await interrupted(3, (r) => {
            r.child.stdout!.destroy();
            r.child.stderr!.destroy();
        });
        expect(left, output).to.deep.equal(nothing);
        expect(exited).to.equal(141);
    });

    it("rehearse killed with SIGKILL, where no handler runs: its servers, hosts' and pods', die with it (its namespaces wait for the next run's sweep)", async () => {
        const { left, exited } = await interrupted(6, (_, cli) => process.kill(cli.pid, "SIGKILL"));
        expect(left.processes).to.deep.equal([]);
        expect(exited).to.equal("SIGKILL");
    });

    it("check health --wait ends when its parent shell is terminated, not when the wait runs out", async () => {
        await starterGone("shell", "SIGTERM");
    });

    it("check health --wait ends when npx is hung up (its shell stays), not when the wait runs out", async () => {
        await starterGone("npx", "SIGHUP");
    });

    it("check health --wait ends when its parent shell is terminated while it is still starting (before its own code runs)", async () => {
        await starterGone("shell", "SIGTERM", 0);
    });

    async function starterGone(parent: "shell" | "npx", signal: NodeJS.Signals, settleMs = 1000) {
        const run = new Run(["check", "health", "--connect", "127.0.0.1:1", "--wait", "120"], parent);
        let cliPid: number | undefined;
        try {
            const cli = await until("the command's node process", 30_000, () => run.cli());
            cliPid = cli.pid;
            await new Promise((r) => setTimeout(r, settleMs));
            expect(stillRunning(cli)).to.equal(true);
            const at = Date.now();
            process.kill(run.sid, signal);
            await until("check health to end", 20_000, () => (stillRunning(cli) ? undefined : true));
            expect(Date.now() - at).to.be.below(10_000);
        } finally {
            run.cleanUp(cliPid);
        }
    }
});

describe("commands whose session leader is out of sight keep running", function () {
    this.timeout(60_000);
    const health = [CLI, "check", "health", "--connect", "127.0.0.1:1", "--wait", "3"];

    it("in a container's PID namespace (the session leader is outside it: session 0)", () => {
        const at = Date.now();
        // Through a shell, as a container's entrypoint starts it (the namespace's first process ignores signals it does not handle).
        const command = `${[process.execPath, ...health].map(quote).join(" ")}; exit $?`;
        const r = spawnSync("unshare", ["--pid", "--fork", "--mount-proc", "sh", "-c", command], { cwd: REPO_ROOT, encoding: "utf8", timeout: 30_000 });
        expect(r.status, r.stderr).to.equal(1); // unhealthy once the wait ran out, not hung up (129)
        expect(r.stdout).to.contain("waited 3.");
        expect(Date.now() - at).to.be.at.least(2_500);
    });

    it("started by a daemon whose session leader exited long ago (the parent stays in the session)", async () => {
        const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "zk-signals-spec-"));
        const out = path.join(tmp, "rc");
        try {
                const daemon = `sleep 1; ${[process.execPath, ...health].map(quote).join(" ")} >/dev/null 2>&1; echo $? > ${quote(out)}`;
            // setsid's shell (the session leader) starts the daemon and exits at once.
            spawnSync("setsid", ["sh", "-c", `sh -c ${quote(daemon)} >/dev/null 2>&1 & exit 0`], { cwd: REPO_ROOT, stdio: "ignore", timeout: 10_000 });
            const deadline = Date.now() + 30_000;
            while (!fs.existsSync(out) && Date.now() < deadline) {
                await new Promise((r) => setTimeout(r, 250));
            }
            await new Promise((r) => setTimeout(r, 100));
            expect(fs.readFileSync(out, "utf8").trim()).to.equal("1");
        } finally {
            fs.rmSync(tmp, { recursive: true, force: true });
        }
    });
});
