/**
 * Dubbo provider URLs as a ZooKeeper registry stores them, and the comparison
 * of two registries. Pure: no ZooKeeper, no I/O.
 *
 * A provider registers an ephemeral znode under `<root>/<interface>/providers`
 * whose name is its whole URL, URL-encoded once:
 * `dubbo%3A%2F%2F10.0.0.5%3A20880%2Fcom.acme.OrderService%3Fgroup%3Dorders%26version%3D1.2.0%26timestamp%3D...`.
 * Two registrations are the same provider when interface, host:port, group
 * and version agree; every other parameter (timestamp, pid, methods, ...) may
 * differ between registries and between restarts.
 *
 * A registry also holds persistent data nobody re-creates in a new ensemble:
 * routers, configurators, the config center (`<root>/config`), the metadata
 * center (`<root>/metadata`), Dubbo 3's mappings (`<root>/mapping`) and
 * providers registered with `dynamic=false`. `compareData` compares those
 * nodes by path, data and ACL, and tells apart what only the new registry
 * holds: nodes a copy wrote there that the old registry no longer has
 * (stale) from nodes no copy wrote.
 */

/** One decoded provider registration. */
export interface DubboProvider {
    /** Identity of the provider: `[group/]interface[:version]@host:port` (see `providerKey`). */
    key: string;
    /** The service interface: the `interface` parameter, else the URL's path. */
    interface: string;
    /** `host:port` the provider serves on (IPv6 hosts in brackets). */
    address: string;
    /** The `group` parameter; "" when absent. */
    group: string;
    /** The `version` parameter; "" when absent. */
    version: string;
    /** URL scheme, e.g. "dubbo" or "tri". Not part of the key. */
    protocol: string;
    /** Every parameter of the URL as given (values not decoded further). */
    params: Record<string, string>;
    /** The decoded URL. */
    url: string;
}

/** Raised for a znode name that is not an encoded provider URL; the message says why in one line. */
export class DubboUrlError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "DubboUrlError";
    }
}

const URL_SHAPE = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(?:[^@/?]*@)?(\[[0-9A-Fa-f:.]+\]|[^:/?\s[\]]+):(\d{1,5})(\/[^?]*)?(?:\?(.*))?$/;

/**
 * The identity key of a provider: Dubbo's service key (`group/interface:version`,
 * each optional part left out when empty) and the address, e.g.
 * `orders/com.acme.OrderService:1.2.0@10.0.0.5:20880`.
 */
export function providerKey(p: Pick<DubboProvider, "interface" | "address" | "group" | "version">): string {
    return `${p.group ? `${p.group}/` : ""}${p.interface}${p.version ? `:${p.version}` : ""}@${p.address}`;
}

/** Parameters of a URL query (`a=1&b=2`), values as given; a parameter without `=` has the value "". */
function parseQuery(query: string | undefined): Record<string, string> {
    const params: Record<string, string> = {};
    for (const part of (query ?? "").split("&")) {
        if (part === "") {
            continue;
        }
        const eq = part.indexOf("=");
        const name = eq < 0 ? part : part.slice(0, eq);
        if (name !== "" && !(name in params)) {
            params[name] = eq < 0 ? "" : part.slice(eq + 1);
        }
    }
    return params;
}

/** Parses a decoded provider URL (`dubbo://host:port/interface?params`). Throws `DubboUrlError`. */
export function parseProviderUrl(url: string): DubboProvider {
    const m = URL_SHAPE.exec(url);
    if (!m) {
        throw new DubboUrlError(`${JSON.stringify(url)} is not a provider URL; allowed: protocol://host:port/interface?params`);
    }
    const [, protocol, host, portText, pathPart, query] = m;
    const port = Number(portText);
    if (port < 1 || port > 65535) {
        throw new DubboUrlError(`${JSON.stringify(url)} has port ${portText}; allowed: 1 to 65535`);
    }
    const params = parseQuery(query);
    const iface = params.interface || (pathPart ?? "").replace(/^\/+/, "");
    if (iface === "") {
        throw new DubboUrlError(`${JSON.stringify(url)} names no interface; allowed: a path or an interface= parameter`);
    }
    const provider = {
        interface: iface,
        address: `${host.toLowerCase()}:${port}`,
        group: params.group ?? "",
        version: params.version ?? "",
        protocol: protocol.toLowerCase(),
        params,
        url,
    };
    return { key: providerKey(provider), ...provider };
}

/** Decodes a znode name under `.../providers` (one URL-encoded provider URL) and parses it. Throws `DubboUrlError`. */
export function decodeProvider(nodeName: string): DubboProvider {
    let url: string;
    try {
        url = decodeURIComponent(nodeName);
    } catch {
        throw new DubboUrlError(`${JSON.stringify(nodeName)} is not URL-encoded; allowed: encodeURIComponent(provider URL)`);
    }
    return parseProviderUrl(url);
}

/** A znode under a providers path that could not be decoded. */
export interface UndecodableProvider {
    /** Full znode path. */
    path: string;
    reason: string;
}

/** The providers one registry holds. */
export interface ProviderListing {
    /** Each provider once, by key, sorted by key (two registrations of one provider count once). */
    providers: DubboProvider[];
    /** Nodes under a providers path that are not provider URLs; reported, never compared. */
    undecodable: UndecodableProvider[];
    /** Interfaces (children of the root) that have a providers node with at least one child. */
    interfaces: string[];
}

/** Builds a listing from the raw children of each interface's providers node. Pure. */
export function providerListing(root: string, childrenByInterface: Record<string, string[]>): ProviderListing {
    const byKey = new Map<string, DubboProvider>();
    const undecodable: UndecodableProvider[] = [];
    const interfaces: string[] = [];
    const base = root === "/" ? "" : root.replace(/\/+$/, "");
    for (const iface of Object.keys(childrenByInterface).sort()) {
        const children = [...childrenByInterface[iface]].sort();
        if (children.length > 0) {
            interfaces.push(iface);
        }
        for (const child of children) {
            try {
                const p = decodeProvider(child);
                if (!byKey.has(p.key)) {
                    byKey.set(p.key, p);
                }
            } catch (err) {
                undecodable.push({ path: `${base}/${iface}/providers/${child}`, reason: (err as Error).message });
            }
        }
    }
    const providers = [...byKey.keys()].sort().map((k) => byKey.get(k)!);
    return { providers, undecodable, interfaces };
}

/** What `compareListings` finds. */
export interface ProviderDifference {
    /** Providers of the old registry the new one lacks: the cutover must wait for them. */
    missingInNew: DubboProvider[];
    /** Providers only the new registry holds: reported, not a failure. */
    onlyInNew: DubboProvider[];
    /** Providers both registries hold. */
    inBoth: number;
    /** True when the new registry holds every provider of the old one. */
    inParity: boolean;
}

/** Compares two listings by provider key. Pure. */
export function compareListings(oldListing: ProviderListing, newListing: ProviderListing): ProviderDifference {
    const newKeys = new Set(newListing.providers.map((p) => p.key));
    const oldKeys = new Set(oldListing.providers.map((p) => p.key));
    const missingInNew = oldListing.providers.filter((p) => !newKeys.has(p.key));
    const onlyInNew = newListing.providers.filter((p) => !oldKeys.has(p.key));
    return {
        missingInNew,
        onlyInNew,
        inBoth: oldListing.providers.length - missingInNew.length,
        inParity: missingInNew.length === 0,
    };
}

/**
 * Dubbo's own containers under `root`: the root, its children (`<root>/<interface>`,
 * `<root>/config`, `<root>/metadata`, `<root>/mapping`) and an interface's
 * category nodes (`providers`, `consumers`, `routers`, `configurators`).
 * Whichever client gets there first creates them (Curator writes that
 * client's address as their data), so they are not compared as persistent
 * data; what they hold is.
 */
export const DUBBO_CATEGORIES = ["providers", "consumers", "routers", "configurators"] as const;

/** True when `path` is one of Dubbo's containers under `root` (see `DUBBO_CATEGORIES`). Pure. */
export function isDubboContainer(root: string, path: string): boolean {
    if (path === root) {
        return true;
    }
    if (!path.startsWith(`${root}/`)) {
        return false;
    }
    const parts = path.slice(root.length + 1).split("/");
    return parts.length === 1 || (parts.length === 2 && (DUBBO_CATEGORIES as readonly string[]).includes(parts[1]));
}

/** A persistent znode as compared: its data by size and digest (never the data itself: config may hold secrets), its ACL. */
export interface PersistentNode {
    path: string;
    /** Size of the data in bytes. */
    bytes: number;
    /** SHA-256 of the data, hex. */
    sha256: string;
    /** ACL entries as `scheme:id:perms` (perms as `cdrwa` letters), sorted. */
    acl: string[];
}

/** What differs in a node both registries hold. */
export type NodeAspect = "data" | "acl";

/** A persistent node both registries hold, not alike. */
export interface NodeDifference {
    path: string;
    /** Which aspects differ. */
    differs: NodeAspect[];
    old: Omit<PersistentNode, "path">;
    new: Omit<PersistentNode, "path">;
}

/** What `compareData` finds. */
export interface DataDifference {
    /** Persistent nodes of the old registry the new one lacks (fail the check). */
    missingInNew: PersistentNode[];
    /** Persistent nodes whose data or ACL differs (fail the check). */
    different: NodeDifference[];
    /** Persistent nodes a copy wrote to the new registry that the old one no longer has (fail the check). */
    stale: StaleNode[];
    /** Persistent nodes only the new registry holds that no copy wrote (reported only). */
    onlyInNew: PersistentNode[];
    /** Persistent nodes alike in both. */
    alike: number;
    /** True when the new registry holds every persistent node of the old one, alike, and none a copy wrote that the old one no longer has. */
    inParity: boolean;
}

/** A persistent node a copy wrote to the new registry that the old registry no longer has: deleted on the legacy side after the copy. */
export interface StaleNode extends PersistentNode {
    /** The `--root` of the copy that recorded it (`copy --root <it> --prune` deletes it). */
    copyRoot: string;
}

/** An ACL entry as compared and shown: `world:anyone:cdrwa`. */
export function aclText(acl: { permission: number; scheme: string; id: string }): string {
    const letters: [number, string][] = [
        [4, "c"],
        [8, "d"],
        [1, "r"],
        [2, "w"],
        [16, "a"],
    ];
    const perms = letters.map(([bit, l]) => (acl.permission & bit ? l : "")).join("");
    return `${acl.scheme}:${acl.id}:${perms}`;
}

/**
 * ZooKeeper (3.6 and later) shows a digest ACL entry to a session without
 * ADMIN on the node with its credentials as `x`: `digest:admin:x:cdrwa`.
 */
export function isMaskedDigest(entry: string): boolean {
    return /^digest:[^:]*:x:[cdrwa]*$/.test(entry);
}

/**
 * Equal ACLs (entries as `aclText` gives them, in any order). When one side
 * shows a digest masked, both are compared as masked: all that session can
 * see, so a side read without a user's credentials is not a difference.
 */
export function sameAcl(a: string[], b: string[]): boolean {
    const masked = [...a, ...b].some(isMaskedDigest);
    const key = (acl: string[]) =>
        acl
            .map((e) => (masked ? e.replace(/^(digest:[^:]*:)[^:]*(:[cdrwa]*)$/, "$1x$2") : e))
            .sort()
            .join("\n");
    return key(a) === key(b);
}

/**
 * Compares the persistent nodes of two registries by path, data and ACL
 * (versions and times are not compared; a digest hidden from one side is
 * compared hidden, see `sameAcl`). A node only the new registry holds
 * is stale when `copied` (the paths copies wrote there, each with the copy's
 * `--root`) names it: the old registry had it when it was copied and has it
 * no more. Pure.
 */
export function compareData(oldNodes: PersistentNode[], newNodes: PersistentNode[], copied: ReadonlyMap<string, string> = new Map()): DataDifference {
    const byPath = new Map(newNodes.map((n) => [n.path, n]));
    const oldPaths = new Set(oldNodes.map((n) => n.path));
    const missingInNew: PersistentNode[] = [];
    const different: NodeDifference[] = [];
    let alike = 0;
    for (const o of [...oldNodes].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
        const n = byPath.get(o.path);
        if (n === undefined) {
            missingInNew.push(o);
            continue;
        }
        const differs: NodeAspect[] = [];
        if (o.sha256 !== n.sha256 || o.bytes !== n.bytes) {
            differs.push("data");
        }
        if (!sameAcl(o.acl, n.acl)) {
            differs.push("acl");
        }
        if (differs.length === 0) {
            alike++;
        } else {
            const { path, ...oldFacts } = o;
            const { path: _p, ...newFacts } = n;
            different.push({ path, differs, old: oldFacts, new: newFacts });
        }
    }
    const notInOld = newNodes.filter((n) => !oldPaths.has(n.path)).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    const stale = notInOld.filter((n) => copied.has(n.path)).map((n) => ({ ...n, copyRoot: copied.get(n.path)! }));
    const onlyInNew = notInOld.filter((n) => !copied.has(n.path));
    return { missingInNew, different, stale, onlyInNew, alike, inParity: missingInNew.length === 0 && different.length === 0 && stale.length === 0 };
}
