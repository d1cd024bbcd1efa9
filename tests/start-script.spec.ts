import { expect } from "chai";
import { spawn, spawnSync } from "child_process";
import * as net from "net";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { renderStartScript } from "../components/ensemble/scripts";
import { resolveEnsembleSettings } from "../components/ensemble/settings";

/**
 * Runs the rendered start.sh with bash, with a stand-in zkServer.sh on PATH
 * that records that it was started (the real server is exercised by the
 * real-ZooKeeper spec).
 */
describe("member start script", () => {
    let dir: string;
    const script = renderStartScript(resolveEnsembleSettings({ namespace: "zk", memberIds: [4, 5, 6] }));

    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "zk-start-"));
        fs.mkdirSync(path.join(dir, "bin"));
        fs.mkdirSync(path.join(dir, "data"));
        fs.writeFileSync(path.join(dir, "bin", "zkServer.sh"), '#!/usr/bin/env bash\necho "started $*"\n', { mode: 0o755 });
        fs.writeFileSync(path.join(dir, "start.sh"), script);
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    function start(memberId: string) {
        const r = spawnSync("bash", [path.join(dir, "start.sh")], {
            env: { PATH: `${path.join(dir, "bin")}:${process.env.PATH}`, ZK_MEMBER_ID: memberId, ZK_DATA_DIR: path.join(dir, "data") },
            encoding: "utf8",
            timeout: 10000,
        });
        return { status: r.status, stdout: r.stdout, stderr: r.stderr };
    }

    it("writes myid from the pod's member id on first start and starts the server", () => {
        const r = start("5");
        expect(r.status).to.equal(0);
        expect(r.stdout.split("\n").slice(-2)).to.deep.equal(["started start-foreground", ""]);
        expect(fs.readFileSync(path.join(dir, "data", "myid"), "utf8")).to.equal("5\n");
    });

    it("starts again when the data directory already belongs to the same member", () => {
        fs.writeFileSync(path.join(dir, "data", "myid"), "6\n");
        expect(start("6").status).to.equal(0);
    });

    it("refuses to start when the data directory belongs to another member", () => {
        fs.writeFileSync(path.join(dir, "data", "myid"), "4\n");
        const r = start("6");
        expect(r.status).to.equal(1);
        expect(r.stderr).to.contain("holds myid 4 but this pod is member 6");
        expect(fs.readFileSync(path.join(dir, "data", "myid"), "utf8")).to.equal("4\n");
    });

    it("refuses to start a pod whose ordinal is not a member id", () => {
        const r = start("3");
        expect(r.status).to.equal(1);
        expect(r.stderr).to.contain("member id '3' is not one of the ensemble's members: 4 5 6");
        expect(fs.existsSync(path.join(dir, "data", "myid"))).to.equal(false);
    });

    it("refuses to start without a member id (cluster without the pod-index label)", () => {
        expect(start("").status).to.equal(1);
    });

    describe("waiting for its own Service name", () => {
        /** A stand-in getent that answers `ahosts` from a file the test rewrites, like cluster DNS (one line per socket type, as glibc's). */
        beforeEach(() => {
            fs.writeFileSync(
                path.join(dir, "bin", "getent"),
                '#!/usr/bin/env bash\n[ "$1" = ahosts ] || exit 2\nwhile read -r ip name; do if [ "$name" = "$2" ]; then printf "%s    STREAM %s\\n%s    DGRAM\\n" "$ip" "$name" "$ip"; fi; done < "$DNS_FILE"\nexit 0\n',
                { mode: 0o755 },
            );
        });

        /** Runs start.sh as member 5 while the cluster DNS holds `answer` ("address name"). */
        function startWithDns(answer: string, env: Record<string, string>): Promise<{ status: number | null; stdout: string; stderr: string }> {
            fs.writeFileSync(path.join(dir, "dns"), `${answer}\n`);
            const child = spawn("bash", [path.join(dir, "start.sh")], {
                env: { PATH: `${path.join(dir, "bin")}:${process.env.PATH}`, ZK_MEMBER_ID: "5", ZK_DATA_DIR: path.join(dir, "data"), DNS_FILE: path.join(dir, "dns"), ...env },
                timeout: 20000,
            });
            let stdout = "";
            let stderr = "";
            child.stdout.on("data", (d) => (stdout += d));
            child.stderr.on("data", (d) => (stderr += d));
            // "close": every byte of stdout and stderr has arrived, unlike "exit".
            return new Promise((resolve) => child.on("close", (status) => resolve({ status, stdout, stderr })));
        }

        it("starts the server only once the name resolves to this pod (a moved member's name may still lead to its old host)", async () => {
            const started = startWithDns("10.1.0.12 zk-5.zk.svc.cluster.local", { ZK_POD_IP: "10.2.3.4" });
            await new Promise((r) => setTimeout(r, 1500));
            fs.writeFileSync(path.join(dir, "dns"), "10.2.3.4 zk-5.zk.svc.cluster.local\n");
            const r = await started;
            expect(r.status).to.equal(0);
            expect(r.stdout).to.match(/zk-5\.zk\.svc\.cluster\.local resolves to this pod \(10\.2\.3\.4\) after [1-9]\d* s/);
            expect(r.stdout.trimEnd().split("\n").pop()).to.equal("started start-foreground");
        });

        it("works for pods with IPv6 addresses", async () => {
            const r = await startWithDns("fd00:10::5 zk-5.zk.svc.cluster.local", { ZK_POD_IP: "fd00:10::5" });
            expect(r.status).to.equal(0);
            expect(r.stdout).to.contain("zk-5.zk.svc.cluster.local resolves to this pod (fd00:10::5) after 0 s");
        });

        it("refuses to start without getent, or with a wait that is not a number, instead of waiting in vain", async () => {
            const bad = await startWithDns("10.2.3.4 zk-5.zk.svc.cluster.local", { ZK_POD_IP: "10.2.3.4", ZK_DNS_WAIT_SECONDS: "2m" });
            expect(bad.status).to.equal(1);
            expect(bad.stderr).to.contain("refusing to start: ZK_DNS_WAIT_SECONDS=2m is not a whole number of seconds");
            fs.rmSync(path.join(dir, "bin", "getent"));
            // A PATH where bash, but no getent, is found.
            fs.symlinkSync(spawnSync("bash", ["-c", "command -v bash"], { encoding: "utf8" }).stdout.trim(), path.join(dir, "bin", "bash"));
            const missing = await startWithDns("10.2.3.4 zk-5.zk.svc.cluster.local", { ZK_POD_IP: "10.2.3.4", PATH: path.join(dir, "bin") });
            expect(missing.status).to.equal(1);
            expect(missing.stderr).to.contain("refusing to start: getent is needed to check that zk-5.zk.svc.cluster.local leads to this pod");
        });

        it("gives up with a clear error, without starting, when the name never leads here", async () => {
            const r = await startWithDns("10.1.0.12 zk-5.zk.svc.cluster.local", { ZK_POD_IP: "10.2.3.4", ZK_DNS_WAIT_SECONDS: "1" });
            expect(r.status).to.equal(1);
            expect(r.stderr).to.contain("refusing to start: zk-5.zk.svc.cluster.local does not resolve to this pod (10.2.3.4) after 1 s");
            expect(r.stdout).to.not.contain("started");
        });
    });

    describe("database existence validation (3.6+)", () => {
        let server: net.Server | undefined;
        afterEach(() => server?.close());

        /** Runs the script (3.8: guarded) as member 5 (asynchronously: a stand-in member may be served from this process). */
        async function startGuarded(peers: string): Promise<{ status: number | null; stdout: string }> {
            const child = spawn("bash", [path.join(dir, "start.sh")], {
                env: {
                    PATH: `${path.join(dir, "bin")}:${process.env.PATH}`,
                    ZK_MEMBER_ID: "5",
                    ZK_DATA_DIR: path.join(dir, "data"),
                    ZK_PEERS: peers,
                    ZK_PEER_QUORUM_PORT: "28880",
                    ZK_BOOTSTRAP_FILE: path.join(dir, "bootstrap"),
                },
                timeout: 20000,
            });
            let stdout = "";
            child.stdout.on("data", (d) => (stdout += d));
            const status = await new Promise<number | null>((resolve) => child.on("exit", resolve));
            return { status, stdout };
        }

        it("marks a new data directory 'initialize' while bootstrapping and no other member serves: creating the ensemble", async () => {
            fs.writeFileSync(path.join(dir, "bootstrap"), "true");
            const r = await startGuarded("4=127.0.0.1 5=127.0.0.1 6=127.0.0.1");
            expect(r.status).to.equal(0);
            expect(r.stdout).to.contain("no other member serves: creating the ensemble");
            expect(fs.existsSync(path.join(dir, "data", "initialize"))).to.equal(true);
        });

        it("never marks it once the ensemble exists (bootstrap off), even when no other member serves", async () => {
            fs.writeFileSync(path.join(dir, "bootstrap"), "false");
            const r = await startGuarded("4=127.0.0.1 6=127.0.0.1");
            expect(r.stdout).to.contain("no data and the ensemble exists already: joining as a non-voting member until synced");
            expect(fs.existsSync(path.join(dir, "data", "initialize"))).to.equal(false);
        });

        it("puts the marker beside the transaction log when it has its own volume", () => {
            const script = renderStartScript(resolveEnsembleSettings({ namespace: "zk", dataLogVolumeSize: "5Gi" }));
            expect(script).to.contain('marker_dir="${ZK_DATA_LOG_DIR:-/datalog}"');
        });

        it("joins without the marker when another member leads (listens on the quorum port), so an empty member cannot vote as up to date", async () => {
            fs.writeFileSync(path.join(dir, "bootstrap"), "true");
            // Only a leader accepts connections on the quorum port; the check needs no answer, so it works over TLS too.
            server = net.createServer((socket) => socket.end());
            await new Promise<void>((resolve) => server!.listen(28880, "127.0.0.1", () => resolve()));
            const { status: code, stdout: out } = await startGuarded("4=127.0.0.1");
            expect(code).to.equal(0);
            expect(out).to.contain("joining the serving ensemble (its leader is at 127.0.0.1) as a non-voting member until synced");
            expect(fs.existsSync(path.join(dir, "data", "initialize"))).to.equal(false);
        });

        it("leaves an existing data directory alone", async () => {
            fs.writeFileSync(path.join(dir, "data", "myid"), "5\n");
            expect((await startGuarded("4=127.0.0.1")).status).to.equal(0);
            expect(fs.existsSync(path.join(dir, "data", "initialize"))).to.equal(false);
        });

        it("is not rendered for versions without the validation", () => {
            expect(renderStartScript(resolveEnsembleSettings({ namespace: "zk", zookeeperVersion: "3.5.10" }))).to.not.contain("initialize");
            expect(script).to.contain(': > "$marker_dir/initialize"');
        });
    });
});
