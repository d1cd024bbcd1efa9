/**
 * Client load during a rehearsal: a writer that keeps creating sequential
 * znodes in the registry clients currently write to (recording every
 * acknowledged write), and a Dubbo-style provider application that keeps its
 * ephemeral registrations alive in every registry it is configured for.
 */
import { codeOf, CreateMode, NODE_EXISTS, ZkClient } from "../zookeeper/client";

export const WRITES_PATH = "/rehearsal/writes";

export interface AckedWrite {
    /** Ensemble that acknowledged it. */
    ensemble: string;
    path: string;
    /** Stage during which it was acknowledged. */
    stage: string;
    at: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Keeps writing sequential znodes to the current target ensemble, one at a time. */
export class Writer {
    readonly acked: AckedWrite[] = [];
    readonly attempted = new Map<string, number>();
    private target: { ensemble: string; client: ZkClient } | undefined;
    private stopped = false;
    private loop: Promise<void> | undefined;
    private seq = 0;

    constructor(
        private readonly stage: () => string,
        private readonly intervalMs = 20,
    ) {}

    /** Writes go to `client` (ensemble `ensemble`) from the next write on. */
    setTarget(ensemble: string, client: ZkClient): void {
        this.target = { ensemble, client };
    }

    start(): void {
        this.loop = this.run();
    }

    private async run(): Promise<void> {
        while (!this.stopped) {
            const target = this.target;
            if (!target) {
                await sleep(this.intervalMs);
                continue;
            }
            const stage = this.stage();
            this.attempted.set(stage, (this.attempted.get(stage) ?? 0) + 1);
            try {
                const path = await target.client.create(`${WRITES_PATH}/w-`, Buffer.from(String(this.seq++)), CreateMode.PERSISTENT_SEQUENTIAL);
                this.acked.push({ ensemble: target.ensemble, path, stage, at: Date.now() });
            } catch {
                // Not acknowledged (connection loss, no quorum, timeout): counted as attempted only.
                await sleep(50);
            }
            await sleep(this.intervalMs);
        }
    }

    async stop(): Promise<void> {
        this.stopped = true;
        await this.loop;
    }
}

/** A Dubbo provider URL as a provider registers it (before URL encoding). */
export function providerUrl(iface: string, host: string, port: number, group: string, version: string): string {
    return `dubbo://${host}:${port}/${iface}?anyhost=true&application=rehearsal-app&group=${group}&interface=${iface}&methods=get,put&pid=4242&side=provider&timestamp=1700000000000&version=${version}`;
}

/** The providers the rehearsal's application registers. */
export const REHEARSAL_PROVIDERS = ["com.acme.OrderService", "com.acme.PaymentService", "com.acme.UserService"].flatMap((iface, i) =>
    ["10.9.0.5", "10.9.0.6"].map((host) => ({ iface, url: providerUrl(iface, host, 20880 + i, "prod", "1.0.0") })),
);

/** A provider application registered in several registries at once, re-registering after a session expiry. */
export class ProviderApp {
    private readonly sessions = new Map<string, ZkClient>();

    constructor(
        private readonly root = "/dubbo",
        private readonly providers = REHEARSAL_PROVIDERS,
    ) {}

    /** Registers every provider in `ensemble` through `client` (ephemeral nodes live as long as its session). */
    async register(ensemble: string, client: ZkClient): Promise<void> {
        this.sessions.set(ensemble, client);
        client.onExpired = () => void this.registerAll(client).catch(() => undefined);
        await this.registerAll(client);
    }

    private async registerAll(client: ZkClient): Promise<void> {
        for (const p of this.providers) {
            const dir = `${this.root}/${p.iface}/providers`;
            await client.mkdirp(dir);
            try {
                await client.create(`${dir}/${encodeURIComponent(p.url)}`, Buffer.alloc(0), CreateMode.EPHEMERAL);
            } catch (err) {
                if (codeOf(err) !== NODE_EXISTS) {
                    throw err;
                }
            }
        }
    }

    /** Leaves `ensemble`: closing the session removes the registrations. */
    unregister(ensemble: string): void {
        this.sessions.get(ensemble)?.close();
        this.sessions.delete(ensemble);
    }

    close(): void {
        for (const ensemble of [...this.sessions.keys()]) {
            this.unregister(ensemble);
        }
    }
}
