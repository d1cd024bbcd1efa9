/**
 * `zk-cutover copy`: copies the persistent znodes under a root (Dubbo's
 * routers, configurators, config center, metadata, mappings, persistent
 * providers) from the legacy ensemble into the new one, with their data and
 * ACLs. Services re-register their ephemeral nodes by themselves in
 * dual-registry; nobody re-creates the persistent ones, so they are copied.
 *
 * Rules:
 * - ephemeral nodes (stat.ephemeralOwner != 0) are never copied;
 * - a node missing on the target is created with the source's data and ACL;
 *   a node equal on both sides (data and ACL, versions and times ignored) is
 *   left alone, so a second run changes nothing;
 * - a node that differs on the target is a conflict and is left as it is,
 *   unless `--overwrite`;
 * - sequential counters and versions cannot be carried over: persistent
 *   nodes whose names end in a 10-digit sequence are reported with their
 *   parent's cversion on both sides (a client creating the next sequential
 *   child on the new side gets a suffix from the new parent's cversion), and
 *   nodes whose data version on the source is above 0 with their version on
 *   both sides (a node the copy creates starts at version 0, one it
 *   overwrites goes one up from its own: a client's version-checked write,
 *   such as Dubbo 3 publishing config or Curator, must read the node again
 *   on the new side);
 * - the whole run is bounded by `--timeout`, each operation by ten seconds;
 * - a side that answers only over TLS (`tls: require`, port 2281) is reached
 *   with `--from-tls-*` / `--to-tls-*` (`fromTls` / `toTls`): every
 *   connection to it, the same-ensemble probe too;
 * - a side that requires SASL (`saslClient: require`) is authenticated on
 *   every connection with `--from-sasl-user` / `--from-sasl-password-file`
 *   (`--to-*` alike; `fromSasl` / `toSasl`); the password is read from a
 *   file, never given on the command line.
 *
 * Keeping the new ensemble in step during dual-registry (deletions included)
 * is a re-copy, not a watch-driven follower: see `prune` below and the
 * README's dual-registry runbook. Why a re-copy: it is one idempotent,
 * bounded command the runbook can run again right before the gate
 * (`check parity`) and before consumers prefer the new registry; a follower
 * would have to run for days, re-arm one-shot watches on every node, and
 * still miss changes made while it was disconnected, which a re-copy cannot
 * miss. Governance writes go to the legacy ensemble until consumers prefer
 * the new one, so the last re-copy before that switch carries every change.
 *
 * Deletions: every run records on the target (in the znode
 * `/zk-cutover/copies/<root>`) which paths it copied or found equal. With
 * `--prune` a later run deletes those that no longer exist on the source
 * (a rule deleted in dubbo-admin disappears on the new side too); nodes the
 * copy never wrote (created directly on the target, e.g. the category nodes
 * a pod's Dubbo client makes) are never deleted. Without `--prune` such
 * nodes are reported as stale and the run exits 1; `check parity` reads the
 * same records and fails on them too (parity.ts `copiedPaths`).
 *
 * Exit codes: 0 copied (or nothing to do); 1 conflicts, failed nodes, stale
 * nodes without --prune, or a run stopped mid-way (the report says which
 * paths were done); 2 cannot run (bad option, an ensemble unreachable, the
 * root missing on the source, --from and --to one ensemble).
 */
import { Command, CommanderError } from "commander";
import * as zlib from "zlib";
import { UserInputError } from "../errors";
import type { ZkAcl, ZkClient } from "../zookeeper/client";
import type { ClientTls } from "../zookeeper/tls";
import type { SaslCredentials } from "../zookeeper/sasl";
import { aclText, isMaskedDigest, sameAcl } from "./dubbo";
import { readSideSasl, readSideTls, repeatable, sideSaslOptions, sideTlsOptions } from "./sides";
import type { SessionAuth } from "./ensembles";
import type { ConnectString } from "./health";

type ClientModule = typeof import("../zookeeper/client");

/** Exit codes of `copy`. */
export const COPY_EXIT = { ok: 0, incomplete: 1, cannotRun: 2 } as const;

/** A mistake in the options or a side that cannot be copied: one `error:` line, exit 2. */
export class CopyError extends Error {
    readonly exitCode = COPY_EXIT.cannotRun;
    constructor(message: string) {
        super(message);
        this.name = "CopyError";
    }
}

/** Default of `--timeout`: the whole run, seconds. */
export const DEFAULT_COPY_TIMEOUT_S = 600;
/** Deadline of each connection and each operation, ms. */
const OP_TIMEOUT_MS = 10_000;
/** Where a target records what the copies wrote (outside any Dubbo root). */
export const MANIFEST_PARENT = "/zk-cutover/copies";
/** How many nodes with a data version above 0 the text report names (--json lists every one). */
export const SHOWN_VERSIONED = 5;
/** A persistent sequential node's name ends in ZooKeeper's 10-digit counter. */
const SEQUENTIAL_NAME = /\d{10}$/;

export interface CopyOptions {
    /** Connect string of the source (legacy) ensemble, as --from gives it. */
    fromConnect: string;
    /** Connect string of the target (new) ensemble, as --to gives it. */
    toConnect: string;
    /** Root of the copied tree. Default /dubbo. */
    root?: string;
    /** Paths (with their subtrees) left out. */
    exclude?: string[];
    /** Read both sides and report what would change; write nothing. */
    dryRun?: boolean;
    /** Replace nodes that differ on the target (data, ACL). */
    overwrite?: boolean;
    /** Delete nodes an earlier copy wrote that the source no longer has. */
    prune?: boolean;
    /** Credentials for the source session, `scheme:credentials` (e.g. `digest:admin:secret`), as --from-auth gives them. */
    fromAuth?: string;
    /** Credentials for the target session, as --to-auth gives them. */
    toAuth?: string;
    /** Speak TLS to the source (every connection to it), as --from-tls-ca/-cert/-key give it. */
    fromTls?: ClientTls;
    /** Speak TLS to the target (every connection to it, the same-ensemble probe too), as --to-tls-ca/-cert/-key give it. */
    toTls?: ClientTls;
    /** Authenticate to the source with SASL DIGEST-MD5 (every connection to it), as --from-sasl-user/-password-file give it. */
    fromSasl?: SaslCredentials;
    /** Authenticate to the target with SASL (every connection to it, the same-ensemble probe too), as --to-sasl-user/-password-file give it. */
    toSasl?: SaslCredentials;
    /** The whole run, ms. Default 600 s. */
    timeoutMs?: number;
    /** Deadline of each connection and operation, ms. Default 10 s. */
    opTimeoutMs?: number;
    /** Called as nodes are visited (for a progress line). */
    progress?: (p: CopyProgress) => void;
}

export interface CopyProgress {
    visited: number;
    path: string;
}

export interface CopyConflict {
    path: string;
    /** What differs: "data", "acl", "ephemeral on the target", "changed on the target" */
    differs: string[];
}

export interface SequentialNote {
    path: string;
    parent: string;
    /** The parent's cversion on the source. */
    fromCversion: number;
    /** The parent's cversion on the target (undefined when it is not there, e.g. in a dry run). */
    toCversion?: number;
}

/** A node whose data version on the source is above 0: versions cannot be carried over. */
export interface VersionNote {
    path: string;
    /** Its data version (stat.version) on the source. */
    fromVersion: number;
    /** Its data version on the target after this run (a created node starts at 0, an overwritten one goes one up from its own; in a dry run, what it would be). */
    toVersion: number;
}

export interface CopyReport {
    from: string;
    to: string;
    root: string;
    dryRun: boolean;
    overwrite: boolean;
    prune: boolean;
    /** True when nothing is left to do: no conflict, failure, stale node or interruption. */
    ok: boolean;
    counts: { created: number; updated: number; unchanged: number; skippedEphemeral: number; conflicts: number; failed: number; deleted: number; stale: number; excluded: number };
    /** Paths created (or, in a dry run, that would be). */
    created: string[];
    updated: string[];
    deleted: string[];
    /** Missing ancestors of the root created on the target (empty data, open ACL). */
    ancestorsCreated: string[];
    skippedEphemeral: string[];
    conflicts: CopyConflict[];
    failed: { path: string; reason: string }[];
    sequential: SequentialNote[];
    /** Nodes whose data version on the source is above 0, by path: their versions differ on the target. */
    versioned: VersionNote[];
    /** Nodes an earlier copy wrote that the source no longer has, still on the target (without --prune, or kept). */
    stale: string[];
    /** Why the run stopped before visiting every node, if it did. */
    interrupted?: string;
    elapsedMs: number;
}

/** `--root`: "/" or an absolute znode path without a trailing slash. */
export function parseCopyRoot(root: string | undefined): string {
    const value = root ?? "/dubbo";
    if (value !== "/" && !/^(\/[^/\s]+)+$/.test(value)) {
        throw new CopyError(`--root ${JSON.stringify(value)} is not a znode path; allowed: / or an absolute path without a trailing slash, e.g. /dubbo`);
    }
    if (value === "/zookeeper" || value.startsWith("/zookeeper/")) {
        throw new CopyError(`--root ${value} is ZooKeeper's own tree; allowed: a tree of the application, e.g. /dubbo`);
    }
    return value;
}

/** `--exclude`: paths under the root. */
export function parseExcludes(excludes: string[] | undefined, root: string): string[] {
    return (excludes ?? []).map((e) => {
        if (!/^(\/[^/\s]+)+$/.test(e)) {
            throw new CopyError(`--exclude ${JSON.stringify(e)} is not a znode path; allowed: an absolute path without a trailing slash under --root ${root}`);
        }
        if (!isUnder(e, root) || e === root) {
            throw new CopyError(`--exclude ${e} is not under --root ${root}; allowed: a path below ${root === "/" ? "/" : `${root}/`}`);
        }
        return e;
    });
}

/** `--timeout` in whole seconds, 1 to 86400. */
export function parseCopyTimeout(text: string | undefined): number {
    if (text === undefined) {
        return DEFAULT_COPY_TIMEOUT_S * 1000;
    }
    if (!/^\d+$/.test(text.trim()) || Number(text) < 1 || Number(text) > 86_400) {
        throw new CopyError(`--timeout ${JSON.stringify(text)} is not allowed; allowed: whole seconds from 1 to 86400 (default ${DEFAULT_COPY_TIMEOUT_S})`);
    }
    return Number(text) * 1000;
}

/** True when `path` is `root` or below it. */
export const isUnder = (path: string, root: string) => root === "/" || path === root || path.startsWith(`${root}/`);
const join = (parent: string, child: string) => (parent === "/" ? `/${child}` : `${parent}/${child}`);
const parentOf = (path: string) => path.slice(0, path.lastIndexOf("/")) || "/";
/**
 * A digest ACL entry ZooKeeper shows masked (`user:x`, see `isMaskedDigest`):
 * such an ACL cannot be copied (it would lock the node with a password nobody has).
 */
const maskedDigest = (a: ZkAcl) => isMaskedDigest(aclText(a));

/** `--from-auth`/`--to-auth`: `scheme:credentials`. */
export function parseAuth(text: string | undefined, option: string): SessionAuth | undefined {
    if (text === undefined) {
        return undefined;
    }
    const m = /^([a-z][a-z0-9]*):(.+)$/i.exec(text);
    if (!m) {
        throw new CopyError(`${option} is not scheme:credentials; allowed: e.g. digest:USER:PASSWORD`);
    }
    return { scheme: m[1], credentials: m[2] };
}

const isEphemeral = (stat: { ephemeralOwner: Buffer }) => stat.ephemeralOwner.some((b) => b !== 0);

/** The znode recording what copies of `root` wrote on the target. */
export function manifestPath(root: string): string {
    return `${MANIFEST_PARENT}/${encodeURIComponent(root)}`;
}

/** A run that cannot go on (a side lost, the deadline): stops the walk. */
class Stop extends Error {}

/** An operation that failed for one node only (its ACL, a race): recorded, the walk goes on. */
function nodeLevel(zk: ClientModule, err: unknown): boolean {
    const code = zk.codeOf(err);
    return code !== undefined && [zk.NO_AUTH, zk.NO_NODE, zk.NODE_EXISTS, zk.NOT_EMPTY, -103 /* BAD_VERSION */, -114 /* INVALID_ACL */, -108 /* NO_CHILDREN_FOR_EPHEMERALS */].includes(code);
}

function reasonOf(zk: ClientModule, err: unknown, side: "--from" | "--to", what: string): string {
    if (zk.codeOf(err) === zk.NO_AUTH) {
        return `cannot ${what} on ${side}: NoAuth (its ACL does not let this copier ${what.split(" ")[0]} it; copy it by hand or --exclude it)`;
    }
    return `cannot ${what} on ${side}: ${(err as Error).message}`;
}

interface Manifest {
    root: string;
    paths: string[];
}

/** The message for a manifest znode whose data is not one; `side` is the option naming the target. */
export const notAManifest = (side: string, root: string) =>
    `${side} holds ${manifestPath(root)}, but it is not a record of earlier copies; allowed: delete it (the next copy writes it again)`;

/**
 * The paths a manifest's data records (empty data: none); undefined when the
 * data is not a manifest.
 */
function manifestPaths(raw: Buffer): string[] | undefined {
    if (raw.length === 0) {
        return [];
    }
    try {
        const m = JSON.parse(zlib.gunzipSync(raw).toString("utf8")) as Manifest;
        return Array.isArray(m.paths) && m.paths.every((p) => typeof p === "string") ? m.paths : undefined;
    } catch {
        return undefined;
    }
}

/**
 * The paths the record of copies at `path` holds (none when there is no record); `notOne()` is the error for a
 * znode there that is not a record. Read by copy (its --prune) and by check parity (stale nodes).
 */
export async function recordedPaths(client: ZkClient, path: string, notOne: () => Error): Promise<string[]> {
    const raw = await client.data(path);
    const paths = raw === undefined ? [] : manifestPaths(raw);
    if (paths === undefined) {
        throw notOne();
    }
    return paths;
}

async function readManifest(to: ZkClient, root: string): Promise<Set<string>> {
    return new Set(await recordedPaths(to, manifestPath(root), () => new CopyError(notAManifest("--to", root))));
}

async function writeManifest(zk: ClientModule, to: ZkClient, root: string, paths: Set<string>): Promise<void> {
    const data = zlib.gzipSync(Buffer.from(JSON.stringify({ root, paths: [...paths].sort() } satisfies Manifest)));
    const path = manifestPath(root);
    if (await to.exists(path)) {
        await to.setData(path, data);
    } else {
        await to.mkdirp(MANIFEST_PARENT);
        await to.create(path, data, zk.CreateMode.PERSISTENT);
    }
}

/**
 * Copies the persistent tree under `root` from `--from` to `--to`. Throws
 * `CopyError` when the copy cannot run; otherwise resolves with the report
 * (also when it stopped mid-way: `interrupted` says why, `created`/`updated`
 * what was done).
 */
export async function copyTree(options: CopyOptions): Promise<CopyReport> {
    const zk = await import("../zookeeper/client");
    const { parseConnectString, CheckError } = await import("./health");
    const started = Date.now();
    const root = parseCopyRoot(options.root);
    const excludes = parseExcludes(options.exclude, root);
    let fromSide: ConnectString;
    let toSide: ConnectString;
    try {
        fromSide = parseConnectString(options.fromConnect, "--from", true);
        toSide = parseConnectString(options.toConnect, "--to", true);
    } catch (err) {
        throw err instanceof CheckError ? new CopyError(err.message) : err;
    }
    const { openTwoEnsembles, sharedMembers } = await import("./ensembles");
    const shared = sharedMembers(fromSide, toSide);
    if (shared.length > 0) {
        throw new CopyError(`--from and --to reach the same ensemble (both list ${shared.join(", ")}); allowed: the legacy ensemble as --from and the new one as --to`);
    }
    const fromAuth = parseAuth(options.fromAuth, "--from-auth");
    const toAuth = parseAuth(options.toAuth, "--to-auth");
    const timeoutMs = options.timeoutMs ?? DEFAULT_COPY_TIMEOUT_S * 1000;
    const deadline = started + timeoutMs;
    const opTimeoutMs = options.opTimeoutMs ?? Math.min(OP_TIMEOUT_MS, timeoutMs);
    const from = options.fromConnect.trim();
    const to = options.toConnect.trim();
    const [fromClient, toClient] = await openTwoEnsembles({
        options: ["--from", "--to"],
        sides: [fromSide, toSide],
        connects: [from, to],
        timeoutMs: opTimeoutMs,
        tls: [options.fromTls, options.toTls],
        sasl: [options.fromSasl, options.toSasl],
        auth: [fromAuth, toAuth],
        error: (message) => new CopyError(message),
        sameSessionMessage: "--from and --to reach the same ensemble (it knows the session opened through --from); allowed: the legacy ensemble as --from and the new one as --to",
    });
    const sides = { from: fromClient, to: toClient };
    const dryRun = options.dryRun === true;
    const overwrite = options.overwrite === true;
    const report: CopyReport = {
        from,
        to,
        root,
        dryRun,
        overwrite,
        prune: options.prune === true,
        ok: false,
        counts: { created: 0, updated: 0, unchanged: 0, skippedEphemeral: 0, conflicts: 0, failed: 0, deleted: 0, stale: 0, excluded: 0 },
        created: [],
        updated: [],
        deleted: [],
        ancestorsCreated: [],
        skippedEphemeral: [],
        conflicts: [],
        failed: [],
        sequential: [],
        versioned: [],
        stale: [],
        elapsedMs: 0,
    };
    /** Paths that now match the source on the target (created, updated or equal). */
    const copied = new Set<string>();
    let visited = 0;

    /** Runs one operation on a side; node-level errors come back as a reason, anything else stops the run. */
    async function op<T>(side: "--from" | "--to", what: string, run: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; reason: string; code?: number }> {
        if (Date.now() > deadline) {
            throw new Stop(`the copy did not finish within --timeout ${timeoutMs / 1000} s`);
        }
        try {
            return { ok: true, value: await run() };
        } catch (err) {
            if (nodeLevel(zk, err)) {
                return { ok: false, reason: reasonOf(zk, err, side, what), code: zk.codeOf(err) };
            }
            const connect = side === "--from" ? from : to;
            throw new Stop(`${side} ${connect} stopped answering (${what}): ${(err as Error).message}`);
        }
    }

    const fail = (path: string, reason: string): void => {
        report.failed.push({ path, reason });
    };
    const { READ, CREATE, ADMIN } = zk.Permission;
    const OPEN: ZkAcl[] = [{ scheme: "world", id: "anyone", permission: zk.Permission.ALL }];
    const worldGrants = (acl: ZkAcl[], perms: number) => acl.some((a) => a.scheme === "world" && a.id === "anyone" && (a.permission & perms) === perms);

    async function visit(path: string): Promise<void> {
        if (excludes.some((e) => isUnder(path, e)) || (root === "/" && (path === "/zookeeper" || isUnder(path, "/zk-cutover")))) {
            report.counts.excluded++;
            return;
        }
        visited++;
        options.progress?.({ visited, path });
        const isRoot = path === "/";
        const src = await op("--from", `read ${path}`, () => sides.from.dataWithStat(path));
        if (!src.ok) {
            return fail(path, `${src.reason}; its subtree was not copied`);
        }
        if (src.value === undefined) {
            return; // deleted on the source while the copy ran
        }
        if (isEphemeral(src.value.stat)) {
            report.skippedEphemeral.push(path);
            return;
        }
        const srcAcl = await op("--from", `read the ACL of ${path}`, () => sides.from.acl(path));
        if (!srcAcl.ok || srcAcl.value === undefined) {
            return fail(path, srcAcl.ok ? `${path} vanished on --from while it was copied` : `${srcAcl.reason}; its subtree was not copied`);
        }
        const acl = srcAcl.value;
        if (acl.some(maskedDigest)) {
            return fail(
                path,
                `cannot read the ACL of ${path} on --from: ZooKeeper hides its digest credentials (${acl.filter(maskedDigest).map((a) => `digest:${a.id}`).join(", ")}) from a session without ADMIN on it; allowed: --from-auth digest:USER:PASSWORD of a user with ADMIN there, or --exclude ${path}; its subtree was not copied`,
            );
        }
        const children = await op("--from", `list ${path}`, () => sides.from.children(path));
        if (!children.ok) {
            return fail(path, `${children.reason}; its subtree was not copied`);
        }
        if (!isRoot && SEQUENTIAL_NAME.test(path)) {
            const parentStat = await op("--from", `look up ${parentOf(path)}`, () => sides.from.stat(parentOf(path)));
            report.sequential.push({ path, parent: parentOf(path), fromCversion: parentStat.ok ? (parentStat.value?.cversion ?? 0) : -1 });
        }
        /** The ACL to set once the children are in (a node created open so that they could be). */
        let aclAfter: ZkAcl[] | undefined;
        const fromVersion = src.value.stat.version;
        const noteVersion = (toVersion: number) => {
            if (fromVersion > 0) {
                report.versioned.push({ path, fromVersion, toVersion });
            }
        };
        if (!isRoot) {
            const dst = await op("--to", `read ${path}`, () => sides.to.dataWithStat(path));
            if (!dst.ok) {
                return fail(path, `${dst.reason}; its subtree was not copied`);
            }
            if (dst.value === undefined) {
                // Children are created under it: a source ACL that does not let anyone create them is set after them.
                const needsOpen = children.value.length > 0 && !worldGrants(acl, CREATE | ADMIN | READ);
                if (!dryRun) {
                    const made = await op("--to", `create ${path}`, () => sides.to.createWithAcl(path, src.value!.data, needsOpen ? OPEN : acl, zk.CreateMode.PERSISTENT));
                    if (!made.ok) {
                        return fail(path, `${made.reason}; its subtree was not copied`);
                    }
                }
                report.created.push(path);
                copied.add(path);
                noteVersion(0);
                aclAfter = needsOpen ? acl : undefined;
            } else if (isEphemeral(dst.value.stat)) {
                report.conflicts.push({ path, differs: ["ephemeral on the target"] });
                return;
            } else {
                const dstAcl = await op("--to", `read the ACL of ${path}`, () => sides.to.acl(path));
                if (!dstAcl.ok || dstAcl.value === undefined) {
                    return fail(path, dstAcl.ok ? `${path} vanished on --to while it was copied` : `${dstAcl.reason}; its subtree was not copied`);
                }
                const differs = [...(src.value.data.equals(dst.value.data) ? [] : ["data"]), ...(sameAcl(acl.map(aclText), dstAcl.value.map(aclText)) ? [] : ["acl"])];
                const toVersion = dst.value.stat.version;
                if (differs.length === 0) {
                    report.counts.unchanged++;
                    copied.add(path);
                    noteVersion(toVersion);
                } else if (!overwrite) {
                    report.conflicts.push({ path, differs });
                    noteVersion(toVersion);
                } else {
                    const w = differs.includes("data") && !dryRun ? await op("--to", `write ${path}`, () => sides.to.setData(path, src.value!.data)) : undefined;
                    if (w !== undefined && !w.ok) {
                        fail(path, w.reason);
                    } else {
                        report.updated.push(path);
                        copied.add(path);
                        noteVersion(differs.includes("data") ? toVersion + 1 : toVersion);
                        aclAfter = differs.includes("acl") ? acl : undefined;
                    }
                }
            }
        }
        for (const child of [...children.value].sort()) {
            await visit(join(path, child));
        }
        if (aclAfter !== undefined && !dryRun) {
            const set = await op("--to", `set the ACL of ${path}`, () => sides.to.setAcl(path, aclAfter!));
            if (!set.ok) {
                copied.delete(path);
                fail(path, `${set.reason}; it is left with ${report.created.includes(path) ? "an open ACL (world:anyone:cdrwa)" : "its earlier ACL"}`);
            }
        }
    }

    let manifest = new Set<string>();
    try {
        const rootStat = await op("--from", `look up ${root}`, () => sides.from.stat(root));
        if (rootStat.ok && rootStat.value === undefined) {
            const top = await sides.from.children("/").catch(() => [] as string[]);
            throw new CopyError(`--root ${root} is not a znode on --from ${from}; allowed: a path that exists there (its top-level znodes: ${top.sort().map((c) => `/${c}`).join(", ") || "none"})`);
        }
        try {
            manifest = await readManifest(sides.to, root);
        } catch (err) {
            if (err instanceof CopyError) {
                throw err;
            }
            throw new Stop(`--to ${to} stopped answering (read ${manifestPath(root)}): ${(err as Error).message}`);
        }
        if (root !== "/" && !dryRun) {
            const parent = parentOf(root);
            if (parent !== "/" && !(await sides.to.exists(parent))) {
                await sides.to.mkdirp(parent);
                report.ancestorsCreated.push(parent);
            }
        }
        await visit(root);
        // Parent cversions on the target, now that the copy is in.
        for (const s of report.sequential) {
            const st = await op("--to", `look up ${s.parent}`, () => sides.to.stat(s.parent));
            s.toCversion = st.ok ? st.value?.cversion : undefined;
        }
        // Nodes an earlier copy wrote that the source no longer has.
        const gone: string[] = [];
        for (const path of [...manifest].filter((p) => isUnder(p, root) && !copied.has(p) && !excludes.some((e) => isUnder(p, e)))) {
            const onSource = await op("--from", `look up ${path}`, () => sides.from.stat(path));
            if (!onSource.ok || onSource.value !== undefined) {
                continue;
            }
            const onTarget = await op("--to", `look up ${path}`, () => sides.to.stat(path));
            if (onTarget.ok && onTarget.value === undefined) {
                manifest.delete(path);
            } else {
                gone.push(path);
            }
        }
        // Deepest first, so that a deleted subtree goes child by child.
        gone.sort((a, b) => b.split("/").length - a.split("/").length || a.localeCompare(b));
        for (const path of gone) {
            if (!report.prune) {
                report.stale.push(path);
                continue;
            }
            if (dryRun) {
                report.deleted.push(path);
                continue;
            }
            const removed = await op("--to", `delete ${path}`, () => sides.to.remove(path));
            if (removed.ok) {
                report.deleted.push(path);
                manifest.delete(path);
            } else if (removed.code === zk.NOT_EMPTY) {
                report.stale.push(path);
                fail(path, `deleted on --from, but kept on --to: it has children no copy wrote`);
            } else {
                report.stale.push(path);
                fail(path, removed.reason);
            }
        }
    } catch (err) {
        if (!(err instanceof Stop)) {
            sides.from.close();
            sides.to.close();
            throw err;
        }
        report.interrupted = err.message;
    }
    if (!dryRun) {
        for (const p of copied) {
            manifest.add(p);
        }
        if (copied.size > 0 || report.deleted.length > 0) {
            try {
                await writeManifest(zk, sides.to, root, manifest);
            } catch (err) {
                fail(manifestPath(root), `cannot record this copy on --to (a later --prune will not know these paths): ${(err as Error).message}`);
            }
        }
    }
    sides.from.close();
    sides.to.close();
    report.created.sort();
    report.updated.sort();
    report.versioned.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    report.counts = {
        ...report.counts,
        created: report.created.length,
        updated: report.updated.length,
        skippedEphemeral: report.skippedEphemeral.length,
        conflicts: report.conflicts.length,
        failed: report.failed.length,
        deleted: report.deleted.length,
        stale: report.stale.length,
    };
    report.ok = report.interrupted === undefined && report.conflicts.length === 0 && report.failed.length === 0 && report.stale.length === 0;
    report.elapsedMs = Date.now() - started;
    return report;
}

/** The report for people. */
export function copyText(r: CopyReport): string {
    const verdict = r.interrupted ? "STOPPED" : r.ok ? "DONE" : r.failed.length > 0 ? "FAILED" : r.conflicts.length > 0 ? "CONFLICTS" : "STALE NODES";
    const would = r.dryRun ? " (dry run: nothing written; counts say what a copy would do)" : "";
    const c = r.counts;
    const lines = [
        `Copy of ${r.root} from ${r.from} to ${r.to}: ${verdict}${would}`,
        `  created ${c.created}, updated ${c.updated}, unchanged ${c.unchanged}, skipped ephemeral ${c.skippedEphemeral}, conflicts ${c.conflicts}, failed ${c.failed}, deleted ${c.deleted}` +
            (c.excluded > 0 ? `, excluded ${c.excluded}` : "") +
            ` (${(r.elapsedMs / 1000).toFixed(1)} s)`,
    ];
    if (r.interrupted) {
        lines.push("", `stopped before the end: ${r.interrupted}`);
    }
    if (r.conflicts.length > 0) {
        lines.push("", `conflicts (${r.conflicts.length}): differ on --to, left as they are (--overwrite replaces data and ACL):`, ...r.conflicts.map((x) => `  ! ${x.path}: ${x.differs.join(", ")} differ${x.differs.length === 1 && !x.differs[0].includes(" ") ? "s" : ""}`));
    }
    if (r.failed.length > 0) {
        lines.push("", `failed (${r.failed.length}):`, ...r.failed.map((f) => `  x ${f.path}: ${f.reason}`));
    }
    if (r.stale.length > 0) {
        lines.push("", `deleted on --from since an earlier copy, still on --to (${r.stale.length}${r.prune ? "" : "; --prune deletes them"}):`, ...r.stale.map((p) => `  - ${p}`));
    }
    if (r.deleted.length > 0) {
        lines.push("", `${r.dryRun ? "would delete" : "deleted"} on --to (gone from --from) (${r.deleted.length}):`, ...r.deleted.map((p) => `  - ${p}`));
    }
    if (r.sequential.length > 0) {
        lines.push(
            "",
            `sequential nodes (${r.sequential.length}): copied by name; counters and versions cannot be carried over:`,
            ...r.sequential.map((s) => `  # ${s.path}: parent ${s.parent} cversion ${s.fromCversion} on --from, ${s.toCversion ?? "unknown"} on --to`),
        );
    }
    if (r.versioned.length > 0) {
        const more = r.versioned.length - SHOWN_VERSIONED;
        lines.push(
            "",
            `versioned nodes (${r.versioned.length}): data version above 0 on --from; versions cannot be carried over (the new side starts a node at version 0, an --overwrite adds 1 to its own), so a client's version-checked write (Dubbo 3 config, Curator) must read it again on --to:`,
            ...r.versioned.slice(0, SHOWN_VERSIONED).map((v) => `  @ ${v.path}: version ${v.fromVersion} on --from, ${v.toVersion} on --to`),
            ...(more > 0 ? [`  ... ${more} more (--json lists every one)`] : []),
        );
    }
    if (r.ancestorsCreated.length > 0) {
        lines.push("", `created the root's missing parents on --to (empty, open ACL): ${r.ancestorsCreated.join(", ")}`);
    }
    // Which paths were done, whenever the run did not finish cleanly or nothing was written.
    if (!r.ok || r.dryRun) {
        const done = r.dryRun ? ["would create", "would update"] : ["created", "updated"];
        if (r.created.length > 0) {
            lines.push("", `${done[0]} (${r.created.length}):`, ...r.created.map((p) => `  + ${p}`));
        }
        if (r.updated.length > 0) {
            lines.push("", `${done[1]} (${r.updated.length}):`, ...r.updated.map((p) => `  ~ ${p}`));
        }
    }
    return lines.join("\n") + "\n";
}

export function copyJson(r: CopyReport): string {
    return JSON.stringify(r, null, 2) + "\n";
}

/** Options of `copy` as commander gives them. */
export interface CopyCommandOptions {
    from?: string;
    to?: string;
    root?: string;
    exclude?: string[];
    dryRun?: boolean;
    overwrite?: boolean;
    prune?: boolean;
    fromAuth?: string;
    toAuth?: string;
    fromTlsCa?: string;
    fromTlsCert?: string;
    fromTlsKey?: string;
    toTlsCa?: string;
    toTlsCert?: string;
    toTlsKey?: string;
    fromSaslUser?: string;
    fromSaslPasswordFile?: string;
    toSaslUser?: string;
    toSaslPasswordFile?: string;
    json?: boolean;
    timeout?: string;
}

/** Where the command writes. */
export interface CopyOutput {
    out(text: string): void;
    err(text: string): void;
    /** Progress goes to a terminal only. */
    isTTY?: boolean;
}

/** Runs `copy`; resolves with the exit code. Every failure is one `error:` line, never a stack trace. */
export async function runCopyCommand(opts: CopyCommandOptions, output: CopyOutput): Promise<number> {
    let lastDraw = 0;
    const progress = output.isTTY
        ? (p: CopyProgress) => {
              const now = Date.now();
              if (now - lastDraw > 100) {
                  lastDraw = now;
                  output.err(`\r\x1b[Kcopying: ${p.visited} nodes visited, at ${p.path.length > 80 ? `...${p.path.slice(-77)}` : p.path}`);
              }
          }
        : undefined;
    try {
        if (opts.from === undefined || opts.to === undefined) {
            throw new CopyError(`${opts.from === undefined ? "--from" : "--to"} is missing; allowed: --from LEGACY_CONNECT --to NEW_CONNECT (host:port,host:port[/chroot])`);
        }
        const fromTls = await readSideTls(opts, "--from");
        const toTls = await readSideTls(opts, "--to");
        const fromSasl = await readSideSasl(opts, "--from");
        const toSasl = await readSideSasl(opts, "--to");
        const report = await copyTree({
            fromConnect: opts.from,
            toConnect: opts.to,
            root: opts.root,
            exclude: opts.exclude,
            dryRun: opts.dryRun,
            overwrite: opts.overwrite,
            prune: opts.prune,
            fromAuth: opts.fromAuth,
            toAuth: opts.toAuth,
            fromTls,
            toTls,
            fromSasl,
            toSasl,
            timeoutMs: parseCopyTimeout(opts.timeout),
            progress,
        });
        if (progress) {
            output.err("\r\x1b[K");
        }
        output.out(opts.json ? copyJson(report) : copyText(report));
        return report.ok ? COPY_EXIT.ok : COPY_EXIT.incomplete;
    } catch (err) {
        if (progress) {
            output.err("\r\x1b[K");
        }
        const message = err instanceof Error ? err.message : String(err);
        // A TLS or SASL file that cannot be used is a user mistake like a bad option (OptionError).
        const userMistake = err instanceof CopyError || err instanceof UserInputError;
        output.err(userMistake ? `error: ${message}\n` : `error: the copy could not run: ${message.split("\n")[0]}\n`);
        return COPY_EXIT.cannotRun;
    }
}

/** Adds `copy` to `program` (after the program's configureOutput). */
export function registerCopyCommand(program: Command): Command {
    const cmd = program
        .command("copy")
        .description(
            "Copy the persistent znodes under --root (data and ACLs; never ephemeral nodes) from the legacy ensemble to the new one, for dual-registry: " +
                "Dubbo routers, configurators, config center and metadata that no service re-registers. Idempotent: run it again before every gate. " +
                "A node that differs on --to is a conflict and is kept unless --overwrite; with --prune, nodes an earlier copy wrote that --from no longer has are deleted. " +
                "Counters and versions cannot be carried over: the report lists sequential nodes with their parents' cversion and nodes whose data version on --from is above 0 (text the first few, --json all). " +
                "Exit codes: 0 copied (nothing left to do); 1 conflicts, failed nodes, stale nodes without --prune, or stopped mid-way (the report lists what was done); " +
                "2 cannot run (bad option, an ensemble unreachable, --root missing on --from, --from and --to one ensemble).",
        )
        .option("--from <connect>", "the legacy ensemble: host:port,host:port[/chroot]")
        .option("--to <connect>", "the new ensemble: host:port,host:port[/chroot]")
        .option("--root <path>", "root of the copied tree (default /dubbo)")
        .option("--exclude <path>", "leave out this path and its subtree (repeatable)", repeatable)
        .option("--dry-run", "read both sides and report what would change; write nothing")
        .option("--overwrite", "replace nodes whose data or ACL differ on --to")
        .option("--prune", "delete from --to the nodes an earlier copy wrote that --from no longer has (nodes no copy wrote are never deleted)")
        .option("--from-auth <scheme:credentials>", "credentials for --from, as zkCli's addauth (e.g. digest:USER:PASSWORD): needed to read nodes and digest ACLs only a user may read")
        .option("--to-auth <scheme:credentials>", "credentials for --to (to change nodes whose ACL names a user)");
    sideTlsOptions(cmd, "--from");
    sideTlsOptions(cmd, "--to");
    sideSaslOptions(cmd, "--from");
    sideSaslOptions(cmd, "--to");
    cmd.option("--json", "print exactly one JSON document")
        .option("--timeout <s>", `stop after this many seconds (default ${DEFAULT_COPY_TIMEOUT_S}); each operation has 10 s`)
        .exitOverride((err: CommanderError) => {
            if (err.exitCode === 0) {
                throw err;
            }
            throw new CommanderError(COPY_EXIT.cannotRun, err.code, err.message);
        })
        .action(async (opts: CopyCommandOptions, command: Command) => {
            const config = command.configureOutput() as { writeOut?: (s: string) => void; writeErr?: (s: string) => void };
            process.exitCode = await runCopyCommand(opts, {
                out: (s) => (config.writeOut ?? ((t: string) => process.stdout.write(t)))(s),
                err: (s) => (config.writeErr ?? ((t: string) => process.stderr.write(t)))(s),
                isTTY: process.stderr.isTTY === true,
            });
        });
    return cmd;
}
