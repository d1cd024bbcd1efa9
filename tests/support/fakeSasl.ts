/**
 * A ZooKeeper server in miniature for the SASL client's failure paths: it
 * answers the session request, runs DIGEST-MD5 (RFC 2831, as ZooKeeper's
 * server does: realm and server name zk-sasl-md5) for one user, and answers
 * every later request with NoNode. `misbehave` picks how it goes wrong.
 */
import { createHash } from "crypto";
import * as net from "net";

export type Misbehaviour =
    | "none"
    /** Drops the connection when the first SASL request arrives. */
    | "closeOnSasl"
    /** Never answers SASL. */
    | "silentOnSasl"
    /** Ends the exchange with an rspauth whose quotes do not close. */
    | "malformedRspauth"
    /** Pads its answer to the session request past any ConnectResponse. */
    | "paddedConnectResponse";

export interface FakeSaslServer {
    port: number;
    /** Requests by type, in order (102 is SASL). */
    requests: number[];
    close(): Promise<void>;
}

const md5 = (...parts: (string | Buffer)[]) => parts.reduce((h, p) => h.update(p), createHash("md5")).digest();
function framed(body: Buffer): Buffer {
    const length = Buffer.alloc(4);
    length.writeInt32BE(body.length);
    return Buffer.concat([length, body]);
}

function reply(xid: number, err: number, token?: Buffer | null): Buffer {
    const header = Buffer.alloc(16);
    header.writeInt32BE(xid, 0);
    header.writeInt32BE(err, 12);
    if (token === undefined) {
        return framed(header);
    }
    const length = Buffer.alloc(4);
    length.writeInt32BE(token === null ? -1 : token.length);
    return framed(Buffer.concat([header, length, token ?? Buffer.alloc(0)]));
}

export function fakeSaslServer(misbehave: Misbehaviour, user = "dubbo", password = "secret"): Promise<FakeSaslServer> {
    const requests: number[] = [];
    const sockets = new Set<net.Socket>();
    const server = net.createServer((socket) => {
        sockets.add(socket);
        socket.on("close", () => sockets.delete(socket));
        socket.on("error", () => undefined);
        const nonce = "OA6MG9tEQGm2hh";
        let buffered = Buffer.alloc(0);
        let session = false;
        socket.on("data", (chunk: Buffer) => {
            buffered = Buffer.concat([buffered, chunk]);
            while (buffered.length >= 4 && buffered.length >= 4 + buffered.readInt32BE(0)) {
                const frame = buffered.subarray(4, 4 + buffered.readInt32BE(0));
                buffered = buffered.subarray(4 + frame.length);
                if (!session) {
                    session = true;
                    // ConnectResponse{protocolVersion 0, timeOut, sessionId, passwd (16 bytes)}.
                    const response = Buffer.alloc(misbehave === "paddedConnectResponse" ? 5000 : 36);
                    response.writeInt32BE(9000, 4);
                    response.writeInt32BE(16, 16);
                    socket.write(framed(response));
                    continue;
                }
                const xid = frame.readInt32BE(0);
                const type = frame.readInt32BE(4);
                requests.push(type);
                if (type !== 102) {
                    socket.write(reply(xid, -101));
                    continue;
                }
                if (misbehave === "closeOnSasl") {
                    socket.destroy();
                    return;
                }
                if (misbehave === "silentOnSasl") {
                    continue;
                }
                const length = frame.readInt32BE(8);
                const token = frame.subarray(12, 12 + Math.max(length, 0)).toString("utf8");
                if (token === "") {
                    socket.write(reply(xid, 0, Buffer.from(`realm="zk-sasl-md5",nonce="${nonce}",charset=utf-8,algorithm=md5-sess,qop="auth"`)));
                    continue;
                }
                const field = (k: string) => new RegExp(`(?:^|,)${k}="?([^",]*)"?`).exec(token)?.[1] ?? "";
                const a1 = md5(md5(`${field("username")}:zk-sasl-md5:${password}`), `:${nonce}:${field("cnonce")}`).toString("hex");
                const kd = (a2: string) => md5(`${a1}:${nonce}:${field("nc")}:${field("cnonce")}:auth:${md5(a2).toString("hex")}`).toString("hex");
                if (field("username") !== user || field("response") !== kd(`AUTHENTICATE:${field("digest-uri")}`)) {
                    socket.write(reply(xid, -124, null));
                    continue;
                }
                const rspauth = kd(`:${field("digest-uri")}`);
                socket.write(reply(xid, 0, Buffer.from(misbehave === "malformedRspauth" ? `rspauth="${rspauth}` : `rspauth=${rspauth}`)));
            }
        });
    });
    return new Promise((resolve) =>
        server.listen(0, "127.0.0.1", () =>
            resolve({
                port: (server.address() as net.AddressInfo).port,
                requests,
                close: () => {
                    sockets.forEach((s) => s.destroy());
                    return new Promise((r) => server.close(() => r()));
                },
            }),
        ),
    );
}
