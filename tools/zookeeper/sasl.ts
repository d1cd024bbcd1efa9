/**
 * SASL DIGEST-MD5 client authentication for the commands' own ZooKeeper
 * sessions, for an ensemble that requires it (`saslClient: require`, server
 * flag `zookeeper.sessionRequireClientSASLAuth`). node-zookeeper-client has no
 * SASL, so the exchange happens in the socket the library is handed: a
 * `SaslSocket` passes the library's ConnectRequest through, holds the
 * server's ConnectResponse, authenticates with its own packets and only then
 * hands the ConnectResponse to the library and lets its traffic flow. The
 * library therefore sees a session only once it is authenticated.
 *
 * The exchange is the Java client's (ZooKeeperSaslClient): packets of type
 * `sasl` (102) carry a GetSASLRequest token; the server answers each with a
 * ReplyHeader and a SetSASLResponse token. DIGEST-MD5 has no initial
 * response, so the first token is empty; the server answers with its
 * challenge, the client with its digest, the server with `rspauth` (checked
 * here), and no further packet is sent. The service is ZooKeeper's:
 * protocol "zookeeper", server name "zk-sasl-md5" (RFC 2831).
 */
import { createHash, randomBytes, timingSafeEqual } from "crypto";
import { EventEmitter } from "events";
import { OptionError, readOptionFile } from "../errors";

/** The user and password a client authenticates as (a user of the members' JAAS `Server` section). */
export interface SaslCredentials {
    username: string;
    password: string;
}

/** SASL authentication did not succeed: one line naming the user and the server. */
export class SaslAuthError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "SaslAuthError";
    }
}


/** A command line's SASL options: a user name and the file holding its password (a password is never given on the command line). */
export interface ClientSaslOptions {
    user?: string;
    passwordFile?: string;
}

/**
 * Reads the SASL credentials a command line gives; undefined without any.
 * The password file holds the password alone; one line end after it is not
 * part of it. Each problem is one line naming the option (`names` maps a
 * field to its option) and never showing the password.
 */
export function readClientSasl(given: ClientSaslOptions, names: Record<keyof ClientSaslOptions, string>): SaslCredentials | undefined {
    if (given.user === undefined && given.passwordFile === undefined) {
        return undefined;
    }
    if (given.user === undefined || given.passwordFile === undefined) {
        const [option, missing] = given.user === undefined ? [names.passwordFile, names.user] : [names.user, names.passwordFile];
        throw new OptionError(`${option} needs ${missing}; allowed: a user of the members' JAAS Server section with a file holding its password, or neither`);
    }
    // Any name a JAAS Server section may list (a legacy ensemble's too), so only an empty one or a control character is refused.
    if (given.user === "" || /[\u0000-\u001f\u007f]/.test(given.user)) {
        throw new OptionError(`${names.user} ${JSON.stringify(given.user)} is not a usable SASL user name; allowed: a user of the members' JAAS Server section`);
    }
    const file = given.passwordFile;
    const text = readOptionFile(file, names.passwordFile, `a file holding the password of ${names.user}`).toString("utf8");
    const password = text.replace(/\r?\n$/, "");
    if (password === "") {
        throw new OptionError(`${names.passwordFile} ${JSON.stringify(file)} is empty; allowed: a file holding the password of ${names.user}`);
    }
    if (/[\r\n]/.test(password)) {
        throw new OptionError(`${names.passwordFile} ${JSON.stringify(file)} holds more than one line; allowed: a file holding the password alone`);
    }
    return { username: given.user, password };
}

/** ZooKeeper's SASL service as its client and server name it. */
const ZOOKEEPER_SASL_PROTOCOL = "zookeeper";
const ZOOKEEPER_SASL_SERVER_NAME = "zk-sasl-md5";
/** OpCode.sasl. */
const OP_SASL = 102;
/** The most a SASL reply may hold (a DIGEST-MD5 challenge is a few hundred bytes; RFC 2831 caps it at 2048). */
const SASL_REPLY_MAX_BYTES = 64 * 1024;
/** The most a ConnectResponse may hold (ZooKeeper's is under 50 bytes); a longer first frame is left to the library to judge. */
const CONNECT_RESPONSE_MAX_BYTES = 4096;

const md5 = (...parts: (Buffer | string)[]): Buffer => {
    const hash = createHash("md5");
    parts.forEach((p) => hash.update(p));
    return hash.digest();
};
const hex = (b: Buffer) => b.toString("hex");

/** The directives of a DIGEST-MD5 challenge (RFC 2831 2.1.1): `key=token` or `key="quoted"`, comma separated. */
export function parseDigestChallenge(text: string): Map<string, string> {
    const directives = new Map<string, string>();
    let i = 0;
    const skip = () => {
        while (i < text.length && /[\s,]/.test(text[i])) i++;
    };
    skip();
    while (i < text.length) {
        const eq = text.indexOf("=", i);
        if (eq < 0) {
            throw new Error(`malformed DIGEST-MD5 challenge near ${JSON.stringify(text.slice(i, i + 20))}`);
        }
        const key = text.slice(i, eq).trim().toLowerCase();
        i = eq + 1;
        let value = "";
        if (text[i] === '"') {
            i++;
            while (i < text.length && text[i] !== '"') {
                if (text[i] === "\\" && i + 1 < text.length) i++;
                value += text[i++];
            }
            if (i >= text.length) {
                throw new Error(`malformed DIGEST-MD5 challenge: unterminated value of ${key}`);
            }
            i++;
        } else {
            const end = text.indexOf(",", i);
            value = text.slice(i, end < 0 ? text.length : end).trim();
            i = end < 0 ? text.length : end;
        }
        // Only realm may appear more than once; the first is taken (ZooKeeper sends one).
        if (!directives.has(key)) {
            directives.set(key, value);
        }
        skip();
    }
    return directives;
}

/**
 * A string as RFC 2831 hashes it: ISO 8859-1 when every character fits,
 * else UTF-8 (allowed only when the server announced charset=utf-8).
 */
function hashable(value: string, utf8: boolean): Buffer {
    if ([...value].every((c) => c.codePointAt(0)! <= 0xff)) {
        return Buffer.from(value, "latin1");
    }
    if (!utf8) {
        throw new Error("the user name or password has characters outside ISO 8859-1, but the server did not announce charset=utf-8");
    }
    return Buffer.from(value, "utf8");
}

const quote = (value: string) => `"${value.replace(/(["\\])/g, "\\$1")}"`;

/** The client's answer to a DIGEST-MD5 challenge, and the `rspauth` the server must then send. */
interface DigestAnswer {
    response: Buffer;
    rspauth: string;
}

/**
 * Answers a DIGEST-MD5 challenge (RFC 2831 2.1.2) for `digestUri`, with qop
 * auth and no authorization id (the server takes the user name). `cnonce` is
 * random unless given (tests).
 */
export function answerDigestChallenge(challenge: string, credentials: SaslCredentials, digestUri: string, cnonce = randomBytes(16).toString("hex")): DigestAnswer {
    const d = parseDigestChallenge(challenge);
    const nonce = d.get("nonce");
    if (nonce === undefined) {
        throw new Error("the DIGEST-MD5 challenge has no nonce");
    }
    const algorithm = d.get("algorithm");
    if (algorithm?.toLowerCase() !== "md5-sess") {
        throw new Error(`the DIGEST-MD5 challenge asks for algorithm ${JSON.stringify(algorithm ?? "")}, not md5-sess`);
    }
    const qops = (d.get("qop") ?? "auth").split(",").map((q) => q.trim());
    if (!qops.includes("auth")) {
        throw new Error(`the DIGEST-MD5 challenge offers qop ${JSON.stringify(qops.join(","))}, not auth`);
    }
    const utf8 = d.get("charset")?.toLowerCase() === "utf-8";
    const realm = d.get("realm") ?? "";
    const nc = "00000001";
    const qop = "auth";
    const secret = md5(hashable(`${credentials.username}:${realm}:`, utf8), hashable(credentials.password, utf8));
    const ha1 = hex(md5(secret, `:${nonce}:${cnonce}`));
    const digest = (a2: string) => hex(md5(`${ha1}:${nonce}:${nc}:${cnonce}:${qop}:${hex(md5(a2))}`));
    const directives = [
        ...(utf8 ? ["charset=utf-8"] : []),
        `username=${quote(credentials.username)}`,
        ...(d.has("realm") ? [`realm=${quote(realm)}`] : []),
        `nonce=${quote(nonce)}`,
        `nc=${nc}`,
        `cnonce=${quote(cnonce)}`,
        `digest-uri=${quote(digestUri)}`,
        `response=${digest(`AUTHENTICATE:${digestUri}`)}`,
        `qop=${qop}`,
    ];
    return { response: Buffer.from(directives.join(","), utf8 ? "utf8" : "latin1"), rspauth: digest(`:${digestUri}`) };
}

/** A length-prefixed sasl request: RequestHeader{xid, type 102} + GetSASLRequest{token}. */
function saslRequest(xid: number, token: Buffer): Buffer {
    const packet = Buffer.alloc(4 + 4 + 4 + 4 + token.length);
    packet.writeInt32BE(packet.length - 4, 0);
    packet.writeInt32BE(xid, 4);
    packet.writeInt32BE(OP_SASL, 8);
    packet.writeInt32BE(token.length, 12);
    token.copy(packet, 16);
    return packet;
}

/** A sasl reply without its length: ReplyHeader{xid, zxid, err} + SetSASLResponse{token} (a null token is empty). */
function parseSaslReply(frame: Buffer): { xid: number; err: number; token: Buffer } {
    if (frame.length < 16) {
        throw new Error(`a SASL reply of ${frame.length} bytes is shorter than its header`);
    }
    const xid = frame.readInt32BE(0);
    const err = frame.readInt32BE(12);
    if (frame.length < 20) {
        return { xid, err, token: Buffer.alloc(0) };
    }
    const length = frame.readInt32BE(16);
    if (length > frame.length - 20 || length < -1) {
        throw new Error(`a SASL reply announces a token of ${length} bytes in ${frame.length - 20}`);
    }
    return { xid, err, token: length <= 0 ? Buffer.alloc(0) : frame.subarray(20, 20 + length) };
}

/** How long a connection may take from the dial until its session is authenticated, by default. */
const SASL_EXCHANGE_TIMEOUT_MS = 10_000;

/** Compares two texts in time that does not depend on where they differ. */
function sameText(a: string, b: string): boolean {
    const x = Buffer.from(a);
    const y = Buffer.from(b);
    return x.length === y.length && timingSafeEqual(x, y);
}

/** ZooKeeper's error codes a refused SASL exchange answers with. */
/** The code a server answers a request of a session that has not logged in where SASL is required, before closing it. */
export const SESSION_CLOSED_REQUIRE_SASL_AUTH = -124;
const SASL_ERRORS: Record<number, string> = { [-115]: "AuthFailed", [SESSION_CLOSED_REQUIRE_SASL_AUTH]: "SessionClosedRequireSaslAuth" };

/** What the library uses of the socket it opens (net.Socket or tls.TLSSocket). */
export interface LibrarySocket extends EventEmitter {
    write(data: Buffer): boolean;
    destroy(): void;
    setNoDelay(noDelay?: boolean): unknown;
    setTimeout(ms: number, callback?: () => void): unknown;
    readonly remoteAddress?: string;
    readonly remotePort?: number;
}

type Phase = "connecting" | "session" | "authenticating" | "open" | "failed";

/**
 * The socket the library is handed when SASL is asked for, over a plain or
 * TLS socket. Before its session is authenticated it lets through only the
 * library's ConnectRequest (the first write); later writes wait. It holds the
 * server's ConnectResponse, runs the exchange, then passes the response on,
 * flushes what waited and steps aside. A refused or expired session
 * (`timeOut` <= 0) goes to the library as it came; a first frame that is no
 * ConnectResponse fails, never reaching the library (a padded one would pass
 * for a session there and skip SASL). On failure `onFailure` gets a
 * `SaslAuthError` and the connection is dropped; a connection lost or stalled
 * (past the exchange's deadline) before the end is a connection loss, which the
 * library meets by moving on to the next server.
 */
export class SaslSocket extends EventEmitter implements LibrarySocket {
    private phase: Phase = "connecting";
    private received: Buffer = Buffer.alloc(0);
    private readonly waiting: Buffer[] = [];
    private connectResponse?: Buffer;
    private expectedRspauth?: string;
    private xid = 0;
    private readonly deadline: NodeJS.Timeout;

    constructor(
        private readonly inner: LibrarySocket,
        private readonly credentials: SaslCredentials,
        /** The server as messages name it (host:port). */
        private readonly server: string,
        private readonly onFailure: (err: SaslAuthError) => void,
        /** How long the connection may take from the dial until the session is authenticated. */
        exchangeTimeoutMs = SASL_EXCHANGE_TIMEOUT_MS,
    ) {
        super();
        inner.on("connect", () => this.emit("connect"));
        inner.on("drain", () => this.emit("drain"));
        inner.on("error", (err) => this.emit("error", err));
        inner.on("data", (chunk: Buffer) => this.onData(chunk));
        inner.on("close", (hadError: boolean) => {
            // A connection lost before the exchange ended is a connection loss like any other (the library moves
            // on to the next server, where SASL runs again), not a refusal of the credentials.
            if (this.phase !== "open") {
                this.stop();
            }
            this.emit("close", hadError);
        });
        // A server that takes the connection but stalls before the session is authenticated is dropped like a
        // connection that timed out: the library moves on to the next server.
        this.deadline = setTimeout(() => {
            if (this.phase !== "open" && this.phase !== "failed") {
                this.inner.destroy();
            }
        }, exchangeTimeoutMs);
        this.deadline.unref?.();
    }

    get remoteAddress(): string | undefined {
        return this.inner.remoteAddress;
    }

    get remotePort(): number | undefined {
        return this.inner.remotePort;
    }

    setNoDelay(noDelay?: boolean): this {
        this.inner.setNoDelay(noDelay);
        return this;
    }

    setTimeout(ms: number, callback?: () => void): this {
        this.inner.setTimeout(ms, callback);
        return this;
    }

    destroy(): void {
        this.inner.destroy();
    }

    write(data: Buffer): boolean {
        switch (this.phase) {
            case "connecting":
                this.phase = "session";
                return this.inner.write(data);
            case "open":
                return this.inner.write(data);
            case "failed":
                return true;
            default:
                this.waiting.push(data);
                return true;
        }
    }

    /** Steps aside: what waited goes out, then `data` (and anything read after it) goes to the library. */
    private open(data: Buffer): void {
        this.phase = "open";
        clearTimeout(this.deadline);
        this.received = Buffer.alloc(0);
        this.waiting.splice(0).forEach((b) => this.inner.write(b));
        if (data.length > 0) {
            this.emit("data", data);
        }
    }

    private onData(chunk: Buffer): void {
        if (this.phase === "open" || this.phase === "connecting") {
            return void this.emit("data", chunk);
        }
        if (this.phase === "failed") {
            return;
        }
        this.received = Buffer.concat([this.received, chunk]);
        while (this.received.length >= 4 && (this.phase === "session" || this.phase === "authenticating")) {
            const length = this.received.readInt32BE(0);
            if (this.phase === "session") {
                if (length < 8 || length > CONNECT_RESPONSE_MAX_BYTES) {
                    // Never handed on: the library would take a padded frame for a session and skip SASL.
                    return this.fail(`answered the session request with a frame of ${length} bytes, which is no ConnectResponse`);
                }
                if (this.received.length < 4 + length) {
                    return;
                }
                const frame = this.received.subarray(0, 4 + length);
                this.received = this.received.subarray(4 + length);
                // ConnectResponse{protocolVersion, timeOut, ...}: no session (timeOut <= 0) means nothing to authenticate.
                if (frame.readInt32BE(8) <= 0) {
                    return this.open(Buffer.concat([frame, this.received]));
                }
                this.connectResponse = frame;
                this.phase = "authenticating";
                this.send(Buffer.alloc(0));
                continue;
            }
            if (length < 16 || length > SASL_REPLY_MAX_BYTES) {
                return this.fail(`answered SASL with a reply of ${length} bytes, which is not ZooKeeper's protocol`);
            }
            if (this.received.length < 4 + length) {
                return;
            }
            const frame = this.received.subarray(4, 4 + length);
            this.received = this.received.subarray(4 + length);
            this.step(frame);
        }
    }

    private send(token: Buffer): void {
        this.xid += 1;
        this.inner.write(saslRequest(this.xid, token));
    }

    /** One server token: the challenge (answered), then rspauth (checked; the exchange is over). */
    private step(frame: Buffer): void {
        let reply: ReturnType<typeof parseSaslReply>;
        try {
            reply = parseSaslReply(frame);
        } catch (err) {
            return this.fail(`answered SASL with something that is not ZooKeeper's protocol (${(err as Error).message})`);
        }
        if (reply.err !== 0) {
            const code = SASL_ERRORS[reply.err] ?? "error";
            return this.fail(`refused the credentials (${code} ${reply.err}): a wrong password, or a user the members' JAAS Server section does not list`);
        }
        const text = reply.token.toString("utf8");
        if (this.expectedRspauth === undefined) {
            if (reply.token.length === 0) {
                return this.fail("answered SASL without a challenge: the server has no SASL set up (saslClient off?)");
            }
            try {
                const answer = answerDigestChallenge(text, this.credentials, `${ZOOKEEPER_SASL_PROTOCOL}/${ZOOKEEPER_SASL_SERVER_NAME}`);
                this.expectedRspauth = answer.rspauth;
                this.send(answer.response);
            } catch (err) {
                this.fail(`sent a DIGEST-MD5 challenge that cannot be answered: ${(err as Error).message}`);
            }
            return;
        }
        let rspauth: string | undefined;
        try {
            rspauth = parseDigestChallenge(text).get("rspauth");
        } catch (err) {
            return this.fail(`answered with a malformed rspauth (${(err as Error).message})`);
        }
        if (rspauth === undefined || !sameText(rspauth, this.expectedRspauth!)) {
            return this.fail(`answered with ${rspauth === undefined ? "no rspauth" : "a wrong rspauth"}: it did not prove it holds the user's password`);
        }
        const held = Buffer.concat([this.connectResponse!, this.received]);
        this.connectResponse = undefined;
        this.open(held);
    }

    /** Ends the exchange for good: no deadline, nothing that waited is sent. */
    private stop(): void {
        clearTimeout(this.deadline);
        this.phase = "failed";
        this.waiting.length = 0;
    }

    private fail(reason: string): void {
        if (this.phase === "failed") {
            return;
        }
        this.stop();
        this.onFailure(new SaslAuthError(`SASL DIGEST-MD5 authentication as user ${JSON.stringify(this.credentials.username)} failed: ${this.server} ${reason}`));
        this.inner.destroy();
    }
}
