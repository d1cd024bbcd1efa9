/**
 * `check parity`: lists the Dubbo providers registered in the old and the new
 * ZooKeeper and tells what the new registry still lacks. The cutover may move
 * consumers to the new registry only once it holds every provider of the old
 * one; providers only in the new registry are reported but do not fail.
 */
import { NotZooKeeperError, ZkClient } from "../zookeeper/client";
import { CheckError, parseConnectString } from "./health";
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

/** Connects to one side, lists it and closes. Failures become a `CheckError` naming the side. */
async function readRegistry(side: Side, connect: string, root: string, timeoutMs: number): Promise<ProviderListing> {
    let client: ZkClient;
    try {
        client = await ZkClient.connect(connect, { connectTimeoutMs: timeoutMs, opTimeoutMs: timeoutMs });
    } catch (err) {
        if (err instanceof NotZooKeeperError) {
            throw new CheckError(`${side} registry ${connect} is not a ZooKeeper server: ${err.message}`);
        }
        throw new CheckError(`${side} registry ${connect} is unreachable or has no quorum: ${(err as Error).message}`);
    }
    try {
        return await listProviders(client, root);
    } catch (err) {
        throw new CheckError(`${side} registry ${connect} could not be read under ${root}: ${(err as Error).message}`);
    } finally {
        client.close();
    }
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
 * Reads both registries (at once) and compares them. Throws `CheckError` for a
 * bad option or a registry that cannot be read (unreachable, no quorum),
 * naming `--old`, `--new` or `--root`.
 */
export async function checkParity(options: ParityOptions): Promise<ParityReport> {
    parseConnectString(options.oldConnect, "--old", true);
    parseConnectString(options.newConnect, "--new", true);
    const root = parseRoot(options.root);
    const timeoutMs = options.timeoutMs ?? 10_000;
    const oldConnect = options.oldConnect.trim();
    const newConnect = options.newConnect.trim();
    const [oldResult, newResult] = await Promise.allSettled([
        readRegistry("--old", oldConnect, root, timeoutMs),
        readRegistry("--new", newConnect, root, timeoutMs),
    ]);
    if (oldResult.status === "rejected") {
        throw oldResult.reason;
    }
    if (newResult.status === "rejected") {
        throw newResult.reason;
    }
    return parityReport(root, { connect: oldConnect, listing: oldResult.value }, { connect: newConnect, listing: newResult.value });
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
