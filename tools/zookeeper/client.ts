/**
 * A small promise-based face over node-zookeeper-client: connect with a
 * deadline, and the few operations the checks and the rehearsal need, each
 * bounded by a timeout so nothing waits forever on an ensemble without quorum.
 * What it reads is bounded too: a port that is not ZooKeeper (one that streams
 * data, or sends bytes the library cannot parse) fails the client with a
 * one-line `NotZooKeeperError` instead of filling memory or crashing.
 */
import { LibrarySocket, SaslAuthError, SaslCredentials, SaslSocket, SESSION_CLOSED_REQUIRE_SASL_AUTH } from "./sasl";
import { endpointText } from "./endpoint";
import { ClientTls, connectTls } from "./tls";
// eslint-disable-next-line @typescript-eslint/no-require-imports
const zookeeper = require("node-zookeeper-client");
/** Where the library dials: a server of its connect string. */
interface ServerAddress {
    host: string;
    port: number;
}
/** The `net` module object itself (the library's), not an import's copy of it: its `connect` is swapped to hand the library our socket. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const netModule: { connect: (server: ServerAddress) => LibrarySocket } = require("net");

export const CreateMode = zookeeper.CreateMode as { PERSISTENT: number; EPHEMERAL: number; PERSISTENT_SEQUENTIAL: number; EPHEMERAL_SEQUENTIAL: number };
export const NO_NODE: number = zookeeper.Exception.NO_NODE;
export const NODE_EXISTS: number = zookeeper.Exception.NODE_EXISTS;
export const NOT_EMPTY: number = zookeeper.Exception.NOT_EMPTY;
/** ZooKeeper's permission bits. */
export const Permission = zookeeper.Permission as { READ: number; WRITE: number; CREATE: number; DELETE: number; ADMIN: number; ALL: number };

interface RawAcl {
    permission: number;
    id: { scheme: string; id: string };
}

const toRawAcl = (acl: { permission: number; scheme: string; id: string }[]): RawAcl[] => acl.map((a) => new zookeeper.ACL(a.permission, new zookeeper.Id(a.scheme, a.id)));
export const NO_AUTH: number = zookeeper.Exception.NO_AUTH;

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
    exists(path: string, cb: (err: ZkError | null, stat: unknown) => void): void;
    setData(path: string, data: Buffer, version: number, cb: (err: ZkError | null, stat: unknown) => void): void;
    setACL(path: string, acl: RawAcl[], version: number, cb: (err: ZkError | null, stat: unknown) => void): void;
    remove(path: string, version: number, cb: (err: ZkError | null) => void): void;
    addAuthInfo(scheme: string, auth: Buffer): void;
    getSessionId(): Buffer;
    getSessionTimeout(): number;
    getSessionPassword(): Buffer;
    /** The library's connection manager: its socket (to tear down a client without a session) and its reader (to bound what is read). */
    connectionManager?: ConnectionManager;
}

interface ConnectionManager {
    socket?: { destroy(): void; remoteAddress?: string; remotePort?: number };
    /** Handles every chunk the socket reads; replaced by a bounded one. */
    onSocketData?: (buffer: Buffer) => void;
    /** Bytes of a reply not yet complete. */
    pendingBuffer?: Buffer | null;
}

/** The most a server may send before it answers the session request (ZooKeeper's answer is under 50 bytes). */
export const HANDSHAKE_MAX_BYTES = 1024 * 1024;
/** The most one reply may hold once a session is up (ZooKeeper itself refuses replies past jute.maxbuffer, about 1 MiB by default). */
export const REPLY_MAX_BYTES = 16 * 1024 * 1024;

/** A server that does not speak ZooKeeper's protocol: the message names it and says what it sent, in one line. */
export class NotZooKeeperError extends Error {
    constructor(
        readonly server: string,
        reason: string,
    ) {
        super(`${server} ${reason}`);
        this.name = "NotZooKeeperError";
    }
}

/** A client that cannot open a connection at all (e.g. TLS material that cannot be used): one line saying why. */
class DialError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "DialError";
    }
}

/** Why a client stopped for good: a server that is not ZooKeeper, refused credentials, or no connection possible. */
type Refusal = NotZooKeeperError | SaslAuthError | DialError;

/** A session as a server hands it out: a client holding both may take the session over on any server of the same ensemble. */
export interface ZkSession {
    id: Buffer;
    password: Buffer;
}

const mib = (bytes: number) => `${bytes / (1024 * 1024)} MiB`;

/** The part of a znode's stat the checks read (versions and times are left out on purpose). */
export interface ZkStat {
    /** Session that owns the node; all zero bytes for a persistent node. */
    ephemeralOwner: Buffer;
    numChildren: number;
    dataLength: number;
}

/** One ACL entry: permission bits (READ 1, WRITE 2, CREATE 4, DELETE 8, ADMIN 16) for an id in a scheme. */
export interface ZkAcl {
    permission: number;
    scheme: string;
    id: string;
}

/** True for an ephemeral node (its stat names an owning session). */
export function isEphemeral(stat: Pick<ZkStat, "ephemeralOwner">): boolean {
    return stat.ephemeralOwner.some((b) => b !== 0);
}

/** The library's reads that also hand back the stat and the ACL. */
interface RawStatReads {
    getData(path: string, cb: (err: ZkError | null, data: Buffer, stat: ZkNodeStat) => void): void;
    getACL(path: string, cb: (err: ZkError | null, acls: { permission: number; id: { scheme: string; id: string } }[], stat: ZkStat) => void): void;
}

/** A znode's stat with its versions: `cversion` counts changes to its children (a sequential child's suffix comes from it). */
export interface ZkNodeStat extends ZkStat {
    version: number;
    cversion: number;
    aversion: number;
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
    /** Speak TLS to the members (their TLS client port). */
    tls?: ClientTls;
    /**
     * Authenticate every connection with SASL DIGEST-MD5 as this user of the
     * members' JAAS `Server` section, before any request (what `saslClient:
     * require` asks of clients). Works over TLS too. A refusal fails `connect`
     * at once with a one-line `SaslAuthError` naming the user and the server.
     */
    sasl?: SaslCredentials;
}

export { SaslAuthError, SaslCredentials } from "./sasl";

/** `host:port`, with an IPv6 host in brackets. */
const hostPort = (host: string | undefined, port: number | undefined) => endpointText({ host: host ?? "the server", port: port ?? "?" });

/** A connected client. Close it when done. */
export class ZkClient {
    private closed = false;
    /** Fires when the session expires (ephemeral nodes are gone). */
    onExpired?: () => void;
    /** Fires on every connection state change, with the server the client is connected to (when connected). */
    onState?: (state: string, server?: string) => void;
    /** Why the client stopped reading from a server that is not ZooKeeper, once it has. */
    private refused?: Refusal;
    private onRefused?: (err: Refusal) => void;
    /** Why the last connection attempt failed, if one did (a TLS handshake, a refused connection): named when connecting times out. */
    private lastSocketError?: Error;

    private constructor(
        private readonly raw: RawClient,
        private readonly opTimeoutMs: number,
    ) {
        this.boundReads();
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

    /**
     * Wraps the library's reader of socket data: before a session is up at
     * most `HANDSHAKE_MAX_BYTES` are read from a server, after it at most
     * `REPLY_MAX_BYTES` are held for one reply, and bytes the library cannot
     * parse (it would throw from the socket's event, killing the process) end
     * the connection. Either way the client is refused with a
     * `NotZooKeeperError`: `connect` rejects with it, the socket is dropped.
     */
    private boundReads(): void {
        const manager = this.raw.connectionManager;
        const read = manager?.onSocketData;
        if (manager === undefined || read === undefined) {
            return;
        }
        let socket: unknown;
        let received = 0;
        manager.onSocketData = (buffer: Buffer) => {
            if (manager.socket !== socket) {
                socket = manager.socket;
                received = 0;
            }
            if (this.refused !== undefined) {
                return;
            }
            const state = this.raw.getState().name;
            const inSession = state === "SYNC_CONNECTED" || state === "CONNECTED_READ_ONLY";
            const server = hostPort(manager.socket?.remoteAddress, manager.socket?.remotePort);
            received += buffer.length;
            if (!inSession && received > HANDSHAKE_MAX_BYTES) {
                return this.refuse(new NotZooKeeperError(server, `sent more than ${mib(HANDSHAKE_MAX_BYTES)} without answering the session request`));
            }
            try {
                read.call(manager, buffer);
            } catch (err) {
                // The library knows no code -124 (SessionClosedRequireSaslAuth): the server answered a request without SASL and closed the session.
                if ((err as Error).message === `Unknown code: ${SESSION_CLOSED_REQUIRE_SASL_AUTH}`) {
                    return this.refuse(new SaslAuthError(`${server} requires SASL authentication (saslClient: require) and closed the session of this client, which has no SASL credentials`));
                }
                const what = inSession ? "sent a reply" : "answered the session request";
                return this.refuse(new NotZooKeeperError(server, `${what} with something that is not ZooKeeper's protocol (${(err as Error).message})`));
            }
            if (inSession && (manager.pendingBuffer?.length ?? 0) > REPLY_MAX_BYTES) {
                this.refuse(new NotZooKeeperError(server, `sent a reply of more than ${mib(REPLY_MAX_BYTES)}`));
            }
        };
    }

    private refuse(err: Refusal): void {
        this.refused = err;
        this.raw.connectionManager?.socket?.destroy();
        this.onRefused?.(err);
        this.inFlight.forEach((reject) => reject(err));
    }

    /** Rejections of the operations under way: a refusal ends them with its error instead of their timeout. */
    private readonly inFlight = new Set<(err: unknown) => void>();

    /** One operation, bounded by `opTimeoutMs`; once the client is refused it fails with the refusal. */
    private op<T>(what: string, run: (resolve: (v: T) => void, reject: (e: unknown) => void) => void): Promise<T> {
        if (this.refused !== undefined) {
            return Promise.reject(this.refused);
        }
        let stop: ((err: unknown) => void) | undefined;
        return withTimeout<T>(what, this.opTimeoutMs, (resolve, reject) => {
            stop = reject;
            this.inFlight.add(reject);
            run(resolve, reject);
        }).finally(() => this.inFlight.delete(stop!));
    }

    /**
     * Connects, or rejects after `connectTimeoutMs` with a message naming the
     * connect string, or with a `NotZooKeeperError` as soon as a server turns
     * out not to be ZooKeeper, or with a `SaslAuthError` as soon as a server
     * refuses the `sasl` credentials.
     */
    static async connect(connectString: string, options: ConnectOptions = {}): Promise<ZkClient> {
        const client = ZkClient.create(connectString, options);
        const ms = options.connectTimeoutMs ?? 10_000;
        try {
            await withTimeout<void>(`connecting to ${connectString}`, ms, (resolve, reject) => {
                client.raw.once("connected", () => resolve());
                client.onRefused = reject;
                client.raw.connect();
            });
        } catch (err) {
            client.close();
            if (err instanceof ZkTimeoutError && client.lastSocketError) {
                err.message += ` (the last connection attempt failed: ${client.lastSocketError.message})`;
            }
            throw err;
        } finally {
            client.onRefused = undefined;
        }
        return client;
    }

    /** A client not yet connected; with `session`, one that takes that session over instead of opening a new one. */
    private static create(connectString: string, options: ConnectOptions, session?: ZkSession): ZkClient {
        const raw: RawClient = zookeeper.createClient(connectString, {
            sessionTimeout: options.sessionTimeoutMs ?? 10_000,
            spinDelay: 200,
            retries: 0,
            ...(session ? { sessionId: session.id, sessionPassword: session.password } : {}),
        });
        const { tls, sasl } = options;
        if (sasl !== undefined && sasl.username === "") {
            throw new Error("sasl.username is empty; allowed: a user of the members' JAAS Server section");
        }
        const client = new ZkClient(raw, options.opTimeoutMs ?? 5_000);
        if (tls !== undefined || sasl !== undefined) {
            ZkClient.dialThrough(
                raw,
                (server, plain) => {
                    const socket = tls !== undefined ? connectTls(tls, server.host, server.port) : plain(server);
                    socket.on("error", (err: Error) => (client.lastSocketError = err));
                    // The exchange gets the library's own connect timeout (the session timeout over the servers), as the TCP connect does.
                    const deadline = (raw.connectionManager as { connectTimeout?: number } | undefined)?.connectTimeout;
                    return sasl !== undefined ? new SaslSocket(socket, sasl, hostPort(server.host, server.port), (err) => client.refuse(err), deadline) : socket;
                },
                (err) => client.refuse(new DialError(`could not open a connection: ${err.message}`)),
            );
        }
        return client;
    }

    /**
     * Hands the library the socket `dial` makes for each server it connects
     * to: a TLS socket, a `SaslSocket` that authenticates before the library's
     * traffic flows, or both. The library opens each connection with
     * `net.connect(server)` in the callback of its server choice: that call,
     * and only it, is answered by `dial` (`plain` is the real `net.connect`).
     * The library then uses write/destroy/setNoDelay/setTimeout, the events
     * connect/data/drain/close/error and remoteAddress/remotePort, which
     * every socket `dial` returns has.
     */
    private static dialThrough(raw: RawClient, dial: (server: ServerAddress, plain: (server: ServerAddress) => LibrarySocket) => LibrarySocket, onDialError: (err: Error) => void): void {
        const manager = raw.connectionManager as (ConnectionManager & { findNextServer?: (cb: (server: ServerAddress) => void) => void }) | undefined;
        const find = manager?.findNextServer;
        if (manager === undefined || find === undefined) {
            throw new Error("this node-zookeeper-client has no findNextServer to dial TLS or SASL through");
        }
        manager.findNextServer = function (this: unknown, callback) {
            find.call(this, (server) => {
                const plain = netModule.connect;
                netModule.connect = (target: ServerAddress) => dial(target, plain);
                try {
                    callback(server);
                } catch (err) {
                    // Thrown out of the library's own callback it would end the process: the client is refused instead.
                    onDialError(err instanceof Error ? err : new Error(String(err)));
                } finally {
                    netModule.connect = plain;
                }
            });
        };
    }

    /**
     * How long this client lets its connection idle before it pings: a third
     * of the session timeout the server granted (the library's rule, as the
     * Java client's).
     */
    pingIntervalMs(): number {
        return Math.floor(this.raw.getSessionTimeout() / 3);
    }

    /** This client's session (id and password). */
    session(): ZkSession {
        return { id: this.raw.getSessionId(), password: this.raw.getSessionPassword() };
    }

    /**
     * Whether the ensemble at `connectString` knows `session`, a session
     * opened elsewhere: true when a server there takes it over (a session
     * lives only in the ensemble that created it, so this is that ensemble),
     * false when the server answers that the session is unknown. Reads and
     * writes no znode. Taking the session over moves it away from its client
     * and closing the probe ends it: pass only a session that is not needed
     * once the answer is true. Rejects like `connect` when no server there
     * answers. With `tls`, asks over TLS (the members' TLS client port); with
     * `sasl`, authenticates the probe's connection first.
     */
    static async knowsSession(connectString: string, session: ZkSession, options: Pick<ConnectOptions, "connectTimeoutMs" | "tls" | "sasl"> = {}): Promise<boolean> {
        const probe = ZkClient.create(connectString, options, session);
        const ms = options.connectTimeoutMs ?? 10_000;
        try {
            return await withTimeout<boolean>(`connecting to ${connectString}`, ms, (resolve, reject) => {
                probe.raw.once("connected", () => resolve(true));
                probe.raw.once("expired", () => resolve(false));
                probe.onRefused = reject;
                probe.raw.connect();
            });
        } finally {
            probe.close();
        }
    }

    create(path: string, data: Buffer, mode: number): Promise<string> {
        return this.op(`create ${path}`, (resolve, reject) => this.raw.create(path, data, mode, (e, p) => (e ? reject(e) : resolve(p))));
    }

    mkdirp(path: string): Promise<string> {
        return this.op(`mkdirp ${path}`, (resolve, reject) => this.raw.mkdirp(path, (e, p) => (e ? reject(e) : resolve(p))));
    }

    /** Children of `path`, or [] when it does not exist. */
    children(path: string): Promise<string[]> {
        return this.op(`list ${path}`, (resolve, reject) =>
            this.raw.getChildren(path, (e, c) => (e ? (codeOf(e) === NO_NODE ? resolve([]) : reject(e)) : resolve(c))),
        );
    }

    /** Whether `path` exists. */
    exists(path: string): Promise<boolean> {
        return this.op(`look up ${path}`, (resolve, reject) => this.raw.exists(path, (e, stat) => (e ? reject(e) : resolve(Boolean(stat)))));
    }

    data(path: string): Promise<Buffer | undefined> {
        return this.op(`read ${path}`, (resolve, reject) =>
            this.raw.getData(path, (e, d) => (e ? (codeOf(e) === NO_NODE ? resolve(undefined) : reject(e)) : resolve(d ?? Buffer.alloc(0)))),
        );
    }

    /** Data and stat of `path` (versions included), or undefined when it does not exist. */
    dataWithStat(path: string): Promise<{ data: Buffer; stat: ZkNodeStat } | undefined> {
        const raw = this.raw as unknown as RawStatReads;
        return this.op(`read ${path}`, (resolve, reject) =>
            raw.getData(path, (e, d, stat) => (e ? (codeOf(e) === NO_NODE ? resolve(undefined) : reject(e)) : resolve({ data: d ?? Buffer.alloc(0), stat }))),
        );
    }

    /** ACL of `path`, or undefined when it does not exist. */
    acl(path: string): Promise<ZkAcl[] | undefined> {
        const raw = this.raw as unknown as RawStatReads;
        return this.op(`read the ACL of ${path}`, (resolve, reject) =>
            raw.getACL(path, (e, acls) =>
                e ? (codeOf(e) === NO_NODE ? resolve(undefined) : reject(e)) : resolve((acls ?? []).map((a) => ({ permission: a.permission, scheme: a.id.scheme, id: a.id.id }))),
            ),
        );
    }

    /** Stat of `path`, or undefined when it does not exist. */
    stat(path: string): Promise<ZkNodeStat | undefined> {
        return this.op(`look up ${path}`, (resolve, reject) => this.raw.exists(path, (e, st) => (e ? reject(e) : resolve((st as ZkNodeStat) ?? undefined))));
    }

    /** Creates `path` with `data` and the ACL `acl`. */
    createWithAcl(path: string, data: Buffer, acl: ZkAcl[], mode: number): Promise<string> {
        return this.op(`create ${path}`, (resolve, reject) =>
            (this.raw.create as unknown as (p: string, d: Buffer, a: RawAcl[], m: number, cb: (err: ZkError | null, path: string) => void) => void).call(
                this.raw,
                path,
                data,
                toRawAcl(acl),
                mode,
                (e, p) => (e ? reject(e) : resolve(p)),
            ),
        );
    }

    /** Replaces the data of `path` (any version when `version` is -1). */
    setData(path: string, data: Buffer, version = -1): Promise<void> {
        return this.op(`write ${path}`, (resolve, reject) => this.raw.setData(path, data, version, (e) => (e ? reject(e) : resolve())));
    }

    /** Replaces the ACL of `path` (any ACL version when `version` is -1). */
    setAcl(path: string, acl: ZkAcl[], version = -1): Promise<void> {
        return this.op(`set the ACL of ${path}`, (resolve, reject) => this.raw.setACL(path, toRawAcl(acl), version, (e) => (e ? reject(e) : resolve())));
    }

    /** Deletes `path` (any version when `version` is -1); it must have no children. */
    remove(path: string, version = -1): Promise<void> {
        return this.op(`delete ${path}`, (resolve, reject) => this.raw.remove(path, version, (e) => (e ? reject(e) : resolve())));
    }

    /** Adds credentials to the session (e.g. `digest`, `user:password`), as ZooKeeper's addauth does. */
    addAuth(scheme: string, credentials: string): void {
        this.raw.addAuthInfo(scheme, Buffer.from(credentials));
    }

    /**
     * Ends the session. A client that never got a session (the server did not
     * answer, or is not ZooKeeper) would wait forever to send its close
     * request, so its socket is destroyed instead.
     */
    close(): void {
        if (!this.closed) {
            const hadSession = this.raw.getState().name === "SYNC_CONNECTED" && this.refused === undefined;
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
