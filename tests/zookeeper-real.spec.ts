/**
 * The renderers against real ZooKeeper servers: three members rendered by the
 * same functions the components use, on loopback addresses of this machine
 * (member N on 127.X.Y.N, X.Y random per run so concurrent runs do not collide).
 * Needs java and a ZooKeeper server (Debian package `zookeeper`, or a
 * distribution under ZOOKEEPER_HOME); skipped without them, except in CI.
 */
import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { renderLivenessScript, renderReadinessScript } from "../components/ensemble/scripts";
import { runHealthCommand } from "../tools/checks/cli";
import { checkHealth } from "../tools/checks/health";
import { EnsembleSettings, resolveEnsembleSettings } from "../components/ensemble/settings";
import { PORTS } from "../components/shared/zookeeper";
import {
    isListening,
    isRunning,
    logTail,
    loopbackAddress,
    MemberProcess,
    randomLoopbackNetwork,
    runBash,
    ScriptResult,
    srvr,
    SrvrReport,
    stopMember,
    waitFor,
    ZooKeeperInstall,
    fourLetterWord,
} from "../tools/zookeeper/process";
import { METRICS } from "../components/ensemble/monitoring";
import { CreateMode, ZkClient } from "../tools/zookeeper/client";
import { loopbackServers, startLocalMember } from "../tools/zookeeper/local";
import { requireZooKeeper } from "./support/zookeeper";

/** How long the members get to elect a leader after they are started. */
const QUORUM_TIMEOUT_MS = 60_000;

describe("rendered configs on real ZooKeeper servers", function () {
    let install: ZooKeeperInstall;
    let settings: EnsembleSettings;
    let root: string | undefined;
    /** Loopback /24 of this run's members; random, so that concurrent test runs on one machine do not collide on ports. */
    let network = "127.0.1";
    const members = new Map<number, MemberProcess>();
    const clients: ZkClient[] = [];

    const address = (id: number) => loopbackAddress(id, network);
    const ids = () => settings.memberIds;

    /** Every member's srvr answer, or undefined for a member that does not answer. */
    const srvrAll = () => Promise.all(ids().map((id) => srvr(address(id), PORTS.client, 2_000).catch(() => undefined)));

    const probe = (script: string, id: number): Promise<ScriptResult> => runBash(script, { ZK_PROBE_HOST: address(id), ZK_PROBE_PORT: String(PORTS.client) });

    const deadMember = (): string | undefined => {
        for (const [id, m] of members) {
            if (!isRunning(m)) {
                return `member ${id} (pid ${m.pid}) exited with ${m.child.exitCode ?? m.child.signalCode}; log:\n${logTail(m)}`;
            }
        }
        return undefined;
    };

    const logTails = () => [...members].map(([id, m]) => `--- member ${id} (${m.logFile}):\n${logTail(m, 15)}`).join("\n");

    async function connect(connectString: string): Promise<ZkClient> {
        const client = await ZkClient.connect(connectString, { connectTimeoutMs: 20_000, opTimeoutMs: 15_000 });
        clients.push(client);
        return client;
    }

    const closeClients = () => clients.splice(0).forEach((c) => c.close());

    before(function () {
        install = requireZooKeeper("the real-ZooKeeper suite");
    });

    before(async function () {
        this.timeout(QUORUM_TIMEOUT_MS + 30_000);
        settings = resolveEnsembleSettings({
            namespace: "rehearsal",
            metrics: "off",
            ...(install.version ? { zookeeperVersion: install.version } : {}),
        });
        const inUse = async (): Promise<string | undefined> => {
            for (const id of ids()) {
                for (const port of [PORTS.client, PORTS.quorum, PORTS.election]) {
                    if (await isListening(address(id), port, 500)) {
                        return `${address(id)}:${port}`;
                    }
                }
            }
            return undefined;
        };
        let busy: string | undefined = "";
        for (let attempt = 0; attempt < 5 && busy !== undefined; attempt++) {
            network = randomLoopbackNetwork();
            busy = await inUse();
        }
        if (busy !== undefined) {
            throw new Error(`${busy} is already in use, as were the ports on four other loopback networks (leftover ZooKeepers? see pgrep -af QuorumPeerMain)`);
        }

        root = fs.mkdtempSync(path.join(os.tmpdir(), "zk-real-"));
        const servers = loopbackServers(ids(), address);
        for (const id of ids()) {
            members.set(id, startLocalMember(install, settings, { id, dir: path.join(root, `m${id}`), servers }));
        }

        try {
            await waitFor(
                "every member to answer srvr with a mode",
                async () => {
                    const reports = await srvrAll();
                    return reports.every((r) => r?.mode !== undefined) ? reports : undefined;
                },
                { timeoutMs: QUORUM_TIMEOUT_MS, intervalMs: 500, abortIf: deadMember },
            );
        } catch (err) {
            throw new Error(`${(err as Error).message}\n${logTails()}`);
        }
    });

    after(async function () {
        this.timeout(60_000);
        closeClients();
        await Promise.allSettled([...members.values()].map((m) => stopMember(m)));
        members.clear();
        if (root !== undefined) {
            fs.rmSync(root, { recursive: true, force: true });
        }
    });

    it("three members rendered by the same renderer form a quorum with exactly one leader", async function () {
        const reports: Array<SrvrReport | undefined> = await srvrAll();
        const modes = reports.map((r) => r?.mode);
        expect(modes.filter((m) => m === "leader"), `modes: ${modes.join(", ")}`).to.have.length(1);
        expect(modes.filter((m) => m === "follower"), `modes: ${modes.join(", ")}`).to.have.length(2);
        expect(reports.every((r) => r?.serving), "every member serves").to.equal(true);
    });

    it("the rendered readiness and liveness probes pass on every member of a serving quorum", async function () {
        this.timeout(60_000);
        const readiness = renderReadinessScript(settings);
        const liveness = renderLivenessScript();
        for (const id of ids()) {
            const ready = await probe(readiness, id);
            expect(ready.code, `readiness of member ${id}: ${ready.stderr}`).to.equal(0);
            const live = await probe(liveness, id);
            expect(live.code, `liveness of member ${id}: ${live.stderr}`).to.equal(0);
        }
    });

    it("a znode written through member 1 is read through member 3", async function () {
        this.timeout(60_000);
        const first = ids()[0];
        const last = ids()[ids().length - 1];
        const writer = await connect(`${address(first)}:${PORTS.client}`);
        const reader = await connect(`${address(last)}:${PORTS.client}`);
        const znode = `/rehearsal-${process.pid}-${Date.now()}`;
        const payload = Buffer.from(`written through member ${first}`);

        await writer.create(znode, payload, CreateMode.PERSISTENT);
        // The write is committed by a quorum, which need not include member 3 yet: read until it has applied it.
        const read = await waitFor(`${znode} to be readable through member ${last}`, () => reader.data(znode), { timeoutMs: 15_000, intervalMs: 100 });
        expect(read.toString("utf8")).to.equal(payload.toString("utf8"));
        closeClients();
    });

    it("exports every ZooKeeper metric the alert rules and the dashboard read (mntr: the registry the Prometheus provider exports, with zk_)", async function () {
        this.timeout(60_000);
        // Writes and the election above have recorded every summary (fsynctime, updatelatency, election_time, ...).
        const writer = await connect(`${address(ids()[0])}:${PORTS.client}`);
        await writer.create(`/metrics-${process.pid}-${Date.now()}`, Buffer.from("x"), CreateMode.EPHEMERAL);
        await writer.exists("/");
        closeClients();
        const reports = await srvrAll();
        const keysOf = async (id: number) => new Set((await fourLetterWord(address(id), PORTS.client, "mntr")).split("\n").map((l) => l.split("\t")[0]).filter(Boolean));
        const leader = ids().find((_, i) => reports[i]?.mode === "leader")!;
        const leaderKeys = await keysOf(leader);
        const all = new Set([...leaderKeys, ...(await Promise.all(ids().map(keysOf))).flatMap((k) => [...k])]);
        const missing: string[] = [];
        for (const [name, source] of Object.entries(METRICS)) {
            const keys = source === "summary" ? [`zk_cnt_${name}`, `zk_sum_${name}`] : source === "gauge" || source === "counter" ? [`zk_${name}`] : source === "leaderGauge" ? [`zk_${name}`] : [];
            for (const key of keys) {
                if (!(source === "leaderGauge" ? leaderKeys : all).has(key)) {
                    missing.push(`${name} (${source}): ${key}`);
                }
            }
        }
        expect(missing, `mntr keys of the leader: ${[...leaderKeys].sort().join(" ")}`).to.deep.equal([]);
        // The rules and panels read nothing else of ZooKeeper's (monitoring.spec checks every query against METRICS).
        expect(Object.values(METRICS).filter((v) => v !== "jvm" && v !== "kubelet" && v !== "prometheus").length).to.be.greaterThan(15);
    });

    it("the leader left without followers stops being ready but stays live", async function () {
        this.timeout(90_000);
        closeClients();
        const reports = await srvrAll();
        const leader = ids().find((_, i) => reports[i]?.mode === "leader");
        expect(leader, `modes: ${reports.map((r) => r?.mode).join(", ")}`).to.not.equal(undefined);
        const followers = ids().filter((id) => id !== leader);
        await Promise.all(
            followers.map(async (id) => {
                await stopMember(members.get(id)!);
                members.delete(id);
            }),
        );

        const readiness = renderReadinessScript(settings);
        const notReady = await waitFor(
            `member ${leader}'s readiness to fail once its followers are gone`,
            async () => {
                const result = await probe(readiness, leader!);
                return result.code !== 0 ? result : undefined;
            },
            { timeoutMs: 30_000, intervalMs: 250, abortIf: deadMember },
        );
        expect(notReady.stderr).to.match(/not serving in a quorum/);
        const report = await srvr(address(leader!), PORTS.client);
        expect(report.serving, `srvr: ${JSON.stringify(report.fields)}`).to.equal(false);
        expect(report.mode).to.equal(undefined);

        const live = await probe(renderLivenessScript(), leader!);
        expect(live.code, `liveness of member ${leader}: ${live.stderr}`).to.equal(0);
        expect(isRunning(members.get(leader!)!)).to.equal(true);
    });
});

describe("a one-member ensemble (replicas: 1) on a real ZooKeeper server", function () {
    let install: ZooKeeperInstall;
    let settings: EnsembleSettings;
    let root: string | undefined;
    let member: MemberProcess | undefined;
    let address = "";

    before(async function () {
        this.timeout(QUORUM_TIMEOUT_MS + 30_000);
        install = requireZooKeeper("the real-ZooKeeper suite");
        settings = resolveEnsembleSettings({ namespace: "solo", metrics: "off", replicas: 1, ...(install.version ? { zookeeperVersion: install.version } : {}) });
        for (let attempt = 0; attempt < 5 && (address === "" || (await isListening(address, PORTS.client, 500))); attempt++) {
            address = loopbackAddress(1, randomLoopbackNetwork());
        }
        if (await isListening(address, PORTS.client, 500)) {
            throw new Error(`${address}:${PORTS.client} is already in use, as were four other loopback addresses (leftover ZooKeepers? see pgrep -af QuorumPeerMain)`);
        }
        root = fs.mkdtempSync(path.join(os.tmpdir(), "zk-solo-"));
        member = startLocalMember(install, settings, { id: 1, dir: path.join(root, "m1"), servers: loopbackServers([1], () => address) });
        await waitFor("the member to answer srvr with a mode", async () => (await srvr(address, PORTS.client, 1_000).catch(() => undefined))?.mode, {
            timeoutMs: QUORUM_TIMEOUT_MS,
            intervalMs: 300,
            abortIf: () => (member && !isRunning(member) ? `the member exited; log:\n${logTail(member)}` : undefined),
        });
    });

    after(async function () {
        this.timeout(30_000);
        if (member) {
            await stopMember(member, 5_000);
        }
        if (root !== undefined) {
            fs.rmSync(root, { recursive: true, force: true });
        }
    });

    it("runs standalone, and check health calls it healthy", async function () {
        const report = await checkHealth(`${address}:${PORTS.client}`);
        expect(report.members.map((m) => m.mode)).to.deep.equal(["standalone"]);
        expect(report.problems).to.deep.equal([]);
        expect(report.healthy).to.equal(true);
        expect(report.quorum).to.deep.equal({ size: 1, basis: "standalone", voters: 1, needed: 1, formed: true });

        let out = "";
        let err = "";
        const code = await runHealthCommand({ connect: `${address}:${PORTS.client}` }, { out: (s) => (out += s), err: (s) => (err += s) });
        expect(code, err).to.equal(0);
        expect(out).to.contain("ZooKeeper health of 1 member: HEALTHY");
        expect(out).to.contain("quorum: standalone (a one-member ensemble needs no quorum): serving");
    });

    it("the rendered readiness probe passes on it", async function () {
        const result = await runBash(renderReadinessScript(settings), { ZK_PROBE_HOST: address, ZK_PROBE_PORT: String(PORTS.client) });
        expect(result.code, result.stderr).to.equal(0);
    });
});
