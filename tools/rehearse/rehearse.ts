/**
 * A cutover rehearsal on this machine with real ZooKeeper servers: "hosts"
 * and "pods" are server processes on their own loopback addresses, every
 * member is reached only through its emulated Service, every zoo.cfg and myid
 * comes from the components' renderers, and client load runs throughout. The
 * report counts writes attempted, acknowledged and lost, leader elections and
 * the longest interval without a successful write, per stage and in total.
 */
import { UserInputError } from "../errors";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ServerEntry } from "../../components/ensemble/renderConfig";
import { EnsembleSettings, PORTS, resolveEnsembleSettings } from "../../components/ensemble/settings";
import { checkParity } from "../checks/parity";
import { ZkClient } from "../zookeeper/client";
import {
    findZooKeeperInstall,
    isListening,
    isRunning,
    logTail,
    MemberProcess,
    onShutdown,
    randomLoopbackNetwork,
    memberModes,
    stopMember,
    waitFor,
    waitForQuorum,
    ZooKeeperInstall,
} from "../zookeeper/process";
import { startLocalMember } from "../zookeeper/local";
import { AckedWrite, ProviderApp, Writer, WRITES_PATH } from "./load";
import { ElectionMonitor, LiveMember } from "./monitor";
import { ServiceProxy } from "./proxy";

export const STRATEGIES = ["dual-registry", "member-swap"] as const;
export type Strategy = (typeof STRATEGIES)[number];

export interface RehearsalOptions {
    strategy: string;
    members: number;
    /** Seconds of steady load in each stage besides the moves. Default 3. */
    stageSeconds?: number;
    /** The whole rehearsal is aborted (and cleaned up) after this long. Default 300000. */
    deadlineMs?: number;
    /** Crash one member mid-stage (SIGKILL, restarted 1 s later with its data), to see the report still counts. */
    kill?: { stage: string; role: "leader" | "follower" };
    /** Progress lines. Default: none. */
    log?: (line: string) => void;
    /** The ZooKeeper install to run; default: the one on this machine. */
    install?: ZooKeeperInstall;
}

export interface Figures {
    durationMs: number;
    writesAttempted: number;
    writesAcknowledged: number;
    /** Acknowledged, but missing when checked at the end (or before their ensemble was retired). Must be 0. */
    writesLost: number;
    leaderElections: number;
    /** Longest interval without a successful write, ms. */
    longestWriteGapMs: number;
}

export interface StageReport extends Figures {
    stage: string;
}

export interface RehearsalReport {
    strategy: Strategy;
    members: number;
    zookeeperVersion: string;
    stages: StageReport[];
    total: Figures;
    /** Member swap: the order members moved in (followers first, the leader last). */
    swapOrder?: number[];
    /** Dual-registry: providers checked in both registries before the old one was retired. */
    parity?: { providers: number; missingInNew: number };
    /** What the chaos option did, if used. */
    chaos?: string;
}

/** A mistake in the rehearsal's own options: one line, no stack trace. */
export class RehearsalInputError extends UserInputError {
    constructor(message: string) {
        super(message, "RehearsalInputError");
    }
}

export function validateOptions(o: RehearsalOptions): Strategy {
    if (!STRATEGIES.includes(o.strategy as Strategy)) {
        throw new RehearsalInputError(`--strategy: ${JSON.stringify(o.strategy)} is not a strategy; allowed: ${STRATEGIES.join(", ")}`);
    }
    if (!Number.isInteger(o.members) || o.members < 3 || o.members > 7) {
        throw new RehearsalInputError(`--members: ${JSON.stringify(o.members)} is out of range; allowed: 3 to 7 members`);
    }
    if (o.kill && !["leader", "follower"].includes(o.kill.role)) {
        throw new RehearsalInputError(`--kill: ${JSON.stringify(o.kill.role)} is not a role; allowed: leader, follower`);
    }
    return o.strategy as Strategy;
}

interface Member {
    id: number;
    placement: "host" | "pod";
    backend: string;
    dir: string;
    process: MemberProcess;
}

/** One ensemble of the rehearsal: its members' processes and their Services. */
class Ensemble {
    readonly members = new Map<number, Member>();
    readonly proxies = new Map<number, ServiceProxy>();
    readonly settings: EnsembleSettings;
    /** Set when the rehearsal is stopped: no member is started any more. */
    aborted = false;

    constructor(
        readonly name: string,
        ids: number[],
        version: string,
        /** 127.a.b of the Services. */
        private readonly serviceNet: string,
        private readonly root: string,
        private readonly install: ZooKeeperInstall,
    ) {
        this.settings = resolveEnsembleSettings({ namespace: "rehearsal", memberIds: ids, zookeeperVersion: version, metrics: "off" });
    }

    serviceAddress(id: number): string {
        return `${this.serviceNet}.${id}`;
    }

    /** Clients and peers reach members only through these. */
    connectString(): string {
        return this.settings.memberIds.map((id) => `${this.serviceAddress(id)}:${PORTS.client}`).join(",");
    }

    async startServices(): Promise<void> {
        for (const id of this.settings.memberIds) {
            const proxy = new ServiceProxy(this.serviceAddress(id), [PORTS.client, PORTS.quorum, PORTS.election]);
            await proxy.start();
            this.proxies.set(id, proxy);
        }
    }

    /**
     * Starts member `id` at `backend` from the rendered zoo.cfg: peers by their
     * Service addresses, the member itself at its own address (members share one
     * machine, so each binds only its own). Points its Service at it.
     */
    startMember(id: number, placement: "host" | "pod", backend: string, keepData?: string): Member {
        if (this.aborted) {
            throw new Error("the rehearsal was stopped");
        }
        const dir = keepData ?? path.join(this.root, this.name, `${placement}-${id}`);
        const servers: ServerEntry[] = this.settings.memberIds.map((x) =>
            x === id ? { id: x, address: backend, clientBindAddress: backend } : { id: x, address: this.serviceAddress(x) },
        );
        const process = startLocalMember(this.install, this.settings, { id, dir, servers, heapMiB: 192, jvmArgs: ["-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k"] });
        const member = { id, placement, backend, dir, process };
        this.members.set(id, member);
        this.proxies.get(id)?.setBackend(backend);
        return member;
    }

    live(): LiveMember[] {
        return [...this.members.values()].filter((m) => isRunning(m.process)).map((m) => ({ id: m.id, address: m.backend }));
    }

    dead(): string | undefined {
        for (const m of this.members.values()) {
            if (!isRunning(m.process)) {
                return `member ${m.id} of ${this.name} exited; log:\n${logTail(m.process, 20)}`;
            }
        }
        return undefined;
    }

    private backends(): { id: number; address: string }[] {
        return [...this.members.values()].map((m) => ({ id: m.id, address: m.backend }));
    }

    modes(): Promise<Map<number, string | undefined>> {
        return memberModes(this.backends(), PORTS.client);
    }

    /** Waits until every member serves in one quorum with exactly one leader; returns the leader's id. */
    waitForQuorum(timeoutMs: number): Promise<number> {
        return waitForQuorum(`${this.name} to form a quorum`, this.backends(), PORTS.client, { timeoutMs, intervalMs: 200, abortIf: () => this.dead() });
    }

    async stopMember(id: number): Promise<void> {
        const m = this.members.get(id);
        if (m) {
            await stopMember(m.process);
        }
    }

    async stopAll(): Promise<void> {
        await Promise.allSettled([...this.members.values()].map((m) => stopMember(m.process)));
        await Promise.allSettled([...this.proxies.values()].map((p) => p.stop()));
    }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs the rehearsal; every process it started is stopped and its directories removed on every exit path. */
export async function rehearse(options: RehearsalOptions): Promise<RehearsalReport> {
    const strategy = validateOptions(options);
    const install = options.install ?? findZooKeeperInstall();
    if (!install) {
        throw new RehearsalInputError("ZooKeeper or Java is not installed here; install them with: apt-get install -y zookeeper");
    }
    const log = options.log ?? (() => undefined);
    const stageMs = (options.stageSeconds ?? 3) * 1000;
    const version = install.version ?? "3.8.4";
    const ids = Array.from({ length: options.members }, (_, i) => i + 1);
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "zk-rehearsal-"));
    const removeRoot = onShutdown(() => fs.rmSync(root, { recursive: true, force: true }));
    const net = await freeNetwork(ids);
    const ensembles: Ensemble[] = [];
    const clients: ZkClient[] = [];
    const providers = new ProviderApp();
    let stage = "setup";
    const stageStarts: { stage: string; at: number }[] = [];
    const enter = (name: string) => {
        stage = name;
        stageStarts.push({ stage: name, at: Date.now() });
        log(`stage ${name}`);
    };
    const writer = new Writer(() => stage);
    const monitor = new ElectionMonitor(() => new Map(ensembles.map((e) => [e.name, e.live()])), () => stage);
    const connect = async (e: Ensemble) => {
        const c = await ZkClient.connect(e.connectString(), { sessionTimeoutMs: 10_000, connectTimeoutMs: 20_000 });
        clients.push(c);
        return c;
    };
    let chaos: string | undefined;
    const maybeKill = async (e: Ensemble, name: string) => {
        if (!options.kill || options.kill.stage !== name) {
            return;
        }
        await sleep(stageMs / 2);
        const modes = await e.modes();
        const victim = [...modes.entries()].find(([, m]) => m === options.kill!.role)?.[0];
        if (victim === undefined) {
            return;
        }
        const m = e.members.get(victim)!;
        log(`killing member ${victim} (${options.kill.role}) of ${e.name}`);
        m.process.child.kill("SIGKILL");
        await m.process.exited;
        await sleep(1_000);
        e.startMember(victim, m.placement, m.backend, m.dir);
        await e.waitForQuorum(60_000);
        chaos = `killed member ${victim} (the ${options.kill.role}) with SIGKILL during ${name}, restarted it 1 s later with its data`;
    };

    const deadline = options.deadlineMs ?? 240_000 + 4 * stageMs + 30_000 * ids.length;
    let timer: NodeJS.Timeout | undefined;
    const aborted = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
            ensembles.forEach((e) => (e.aborted = true));
            reject(new Error(`the rehearsal did not finish within ${deadline} ms and was stopped`));
        }, deadline);
    });
    const verified: { ensemble: string; present: Set<string> }[] = [];
    // Read back through the leader, which holds every committed write (a lagging follower could report false losses).
    const verify = async (e: Ensemble) => {
        const leader = await e.waitForQuorum(30_000);
        const c = await ZkClient.connect(`${e.members.get(leader)!.backend}:${PORTS.client}`, { connectTimeoutMs: 20_000 });
        clients.push(c);
        verified.push({ ensemble: e.name, present: new Set((await c.children(WRITES_PATH)).map((n) => `${WRITES_PATH}/${n}`)) });
    };

    /** Starts an ensemble behind its Services, waits for its quorum and registers the providers in it; returns a client for writes. */
    const startEnsemble = async (name: string, serviceSubnet: number, placement: "host" | "pod", backendSubnet: number) => {
        const e = new Ensemble(name, ids, version, `${net}.${serviceSubnet}`, root, install);
        ensembles.push(e);
        await e.startServices();
        ids.forEach((id) => e.startMember(id, placement, `${net}.${backendSubnet}.${id}`));
        await e.waitForQuorum(90_000);
        const client = await connect(e);
        await client.mkdirp(WRITES_PATH);
        await providers.register(e.name, await connect(e));
        return { ensemble: e, client };
    };
    /** old-host: the load starts on the ensemble on hosts. */
    const oldHostStage = async (e: Ensemble, client: ZkClient) => {
        writer.setTarget(e.name, client);
        enter("old-host");
        writer.start();
        monitor.start();
        await maybeKill(e, "old-host");
        await sleep(stageMs);
    };
    /** The rest of pure-k8s: steady load, then the end of the load and the read-back of `e`'s writes. */
    const finishPureK8s = async (e: Ensemble) => {
        await maybeKill(e, "pure-k8s");
        await sleep(stageMs);
        await writer.stop();
        stageStarts.push({ stage: "end", at: Date.now() });
        await monitor.stop();
        await verify(e);
    };

    const run = async (): Promise<Omit<RehearsalReport, "stages" | "total">> => {
        if (strategy === "member-swap") {
            const { ensemble: main, client } = await startEnsemble("main", 2, "host", 1);
            await oldHostStage(main, client);

            enter("member-swap");
            const leader = await main.waitForQuorum(30_000);
            const order = [...ids.filter((id) => id !== leader), leader];
            for (const id of order) {
                log(`moving member ${id} from its host to a pod`);
                await main.stopMember(id);
                main.startMember(id, "pod", `${net}.3.${id}`);
                // Ready = serving inside the quorum, which a member reaches only after syncing with the leader.
                await main.waitForQuorum(90_000);
            }
            await maybeKill(main, "member-swap");

            enter("pure-k8s");
            await finishPureK8s(main);
            return { strategy, members: ids.length, zookeeperVersion: version, swapOrder: order, ...(chaos ? { chaos } : {}) };
        }

        const { ensemble: legacy, client: legacyClient } = await startEnsemble("legacy", 2, "host", 1);
        await oldHostStage(legacy, legacyClient);

        enter("dual-registry");
        const { ensemble: fresh, client: newClient } = await startEnsemble("new", 4, "pod", 3);
        const parity = await waitFor(
            "the new registry to hold every provider of the old one",
            async () => {
                const p = await checkParity({ oldConnect: legacy.connectString(), newConnect: fresh.connectString(), root: "/dubbo" });
                return p.missingInNew.length === 0 ? p : undefined;
            },
            { timeoutMs: 30_000, intervalMs: 500 },
        );
        await maybeKill(legacy, "dual-registry");
        await sleep(stageMs / 2);
        // Parity holds: consumers prefer the new registry; writes go there from now on.
        writer.setTarget(fresh.name, newClient);
        await sleep(stageMs / 2);

        enter("pure-k8s");
        providers.unregister(legacy.name);
        await verify(legacy);
        await legacy.stopAll();
        ensembles.splice(ensembles.indexOf(legacy), 1);
        await finishPureK8s(fresh);
        return {
            strategy,
            members: ids.length,
            zookeeperVersion: version,
            parity: { providers: parity.oldProviders.length, missingInNew: parity.missingInNew.length },
            ...(chaos ? { chaos } : {}),
        };
    };

    try {
        const head = await Promise.race([run(), aborted]);
        // Writes are named per ensemble (both ensembles number theirs from 0): key them by ensemble and path.
        const lostPaths = new Set(
            writer.acked.filter((w) => !verified.find((v) => v.ensemble === w.ensemble)?.present.has(w.path)).map((w) => `${w.ensemble}:${w.path}`),
        );
        const stages = stageStarts.slice(0, -1).map((s, i) => figuresOf(s.stage, s.at, stageStarts[i + 1].at, writer, monitor, lostPaths));
        return { ...head, stages, total: totalOf(stages, writer, stageStarts) };
    } finally {
        clearTimeout(timer);
        await writer.stop().catch(() => undefined);
        await monitor.stop().catch(() => undefined);
        providers.close();
        clients.forEach((c) => c.close());
        await Promise.allSettled(ensembles.map((e) => e.stopAll()));
        fs.rmSync(root, { recursive: true, force: true });
        removeRoot();
    }
}

function gaps(acks: AckedWrite[], from: number, to: number): number {
    const times = acks.map((a) => a.at).filter((t) => t >= from && t <= to).sort((a, b) => a - b);
    let longest = 0;
    let previous = from;
    for (const t of times) {
        longest = Math.max(longest, t - previous);
        previous = t;
    }
    return Math.max(longest, to - previous);
}

function figuresOf(stage: string, from: number, to: number, writer: Writer, monitor: ElectionMonitor, lost: Set<string>): StageReport {
    const acked = writer.acked.filter((w) => w.stage === stage);
    return {
        stage,
        durationMs: to - from,
        writesAttempted: writer.attempted.get(stage) ?? 0,
        writesAcknowledged: acked.length,
        writesLost: acked.filter((w) => lost.has(`${w.ensemble}:${w.path}`)).length,
        leaderElections: monitor.elections.get(stage) ?? 0,
        longestWriteGapMs: gaps(writer.acked, from, to),
    };
}

function totalOf(stages: StageReport[], writer: Writer, starts: { at: number }[]): Figures {
    const sum = (k: keyof Figures) => stages.reduce((acc, s) => acc + s[k], 0);
    return {
        durationMs: sum("durationMs"),
        writesAttempted: sum("writesAttempted"),
        writesAcknowledged: sum("writesAcknowledged"),
        writesLost: sum("writesLost"),
        leaderElections: sum("leaderElections"),
        longestWriteGapMs: starts.length > 1 ? gaps(writer.acked, starts[0].at, starts[starts.length - 1].at) : 0,
    };
}

/** A random 127.a.b network whose member addresses are free on every ZooKeeper port. */
async function freeNetwork(ids: number[]): Promise<string> {
    for (let attempt = 0; attempt < 10; attempt++) {
        const net = randomLoopbackNetwork().split(".").slice(0, 2).join(".");
        let busy = false;
        for (const sub of [1, 2, 3, 4]) {
            for (const id of ids) {
                if (await isListening(`${net}.${sub}.${id}`, PORTS.client, 200)) {
                    busy = true;
                }
            }
        }
        if (!busy) {
            return net;
        }
    }
    throw new Error("no free loopback network found for the rehearsal");
}

function pad(s: string | number, n: number): string {
    return String(s).padStart(n);
}

/** The report as a table. */
export function reportText(r: RehearsalReport): string {
    const lines = [
        `Rehearsal: ${r.strategy}, ${r.members} members, ZooKeeper ${r.zookeeperVersion} (real servers, emulated Services)`,
        ...(r.swapOrder ? [`Member swap order: ${r.swapOrder.join(", ")} (followers first, the leader last)`] : []),
        ...(r.parity ? [`Parity before retiring the old registry: ${r.parity.providers} providers, ${r.parity.missingInNew} missing in the new one`] : []),
        ...(r.chaos ? [`Chaos: ${r.chaos}`] : []),
        "",
        `${"stage".padEnd(14)} ${pad("seconds", 8)} ${pad("attempted", 10)} ${pad("acked", 7)} ${pad("lost", 5)} ${pad("elections", 10)} ${pad("longest gap ms", 15)}`,
    ];
    for (const s of [...r.stages, { stage: "total", ...r.total }]) {
        lines.push(
            `${s.stage.padEnd(14)} ${pad((s.durationMs / 1000).toFixed(1), 8)} ${pad(s.writesAttempted, 10)} ${pad(s.writesAcknowledged, 7)} ${pad(s.writesLost, 5)} ${pad(s.leaderElections, 10)} ${pad(s.longestWriteGapMs, 15)}`,
        );
    }
    return lines.join("\n") + "\n";
}
