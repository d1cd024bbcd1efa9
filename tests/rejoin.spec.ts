import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PORTS } from "../components/shared/zookeeper";
import { resolveEnsembleSettings } from "../components/ensemble/settings";
import { CreateMode, ZkClient } from "../tools/zookeeper/client";
import { loopbackServers, startLocalMember } from "../tools/zookeeper/local";
import { MemberProcess, randomLoopbackNetwork, srvr, stopMember, waitFor, waitForQuorum, ZooKeeperInstall } from "../tools/zookeeper/process";
import { requireZooKeeper } from "./support/zookeeper";

/**
 * Database existence validation on real servers: with
 * -Dzookeeper.db.autocreate=false (what the pods run on 3.6+), a member that
 * comes back with an empty data directory and no `initialize` marker does not
 * take part as an up-to-date member; it syncs from the leader first.
 */
describe("rejoin safety on real ZooKeeper", function () {
    this.timeout(120_000);
    let install: ZooKeeperInstall;
    let root: string;
    const members = new Map<number, MemberProcess>();
    const clients: ZkClient[] = [];
    let net = "";
    const address = (id: number) => `${net}.${id}`;

    before(function () {
        install = requireZooKeeper("the rejoin-safety suite");
        root = fs.mkdtempSync(path.join(os.tmpdir(), "zk-rejoin-"));
        net = randomLoopbackNetwork();
    });

    after(async () => {
        clients.forEach((c) => c.close());
        await Promise.allSettled([...members.values()].map((m) => stopMember(m)));
        if (root) {
            fs.rmSync(root, { recursive: true, force: true });
        }
    });

    function start(id: number, initialize: boolean): MemberProcess {
        const settings = resolveEnsembleSettings({ namespace: "rehearsal", zookeeperVersion: install.version ?? "3.8.4", metrics: "off" });
        const dir = path.join(root, `m${id}`);
        const dataDir = path.join(dir, "data");
        fs.mkdirSync(dataDir, { recursive: true });
        if (initialize) {
            fs.writeFileSync(path.join(dataDir, "initialize"), "");
        }
        const m = startLocalMember(install, settings, { id, dir, servers: loopbackServers(settings.memberIds, address), jvmArgs: ["-Dzookeeper.db.autocreate=false"] });
        members.set(id, m);
        return m;
    }


    it("a new ensemble with 'initialize' markers forms a quorum with the guard on", async () => {
        [1, 2, 3].forEach((id) => start(id, true));
        await waitForQuorum("a quorum", [1, 2, 3].map((id) => ({ id, address: address(id) })), PORTS.client, { timeoutMs: 60_000 });
        const c = await ZkClient.connect([1, 2, 3].map((id) => `${address(id)}:${PORTS.client}`).join(","));
        clients.push(c);
        for (let i = 0; i < 20; i++) {
            await c.create(`/kept-${i}`, Buffer.from(String(i)), CreateMode.PERSISTENT);
        }
        for (const id of [1, 2, 3]) {
            expect(fs.existsSync(path.join(root, `m${id}`, "data", "initialize")), `member ${id} consumed its marker`).to.equal(false);
        }
    });

    it("a member restarted with an empty data directory does not start as an up-to-date member; it syncs first", async () => {
        const reports = await Promise.all([1, 2, 3].map((id) => srvr(address(id), PORTS.client)));
        const follower = [1, 2, 3].find((id, i) => reports[i].mode === "follower")!;
        await stopMember(members.get(follower)!);
        const dataDir = path.join(root, `m${follower}`, "data");
        fs.rmSync(dataDir, { recursive: true, force: true });
        const logFile = path.join(root, `m${follower}`, "server.log");
        const before = fs.statSync(logFile).size;
        const m = start(follower, false);
        await waitFor("the emptied member to serve again", async () => ((await srvr(address(follower), PORTS.client, 1_000).catch(() => undefined))?.mode === "follower" ? true : undefined), {
            timeoutMs: 60_000,
        });
        const log = fs.readFileSync(m.logFile).subarray(before).toString("utf8");
        expect(log).to.contain("Unexpected empty data tree, setting zxid to -1");
        expect(log).to.not.contain("Initialize file found");
        // It came back by syncing from the leader: the data is there.
        const c = await ZkClient.connect(`${address(follower)}:${PORTS.client}`);
        clients.push(c);
        expect((await c.data("/kept-19"))?.toString()).to.equal("19");
    });
});
