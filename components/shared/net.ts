/**
 * Small address helpers: IPv4 CIDRs, endpoint addresses, "key=value" lists.
 */
import { IssueCollector, show } from "./errors";

/** Parses an IPv4 CIDR such as "10.0.0.0/16"; undefined when it is not one. */
export function parseCidr(text: string): { address: string; prefix: number } | undefined {
    const m = /^([^/]*)\/(0|[1-9]\d?)$/.exec(text);
    const prefix = m ? Number(m[2]) : NaN;
    if (!m || ipv4ToInt(m[1]) === undefined || prefix > 32) {
        return undefined;
    }
    return { address: m[1], prefix };
}

/** The network address of a CIDR ("10.1.0.77/16" -> "10.1.0.0/16"), or undefined when it is not one. */
export function canonicalCidr(text: string): string | undefined {
    const c = parseCidr(text);
    if (!c) {
        return undefined;
    }
    const size = 2 ** (32 - c.prefix);
    const base = Math.floor(ipv4ToInt(c.address)! / size) * size;
    const octets = [24, 16, 8, 0].map((shift) => Math.floor(base / 2 ** shift) % 256);
    return `${octets.join(".")}/${c.prefix}`;
}

/** An IPv4 address as written everywhere it goes (EndpointSlices, security groups): four octets 0-255, no leading zeros. */
const IPV4 = /^(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})$/;

export function ipv4ToInt(address: string): number | undefined {
    const m = typeof address === "string" ? IPV4.exec(address) : null;
    if (!m) {
        return undefined;
    }
    const octets = m.slice(1).map(Number);
    return octets.some((o) => o > 255) ? undefined : octets.reduce((acc, o) => acc * 256 + o, 0);
}

/** The first and last address of a CIDR, as numbers. */
function rangeOf(cidr: string): [number, number] | undefined {
    const c = parseCidr(cidr);
    if (!c) {
        return undefined;
    }
    const size = 2 ** (32 - c.prefix);
    const base = Math.floor(ipv4ToInt(c.address)! / size) * size;
    return [base, base + size - 1];
}

/** Whether the CIDRs together cover every IPv4 address (the union of their ranges, however they overlap or abut). */
export function coversEveryAddress(cidrs: string[]): boolean {
    const ranges = cidrs.map(rangeOf).filter((r): r is [number, number] => !!r).sort((a, b) => a[0] - b[0]);
    let next = 0; // the lowest address not yet covered
    for (const [first, last] of ranges) {
        if (first > next) {
            return false;
        }
        next = Math.max(next, last + 1);
    }
    return next > 0xffffffff;
}

/**
 * Refuses CIDRs under `key` that open a ZooKeeper port to every address:
 * 0.0.0.0/0, or ranges that together cover everything (0.0.0.0/1 +
 * 128.0.0.0/1). Returns whether they passed.
 */
export function checkNotOpenToAll(key: string, cidrs: string[], issues: IssueCollector): boolean {
    const allowed = 'allowed: the networks that need it, e.g. "10.1.0.0/16"';
    const open = cidrs.filter((c) => parseCidr(c)?.prefix === 0);
    if (open.length > 0) {
        issues.add(key, `${show(open)} opens ZooKeeper to every address; ${allowed}`);
        return false;
    }
    if (coversEveryAddress(cidrs)) {
        issues.add(key, `${show(cidrs)} together open ZooKeeper to every address; ${allowed}`);
        return false;
    }
    return true;
}

export function cidrContains(cidr: string, address: string): boolean {
    const c = parseCidr(cidr);
    const ip = ipv4ToInt(address);
    if (!c || ip === undefined) {
        return false;
    }
    const size = 2 ** (32 - c.prefix);
    const base = Math.floor(ipv4ToInt(c.address)! / size) * size;
    return ip >= base && ip < base + size;
}

/** Addresses that can never be a legacy host's endpoint: loopback, link-local, unspecified, multicast, broadcast. */
export function unusableEndpointReason(address: string): string | undefined {
    const ip = ipv4ToInt(address);
    if (ip === undefined) {
        // "010.1.0.13" is 10.1.0.13 to some parsers and 8.1.0.13 to others: only the plain form names one address.
        const canonical = /^\d+(\.\d+){3}$/.test(address) ? address.split(".").map(Number).join(".") : undefined;
        return canonical !== undefined && ipv4ToInt(canonical) !== undefined ? `has a leading zero (did you mean ${show(canonical)}?)` : "is not an IPv4 address";
    }
    const [a, b] = address.split(".").map(Number);
    if (a === 127) return "is a loopback address";
    if (a === 169 && b === 254) return "is a link-local address";
    if (a === 0) return "is in 0.0.0.0/8 (unspecified)";
    if (a >= 224 && a <= 239) return "is a multicast address";
    if (a >= 240) return "is reserved or broadcast";
    return undefined;
}

/** Splits "key=value" entries; reports malformed ones under `key`. */
export function parsePairs(key: string, entries: string[], issues: IssueCollector, what: string): [string, string][] {
    const pairs: [string, string][] = [];
    for (const entry of entries) {
        const i = entry.indexOf("=");
        if (i <= 0 || i === entry.length - 1) {
            issues.add(key, `${show(entry)} is not of the form ${what}`);
        } else {
            pairs.push([entry.slice(0, i).trim(), entry.slice(i + 1).trim()]);
        }
    }
    return pairs;
}

/** Parses "key=value" entries into a map under config key `key`; a key given more than once is refused (all its entries named). */
export function parseMap(key: string, entries: string[], issues: IssueCollector, what: string, itemName: string): Record<string, string> {
    const pairs = parsePairs(key, entries, issues, what);
    const map: Record<string, string> = {};
    for (const [k, v] of pairs) {
        const given = pairs.filter(([other]) => other === k);
        if (given.length > 1) {
            issues.add(key, `${show(k)} is given more than once (${given.map(([, value]) => show(`${k}=${value}`)).join(", ")}); allowed: each ${itemName} once`);
        } else {
            map[k] = v;
        }
    }
    return map;
}

/**
 * Checks CIDRs that open ZooKeeper ports (security group rules, NetworkPolicy
 * ipBlocks) under config key `key`: IPv4 network addresses, never 0.0.0.0/0.
 */
export function checkCidrs(key: string, cidrs: string[], issues: IssueCollector): void {
    const bad = cidrs.filter((c) => !parseCidr(c));
    if (bad.length > 0) {
        issues.add(key, `${show(bad)} not IPv4 CIDRs; allowed: CIDRs such as "10.1.0.0/16"`);
    }
    const hostBits = cidrs.filter((c) => parseCidr(c) && canonicalCidr(c) !== c);
    if (hostBits.length > 0) {
        issues.add(key, `${show(hostBits)} have host bits set; allowed: network addresses, e.g. ${show(hostBits.map((c) => canonicalCidr(c)))}`);
    }
    checkNotOpenToAll(key, cidrs, issues);
}

/** A ZooKeeper server on a host: its myid and routable address. */
export interface HostMember {
    /** The member's myid (1..255). */
    id: number;
    /** The host's routable address (IPv4), which the member's Service points at. */
    address: string;
}

/**
 * Parses "myid=address" entries under config key `key` (the form users write),
 * then checks them as `checkHostMembers` does. Returns the valid hosts sorted
 * by myid.
 */
export function parseHostMembers(key: string, entries: string[], issues: IssueCollector): HostMember[] {
    const hosts: HostMember[] = [];
    for (const [idText, address] of parsePairs(key, entries, issues, '"myid=address", e.g. "1=10.1.0.11"')) {
        if (!/^\d+$/.test(idText)) {
            issues.add(key, `${show(`${idText}=${address}`)} has myid ${show(idText)}; allowed: whole numbers from 1 to 255`);
        } else {
            hosts.push({ id: Number(idText), address });
        }
    }
    return checkHostMembers(key, hosts, issues);
}

/**
 * Checks members on hosts under config key `key`: myids 1..255, each once, and
 * routable IPv4 addresses (loopback, link-local and other unusable endpoint
 * addresses are refused), each address once (every member listens on the same
 * ports). Returns the valid hosts sorted by myid.
 */
export function checkHostMembers(key: string, members: HostMember[], issues: IssueCollector): HostMember[] {
    const hosts: HostMember[] = [];
    for (const { id, address } of members) {
        const reason = unusableEndpointReason(address);
        if (!Number.isInteger(id) || id < 1 || id > 255) {
            issues.add(key, `${show(`${id}=${address}`)} has myid ${show(String(id))}; allowed: whole numbers from 1 to 255`);
        } else if (reason) {
            issues.add(key, `${show(address)} (myid ${id}) ${reason}; allowed: the host's routable IPv4 address`);
        } else if (hosts.some((h) => h.id === id)) {
            issues.add(key, `myid ${id} is listed more than once; allowed: each myid once`);
        } else {
            hosts.push({ id, address });
        }
    }
    const idsByAddress = new Map<string, number[]>();
    for (const h of hosts) {
        idsByAddress.set(h.address, [...(idsByAddress.get(h.address) ?? []), h.id]);
    }
    for (const [address, ids] of idsByAddress) {
        if (ids.length > 1) {
            const named = `${ids.slice(0, -1).join(", ")} and ${ids[ids.length - 1]}`;
            issues.add(key, `${show(address)} is given to myids ${named}; allowed: one member per host address (every member listens on the same client and peer ports)`);
        }
    }
    return hosts.filter((h) => idsByAddress.get(h.address)!.length === 1).sort((a, b) => a.id - b.id);
}
