/**
 * The live checks that gate each cutover stage (`zk-cutover check health`,
 * `check parity`). The Dubbo URL keying and the CLI wiring are tested without
 * ZooKeeper; the checks themselves run against real servers: two 3-member
 * ensembles ("old" and "new", each on its own random loopback /24), rendered
 * by the same functions the components use. Needs java and a ZooKeeper server;
 * the real-server part is skipped without them, except in CI.
 */
import { expect } from "chai";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { EnsembleSettings, resolveEnsembleSettings } from "../components/ensemble/settings";
import { PORTS } from "../components/shared/zookeeper";
import { guarded, registerCheckCommands } from "../tools/checks/cli";
import { compareListings, decodeProvider, DubboUrlError, providerKey, providerListing } from "../tools/checks/dubbo";
import { assessHealth, checkHealth, CheckError, HealthReport, healthText, memberReport, parseConnectString, parseServerList } from "../tools/checks/health";
import { checkParity } from "../tools/checks/parity";
import { CreateMode, NotZooKeeperError, ZkClient } from "../tools/zookeeper/client";
import {
    AnswerTooLongError,
    fourLetterWord,
    isListening,
    isRunning,
    logTail,
    loopbackAddress,
    MemberProcess,
    randomLoopbackNetwork,
    srvr,
    stopMember,
    waitFor,
    ZooKeeperInstall,
} from "../tools/zookeeper/process";
import { loopbackServers, startLocalMember } from "../tools/zookeeper/local";
import { runCommand } from "./support/cli";
import { requireZooKeeper } from "./support/zookeeper";

/** Runs `zk-cutover check ...` in-process on a fresh program; resolves with the exit code and the output. */
const runCli = (args: string[]) => runCommand(registerCheckCommands, args);

const ORDER_URL =
    "dubbo://10.0.0.5:20880/com.acme.OrderService?anyhost=true&application=orders&group=orders&interface=com.acme.OrderService" +
    "&methods=place,cancel&pid=4242&side=provider&timestamp=1700000000000&version=1.2.0";
/** The same provider after a restart: other pid, timestamp and parameter order. */
const ORDER_URL_RESTARTED =
    "dubbo://10.0.0.5:20880/com.acme.OrderService?version=1.2.0&timestamp=1700000099999&pid=777&interface=com.acme.OrderService" +
    "&group=orders&side=provider&methods=place,cancel&anyhost=true&application=orders";
const PAYMENT_URL = "dubbo://10.0.0.6:20880/com.acme.PaymentService?interface=com.acme.PaymentService&version=2.0.0&timestamp=1700000000001&pid=11";
/** A provider that registered only in the new registry (a pod). */
const ORDER_POD_URL = "dubbo://10.1.0.7:20880/com.acme.OrderService?interface=com.acme.OrderService&group=orders&version=1.2.0&timestamp=1700000000002";
/** A provider that has not yet registered in the new registry. */
const ORDER_LATE_URL = "dubbo://10.0.0.8:20880/com.acme.OrderService?interface=com.acme.OrderService&group=orders&version=1.2.0&timestamp=1700000000003";

describe("Dubbo provider URLs", function () {
    it("decodes a registry node name and keys it by group, interface, version and host:port", function () {
        const p = decodeProvider("dubbo%3A%2F%2F10.0.0.5%3A20880%2Fcom.acme.OrderService%3Fanyhost%3Dtrue%26group%3Dorders%26version%3D1.2.0%26timestamp%3D1");
        expect(p.key).to.equal("orders/com.acme.OrderService:1.2.0@10.0.0.5:20880");
        expect({ interface: p.interface, address: p.address, group: p.group, version: p.version, protocol: p.protocol }).to.deep.equal({
            interface: "com.acme.OrderService",
            address: "10.0.0.5:20880",
            group: "orders",
            version: "1.2.0",
            protocol: "dubbo",
        });
        expect(p.params.anyhost).to.equal("true");
    });

    it("leaves out an empty group or version, prefers the interface parameter to the path and keeps IPv6 brackets", function () {
        expect(decodeProvider(encodeURIComponent("dubbo://10.0.0.9:20880/com.acme.Legacy?timestamp=5")).key).to.equal("com.acme.Legacy@10.0.0.9:20880");
        expect(decodeProvider(encodeURIComponent("tri://10.0.0.9:50051/orders-svc?interface=com.acme.OrderService&version=3")).key).to.equal(
            "com.acme.OrderService:3@10.0.0.9:50051",
        );
        expect(decodeProvider(encodeURIComponent("dubbo://[FD00::5]:20880/com.acme.OrderService?group=g")).key).to.equal("g/com.acme.OrderService@[fd00::5]:20880");
        expect(providerKey({ interface: "I", address: "h:1", group: "", version: "" })).to.equal("I@h:1");
    });

    it("treats URLs differing only in timestamp, pid or parameter order as one provider, and a different group as another", function () {
        const key = (url: string) => decodeProvider(encodeURIComponent(url)).key;
        expect(key(ORDER_URL_RESTARTED)).to.equal(key(ORDER_URL));
        expect(key(ORDER_URL.replace("group=orders", "group=orders-canary"))).to.equal("orders-canary/com.acme.OrderService:1.2.0@10.0.0.5:20880");
        expect(key(ORDER_URL.replace("10.0.0.5:20880", "10.0.0.5:20881"))).to.not.equal(key(ORDER_URL));
    });

    it("rejects a node name that is not an encoded provider URL, in one line", function () {
        expect(() => decodeProvider("%E0%A4%A")).to.throw(DubboUrlError, /not URL-encoded/);
        expect(() => decodeProvider(encodeURIComponent("10.0.0.5:20880"))).to.throw(DubboUrlError, /is not a provider URL; allowed: protocol:\/\/host:port\/interface\?params/);
        expect(() => decodeProvider(encodeURIComponent("dubbo://10.0.0.5:20880/"))).to.throw(DubboUrlError, /names no interface/);
    });

    it("lists each provider once, keeps undecodable nodes aside and compares by key", function () {
        const enc = encodeURIComponent;
        const old = providerListing("/dubbo", {
            "com.acme.OrderService": [enc(ORDER_URL), enc(ORDER_URL_RESTARTED), enc(ORDER_LATE_URL)],
            "com.acme.PaymentService": [enc(PAYMENT_URL), "garbage"],
            config: [],
        });
        expect(old.providers.map((p) => p.key)).to.deep.equal([
            "com.acme.PaymentService:2.0.0@10.0.0.6:20880",
            "orders/com.acme.OrderService:1.2.0@10.0.0.5:20880",
            "orders/com.acme.OrderService:1.2.0@10.0.0.8:20880",
        ]);
        expect(old.interfaces).to.deep.equal(["com.acme.OrderService", "com.acme.PaymentService"]);
        expect(old.undecodable.map((u) => u.path)).to.deep.equal(["/dubbo/com.acme.PaymentService/providers/garbage"]);
        const next = providerListing("/dubbo", { "com.acme.OrderService": [enc(ORDER_URL_RESTARTED), enc(ORDER_POD_URL)], "com.acme.PaymentService": [enc(PAYMENT_URL)] });
        const diff = compareListings(old, next);
        expect(diff.missingInNew.map((p) => p.key)).to.deep.equal(["orders/com.acme.OrderService:1.2.0@10.0.0.8:20880"]);
        expect(diff.onlyInNew.map((p) => p.key)).to.deep.equal(["orders/com.acme.OrderService:1.2.0@10.1.0.7:20880"]);
        expect(diff.inBoth).to.equal(2);
        expect(diff.inParity).to.equal(false);
    });
});

describe("check health verdict and input", function () {
    it("parses connect strings and names --connect and the expected form when malformed", function () {
        expect(parseConnectString("zk-1:2181, 10.0.0.2:2181,[fd00::1]:2182", "--connect").members).to.deep.equal([
            { host: "zk-1", port: 2181 },
            { host: "10.0.0.2", port: 2181 },
            { host: "fd00::1", port: 2182 },
        ]);
        expect(parseConnectString("a:1,b:2/app", "--old", true)).to.deep.equal({ members: [{ host: "a", port: 1 }, { host: "b", port: 2 }], chroot: "/app" });
        const form = /allowed: host:port,host:port/;
        for (const bad of ["", "zk-1", "zk-1:2181,", "zk-1:abc", "zk-1:2181/app"]) {
            expect(() => parseConnectString(bad, "--connect"), bad).to.throw(CheckError, /^--connect /).and.to.match(form);
        }
        expect(() => parseConnectString("zk-1:70000", "--connect")).to.throw(CheckError, /port 70000; allowed: 1 to 65535/);
        expect(() => parseConnectString("zk 1:2181", "--connect")).to.throw(CheckError, /has host "zk 1"; allowed: a host name or IP address/);
        expect(() => parseConnectString("zk-1:2181,ZK-1:2181", "--connect")).to.throw(CheckError, /lists zk-1:2181 more than once/);
    });

    it("reads the server list from conf, or says why it is unknown", function () {
        const conf = "clientPort=2181\nmembership: \nserver.2=b:2888:3888:participant;b:2181\nserver.1=a:2888:3888:participant;a:2181\nversion=0\n";
        expect(parseServerList(conf)).to.deep.equal({ servers: ["server.1=a:2888:3888:participant;a:2181", "server.2=b:2888:3888:participant;b:2181"] });
        expect(parseServerList("conf is not executed because it is not in the whitelist.\n")).to.deep.equal({ unknown: "conf is not in the member's 4lw.commands.whitelist" });
        expect(parseServerList("clientPort=2181\ndataDir=/data\n")).to.have.property("unknown").that.matches(/no server\.N lines/);
    });

    it("uses the number of given members for the quorum when no member tells its server list", function () {
        const srvrText = (mode: string) => `Zookeeper version: 3.4.14\nLatency min/avg/max: 0/1/4\nOutstanding: 0\nZxid: 0x300000007\nMode: ${mode}\nNode count: 4\n`;
        const refused = "conf is not executed because it is not in the whitelist.\n";
        const report = assessHealth([
            memberReport("a:2181", { srvr: srvrText("leader"), conf: refused }),
            memberReport("b:2181", { srvr: srvrText("follower"), conf: refused }),
            memberReport("c:2181", { srvr: new Error("connection refused") }),
        ]);
        expect(report.members[0]).to.include({ zxid: "0x300000007", epoch: 3, mntr: false });
        expect(report.members[0].latency).to.deep.equal({ min: 0, avg: 1, max: 4, source: "srvr" });
        expect(report.quorum).to.deep.equal({ size: 3, basis: "given members", voters: 2, needed: 2, formed: true });
        expect(report.problems).to.deep.equal(["c:2181 is unreachable: connection refused"]);
        expect(report.healthy).to.equal(false);
    });
});

describe("check health membership: the ensemble's own server lists, or one standalone server", function () {
    const srvrText = (mode: string) => `Zookeeper version: 3.8.4\nLatency min/avg/max: 0/1/4\nOutstanding: 0\nZxid: 0x300000007\nMode: ${mode}\nNode count: 4\n`;
    const conf = (id: number) => `clientPort=2181\nserverId=${id}\nmembership: \n${[1, 2, 3].map((i) => `server.${i}=zk-${i}:2888:3888:participant;0.0.0.0:2181`).join("\n")}\nversion=0\n`;
    const member = (id: number, mode: string) => memberReport(`zk-${id}:2181`, { srvr: srvrText(mode), conf: conf(id) });
    /** What ZooKeeper 3.8 answers in standalone mode: conf without server lines and serverId 0. */
    const standalone = (member: string) =>
        memberReport(member, {
            srvr: srvrText("standalone"),
            mntr: "zk_version\t3.8.4\nzk_server_state\tstandalone\nzk_uptime\t60000\n",
            conf: "clientPort=2181\nsecureClientPort=-1\ndataDir=/data/version-2\ntickTime=2000\nserverId=0\n",
        });

    it("a member every server list names is missing from the verdict's members: unhealthy, naming it and where the lists put it", function () {
        const report = assessHealth([member(1, "follower"), member(2, "leader")]);
        expect(report.healthy).to.equal(false);
        expect(report.problems).to.deep.equal(["member 3 is in the members' server lists (at zk-3:2181) but no member answered as member 3"]);
        expect(report.quorum).to.deep.equal({ size: 3, basis: "server list", voters: 2, needed: 2, formed: true });
    });

    it("a listed member asked where the lists name it counts like a given one: reported by id, unreachable fails the check", function () {
        const down = { ...memberReport("zk-3:2181", { srvr: new Error("connection refused") }), id: 3, fromServerList: true };
        const report = assessHealth([member(1, "follower"), member(2, "leader"), down]);
        expect(report.problems).to.deep.equal(["member 3 (zk-3:2181, from the server lists) is unreachable: connection refused"]);
        expect(report.healthy).to.equal(false);
        const up = { ...member(3, "follower"), fromServerList: true };
        const healthy = assessHealth([member(1, "follower"), member(2, "leader"), up]);
        expect(healthy.problems).to.deep.equal([]);
        expect(healthy.healthy).to.equal(true);
        expect(healthy.quorum).to.deep.include({ voters: 3, formed: true });
        expect(healthy.warnings).to.deep.equal(["member 3 was not among the members given; it was asked at zk-3:2181, where the server lists name it"]);
    });

    it("members on a release with ZOOKEEPER-4537 are named in one warning (not failing): a write can wait for the client's next ping", function () {
        const on = (id: number, mode: string, version: string) => memberReport(`zk-${id}:2181`, { srvr: srvrText(mode).replace("3.8.4", `${version}-5a02a05eddb59aee6ac762f7ea82e92a68eb9c0f, built on 2022-02-25 08:49 UTC`), conf: conf(id) });
        const report = assessHealth([on(1, "follower", "3.8.0"), on(2, "leader", "3.8.0"), on(3, "follower", "3.8.4")]);
        expect(report.healthy).to.equal(true);
        expect(report.warnings).to.deep.equal([
            "members 1 and 2 run ZooKeeper 3.8.0, which has ZOOKEEPER-4537: a server can leave a committed write unanswered until another request reaches it, so a client whose server has no other busy client waits until its own next ping (a third of its session timeout); fixed in 3.6.4, 3.7.2 and 3.8.1",
        ]);
        expect(assessHealth([on(1, "follower", "3.8.4"), on(2, "leader", "3.8.4"), on(3, "follower", "3.8.4")]).warnings).to.deep.equal([]);
    });

    it("a standalone server that serves is a healthy one-member ensemble", function () {
        const report = assessHealth([standalone("zk-1:2181")]);
        expect(report.problems).to.deep.equal([]);
        expect(report.healthy).to.equal(true);
        expect(report.members[0]).to.include({ state: "serving", mode: "standalone" });
        expect(report.members[0].id, "standalone answers serverId=0, which is no myid").to.equal(undefined);
        expect(report.quorum).to.deep.equal({ size: 1, basis: "standalone", voters: 1, needed: 1, formed: true });
        const text = healthText(report);
        expect(text).to.contain("ZooKeeper health of 1 member: HEALTHY");
        expect(text).to.contain("quorum: standalone (a one-member ensemble needs no quorum): serving\n");
    });

    it("a standalone server beside other members is outside their quorum", function () {
        const report = assessHealth([standalone("zk-9:2181"), member(1, "follower"), member(2, "leader"), member(3, "follower")]);
        expect(report.healthy).to.equal(false);
        expect(report.problems).to.deep.equal(["zk-9:2181 runs standalone, outside any quorum; allowed: leader, follower or observer (standalone only as the one member of a one-member ensemble)"]);
    });
});

describe("live checks against ports that are not ZooKeeper", function () {
    const servers: net.Server[] = [];
    const sockets = new Set<net.Socket>();

    /** A TCP server on 127.0.0.1 that `talk`s to every connection (and drops what it is sent); resolves with its port. */
    async function serve(talk: (socket: net.Socket) => void): Promise<number> {
        const server = net.createServer((socket) => {
            sockets.add(socket);
            socket.on("close", () => sockets.delete(socket));
            socket.on("error", () => undefined);
            socket.resume();
            talk(socket);
        });
        servers.push(server);
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        return (server.address() as net.AddressInfo).port;
    }

    /** Writes `byte` in 64 KiB chunks as fast as the client reads, forever. */
    const endless = (byte: number) => (socket: net.Socket) => {
        const chunk = Buffer.alloc(64 * 1024, byte);
        const pump = () => {
            while (!socket.destroyed && socket.write(chunk)) {
                // until the socket buffer is full
            }
        };
        socket.on("drain", pump);
        pump();
    };

    /** Writes one byte every 20 ms, forever. */
    const drip = (socket: net.Socket) => {
        const timer = setInterval(() => socket.write("y"), 20);
        socket.on("close", () => clearInterval(timer));
    };

    after(async function () {
        for (const socket of sockets) {
            socket.destroy();
        }
        await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    });

    it("an answer cut at the read limit is not ZooKeeper's; unprintable bytes show as ?", function () {
        const report = memberReport("10.0.0.9:2181", { srvr: new AnswerTooLongError("srvr", 1024 * 1024, "x".repeat(200)) });
        expect(report).to.include({ state: "not-zookeeper", error: `it answered srvr with more than 1 MiB ("${"x".repeat(60)}...")` });
        const binary = memberReport("10.0.0.9:2181", { srvr: new AnswerTooLongError("srvr", 1024 * 1024, "\u0000\u0001\ufffdok") });
        expect(binary.error).to.equal('it answered srvr with more than 1 MiB ("???ok")');
    });

    it("a four-letter word stops reading at 1 MiB and names the word", async function () {
        const port = await serve(endless("x".charCodeAt(0)));
        const start = Date.now();
        const err = await fourLetterWord("127.0.0.1", port, "srvr", 10_000, { partialOnTimeout: true }).then(
            () => undefined,
            (e: Error) => e,
        );
        expect(err).to.be.instanceOf(AnswerTooLongError);
        expect(err!.message).to.equal("answered srvr with more than 1 MiB");
        expect((err as AnswerTooLongError).head).to.match(/^x{200}$/);
        expect(Date.now() - start, "stops at the cap, not at the timeout").to.be.below(5_000);
    });

    it("check health reports a port that streams data forever as not ZooKeeper, one line per member, no crash", async function () {
        const port = await serve(endless("x".charCodeAt(0)));
        const report = await checkHealth(`127.0.0.1:${port}`, { timeoutMs: 3_000 });
        expect(report.members[0]).to.include({ state: "not-zookeeper" });
        expect(report.problems[0]).to.equal(`127.0.0.1:${port} is not a ZooKeeper server: it answered srvr with more than 1 MiB ("${"x".repeat(60)}...")`);
        const cli = await runCli(["check", "health", "--connect", `127.0.0.1:${port}`]);
        expect(cli.code).to.equal(1);
        expect(cli.err).to.equal("");
        expect(cli.out).to.contain(`  - 127.0.0.1:${port} is not a ZooKeeper server: it answered srvr with more than 1 MiB`);
    });

    it("check health gives up on a port that drips data forever at the timeout", async function () {
        const port = await serve(drip);
        const start = Date.now();
        const report = await checkHealth(`127.0.0.1:${port}`, { timeoutMs: 1_000 });
        expect(Date.now() - start).to.be.below(3_000);
        expect(report.members[0]).to.include({ state: "not-zookeeper" });
        expect(report.problems[0]).to.match(new RegExp(`^127\\.0\\.0\\.1:${port} is not a ZooKeeper server: it answered srvr with "y+`));
    });

    it("the ZooKeeper client refuses a port that streams data instead of a session, at the read limit, in one line", async function () {
        for (const byte of ["x".charCodeAt(0), 0xff]) {
            const port = await serve(endless(byte));
            const start = Date.now();
            const err = await ZkClient.connect(`127.0.0.1:${port}`, { connectTimeoutMs: 8_000 }).then(
                (c) => {
                    c.close();
                    return undefined;
                },
                (e: Error) => e,
            );
            expect(err, `byte ${byte}`).to.be.instanceOf(NotZooKeeperError);
            expect(err!.message).to.match(new RegExp(`^127\\.0\\.0\\.1:${port} (sent more than 1 MiB without answering the session request|answered the session request with something that is not ZooKeeper's protocol)`));
            expect(err!.message).to.not.contain("\n");
            expect(Date.now() - start, "stops at the cap, not at the timeout").to.be.below(5_000);
        }
    });

    it("check parity against a port that streams data is one error line naming the side, exit 2", async function () {
        const port = await serve(endless(0xff));
        const other = await serve(endless("x".charCodeAt(0)));
        const start = Date.now();
        const cli = await runCli(["check", "parity", "--old", `127.0.0.1:${port}`, "--new", `127.0.0.1:${other}`, "--timeout-ms", "8000"]);
        expect(Date.now() - start, "stops at the cap, not at the timeout").to.be.below(5_000);
        expect(cli.code).to.equal(2);
        expect(cli.out).to.equal("");
        expect(cli.err).to.match(new RegExp(`^error: --old registry 127\\.0\\.0\\.1:${port} is not a ZooKeeper server: 127\\.0\\.0\\.1:${port} [^\n]+\n$`));
    });

    it("any other failure inside a check is one error line with exit 2, never a stack trace", async function () {
        let err = "";
        const code = await guarded({ out: () => undefined, err: (s) => (err += s) }, async () => {
            throw new TypeError("Cannot read properties of undefined (reading 'mode')");
        });
        expect(code).to.equal(2);
        expect(err).to.equal("error: the check could not finish: Cannot read properties of undefined (reading 'mode')\n");
    });
});

describe("check health as the gate of every member-swap step", function () {
    const srvrText = (mode: string) => `Zookeeper version: 3.8.4\nLatency min/avg/max: 0/1/4\nOutstanding: 0\nZxid: 0x300000007\nMode: ${mode}\nNode count: 4\n`;
    const conf = (id: number, hosts: string[]) =>
        `clientPort=2181\nserverId=${id}\nmembership: \n${hosts.map((h, i) => `server.${i + 1}=${h}:2888:3888:participant;0.0.0.0:2181`).join("\n")}\nversion=0\n`;
    const mntr = (servingMs: number) => `zk_version\t3.8.4\nzk_uptime\t${servingMs}\nzk_outstanding_requests\t0\n`;
    const name = (id: number) => `zk-${id}.zookeeper.svc.cluster.local`;
    const names = [1, 2, 3].map(name);
    const hostIps = ["10.1.0.11", "10.1.0.12", "10.1.0.13"];
    const member = (id: number, mode: string, hosts: string[], servingMs = 60_000) =>
        memberReport(`${name(id)}:2181`, { srvr: srvrText(mode), mntr: mntr(servingMs), conf: conf(id, hosts) });

    it("mid-embrace: a member naming its peers by Service name and others by the addresses those names lead to agree", function () {
        const resolved = Object.fromEntries(names.map((n, i) => [n, [hostIps[i]]]));
        const report = assessHealth([member(1, "follower", names), member(2, "follower", hostIps), member(3, "leader", hostIps)], { resolved });
        expect(report.problems).to.deep.equal([]);
        expect(report.healthy).to.equal(true);
        expect(report.serverListsAgree).to.equal(true);
        expect(report.serverList).to.deep.equal(names.map((n, i) => `server.${i + 1}=${n}:2888:3888:participant;0.0.0.0:2181`));
        expect(report.quorum).to.deep.include({ size: 3, formed: true });
        expect(report.leaderId).to.equal(3);
        expect(report.warnings).to.deep.equal([
            "members name some peers differently (a Service name, an address or a host name) that lead to the same place: a member swap's embrace is under way",
        ]);
    });

    it("reports a member holding a moved peer's old address: a problem for a follower, expected for the leader that keeps its host config", function () {
        // Member 1 moved to a pod (10.2.0.5); members 2 and 3 were never rolled onto hostZooCfg.
        const resolved = { [names[0]]: ["10.2.0.5"], [names[1]]: [hostIps[1]], [names[2]]: [hostIps[2]] };
        const report = assessHealth([member(1, "follower", names), member(2, "follower", hostIps), member(3, "leader", hostIps)], { resolved });
        expect(report.staleAddresses).to.deep.equal([
            { holder: `${names[1]}:2181`, holderId: 2, peerId: 1, address: "10.1.0.11", current: ["10.2.0.5"] },
            { holder: `${names[2]}:2181`, holderId: 3, peerId: 1, address: "10.1.0.11", current: ["10.2.0.5"] },
        ]);
        expect(report.problems).to.deep.equal([
            `member 2 (${names[1]}:2181) names member 1 at 10.1.0.11, but member 1 now answers at 10.2.0.5: it cannot dial member 1 itself; allowed: roll hostZooCfg (peers by Service name) onto it`,
        ]);
        expect(report.warnings[0]).to.equal(
            `member 3 (${names[2]}:2181) names member 1 at 10.1.0.11, but member 1 now answers at 10.2.0.5: it cannot dial member 1 itself (expected while the leader keeps its host config until it moves; if it restarts before, roll hostZooCfg onto it first)`,
        );
    });

    it("cannot compare where names do not resolve, and says where to run it", function () {
        const report = assessHealth([member(1, "follower", names), member(2, "leader", hostIps), member(3, "follower", hostIps)], { resolved: {} });
        expect(report.problems).to.include(
            `cannot tell where member 1 is: ${names[0]} does not resolve where this check runs; run it where the cluster's names resolve (in the cluster, or on a host that forwards to its DNS)`,
        );
        expect(report.healthy).to.equal(false);
    });

    it("is not settled until every member has served the settle time, and says who may still hold the old address and for how long", function () {
        const resolved = Object.fromEntries(names.map((n) => [n, ["10.2.0.9"]]));
        const all = (servingMs: number) => [member(1, "follower", names, servingMs), member(2, "follower", names), member(3, "leader", names)];
        const fresh = assessHealth(all(3_000), { resolved: { ...resolved, [names[0]]: ["10.2.0.5"], [names[1]]: ["10.2.0.6"] }, settleSeconds: 11 });
        expect(fresh.settle).to.deep.equal({ seconds: 11, settled: false, remainingMs: 8_000, unknown: [] });
        expect(fresh.problems).to.deep.equal([
            `member 1 (${names[0]}:2181) has served for 3.0 s (since it started or changed role); if it just moved, members 2, 3 may still hold its old address for up to 8.0 s more (settle time 11 s: cluster DNS TTL + JVM DNS cache + 1 s)`,
        ]);
        const later = assessHealth(all(11_000), { resolved: { ...resolved, [names[0]]: ["10.2.0.5"], [names[1]]: ["10.2.0.6"] }, settleSeconds: 11 });
        expect(later.settle).to.deep.equal({ seconds: 11, settled: true, remainingMs: 0, unknown: [] });
        expect(later.healthy).to.equal(true);
        expect(healthText(later)).to.contain("settled: every member has served at least 11 s");
    });

    it("holds the gate when a member cannot tell how long it has served (before 3.6): it must stay healthy for the settle time instead", function () {
        const report = assessHealth([memberReport("a:2181", { srvr: srvrText("leader"), conf: conf(1, ["a"]) })], { resolved: { a: ["10.0.0.1"] }, settleSeconds: 11 });
        expect(report.healthy).to.equal(false);
        expect(report.settle).to.deep.equal({ seconds: 11, settled: false, remainingMs: 0, unknown: ["a:2181"] });
        expect(report.problems).to.deep.equal([
            "member 1 (a:2181) does not tell how long it has served (zk_uptime in mntr needs ZooKeeper 3.6+ and mntr whitelisted): the ensemble must stay healthy for 11 s instead (check health --wait)",
        ]);
    });

    it("needs no lookup when every member names a peer alike (a check from outside the cluster)", function () {
        const report = assessHealth([member(1, "follower", names), member(2, "leader", names), member(3, "follower", names)], { resolved: {} });
        expect(report.problems).to.deep.equal([]);
        expect(report.healthy).to.equal(true);
    });

    it("compares legacy lines without a client port and legacy host names by where they lead", function () {
        // Member 3 runs its original config: peers by legacy host names, the client port given as clientPort= (no ";..." in conf).
        const legacy = (id: number) =>
            memberReport(`${name(id)}:2181`, {
                srvr: srvrText(id === 3 ? "leader" : "follower"),
                mntr: mntr(60_000),
                conf: `clientPort=2181\nserverId=${id}\nmembership: \n${[1, 2, 3].map((i) => `server.${i}=zk${i}.corp.example:2888:3888:participant`).join("\n")}\nversion=0\n`,
            });
        const corp = (i: number) => `zk${i}.corp.example`;
        const embraced = { ...Object.fromEntries(names.map((n, i) => [n, [hostIps[i]]])), ...Object.fromEntries([1, 2, 3].map((i) => [corp(i), [hostIps[i - 1]]])) };
        const midEmbrace = assessHealth([member(1, "follower", names), member(2, "follower", names), legacy(3)], { resolved: embraced });
        expect(midEmbrace.problems).to.deep.equal([]);
        // Member 1 moved to a pod; the legacy name still leads to its host.
        const moved = { ...embraced, [names[0]]: ["10.2.0.5"] };
        const after = assessHealth([member(1, "follower", names), member(2, "follower", names), legacy(3)], { resolved: moved });
        expect(after.problems).to.deep.equal([]);
        expect(after.staleAddresses).to.deep.equal([{ holder: `${names[2]}:2181`, holderId: 3, peerId: 1, address: corp(1), current: ["10.2.0.5"] }]);
        expect(after.warnings[0]).to.match(/^member 3 \(.+\) names member 1 at zk1\.corp\.example \(10\.1\.0\.11\), but member 1 now answers at 10\.2\.0\.5: it cannot dial member 1 itself \(expected while the leader keeps its host config/);
    });
});

describe("check command wiring", function () {
    it("check health with a malformed --connect prints one error line naming --connect and exits 2", async function () {
        const r = await runCli(["check", "health", "--connect", "zk-1,zk-2:2181"]);
        expect(r.code).to.equal(2);
        expect(r.err).to.equal('error: --connect entry "zk-1" is not host:port; allowed: host:port,host:port (e.g. zk-1:2181,zk-2:2181,zk-3:2181)\n');
        expect(r.out).to.equal("");
    });

    it("check health without --connect, with a bad --timeout-ms or an unknown option exits 2", async function () {
        const missing = await runCli(["check", "health"]);
        expect(missing.code).to.equal(2);
        expect(missing.err).to.equal(
            "error: --connect is missing; allowed: --connect host:port,host:port (every member), or --stack NAME / --config-file FILE (the stage's members)\n",
        );
        const timeout = await runCli(["check", "health", "--connect", "a:1", "--timeout-ms", "soon"]);
        expect(timeout.code).to.equal(2);
        expect(timeout.err).to.match(/^error: --timeout-ms "soon" is not a timeout; allowed: whole milliseconds/);
        const unknown = await runCli(["check", "health", "--connect", "a:1", "--bogus"]);
        expect(unknown.code).to.equal(2);
        expect(unknown.err).to.match(/error: unknown option '--bogus'/);
    });

    it("check health of a stage whose ensemble is TLS only needs --tls-ca (and a client certificate when members ask for one); TLS files are checked before anything is asked", async function () {
        const tlsOnly = await runCli(["check", "health", "--stack", "pure-k8s-tls-require"]);
        expect([tlsOnly.code, tlsOnly.out]).to.deep.equal([2, ""]);
        expect(tlsOnly.err).to.equal(
            "error: stage pure-k8s's ensemble answers clients only over TLS (tls: require, port 2281): --tls-ca is missing; allowed: --tls-ca FILE with --tls-cert FILE and --tls-key FILE (tlsClientAuth is need)\n",
        );
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "zk-tls-options-"));
        try {
            const pem = path.join(dir, "ca.crt");
            fs.writeFileSync(pem, "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
            const notPem = path.join(dir, "notes.txt");
            fs.writeFileSync(notPem, "hello\n");
            const cases: [string[], string][] = [
                [["--tls-cert", pem, "--tls-key", pem], "error: --tls-ca is missing; allowed: a PEM file of the CA the members' certificates chain to (with --tls-cert and --tls-key when the members ask for a client certificate)\n"],
                [["--tls-ca", pem, "--tls-cert", pem], "error: --tls-cert needs --tls-key; allowed: a client certificate and its key together, or neither\n"],
                [["--tls-ca", path.join(dir, "missing.crt")], `error: --tls-ca ${JSON.stringify(path.join(dir, "missing.crt"))} cannot be read (ENOENT); allowed: a PEM CA certificate\n`],
                [["--tls-ca", notPem], `error: --tls-ca ${JSON.stringify(notPem)} holds no PEM certificate; allowed: a PEM CA certificate\n`],
                [["--tls-ca", pem, "--tls-cert", pem, "--tls-key", pem], `error: --tls-key ${JSON.stringify(pem)} holds no PEM private key; allowed: a PEM private key\n`],
            ];
            for (const [options, error] of cases) {
                const r = await runCli(["check", "health", "--connect", "zk-1:2281", ...options]);
                expect([r.code, r.out, r.err], options.join(" ")).to.deep.equal([2, "", error]);
            }
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("check parity refuses --old and --new naming the same members: nothing to compare", async function () {
        const same = await runCli(["check", "parity", "--old", "zk-1:2181,zk-2:2181", "--new", "ZK-2:2181, zk-1:2181"]);
        expect(same.code).to.equal(2);
        expect(same.out).to.equal("");
        expect(same.err).to.equal(
            "error: --old and --new reach the same ensemble (both list zk-1:2181, zk-2:2181): nothing to compare; allowed: the old ensemble's members as --old and the new ensemble's as --new\n",
        );
        const shared = await runCli(["check", "parity", "--old", "zk-1:2181,zk-2:2181/reg", "--new", "zk-2:2181,zk-9:2181/reg"]);
        expect(shared.code).to.equal(2);
        expect(shared.err).to.match(/^error: --old and --new reach the same ensemble \(both list zk-2:2181\): nothing to compare/);
    });

    it("check parity names --old, --new or --root when one is malformed", async function () {
        const noOld = await runCli(["check", "parity", "--new", "a:2181"]);
        expect(noOld.code).to.equal(2);
        expect(noOld.err).to.match(/^error: --old is missing or empty/);
        const badNew = await runCli(["check", "parity", "--old", "a:2181", "--new", "a"]);
        expect(badNew.code).to.equal(2);
        expect(badNew.err).to.match(/^error: --new entry "a" is not host:port/);
        const badRoot = await runCli(["check", "parity", "--old", "a:2181", "--new", "b:2181", "--root", "dubbo/"]);
        expect(badRoot.code).to.equal(2);
        expect(badRoot.err).to.match(/^error: --root "dubbo\/" is not a znode path; allowed: an absolute path/);
    });
});

/** How long the members of both ensembles get to elect their leaders. */
const QUORUM_TIMEOUT_MS = 40_000;

describe("live checks on real ZooKeeper ensembles", function () {
    let install: ZooKeeperInstall;
    let settings: EnsembleSettings;
    let root: string | undefined;
    /** Loopback /24 of each ensemble. */
    const networks = { old: "", new: "" };
    const members = new Map<string, MemberProcess>();
    const clients: ZkClient[] = [];
    /** A TCP server that answers anything with an HTTP error, as a non-ZooKeeper port would. */
    let garbage: net.Server | undefined;
    const garbageSockets = new Set<net.Socket>();

    type Side = keyof typeof networks;
    const address = (side: Side, id: number) => loopbackAddress(id, networks[side]);
    const connectOf = (side: Side, ids = settings.memberIds) => ids.map((id) => `${address(side, id)}:${PORTS.client}`).join(",");

    const deadMember = (): string | undefined => {
        for (const [name, m] of members) {
            if (!isRunning(m)) {
                return `member ${name} (pid ${m.pid}) exited with ${m.child.exitCode ?? m.child.signalCode}; log:\n${logTail(m)}`;
            }
        }
        return undefined;
    };

    async function connect(side: Side): Promise<ZkClient> {
        const client = await ZkClient.connect(connectOf(side), { connectTimeoutMs: 15_000, opTimeoutMs: 5_000 });
        clients.push(client);
        return client;
    }

    async function register(client: ZkClient, base: string, urls: string[]): Promise<void> {
        for (const url of urls) {
            const iface = decodeProvider(encodeURIComponent(url)).interface;
            await client.mkdirp(`${base}/${iface}/providers`);
            await client.create(`${base}/${iface}/providers/${encodeURIComponent(url)}`, Buffer.alloc(0), CreateMode.EPHEMERAL);
        }
    }

    before(function () {
        install = requireZooKeeper("the live checks");
    });

    before(async function () {
        this.timeout(QUORUM_TIMEOUT_MS + 20_000);
        settings = resolveEnsembleSettings({ namespace: "checks", metrics: "off", ...(install.version ? { zookeeperVersion: install.version } : {}) });
        for (const side of ["old", "new"] as Side[]) {
            let busy: string | undefined = "";
            for (let attempt = 0; attempt < 5 && busy !== undefined; attempt++) {
                networks[side] = randomLoopbackNetwork();
                busy = undefined;
                if (side === "new" && networks.new === networks.old) {
                    busy = networks.new;
                    continue;
                }
                for (const id of settings.memberIds) {
                    if (busy === undefined && (await isListening(address(side, id), PORTS.client, 300))) {
                        busy = `${address(side, id)}:${PORTS.client}`;
                    }
                }
            }
            if (busy !== undefined) {
                throw new Error(`${busy} is in use, as were four other loopback networks (leftover ZooKeepers? see pgrep -af QuorumPeerMain)`);
            }
        }

        root = fs.mkdtempSync(path.join(os.tmpdir(), "zk-checks-"));
        for (const side of ["old", "new"] as Side[]) {
            const servers = loopbackServers(settings.memberIds, (id) => address(side, id));
            for (const id of settings.memberIds) {
                members.set(`${side}-${id}`, startLocalMember(install, settings, { id, dir: path.join(root, `${side}-${id}`), servers }));
            }
        }

        garbage = net.createServer((socket) => {
            garbageSockets.add(socket);
            socket.on("close", () => garbageSockets.delete(socket));
            socket.on("error", () => undefined);
            // Read (and drop) what the client sends: an unread socket never sees the client's FIN and stays open.
            socket.resume();
            socket.end("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
        });
        await new Promise<void>((resolve) => garbage!.listen(0, "127.0.0.1", resolve));

        const everyMemberServes = async () => {
            const all = (["old", "new"] as Side[]).flatMap((side) => settings.memberIds.map((id) => srvr(address(side, id), PORTS.client, 1_000).catch(() => undefined)));
            const reports = await Promise.all(all);
            return reports.every((r) => r?.mode !== undefined) ? reports : undefined;
        };
        try {
            await waitFor("every member of both ensembles to answer srvr with a mode", everyMemberServes, {
                timeoutMs: QUORUM_TIMEOUT_MS,
                intervalMs: 300,
                abortIf: deadMember,
            });
        } catch (err) {
            const tails = [...members].map(([name, m]) => `--- ${name} (${m.logFile}):\n${logTail(m, 10)}`).join("\n");
            throw new Error(`${(err as Error).message}\n${tails}`);
        }
    });

    after(async function () {
        this.timeout(40_000);
        for (const client of clients.splice(0)) {
            client.close();
        }
        if (garbage) {
            for (const socket of garbageSockets) {
                socket.destroy();
            }
            await new Promise<void>((resolve) => garbage!.close(() => resolve()));
        }
        await Promise.allSettled([...members.values()].map((m) => stopMember(m, 5_000)));
        members.clear();
        if (root !== undefined) {
            fs.rmSync(root, { recursive: true, force: true });
        }
    });

    it("health passes on a 3-member ensemble and reports every member's mode, zxid and epoch", async function () {
        this.timeout(20_000);
        // One write, so that the zxid carries the leader epoch (a fresh ensemble reports 0x0 until its first transaction).
        const writer = await connect("old");
        await writer.create("/checks-health", Buffer.from("x"), CreateMode.PERSISTENT);
        await waitFor(
            "every member of the old ensemble to apply the write",
            async () => (await Promise.all(settings.memberIds.map((id) => srvr(address("old", id), PORTS.client, 1_000)))).every((r) => (r.epoch ?? 0) >= 1),
            { timeoutMs: 10_000, intervalMs: 100 },
        );

        const report = await checkHealth(connectOf("old"), { timeoutMs: 3_000 });
        expect(report.problems).to.deep.equal([]);
        expect(report.healthy).to.equal(true);
        expect(report.members.map((m) => m.member)).to.deep.equal(settings.memberIds.map((id) => `${address("old", id)}:${PORTS.client}`));
        expect(report.members.map((m) => m.mode).sort()).to.deep.equal(["follower", "follower", "leader"]);
        expect(report.leaders).to.have.length(1);
        for (const m of report.members) {
            expect(m.state).to.equal("serving");
            expect(m.zxid).to.match(/^0x[0-9a-f]+$/);
            expect(m.epoch).to.equal(Number(BigInt(m.zxid!) >> 32n)).and.to.be.at.least(1);
            expect(m.outstanding).to.equal(0);
            expect(m.latency?.source).to.equal("mntr");
            expect(m.serverList).to.deep.equal(report.serverList);
        }
        expect(report.serverList).to.have.length(3);
        expect(report.serverList![0]).to.match(new RegExp(`^server\\.1=${address("old", 1).replace(/\./g, "\\.")}:${PORTS.quorum}:${PORTS.election}`));
        expect(report.quorum).to.deep.equal({ size: 3, basis: "server list", voters: 3, needed: 2, formed: true });

        const cli = await runCli(["check", "health", "--connect", connectOf("old"), "--json"]);
        expect(cli.code, cli.err).to.equal(0);
        const doc = JSON.parse(cli.out) as HealthReport;
        expect(doc.healthy).to.equal(true);
        expect(doc.members).to.have.length(3);
    });

    it("health fails when members of two ensembles are mixed: two leaders and two server lists", async function () {
        const mixed = (["old", "new"] as Side[]).flatMap((side) => settings.memberIds.map((id) => `${address(side, id)}:${PORTS.client}`));
        const cli = await runCli(["check", "health", "--connect", mixed.join(",")]);
        expect(cli.code).to.equal(1);
        expect(cli.out).to.contain("UNHEALTHY");

        const report = await checkHealth(mixed.join(","));
        expect(report.healthy).to.equal(false);
        expect(report.leaders).to.have.length(2);
        expect(report.serverListsAgree).to.equal(false);
        expect(report.quorum.formed).to.equal(false);
        expect(report.problems).to.have.length(2);
        expect(report.problems[0]).to.match(/^2 members claim to be the leader \(.+, .+\); allowed: exactly one leader/);
        expect(report.problems[1]).to.match(/^members disagree on the server list: .+ see \[server\.1=.+\]; .+ see \[server\.1=.+\]; allowed: one server list/);
        expect(report.problems[1]).to.contain(`${connectOf("old").replace(/,/g, ", ")} see [server.1=${address("old", 1)}:`);
        expect(report.problems[1]).to.contain(`${connectOf("new").replace(/,/g, ", ")} see [server.1=${address("new", 1)}:`);
    });

    it("health reports a port that answers but is not ZooKeeper", async function () {
        const port = (garbage!.address() as net.AddressInfo).port;
        const report = await checkHealth(`${connectOf("old")},127.0.0.1:${port}`);
        const odd = report.members[3];
        expect(odd.state).to.equal("not-zookeeper");
        expect(report.healthy).to.equal(false);
        expect(report.problems).to.include(`127.0.0.1:${port} is not a ZooKeeper server: it answered srvr with "HTTP/1.1 400 Bad Request Content-Length: 0"`);
    });

    it("parity passes when the new registry holds every provider of the old one, reporting extra ones", async function () {
        const [oldClient, newClient] = await Promise.all([connect("old"), connect("new")]);
        await register(oldClient, "/dubbo-parity", [ORDER_URL, PAYMENT_URL]);
        await register(newClient, "/dubbo-parity", [ORDER_URL_RESTARTED, PAYMENT_URL, ORDER_POD_URL]);

        const report = await checkParity({ oldConnect: connectOf("old"), newConnect: connectOf("new"), root: "/dubbo-parity" });
        expect(report.inParity).to.equal(true);
        expect(report.missingInNew).to.deep.equal([]);
        expect(report.onlyInNew.map((p) => p.key)).to.deep.equal(["orders/com.acme.OrderService:1.2.0@10.1.0.7:20880"]);
        expect(report.inBoth).to.equal(2);
        expect(report.old).to.include({ providers: 2, interfaces: 2 });
        expect(report.oldProviders.map((p) => p.key)).to.deep.equal(["com.acme.PaymentService:2.0.0@10.0.0.6:20880", "orders/com.acme.OrderService:1.2.0@10.0.0.5:20880"]);
        expect(report.newProviders).to.have.length(3);

        const cli = await runCli(["check", "parity", "--old", connectOf("old"), "--new", connectOf("new"), "--root", "/dubbo-parity"]);
        expect(cli.code, cli.err).to.equal(0);
        expect(cli.out).to.contain("IN PARITY").and.to.contain("+ orders/com.acme.OrderService:1.2.0@10.1.0.7:20880");
    });

    it("parity fails, listing the provider the new registry lacks", async function () {
        const [oldClient, newClient] = await Promise.all([connect("old"), connect("new")]);
        await register(oldClient, "/dubbo", [ORDER_URL, PAYMENT_URL, ORDER_LATE_URL]);
        await register(newClient, "/dubbo", [ORDER_URL_RESTARTED, PAYMENT_URL]);

        const cli = await runCli(["check", "parity", "--old", connectOf("old"), "--new", connectOf("new"), "--json"]);
        expect(cli.code, cli.err).to.equal(1);
        const report = JSON.parse(cli.out);
        expect(report.inParity).to.equal(false);
        expect(report.missingInNew.map((p: { key: string }) => p.key)).to.deep.equal(["orders/com.acme.OrderService:1.2.0@10.0.0.8:20880"]);
        expect(report.onlyInNew).to.deep.equal([]);

        const text = await runCli(["check", "parity", "--old", connectOf("old"), "--new", connectOf("new")]);
        expect(text.code).to.equal(1);
        expect(text.out).to.contain("NOT IN PARITY").and.to.contain("missing in the new registry (1):\n  - orders/com.acme.OrderService:1.2.0@10.0.0.8:20880\n");
    });

    it("parity against an unreachable registry is a one-line error naming the side, exit 2", async function () {
        const nowhere = `${address("new", 9)}:${PORTS.client}`;
        const cli = await runCli(["check", "parity", "--old", connectOf("old"), "--new", nowhere, "--timeout-ms", "1500"]);
        expect(cli.code).to.equal(2);
        expect(cli.out).to.equal("");
        expect(cli.err).to.equal(`error: --new registry ${nowhere} is unreachable or has no quorum: connecting to ${nowhere} did not finish within 1500 ms\n`);
    });

    it("health asks a member left out of --connect where the members' server lists name it", async function () {
        const report = await checkHealth(connectOf("old", [1, 2]), { timeoutMs: 3_000 });
        expect(report.problems).to.deep.equal([]);
        expect(report.healthy).to.equal(true);
        expect(report.members.map((m) => m.member)).to.deep.equal(settings.memberIds.map((id) => `${address("old", id)}:${PORTS.client}`));
        expect(report.members[2]).to.include({ id: 3, state: "serving", fromServerList: true });
        expect(report.quorum).to.deep.include({ size: 3, voters: 3 });
        expect(report.warnings).to.include(`member 3 was not among the members given; it was asked at ${address("old", 3)}:${PORTS.client}, where the server lists name it`);
    });

    it("parity fails when --root is not a znode of the old registry", async function () {
        const cli = await runCli(["check", "parity", "--old", connectOf("old"), "--new", connectOf("new"), "--root", "/dubbo-typo"]);
        expect(cli.code).to.equal(2);
        expect(cli.out).to.equal("");
        expect(cli.err).to.match(
            new RegExp(
                `^error: --root /dubbo-typo is not a znode in the old registry \\(--old ${connectOf("old").replace(/\./g, "\\.")}\\); allowed: the Dubbo root the providers register under \\(the old registry's top-level znodes: [^)]*/zookeeper[^)]*\\)\n$`,
            ),
        );
    });

    it("parity fails when the old registry has neither providers nor persistent nodes (Dubbo's empty containers are none): nothing to compare", async function () {
        const [oldClient, newClient] = await Promise.all([connect("old"), connect("new")]);
        await oldClient.mkdirp("/dubbo-empty/com.acme.OrderService/providers");
        await register(newClient, "/dubbo-empty", [ORDER_POD_URL]);
        const cli = await runCli(["check", "parity", "--old", connectOf("old"), "--new", connectOf("new"), "--root", "/dubbo-empty"]);
        expect(cli.code).to.equal(2);
        expect(cli.out).to.equal("");
        expect(cli.err).to.equal(
            `error: the old registry (--old ${connectOf("old")}) has no providers and no persistent nodes under /dubbo-empty: nothing to compare; allowed: --old naming the registry the providers use now, and --root their Dubbo root\n`,
        );
    });

    it("parity fails when --old and --new reach one ensemble through different members", async function () {
        const oldClient = await connect("old");
        await register(oldClient, "/dubbo-same", [ORDER_URL]);
        const cli = await runCli(["check", "parity", "--old", connectOf("old", [1]), "--new", connectOf("old", [2, 3]), "--root", "/dubbo-same"]);
        expect(cli.code).to.equal(2);
        expect(cli.out).to.equal("");
        expect(cli.err).to.equal(
            "error: --old and --new reach the same ensemble (it knows the session this check opened through --old): nothing to compare; allowed: the old ensemble's members as --old and the new ensemble's as --new\n",
        );
    });

    it("parity compares two chroots of one ensemble: they are different registries", async function () {
        const oldClient = await connect("old");
        await register(oldClient, "/chroot-a/dubbo", [ORDER_URL, PAYMENT_URL]);
        await register(oldClient, "/chroot-b/dubbo", [ORDER_URL_RESTARTED]);
        const cli = await runCli(["check", "parity", "--old", `${connectOf("old", [1])}/chroot-a`, "--new", `${connectOf("old", [2])}/chroot-b`]);
        expect(cli.code, cli.err).to.equal(1);
        expect(cli.out).to.contain("NOT IN PARITY").and.to.contain("  - com.acme.PaymentService:2.0.0@10.0.0.6:20880\n");
    });

    it("health fails when a member is down: that member is unreachable, the rest keep the quorum", async function () {
        this.timeout(30_000);
        const stopped = 3;
        await stopMember(members.get(`old-${stopped}`)!, 5_000);
        const down = `${address("old", stopped)}:${PORTS.client}`;
        const report = await waitFor(
            "the other two members to serve again after the stop",
            async () => {
                const r = await checkHealth(connectOf("old"), { timeoutMs: 1_000 });
                return r.leaders.length === 1 && r.quorum.voters === 2 ? r : undefined;
            },
            { timeoutMs: 20_000, intervalMs: 250 },
        );
        expect(report.healthy).to.equal(false);
        expect(report.members[stopped - 1]).to.include({ member: down, state: "unreachable", error: "connection refused" });
        expect(report.quorum).to.deep.equal({ size: 3, basis: "server list", voters: 2, needed: 2, formed: true });
        expect(report.problems).to.deep.equal([`${down} is unreachable: connection refused`]);

        const cli = await runCli(["check", "health", "--connect", connectOf("old"), "--timeout-ms", "1000"]);
        expect(cli.code).to.equal(1);
        expect(cli.out).to.contain(`  - ${down} is unreachable: connection refused`);
    });

    it("health fails when a member down is left out of --connect: every member's server list names it", async function () {
        this.timeout(30_000);
        const down = `${address("old", 3)}:${PORTS.client}`;
        const report = await checkHealth(connectOf("old", [1, 2]), { timeoutMs: 1_000 });
        expect(report.healthy).to.equal(false);
        expect(report.members.map((m) => m.member)).to.deep.equal(settings.memberIds.map((id) => `${address("old", id)}:${PORTS.client}`));
        expect(report.members[2]).to.include({ member: down, id: 3, state: "unreachable", fromServerList: true });
        expect(report.quorum).to.deep.equal({ size: 3, basis: "server list", voters: 2, needed: 2, formed: true });
        expect(report.problems).to.deep.equal([`member 3 (${down}, from the server lists) is unreachable: connection refused`]);

        const cli = await runCli(["check", "health", "--connect", connectOf("old", [1, 2]), "--timeout-ms", "1000"]);
        expect(cli.code).to.equal(1);
        expect(cli.out).to.contain("ZooKeeper health of 3 members: UNHEALTHY");
        expect(cli.out).to.contain(`  - member 3 (${down}, from the server lists) is unreachable: connection refused`);
    });
});
