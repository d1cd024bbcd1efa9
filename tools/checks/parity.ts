/**
 * `check parity`: reads the Dubbo registry in the old and the new ZooKeeper
 * and tells what the new registry still lacks. The cutover may move consumers
 * to the new registry only once it holds every provider of the old one (by
 * decoded URL) and every persistent node of the old one under `--root`
 * (routers, configurators, config and metadata center, mappings, providers
 * registered with `dynamic=false`), alike in data and ACL, and holds no
 * persistent node that `zk-cutover copy` wrote there (its record on the new
 * side, `/zk-cutover/copies/<root>`) and the old registry no longer has: such
 * a node is stale, a rule deleted on the legacy side after the copy that
 * would still apply after the flip (`copy --prune` deletes it). What only the
 * new registry holds and no copy wrote (services may write it) is reported
 * but does not fail. Ephemeral nodes are not persistent data: ephemeral
 * providers are compared as providers. `--exclude`, `--old-auth` and
 * `--new-auth` mean what copy's `--exclude`, `--from-auth` and `--to-auth`
 * mean, so that what a copy may read and leaves out can pass the gate.
 *
 * The check never passes for want of something to compare: it refuses two
 * sides that are one ensemble, a `--root` the old registry does not have, and
 * an old registry with neither providers nor persistent nodes. The walk of
 * each tree is bounded: every read by the timeout, the number of znodes by
 * `maxNodes`.
 */
import { createHash } from "crypto";
import { codeOf, isEphemeral, NO_AUTH, ZkClient } from "../zookeeper/client";
import type { ClientTls } from "../zookeeper/tls";
import type { SaslCredentials } from "../zookeeper/sasl";
import { CopyError, isUnder, MANIFEST_PARENT, notAManifest, parseAuth, parseExcludes, recordedPaths } from "./copy";
import { openTwoEnsembles, sharedMembers } from "./ensembles";
import { CheckError, parseConnectString } from "./health";
import {
    aclText,
    compareData,
    compareListings,
    DubboProvider,
    isDubboContainer,
    NodeDifference,
    PersistentNode,
    ProviderListing,
    providerListing,
    StaleNode,
    UndecodableProvider,
} from "./dubbo";

/** Which registry: named by the option that gives it, so errors point at the flag to fix. */
export type Side = "--old" | "--new";

/** Options of `checkParity`. */
export interface ParityOptions {
    /** Connect string of the old registry (`host:port,host:port[/chroot]`), as `--old` gives it. */
    oldConnect: string;
    /** Connect string of the new registry, as `--new` gives it. */
    newConnect: string;
    /** Dubbo root znode in both registries. Default "/dubbo". */
    root?: string;
    /** Deadline for connecting to each registry and for each read, ms. Default 10000. */
    timeoutMs?: number;
    /** The most znodes read under the root of each registry; more is an error (nothing compared). Default `DEFAULT_MAX_NODES`. */
    maxNodes?: number;
    /** Paths (with their subtrees) left out in both registries, as `copy --exclude` leaves them out; under the root. */
    exclude?: string[];
    /** Credentials for the old registry's session, `scheme:credentials` (e.g. `digest:admin:secret`), as --old-auth gives them. */
    oldAuth?: string;
    /** Credentials for the new registry's session, as --new-auth gives them. */
    newAuth?: string;
    /** Speak TLS to the old registry (every connection to it), as --old-tls-ca/-cert/-key give it. */
    oldTls?: ClientTls;
    /** Speak TLS to the new registry (every connection to it, the same-ensemble probe too), as --new-tls-ca/-cert/-key give it. */
    newTls?: ClientTls;
    /** Authenticate to the old registry with SASL DIGEST-MD5 (every connection to it), as --old-sasl-user/-password-file give it. */
    oldSasl?: SaslCredentials;
    /** Authenticate to the new registry with SASL (every connection to it, the same-ensemble probe too), as --new-sasl-user/-password-file give it. */
    newSasl?: SaslCredentials;
}

/** Default of `--max-nodes`. */
export const DEFAULT_MAX_NODES = 100_000;
/** The largest `--max-nodes` allowed. */
export const MAX_NODES_LIMIT = 10_000_000;

/** A provider as the report gives it. */
export interface ProviderSummary {
    key: string;
    interface: string;
    address: string;
    group: string;
    version: string;
    url: string;
}

/** One registry as read. */
export interface RegistrySummary {
    side: Side;
    connect: string;
    /** Distinct providers (by key); the providers themselves are in `oldProviders` / `newProviders`. */
    providers: number;
    /** Interfaces with at least one provider node. */
    interfaces: number;
    /** Provider nodes that are not encoded provider URLs. */
    undecodable: UndecodableProvider[];
    /** Persistent nodes under the root, Dubbo's own containers not counted. */
    persistentNodes: number;
    /** Ephemeral nodes under the root (providers, consumers): not persistent data. */
    ephemeralNodes: number;
    /** Znodes read under the root. */
    nodesRead: number;
}

/** The persistent data of both registries, compared. */
export interface DataParity {
    /** True when the new registry holds every persistent node of the old one, alike in data and ACL. */
    inParity: boolean;
    /** Persistent nodes of the old registry the new one lacks (these fail the check). */
    missingInNew: PersistentNode[];
    /** Persistent nodes both hold whose data or ACL differs (these fail the check); `differs` says which. */
    different: NodeDifference[];
    /** Persistent nodes a copy wrote to the new registry that the old one no longer has (these fail the check; `copy --prune` deletes them). */
    stale: StaleNode[];
    /** Persistent nodes only the new registry holds that no copy wrote (reported only: services may have written them). */
    onlyInNew: PersistentNode[];
    /** Persistent nodes alike in both. */
    alike: number;
}

/** The verdict of `check parity`. */
export interface ParityReport {
    /** True when the new registry holds every provider and every persistent node of the old one (`data.inParity`). */
    inParity: boolean;
    root: string;
    old: RegistrySummary;
    new: RegistrySummary;
    /** Every provider of the old registry, by key. */
    oldProviders: ProviderSummary[];
    /** Every provider of the new registry, by key. */
    newProviders: ProviderSummary[];
    /** Providers of the old registry the new one lacks (these fail the check). */
    missingInNew: ProviderSummary[];
    /** Providers only the new registry holds (reported only). */
    onlyInNew: ProviderSummary[];
    /** Providers both hold. */
    inBoth: number;
    /** Persistent nodes compared by path, data and ACL. */
    data: DataParity;
    /** Paths left out in both registries (`--exclude`), sorted. */
    excluded: string[];
}

/** Checks `--max-nodes`: a whole number from 1 to `MAX_NODES_LIMIT`. Throws `CheckError`. */
export function parseMaxNodes(value: string | undefined, option = "--max-nodes"): number {
    if (value === undefined) {
        return DEFAULT_MAX_NODES;
    }
    const n = /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
    if (!(n >= 1 && n <= MAX_NODES_LIMIT)) {
        throw new CheckError(`${option} ${JSON.stringify(value)} is not a node count; allowed: a whole number from 1 to ${MAX_NODES_LIMIT} (default ${DEFAULT_MAX_NODES})`);
    }
    return n;
}

/** Checks `--root`: an absolute znode path without a trailing slash. Throws `CheckError`. */
export function parseRoot(root: string | undefined, option = "--root"): string {
    const value = root ?? "/dubbo";
    if (!/^(\/[^/\s]+)+$/.test(value)) {
        throw new CheckError(`${option} ${JSON.stringify(value)} is not a znode path; allowed: an absolute path without a trailing slash, e.g. /dubbo`);
    }
    return value;
}

/** Runs `work` over `items` with at most `limit` at once, keeping order. */
async function mapLimited<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
    const results: R[] = new Array(items.length);
    let next = 0;
    const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
        while (next < items.length) {
            const i = next++;
            results[i] = await work(items[i]);
        }
    });
    await Promise.all(workers);
    return results;
}

/** One side, connected. */
export interface OpenRegistry {
    side: Side;
    /** The connect string as given (trimmed). */
    connect: string;
    client: ZkClient;
}

const ONE_ENSEMBLE = "nothing to compare; allowed: the old ensemble's members as --old and the new ensemble's as --new";

function closeRegistries(registries: { old: OpenRegistry; new: OpenRegistry }): void {
    registries.old.client.close();
    registries.new.client.close();
}

/** One registry's tree under the root, as read. */
export interface TreeRead {
    providers: ProviderListing;
    /** Persistent nodes, Dubbo's containers left out, sorted by path. */
    persistent: PersistentNode[];
    ephemeral: number;
    nodesRead: number;
}

const childPath = (parent: string, child: string) => (parent === "/" ? `/${child}` : `${parent}/${child}`);

/**
 * Walks one open side under `root`, level by level (16 reads at once): data
 * and stat of every znode, ACL and children of the persistent ones. Paths
 * under `excludes` (and their subtrees) are not read. Reads at
 * most `maxNodes` znodes: a tree with more is a `CheckError` naming
 * `--max-nodes`, before anything past the limit is read. Nodes that vanish
 * while it walks (a provider going away) are skipped. Failures become a
 * `CheckError` naming the side and the znode.
 */
export async function readTree(r: OpenRegistry, root: string, maxNodes: number, excludes: string[] = []): Promise<TreeRead> {
    const persistent: PersistentNode[] = [];
    const children = new Map<string, string[]>();
    let ephemeral = 0;
    let nodesRead = 0;
    let level = [root];
    let queued = 1;
    const readNode = async (path: string): Promise<void> => {
        let at = "read";
        try {
            const node = await r.client.dataWithStat(path);
            nodesRead++;
            if (node === undefined) {
                return;
            }
            if (isEphemeral(node.stat)) {
                ephemeral++;
                return;
            }
            at = "read the ACL of";
            const acl = await r.client.acl(path);
            at = "list the children of";
            const kids = node.stat.numChildren > 0 ? [...(await r.client.children(path))].filter((c) => !excludes.some((e) => isUnder(childPath(path, c), e))).sort() : [];
            children.set(path, kids);
            if (acl !== undefined && !isDubboContainer(root, path)) {
                persistent.push({ path, bytes: node.data.length, sha256: createHash("sha256").update(node.data).digest("hex"), acl: acl.map(aclText).sort() });
            }
        } catch (err) {
            if (err instanceof CheckError) {
                throw err;
            }
            const auth = r.side === "--old" ? "--old-auth" : "--new-auth";
            const why =
                codeOf(err) === NO_AUTH
                    ? `no permission (NoAuth); the check needs read access to every znode under --root; allowed: ${auth} scheme:credentials of a user who may read it, or --exclude ${path}`
                    : (err as Error).message;
            throw new CheckError(`${r.side} registry ${r.connect} could not ${at} ${path}: ${why}`);
        }
    };
    while (level.length > 0) {
        await mapLimited(level, 16, readNode);
        const next = level.flatMap((p) => (children.get(p) ?? []).map((c) => childPath(p, c)));
        queued += next.length;
        if (queued > maxNodes) {
            throw new CheckError(
                `${r.side} registry ${r.connect} holds more than ${maxNodes} znodes under ${root} (--max-nodes ${maxNodes}); nothing was compared; allowed: a larger --max-nodes (at most ${MAX_NODES_LIMIT}) or a narrower --root`,
            );
        }
        level = next;
    }
    const byInterface: Record<string, string[]> = {};
    for (const iface of children.get(root) ?? []) {
        byInterface[iface] = children.get(`${root}/${iface}/providers`) ?? [];
    }
    persistent.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    return { providers: providerListing(root, byInterface), persistent, ephemeral, nodesRead };
}

/**
 * The paths copies wrote to one registry under `root`, each with the
 * `--root` of the copy that recorded it: the records `zk-cutover copy` keeps
 * there (`/zk-cutover/copies/<root>`, see copy.ts) of copies of `root`, of a
 * tree around it and of trees in it. Empty when no copy ran. An unreadable
 * record is a `CheckError` naming the side.
 */
export async function copiedPaths(r: OpenRegistry, root: string): Promise<Map<string, string>> {
    const copied = new Map<string, string>();
    let at = `list ${MANIFEST_PARENT}`;
    try {
        for (const name of [...(await r.client.children(MANIFEST_PARENT))].sort()) {
            let copyRoot: string;
            try {
                copyRoot = decodeURIComponent(name);
            } catch {
                continue; // not a record a copy wrote
            }
            if (!isUnder(root, copyRoot) && !isUnder(copyRoot, root)) {
                continue;
            }
            at = `read ${MANIFEST_PARENT}/${name}`;
            const paths = await recordedPaths(r.client, `${MANIFEST_PARENT}/${name}`, () => new CheckError(notAManifest(`${r.side} registry ${r.connect}`, copyRoot)));
            for (const path of paths.filter((p) => isUnder(p, root))) {
                copied.set(path, copyRoot);
            }
        }
    } catch (err) {
        if (err instanceof CheckError) {
            throw err;
        }
        throw new CheckError(`${r.side} registry ${r.connect} could not ${at} (what copies wrote there): ${(err as Error).message}`);
    }
    return copied;
}

/**
 * Awaits every promise at once; when some fail, throws the failure of the
 * first in `promises`' order (the old side's before the new side's), not the
 * first in time, so that a run tells the same error every time.
 */
async function allInOrder<T extends readonly unknown[]>(promises: { readonly [K in keyof T]: Promise<T[K]> }): Promise<T> {
    const settled = await Promise.allSettled(promises);
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === "rejected");
    if (failed) {
        throw failed.reason;
    }
    return settled.map((s) => (s as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

/** How many names a message lists before it says "...". */
const SHOWN = 10;

/**
 * The providers and persistent nodes of both sides, compared. Refuses
 * (`CheckError`) a `root` the old registry does not have and an old registry
 * with neither providers nor persistent nodes: either would pass with nothing
 * compared. A registry holding only governance data (routers, config center)
 * is compared.
 */
async function registryParity(registries: { old: OpenRegistry; new: OpenRegistry }, root: string, maxNodes: number, excludes: string[]): Promise<ParityReport> {
    const { old, new: next } = registries;
    let hasRoot: boolean;
    let topLevel: string[] = [];
    try {
        hasRoot = await old.client.exists(root);
        if (!hasRoot) {
            topLevel = (await old.client.children("/")).sort();
        }
    } catch (err) {
        throw new CheckError(`--old registry ${old.connect} could not be read under ${root}: ${(err as Error).message}`);
    }
    if (!hasRoot) {
        const names = topLevel.slice(0, SHOWN).map((c) => `/${c}`).join(", ") + (topLevel.length > SHOWN ? ", ..." : "");
        throw new CheckError(
            `--root ${root} is not a znode in the old registry (--old ${old.connect}); allowed: the Dubbo root the providers register under (the old registry's top-level znodes: ${names || "none"})`,
        );
    }
    const [oldTree, newTree, copied] = await allInOrder([readTree(old, root, maxNodes, excludes), readTree(next, root, maxNodes, excludes), copiedPaths(next, root)] as const);
    if (oldTree.providers.providers.length === 0 && oldTree.persistent.length === 0) {
        const n = oldTree.providers.undecodable.length;
        const odd = n > 0 ? ` (${n} node${n === 1 ? "" : "s"} under its providers paths ${n === 1 ? "is" : "are"} not a provider URL)` : "";
        throw new CheckError(
            `the old registry (--old ${old.connect}) has no providers and no persistent nodes under ${root}${odd}: nothing to compare; allowed: --old naming the registry the providers use now, and --root their Dubbo root`,
        );
    }
    return parityReport(
        root,
        { connect: old.connect, listing: oldTree.providers, tree: oldTree },
        { connect: next.connect, listing: newTree.providers, tree: newTree, copied },
        excludes,
    );
}

const summary = (p: DubboProvider): ProviderSummary => ({ key: p.key, interface: p.interface, address: p.address, group: p.group, version: p.version, url: p.url });

/** One side as `parityReport` takes it: its providers and, when its tree was walked, its persistent nodes. */
export interface SideRead {
    connect: string;
    listing: ProviderListing;
    tree?: Pick<TreeRead, "persistent" | "ephemeral" | "nodesRead">;
    /** The new side: the paths copies wrote there, each with the copy's `--root` (see `copiedPaths`). */
    copied?: ReadonlyMap<string, string>;
}

/** Builds the report from both sides as read; `excluded` are the paths left out of both. Pure. */
export function parityReport(root: string, old: SideRead, next: SideRead, excluded: string[] = []): ParityReport {
    const diff = compareListings(old.listing, next.listing);
    const data = compareData(old.tree?.persistent ?? [], next.tree?.persistent ?? [], next.copied);
    const side = (name: Side, s: SideRead): RegistrySummary => ({
        side: name,
        connect: s.connect,
        providers: s.listing.providers.length,
        interfaces: s.listing.interfaces.length,
        undecodable: s.listing.undecodable,
        persistentNodes: s.tree?.persistent.length ?? 0,
        ephemeralNodes: s.tree?.ephemeral ?? 0,
        nodesRead: s.tree?.nodesRead ?? 0,
    });
    return {
        inParity: diff.inParity && data.inParity,
        root,
        old: side("--old", old),
        new: side("--new", next),
        oldProviders: old.listing.providers.map(summary),
        newProviders: next.listing.providers.map(summary),
        missingInNew: diff.missingInNew.map(summary),
        onlyInNew: diff.onlyInNew.map(summary),
        inBoth: diff.inBoth,
        data,
        excluded: [...excluded].sort(),
    };
}

/**
 * Reads both registries (at once) and compares them. Throws `CheckError`,
 * naming `--old`, `--new` or `--root`, for a bad option, a registry that
 * cannot be read (unreachable, no quorum, not ZooKeeper), and when there is
 * nothing to compare (both sides one ensemble, no such root in the old
 * registry, neither providers nor persistent nodes in it), and for a tree of
 * more than `maxNodes` znodes.
 */
export async function checkParity(options: ParityOptions): Promise<ParityReport> {
    const oldSide = parseConnectString(options.oldConnect, "--old", true);
    const newSide = parseConnectString(options.newConnect, "--new", true);
    const root = parseRoot(options.root);
    // copy's own parsers, so that both commands take these options alike; their mistakes are this check's (exit 2).
    const asCheck = <T>(parse: () => T): T => {
        try {
            return parse();
        } catch (err) {
            throw err instanceof CopyError ? new CheckError(err.message) : err;
        }
    };
    const excludes = asCheck(() => parseExcludes(options.exclude, root));
    const auths = asCheck(() => [parseAuth(options.oldAuth, "--old-auth"), parseAuth(options.newAuth, "--new-auth")] as const);
    const shared = sharedMembers(oldSide, newSide);
    if (shared.length > 0) {
        throw new CheckError(`--old and --new reach the same ensemble (both list ${shared.join(", ")}): ${ONE_ENSEMBLE}`);
    }
    const timeoutMs = options.timeoutMs ?? 10_000;
    const maxNodes = options.maxNodes ?? DEFAULT_MAX_NODES;
    const connects = [options.oldConnect.trim(), options.newConnect.trim()] as const;
    const [oldClient, newClient] = await openTwoEnsembles({
        options: ["--old", "--new"],
        sides: [oldSide, newSide],
        connects,
        noun: "registry",
        timeoutMs,
        tls: [options.oldTls, options.newTls],
        sasl: [options.oldSasl, options.newSasl],
        auth: auths,
        error: (message) => new CheckError(message),
        sameSessionMessage: `--old and --new reach the same ensemble (it knows the session this check opened through --old): ${ONE_ENSEMBLE}`,
    });
    const registries: { old: OpenRegistry; new: OpenRegistry } = {
        old: { side: "--old", connect: connects[0], client: oldClient },
        new: { side: "--new", connect: connects[1], client: newClient },
    };
    try {
        return await registryParity(registries, root, maxNodes, excludes);
    } finally {
        closeRegistries(registries);
    }
}

/** How many persistent nodes each list of the text report names before "... N more". */
export const SHOWN_PATHS = 20;

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/** Up to `SHOWN_PATHS` lines, then one saying how many more `--json` lists. */
function capped<T>(items: T[], line: (item: T) => string): string[] {
    const shown = items.slice(0, SHOWN_PATHS).map(line);
    return items.length > SHOWN_PATHS ? [...shown, `  ... ${items.length - SHOWN_PATHS} more (--json lists every one)`] : shown;
}

const facts = (n: Omit<PersistentNode, "path">, aspect: "data" | "acl") => (aspect === "data" ? `${plural(n.bytes, "byte")}, sha256 ${n.sha256.slice(0, 12)}` : n.acl.join(" ") || "no ACL");

/** The report for people; every provider one line, up to `SHOWN_PATHS` persistent nodes per list. */
export function parityText(r: ParityReport): string {
    const lines: string[] = [];
    lines.push(`Dubbo registry parity under ${r.root}: ${r.inParity ? "IN PARITY" : "NOT IN PARITY"}`);
    for (const s of [r.old, r.new]) {
        lines.push(
            `  ${s.side} ${s.connect}: ${plural(s.providers, "provider")} of ${plural(s.interfaces, "interface")}, ${plural(s.persistentNodes, "persistent node")} (${s.ephemeralNodes} ephemeral)`,
        );
    }
    lines.push(`  in both: ${r.inBoth} provider${r.inBoth === 1 ? "" : "s"}, ${plural(r.data.alike, "persistent node")} alike`);
    if (r.missingInNew.length > 0) {
        lines.push("", `missing in the new registry (${r.missingInNew.length}):`, ...r.missingInNew.map((p) => `  - ${p.key}`));
    }
    if (r.onlyInNew.length > 0) {
        lines.push("", `only in the new registry (${r.onlyInNew.length}, reported, not a failure):`, ...r.onlyInNew.map((p) => `  + ${p.key}`));
    }
    const d = r.data;
    if (d.missingInNew.length > 0) {
        lines.push("", `persistent nodes missing in the new registry (${d.missingInNew.length}):`, ...capped(d.missingInNew, (n) => `  - ${n.path}`));
    }
    if (d.different.length > 0) {
        lines.push(
            "",
            `persistent nodes that differ in the new registry (${d.different.length}):`,
            ...capped(d.different, (n) => `  ~ ${n.path}: ${n.differs.map((a) => `${a} (old ${facts(n.old, a)}; new ${facts(n.new, a)})`).join(", ")}`),
        );
    }
    if (d.stale.length > 0) {
        const roots = [...new Set(d.stale.map((n) => n.copyRoot))].sort();
        lines.push(
            "",
            `persistent nodes stale in the new registry (${d.stale.length}): deleted on the legacy side after the copy; run ${roots.map((root) => `zk-cutover copy --root ${root} --prune`).join(" and ")}:`,
            ...capped(d.stale, (n) => `  x ${n.path}`),
        );
    }
    if (d.onlyInNew.length > 0) {
        lines.push("", `persistent nodes only in the new registry, written by no copy (${d.onlyInNew.length}, reported, not a failure):`, ...capped(d.onlyInNew, (n) => `  + ${n.path}`));
    }
    if (r.excluded.length > 0) {
        lines.push("", `left out in both registries (--exclude): ${r.excluded.join(", ")}`);
    }
    for (const s of [r.old, r.new]) {
        if (s.undecodable.length > 0) {
            lines.push("", `not provider URLs, ignored (${s.side}, ${s.undecodable.length}):`, ...s.undecodable.map((u) => `  ? ${u.path}: ${u.reason}`));
        }
    }
    return lines.join("\n") + "\n";
}

/** The report as exactly one JSON document. */
export function parityJson(r: ParityReport): string {
    return JSON.stringify(r, null, 2) + "\n";
}
