/**
 * Small address helpers: IPv4 CIDRs, endpoint addresses, "key=value" lists.
 */
import { IssueCollector, show } from "./errors";

/** Parses an IPv4 CIDR such as "10.0.0.0/16"; undefined when it is not one. */
export function parseCidr(text: string): { address: string; prefix: number } | undefined {
    const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(text);
    if (!m) {
        return undefined;
    }
    const octets = m.slice(1, 5).map(Number);
    const prefix = Number(m[5]);
    if (octets.some((o) => o > 255) || prefix > 32) {
        return undefined;
    }
    return { address: octets.join("."), prefix };
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

export function ipv4ToInt(address: string): number | undefined {
    const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(address);
    if (!m) {
        return undefined;
    }
    const octets = m.slice(1).map(Number);
    return octets.some((o) => o > 255) ? undefined : octets.reduce((acc, o) => acc * 256 + o, 0);
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
        return "is not an IPv4 address";
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
    const open = cidrs.filter((c) => parseCidr(c)?.prefix === 0);
    if (open.length > 0) {
        issues.add(key, `${show(open)} opens ZooKeeper to every address; allowed: the networks that need it, e.g. "10.1.0.0/16"`);
    }
}

/** A ZooKeeper server on a host: its myid and routable address. */
export interface HostMember {
    id: number;
    address: string;
}

/**
 * Parses "myid=address" entries under config key `key`: myids 1..255, each
 * once, and routable IPv4 addresses (loopback, link-local and other unusable
 * endpoint addresses are refused). Returns the valid hosts sorted by myid.
 */
export function parseHostMembers(key: string, entries: string[], issues: IssueCollector): HostMember[] {
    const hosts: HostMember[] = [];
    for (const [idText, address] of parsePairs(key, entries, issues, '"myid=address", e.g. "1=10.1.0.11"')) {
        const id = Number(idText);
        const reason = unusableEndpointReason(address);
        if (!/^\d+$/.test(idText) || id < 1 || id > 255) {
            issues.add(key, `${show(`${idText}=${address}`)} has myid ${show(idText)}; allowed: whole numbers from 1 to 255`);
        } else if (reason) {
            issues.add(key, `${show(address)} (myid ${id}) ${reason}; allowed: the host's routable IPv4 address`);
        } else if (hosts.some((h) => h.id === id)) {
            issues.add(key, `myid ${id} is listed more than once; allowed: each myid once`);
        } else {
            hosts.push({ id, address });
        }
    }
    return hosts.sort((a, b) => a.id - b.id);
}
