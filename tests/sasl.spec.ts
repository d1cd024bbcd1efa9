import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { makeEnsembleCertificate } from "../tools/rehearse/pki";
import { SaslAuthError, ZkClient } from "../tools/zookeeper/client";
import { readClientTls } from "../tools/zookeeper/tls";
import { fakeSaslServer, FakeSaslServer, Misbehaviour } from "./support/fakeSasl";

/**
 * The SASL client against servers that go wrong in ways a real ensemble can
 * (a member lost or stalled mid-exchange) or an impostor would (a padded
 * answer, a malformed proof): a lost or stalled connection is moved on from,
 * never taken for refused credentials; a bad answer refuses the client in one
 * line, never reaching the library and never ending the process.
 */
describe("SASL DIGEST-MD5 client: servers that go wrong", function () {
    this.timeout(30_000);
    const started: FakeSaslServer[] = [];
    const start = async (...how: Misbehaviour[]) => {
        const servers = await Promise.all(how.map((m) => fakeSaslServer(m)));
        started.push(...servers);
        return servers.map((s) => `127.0.0.1:${s.port}`).join(",");
    };
    const credentials = { username: "dubbo", password: "secret" };
    // Two servers and a 4 s session: the library gives each connection 2 s, the SASL exchange included.
    const connect = (connectString: string) => ZkClient.connect(connectString, { sasl: credentials, sessionTimeoutMs: 4_000, connectTimeoutMs: 8_000, opTimeoutMs: 2_000 });

    afterEach(async () => {
        await Promise.all(started.splice(0).map((s) => s.close()));
    });

    it("logs in and serves requests (the fake server checks the digest as ZooKeeper's does)", async () => {
        const client = await connect(await start("none"));
        try {
            expect(await client.exists("/dubbo")).to.equal(false);
        } finally {
            client.close();
        }
    });

    it("a server that drops the connection during the exchange is a connection lost: the client moves on to the next server", async () => {
        const connectString = await start("closeOnSasl", "none");
        const [dropping, good] = started;
        // The library starts at a random server: connect until the dropping one was tried first.
        for (let attempt = 0; attempt < 20 && dropping.requests.length === 0; attempt++) {
            const client = await connect(connectString);
            expect(await client.exists("/dubbo")).to.equal(false);
            client.close();
        }
        expect(dropping.requests).to.include(102);
        expect(good.requests).to.include(102);
    });

    it("a server that never answers the exchange is dropped after the library's connect timeout, and the next one serves", async () => {
        const connectString = await start("silentOnSasl", "none");
        const [silent] = started;
        for (let attempt = 0; attempt < 20 && silent.requests.length === 0; attempt++) {
            const client = await connect(connectString);
            client.close();
        }
        expect(silent.requests).to.deep.equal([102]);
    });

    it("a malformed proof of the password refuses the client in one line (the process goes on)", async () => {
        const err = await connect(await start("malformedRspauth")).then(
            () => undefined,
            (e: Error) => e,
        );
        expect(err).to.be.instanceOf(SaslAuthError);
        expect(err!.message).to.match(/^SASL DIGEST-MD5 authentication as user "dubbo" failed: 127\.0\.0\.1:\d+ answered with a malformed rspauth \(.+\)$/);
    });

    it("a padded answer to the session request is refused before the library sees it: SASL is never skipped", async () => {
        const err = await connect(await start("paddedConnectResponse")).then(
            () => undefined,
            (e: Error) => e,
        );
        expect(err).to.be.instanceOf(SaslAuthError);
        expect(err!.message).to.match(/answered the session request with a frame of 5000 bytes, which is no ConnectResponse$/);
        expect(started[0].requests).to.deep.equal([]);
    });
});

describe("TLS files checked before any connection", function () {
    it("a client certificate with another certificate's key is one line naming the options", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "zk-tls-pair-"));
        try {
            const a = makeEnsembleCertificate(path.join(dir, "a"), ["zk-1.zookeeper.svc.cluster.local"]);
            const b = makeEnsembleCertificate(path.join(dir, "b"), ["zk-1.zookeeper.svc.cluster.local"]);
            const names = { ca: "--tls-ca", cert: "--tls-cert", key: "--tls-key" };
            expect(() => readClientTls({ ca: path.join(a, "ca.crt"), cert: path.join(a, "tls.crt"), key: path.join(b, "tls.key") }, names)).to.throw(
                /^--tls-ca, --tls-cert and --tls-key cannot be used together \(.+\); allowed: a PEM CA certificate, and a PEM certificate with the private key it was issued for$/,
            );
            expect(readClientTls({ ca: path.join(a, "ca.crt"), cert: path.join(a, "tls.crt"), key: path.join(a, "tls.key") }, names)?.cert).to.be.instanceOf(Buffer);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
