/**
 * Client load during a rehearsal, shaped like the users' clients:
 * - a writer (a coordinator client such as Kafka's or Curator's: 18 s
 *   sessions) that keeps creating sequential znodes and records every
 *   acknowledged write;
 * - a Dubbo provider application: instances with their own sessions (Dubbo
 *   asks for 60 s), each holding ephemeral provider registrations in every
 *   registry of the stage, re-registering when a session expires, and rolled
 *   (new instances first, then the old ones leave) when the registry config
 *   changes;
 * - a Dubbo consumer that keeps reading the provider lists and notes how long
 *   a registry showed fewer providers than were registered.
 * Every client connects by the names of the stage's registry config and
 * resolves them on each connection attempt. Expired sessions are counted.
 */
import { codeOf, ConnectOptions, CreateMode, NODE_EXISTS, ZkClient } from "../zookeeper/client";
import { delay as sleep } from "../zookeeper/process";

export const WRITES_PATH = "/rehearsal/writes";
export const DUBBO_ROOT = "/dubbo";

/** Session timeouts the clients ask for. */
export const SESSIONS = { writerMs: 18_000, providerMs: 60_000, consumerMs: 60_000 } as const;

export interface AckedWrite {
    /** Ensemble that acknowledged it. */
    ensemble: string;
    path: string;
    /** Stage during which it was acknowledged. */
    stage: string;
    at: number;
    /** When it was sent. */
    sentAt?: number;
    /** How long the writer's client lets its connection idle before it pings. */
    pingMs?: number;
}

/** A write that was not acknowledged, and why. */
export interface FailedWrite {
    sentAt: number;
    at: number;
    reason: string;
}

/** What the clients share: per-stage counters, and how to reach an ensemble. */
export class LoadCounters {
    readonly expiredSessions = new Map<string, number>();
    /** Longest time a registry showed fewer providers than registered, per stage (ms). */
    readonly longestShortfallMs = new Map<string, number>();

    /** Why the load cannot go on (a client could not get a new session), once that happened. */
    failure: string | undefined;

    constructor(readonly stage: () => string) {}

    expired(): void {
        const s = this.stage();
        this.expiredSessions.set(s, (this.expiredSessions.get(s) ?? 0) + 1);
    }

    shortfall(stage: string, ms: number): void {
        this.longestShortfallMs.set(stage, Math.max(this.longestShortfallMs.get(stage) ?? 0, ms));
    }
}

/** A client that gets a new session when its session expires (as applications do), counting the expiry. */
class SessionClient {
    client: ZkClient | undefined;
    private closed = false;
    /** Connection state changes: when, which state, and the server when connected. */
    readonly states: { at: number; state: string; server?: string }[] = [];

    constructor(
        readonly registry: Registry,
        private readonly sessionTimeoutMs: number,
        private readonly counters: LoadCounters,
        /** Runs on every new session (the first and each after an expiry). */
        private readonly onSession: (client: ZkClient) => Promise<void> = async () => undefined,
    ) {}

    async open(): Promise<this> {
        await this.renew();
        return this;
    }

    private async renew(): Promise<void> {
        for (let attempt = 0; !this.closed; attempt++) {
            try {
                const { connect, access } = this.registry;
                const client = await ZkClient.connect(connect, { sessionTimeoutMs: this.sessionTimeoutMs, connectTimeoutMs: 30_000, opTimeoutMs: 10_000, ...access() });
                if (this.closed) {
                    client.close();
                    return;
                }
                client.onState = (state, server) => this.states.push({ at: Date.now(), state, ...(server ? { server } : {}) });
                client.onExpired = () => {
                    this.counters.expired();
                    client.close();
                    if (!this.closed) {
                        this.renew().catch((err: unknown) => {
                            this.counters.failure ??= `a client got no new session after its session expired: ${err instanceof Error ? err.message : String(err)}`;
                        });
                    }
                };
                this.client = client;
                await this.onSession(client).catch(() => undefined);
                return;
            } catch (err) {
                if (attempt >= 5) {
                    throw err;
                }
                await sleep(1_000);
            }
        }
    }

    close(): void {
        this.closed = true;
        this.client?.close();
    }
}

/** Keeps writing sequential znodes to the current target ensemble, one at a time. */
export class Writer {
    readonly acked: AckedWrite[] = [];
    readonly failed: FailedWrite[] = [];
    readonly attempted = new Map<string, number>();
    private target: { ensemble: string; session: SessionClient } | undefined;
    private stopped = false;
    private loop: Promise<void> | undefined;
    private seq = 0;

    constructor(
        private readonly counters: LoadCounters,
        private readonly intervalMs = 20,
    ) {}

    /** The writer's sessions' connection state changes, oldest first. */
    get states(): { at: number; state: string; server?: string }[] {
        return this.sessions.flatMap((s) => s.states).sort((a, b) => a.at - b.at);
    }

    private readonly sessions: SessionClient[] = [];

    /** Writes go to `ensemble` through `registry` (a new session) from the next write on; the old session ends. */
    async setTarget(ensemble: string, registry: Registry): Promise<void> {
        const session = await new SessionClient(registry, SESSIONS.writerMs, this.counters).open();
        this.sessions.push(session);
        await session.client!.mkdirp(WRITES_PATH);
        const old = this.target;
        this.target = { ensemble, session };
        old?.session.close();
    }

    start(): void {
        this.loop = this.run();
    }

    private async run(): Promise<void> {
        while (!this.stopped) {
            const target = this.target;
            const client = target?.session.client;
            if (!target || !client) {
                await sleep(this.intervalMs);
                continue;
            }
            const stage = this.counters.stage();
            this.attempted.set(stage, (this.attempted.get(stage) ?? 0) + 1);
            const sentAt = Date.now();
            try {
                const path = await client.create(`${WRITES_PATH}/w-`, Buffer.from(String(this.seq++)), CreateMode.PERSISTENT_SEQUENTIAL);
                this.acked.push({ ensemble: target.ensemble, path, stage, at: Date.now(), sentAt, pingMs: client.pingIntervalMs() });
            } catch (err) {
                // Not acknowledged (connection loss, no quorum, timeout): counted as attempted only.
                this.failed.push({ sentAt, at: Date.now(), reason: err instanceof Error ? err.message : String(err) });
                await sleep(50);
            }
            await sleep(this.intervalMs);
        }
    }

    async stop(): Promise<void> {
        this.stopped = true;
        await this.loop;
        this.target?.session.close();
    }
}

/** A Dubbo provider URL as a provider registers it (before URL encoding). */
export function providerUrl(iface: string, host: string, port: number): string {
    return `dubbo://${host}:${port}/${iface}?anyhost=true&application=rehearsal-app&group=prod&interface=${iface}&methods=get,put&pid=4242&side=provider&timestamp=1700000000000&version=1.0.0`;
}

export const INTERFACES = ["com.acme.OrderService", "com.acme.PaymentService", "com.acme.UserService"];
const INSTANCES_PER_GENERATION = 2;

/**
 * How clients reach one registry: its connect string, and the TLS and SASL a client needs there (a TLS-only or
 * SASL-requiring ensemble; nothing for a plaintext one), read at each new session, as the credentials may come later.
 */
export interface Registry {
    connect: string;
    access: () => Pick<ConnectOptions, "tls" | "sasl">;
}

/** The registries of a stage: ensemble name -> how clients reach it. */
export type Registries = Record<string, Registry>;

interface Instance {
    host: string;
    sessions: Map<string, SessionClient>;
}

/**
 * The provider application. Each generation (a rollout of the app with a new
 * registry config) has its own instances, at their own addresses, registered
 * in every registry of the generation.
 */
export class ProviderApp {
    private generation = 0;
    private instances: Instance[] = [];
    /** Per registry: provider node name -> when its registration was acknowledged (0 while pending). */
    readonly registered = new Map<string, Map<string, number>>();

    constructor(private readonly counters: LoadCounters) {}

    /** Rolls the app onto `registries`: new instances register everywhere first, then the old ones leave. */
    async roll(registries: Registries): Promise<void> {
        this.generation++;
        const fresh: Instance[] = [];
        for (let i = 0; i < INSTANCES_PER_GENERATION; i++) {
            const host = `10.9.${this.generation}.${i + 1}`;
            const instance: Instance = { host, sessions: new Map() };
            for (const [ensemble, registry] of Object.entries(registries)) {
                const session = new SessionClient(registry, SESSIONS.providerMs, this.counters, (client) => this.registerAll(ensemble, host, client));
                instance.sessions.set(ensemble, await session.open());
            }
            fresh.push(instance);
        }
        const old = this.instances;
        this.instances = fresh;
        for (const instance of old) {
            this.leave(instance);
        }
    }

    private nodes(host: string): { dir: string; node: string }[] {
        return INTERFACES.map((iface, i) => ({ dir: `${DUBBO_ROOT}/${iface}/providers`, node: encodeURIComponent(providerUrl(iface, host, 20880 + i)) }));
    }

    private async registerAll(ensemble: string, host: string, client: ZkClient): Promise<void> {
        const registered = this.registered.get(ensemble) ?? new Map<string, number>();
        this.registered.set(ensemble, registered);
        for (const { dir, node } of this.nodes(host)) {
            await client.mkdirp(dir);
            try {
                await client.create(`${dir}/${node}`, Buffer.alloc(0), CreateMode.EPHEMERAL);
            } catch (err) {
                if (codeOf(err) !== NODE_EXISTS) {
                    throw err;
                }
            }
            registered.set(`${dir}/${node}`, Date.now());
        }
    }

    /** An instance shuts down: it stops counting as registered, then its sessions end (and its nodes go). */
    private leave(instance: Instance): void {
        for (const [ensemble, session] of instance.sessions) {
            for (const { dir, node } of this.nodes(instance.host)) {
                this.registered.get(ensemble)?.delete(`${dir}/${node}`);
            }
            session.close();
        }
    }

    /** Leaves one registry (it is retired): every instance's session to it ends. */
    leaveRegistry(ensemble: string): void {
        for (const instance of this.instances) {
            instance.sessions.get(ensemble)?.close();
            instance.sessions.delete(ensemble);
        }
        this.registered.delete(ensemble);
    }

    close(): void {
        for (const instance of this.instances) {
            this.leave(instance);
        }
        this.instances = [];
    }
}

/**
 * A Dubbo consumer's view: reads every provider list of each registry every
 * `intervalMs` and notes the stretches where a successful read lacks a
 * provider registered at least `graceMs` before (a registration needs a
 * moment to reach the member the consumer reads from).
 */
export class RegistryWatch {
    /** How many providers each registry listed, per poll: the rehearsal's timeline. */
    readonly listed: { at: number; ensemble: string; providers: number }[] = [];
    private readonly sessions = new Map<string, SessionClient>();
    private stopped = false;
    private loops: Promise<void>[] = [];

    constructor(
        private readonly app: ProviderApp,
        private readonly counters: LoadCounters,
        private readonly intervalMs = 200,
        private readonly graceMs = 1_000,
    ) {}

    /** Watches `registries` from now on (a consumer rolled onto them); registries no longer listed are dropped. */
    async watch(registries: Registries): Promise<void> {
        for (const [ensemble, session] of this.sessions) {
            if (registries[ensemble]?.connect !== session.registry.connect) {
                session.close();
                this.sessions.delete(ensemble);
            }
        }
        for (const [ensemble, registry] of Object.entries(registries)) {
            if (!this.sessions.has(ensemble)) {
                const session = await new SessionClient(registry, SESSIONS.consumerMs, this.counters).open();
                this.sessions.set(ensemble, session);
                this.loops.push(this.run(ensemble, session));
            }
        }
    }

    private async run(ensemble: string, session: SessionClient): Promise<void> {
        let shortSince: { at: number; stage: string } | undefined;
        while (!this.stopped && this.sessions.get(ensemble) === session) {
            const startedAt = Date.now();
            const expected = [...(this.app.registered.get(ensemble) ?? new Map<string, number>())].filter(([, at]) => at > 0 && at <= startedAt - this.graceMs).map(([p]) => p);
            try {
                const client = session.client!;
                const present = new Set<string>();
                for (const iface of INTERFACES) {
                    const dir = `${DUBBO_ROOT}/${iface}/providers`;
                    for (const child of await client.children(dir)) {
                        present.add(`${dir}/${child}`);
                    }
                }
                this.listed.push({ at: startedAt, ensemble, providers: present.size });
                const missing = expected.filter((p) => !present.has(p) && this.app.registered.get(ensemble)?.has(p));
                if (missing.length > 0 && !shortSince) {
                    shortSince = { at: startedAt, stage: this.counters.stage() };
                } else if (missing.length === 0 && shortSince) {
                    this.counters.shortfall(shortSince.stage, Date.now() - shortSince.at);
                    shortSince = undefined;
                }
            } catch {
                // Unreachable for now: a consumer keeps its last list, so this is no shortfall by itself.
            }
            await sleep(this.intervalMs);
        }
        if (shortSince) {
            this.counters.shortfall(shortSince.stage, Date.now() - shortSince.at);
        }
    }

    async stop(): Promise<void> {
        this.stopped = true;
        await Promise.allSettled(this.loops);
        for (const s of this.sessions.values()) {
            s.close();
        }
        this.sessions.clear();
    }
}
