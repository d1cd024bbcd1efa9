/**
 * A small promise-based face over node-zookeeper-client: connect with a
 * deadline, and the few operations the checks and the rehearsal need, each
 * bounded by a timeout so nothing waits forever on an ensemble without quorum.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const zookeeper = require("node-zookeeper-client");

export const CreateMode = zookeeper.CreateMode as { PERSISTENT: number; EPHEMERAL: number; PERSISTENT_SEQUENTIAL: number; EPHEMERAL_SEQUENTIAL: number };
export const NO_NODE: number = zookeeper.Exception.NO_NODE;
export const NODE_EXISTS: number = zookeeper.Exception.NODE_EXISTS;

interface RawClient {
    connect(): void;
    close(): void;
    once(event: string, listener: (...args: unknown[]) => void): void;
    on(event: string, listener: (...args: unknown[]) => void): void;
    getState(): { name: string };
    create(path: string, data: Buffer, mode: number, cb: (err: ZkError | null, path: string) => void): void;
    mkdirp(path: string, cb: (err: ZkError | null, path: string) => void): void;
    getChildren(path: string, cb: (err: ZkError | null, children: string[]) => void): void;
    getData(path: string, cb: (err: ZkError | null, data: Buffer) => void): void;
    /** The library's connection manager (only its socket is used, to tear down a client without a session). */
    connectionManager?: { socket?: { destroy(): void } };
}

export interface ZkError extends Error {
    getCode?: () => number;
}

/** The error code of a ZooKeeper error, if it has one. */
export function codeOf(err: unknown): number | undefined {
    return typeof (err as ZkError)?.getCode === "function" ? (err as ZkError).getCode!() : undefined;
}

export class ZkTimeoutError extends Error {
    constructor(what: string, ms: number) {
        super(`${what} did not finish within ${ms} ms`);
        this.name = "ZkTimeoutError";
    }
}

function withTimeout<T>(what: string, ms: number, run: (resolve: (v: T) => void, reject: (e: unknown) => void) => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => reject(new ZkTimeoutError(what, ms)), ms);
        run(
            (v) => {
                clearTimeout(timer);
                resolve(v);
            },
            (e) => {
                clearTimeout(timer);
                reject(e);
            },
        );
    });
}

export interface ConnectOptions {
    /** Session timeout asked of the server, ms. Default 10000. */
    sessionTimeoutMs?: number;
    /** Deadline for the first connection, ms. Default 10000. */
    connectTimeoutMs?: number;
    /** Deadline for each operation, ms. Default 5000. */
    opTimeoutMs?: number;
}

/** A connected client. Close it when done. */
export class ZkClient {
    private closed = false;
    /** Fires when the session expires (ephemeral nodes are gone). */
    onExpired?: () => void;
    /** Fires on every connection state change, with the server the client is connected to (when connected). */
    onState?: (state: string, server?: string) => void;

    private constructor(
        private readonly raw: RawClient,
        private readonly opTimeoutMs: number,
    ) {
        raw.on("state", (state: unknown) => {
            const name = (state as { name?: string })?.name ?? String(state);
            if (name === "EXPIRED" && this.onExpired) {
                this.onExpired();
            }
            if (this.onState) {
                const socket = (raw.connectionManager as { socket?: { remoteAddress?: string; remotePort?: number } } | undefined)?.socket;
                this.onState(name, socket?.remoteAddress ? `${socket.remoteAddress}:${socket.remotePort}` : undefined);
            }
        });
    }

    /** Connects, or rejects after `connectTimeoutMs` with a message naming the connect string. */
    static async connect(connectString: string, options: ConnectOptions = {}): Promise<ZkClient> {
        const raw: RawClient = zookeeper.createClient(connectString, { sessionTimeout: options.sessionTimeoutMs ?? 10_000, spinDelay: 200, retries: 0 });
        const client = new ZkClient(raw, options.opTimeoutMs ?? 5_000);
        const ms = options.connectTimeoutMs ?? 10_000;
        try {
            await withTimeout<void>(`connecting to ${connectString}`, ms, (resolve) => {
                raw.once("connected", () => resolve());
                raw.connect();
            });
        } catch (err) {
            client.close();
            throw err;
        }
        return client;
    }

    create(path: string, data: Buffer, mode: number): Promise<string> {
        return withTimeout(`create ${path}`, this.opTimeoutMs, (resolve, reject) => this.raw.create(path, data, mode, (e, p) => (e ? reject(e) : resolve(p))));
    }

    mkdirp(path: string): Promise<string> {
        return withTimeout(`mkdirp ${path}`, this.opTimeoutMs, (resolve, reject) => this.raw.mkdirp(path, (e, p) => (e ? reject(e) : resolve(p))));
    }

    /** Children of `path`, or [] when it does not exist. */
    children(path: string): Promise<string[]> {
        return withTimeout(`list ${path}`, this.opTimeoutMs, (resolve, reject) =>
            this.raw.getChildren(path, (e, c) => (e ? (codeOf(e) === NO_NODE ? resolve([]) : reject(e)) : resolve(c))),
        );
    }

    data(path: string): Promise<Buffer | undefined> {
        return withTimeout(`read ${path}`, this.opTimeoutMs, (resolve, reject) =>
            this.raw.getData(path, (e, d) => (e ? (codeOf(e) === NO_NODE ? resolve(undefined) : reject(e)) : resolve(d ?? Buffer.alloc(0)))),
        );
    }

    /**
     * Ends the session. A client that never got a session (the server did not
     * answer, or is not ZooKeeper) would wait forever to send its close
     * request, so its socket is destroyed instead.
     */
    close(): void {
        if (!this.closed) {
            const hadSession = this.raw.getState().name === "SYNC_CONNECTED";
            this.closed = true;
            try {
                this.raw.close();
                if (!hadSession) {
                    this.raw.connectionManager?.socket?.destroy();
                }
            } catch {
                // closing is best effort
            }
        }
    }
}
