/**
 * `check parity`: lists the Dubbo providers registered in the old and the new
 * ZooKeeper and tells what the new registry still lacks. The cutover may move
 * consumers to the new registry only once it holds every provider of the old
 * one; providers only in the new registry are reported but do not fail.
 *
 * The check never passes for want of something to compare: it refuses two
 * sides that are one ensemble, a `--root` the old registry does not have, and
 * an old registry without providers. The steps (`openRegistries`, then the
 * comparisons over both open clients) leave room for comparing more than
 * providers.
 */
import { NotZooKeeperError, ZkClient } from "../zookeeper/client";
import { CheckError, ConnectString, endpointText, parseConnectString } from "./health";
import { compareListings, DubboProvider, ProviderListing, providerListing, UndecodableProvider } from "./dubbo";

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
}

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
}

/** The verdict of `check parity`. */
export interface ParityReport {
    /** True when the new registry holds every provider of the old one. */
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

/** Every provider under `root` through a connected client: children of `<root>/<interface>/providers`. */
export async function listProviders(client: ZkClient, root: string): Promise<ProviderListing> {
    const interfaces = await client.children(root);
    const children = await mapLimited(interfaces, 16, (iface) => client.children(`${root}/${iface}/providers`));
    const byInterface: Record<string, string[]> = {};
    interfaces.forEach((iface, i) => (byInterface[iface] = children[i]));
    return providerListing(root, byInterface);
}

/** One side, connected. */
interface OpenRegistry {
    side: Side;
    /** The connect string as given (trimmed). */
    connect: string;
    client: ZkClient;
}

const ONE_ENSEMBLE = "nothing to compare; allowed: the old ensemble's members as --old and the new ensemble's as --new";

/**
 * Refuses `--old` and `--new` that list a member in common under the same
 * chroot (a server belongs to one ensemble): they read the same znodes, and a
 * registry compared with itself always passes. Pure.
 */
export function refuseSameMembers(oldSide: ConnectString, newSide: ConnectString): void {
    if ((oldSide.chroot ?? "") !== (newSide.chroot ?? "")) {
        return;
    }
    const next = new Set(newSide.members.map(endpointText));
    const shared = oldSide.members.map(endpointText).filter((m) => next.has(m));
    if (shared.length > 0) {
        throw new CheckError(`--old and --new reach the same ensemble (both list ${shared.join(", ")}): ${ONE_ENSEMBLE}`);
    }
}

/** Connects to one side. Failures become a `CheckError` naming the side. */
async function openRegistry(side: Side, connect: string, timeoutMs: number): Promise<OpenRegistry> {
    try {
        return { side, connect, client: await ZkClient.connect(connect, { connectTimeoutMs: timeoutMs, opTimeoutMs: timeoutMs }) };
    } catch (err) {
        if (err instanceof NotZooKeeperError) {
            throw new CheckError(`${side} registry ${connect} is not a ZooKeeper server: ${err.message}`);
        }
        throw new CheckError(`${side} registry ${connect} is unreachable or has no quorum: ${(err as Error).message}`);
    }
}

/**
 * Connects to both sides at once and makes sure they are two registries.
 * Connect strings without a member in common may still reach one ensemble
 * (other members of it, or other names for them). The rule: the new side's
 * ensemble must not know the session just opened on the old side. A session
 * lives in exactly the ensemble that created it; an ensemble that merely has
 * the same server list (names reused in another cluster) or started from a
 * copy of the old one's data does not know a session created after that. The
 * probe reads and writes no znode. Two chroots of one ensemble are two
 * registries, and are compared.
 */
async function openRegistries(oldConnect: string, newConnect: string, sameChroot: boolean, timeoutMs: number): Promise<{ old: OpenRegistry; new: OpenRegistry }> {
    const [o, n] = await Promise.allSettled([openRegistry("--old", oldConnect, timeoutMs), openRegistry("--new", newConnect, timeoutMs)]);
    if (o.status === "rejected" || n.status === "rejected") {
        for (const side of [o, n]) {
            if (side.status === "fulfilled") {
                side.value.client.close();
            }
        }
        throw o.status === "rejected" ? o.reason : (n as PromiseRejectedResult).reason;
    }
    const registries = { old: o.value, new: n.value };
    if (sameChroot) {
        let same: boolean;
        try {
            same = await ZkClient.knowsSession(newConnect, registries.old.client.session(), { connectTimeoutMs: timeoutMs });
        } catch (err) {
            closeRegistries(registries);
            throw new CheckError(`--new registry ${newConnect} could not be asked whether it is the --old ensemble: ${(err as Error).message}`);
        }
        if (same) {
            closeRegistries(registries);
            throw new CheckError(`--old and --new reach the same ensemble (it knows the session this check opened through --old): ${ONE_ENSEMBLE}`);
        }
    }
    return registries;
}

function closeRegistries(registries: { old: OpenRegistry; new: OpenRegistry }): void {
    registries.old.client.close();
    registries.new.client.close();
}

/** Lists one open side under `root`. Failures become a `CheckError` naming the side. */
async function readProviders(r: OpenRegistry, root: string): Promise<ProviderListing> {
    try {
        return await listProviders(r.client, root);
    } catch (err) {
        throw new CheckError(`${r.side} registry ${r.connect} could not be read under ${root}: ${(err as Error).message}`);
    }
}

/** How many names a message lists before it says "...". */
const SHOWN = 10;

/**
 * The providers of both sides, compared. Refuses (`CheckError`) a `root` the
 * old registry does not have and an old registry without providers: either
 * would pass with nothing compared.
 */
async function providerParity(registries: { old: OpenRegistry; new: OpenRegistry }, root: string): Promise<ParityReport> {
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
    const [oldListing, newListing] = await Promise.all([readProviders(old, root), readProviders(next, root)]);
    if (oldListing.providers.length === 0) {
        const n = oldListing.undecodable.length;
        const odd = n > 0 ? ` (${n} node${n === 1 ? "" : "s"} under its providers paths ${n === 1 ? "is" : "are"} not a provider URL)` : "";
        throw new CheckError(
            `the old registry (--old ${old.connect}) has no providers under ${root}${odd}: nothing to compare; allowed: --old naming the registry the providers use now, and --root their Dubbo root`,
        );
    }
    return parityReport(root, { connect: old.connect, listing: oldListing }, { connect: next.connect, listing: newListing });
}

const summary = (p: DubboProvider): ProviderSummary => ({ key: p.key, interface: p.interface, address: p.address, group: p.group, version: p.version, url: p.url });

/** Builds the report from both listings. Pure. */
export function parityReport(root: string, old: { connect: string; listing: ProviderListing }, next: { connect: string; listing: ProviderListing }): ParityReport {
    const diff = compareListings(old.listing, next.listing);
    const side = (name: Side, s: { connect: string; listing: ProviderListing }): RegistrySummary => ({
        side: name,
        connect: s.connect,
        providers: s.listing.providers.length,
        interfaces: s.listing.interfaces.length,
        undecodable: s.listing.undecodable,
    });
    return {
        inParity: diff.inParity,
        root,
        old: side("--old", old),
        new: side("--new", next),
        oldProviders: old.listing.providers.map(summary),
        newProviders: next.listing.providers.map(summary),
        missingInNew: diff.missingInNew.map(summary),
        onlyInNew: diff.onlyInNew.map(summary),
        inBoth: diff.inBoth,
    };
}

/**
 * Reads both registries (at once) and compares them. Throws `CheckError`,
 * naming `--old`, `--new` or `--root`, for a bad option, a registry that
 * cannot be read (unreachable, no quorum, not ZooKeeper), and when there is
 * nothing to compare: both sides one ensemble, no such root in the old
 * registry, no providers in it.
 */
export async function checkParity(options: ParityOptions): Promise<ParityReport> {
    const oldSide = parseConnectString(options.oldConnect, "--old", true);
    const newSide = parseConnectString(options.newConnect, "--new", true);
    const root = parseRoot(options.root);
    refuseSameMembers(oldSide, newSide);
    const timeoutMs = options.timeoutMs ?? 10_000;
    const registries = await openRegistries(options.oldConnect.trim(), options.newConnect.trim(), (oldSide.chroot ?? "") === (newSide.chroot ?? ""), timeoutMs);
    try {
        return await providerParity(registries, root);
    } finally {
        closeRegistries(registries);
    }
}

/** The report for people; every provider one line. */
export function parityText(r: ParityReport): string {
    const lines: string[] = [];
    lines.push(`Dubbo provider parity under ${r.root}: ${r.inParity ? "IN PARITY" : "NOT IN PARITY"}`);
    for (const s of [r.old, r.new]) {
        lines.push(`  ${s.side} ${s.connect}: ${s.providers} provider${s.providers === 1 ? "" : "s"} of ${s.interfaces} interface${s.interfaces === 1 ? "" : "s"}`);
    }
    lines.push(`  in both: ${r.inBoth}`);
    if (r.missingInNew.length > 0) {
        lines.push("", `missing in the new registry (${r.missingInNew.length}):`, ...r.missingInNew.map((p) => `  - ${p.key}`));
    }
    if (r.onlyInNew.length > 0) {
        lines.push("", `only in the new registry (${r.onlyInNew.length}, reported, not a failure):`, ...r.onlyInNew.map((p) => `  + ${p.key}`));
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
