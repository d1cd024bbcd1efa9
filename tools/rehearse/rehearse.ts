/**
 * A cutover rehearsal on this machine, as the runbook runs it: real ZooKeeper
 * servers as "hosts" and "pods" in their own network namespaces, member and
 * bridge Services as DNS names whose answers change when a member moves, the
 * user's own stage config rendered by the components (hostZooCfg and the host
 * JVM flags for the embrace, the ConfigMap's start.sh and ready.sh for pods),
 * each step gated as the runbook gates it, under client load shaped like the
 * users' clients. The report counts lost writes, elections, expired sessions,
 * registry shortfalls and write gaps per stage, and how long each gate waited.
 */
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { memberPeerAddress, PORTS } from "../../components/shared/zookeeper";
import { renderJaasConfig, usesSasl } from "../../components/ensemble/security";
import { certificateDnsNames } from "../../components/ensemble/objects";
import { EnsembleSettings } from "../../components/ensemble/settings";
import { featuresOf, LOST_COMMIT_WAKEUP_TEXT, parseZooKeeperVersion, VersionFeatures } from "../../components/ensemble/version";
import { copyTree } from "../checks/copy";
import { checkParity, ParityReport } from "../checks/parity";
import { swapPlanFrom } from "../checks/gate";
import { Endpoint, HealthReport, waitForHealth } from "../checks/health";
import { ClientTls } from "../zookeeper/tls";
import { ConnectOptions, SaslCredentials, ZkClient } from "../zookeeper/client";
import { delay as sleep, findZooKeeperInstall, isRunning, logTail, MemberProcess, memberModes, onShutdown, waitFor, waitForQuorum, ZooKeeperInstall } from "../zookeeper/process";
import { ClusterDns } from "./dns";
import { resolveRehearsalInput, RehearsalInput, RehearsalInputError, RehearsalOptions } from "./input";
import { DUBBO_ROOT, LoadCounters, ProviderApp, Registries, Registry, RegistryWatch, Writer, WRITES_PATH } from "./load";
import { HostMember, MemberContext, PodMember, podTemplate, PodTemplate, RehearsalMember } from "./members";
import { changeGovernance, seedGovernance } from "./governance";
import { ElectionMonitor, LiveMember } from "./monitor";
import { LocalNetwork, networkUnavailableReason } from "./network";
import { clientTlsOf, makeEnsembleCertificate } from "./pki";
import { Figures, GapReport, gapsOf, GateWait, installedStall, longestGapOf, RehearsalReport, StageReport, StepReport, SwapPlanReport, timelineOf, totalOf } from "./report";

export { STRATEGIES, RehearsalInputError } from "./input";
export type { RehearsalOptions, Strategy } from "./input";
export { reportText } from "./report";
export type { RehearsalReport } from "./report";

/** Between the StatefulSet getting a new pod and its container starting (scheduling, sandbox, an image already on the node). */
const POD_START_DELAY_MS = 1_000;
/** How long one gate may wait before the rehearsal gives up. */
const GATE_TIMEOUT_MS = 180_000;

/** What the rehearsal always leaves out, whatever the config. */
function alwaysNotEmulated(s: EnsembleSettings): string[] {
    return [
        `cluster DNS: one hosts file that every JVM (jdk.net.hosts.file) and script (/etc/hosts in its namespace) reads; a changed answer reaches it ${s.clusterDnsTtlSeconds} s (clusterDnsTtlSeconds) after the EndpointSlice changes, the worst case of cached answers; new names resolve at once`,
        "pulumi up and the kubelet: a move empties the host's EndpointSlice and starts the pod's container 1 s later; only the readiness probe runs (on its rendered schedule), liveness and startup probes do not, and a member that exits fails the rehearsal",
        "the container image: its zkServer.sh start-foreground is a stand-in with the same command line; the ConfigMap's files, the pod's environment and JVM flags are the rendered ones, with /conf, /data, ... under the pod's directory",
        "JVMs run with C1 only, the serial collector and IPv4 only (-Djava.net.preferIPv4Stack=true), so that many members fit on this machine's cores",
        "clients resolve member names on every connection attempt, without a cache; a Java client keeps answers 30 s unless its JVM gets the same java.security override, so after a move it may try the member's old address once before the next member",
        "the legacy hosts' own configs are unknown here: they start from the rendered settings with every peer by host address",
    ];
}

/** How the installed ZooKeeper that ran the rehearsal differs from the version the configs are rendered for, where it matters here. */
function versionNotes(installed: string | undefined, s: EnsembleSettings): string[] {
    if (!installed || installed === s.version.text) {
        return [];
    }
    const notes = [`ZooKeeper ${s.version.text}: the configs are rendered for it, but ZooKeeper ${installed} ran them (the one installed here)`];
    const ran = parseZooKeeperVersion(installed);
    if (!("error" in ran)) {
        const theirs = s.features.electionAnnouncement;
        const ours = featuresOf(ran).electionAnnouncement;
        if (theirs !== ours) {
            notes.push(
                `election connections: ZooKeeper ${installed} announces a member's ${ours === "address" ? "resolved address" : ours === "hostname" ? "host name" : "nothing"}, ${s.version.text} its ${theirs === "address" ? "resolved address" : theirs === "hostname" ? "host name, which the peer resolves through its own DNS cache" : "nothing (the peer dials the address in its own config)"}`,
            );
        }
        if (featuresOf(ran).lostCommitWakeup && !s.features.lostCommitWakeup) {
            notes.push(`the installed ZooKeeper ${installed} has ${LOST_COMMIT_WAKEUP_TEXT}; the rendered ${s.version.text} is not affected: a write gap whose write was answered with the writer's next ping is that defect's, and the report gives the longest gap apart from it`);
        }
        if (installed === "3.8.0") {
            notes.push("ZooKeeper 3.8.0 lacks later fixes that show here: a follower's sync thread dies when its leader stops (ZOOKEEPER-4541), and the follower rejoins by itself");
        }
    }
    return notes;
}

/** Persistent nodes of the old registry the new one lacks, holds otherwise, or holds though the old one deleted them. */
function persistentOutOfStep(r: ParityReport): number {
    return r.data.missingInNew.length + r.data.different.length + r.data.stale.length;
}

/** A step of the runbook as it ran: each gate's wait and the warnings it ended with. */
class StepRecorder {
    readonly waits: GateWait[] = [];
    warnings: string[] = [];

    wait(gate: string, ms: number, why: string[] = []): void {
        this.waits.push({ gate, ms, why });
    }
}

/** Each distinct item with how often it occurs. */
function tally(items: string[]): { problem: string; times: number }[] {
    const counts = new Map<string, number>();
    items.forEach((item) => counts.set(item, (counts.get(item) ?? 0) + 1));
    return [...counts].map(([problem, times]) => ({ problem, times }));
}

/** The distinct reasons a gate kept waiting, most frequent first, as "reason (N checks)". */
function topReasons(seen: { problem: string; times: number }[], limit = 3): string[] {
    return [...seen]
        .sort((a, b) => b.times - a.times)
        .slice(0, limit)
        .map((r) => `${r.problem} (${r.times} check${r.times === 1 ? "" : "s"})`);
}

/** Runs the rehearsal; every process it started is stopped, its network and directories removed, on every exit path. */
export async function rehearse(options: RehearsalOptions & { install?: ZooKeeperInstall }): Promise<RehearsalReport> {
    const input = resolveRehearsalInput(options);
    const install = options.install ?? findZooKeeperInstall();
    if (!install) {
        throw new RehearsalInputError("ZooKeeper or Java is not installed here; install them with: apt-get install -y zookeeper");
    }
    const unavailable = networkUnavailableReason();
    if (unavailable) {
        throw new RehearsalInputError(unavailable);
    }
    // Debian's package lacks the Prometheus metrics provider: its members would refuse the metrics lines.
    if (input.settings.metricsEnabled && !install.classpath.some((jar) => /prometheus/i.test(path.basename(jar)))) {
        input.settings = { ...input.settings, metricsEnabled: false };
        input.gaps.push("metrics: rehearsed off, the ZooKeeper installed here has no Prometheus metrics provider (its package leaves the jar out)");
    }
    const run = new Rehearsal(input, install, options);
    return run.run();
}

class Rehearsal {
    private readonly s: EnsembleSettings;
    private readonly log: (line: string) => void;
    private readonly stageMs: number;
    private readonly root: string;
    private readonly dns: ClusterDns;
    private network: LocalNetwork | undefined;
    private readonly hosts = new Map<number, HostMember>();
    /** Pods by id (the swapped ensemble's, or the new ensemble's). */
    private readonly pods = new Map<number, PodMember>();
    /** What every pod starts from, rendered once. */
    private readonly template: PodTemplate;
    /** Processes stopped on purpose (any other exit is a failure). */
    private readonly stopping = new Set<MemberProcess>();
    /** The ensembles being served, by name: their members as they are now. */
    private readonly ensembles = new Map<string, () => RehearsalMember[]>();
    private stage = "setup";
    private readonly stageStarts: { stage: string; at: number }[] = [];
    private readonly steps: StepReport[] = [];
    private readonly counters: LoadCounters;
    private readonly writer: Writer;
    private readonly app: ProviderApp;
    private readonly watch: RegistryWatch;
    private readonly monitor: ElectionMonitor;
    private readonly verified: { ensemble: string; present: Set<string> }[] = [];
    private readonly clients: ZkClient[] = [];
    private readonly startedAt = Date.now();
    private aborted = false;
    private chaos: string | undefined;
    /** How clients speak TLS to the pods of a TLS-only ensemble: the rehearsal's CA and certificate (set once they are made). */
    private podTls: ClientTls | undefined;
    /** How clients authenticate to the pods of an ensemble that requires SASL: a client user of its JAAS file (set once it is made). */
    private podSasl: SaslCredentials | undefined;

    constructor(
        private readonly input: RehearsalInput,
        private readonly install: ZooKeeperInstall,
        private readonly options: RehearsalOptions,
    ) {
        this.s = input.settings;
        this.template = podTemplate(this.s);
        this.log = options.log ?? (() => undefined);
        this.stageMs = (options.stageSeconds ?? 3) * 1000;
        this.root = fs.mkdtempSync(path.join(os.tmpdir(), "zk-rehearsal-"));
        this.dns = new ClusterDns(path.join(this.root, "hosts"), `.svc.${this.s.clusterDomain}`);
        this.counters = new LoadCounters(() => this.stage);
        this.writer = new Writer(this.counters);
        this.app = new ProviderApp(this.counters);
        this.watch = new RegistryWatch(this.app, this.counters);
        this.monitor = new ElectionMonitor(() => this.liveByEnsemble(), () => this.stage);
    }

    private get ctx(): MemberContext {
        return { install: this.install, network: this.network!, dns: this.dns };
    }

    private memberName(id: number): string {
        return memberPeerAddress(this.s, id);
    }

    private legacyName(id: number): string {
        return memberPeerAddress({ ...this.s, ensembleName: this.input.legacyBridgeName }, id);
    }

    /** Where clients reach members by `names`: the pods of a TLS-only ensemble at the TLS client port, everything else at 2181. */
    private clientPort(pods: boolean): number {
        return pods && this.s.tls === "require" ? PORTS.secureClient : PORTS.client;
    }

    private connectOf(names: string[], pods = false): string {
        return names.map((n) => `${n}:${this.clientPort(pods)}`).join(",");
    }

    private endpoints(names: string[], pods = false): Endpoint[] {
        return names.map((host) => ({ host, port: this.clientPort(pods) }));
    }

    /**
     * How a client reaches the members' Services, as the runbook's commands and the applications do: over TLS when
     * the ensemble is TLS only, with SASL when it requires it (the credentials exist once the pods' Secrets do).
     */
    private podAccess(): Pick<ConnectOptions, "tls" | "sasl"> {
        return { ...(this.podTls ? { tls: this.podTls } : {}), ...(this.podSasl ? { sasl: this.podSasl } : {}) };
    }

    /** The members' Services as clients reach them (`podAccess`, read at each new session). */
    private memberRegistry(connect: string): Registry {
        return { connect, access: () => this.podAccess() };
    }

    /** The legacy hosts behind the bridge's Services: plaintext. */
    private static legacyRegistry(connect: string): Registry {
        return { connect, access: () => ({}) };
    }

    /** How the rehearsal reaches a member by its address: a pod of a TLS-only ensemble over TLS, checked against its Service name. */
    private accessOf(m: RehearsalMember): LiveMember {
        const { id, address } = m;
        return m instanceof PodMember && this.podTls ? { id, address, port: PORTS.secureClient, tls: { ...this.podTls, servername: this.memberName(id) } } : { id, address };
    }

    private liveByEnsemble(): Map<string, LiveMember[]> {
        return new Map([...this.ensembles].map(([name, members]) => [name, members().filter((m) => m.process && isRunning(m.process)).map((m) => this.accessOf(m))]));
    }

    /** Why the rehearsal cannot go on: it was stopped, a client failed, or a member exited without being stopped. */
    private dead(): string | undefined {
        if (this.aborted) {
            return "the rehearsal was stopped";
        }
        if (this.counters.failure) {
            return this.counters.failure;
        }
        for (const m of [...this.hosts.values(), ...this.pods.values()]) {
            if (m.process && !isRunning(m.process) && !this.stopping.has(m.process)) {
                return `${m instanceof PodMember ? "pod" : "host"} ${m.id} exited (${m.process.child.exitCode ?? m.process.child.signalCode}); its log ends:\n${logTail(m.process, 25)}`;
            }
        }
        return undefined;
    }

    private enter(stage: string): void {
        this.stage = stage;
        this.stageStarts.push({ stage, at: Date.now() });
        this.log(`stage ${stage}`);
    }

    private async step<T>(name: string, body: (rec: StepRecorder) => Promise<T>): Promise<T> {
        if (this.aborted) {
            throw new Error("the rehearsal was stopped");
        }
        const at = Date.now();
        this.log(`  ${name}`);
        const rec = new StepRecorder();
        try {
            return await body(rec);
        } finally {
            this.steps.push({ stage: this.stage, step: name, atMs: at - this.startedAt, durationMs: Date.now() - at, waits: rec.waits, warnings: rec.warnings });
        }
    }

    /** The runbook's gate: check health by the members' Service names until it passes (with the settle time after a move). */
    private async healthGate(rec: StepRecorder, gate: string, names: string[], settleSeconds?: number, pods = false): Promise<HealthReport> {
        const t = Date.now();
        // The installed release's defects are reported once, with what the run did not emulate, not at every step.
        const waited = await waitForHealth(this.endpoints(names, pods), {
            timeoutMs: 2_000,
            settleSeconds,
            waitMs: GATE_TIMEOUT_MS,
            intervalMs: 500,
            abortIf: () => this.dead(),
            releaseDefects: false,
            tls: pods ? this.podTls : undefined,
        });
        rec.wait(gate, Date.now() - t, topReasons(waited.seen));
        rec.warnings = waited.report.warnings;
        if (!waited.report.healthy) {
            throw new Error(`${gate} did not pass within ${GATE_TIMEOUT_MS / 1000} s: ${waited.report.problems.join("; ")}`);
        }
        return waited.report;
    }

    /** The kubelet's readiness of new pods, after start.sh's own wait for the member's Service name to lead to its pod. */
    private async readinessGate(rec: StepRecorder, pods: PodMember[]): Promise<void> {
        const t = Date.now();
        await Promise.all(pods.map((p) => p.waitReady(GATE_TIMEOUT_MS, () => this.dead())));
        for (const p of pods) {
            const said = p.startScriptSaid();
            const dnsWait = said.map((l) => /resolves to this pod \(.*\) after (\d+) s/.exec(l)).find((m) => m);
            if (dnsWait) {
                rec.wait(`start.sh of pod ${p.id}: its Service name leads to the pod`, Number(dnsWait[1]) * 1000, said);
            }
        }
        const failed = pods.flatMap((p) => p.probes.filter((r) => !r.ok).map((r) => `pod ${p.id}: ${r.output || "no output"}`));
        rec.wait("readiness (ready.sh on the probe's schedule)", Date.now() - t, topReasons(tally(failed)));
    }

    private async stopProcess(m: RehearsalMember): Promise<void> {
        if (m.process) {
            this.stopping.add(m.process);
        }
        await m.stop();
    }

    /** Starts the legacy hosts from host-address configs and waits for their quorum (the chosen leader's group first, when asked). */
    private async startLegacy(ensemble: string): Promise<void> {
        const ids = this.input.legacyIds;
        const legacySettings: EnsembleSettings = { ...this.s, memberIds: ids, podIds: ids };
        const servers = ids.map((id) => ({ id, address: this.network!.address("host", id) }));
        for (const id of ids) {
            const node = this.network!.addNode(`host-${id}`, this.network!.address("host", id));
            this.hosts.set(id, new HostMember(this.ctx, legacySettings, id, node, path.join(this.root, `host-${id}`)));
        }
        this.ensembles.set(ensemble, () => ids.map((id) => this.hosts.get(id)!));
        const quorum = Math.floor(ids.length / 2) + 1;
        const leader = this.input.legacyLeader;
        const first = leader === undefined ? ids : [...ids.filter((id) => id < leader).slice(0, quorum - 1), leader];
        const at = (group: number[]) => group.map((id) => ({ id, address: this.hosts.get(id)!.address }));
        first.forEach((id) => this.hosts.get(id)!.startLegacy(servers));
        await waitForQuorum("the legacy hosts to form a quorum", at(first), PORTS.client, { timeoutMs: 90_000, intervalMs: 200, abortIf: () => this.dead() });
        const rest = ids.filter((id) => !first.includes(id));
        rest.forEach((id) => this.hosts.get(id)!.startLegacy(servers));
        await waitForQuorum("every legacy host to serve", at(ids), PORTS.client, { timeoutMs: 90_000, intervalMs: 200, abortIf: () => this.dead() });
    }

    /** Stage old-host: the legacy hosts behind the bridge's Services, and the load starts on them. */
    private async oldHost(ensemble: string): Promise<void> {
        const ids = this.input.legacyIds;
        await this.startLegacy(ensemble);
        ids.forEach((id) => this.dns.set(this.legacyName(id), [this.network!.address("host", id)]));
        const legacy = Rehearsal.legacyRegistry(this.connectOf(ids.map((id) => this.legacyName(id))));
        await this.rollClients({ ensemble, registry: legacy }, { [ensemble]: legacy });
        this.enter("old-host");
        this.writer.start();
        this.monitor.start();
        await this.maybeKill(ensemble);
        await sleep(this.stageMs);
    }

    /** Clients roll onto a stage's registry config: the writer's target, the provider app, the consumer. */
    private async rollClients(writeTo: { ensemble: string; registry: Registry } | undefined, registries: Registries): Promise<void> {
        if (writeTo) {
            await this.writer.setTarget(writeTo.ensemble, writeTo.registry);
        }
        await this.app.roll(registries);
        await this.watch.watch(registries);
    }

    /** Reads every write back through the ensemble's leader, which holds every committed write. */
    private async verify(ensemble: string): Promise<void> {
        const live = this.liveByEnsemble().get(ensemble) ?? [];
        const leaderId = await waitForQuorum(`${ensemble} to have a leader for the read-back`, live, PORTS.client, { timeoutMs: 30_000, intervalMs: 200 });
        const leader = live.find((m) => m.id === leaderId)!;
        // The leader is reached as what it is, like its TLS (accessOf): a pod with the pods' SASL login.
        const sasl = this.ensembles.get(ensemble)?.().find((m) => m.id === leaderId) instanceof PodMember ? this.podSasl : undefined;
        const c = await ZkClient.connect(`${leader.address}:${leader.port ?? PORTS.client}`, { connectTimeoutMs: 20_000, opTimeoutMs: 20_000, ...(leader.tls ? { tls: leader.tls } : {}), ...(sasl ? { sasl } : {}) });
        this.clients.push(c);
        this.verified.push({ ensemble, present: new Set((await c.children(WRITES_PATH)).map((n) => `${WRITES_PATH}/${n}`)) });
    }

    private async maybeKill(ensemble: string): Promise<void> {
        const kill = this.options.kill;
        if (!kill || kill.stage !== this.stage) {
            return;
        }
        await sleep(this.stageMs / 2);
        const live = (this.ensembles.get(ensemble)?.() ?? []).filter((m) => m.process && isRunning(m.process));
        const modes = await memberModes(live.map((m) => this.accessOf(m)), PORTS.client);
        const victim = live.find((m) => modes.get(m.id) === kill.role);
        if (!victim) {
            return;
        }
        this.log(`  killing member ${victim.id} (${kill.role})`);
        this.stopping.add(victim.process!);
        victim.process!.child.kill("SIGKILL");
        await victim.process!.exited;
        await sleep(1_000);
        if (victim instanceof PodMember) {
            victim.start();
        } else if (victim instanceof HostMember) {
            victim.restart();
        }
        await waitForQuorum(`${ensemble} to serve again after the crash`, this.liveByEnsemble().get(ensemble)!, PORTS.client, { timeoutMs: 90_000, intervalMs: 200, abortIf: () => this.dead() });
        this.chaos = `killed member ${victim.id} (the ${kill.role}) with SIGKILL during ${this.stage}, started it again 1 s later with its data`;
    }

    /** A pod of member `id` in its own namespace (its container not started yet). */
    private addPod(id: number, bootstrap: boolean, secrets: { tlsDir?: string; jaas?: string } = {}): PodMember {
        const node = this.network!.addNode(`pod-${id}`, this.network!.address("pod", id));
        const pod = new PodMember(this.ctx, this.template, id, node, path.join(this.root, `pod-${id}`), bootstrap, secrets);
        this.pods.set(id, pod);
        return pod;
    }

    /** old-host, then the embrace and one move per step from the live leader, then pure-k8s. */
    private async memberSwap(): Promise<Pick<RehearsalReport, "swap">> {
        const s = this.s;
        const ids = s.memberIds;
        const names = ids.map((id) => this.memberName(id));
        const members = this.memberRegistry(this.connectOf(names));

        await this.oldHost("main");
        // One ensemble: each member is its pod once it moved, its host before.
        this.ensembles.set("main", () => ids.map((id) => this.pods.get(id) ?? this.hosts.get(id)!));

        this.enter("member-swap");
        // The runbook's gate with a member-swap stage config applies moveSettleSeconds at every step.
        const settle = s.moveSettleSeconds;
        let report = await this.step("pulumi up (podMembers []): each member's Service points at its host", async (rec) => {
            ids.forEach((id) => this.dns.set(this.memberName(id), [this.network!.address("host", id)]));
            return this.healthGate(rec, "health, settled (moveSettleSeconds)", names, settle);
        });
        // The order the runbook's gate prints, from the same health report.
        const first = swapPlanFrom(s, [], report);
        const swap: SwapPlanReport = {
            leaderAtStart: report.leaderId!,
            embrace: first.embrace,
            leaderKeptHostConfig: first.leaderKeepsHostConfig,
            order: [],
            plannedElections: first.elections,
            reason: first.reason,
        };
        for (const id of first.embrace) {
            report = await this.step(`embrace member ${id}: hostZooCfg, hostJavaSecurity and hostJvmFlags on its host`, async (rec) => {
                const t = Date.now();
                const host = this.hosts.get(id)!;
                await this.stopProcess(host);
                host.embrace();
                rec.wait("restart", Date.now() - t);
                return this.healthGate(rec, "health, settled (moveSettleSeconds)", names, settle);
            });
        }
        await this.step("roll the clients onto the member Services (stage member-swap's registry config)", async () => {
            await this.rollClients({ ensemble: "main", registry: members }, { main: members });
        });

        const podIds: number[] = [];
        while (podIds.length < ids.length) {
            const plan = swapPlanFrom(s, podIds, report);
            const m = plan.moves[0];
            const next = [...podIds, m].sort((a, b) => a - b);
            report = await this.step(`move member ${m} (podMembers [${next.join(", ")}])`, async (rec) => {
                const t = Date.now();
                await this.stopProcess(this.hosts.get(m)!);
                rec.wait("host stop", Date.now() - t);
                // pulumi up: the host's slice empties and the StatefulSet gets the pod; resolvers see it a TTL later.
                const pod = this.addPod(m, false);
                void this.dns.setAfter(s.clusterDnsTtlSeconds * 1000, this.memberName(m), [pod.address]);
                await sleep(POD_START_DELAY_MS);
                pod.start();
                await this.readinessGate(rec, [pod]);
                return this.healthGate(rec, "health, settled (moveSettleSeconds)", names, settle);
            });
            podIds.push(m);
            swap.order.push(m);
        }
        await this.maybeKill("main");

        this.enter("pure-k8s");
        await this.step("pulumi up (stage pure-k8s): the bridge and the hosts' slices go", async (rec) => {
            ids.forEach((id) => this.dns.set(this.legacyName(id), []));
            await this.healthGate(rec, "health", names);
        });
        await this.maybeKill("main");
        await sleep(this.stageMs);
        await this.finishLoad();
        await this.verify("main");
        return { swap };
    }

    /** Persistent nodes of the legacy registry the new one lacks or holds otherwise, per stage: the last count and the most. */
    private readonly governanceByStage = new Map<string, { last: number; most: number }>();

    /** Counts persistent nodes missing in, different in or stale in the new registry now, for the current stage. */
    private async measureGovernance(legacyConnect: string, newConnect: string): Promise<void> {
        const r = await checkParity({ oldConnect: legacyConnect, newConnect, root: DUBBO_ROOT, newTls: this.podTls, newSasl: this.podSasl });
        const n = persistentOutOfStep(r);
        const seen = this.governanceByStage.get(this.stage);
        this.governanceByStage.set(this.stage, { last: n, most: Math.max(n, seen?.most ?? 0) });
    }

    /** `zk-cutover copy --prune --overwrite` from the legacy registry to the new one (the legacy one is the truth until the switch). */
    private async copyGovernance(legacyConnect: string, newConnect: string): Promise<string> {
        const c = await copyTree({ fromConnect: legacyConnect, toConnect: newConnect, root: DUBBO_ROOT, prune: true, overwrite: true, timeoutMs: 60_000, toTls: this.podTls, toSasl: this.podSasl });
        if (!c.ok) {
            throw new Error(`the copy of ${DUBBO_ROOT} did not finish: ${[...c.failed.map((f) => `${f.path}: ${f.reason}`), ...c.conflicts.map((x) => `${x.path}: ${x.differs.join(", ")}`), c.interrupted ?? ""].filter((x) => x).join("; ")}`);
        }
        const k = c.counts;
        return `created ${k.created}, updated ${k.updated}, deleted ${k.deleted}, unchanged ${k.unchanged}, skipped ephemeral ${k.skippedEphemeral}`;
    }

    /** old-host, then the new ensemble beside the old one with clients in both, parity, the flip, and the old one retired. */
    private async dualRegistry(): Promise<Pick<RehearsalReport, "parity" | "governance">> {
        const s = this.s;
        const legacyIds = this.input.legacyIds;
        const legacyConnect = this.connectOf(legacyIds.map((id) => this.legacyName(id)));
        const names = s.memberIds.map((id) => this.memberName(id));
        const newConnect = this.connectOf(names, true);

        await this.oldHost("legacy");
        const seeded = await this.step("an operator's governance data in the legacy registry (routes, overrides, config-center keys, metadata, a dynamic=false provider)", async () => {
            const c = await ZkClient.connect(legacyConnect, { connectTimeoutMs: 20_000, opTimeoutMs: 10_000 });
            try {
                return await seedGovernance(c);
            } finally {
                c.close();
            }
        });

        this.enter("dual-registry");
        await this.step("pulumi up (stage dual-registry): the new ensemble's pods start together", async (rec) => {
            const secrets = this.secrets();
            const pods = s.memberIds.map((id) => {
                const pod = this.addPod(id, true, secrets);
                this.dns.set(this.memberName(id), [pod.address]);
                return pod;
            });
            this.ensembles.set("new", () => pods);
            await sleep(POD_START_DELAY_MS);
            pods.forEach((p) => p.start());
            await this.readinessGate(rec, pods);
            await this.healthGate(rec, "health", names, undefined, true);
        });
        const copies: string[] = [];
        await this.step("zk-cutover copy: the persistent data into the new registry", async () => {
            copies.push(await this.copyGovernance(legacyConnect, newConnect));
            await this.measureGovernance(legacyConnect, newConnect);
        });
        await this.step("roll the clients onto both registries (consumers prefer legacy)", async () => {
            await this.rollClients(undefined, { legacy: Rehearsal.legacyRegistry(legacyConnect), new: this.memberRegistry(newConnect) });
        });
        const changed = await this.step("an operator changes governance in the legacy registry mid-stage", async () => {
            const c = await ZkClient.connect(legacyConnect, { connectTimeoutMs: 20_000, opTimeoutMs: 10_000 });
            try {
                const lines = await changeGovernance(c);
                await this.measureGovernance(legacyConnect, newConnect);
                return lines;
            } finally {
                c.close();
            }
        });
        const parity = await this.step("zk-cutover copy --prune --overwrite, then check parity until the new registry holds every provider and persistent node of the old one", async (rec) => {
            const t = Date.now();
            let attempts = 0;
            copies.push(await this.copyGovernance(legacyConnect, newConnect));
            const p = await waitFor(
                "the new registry to hold every provider and persistent node of the old one",
                async () => {
                    attempts++;
                    const r = await checkParity({ oldConnect: legacyConnect, newConnect, root: DUBBO_ROOT, newTls: this.podTls, newSasl: this.podSasl });
                    return r.inParity ? r : undefined;
                },
                { timeoutMs: 60_000, intervalMs: 500 },
            );
            await this.measureGovernance(legacyConnect, newConnect);
            rec.wait("parity", Date.now() - t, attempts > 1 ? [`providers or persistent nodes missing in the new registry (${attempts - 1} checks)`] : []);
            return p;
        });
        await this.maybeKill("legacy");
        await this.step("preferredRegistry k8s: consumers, and the writes, move to the new registry", async () => {
            await this.writer.setTarget("new", this.memberRegistry(newConnect));
        });
        await sleep(this.stageMs / 2);

        this.enter("pure-k8s");
        await this.step("roll the clients onto the new registry alone (stage pure-k8s)", async () => {
            await this.rollClients(undefined, { new: this.memberRegistry(newConnect) });
        });
        await this.step("retire the legacy ensemble: read its writes back, compare its persistent data, stop its hosts, remove the bridge", async () => {
            await this.verify("legacy");
            await this.measureGovernance(legacyConnect, newConnect);
            await Promise.all([...this.hosts.values()].map((h) => this.stopProcess(h)));
            this.ensembles.delete("legacy");
            legacyIds.forEach((id) => this.dns.set(this.legacyName(id), []));
        });
        await this.maybeKill("new");
        await sleep(this.stageMs);
        await this.finishLoad();
        await this.verify("new");
        return {
            parity: { providers: parity.oldProviders.length, missingInNew: parity.missingInNew.length, persistentNodes: parity.old.persistentNodes, persistentMissingInNew: persistentOutOfStep(parity) },
            governance: { seeded, changed, copies, byStage: Object.fromEntries(this.governanceByStage) },
        };
    }

    /** The Secrets the pods mount when TLS or SASL is on: the rehearsal's own certificate and random passwords. */
    private secrets(): { tlsDir?: string; jaas?: string } {
        const s = this.s;
        const random = () => randomBytes(18).toString("base64url");
        const tlsDir = s.tls !== "off" ? makeEnsembleCertificate(path.join(this.root, "pki"), certificateDnsNames(s)) : undefined;
        if (tlsDir && s.tls === "require") {
            // The rehearsal's clients present the ensemble's certificate, as an application would its own.
            this.podTls = clientTlsOf(tlsDir);
        }
        const clientPasswords = s.saslClientUsers.map(random);
        if (s.saslClient === "require" && s.saslClientUsers.length > 0) {
            // The rehearsal's clients log in as the first client user, as an application would with its own.
            this.podSasl = { username: s.saslClientUsers[0], password: clientPasswords[0] };
        }
        return {
            ...(tlsDir ? { tlsDir } : {}),
            ...(usesSasl(s) ? { jaas: renderJaasConfig(s, { quorumPassword: random(), clientPasswords }) } : {}),
        };
    }

    private async finishLoad(): Promise<void> {
        await this.writer.stop();
        await this.watch.stop();
        this.stageStarts.push({ stage: "end", at: Date.now() });
        await this.monitor.stop();
    }

    private figures(stage: string, from: number, to: number, lost: Set<string>): StageReport {
        const acked = this.writer.acked.filter((w) => w.stage === stage);
        const f: Figures = {
            durationMs: to - from,
            writesAttempted: this.writer.attempted.get(stage) ?? 0,
            writesAcknowledged: acked.length,
            writesLost: acked.filter((w) => lost.has(`${w.ensemble}:${w.path}`)).length,
            leaderElections: this.monitor.elections.get(stage) ?? 0,
            longestWriteGapMs: longestGapOf(this.writer.acked, from, to).ms,
            expiredSessions: this.counters.expiredSessions.get(stage) ?? 0,
            longestProviderShortfallMs: this.counters.longestShortfallMs.get(stage) ?? 0,
        };
        return { stage, ...f };
    }

    /**
     * The run's longest write gap; and when a defect of the installed
     * ZooKeeper made it (one the rendered release does not have), the longest
     * gap it did not make.
     */
    private gapReports(from: number, to: number): Pick<RehearsalReport, "longestWriteGap" | "longestWriteGapOtherwise"> {
        const parsed = parseZooKeeperVersion(this.install.version ?? "");
        const installed = "error" in parsed ? undefined : featuresOf(parsed);
        const gaps = gapsOf(this.writer.acked, from, to);
        const longest = this.describeGap(gaps[0] ?? { ms: 0, at: from }, installed);
        if (longest.installedDefect === undefined) {
            return { longestWriteGap: longest };
        }
        for (const gap of gaps.slice(1)) {
            const described = this.describeGap(gap, installed);
            if (described.installedDefect === undefined) {
                return { longestWriteGap: longest, longestWriteGapOtherwise: described };
            }
        }
        return { longestWriteGap: longest, longestWriteGapOtherwise: this.describeGap({ ms: 0, at: from }, installed) };
    }

    /** A write gap's report: the step (or stage) it fell in, and what the writes in it met (`installed`: what the installed release can do). */
    private describeGap(gap: { ms: number; at: number }, installed: VersionFeatures | undefined): GapReport {
        const atMs = gap.at - this.startedAt;
        // The step the gap fell in: the one holding its middle (a gap begins at the last write before it).
        const middle = atMs + gap.ms / 2;
        const step = this.steps.find((st) => middle >= st.atMs && middle < st.atMs + st.durationMs);
        const stage = [...this.stageStarts].reverse().find((st) => st.at - this.startedAt <= middle)?.stage ?? "setup";
        // What the writes in the gap met: failures by reason, and the wait of the write that ended it.
        const failures = tally(this.writer.failed.filter((w) => w.sentAt >= gap.at && w.sentAt < gap.at + gap.ms).map((f) => f.reason.replace(/\d+/g, "N")));
        const ending = this.writer.acked.find((w) => w.at === gap.at + gap.ms);
        const states = this.writer.states
            .filter((st) => st.at >= gap.at && st.at <= gap.at + gap.ms)
            .map((st) => `${st.state}${st.server ? ` to ${st.server}` : ""} at +${st.at - gap.at} ms`);
        const installedDefect = installed ? installedStall(installed, this.s.features, ending, states.length) : undefined;
        const writes = [
            ...failures.map((f) => `${f.times} write${f.times === 1 ? "" : "s"} failed: ${f.problem}`),
            ...(states.length > 0 ? [`the writer's client: ${states.join(", ")}`] : []),
            ...(ending?.sentAt !== undefined
                ? [
                      `the write that ended it waited ${ending.at - ending.sentAt} ms for its answer${
                          installedDefect
                              ? `, which came with the client's next ping (every ${ending.pingMs} ms): ${installedDefect} of the installed ZooKeeper ${this.install.version}, fixed in the rendered ${this.s.version.text}`
                              : ""
                      }`,
                  ]
                : []),
        ];
        return { ms: gap.ms, atMs, during: step ? `${step.stage}: ${step.step}` : `${stage}, between steps`, writes, ...(installedDefect ? { installedDefect } : {}) };
    }

    async run(): Promise<RehearsalReport> {
        const removeShutdown = onShutdown(() => this.cleanup());
        const members = this.s.memberIds.length;
        const deadline = this.options.deadlineMs ?? 300_000 + 60_000 * members + 4 * this.stageMs;
        let timer: NodeJS.Timeout | undefined;
        const expired = new Promise<never>((_, reject) => {
            timer = setTimeout(() => {
                this.aborted = true;
                reject(new Error(`the rehearsal did not finish within ${deadline} ms and was stopped`));
            }, deadline);
        });
        let strategy: Promise<Pick<RehearsalReport, "swap" | "parity" | "governance">> | undefined;
        try {
            this.dns.serveLookups();
            this.network = LocalNetwork.create(this.dns.file);
            strategy = this.input.strategy === "member-swap" ? this.memberSwap() : this.dualRegistry();
            const head = await Promise.race([strategy, expired]);
            // Writes are named per ensemble: key them by ensemble and path.
            const lost = new Set(
                this.writer.acked.filter((w) => !this.verified.find((v) => v.ensemble === w.ensemble)?.present.has(w.path)).map((w) => `${w.ensemble}:${w.path}`),
            );
            const stages = this.stageStarts.slice(0, -1).map((st, i) => this.figures(st.stage, st.at, this.stageStarts[i + 1].at, lost));
            const first = this.stageStarts[0]?.at ?? Date.now();
            const last = this.stageStarts[this.stageStarts.length - 1]?.at ?? Date.now();
            const notEmulated = [...versionNotes(this.install.version, this.s), ...this.input.gaps, ...alwaysNotEmulated(this.s)];
            return {
                strategy: this.input.strategy,
                source: this.input.source,
                members,
                memberIds: this.s.memberIds,
                renderedVersion: this.s.version.text,
                zookeeperVersion: this.install.version ?? "unknown",
                tickTime: this.s.tickTime,
                stages,
                total: totalOf(stages, this.writer.acked, first, last),
                ...this.gapReports(first, last),
                steps: this.steps,
                timeline: timelineOf({
                    startedAt: this.startedAt,
                    stageStarts: this.stageStarts,
                    acked: this.writer.acked,
                    elections: this.monitor.seen,
                    steps: this.steps,
                    listed: this.watch.listed,
                }),
                ...head,
                ...(this.chaos ? { chaos: this.chaos } : {}),
                notEmulated,
            };
        } finally {
            clearTimeout(timer);
            this.aborted = true;
            // Let a strategy cut short by the deadline or a failure notice the abort (every wait checks it) before tearing down.
            let grace: NodeJS.Timeout | undefined;
            await Promise.race([(strategy ?? Promise.resolve()).catch(() => undefined), new Promise((r) => (grace = setTimeout(r, 30_000)))]);
            clearTimeout(grace);
            await this.writer.stop().catch(() => undefined);
            await this.watch.stop().catch(() => undefined);
            await this.monitor.stop().catch(() => undefined);
            this.app.close();
            this.clients.forEach((c) => c.close());
            await Promise.allSettled([...this.hosts.values(), ...this.pods.values()].map((m) => this.stopProcess(m)));
            try {
                this.keepLogs();
            } catch (err) {
                this.log(`could not keep the logs: ${err instanceof Error ? err.message : String(err)}`);
            }
            this.cleanup();
            removeShutdown();
        }
    }

    /** With `logsDir`: every member's log, and the cluster DNS's history, before the directories go. */
    private keepLogs(): void {
        const dir = this.options.logsDir;
        if (!dir) {
            return;
        }
        fs.mkdirSync(dir, { recursive: true });
        for (const m of [...this.hosts.values(), ...this.pods.values()]) {
            const log = m.process?.logFile;
            if (log && fs.existsSync(log)) {
                fs.copyFileSync(log, path.join(dir, `${m.node.name}.log`));
            }
        }
        fs.writeFileSync(path.join(dir, "dns.log"), this.dns.log.map((e) => `${new Date(e.at).toISOString()} ${e.name} ${e.addresses.join(",") || "-"}`).join("\n") + "\n");
    }

    /** Removes the network, gives DNS lookups back and deletes the directories. Idempotent. */
    private cleanup(): void {
        this.network?.destroy();
        this.dns.close();
        fs.rmSync(this.root, { recursive: true, force: true });
    }
}
