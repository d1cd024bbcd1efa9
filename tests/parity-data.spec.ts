/**
 * `check parity` gates on the registry's persistent data, not only its
 * providers: routers, configurators, the config and metadata centers, Dubbo
 * 3's mappings and `dynamic=false` providers are compared by path, data and
 * ACL. Two one-member ZooKeeper ensembles ("old" and "new") on real servers,
 * started from the rendered configs; each test seeds its own root.
 */
import { expect } from "chai";
import { registerCheckCommands } from "../tools/checks/cli";
import { copyTree } from "../tools/checks/copy";
import { compareData, PersistentNode } from "../tools/checks/dubbo";
import { checkParity, parityReport, parityText, SHOWN_PATHS } from "../tools/checks/parity";
import { CreateMode, Permission, ZkAcl, ZkClient } from "../tools/zookeeper/client";
import { runCommand } from "./support/cli";
import { digestId, Side, SIDES, standalonePair } from "./support/pair";

/** Runs `zk-cutover check ...` in-process; resolves with the exit code and the output. */
const runCli = (args: string[]) => runCommand(registerCheckCommands, args);

const enc = encodeURIComponent;
const IFACE = "com.acme.OrderService";
const PROVIDER = `dubbo://10.0.0.5:20880/${IFACE}?interface=${IFACE}&group=orders&version=1.2.0&timestamp=1700000000000`;
const STATIC_PROVIDER = `dubbo://10.0.0.9:20880/${IFACE}?interface=${IFACE}&group=orders&version=1.2.0&dynamic=false`;
const LATE_PROVIDER = `dubbo://10.0.0.8:20880/${IFACE}?interface=${IFACE}&group=orders&version=1.2.0&timestamp=1700000000003`;
const CONSUMER = `consumer://10.0.0.20/${IFACE}?interface=${IFACE}&category=consumers&side=consumer`;

/** The governance data of a Dubbo registry, relative to its root: path -> data. */
const GOVERNANCE: Record<string, string> = {
    [`/${IFACE}/routers/${enc(`condition://0.0.0.0/${IFACE}?category=routers&rule=${enc("host = 10.0.0.5 => host != 10.0.0.9")}`)}`]: "",
    [`/${IFACE}/configurators/${enc(`override://10.0.0.5:20880/${IFACE}?category=configurators&disabled=true`)}`]: "",
    "/config/dubbo/orders.condition-router": "scope: application\nkey: orders\nconditions:\n  - => host != 10.0.0.9\n",
    "/config/dubbo/dubbo.properties": "dubbo.registry.simplified=true\n",
    [`/metadata/${IFACE}/1.2.0/orders/provider/orders`]: '{"name":"orders"}',
    [`/mapping/${IFACE}`]: "orders",
};
const ROUTER = Object.keys(GOVERNANCE)[0];
const CONFIGURATOR = Object.keys(GOVERNANCE)[1];


describe("check parity on persistent data (real ZooKeeper)", function () {
    const pair = standalonePair("the parity data checks", "parity");
    const { connectOf } = pair;
    const clients: Record<Side, ZkClient | undefined> = { old: undefined, new: undefined };
    let rootCount = 0;
    const freshRoot = () => `/dubbo-data-${++rootCount}`;

    before(async function () {
        this.timeout(30_000);
        for (const side of SIDES) {
            clients[side] = await ZkClient.connect(connectOf(side), { connectTimeoutMs: 15_000, opTimeoutMs: 5_000 });
            pair.closeFirst(() => clients[side]?.close());
        }
    });

    /** Creates `path` (parents as plain empty nodes) with `data`, in `mode`, with `acl` (default world:anyone, all). */
    async function put(side: Side, p: string, data: string, mode = CreateMode.PERSISTENT, acl: ZkAcl[] = [{ scheme: "world", id: "anyone", permission: Permission.ALL }]): Promise<void> {
        const parent = p.slice(0, p.lastIndexOf("/"));
        if (parent !== "") {
            await clients[side]!.mkdirp(parent);
        }
        await clients[side]!.createWithAcl(p, Buffer.from(data), acl, mode);
    }

    /** Seeds a registry under `root`: the governance data (with `changes` applied: a path to other data, or to undefined to leave it out), a dynamic=false provider and an ephemeral provider. */
    async function seed(side: Side, root: string, changes: Record<string, string | undefined> = {}): Promise<void> {
        for (const [rel, data] of Object.entries({ ...GOVERNANCE, ...changes })) {
            if (data !== undefined) {
                await put(side, `${root}${rel}`, data);
            }
        }
        await put(side, `${root}/${IFACE}/providers/${enc(STATIC_PROVIDER)}`, "10.0.0.9");
        await put(side, `${root}/${IFACE}/providers/${enc(PROVIDER)}`, "", CreateMode.EPHEMERAL);
    }

    const parity = (root: string, ...more: string[]) => runCli(["check", "parity", "--old", connectOf("old"), "--new", connectOf("new"), "--root", root, ...more]);

    it("passes when persistent data and providers match, counting the persistent nodes and not Dubbo's containers", async function () {
        const root = freshRoot();
        await seed("old", root);
        await seed("new", root);
        const report = await checkParity({ oldConnect: connectOf("old"), newConnect: connectOf("new"), root });
        expect(report.data).to.deep.equal({ inParity: true, missingInNew: [], different: [], stale: [], onlyInNew: [], alike: 12 });
        expect(report.inParity).to.equal(true);
        // 6 governance nodes, the dynamic=false provider, and the parents that are not Dubbo's containers: /config/dubbo and 4 under /metadata.
        expect(report.old).to.include({ providers: 2, persistentNodes: 12, ephemeralNodes: 1 });
        const cli = await parity(root);
        expect(cli.code, cli.err).to.equal(0);
        expect(cli.out).to.contain(`Dubbo registry parity under ${root}: IN PARITY`).and.to.contain("in both: 2 providers, 12 persistent nodes alike");
    });

    it("fails naming the router the new registry lacks", async function () {
        const root = freshRoot();
        await seed("old", root);
        await seed("new", root, { [ROUTER]: undefined });
        const cli = await parity(root);
        expect(cli.code, cli.err).to.equal(1);
        expect(cli.out).to.contain("NOT IN PARITY").and.to.contain(`persistent nodes missing in the new registry (1):\n  - ${root}${ROUTER}\n`);
    });

    it("fails naming a configurator whose data differs, by size and digest (never the data itself)", async function () {
        const root = freshRoot();
        await seed("old", root, { [CONFIGURATOR]: "weight=100" });
        await seed("new", root, { [CONFIGURATOR]: "weight=1" });
        const cli = await parity(root);
        expect(cli.code, cli.err).to.equal(1);
        expect(cli.out).to.match(
            new RegExp(`persistent nodes that differ in the new registry \\(1\\):\\n  ~ ${(root + CONFIGURATOR).replace(/[.%?]/g, "\\$&")}: data \\(old 10 bytes, sha256 [0-9a-f]{12}; new 8 bytes, sha256 [0-9a-f]{12}\\)\\n`),
        );
        expect(cli.out).not.to.contain("weight=");
    });

    it("fails naming a node whose ACL differs", async function () {
        const root = freshRoot();
        const rule = "/config/dubbo/orders.condition-router";
        await seed("old", root, { [rule]: undefined });
        await seed("new", root, { [rule]: undefined });
        await put("old", `${root}${rule}`, GOVERNANCE[rule]);
        await put("new", `${root}${rule}`, GOVERNANCE[rule], CreateMode.PERSISTENT, [{ scheme: "world", id: "anyone", permission: Permission.READ }]);
        const cli = await parity(root);
        expect(cli.code, cli.err).to.equal(1);
        expect(cli.out).to.contain(`  ~ ${root}${rule}: acl (old world:anyone:cdrwa; new world:anyone:r)\n`);
    });

    it("an ephemeral node only in the old registry is not persistent data: a consumer passes, a provider fails as a provider", async function () {
        const root = freshRoot();
        await seed("old", root);
        await seed("new", root);
        await put("old", `${root}/${IFACE}/consumers/${enc(CONSUMER)}`, "", CreateMode.EPHEMERAL);
        const consumer = await checkParity({ oldConnect: connectOf("old"), newConnect: connectOf("new"), root });
        expect(consumer.inParity).to.equal(true);
        expect(consumer.old.ephemeralNodes).to.equal(2);
        expect(consumer.data.missingInNew).to.deep.equal([]);

        await put("old", `${root}/${IFACE}/providers/${enc(LATE_PROVIDER)}`, "", CreateMode.EPHEMERAL);
        const cli = await parity(root, "--json");
        expect(cli.code, cli.err).to.equal(1);
        const report = JSON.parse(cli.out);
        expect(report.data.inParity).to.equal(true);
        expect(report.data.missingInNew).to.deep.equal([]);
        expect(report.missingInNew.map((p: { key: string }) => p.key)).to.deep.equal([`orders/${IFACE}:1.2.0@10.0.0.8:20880`]);
    });

    it("--json lists every difference: missing, different (and in what), and only in the new registry as information", async function () {
        const root = freshRoot();
        await seed("old", root, { [CONFIGURATOR]: "weight=100" });
        await seed("new", root, { [ROUTER]: undefined, [CONFIGURATOR]: "weight=1", "/config/dubbo/payments.configurators": "configs: []\n" });
        const cli = await parity(root, "--json");
        expect(cli.code, cli.err).to.equal(1);
        const report = JSON.parse(cli.out);
        expect(report.inParity).to.equal(false);
        expect(report.missingInNew).to.deep.equal([]);
        expect(report.data.inParity).to.equal(false);
        expect(report.data.missingInNew.map((n: PersistentNode) => n.path)).to.deep.equal([`${root}${ROUTER}`]);
        expect(report.data.missingInNew[0]).to.include({ bytes: 0 }).and.to.have.property("acl").that.deep.equals(["world:anyone:cdrwa"]);
        expect(report.data.different).to.have.length(1);
        expect(report.data.different[0]).to.deep.include({ path: `${root}${CONFIGURATOR}`, differs: ["data"] });
        expect(report.data.different[0].old).to.include({ bytes: 10 });
        expect(report.data.different[0].new).to.include({ bytes: 8 });
        expect(report.data.onlyInNew.map((n: PersistentNode) => n.path)).to.deep.equal([`${root}/config/dubbo/payments.configurators`]);
        expect(report.new.persistentNodes).to.equal(12);
    });

    it("a registry holding only governance data is compared, not refused as empty", async function () {
        const root = freshRoot();
        await put("old", `${root}/config/dubbo/dubbo.properties`, "dubbo.registry.simplified=true\n");
        const missing = await parity(root);
        expect(missing.code, missing.err).to.equal(1);
        expect(missing.out).to.contain("0 providers of 0 interfaces, 2 persistent nodes").and.to.contain(`  - ${root}/config/dubbo/dubbo.properties\n`);
        await put("new", `${root}/config/dubbo/dubbo.properties`, "dubbo.registry.simplified=true\n");
        const alike = await parity(root);
        expect(alike.code, alike.err).to.equal(0);
        expect(alike.out).to.contain("IN PARITY");
    });

    it("a tree larger than --max-nodes is one error line naming the side and the option, exit 2", async function () {
        const root = freshRoot();
        await seed("old", root);
        const cli = await parity(root, "--max-nodes", "5");
        expect(cli.code).to.equal(2);
        expect(cli.out).to.equal("");
        expect(cli.err).to.equal(
            `error: --old registry ${connectOf("old")} holds more than 5 znodes under ${root} (--max-nodes 5); nothing was compared; allowed: a larger --max-nodes (at most 10000000) or a narrower --root\n`,
        );
        const bad = await parity(root, "--max-nodes", "0");
        expect(bad.code).to.equal(2);
        expect(bad.err).to.equal('error: --max-nodes "0" is not a node count; allowed: a whole number from 1 to 10000000 (default 100000)\n');
    });

    it("a znode the check may not read is one error line naming the side and the path, exit 2", async function () {
        const root = freshRoot();
        await seed("old", root);
        await put("old", `${root}/config/dubbo/secret.properties`, "password=x", CreateMode.PERSISTENT, [{ scheme: "ip", id: "10.255.255.1", permission: Permission.ALL }]);
        const cli = await parity(root);
        expect(cli.code).to.equal(2);
        expect(cli.err).to.equal(
            `error: --old registry ${connectOf("old")} could not read ${root}/config/dubbo/secret.properties: no permission (NoAuth); the check needs read access to every znode under --root; allowed: --old-auth scheme:credentials of a user who may read it, or --exclude ${root}/config/dubbo/secret.properties\n`,
        );
    });

    /** What a copy leaves on the new side, plus what services register there by themselves (the ephemeral provider). */
    async function copyAndRegister(root: string, extra: Partial<Parameters<typeof copyTree>[0]> = {}): Promise<void> {
        const copied = await copyTree({ fromConnect: connectOf("old"), toConnect: connectOf("new"), root, ...extra });
        expect(copied.ok, JSON.stringify(copied.failed)).to.equal(true);
        if (!(await clients.new!.exists(`${root}/${IFACE}/providers/${enc(PROVIDER)}`))) {
            await put("new", `${root}/${IFACE}/providers/${enc(PROVIDER)}`, "", CreateMode.EPHEMERAL);
        }
    }

    it("a node a copy wrote that the legacy side deleted since fails as stale (exit 1, naming it and copy --prune); a node no copy wrote is reported only", async function () {
        this.timeout(30_000);
        const root = freshRoot();
        await seed("old", root);
        await copyAndRegister(root);
        // Written on the new side only (a service there publishes its own config).
        await put("new", `${root}/config/dubbo/payments.configurators`, "configs: []\n");
        const before = await parity(root);
        expect(before.code, before.out + before.err).to.equal(0);
        expect(before.out).to.contain(`persistent nodes only in the new registry, written by no copy (1, reported, not a failure):\n  + ${root}/config/dubbo/payments.configurators\n`);

        // An operator deletes the override (disabled=true) in dubbo-admin, on the legacy side only.
        await clients.old!.remove(`${root}${CONFIGURATOR}`);
        const cli = await parity(root);
        expect(cli.code, cli.err).to.equal(1);
        expect(cli.out).to.contain("NOT IN PARITY");
        expect(cli.out).to.contain(
            `persistent nodes stale in the new registry (1): deleted on the legacy side after the copy; run zk-cutover copy --root ${root} --prune:\n  x ${root}${CONFIGURATOR}\n`,
        );
        expect(cli.out).to.contain(`written by no copy (1, reported, not a failure):\n  + ${root}/config/dubbo/payments.configurators\n`);
        const report = JSON.parse((await parity(root, "--json")).out);
        expect(report.data.inParity).to.equal(false);
        expect(report.data.stale).to.deep.equal([{ path: `${root}${CONFIGURATOR}`, bytes: 0, sha256: report.data.stale[0].sha256, acl: ["world:anyone:cdrwa"], copyRoot: root }]);
        expect(report.data.onlyInNew.map((n: PersistentNode) => n.path)).to.deep.equal([`${root}/config/dubbo/payments.configurators`]);

        await copyAndRegister(root, { prune: true });
        const pruned = await parity(root);
        expect(pruned.code, pruned.out).to.equal(0);
        expect(await clients.new!.exists(`${root}/config/dubbo/payments.configurators`)).to.equal(true);
    });

    it("the records of a copy of a tree inside --root count too, naming that copy's --root", async function () {
        this.timeout(30_000);
        const root = freshRoot();
        await put("old", `${root}/config/dubbo/orders.configurators`, "configs: []\n");
        await put("old", `${root}/config/dubbo/orders.tag-router`, "tags: []\n");
        const copied = await copyTree({ fromConnect: connectOf("old"), toConnect: connectOf("new"), root: `${root}/config` });
        expect(copied.ok).to.equal(true);
        expect((await parity(root)).code).to.equal(0);
        await clients.old!.remove(`${root}/config/dubbo/orders.tag-router`);
        const cli = await parity(root);
        expect(cli.code, cli.err).to.equal(1);
        expect(cli.out).to.contain(`run zk-cutover copy --root ${root}/config --prune:\n  x ${root}/config/dubbo/orders.tag-router\n`);
    });

    it("--old-auth and --new-auth read what only a user may read, as copy's --from-auth and --to-auth do; without them it is one NoAuth line naming the option", async function () {
        this.timeout(30_000);
        const root = freshRoot();
        const secret = `${root}/config/dubbo/secret.properties`;
        const governed = `${root}/config/dubbo/governed.properties`;
        const admin = digestId("admin", "s3cret");
        await seed("old", root);
        await put("old", secret, "password=x", CreateMode.PERSISTENT, [{ scheme: "digest", id: admin, permission: Permission.ALL }]);
        await put("old", governed, "weight=1", CreateMode.PERSISTENT, [
            { scheme: "world", id: "anyone", permission: Permission.READ },
            { scheme: "digest", id: admin, permission: Permission.ALL },
        ]);
        await copyAndRegister(root, { fromAuth: "digest:admin:s3cret", toAuth: "digest:admin:s3cret" });

        const anonymous = await parity(root);
        expect(anonymous.code).to.equal(2);
        expect(anonymous.err).to.equal(
            `error: --old registry ${connectOf("old")} could not read ${secret}: no permission (NoAuth); the check needs read access to every znode under --root; allowed: --old-auth scheme:credentials of a user who may read it, or --exclude ${secret}\n`,
        );
        const oldOnly = await parity(root, "--old-auth", "digest:admin:s3cret");
        expect(oldOnly.code).to.equal(2);
        expect(oldOnly.err).to.match(new RegExp(`^error: --new registry \\S+ could not read \\S+secret\\.properties: no permission \\(NoAuth\\); .*allowed: --new-auth scheme:credentials`));
        const both = await parity(root, "--old-auth", "digest:admin:s3cret", "--new-auth", "digest:admin:s3cret");
        expect(both.code, both.out + both.err).to.equal(0);
        expect(both.out).to.contain("IN PARITY");
        // The governed node's digest is hidden from the new side's anonymous session: compared as masked, not a difference.
        const masked = await parity(root, "--old-auth", "digest:admin:s3cret", "--exclude", secret);
        expect(masked.code, masked.out + masked.err).to.equal(0);
    });

    it("--exclude leaves a path and its subtree out of both registries, as copy --exclude does, and the report says so", async function () {
        this.timeout(30_000);
        const root = freshRoot();
        const local = `${root}/config/dubbo/local`;
        await seed("old", root);
        await put("old", `${local}/host-a.properties`, "a");
        await put("old", `${local}/host-b.properties`, "b");
        await copyAndRegister(root, { exclude: [local] });
        // Left out of the copy, kept apart on the new side with other data.
        await put("new", `${local}/host-a.properties`, "other");

        const without = await parity(root, "--json");
        expect(without.code).to.equal(1);
        const report = JSON.parse(without.out);
        expect(report.data.missingInNew.map((n: PersistentNode) => n.path)).to.deep.equal([`${local}/host-b.properties`]);
        expect(report.data.different.map((n: { path: string }) => n.path)).to.deep.equal([`${local}/host-a.properties`]);

        const cli = await parity(root, "--exclude", local);
        expect(cli.code, cli.out + cli.err).to.equal(0);
        expect(cli.out).to.contain("IN PARITY").and.to.contain(`left out in both registries (--exclude): ${local}\n`);
        expect(JSON.parse((await parity(root, "--exclude", local, "--json")).out).excluded).to.deep.equal([local]);
    });

    it("refuses a malformed --old-auth/--new-auth and an --exclude outside --root with exit 2 and one line naming the option, before connecting", async function () {
        const unreachable = ["--old", "127.0.0.1:1", "--new", "127.0.0.2:1"];
        const auth = await runCli(["check", "parity", ...unreachable, "--old-auth", "admin"]);
        expect(auth.code).to.equal(2);
        expect(auth.err).to.equal("error: --old-auth is not scheme:credentials; allowed: e.g. digest:USER:PASSWORD\n");
        const newAuth = await runCli(["check", "parity", ...unreachable, "--new-auth", ":x"]);
        expect(newAuth.err).to.equal("error: --new-auth is not scheme:credentials; allowed: e.g. digest:USER:PASSWORD\n");
        const outside = await runCli(["check", "parity", ...unreachable, "--exclude", "/elsewhere/a"]);
        expect(outside.code).to.equal(2);
        expect(outside.err).to.equal("error: --exclude /elsewhere/a is not under --root /dubbo; allowed: a path below /dubbo/\n");
        const notPath = await runCli(["check", "parity", ...unreachable, "--root", "/reg", "--exclude", "reg/a"]);
        expect(notPath.err).to.equal('error: --exclude "reg/a" is not a znode path; allowed: an absolute path without a trailing slash under --root /reg\n');
    });
});

describe("check parity's ACL comparison", function () {
    const node = (acl: string[]): PersistentNode => ({ path: "/dubbo/config/dubbo/orders.configurators", bytes: 1, sha256: "0".repeat(64), acl });
    const admin = "digest:admin:0uuVRL2YDgUtYMchr3b4yWhA/0c=:cdrwa";

    it("compares a digest ACL that ZooKeeper hides from one side's session (user:x) as hidden on both: no difference, but another user or other permissions are one", function () {
        expect(compareData([node(["world:anyone:r", admin])], [node(["digest:admin:x:cdrwa", "world:anyone:r"])]).different).to.deep.equal([]);
        expect(compareData([node([admin])], [node(["digest:admin:x:cdrwa"])]).inParity).to.equal(true);
        expect(compareData([node([admin])], [node(["digest:other:x:cdrwa"])]).different.map((d) => d.differs)).to.deep.equal([["acl"]]);
        expect(compareData([node([admin])], [node(["digest:admin:x:r"])]).different.map((d) => d.differs)).to.deep.equal([["acl"]]);
        expect(compareData([node([admin])], [node(["digest:admin:1uuVRL2YDgUtYMchr3b4yWhA/0c=:cdrwa"])]).different.map((d) => d.differs)).to.deep.equal([["acl"]]);
    });
});

describe("check parity's text report", function () {
    it(`names at most ${SHOWN_PATHS} persistent nodes per list and says how many more --json lists`, function () {
        const node = (i: number): PersistentNode => ({ path: `/dubbo/config/dubbo/app-${String(i).padStart(2, "0")}.configurators`, bytes: 1, sha256: "0".repeat(64), acl: ["world:anyone:cdrwa"] });
        const nodes = Array.from({ length: SHOWN_PATHS + 5 }, (_, i) => node(i));
        const listing = { providers: [], undecodable: [], interfaces: [] };
        const report = parityReport("/dubbo", { connect: "old:2181", listing, tree: { persistent: nodes, ephemeral: 0, nodesRead: 30 } }, { connect: "new:2181", listing });
        const text = parityText(report);
        expect(text).to.contain(`persistent nodes missing in the new registry (${SHOWN_PATHS + 5}):\n`);
        expect(text).to.contain(`  - ${node(SHOWN_PATHS - 1).path}\n  ... 5 more (--json lists every one)\n`);
        expect(text).not.to.contain(node(SHOWN_PATHS).path);
        expect(report.data.missingInNew).to.have.length(SHOWN_PATHS + 5);
    });
});
