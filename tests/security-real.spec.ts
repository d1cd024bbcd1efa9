import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { renderJaasConfig, renderSecurityJvmFlags } from "../components/ensemble/security";
import { EnsembleSettings, resolveEnsembleSettings } from "../components/ensemble/settings";
import { EnsembleValues } from "../components/ensemble/args";
import { PORTS } from "../components/shared/zookeeper";
import { loopbackServers, startLocalMember } from "../tools/zookeeper/local";
import { MemberProcess, randomLoopbackNetwork, stopMember, waitForQuorum, ZooKeeperInstall } from "../tools/zookeeper/process";
import { requireOpenssl, requireZooKeeper } from "./support/zookeeper";
import { zkCli } from "./support/zkcli";
import { runCommand } from "./support/cli";
import { registerCheckCommands } from "../tools/checks/cli";
import { registerCopyCommand } from "../tools/checks/copy";
import { CreateMode, SaslAuthError, ZkClient } from "../tools/zookeeper/client";
import { answerDigestChallenge, parseDigestChallenge } from "../tools/zookeeper/sasl";

/** Runs openssl, failing the test with its stderr when it fails. */
function openssl(cwd: string, args: string[]): void {
    const r = spawnSync("openssl", args, { cwd, encoding: "utf8", timeout: 30_000 });
    if (r.status !== 0) {
        throw new Error(`openssl ${args.join(" ")} failed: ${r.error?.message ?? r.stderr}`);
    }
}

/** A CA and a certificate per name, PKCS#8 keys (what cert-manager is asked for); `<name>.pem` is key + certificate, what start.sh assembles. */
function makePki(dir: string, certs: { name: string; ips: string[] }[]): void {
    fs.mkdirSync(dir, { recursive: true });
    openssl(dir, ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256", "-days", "2", "-subj", "/CN=zookeeper-cutover test CA", "-keyout", "ca.key", "-out", "ca.crt", "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"]);
    for (const { name, ips } of certs) {
        openssl(dir, ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", `${name}.key`]);
        openssl(dir, ["req", "-new", "-key", `${name}.key`, "-subj", `/CN=${name}`, "-out", `${name}.csr`]);
        fs.writeFileSync(
            path.join(dir, `${name}.ext`),
            `subjectAltName=${ips.map((ip) => `IP:${ip}`).join(",")}\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth,clientAuth\n`,
        );
        openssl(dir, ["x509", "-req", "-in", `${name}.csr`, "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2", "-sha256", "-extfile", `${name}.ext`, "-out", `${name}.crt`]);
        fs.writeFileSync(path.join(dir, `${name}.pem`), fs.readFileSync(path.join(dir, `${name}.key`), "utf8") + fs.readFileSync(path.join(dir, `${name}.crt`), "utf8"), { mode: 0o600 });
    }
}

/**
 * TLS and SASL on real servers, with zoo.cfg, JAAS and JVM flags from the
 * components' renderers: the zero-downtime TLS path (one rolling restart per
 * step) keeps a quorum throughout and ends TLS-only; SASL admits a client with
 * credentials and refuses one without.
 */
describe("TLS and SASL on real ZooKeeper", function () {
    this.timeout(240_000);
    let install: ZooKeeperInstall;
    let root: string;
    const running = new Map<string, MemberProcess>();

    before(() => {
        install = requireZooKeeper("the TLS and SASL suite");
        requireOpenssl("the TLS and SASL suite");
        root = fs.mkdtempSync(path.join(os.tmpdir(), "zk-security-"));
    });

    after(async () => {
        await Promise.allSettled([...running.values()].map((m) => stopMember(m)));
        if (root) {
            fs.rmSync(root, { recursive: true, force: true });
        }
    });

    const settingsFor = (args: Partial<EnsembleValues>) =>
        resolveEnsembleSettings({ namespace: "security", zookeeperVersion: install.version ?? "3.8.4", metrics: "off", ...args });

    async function stop(key: string) {
        const m = running.get(key);
        running.delete(key);
        if (m) {
            await stopMember(m);
        }
    }

    const quorum = (address: (id: number) => string, ids = [1, 2, 3]) =>
        waitForQuorum(`members ${ids.join(", ")} serving with one leader`, ids.map((id) => ({ id, address: address(id) })), PORTS.client, { timeoutMs: 60_000, intervalMs: 300 });

    describe("TLS: accept -> prefer -> require, one rolling restart each", () => {
        let net = "";
        const address = (id: number) => `${net}.${id}`;
        const pki = () => path.join(root, "pki");

        function start(settings: EnsembleSettings, id: number) {
            const dir = path.join(root, "tls", `m${id}`);
            const m = startLocalMember(install, settings, {
                id,
                dir,
                servers: loopbackServers(settings.memberIds, address),
                placement: {
                    tls: { keyStore: path.join(pki(), `m${id}.pem`), trustStore: path.join(pki(), "ca.crt") },
                    plaintextClientAddress: address(id),
                    secureClientAddress: address(id),
                },
            });
            running.set(`tls-${id}`, m);
            return m;
        }

        const tlsClient = () => [
            "-Dzookeeper.client.secure=true",
            "-Dzookeeper.clientCnxnSocket=org.apache.zookeeper.ClientCnxnSocketNetty",
            `-Dzookeeper.ssl.keyStore.location=${path.join(pki(), "client.pem")}`,
            "-Dzookeeper.ssl.keyStore.type=PEM",
            `-Dzookeeper.ssl.trustStore.location=${path.join(pki(), "ca.crt")}`,
            "-Dzookeeper.ssl.trustStore.type=PEM",
        ];

        before(() => {
            net = randomLoopbackNetwork();
            // Members connect out from 127.0.0.1 on one machine; quorum hostname verification is off as in the pods.
            makePki(pki(), [...[1, 2, 3].map((id) => ({ name: `m${id}`, ips: [address(id)] })), { name: "client", ips: ["127.0.0.1"] }]);
        });

        it("a plaintext ensemble moves to TLS only without losing its quorum, and TLS clients read what was written before", async () => {
            const off = settingsFor({});
            [1, 2, 3].forEach((id) => start(off, id));
            await quorum(address);
            const before = zkCli(install, root, `${address(1)}:${PORTS.client}`, ["create", "/before-tls", "kept"]);
            expect(before.status, before.stderr).to.equal(0);

            for (const step of ["accept", "prefer", "require"] as const) {
                const settings = settingsFor({ tls: step, tlsSecretName: "zk-tls" });
                for (const id of [1, 2, 3]) {
                    await stop(`tls-${id}`);
                    // The other two keep serving while this member restarts on the next step.
                    await quorum(address, [1, 2, 3].filter((x) => x !== id));
                    const m = start(settings, id);
                    await quorum(address);
                    expect(fs.readFileSync(m.logFile, "utf8"), `member ${id} at ${step}`).to.contain(
                        step === "accept" ? "Port unification enabled" : "Using TLS encrypted quorum communication",
                    );
                }
            }
            const log = fs.readFileSync(running.get("tls-1")!.logFile, "utf8");
            expect(log).to.contain("Port unification disabled");

            const read = zkCli(install, root, `${address(3)}:${PORTS.secureClient}`, ["get", "/before-tls"], tlsClient());
            expect(read.status, read.stderr).to.equal(0);
            expect(read.stdout.trim().split("\n").pop()).to.equal("kept");
            const noCert = zkCli(install, root, `${address(2)}:${PORTS.secureClient}`, ["get", "/before-tls"], tlsClient().filter((f) => !f.includes("keyStore")));
            expect(noCert.status).to.equal(1);
        });

        it("check health asks the TLS-only ensemble over TLS (CA and client certificate); the package's own client writes and reads through TLS", async () => {
            // Runs on the ensemble the test above left at require.
            const secure = [1, 2, 3].map((id) => `${address(id)}:${PORTS.secureClient}`);
            const files = ["--tls-ca", path.join(pki(), "ca.crt"), "--tls-cert", path.join(pki(), "client.crt"), "--tls-key", path.join(pki(), "client.key")];
            const healthy = await runCommand(registerCheckCommands, ["check", "health", "--connect", secure.slice(0, 2).join(","), ...files, "--json"]);
            expect(healthy.code, healthy.out + healthy.err).to.equal(0);
            const report = JSON.parse(healthy.out);
            // Member 3 was not given: the server lists name it, and it was asked at its TLS port too.
            expect(report.members.map((m: { id: number; member: string; mode: string }) => [m.id, m.member])).to.deep.equal([
                [1, secure[0]],
                [2, secure[1]],
                [3, secure[2]],
            ]);
            expect(report.members.filter((m: { mode: string }) => m.mode === "leader")).to.have.length(1);
            const plain = await runCommand(registerCheckCommands, ["check", "health", "--connect", secure.join(","), "--timeout-ms", "2000"]);
            expect(plain.code).to.equal(1);
            const tls = { ca: fs.readFileSync(path.join(pki(), "ca.crt")), cert: fs.readFileSync(path.join(pki(), "client.crt")), key: fs.readFileSync(path.join(pki(), "client.key")) };
            const client = await ZkClient.connect(secure.join(","), { tls, connectTimeoutMs: 20_000 });
            try {
                expect((await client.data("/before-tls"))?.toString()).to.equal("kept");
                await client.create("/over-node-tls", Buffer.from("node"), CreateMode.PERSISTENT);
            } finally {
                client.close();
            }
            const read = zkCli(install, root, `${address(1)}:${PORTS.secureClient}`, ["get", "/over-node-tls"], tlsClient());
            expect(read.stdout.trim().split("\n").pop()).to.equal("node");
        });
    });

    describe("SASL DIGEST-MD5 between members and for clients (require)", () => {
        let net = "";
        const address = (id: number) => `${net}.${id}`;
        const quorumPassword = 'q-"pw"\\1';
        const clientPassword = "dubbo-pw";

        function clientJaas(password: string): string {
            const file = path.join(root, `client-${password.length}.jaas`);
            fs.writeFileSync(file, `Client {\n    org.apache.zookeeper.server.auth.DigestLoginModule required\n    username="dubbo"\n    password="${password}";\n};\n`);
            return `-Djava.security.auth.login.config=${file}`;
        }

        before(async () => {
            net = randomLoopbackNetwork();
            const settings = settingsFor({ saslQuorum: "require", saslQuorumPassword: "x", saslClient: "require", saslClientUsers: ["dubbo"], saslClientPasswords: ["x"] });
            const jaas = path.join(root, "server.jaas");
            fs.writeFileSync(jaas, renderJaasConfig(settings, { quorumPassword, clientPasswords: [clientPassword] }), { mode: 0o600 });
            for (const id of [1, 2, 3]) {
                const m = startLocalMember(install, settings, {
                    id,
                    dir: path.join(root, "sasl", `m${id}`),
                    servers: loopbackServers(settings.memberIds, address),
                    jvmArgs: renderSecurityJvmFlags(settings, jaas),
                });
                running.set(`sasl-${id}`, m);
            }
            await quorum(address);
        });

        it("members authenticate each other with the rendered JAAS file (quoted, escaped password)", () => {
            const log = [1, 2, 3].map((id) => fs.readFileSync(running.get(`sasl-${id}`)!.logFile, "utf8")).join("\n");
            expect(log).to.match(/Successfully authenticated learner: authenticationID=quorum/);
        });

        it("a client with credentials connects, writes and reads", () => {
            const created = zkCli(install, root, `${address(1)}:${PORTS.client}`, ["create", "/sasl-probe", "v"], [clientJaas(clientPassword)]);
            expect(created.status, created.stderr).to.equal(0);
            expect(created.stderr).to.contain("Created /sasl-probe");
            const read = zkCli(install, root, `${address(2)}:${PORTS.client}`, ["get", "/sasl-probe"], [clientJaas(clientPassword)]);
            expect(read.stdout.trim().split("\n").pop()).to.equal("v");
        });

        it("a client without credentials is refused; one with a wrong password too", () => {
            const anonymous = zkCli(install, root, `${address(1)}:${PORTS.client}`, ["get", "/sasl-probe"]);
            expect(anonymous.status).to.equal(1);
            expect(anonymous.stderr).to.contain("Session closed because client failed to authenticate");
            const wrong = zkCli(install, root, `${address(3)}:${PORTS.client}`, ["get", "/sasl-probe"], [clientJaas("wrong-password")]);
            expect(wrong.status).to.equal(1);
            expect(wrong.stderr).to.contain("KeeperErrorCode = AuthFailed");
        });

        const connectString = () => [1, 2, 3].map((id) => `${address(id)}:${PORTS.client}`).join(",");

        it("the package's own client with sasl credentials connects, writes and reads; the Java client reads what it wrote", async () => {
            const client = await ZkClient.connect(connectString(), { sasl: { username: "dubbo", password: clientPassword }, connectTimeoutMs: 20_000 });
            try {
                expect((await client.data("/sasl-probe"))?.toString()).to.equal("v");
                await client.create("/sasl-node", Buffer.from("from-node"), CreateMode.PERSISTENT);
                expect((await client.data("/sasl-node"))?.toString()).to.equal("from-node");
            } finally {
                client.close();
            }
            const read = zkCli(install, root, `${address(3)}:${PORTS.client}`, ["get", "/sasl-node"], [clientJaas(clientPassword)]);
            expect(read.stdout.trim().split("\n").pop()).to.equal("from-node");
            const log = [1, 2, 3].map((id) => fs.readFileSync(running.get(`sasl-${id}`)!.logFile, "utf8")).join("\n");
            expect(log).to.match(/adding SASL authorization for authorizationID: dubbo/);
        });

        it("the package's own client with a wrong password fails at once with one line naming the user; without credentials its requests are refused", async () => {
            const started = Date.now();
            const refused = await ZkClient.connect(connectString(), { sasl: { username: "dubbo", password: "wrong-password" }, connectTimeoutMs: 20_000 }).then(
                (c) => {
                    c.close();
                    return undefined;
                },
                (err: Error) => err,
            );
            expect(refused).to.be.instanceOf(SaslAuthError);
            expect(refused!.message).to.match(/^SASL DIGEST-MD5 authentication as user "dubbo" failed: [\d.]+:2181 refused the credentials \(SessionClosedRequireSaslAuth -124\)/);
            expect(refused!.message).not.to.contain("\n");
            expect(refused!.message).not.to.contain("wrong-password");
            expect(Date.now() - started, "not a timeout").to.be.below(10_000);

            // A user the JAAS file does not list, with a password of its own (ZooKeeper before ZOOKEEPER-4839 checks an unknown
            // user against the password of the user last authenticated on that server, so not with dubbo's).
            const unknown = await ZkClient.connect(connectString(), { sasl: { username: "nobody", password: "nobodys-pw" }, connectTimeoutMs: 20_000 }).then(
                (c) => (c.close(), undefined),
                (err: Error) => err,
            );
            expect(unknown?.message).to.match(/^SASL DIGEST-MD5 authentication as user "nobody" failed: .* refused the credentials/);

            const anonymous = await ZkClient.connect(connectString(), { connectTimeoutMs: 20_000, opTimeoutMs: 5_000 });
            try {
                const err = await anonymous.data("/sasl-probe").then(
                    () => undefined,
                    (e: Error) => e,
                );
                // Not a timeout: the server's SessionClosedRequireSaslAuth reply ends the read with one line.
                expect(err, "a read without SASL").to.be.instanceOf(SaslAuthError);
                expect(err!.message).to.match(/^[\d.]+:2181 requires SASL authentication \(saslClient: require\) and closed the session of this client, which has no SASL credentials$/);
            } finally {
                anonymous.close();
            }
        });

        it("the session probe authenticates with sasl: it finds a session of this ensemble, and an unknown one is not (no SASL for a refused session)", async () => {
            const sasl = { username: "dubbo", password: clientPassword };
            const owner = await ZkClient.connect(connectString(), { sasl, connectTimeoutMs: 20_000 });
            const session = owner.session();
            try {
                expect(await ZkClient.knowsSession(connectString(), session, { sasl, connectTimeoutMs: 20_000 })).to.equal(true);
            } finally {
                owner.close();
            }
            const unknown = { id: Buffer.from("0badc0ffee000001", "hex"), password: Buffer.alloc(16) };
            expect(await ZkClient.knowsSession(connectString(), unknown, { sasl, connectTimeoutMs: 20_000 })).to.equal(false);
        });

        it("over TLS too: one ensemble at tls require and saslClient require; the package's own client speaks TLS and SASL to it, a wrong password is one line; copy and check parity reach both SASL ensembles with --<side>-sasl-user and --<side>-sasl-password-file", async () => {
            const tlsNet = randomLoopbackNetwork();
            const at = (id: number) => `${tlsNet}.${id}`;
            const pki = path.join(root, "sasl-pki");
            makePki(pki, [...[1, 2, 3].map((id) => ({ name: `m${id}`, ips: [at(id)] })), { name: "client", ips: ["127.0.0.1"] }]);
            const settings = settingsFor({ tls: "require", tlsSecretName: "zk-tls", saslClient: "require", saslClientUsers: ["dubbo"], saslClientPasswords: ["x"] });
            const jaas = path.join(root, "tls-sasl.jaas");
            fs.writeFileSync(jaas, renderJaasConfig(settings, { quorumPassword, clientPasswords: [clientPassword] }), { mode: 0o600 });
            const keys = [1, 2, 3].map((id) => `tls-sasl-${id}`);
            try {
                for (const id of [1, 2, 3]) {
                    const m = startLocalMember(install, settings, {
                        id,
                        dir: path.join(root, "tls-sasl", `m${id}`),
                        servers: loopbackServers(settings.memberIds, at),
                        placement: { tls: { keyStore: path.join(pki, `m${id}.pem`), trustStore: path.join(pki, "ca.crt") }, plaintextClientAddress: at(id), secureClientAddress: at(id) },
                        jvmArgs: renderSecurityJvmFlags(settings, jaas),
                    });
                    running.set(keys[id - 1], m);
                }
                await quorum(at);
                const secure = [1, 2, 3].map((id) => `${at(id)}:${PORTS.secureClient}`).join(",");
                const tls = { ca: fs.readFileSync(path.join(pki, "ca.crt")), cert: fs.readFileSync(path.join(pki, "client.crt")), key: fs.readFileSync(path.join(pki, "client.key")) };
                const client = await ZkClient.connect(secure, { tls, sasl: { username: "dubbo", password: clientPassword }, connectTimeoutMs: 20_000 });
                try {
                    await client.create("/tls-and-sasl", Buffer.from("both"), CreateMode.PERSISTENT);
                    expect((await client.data("/tls-and-sasl"))?.toString()).to.equal("both");
                } finally {
                    client.close();
                }
                const wrong = await ZkClient.connect(secure, { tls, sasl: { username: "dubbo", password: "wrong-password" }, connectTimeoutMs: 20_000 }).then(
                    (c) => (c.close(), undefined),
                    (err: Error) => err,
                );
                expect(wrong).to.be.instanceOf(SaslAuthError);
                expect(wrong!.message).to.match(/^SASL DIGEST-MD5 authentication as user "dubbo" failed: [\d.]+:2281 refused the credentials/);

                // The command line: copy from the SASL ensemble into the TLS+SASL one, then check parity, each side with its own options.
                const dubboRoot = "/dubbo-sasl";
                const rule = `${dubboRoot}/config/dubbo/orders.condition-router`;
                const legacy = await ZkClient.connect(connectString(), { sasl: { username: "dubbo", password: clientPassword }, connectTimeoutMs: 20_000 });
                try {
                    await legacy.mkdirp(`${dubboRoot}/config/dubbo`);
                    await legacy.create(rule, Buffer.from("scope: application\nkey: orders\n"), CreateMode.PERSISTENT);
                } finally {
                    legacy.close();
                }
                const passwordFile = path.join(root, "dubbo.password");
                fs.writeFileSync(passwordFile, `${clientPassword}\n`, { mode: 0o600 });
                const wrongFile = path.join(root, "wrong.password");
                fs.writeFileSync(wrongFile, "wrong-password\n", { mode: 0o600 });
                const saslArgs = (side: string, file = passwordFile) => [`${side}-sasl-user`, "dubbo", `${side}-sasl-password-file`, file];
                const tlsArgs = (side: string) => [`${side}-tls-ca`, path.join(pki, "ca.crt"), `${side}-tls-cert`, path.join(pki, "client.crt"), `${side}-tls-key`, path.join(pki, "client.key")];
                const from = ["--from", connectString(), ...saslArgs("--from"), "--root", dubboRoot];
                const copied = await runCommand(registerCopyCommand, ["copy", ...from, "--to", secure, ...tlsArgs("--to"), ...saslArgs("--to")]);
                expect(copied.code, copied.out + copied.err).to.equal(0);
                expect(copied.out).to.match(/: DONE\n {2}created 4,/);
                const parity = (args: string[]) => runCommand(registerCheckCommands, ["check", "parity", "--old", connectString(), ...saslArgs("--old"), "--root", dubboRoot, "--new", secure, ...tlsArgs("--new"), ...args]);
                const passed = await parity(saslArgs("--new"));
                expect(passed.code, passed.out + passed.err).to.equal(0);
                expect(passed.out).to.match(/IN PARITY\n/);

                const noSasl = await runCommand(registerCopyCommand, ["copy", ...from, "--to", secure, ...tlsArgs("--to")]);
                expect([noSasl.code, noSasl.out]).to.deep.equal([2, ""]);
                expect(noSasl.err).to.match(
                    /^error: --to [^ ]+: [\d.]+:2281 requires SASL authentication \(saslClient: require\) and closed the session of this client, which has no SASL credentials; allowed: --to-sasl-user NAME with --to-sasl-password-file FILE\n$/,
                );
                const refused = await parity(saslArgs("--new", wrongFile));
                expect([refused.code, refused.out]).to.deep.equal([2, ""]);
                expect(refused.err).to.match(/^error: --new registry [^ ]+: SASL DIGEST-MD5 authentication as user "dubbo" failed: [\d.]+:2281 refused the credentials [^\n]*\n$/);
                expect(refused.err).not.to.contain("wrong-password");
            } finally {
                await Promise.all(keys.map((k) => stop(k)));
            }
        });
    });
});

describe("SASL DIGEST-MD5 answers (RFC 2831)", () => {
    it("answers RFC 2831's example challenge with its response and expects its rspauth", () => {
        const challenge = 'realm="elwood.innosoft.com",nonce="OA6MG9tEQGm2hh",qop="auth",algorithm=md5-sess,charset=utf-8';
        const answer = answerDigestChallenge(challenge, { username: "chris", password: "secret" }, "imap/elwood.innosoft.com", "OA6MHXh6VqTrRk");
        const directives = parseDigestChallenge(answer.response.toString("utf8"));
        expect(directives.get("response")).to.equal("d388dad90d4bbd760a152321f2143af7");
        expect(directives.get("digest-uri")).to.equal("imap/elwood.innosoft.com");
        expect(directives.get("username")).to.equal("chris");
        expect(answer.rspauth).to.equal("ea40f60335c427b5527b84dbabcdfffd");
    });

    it("quotes what it sends and reads quoted values with escapes; refuses a challenge without md5-sess or auth", () => {
        const parsed = parseDigestChallenge('realm="a\\"b\\\\c",nonce="x,y", qop="auth,auth-int" ,algorithm=md5-sess');
        expect([parsed.get("realm"), parsed.get("nonce"), parsed.get("qop"), parsed.get("algorithm")]).to.deep.equal(['a"b\\c', "x,y", "auth,auth-int", "md5-sess"]);
        const answer = answerDigestChallenge('nonce="n",algorithm=md5-sess', { username: 'we"ird', password: "p" }, "zookeeper/zk-sasl-md5", "c");
        expect(parseDigestChallenge(answer.response.toString("latin1")).get("username")).to.equal('we"ird');
        expect(() => answerDigestChallenge('nonce="n",algorithm=md5', { username: "u", password: "p" }, "zookeeper/zk-sasl-md5")).to.throw(/md5-sess/);
        expect(() => answerDigestChallenge('nonce="n",algorithm=md5-sess,qop="auth-conf"', { username: "u", password: "p" }, "zookeeper/zk-sasl-md5")).to.throw(/not auth/);
    });
});
