/**
 * `zk-cutover copy` on real ZooKeeper: two standalone servers (the legacy
 * ensemble and the new one), each on its own random loopback address, started
 * and stopped by this suite. Never skipped: without ZooKeeper it fails,
 * naming what to install.
 */
import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PORTS } from "../components/shared/zookeeper";
import { registerCheckCommands } from "../tools/checks/cli";
import { copyTree, CopyReport, manifestPath, parseCopyRoot, parseCopyTimeout, parseExcludes, registerCopyCommand, SHOWN_VERSIONED } from "../tools/checks/copy";
import { checkParity, ParityReport } from "../tools/checks/parity";
import { CreateMode, Permission, ZkAcl, ZkClient } from "../tools/zookeeper/client";
import { loopbackAddress, randomLoopbackNetwork } from "../tools/zookeeper/process";
import { runCommand } from "./support/cli";
import { digestId, Side, SIDES, standalonePair } from "./support/pair";

/** Runs `zk-cutover copy ...` in-process; resolves with the exit code and the output. */
const runCli = (args: string[]) => runCommand(registerCopyCommand, ["copy", ...args]);

const OPEN: ZkAcl[] = [{ scheme: "world", id: "anyone", permission: Permission.ALL }];
/** Readable by anyone, changed only by the admin: a typical governance ACL. */
const GOVERNED: ZkAcl[] = [
    { scheme: "world", id: "anyone", permission: Permission.READ },
    { scheme: "digest", id: digestId("admin", "s3cret"), permission: Permission.ALL },
];
/** Nobody but the admin may read it. */
const SECRET: ZkAcl[] = [{ scheme: "digest", id: digestId("admin", "s3cret"), permission: Permission.ALL }];

const IFACE = "com.acme.OrderService";
const aclKey = (acl: ZkAcl[] | undefined) => (acl ?? []).map((a) => `${a.scheme}:${a.id}:${a.permission}`).sort();


/**
 * Runs each case's options on copy (--from first, --to second) and on check parity (--old, --new): every one is
 * refused before connecting, exit 2, with exactly its one `error:` line; `also` checks each run further.
 */
async function refusedOnBothSides(
    casesOf: (first: string, second: string) => [string[], string][],
    also: (r: { code: number; out: string; err: string }) => void = () => undefined,
): Promise<void> {
    for (const [command, [first, second]] of [
        [["copy", "--from", "127.0.0.1:1", "--to", "127.0.0.2:1"], ["--from", "--to"]],
        [["check", "parity", "--old", "127.0.0.1:1", "--new", "127.0.0.2:1"], ["--old", "--new"]],
    ] as const) {
        for (const [args, error] of casesOf(first, second)) {
            const r = await runCommand(command[0] === "copy" ? registerCopyCommand : registerCheckCommands, [...command, ...args]);
            expect([r.code, r.out, r.err], [...command, ...args].join(" ")).to.deep.equal([2, "", `error: ${error}\n`]);
            also(r);
        }
    }
}

describe("zk-cutover copy: options", function () {
    it("checks --root, --exclude and --timeout, in one line naming the option", function () {
        expect(parseCopyRoot(undefined)).to.equal("/dubbo");
        expect(parseCopyRoot("/")).to.equal("/");
        expect(() => parseCopyRoot("dubbo")).to.throw(/^--root "dubbo" is not a znode path; allowed: /);
        expect(() => parseCopyRoot("/dubbo/")).to.throw(/--root "\/dubbo\/" is not a znode path/);
        expect(() => parseCopyRoot("/zookeeper/quota")).to.throw(/--root \/zookeeper\/quota is ZooKeeper's own tree/);
        expect(parseExcludes(["/dubbo/a"], "/dubbo")).to.deep.equal(["/dubbo/a"]);
        expect(() => parseExcludes(["/other"], "/dubbo")).to.throw(/^--exclude \/other is not under --root \/dubbo; allowed: a path below \/dubbo\/$/);
        expect(() => parseExcludes(["/dubbo"], "/dubbo")).to.throw(/is not under --root/);
        expect(parseCopyTimeout(undefined)).to.equal(600_000);
        expect(parseCopyTimeout("30")).to.equal(30_000);
        for (const bad of ["0", "1.5", "abc", "86401"]) {
            expect(() => parseCopyTimeout(bad)).to.throw(/^--timeout .* is not allowed; allowed: whole seconds from 1 to 86400/);
        }
    });

    it("refuses missing and malformed options with exit 2 and one error line, before connecting", async function () {
        const missing = await runCli(["--to", "127.0.0.1:2181"]);
        expect(missing.code).to.equal(2);
        expect(missing.err).to.equal("error: --from is missing; allowed: --from LEGACY_CONNECT --to NEW_CONNECT (host:port,host:port[/chroot])\n");
        const bad = await runCli(["--from", "nohost", "--to", "127.0.0.1:2181"]);
        expect(bad.code).to.equal(2);
        expect(bad.err).to.match(/^error: --from entry "nohost" [^\n]*\n$/);
        const same = await runCli(["--from", "127.0.0.9:2181", "--to", "127.0.0.8:2181,127.0.0.9:2181"]);
        expect(same.code).to.equal(2);
        expect(same.err).to.equal("error: --from and --to reach the same ensemble (both list 127.0.0.9:2181); allowed: the legacy ensemble as --from and the new one as --to\n");
        const unknown = await runCli(["--from", "a:1", "--to", "b:1", "--frobnicate"]);
        expect(unknown.code).to.equal(2);
    });

    it("copy's and check parity's SASL options that cannot be used: one line naming the option (never the password), exit 2, before connecting", async function () {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "zk-copy-sasl-"));
        try {
            const file = (name: string, text: string) => {
                fs.writeFileSync(path.join(dir, name), text, { mode: 0o600 });
                return path.join(dir, name);
            };
            const good = file("good", "pw-1\n");
            const empty = file("empty", "\n");
            const twoLines = file("two", "pw-1\npw-2\n");
            const missing = path.join(dir, "missing");
            await refusedOnBothSides(
                (first, second) => [
                    [[`${first}-sasl-user`, "dubbo"], `${first}-sasl-user needs ${first}-sasl-password-file; allowed: a user of the members' JAAS Server section with a file holding its password, or neither`],
                    [[`${second}-sasl-password-file`, good], `${second}-sasl-password-file needs ${second}-sasl-user; allowed: a user of the members' JAAS Server section with a file holding its password, or neither`],
                    [[`${second}-sasl-user`, "dubbo", `${second}-sasl-password-file`, missing], `${second}-sasl-password-file ${JSON.stringify(missing)} cannot be read (ENOENT); allowed: a file holding the password of ${second}-sasl-user`],
                    [[`${first}-sasl-user`, "dubbo", `${first}-sasl-password-file`, empty], `${first}-sasl-password-file ${JSON.stringify(empty)} is empty; allowed: a file holding the password of ${first}-sasl-user`],
                    [[`${first}-sasl-user`, "dubbo", `${first}-sasl-password-file`, twoLines], `${first}-sasl-password-file ${JSON.stringify(twoLines)} holds more than one line; allowed: a file holding the password alone`],
                    [[`${second}-sasl-user`, "", `${second}-sasl-password-file`, good], `${second}-sasl-user "" is not a usable SASL user name; allowed: a user of the members' JAAS Server section`],
                ],
                (r) => expect(r.err).not.to.contain("pw-"),
            );
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});

describe("zk-cutover copy on real ZooKeeper", function () {
    const pair = standalonePair("the copy tests", "copy");
    const { connectOf } = pair;
    const clients: Record<Side, ZkClient | undefined> = { old: undefined, new: undefined };
    let rootCount = 0;
    const freshRoot = () => `/dubbo-copy-${++rootCount}`;
    const zk = (side: Side) => clients[side]!;

    before(async function () {
        this.timeout(30_000);
        for (const side of SIDES) {
            clients[side] = await ZkClient.connect(connectOf(side), { connectTimeoutMs: 15_000, opTimeoutMs: 5_000 });
            pair.closeFirst(() => clients[side]?.close());
            // The suite's own sessions are the admin (to read back digest ACLs and nodes only the admin may read).
            clients[side]!.addAuth("digest", "admin:s3cret");
        }
    });

    /** Creates `p` (missing parents as plain empty nodes) with `data`, `acl` and `mode`. */
    async function put(side: Side, p: string, data: string, acl = OPEN, mode = CreateMode.PERSISTENT): Promise<string> {
        const parent = p.slice(0, p.lastIndexOf("/"));
        if (parent !== "") {
            await zk(side).mkdirp(parent);
        }
        return zk(side).createWithAcl(p, Buffer.from(data), acl, mode);
    }

    /** Seeds the legacy registry under `root` with governance data, an ACL'd rule, an ephemeral provider and a sequential node. */
    async function seed(root: string): Promise<{ ephemeral: string; sequential: string; router: string; governed: string }> {
        const router = `${root}/${IFACE}/routers/${encodeURIComponent("condition://0.0.0.0/" + IFACE + "?rule=" + encodeURIComponent("=> host != 10.0.0.9"))}`;
        await put("old", router, "");
        await put("old", `${root}/${IFACE}/configurators/${encodeURIComponent("override://10.0.0.5:20880/" + IFACE + "?disabled=true")}`, "");
        await put("old", `${root}/config/dubbo/orders.condition-router`, "scope: application\nkey: orders\n");
        // A governed node with a child: readable by anyone, writable by the admin only (the child is made before the ACL is narrowed).
        const governed = `${root}/config/dubbo/dubbo.properties`;
        await put("old", governed, "dubbo.registry.simplified=true\n");
        await put("old", `${governed}/note`, "child of a governed node");
        await zk("old").setAcl(governed, GOVERNED);
        const ephemeral = `${root}/${IFACE}/providers/${encodeURIComponent("dubbo://10.0.0.5:20880/" + IFACE + "?version=1.2.0")}`;
        await put("old", ephemeral, "", OPEN, CreateMode.EPHEMERAL);
        const sequential = await put("old", `${root}/queue/job-`, "x", OPEN, CreateMode.PERSISTENT_SEQUENTIAL);
        return { ephemeral, sequential, router, governed };
    }

    const ADMIN = ["--from-auth", "digest:admin:s3cret", "--to-auth", "digest:admin:s3cret"];
    const copy = (root: string, extra: string[] = []) => runCli(["--from", connectOf("old"), "--to", connectOf("new"), "--root", root, ...ADMIN, ...extra]);
    /** A copy without credentials. */
    const anonymous = (root: string, extra: string[] = []) => runCli(["--from", connectOf("old"), "--to", connectOf("new"), "--root", root, ...extra]);
    const json = async (root: string, extra: string[] = []) => {
        const r = await copy(root, [...extra, "--json"]);
        return { code: r.code, err: r.err, report: JSON.parse(r.out) as CopyReport };
    };

    it("copies the persistent tree with data and ACLs, never an ephemeral node, reports sequential nodes, and a second run changes nothing", async function () {
        this.timeout(30_000);
        const root = freshRoot();
        const s = await seed(root);
        const first = await copy(root);
        expect(first.err).to.equal("");
        expect(first.code, first.out).to.equal(0);
        expect(first.out).to.match(new RegExp(`^Copy of ${root} from ${connectOf("old")} to ${connectOf("new")}: DONE\n`));
        expect(first.out).to.match(/created 14, updated 0, unchanged 0, skipped ephemeral 1, conflicts 0, failed 0, deleted 0/);
        expect(first.out).to.include(`  # ${s.sequential}: parent ${root}/queue cversion 1 on --from, 1 on --to`);

        expect(await zk("new").exists(s.ephemeral)).to.equal(false);
        expect(await zk("new").exists(path.posix.dirname(s.ephemeral))).to.equal(true);
        expect((await zk("new").data(s.governed))!.toString()).to.equal("dubbo.registry.simplified=true\n");
        expect(aclKey(await zk("new").acl(s.governed))).to.deep.equal(aclKey(GOVERNED));
        expect((await zk("new").data(`${s.governed}/note`))!.toString()).to.equal("child of a governed node");
        expect(await zk("new").exists(s.sequential)).to.equal(true);
        expect(await zk("new").exists(s.router)).to.equal(true);

        const again = await json(root);
        expect(again.code).to.equal(0);
        expect(again.report.ok).to.equal(true);
        expect(again.report.counts).to.include({ created: 0, updated: 0, unchanged: 14, skippedEphemeral: 1, conflicts: 0, failed: 0 });
        expect(again.report.sequential.map((x) => x.path)).to.deep.equal([s.sequential]);
    });

    it("a dry run reports what it would create and writes nothing", async function () {
        this.timeout(20_000);
        const root = freshRoot();
        await seed(root);
        const dry = await copy(root, ["--dry-run"]);
        expect(dry.code).to.equal(0);
        expect(dry.out).to.match(/: DONE \(dry run: nothing written; counts say what a copy would do\)/);
        expect(dry.out).to.match(/created 14,/);
        expect(dry.out).to.include(`would create (14):\n  + ${root}\n`);
        expect(await zk("new").exists(root)).to.equal(false);
        expect(await zk("new").exists(manifestPath(root))).to.equal(false);
    });

    it("a node that differs on the target is a conflict (exit 1, left alone) until --overwrite replaces its data and ACL", async function () {
        this.timeout(20_000);
        const root = freshRoot();
        await put("old", `${root}/config/dubbo/orders.configurators`, "weight: 100");
        await put("old", `${root}/config/dubbo/orders.tag-router`, "tags: []", GOVERNED);
        await put("new", `${root}/config/dubbo/orders.configurators`, "weight: 50");
        await put("new", `${root}/config/dubbo/orders.tag-router`, "tags: []");

        const refused = await copy(root);
        expect(refused.code).to.equal(1);
        expect(refused.out).to.match(/: CONFLICTS\n/);
        expect(refused.out).to.include(`  ! ${root}/config/dubbo/orders.configurators: data differs\n`);
        expect(refused.out).to.include(`  ! ${root}/config/dubbo/orders.tag-router: acl differs\n`);
        expect((await zk("new").data(`${root}/config/dubbo/orders.configurators`))!.toString()).to.equal("weight: 50");

        const forced = await json(root, ["--overwrite"]);
        expect(forced.code).to.equal(0);
        expect(forced.report.updated).to.deep.equal([`${root}/config/dubbo/orders.configurators`, `${root}/config/dubbo/orders.tag-router`]);
        expect((await zk("new").data(`${root}/config/dubbo/orders.configurators`))!.toString()).to.equal("weight: 100");
        expect(aclKey(await zk("new").acl(`${root}/config/dubbo/orders.tag-router`))).to.deep.equal(aclKey(GOVERNED));
        expect((await json(root)).report.counts).to.include({ unchanged: 5, conflicts: 0 });
    });

    it("a rule deleted on the legacy side is reported as stale (exit 1), deleted with --prune, and nodes no copy wrote are never touched", async function () {
        this.timeout(20_000);
        const root = freshRoot();
        const rule = `${root}/${IFACE}/routers/route-a`;
        await put("old", rule, "=> host != 10.0.0.9");
        await put("old", `${root}/${IFACE}/routers/route-b`, "=> host != 10.0.0.8");
        expect((await copy(root)).code).to.equal(0);
        // Written on the new side only (a pod's Dubbo client makes its category nodes).
        await put("new", `${root}/com.acme.NewService/configurators`, "");

        await zk("old").remove(rule);
        const stale = await copy(root);
        expect(stale.code).to.equal(1);
        expect(stale.out).to.match(/: STALE NODES\n/);
        expect(stale.out).to.include(`deleted on --from since an earlier copy, still on --to (1; --prune deletes them):\n  - ${rule}\n`);
        expect(await zk("new").exists(rule)).to.equal(true);

        const dry = await json(root, ["--prune", "--dry-run"]);
        expect(dry.report.deleted).to.deep.equal([rule]);
        expect(await zk("new").exists(rule)).to.equal(true);

        const pruned = await json(root, ["--prune"]);
        expect(pruned.code).to.equal(0);
        expect(pruned.report.deleted).to.deep.equal([rule]);
        expect(await zk("new").exists(rule)).to.equal(false);
        expect(await zk("new").exists(`${root}/${IFACE}/routers/route-b`)).to.equal(true);
        expect(await zk("new").exists(`${root}/com.acme.NewService/configurators`)).to.equal(true);

        const after = await json(root, ["--prune"]);
        expect(after.report.ok).to.equal(true);
        expect(after.report.counts).to.include({ created: 0, deleted: 0, stale: 0 });
    });

    it("a node the copier may not read (NoAuth) fails in one line, exit 1, and the rest is copied", async function () {
        this.timeout(20_000);
        const root = freshRoot();
        await put("old", `${root}/config/dubbo/public`, "p");
        await put("old", `${root}/config/dubbo/secret`, "s", SECRET);
        await put("old", `${root}/config/dubbo/governed`, "g", GOVERNED);
        const r = await anonymous(root);
        expect(r.code).to.equal(1);
        expect(r.out).to.match(/: FAILED\n/);
        expect(r.out).to.include(
            `  x ${root}/config/dubbo/secret: cannot read ${root}/config/dubbo/secret on --from: NoAuth (its ACL does not let this copier read it; copy it by hand or --exclude it); its subtree was not copied\n`,
        );
        expect(r.out).to.include(
            `  x ${root}/config/dubbo/governed: cannot read the ACL of ${root}/config/dubbo/governed on --from: ZooKeeper hides its digest credentials (digest:admin:x) from a session without ADMIN on it; allowed: --from-auth digest:USER:PASSWORD of a user with ADMIN there, or --exclude ${root}/config/dubbo/governed; its subtree was not copied\n`,
        );
        expect(r.out).to.include(`created (4):\n`);
        expect(await zk("new").exists(`${root}/config/dubbo/public`)).to.equal(true);
        expect(await zk("new").exists(`${root}/config/dubbo/governed`)).to.equal(false);
        const excluded = await anonymous(root, ["--exclude", `${root}/config/dubbo/secret`, "--exclude", `${root}/config/dubbo/governed`]);
        expect(excluded.code).to.equal(0);
        expect(excluded.out).to.match(/unchanged 4, .*excluded 2/);
        const withAuth = await copy(root);
        expect(withAuth.code, withAuth.out).to.equal(0);
        expect(aclKey(await zk("new").acl(`${root}/config/dubbo/secret`))).to.deep.equal(aclKey(SECRET));
    });

    it("refuses a root missing on the source, one ensemble on both sides and an unreachable side: exit 2, one line", async function () {
        this.timeout(30_000);
        await put("old", "/present-marker", "");
        const missing = await copy("/no-such-root");
        expect(missing.code).to.equal(2);
        expect(missing.out).to.equal("");
        expect(missing.err).to.match(new RegExp(`^error: --root /no-such-root is not a znode on --from ${connectOf("old")}; allowed: a path that exists there \\(its top-level znodes: .*/present-marker.*\\)\n$`));

        const oneEnsemble = await runCli(["--from", connectOf("old"), "--to", connectOf("old")]);
        expect(oneEnsemble.code).to.equal(2);
        expect(oneEnsemble.err).to.match(/^error: --from and --to reach the same ensemble/);

        const nowhere = `${loopbackAddress(1, randomLoopbackNetwork())}:${PORTS.client}`;
        const unreachable = await runCli(["--from", connectOf("old"), "--to", nowhere, "--timeout", "2"]);
        expect(unreachable.code).to.equal(2);
        expect(unreachable.err).to.equal(`error: --to ${nowhere} is unreachable or has no quorum: connecting to ${nowhere} did not finish within 2000 ms\n`);
    });

    it("reports the nodes whose data version on the source is above 0 and the version the new side has (0 when created, one up when overwritten): text names the first few, --json all", async function () {
        this.timeout(20_000);
        const root = freshRoot();
        const rule = `${root}/config/dubbo/orders.configurators`;
        await put("old", rule, "v0");
        await zk("old").setData(rule, Buffer.from("v1"));
        await zk("old").setData(rule, Buffer.from("v2"));
        await put("old", `${root}/config/dubbo/never-changed`, "x");
        const mappings = Array.from({ length: SHOWN_VERSIONED + 1 }, (_, i) => `${root}/mapping/svc-${i}`);
        for (const m of mappings) {
            await put("old", m, "a");
            await zk("old").setData(m, Buffer.from("b"));
        }

        const first = await copy(root);
        expect(first.code, first.out).to.equal(0);
        expect(first.out).to.include(
            `versioned nodes (${SHOWN_VERSIONED + 2}): data version above 0 on --from; versions cannot be carried over (the new side starts a node at version 0, an --overwrite adds 1 to its own), so a client's version-checked write (Dubbo 3 config, Curator) must read it again on --to:\n` +
                `  @ ${rule}: version 2 on --from, 0 on --to\n` +
                mappings
                    .slice(0, SHOWN_VERSIONED - 1)
                    .map((m) => `  @ ${m}: version 1 on --from, 0 on --to\n`)
                    .join("") +
                "  ... 2 more (--json lists every one)\n",
        );
        expect(first.out).not.to.include("never-changed");
        expect((await zk("new").stat(rule))!.version).to.equal(0);

        const again = await json(root);
        expect(again.report.versioned).to.deep.equal([{ path: rule, fromVersion: 2, toVersion: 0 }, ...mappings.map((m) => ({ path: m, fromVersion: 1, toVersion: 0 }))]);

        await zk("old").setData(rule, Buffer.from("v3"));
        const overwritten = await json(root, ["--overwrite"]);
        expect(overwritten.report.versioned[0]).to.deep.equal({ path: rule, fromVersion: 3, toVersion: 1 });
        expect((await zk("new").stat(rule))!.version).to.equal(1);
    });

    it("round trip with check parity: a rule deleted, a rule and an ACL changed and an ephemeral node added on the legacy side fail parity by name until copy --prune --overwrite; the ephemeral node is never copied", async function () {
        this.timeout(60_000);
        const root = freshRoot();
        const s = await seed(root);
        const configurator = `${root}/${IFACE}/configurators/${encodeURIComponent("override://10.0.0.5:20880/" + IFACE + "?disabled=true")}`;
        const conditionRouter = `${root}/config/dubbo/orders.condition-router`;
        const secret = `${root}/config/dubbo/secret.properties`;
        await put("old", secret, "password=x", SECRET);
        const AUTH = ["--old-auth", "digest:admin:s3cret", "--new-auth", "digest:admin:s3cret"];
        const parity = async (...extra: string[]) => {
            const r = await runCommand(registerCheckCommands, ["check", "parity", "--old", connectOf("old"), "--new", connectOf("new"), "--root", root, ...AUTH, ...extra]);
            return { ...r, report: extra.includes("--json") && r.out !== "" ? (JSON.parse(r.out) as ParityReport) : undefined };
        };

        expect((await copy(root)).code).to.equal(0);
        // Services register to both registries by themselves.
        await put("new", s.ephemeral, "", OPEN, CreateMode.EPHEMERAL);
        const inParity = await parity();
        expect(inParity.code, inParity.out + inParity.err).to.equal(0);
        expect(inParity.out).to.match(/IN PARITY\n/);

        // In dubbo-admin, on the legacy side: the override goes, a route is rewritten, a rule is locked to the admin; a consumer registers.
        await zk("old").remove(configurator);
        await zk("old").setData(s.router, Buffer.from("=> host != 10.0.0.8"));
        await zk("old").setAcl(conditionRouter, GOVERNED);
        const consumer = await put("old", `${root}/${IFACE}/consumers/${encodeURIComponent("consumer://10.0.0.20/" + IFACE)}`, "", OPEN, CreateMode.EPHEMERAL);

        const drifted = await parity("--json");
        expect(drifted.code, drifted.err).to.equal(1);
        expect(drifted.report!.data.stale.map((n) => n.path)).to.deep.equal([configurator]);
        expect(drifted.report!.data.different.map((n) => [n.path, n.differs])).to.deep.equal([
            [s.router, ["data"]],
            [conditionRouter, ["acl"]],
        ]);
        expect(drifted.report!.data.missingInNew).to.deep.equal([]);
        const text = await parity();
        expect(text.code).to.equal(1);
        expect(text.out).to.include(`  x ${configurator}\n`).and.to.include(`  ~ ${s.router}: data`).and.to.include(`  ~ ${conditionRouter}: acl`);
        expect(text.out).not.to.include(consumer);

        const recopy = await json(root, ["--prune", "--overwrite"]);
        expect(recopy.code, JSON.stringify(recopy.report.failed)).to.equal(0);
        expect(recopy.report.deleted).to.deep.equal([configurator]);
        expect(recopy.report.updated).to.deep.equal([s.router, conditionRouter]);
        expect(recopy.report.skippedEphemeral).to.include(consumer);

        const after = await parity();
        expect(after.code, after.out + after.err).to.equal(0);
        expect(await zk("new").exists(consumer)).to.equal(false);
        expect(await zk("new").exists(configurator)).to.equal(false);
        expect((await zk("new").data(s.router))!.toString()).to.equal("=> host != 10.0.0.8");
        expect(aclKey(await zk("new").acl(conditionRouter))).to.deep.equal(aclKey(GOVERNED));
        expect(aclKey(await zk("new").acl(secret))).to.deep.equal(aclKey(SECRET));
    });

    it("a znode at the copies' record that is not one (written by something else) stops copy and check parity: exit 2, one line naming the side and what to do", async function () {
        this.timeout(30_000);
        const root = freshRoot();
        await seed(root);
        const record = manifestPath(root);
        await zk("new").mkdirp(record.slice(0, record.lastIndexOf("/")));
        await zk("new").create(record, Buffer.from("not a record"), CreateMode.PERSISTENT);
        const copied = await copy(root);
        expect([copied.code, copied.err]).to.deep.equal([2, `error: --to holds ${record}, but it is not a record of earlier copies; allowed: delete it (the next copy writes it again)\n`]);
        const parity = await runCommand(registerCheckCommands, ["check", "parity", "--old", connectOf("old"), "--new", connectOf("new"), "--root", root, "--old-auth", "digest:admin:s3cret", "--new-auth", "digest:admin:s3cret"]);
        expect([parity.code, parity.err]).to.deep.equal([2, `error: --new registry ${connectOf("new")} holds ${record}, but it is not a record of earlier copies; allowed: delete it (the next copy writes it again)\n`]);
        await zk("new").remove(record);
        expect((await copy(root)).code).to.equal(0);
    });

    it("copyTree stops at the deadline and says which paths were done", async function () {
        this.timeout(20_000);
        const root = freshRoot();
        for (let i = 0; i < 30; i++) {
            await put("old", `${root}/n${i}`, String(i));
        }
        const report = await copyTree({ fromConnect: connectOf("old"), toConnect: connectOf("new"), root, timeoutMs: 1, opTimeoutMs: 2_000 });
        expect(report.ok).to.equal(false);
        expect(report.interrupted).to.equal("the copy did not finish within --timeout 0.001 s");
    });
});

describe("zk-cutover copy and check parity to a TLS-only new ensemble (real ZooKeeper)", function () {
    // The new side answers clients only over TLS (tls: require, mutual TLS) at localhost:2281; the legacy side is plaintext.
    const pair = standalonePair("the TLS copy tests", "copytls", { tlsOnly: "new" });
    const { connectOf } = pair;
    const clients: Record<Side, ZkClient | undefined> = { old: undefined, new: undefined };
    const zk = (side: Side) => clients[side]!;
    /** `--<side>-tls-ca/-cert/-key` with the TLS-only side's files. */
    const tlsArgs = (side: string) => {
        const f = pair.tlsFiles("new")!;
        return [`${side}-tls-ca`, f.ca, `${side}-tls-cert`, f.cert, `${side}-tls-key`, f.key];
    };
    const parity = (args: string[]) => runCommand(registerCheckCommands, ["check", "parity", ...args]);

    before(async function () {
        this.timeout(30_000);
        for (const side of SIDES) {
            const tls = pair.tls(side);
            clients[side] = await ZkClient.connect(connectOf(side), { connectTimeoutMs: 15_000, opTimeoutMs: 5_000, ...(tls ? { tls } : {}) });
            pair.closeFirst(() => clients[side]?.close());
        }
    });

    it("copy --to-tls-* copies the governance data into the TLS-only ensemble and check parity --new-tls-* passes (the library as copyTree toTls and checkParity newTls); without them both fail, exit 2, one line naming --to / --new", async function () {
        this.timeout(60_000);
        const root = "/dubbo-tls";
        const rule = `${root}/config/dubbo/orders.condition-router`;
        await zk("old").mkdirp(`${root}/config/dubbo`);
        await zk("old").create(rule, Buffer.from("scope: application\nkey: orders\n"), CreateMode.PERSISTENT);
        const from = ["--from", connectOf("old"), "--root", root];

        const copied = await runCli([...from, "--to", connectOf("new"), ...tlsArgs("--to")]);
        expect(copied.code, copied.out + copied.err).to.equal(0);
        expect(copied.out).to.match(new RegExp(`^Copy of ${root} from ${connectOf("old")} to localhost:2281: DONE\n  created 4,`));
        expect((await zk("new").data(rule))?.toString()).to.equal("scope: application\nkey: orders\n");
        const passed = await parity(["--old", connectOf("old"), "--new", connectOf("new"), "--root", root, ...tlsArgs("--new")]);
        expect(passed.code, passed.out + passed.err).to.equal(0);
        expect(passed.out).to.match(/IN PARITY\n/);

        const again = await copyTree({ fromConnect: connectOf("old"), toConnect: connectOf("new"), root, toTls: pair.tls("new") });
        expect([again.ok, again.counts.created, again.counts.unchanged]).to.deep.equal([true, 0, 4]);
        const report = await checkParity({ oldConnect: connectOf("old"), newConnect: connectOf("new"), root, newTls: pair.tls("new") });
        expect([report.inParity, report.data.alike]).to.deep.equal([true, 2]);

        // Plaintext to the TLS port: no session within the deadline; the line names the side and the option it lacks.
        const hint = (side: string) => `(2281 is the TLS client port; allowed: ${side}-tls-ca FILE, with ${side}-tls-cert and ${side}-tls-key when the members ask for a client certificate)`;
        const plainCopy = await runCli([...from, "--to", connectOf("new"), "--timeout", "3"]);
        expect([plainCopy.code, plainCopy.out, plainCopy.err]).to.deep.equal([
            2,
            "",
            `error: --to localhost:2281 is unreachable or has no quorum: connecting to localhost:2281 did not finish within 3000 ms ${hint("--to")}\n`,
        ]);
        const plainParity = await parity(["--old", connectOf("old"), "--new", connectOf("new"), "--root", root, "--timeout-ms", "3000"]);
        expect([plainParity.code, plainParity.out, plainParity.err]).to.deep.equal([
            2,
            "",
            `error: --new registry localhost:2281 is unreachable or has no quorum: connecting to localhost:2281 did not finish within 3000 ms ${hint("--new")}\n`,
        ]);
    });

    it("the same-ensemble probe speaks TLS to a TLS side: the TLS-only server's TLS port and its own plaintext port are one ensemble, refused", async function () {
        this.timeout(30_000);
        const plainPort = `${pair.addresses.new}:${PORTS.client}`;
        // The probe asks --to (over TLS) whether it knows the session opened through --from (plaintext).
        const toTls = await runCli(["--from", plainPort, "--to", connectOf("new"), ...tlsArgs("--to"), "--timeout", "10"]);
        expect([toTls.code, toTls.err]).to.deep.equal([
            2,
            "error: --from and --to reach the same ensemble (it knows the session opened through --from); allowed: the legacy ensemble as --from and the new one as --to\n",
        ]);
        const fromTls = await parity(["--old", connectOf("new"), ...tlsArgs("--old"), "--new", plainPort, "--timeout-ms", "10000"]);
        expect(fromTls.code).to.equal(2);
        expect(fromTls.err).to.match(/^error: --old and --new reach the same ensemble \(it knows the session this check opened through --old\): [^\n]*\n$/);
    });

    it("copy's and check parity's TLS options that cannot be used: one line naming the option, exit 2, before connecting", async function () {
        const f = pair.tlsFiles("new")!;
        const missing = `${f.ca}.missing`;
        await refusedOnBothSides((first, second) => [
                [[`${second}-tls-ca`, f.ca, `${second}-tls-cert`, f.cert], `${second}-tls-cert needs ${second}-tls-key; allowed: a client certificate and its key together, or neither`],
                [
                    [`${first}-tls-key`, f.key],
                    `${first}-tls-ca is missing; allowed: a PEM file of the CA the members' certificates chain to (with ${first}-tls-cert and ${first}-tls-key when the members ask for a client certificate)`,
                ],
                [[`${second}-tls-ca`, missing], `${second}-tls-ca ${JSON.stringify(missing)} cannot be read (ENOENT); allowed: a PEM CA certificate`],
                [[`${first}-tls-ca`, f.key], `${first}-tls-ca ${JSON.stringify(f.key)} holds no PEM certificate; allowed: a PEM CA certificate`],
                [[`${second}-tls-ca`, f.ca, `${second}-tls-cert`, f.cert, `${second}-tls-key`, f.cert], `${second}-tls-key ${JSON.stringify(f.cert)} holds no PEM private key; allowed: a PEM private key`],
        ]);
    });
});
