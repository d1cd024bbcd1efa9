/**
 * `check health`: asks every member of an ensemble `srvr`, `mntr` and `conf`
 * and decides whether the ensemble is fit for the next cutover stage: every
 * member answers, exactly one leader, a quorum of voters, one server list.
 * The members' own server lists say who the members are: a member they name
 * that was not given is asked where the lists put it, and fails the check
 * like any other when it does not serve. A one-member ensemble runs
 * standalone (no leader, no quorum) and is healthy when it serves.
 *
 * The I/O (`probeMember`, `checkHealth`) is a thin layer over pure functions:
 * `parseConnectString`, `parseServerList`, `parseMntr`, `memberReport` (raw
 * answers -> one member's report) and `assessHealth` (reports -> verdict).
 */
import * as dns from "dns";
import * as net from "net";
import { UserInputError } from "../errors";
import { AnswerTooLongError, fourLetterWord, NOT_SERVING, parseSrvr } from "../zookeeper/process";
import { Endpoint, endpointText } from "../zookeeper/endpoint";
import { ClientTls } from "../zookeeper/tls";
import { featuresOf, LOST_COMMIT_WAKEUP_TEXT, parseZooKeeperVersion } from "../../components/ensemble/version";

/** A user mistake in a check's options (or a side that cannot be checked): printed as one line, exit code 2. */
export class CheckError extends UserInputError {
    readonly exitCode = 2;

    constructor(message: string) {
        super(message, "CheckError");
    }
}

export { Endpoint, endpointText };

/** A parsed ZooKeeper connect string. */
export interface ConnectString {
    members: Endpoint[];
    /** Chroot suffix ("/app"), when allowed and given. */
    chroot?: string;
}

const CONNECT_FORM = "host:port,host:port (e.g. zk-1:2181,zk-2:2181,zk-3:2181)";
const HOST_NAME = /^[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_])?$/;

/**
 * Parses `host:port,host:port[/chroot]`. `option` names the flag in errors
 * ("--connect", "--old", ...); a chroot is accepted only with `allowChroot`.
 * Throws `CheckError` naming the option, the bad part and the expected form.
 */
export function parseConnectString(text: string | undefined, option: string, allowChroot = false): ConnectString {
    const value = (text ?? "").trim();
    if (value === "") {
        throw new CheckError(`${option} is missing or empty; allowed: ${CONNECT_FORM}`);
    }
    let hosts = value;
    let chroot: string | undefined;
    const slash = value.indexOf("/");
    if (slash >= 0) {
        chroot = value.slice(slash);
        hosts = value.slice(0, slash);
        if (!allowChroot) {
            throw new CheckError(`${option} ${JSON.stringify(value)} has a path (${chroot}); allowed: ${CONNECT_FORM} without a path`);
        }
        if (!/^(\/[^/\s]+)+$/.test(chroot)) {
            throw new CheckError(`${option} ${JSON.stringify(value)} has chroot ${JSON.stringify(chroot)}; allowed: an absolute path like /app`);
        }
    }
    const members: Endpoint[] = [];
    const seen = new Set<string>();
    for (const raw of hosts.split(",")) {
        const entry = raw.trim();
        if (entry === "") {
            throw new CheckError(`${option} ${JSON.stringify(value)} has an empty entry; allowed: ${CONNECT_FORM}`);
        }
        const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]]+)):(\d+)$/.exec(entry);
        if (!m) {
            throw new CheckError(`${option} entry ${JSON.stringify(entry)} is not host:port; allowed: ${CONNECT_FORM}`);
        }
        const host = m[1] ?? m[2];
        if (m[2] !== undefined && !HOST_NAME.test(host)) {
            throw new CheckError(`${option} entry ${JSON.stringify(entry)} has host ${JSON.stringify(host)}; allowed: a host name or IP address`);
        }
        const port = Number(m[3]);
        if (!Number.isInteger(port) || port < 1 || port > 65535) {
            throw new CheckError(`${option} entry ${JSON.stringify(entry)} has port ${m[3]}; allowed: 1 to 65535`);
        }
        const endpoint = { host: host.toLowerCase(), port };
        const key = endpointText(endpoint);
        if (seen.has(key)) {
            throw new CheckError(`${option} lists ${key} more than once; allowed: each member once`);
        }
        seen.add(key);
        members.push(endpoint);
    }
    return chroot === undefined ? { members } : { members, chroot };
}

/** A whole number from `min` to `max` given to `option`; a `CheckError` saying it `is` not what is wanted, and what is allowed, otherwise. */
function wholeNumber(text: string | number, option: string, range: { min: number; max: number; unit: string; is: string }): number {
    const value = String(text).trim();
    const n = /^\d+$/.test(value) ? Number(value) : NaN;
    if (!Number.isInteger(n) || n < range.min || n > range.max) {
        throw new CheckError(`${option} ${JSON.stringify(value)} is ${range.is}; allowed: whole ${range.unit} from ${range.min} to ${range.max}`);
    }
    return n;
}

/** Parses a `--timeout-ms` style value: a whole number of milliseconds from 1 to 600000. */
export function parseTimeoutMs(text: string | number | undefined, option: string, fallback: number): number {
    return text === undefined ? fallback : wholeNumber(text, option, { min: 1, max: 600_000, unit: "milliseconds", is: "not a timeout" });
}

/** Parses a whole number of seconds from `min` to `max`; undefined when not given. */
export function parseSeconds(text: string | undefined, option: string, min: number, max: number): number | undefined {
    return text === undefined ? undefined : wholeNumber(text, option, { min, max, unit: "seconds", is: "not allowed" });
}

/** How a member answered. */
export type MemberState =
    /** Answered srvr with a mode: it serves clients. */
    | "serving"
    /** A ZooKeeper that answered "not currently serving requests" (no quorum, or an election is running). */
    | "not-serving"
    /** A ZooKeeper whose 4lw.commands.whitelist leaves out srvr. */
    | "srvr-not-allowed"
    /** Connection refused, reset or timed out before an answer. */
    | "unreachable"
    /** Something answered, but not as a ZooKeeper answers srvr. */
    | "not-zookeeper";

/** One `server.N=host:quorumPort:electionPort[:role][;[clientHost:]clientPort]` line of a member's server list. */
export interface ServerLine {
    id: number;
    /** Host name or address, as the member's config writes it. */
    host: string;
    quorumPort: number;
    electionPort: number;
    /** participant or observer. */
    role: string;
    /** Client port, when the line has one (3.5+). */
    clientPort?: number;
}

/** What one member reports. Numbers are absent when the member did not tell them. */
export interface MemberReport {
    /** `host:port` as given, or where the server lists put it. */
    member: string;
    /** The member's myid (`serverId` in conf; for a member that did not tell it, the id the server lists give its address). */
    id?: number;
    /** True for a member that was not given but named by the members' server lists, and asked where they put it. */
    fromServerList?: boolean;
    /** How long the member has served in its current role, ms (`zk_uptime` in mntr, 3.6+; restarts with every election). */
    servingMs?: number;
    state: MemberState;
    /** Why the member is unreachable or not a ZooKeeper server (one line). */
    error?: string;
    /** leader, follower, observer or standalone. */
    mode?: string;
    /** Last zxid the member has seen, "0x..." hex. */
    zxid?: string;
    /** zxid >> 32: the leader epoch the member has seen. */
    epoch?: number;
    /** Requests queued but not yet processed. */
    outstanding?: number;
    /** Request latency in ms, from `mntr` when it answers, else from `srvr`. */
    latency?: { min: number; avg: number; max: number; source: "mntr" | "srvr" };
    /** Server version line. */
    version?: string;
    /** Open client connections. */
    connections?: number;
    /** znodes in the member's tree. */
    nodeCount?: number;
    /** Whether `mntr` answered (it needs mntr in 4lw.commands.whitelist). */
    mntr: boolean;
    /** `server.N=...` lines from `conf`, sorted by N; absent when unknown. */
    serverList?: string[];
    /** The same lines, parsed. */
    servers?: ServerLine[];
    /** Why the server list is unknown, when it is. */
    serverListUnknown?: string;
}

/** The quorum arithmetic behind the verdict. */
export interface QuorumReport {
    /** Voting servers the majority is taken of; absent when the members disagree on the server list. */
    size?: number;
    /** Where `size` comes from ("standalone": a one-member ensemble in standalone mode, which needs no quorum). */
    basis: "server list" | "given members" | "server lists disagree" | "standalone";
    /** Members in mode leader or follower (the one standalone server, in standalone mode). */
    voters: number;
    /** Voters a majority needs (floor(size/2) + 1). */
    needed?: number;
    formed: boolean;
}

/** The verdict of `check health`. */
export interface HealthReport {
    healthy: boolean;
    members: MemberReport[];
    /** Members in mode leader. */
    leaders: string[];
    /** The server list every member that told one agrees on; absent when unknown or disputed. */
    serverList?: string[];
    serverListsAgree: boolean;
    quorum: QuorumReport;
    /** Id of the leader, when it tells its myid. */
    leaderId?: number;
    /**
     * Members whose server list names a peer by an address where that peer no
     * longer runs (its Service name now resolves elsewhere): they cannot dial
     * it until they are rolled onto hostZooCfg (or, the leader that kept its
     * host config, move).
     */
    staleAddresses: { holder: string; holderId?: number; peerId: number; address: string; current: string[] }[];
    /**
     * After a move: whether every member has served at least the settle time
     * (so every member's DNS answers and JVM cache show moved members' new
     * addresses), and how much longer to wait when not. Absent without a
     * settle time.
     */
    settle?: { seconds: number; settled: boolean; remainingMs: number; unknown: string[] };
    /** Every problem, one line each; empty exactly when healthy. */
    problems: string[];
    /** What is worth knowing but does not fail the check, one line each. */
    warnings: string[];
}

/** What `assessHealth` needs besides the members' answers. */
export interface HealthContext {
    /** Addresses each host name in the members' server lists resolves to where the check runs; [] when it does not resolve. */
    resolved?: Record<string, string[]>;
    /** Seconds a member must have served before the ensemble counts as settled after a move (`moveSettleSeconds`); no settle check when absent or 0. */
    settleSeconds?: number;
    /** The members were asked over TLS, at their TLS client port: members the lists name are found at that port too. */
    secure?: boolean;
    /** Warn of members on a release with a defect clients feel (default true; a rehearsal reports its installed release's once). */
    releaseDefects?: boolean;
}

const NOT_ALLOWED = /is not executed because it is not in the whitelist/i;

/** One line excerpt of an answer, for messages; bytes that are not printable ASCII shown as "?". */
function excerpt(text: string, max = 60): string {
    const flat = text.replace(/\s+/g, " ").replace(/[^\x20-\x7e]/g, "?").trim();
    return JSON.stringify(flat.length > max ? `${flat.slice(0, max)}...` : flat);
}

/** `key<TAB>value` lines of a `mntr` answer; undefined when mntr was refused or the answer has no such lines. */
export function parseMntr(text: string | undefined): Record<string, string> | undefined {
    if (text === undefined || NOT_ALLOWED.test(text) || NOT_SERVING.test(text)) {
        return undefined;
    }
    const values: Record<string, string> = {};
    for (const line of text.split(/\r?\n/)) {
        const m = /^(zk_[A-Za-z0-9_]+)\s+(.*)$/.exec(line);
        if (m) {
            values[m[1]] = m[2].trim();
        }
    }
    return Object.keys(values).length > 0 ? values : undefined;
}

/**
 * The `server.N=...` lines of a `conf` answer (3.5+ prints the membership),
 * sorted by N, or why the list is unknown.
 */
export function parseServerList(text: string | undefined): { servers: string[] } | { unknown: string } {
    if (text === undefined) {
        return { unknown: "conf was not answered" };
    }
    if (NOT_ALLOWED.test(text)) {
        return { unknown: "conf is not in the member's 4lw.commands.whitelist" };
    }
    if (NOT_SERVING.test(text)) {
        return { unknown: "the member is not serving requests" };
    }
    const lines: Array<{ id: number; line: string }> = [];
    for (const raw of text.split(/\r?\n/)) {
        const m = /^\s*server\.(\d+)\s*=\s*(.*?)\s*$/.exec(raw);
        if (m) {
            lines.push({ id: Number(m[1]), line: `server.${m[1]}=${m[2]}` });
        }
    }
    if (lines.length === 0) {
        return { unknown: "conf lists no server.N lines (ZooKeeper 3.4, or a standalone server)" };
    }
    return { servers: lines.sort((a, b) => a.id - b.id).map((l) => l.line) };
}

const HOST = String.raw`(\[[0-9A-Fa-f:.]+\]|[^:;\s\[\]]+)`;
const SERVER_LINE = new RegExp(String.raw`^server\.(\d+)=${HOST}:(\d+):(\d+)(?::(participant|observer))?(?:;(?:${HOST}:)?(\d+))?$`);

/** Parses one `server.N=...` line as conf prints it (3.5+) or zoo.cfg holds it; undefined when it is not one. */
export function parseServerLine(line: string): ServerLine | undefined {
    const m = SERVER_LINE.exec(line.trim());
    if (!m) {
        return undefined;
    }
    const unbracket = (h: string) => (h.startsWith("[") ? h.slice(1, -1) : h);
    return {
        id: Number(m[1]),
        host: unbracket(m[2]).toLowerCase(),
        quorumPort: Number(m[3]),
        electionPort: Number(m[4]),
        role: m[5] ?? "participant",
        ...(m[7] !== undefined ? { clientPort: Number(m[7]) } : {}),
    };
}

/** Voting servers of a server list: every `server.N` line whose role is not observer. */
export function votingServers(serverList: string[]): number {
    return serverList.filter((line) => !/:observer(;|$)/.test(line.split("=").slice(1).join("="))).length;
}

function numberOf(text: string | undefined): number | undefined {
    if (text === undefined || !/^-?\d+(\.\d+)?$/.test(text.trim())) {
        return undefined;
    }
    return Number(text);
}

/** Raw answers of one member: each the reply text, or the error that prevented it. */
export interface MemberAnswers {
    srvr: string | Error;
    mntr?: string | Error;
    conf?: string | Error;
}

/** One member's report from its raw answers. Pure. */
export function memberReport(member: string, answers: MemberAnswers): MemberReport {
    if (answers.srvr instanceof AnswerTooLongError) {
        return { member, state: "not-zookeeper", error: `it ${answers.srvr.message} (${excerpt(answers.srvr.head)})`, mntr: false };
    }
    if (answers.srvr instanceof Error) {
        return { member, state: "unreachable", error: answers.srvr.message, mntr: false };
    }
    const text = answers.srvr;
    if (NOT_ALLOWED.test(text)) {
        return { member, state: "srvr-not-allowed", mntr: false };
    }
    if (NOT_SERVING.test(text)) {
        return { member, state: "not-serving", mntr: false, serverListUnknown: "the member is not serving requests" };
    }
    const srvr = parseSrvr(text);
    if (srvr.version === undefined || srvr.mode === undefined) {
        const what = text.trim() === "" ? "it closed the connection without answering srvr" : `it answered srvr with ${excerpt(text)}`;
        return { member, state: "not-zookeeper", error: what, mntr: false };
    }
    const mntr = parseMntr(typeof answers.mntr === "string" ? answers.mntr : undefined);
    const report: MemberReport = { member, state: "serving", mode: srvr.mode, version: srvr.version, mntr: mntr !== undefined };
    if (srvr.zxid !== undefined) {
        report.zxid = `0x${srvr.zxid.toString(16)}`;
        report.epoch = srvr.epoch;
    }
    const outstanding = numberOf(mntr?.zk_outstanding_requests) ?? srvr.outstanding;
    if (outstanding !== undefined) {
        report.outstanding = outstanding;
    }
    const fromMntr = [mntr?.zk_min_latency, mntr?.zk_avg_latency, mntr?.zk_max_latency].map(numberOf);
    const fromSrvr = (srvr.fields["Latency min/avg/max"] ?? "").split("/").map(numberOf);
    if (fromMntr.length === 3 && fromMntr.every((n) => n !== undefined)) {
        report.latency = { min: fromMntr[0]!, avg: fromMntr[1]!, max: fromMntr[2]!, source: "mntr" };
    } else if (fromSrvr.length === 3 && fromSrvr.every((n) => n !== undefined)) {
        report.latency = { min: fromSrvr[0]!, avg: fromSrvr[1]!, max: fromSrvr[2]!, source: "srvr" };
    }
    if (srvr.connections !== undefined) {
        report.connections = srvr.connections;
    }
    const nodeCount = srvr.nodeCount ?? numberOf(mntr?.zk_znode_count);
    if (nodeCount !== undefined) {
        report.nodeCount = nodeCount;
    }
    const uptime = numberOf(mntr?.zk_uptime);
    if (uptime !== undefined) {
        report.servingMs = uptime;
    }
    const confText = answers.conf instanceof Error ? undefined : answers.conf;
    const serverId = confText === undefined ? undefined : /^serverId=(\d+)\s*$/m.exec(confText)?.[1];
    // A standalone server answers serverId=0 whatever its myid file says.
    if (serverId !== undefined && srvr.mode !== "standalone") {
        report.id = Number(serverId);
    }
    const list = parseServerList(confText);
    if ("servers" in list) {
        report.serverList = list.servers;
        const parsed = list.servers.map(parseServerLine);
        if (parsed.every((p) => p !== undefined)) {
            report.servers = parsed as ServerLine[];
        }
    } else {
        report.serverListUnknown = answers.conf instanceof Error ? `conf was not answered: ${answers.conf.message}` : list.unknown;
    }
    return report;
}

/** A member in problems: as given, or its id and where the server lists put it. */
function who(m: MemberReport): string {
    return m.fromServerList ? `member ${m.id ?? "?"} (${m.member}, from the server lists)` : m.member;
}

/** What is wrong with one member, if anything; `alone` when it is the only member (standalone is then fine). */
function memberProblem(m: MemberReport, alone: boolean): string | undefined {
    switch (m.state) {
        case "unreachable":
            return `${who(m)} is unreachable: ${m.error}`;
        case "not-zookeeper":
            return `${who(m)} is not a ZooKeeper server: ${m.error}`;
        case "srvr-not-allowed":
            return `${who(m)} refuses srvr; allowed: a member whose 4lw.commands.whitelist includes srvr`;
        case "not-serving":
            return `${who(m)} is not serving requests (no quorum, or a leader election is running)`;
        default:
            return m.mode === "standalone" && !alone
                ? `${who(m)} runs standalone, outside any quorum; allowed: leader, follower or observer (standalone only as the one member of a one-member ensemble)`
                : undefined;
    }
}

/** How a member is called in messages: its myid when known, and the address it was asked at. */
function label(m: MemberReport): string {
    return m.id !== undefined ? `member ${m.id} (${m.member})` : m.member;
}

const isAddress = (host: string) => net.isIP(host) !== 0;

/**
 * A server line without its host: what must be the same on every member. The
 * client port is left out: a 3.5+ member whose config gives it as `clientPort=`
 * prints server lines without one, beside members whose lines carry it.
 */
function shape(l: ServerLine): string {
    return `${l.id}:${l.quorumPort}:${l.electionPort}:${l.role}`;
}

/** The host of a `host:port` member text (IPv6 without brackets). */
function hostOf(member: string): string {
    const host = member.slice(0, member.lastIndexOf(":"));
    return host.startsWith("[") ? host.slice(1, -1) : host;
}

/** Where a server line says its member takes clients: its host, and its client port, else `port` (the port its holder was asked at). */
function clientEndpointOf(l: ServerLine, port: number, secure = false): Endpoint {
    // Over TLS the members answer on their TLS client port; a line's client port is the plaintext one.
    return { host: l.host, port: secure ? port : (l.clientPort ?? port) };
}

/** The port of a `host:port` member text. */
function portOf(member: string): number {
    return Number(member.slice(member.lastIndexOf(":") + 1));
}

/**
 * Every member the members' server lists name, by id, with where the first
 * list naming it puts it. The lists, not the members given, are the truth
 * about who the members are.
 */
function listedMembers(members: MemberReport[], secure = false): Map<number, Endpoint[]> {
    const listed = new Map<number, Endpoint[]>();
    for (const m of members) {
        for (const l of m.servers ?? []) {
            const at = clientEndpointOf(l, portOf(m.member), secure);
            const places = listed.get(l.id) ?? [];
            if (!places.some((p) => endpointText(p) === endpointText(at))) {
                places.push(at);
            }
            listed.set(l.id, places);
        }
    }
    return new Map([...listed].sort((a, b) => a[0] - b[0]));
}

interface ServerListVerdict {
    agree: boolean;
    /** The list to show as agreed (names preferred to addresses). */
    agreed?: string[];
    /** Voting servers of the agreed list. */
    voting?: number;
    problems: string[];
    warnings: string[];
    stale: HealthReport["staleAddresses"];
}

/**
 * Compares the members' server lists by id, ports and role, and each peer's
 * host by where it leads. One member may name a peer by its Service name and
 * another by the address (or legacy host name) that leads to the same place:
 * in the middle of a member swap's embrace, hosts not yet rolled name their
 * peers as their original config did. Where a member answered this check is
 * where it runs now; a member naming it by a host that leads elsewhere holds
 * its old address. Lists that name every peer alike need no lookup at all.
 */
function compareServerLists(members: MemberReport[], leaderLabels: string[], resolved: Record<string, string[]>): ServerListVerdict {
    const told = members.filter((m) => m.serverList !== undefined);
    const out: ServerListVerdict = { agree: true, problems: [], warnings: [], stale: [] };
    if (told.length === 0) {
        return out;
    }
    const disagree = () => {
        const groups = new Map<string, { servers: string[]; members: string[] }>();
        for (const m of told) {
            const key = m.serverList!.join("\n");
            const group = groups.get(key) ?? { servers: m.serverList!, members: [] };
            group.members.push(m.member);
            groups.set(key, group);
        }
        const views = [...groups.values()].map((g) => `${g.members.join(", ")} ${g.members.length === 1 ? "sees" : "see"} [${g.servers.join(" ")}]`);
        return `members disagree on the server list: ${views.join("; ")}; allowed: one server list for every member`;
    };
    // Lines that could not be parsed (an unknown format) can only be compared as text.
    if (told.some((m) => m.servers === undefined)) {
        const texts = new Set(told.map((m) => m.serverList!.join("\n")));
        if (texts.size > 1) {
            out.agree = false;
            out.problems.push(disagree());
        }
        out.agreed = out.agree ? told[0].serverList : undefined;
        out.voting = out.agreed ? votingServers(out.agreed) : undefined;
        return out;
    }
    const shapes = new Set(told.map((m) => m.servers!.map(shape).join(",")));
    if (shapes.size > 1) {
        out.agree = false;
        out.problems.push(disagree());
        return out;
    }
    const addressesOf = (host: string) => (isAddress(host) ? [host] : (resolved[host] ?? []));
    // Two members answering with one id are two ensembles mixed up: their lists are compared as they are.
    const answered = members.filter((m) => m.id !== undefined && m.state === "serving");
    const twice = new Set(answered.filter((m, i) => answered.findIndex((o) => o.id === m.id) !== i).map((m) => m.id!));
    const answeredAt = new Map(answered.filter((m) => !twice.has(m.id!)).map((m) => [m.id!, addressesOf(hostOf(m.member))] as const));
    const ids = told[0].servers!.map((l) => l.id);
    let mixed = false;
    for (const id of ids) {
        const entries = told.map((m) => ({ m, host: m.servers!.find((l) => l.id === id)!.host }));
        const hosts = [...new Set(entries.map((e) => e.host))];
        if (hosts.length === 1) {
            continue;
        }
        const unresolved = hosts.filter((h) => addressesOf(h).length === 0);
        if (unresolved.length > 0) {
            out.problems.push(
                `cannot tell where member ${id} is: ${unresolved.join(", ")} does not resolve where this check runs; run it where the cluster's names resolve (in the cluster, or on a host that forwards to its DNS)`,
            );
            continue;
        }
        if (twice.has(id)) {
            out.agree = false;
            continue;
        }
        // Where the member runs now: where it answered, else where the Service names lead (they move; literals stay behind).
        let current = answeredAt.get(id) ?? [];
        let basis = `member ${id} now answers at`;
        if (current.length === 0) {
            const names = hosts.filter((h) => !isAddress(h));
            const sets = names.map((n) => new Set(addressesOf(n)));
            if (names.length === 0 || sets.some((a) => sets.some((b) => ![...a].some((x) => b.has(x))))) {
                out.agree = false;
                continue;
            }
            current = [...new Set(names.flatMap(addressesOf))].sort();
            basis = `member ${id}'s name now leads to`;
        }
        for (const e of entries) {
            const addresses = addressesOf(e.host);
            if (addresses.some((a) => current.includes(a))) {
                mixed = true;
            } else {
                out.stale.push({ holder: e.m.member, ...(e.m.id !== undefined ? { holderId: e.m.id } : {}), peerId: id, address: e.host, current });
                const at = isAddress(e.host) ? e.host : `${e.host} (${addresses.join(", ")})`;
                const line = `${label(e.m)} names member ${id} at ${at}, but ${basis} ${current.join(", ")}: it cannot dial member ${id} itself`;
                if (leaderLabels.includes(e.m.member)) {
                    out.warnings.push(`${line} (expected while the leader keeps its host config until it moves; if it restarts before, roll hostZooCfg onto it first)`);
                } else {
                    out.problems.push(`${line}; allowed: roll hostZooCfg (peers by Service name) onto it`);
                }
            }
        }
    }
    if (!out.agree) {
        out.problems.push(disagree());
        return out;
    }
    if (mixed) {
        out.warnings.push("members name some peers differently (a Service name, an address or a host name) that lead to the same place: a member swap's embrace is under way");
    }
    const byName = told.find((m) => m.servers!.every((l) => !isAddress(l.host))) ?? told[0];
    out.agreed = byName.serverList;
    out.voting = votingServers(byName.serverList!);
    return out;
}

/** A warning per ZooKeeper release with a defect the clients feel, naming the members that run it. */
function defectWarnings(members: MemberReport[]): string[] {
    const byVersion = new Map<string, string[]>();
    for (const m of members) {
        const v = parseZooKeeperVersion(/^\d+\.\d+\.\d+/.exec(m.version ?? "")?.[0] ?? "");
        if (!("error" in v) && featuresOf(v).lostCommitWakeup) {
            byVersion.set(v.text, [...(byVersion.get(v.text) ?? []), m.id !== undefined ? String(m.id) : m.member]);
        }
    }
    return [...byVersion].map(([text, who]) => {
        const named = who.length === 1 ? `member ${who[0]} runs` : `members ${who.slice(0, -1).join(", ")} and ${who[who.length - 1]} run`;
        return `${named} ZooKeeper ${text}, which has ${LOST_COMMIT_WAKEUP_TEXT}`;
    });
}

/** The verdict over every member's report. Pure. */
export function assessHealth(members: MemberReport[], context: HealthContext = {}): HealthReport {
    const problems: string[] = [];
    const warnings: string[] = [];
    // A one-member ensemble serves in standalone mode: no leader, no quorum to form.
    const standalone = members.length === 1 && members[0].state === "serving" && members[0].mode === "standalone";
    for (const m of members) {
        const p = memberProblem(m, standalone);
        if (p !== undefined) {
            problems.push(p);
        }
        if (m.fromServerList) {
            warnings.push(`member ${m.id ?? "?"} was not among the members given; it was asked at ${m.member}, where the server lists name it`);
        }
    }
    if (context.releaseDefects !== false) {
        warnings.push(...defectWarnings(members));
    }
    // Every member the server lists name must have been asked, and answered as itself.
    const accounted = new Set(members.filter((m) => m.id !== undefined).map((m) => m.id!));
    for (const [id, places] of listedMembers(members, context.secure)) {
        if (!accounted.has(id)) {
            problems.push(`member ${id} is in the members' server lists (at ${places.map(endpointText).join(", ")}) but no member answered as member ${id}`);
        }
    }

    const leaderReports = members.filter((m) => m.mode === "leader");
    const leaders = leaderReports.map((m) => m.member);
    if (standalone) {
        // Its own leader, as it were: nothing more to check.
    } else if (leaders.length === 0) {
        problems.push(`no member is the leader; allowed: exactly one leader`);
    } else if (leaders.length > 1) {
        problems.push(`${leaders.length} members claim to be the leader (${leaders.join(", ")}); allowed: exactly one leader (are members of different ensembles mixed up?)`);
    }

    const lists = compareServerLists(members, leaders, context.resolved ?? {});
    problems.push(...lists.problems);
    warnings.push(...lists.warnings);
    const serverListsAgree = lists.agree;
    const serverList = lists.agreed;

    const voters = members.filter((m) => m.mode === "leader" || m.mode === "follower").length;
    let quorum: QuorumReport;
    if (standalone) {
        quorum = { size: 1, basis: "standalone", voters: 1, needed: 1, formed: true };
    } else if (!serverListsAgree) {
        quorum = { basis: "server lists disagree", voters, formed: false };
    } else {
        const size = lists.voting ?? members.length;
        const needed = Math.floor(size / 2) + 1;
        const formed = voters >= needed;
        quorum = { size, basis: serverList !== undefined ? "server list" : "given members", voters, needed, formed };
        if (!formed) {
            const of = serverList !== undefined ? `${size} voting servers in the server list` : `${size} given members (server list unknown)`;
            problems.push(`no quorum: ${voters} of ${of} are leader or follower; a quorum needs ${needed}`);
        }
    }

    // After a move, every member must have had time to see moved members' new addresses.
    let settle: HealthReport["settle"];
    const seconds = context.settleSeconds ?? 0;
    if (seconds > 0) {
        const serving = members.filter((m) => m.state === "serving");
        let remainingMs = 0;
        const unknown: string[] = [];
        for (const m of serving) {
            if (m.servingMs === undefined) {
                unknown.push(m.member);
                problems.push(
                    `${label(m)} does not tell how long it has served (zk_uptime in mntr needs ZooKeeper 3.6+ and mntr whitelisted): the ensemble must stay healthy for ${seconds} s instead (check health --wait)`,
                );
                continue;
            }
            const left = seconds * 1000 - m.servingMs;
            if (left > 0) {
                remainingMs = Math.max(remainingMs, left);
                const others = serving.filter((o) => o !== m).map((o) => (o.id !== undefined ? String(o.id) : o.member));
                problems.push(
                    `${label(m)} has served for ${(m.servingMs / 1000).toFixed(1)} s (since it started or changed role); if it just moved, members ${others.join(", ")} may still hold its old address for up to ${(left / 1000).toFixed(1)} s more (settle time ${seconds} s: cluster DNS TTL + JVM DNS cache + 1 s)`,
                );
            }
        }
        settle = { seconds, settled: serving.length > 0 && remainingMs === 0 && unknown.length === 0, remainingMs, unknown };
    }

    const leaderId = leaderReports.length === 1 ? leaderReports[0].id : undefined;
    return {
        healthy: problems.length === 0,
        members,
        leaders,
        ...(serverList !== undefined ? { serverList } : {}),
        serverListsAgree,
        quorum,
        ...(leaderId !== undefined ? { leaderId } : {}),
        staleAddresses: lists.stale,
        ...(settle ? { settle } : {}),
        problems,
        warnings,
    };
}

/** A four-letter word whose partial answer at the timeout still counts (see `fourLetterWord`); over TLS with `tls`. */
export function askFourLetterWord(host: string, port: number, word: string, timeoutMs: number, tls?: ClientTls): Promise<string> {
    return fourLetterWord(host, port, word, timeoutMs, { partialOnTimeout: true, ...(tls ? { tls } : {}) });
}

const asError = (err: unknown): Error => (err instanceof Error ? err : new Error(String(err)));

/** Asks one member srvr, then (if it serves) mntr and conf, and builds its report. Never throws. */
export async function probeMember(endpoint: Endpoint, timeoutMs: number, tls?: ClientTls): Promise<MemberReport> {
    const { host, port } = endpoint;
    const member = endpointText(endpoint);
    const srvrAnswer = await askFourLetterWord(host, port, "srvr", timeoutMs, tls).catch(asError);
    const first = memberReport(member, { srvr: srvrAnswer });
    if (first.state !== "serving" || srvrAnswer instanceof Error) {
        return first;
    }
    const [mntr, conf] = await Promise.all(["mntr", "conf"].map((w) => askFourLetterWord(host, port, w, timeoutMs, tls).catch(asError)));
    return memberReport(member, { srvr: srvrAnswer, mntr, conf });
}

/** Options of `checkHealth`. */
export interface HealthOptions {
    /** Deadline of each four-letter word (and each name lookup), ms. Default 3000. */
    timeoutMs?: number;
    /** See `HealthContext.settleSeconds`. */
    settleSeconds?: number;
    /** Ask every member over TLS (the members given are at their TLS client port). */
    tls?: ClientTls;
    /** See `HealthContext.releaseDefects`. */
    releaseDefects?: boolean;
}

/**
 * The addresses `host` resolves to here, through the system resolver (as the
 * members' own lookups go); [] when it does not resolve within `timeoutMs`.
 */
export function resolveHost(host: string, timeoutMs: number): Promise<string[]> {
    if (isAddress(host)) {
        return Promise.resolve([host]);
    }
    return new Promise((resolve) => {
        const timer = setTimeout(() => resolve([]), timeoutMs);
        dns.lookup(host, { all: true }, (err, addresses) => {
            clearTimeout(timer);
            resolve(err ? [] : [...new Set(addresses.map((a) => a.address))].sort());
        });
    });
}

/**
 * A member the server lists name at `places` (none of them given): asked at
 * each until one serves as that member. Its report, marked `fromServerList`;
 * when none serves, the first place's report, with the id the lists give.
 */
async function askListedMember(id: number, places: Endpoint[], timeoutMs: number, tls?: ClientTls): Promise<MemberReport> {
    let first: MemberReport | undefined;
    for (const place of places) {
        const report = await probeMember(place, timeoutMs, tls);
        if (report.state === "serving" && (report.id === undefined || report.id === id)) {
            return { ...report, id, fromServerList: true };
        }
        first ??= report;
    }
    return { ...first!, id: first!.id ?? id, fromServerList: true };
}

/**
 * Members the given members' server lists name but none answered as: a given
 * member at a place the lists give that did not tell its id (unreachable, not
 * serving, conf not whitelisted) takes that id; the others are asked where
 * the lists put them. Returns the reports of those asked.
 */
async function askListedMembers(given: MemberReport[], endpoints: Endpoint[], resolved: Record<string, string[]>, timeoutMs: number, tls?: ClientTls): Promise<MemberReport[]> {
    const answered = new Set(given.filter((m) => m.id !== undefined).map((m) => m.id!));
    const addressesOf = (host: string) => (isAddress(host) ? [host] : (resolved[host] ?? []));
    const samePlace = (a: Endpoint, b: Endpoint) => a.port === b.port && (a.host === b.host || addressesOf(a.host).some((x) => addressesOf(b.host).includes(x)));
    const asked: Promise<MemberReport>[] = [];
    for (const [id, places] of listedMembers(given, tls !== undefined)) {
        if (answered.has(id)) {
            continue;
        }
        const at = given.findIndex((m, i) => m.id === undefined && places.some((p) => samePlace(p, endpoints[i])));
        if (at >= 0) {
            given[at].id = id;
            continue;
        }
        asked.push(askListedMember(id, places, timeoutMs, tls));
    }
    return Promise.all(asked);
}

/**
 * Probes every given member at once, then every member their server lists
 * name that was not given (where the lists put it), resolves the names in the
 * lists, and returns the verdict. `connect` is a connect string (as for
 * `--connect`) or parsed endpoints.
 */
export async function checkHealth(connect: string | Endpoint[], options: HealthOptions = {}): Promise<HealthReport> {
    const endpoints = typeof connect === "string" ? parseConnectString(connect, "--connect").members : connect;
    const timeoutMs = options.timeoutMs ?? 3_000;
    const given = await Promise.all(endpoints.map((e) => probeMember(e, timeoutMs, options.tls)));
    // Server-list hosts, and where each member was reached (where it runs now).
    const hostsOf = (members: MemberReport[]) => members.flatMap((m) => [...(m.servers ?? []).map((l) => l.host), hostOf(m.member)]);
    const resolve = async (hosts: string[], known: Record<string, string[]>) => {
        const names = [...new Set(hosts.filter((h) => !isAddress(h) && !(h in known)))].sort();
        return { ...known, ...Object.fromEntries(await Promise.all(names.map(async (n) => [n, await resolveHost(n, timeoutMs)] as const))) };
    };
    let resolved = await resolve([...hostsOf(given), ...endpoints.map((e) => e.host)], {});
    const listed = await askListedMembers(given, endpoints, resolved, timeoutMs, options.tls);
    resolved = await resolve(hostsOf(listed), resolved);
    return assessHealth([...given, ...listed], { resolved, settleSeconds: options.settleSeconds, secure: options.tls !== undefined, releaseDefects: options.releaseDefects });
}

/** A `checkHealth` repeated until healthy, with how long it took. */
export interface HealthWait {
    report: HealthReport;
    waitedMs: number;
    attempts: number;
    /** Every distinct problem seen while waiting, with how many checks reported it (for "why did the gate wait"). */
    seen: { problem: string; times: number }[];
}

/** Problems with their measured durations blanked, so "served for 3.1 s" and "4.2 s" count as one reason. */
function reasonOf(problem: string): string {
    return problem.replace(/\d+\.\d+ s\b/g, "N s");
}

/** Checks every `intervalMs` (default 1000) until healthy or `waitMs` has passed; resolves with the last report either way. */
export async function waitForHealth(
    connect: string | Endpoint[],
    options: HealthOptions & { waitMs: number; intervalMs?: number; abortIf?: () => string | undefined },
): Promise<HealthWait> {
    const start = Date.now();
    const seen = new Map<string, number>();
    // Members that cannot tell how long they have served: the ensemble must stay healthy for the settle time instead.
    let healthySince: number | undefined;
    for (let attempts = 1; ; attempts++) {
        const abort = options.abortIf?.();
        if (abort !== undefined) {
            throw new Error(`gave up waiting for a healthy ensemble: ${abort}`);
        }
        let report = await checkHealth(connect, options);
        const settle = report.settle;
        if (settle && settle.unknown.length > 0 && report.problems.length === settle.unknown.length && settle.remainingMs === 0) {
            healthySince ??= Date.now();
            if (Date.now() - healthySince >= settle.seconds * 1000) {
                report = {
                    ...report,
                    healthy: true,
                    problems: [],
                    settle: { ...settle, settled: true },
                    warnings: [...report.warnings, `how long ${settle.unknown.join(", ")} served is unknown (no zk_uptime): the ensemble stayed healthy for ${settle.seconds} s instead`],
                };
            }
        } else {
            healthySince = undefined;
        }
        for (const p of new Set(report.problems.map(reasonOf))) {
            seen.set(p, (seen.get(p) ?? 0) + 1);
        }
        const waitedMs = Date.now() - start;
        if (report.healthy || waitedMs >= options.waitMs) {
            return { report, waitedMs, attempts, seen: [...seen].map(([problem, times]) => ({ problem, times })) };
        }
        await new Promise((r) => setTimeout(r, Math.min(options.intervalMs ?? 1_000, Math.max(0, options.waitMs - waitedMs))));
    }
}

function pad(rows: string[][]): string {
    const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
    return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join("  ").trimEnd()).join("\n") + "\n";
}

/** The report for people: a table of members, the server list, the quorum and every problem one line each. */
export function healthText(report: HealthReport): string {
    const lines: string[] = [];
    lines.push(`ZooKeeper health of ${report.members.length} member${report.members.length === 1 ? "" : "s"}: ${report.healthy ? "HEALTHY" : "UNHEALTHY"}`);
    lines.push("");
    const rows = [["member", "id", "state", "mode", "zxid", "epoch", "serving s", "outstanding", "latency min/avg/max ms", "server list"]];
    for (const m of report.members) {
        rows.push([
            m.member,
            m.id === undefined ? "-" : String(m.id),
            m.state,
            m.mode ?? "-",
            m.zxid ?? "-",
            m.epoch === undefined ? "-" : String(m.epoch),
            m.servingMs === undefined ? "-" : (m.servingMs / 1000).toFixed(1),
            m.outstanding === undefined ? "-" : String(m.outstanding),
            m.latency ? `${m.latency.min}/${m.latency.avg}/${m.latency.max} (${m.latency.source})` : "-",
            m.serverList ? `${m.serverList.length} servers` : m.state === "serving" ? `unknown: ${m.serverListUnknown}` : "-",
        ]);
    }
    let text = lines.join("\n") + "\n" + pad(rows) + "\n";
    if (report.serverList) {
        text += `server list (agreed):\n${report.serverList.map((s) => `  ${s}`).join("\n")}\n`;
    } else if (report.serverListsAgree) {
        text += "server list: unknown (no member answered conf with server.N lines)\n";
    }
    const q = report.quorum;
    text +=
        q.basis === "standalone"
            ? "quorum: standalone (a one-member ensemble needs no quorum): serving\n"
            : q.size === undefined
            ? `quorum: unknown, the server lists disagree (${q.voters} members are leader or follower)\n`
            : `quorum: ${q.voters} of ${q.size} voting servers (${q.basis}) are leader or follower; needs ${q.needed}: ${q.formed ? "formed" : "NOT formed"}\n`;
    if (report.settle && !report.members.some((m) => m.state === "serving")) {
        text += "settle: unknown, no member serves\n";
    } else if (report.settle && report.settle.unknown.length > 0) {
        text += `settle: unknown for ${report.settle.unknown.join(", ")} (no zk_uptime); with --wait the check passes once healthy for ${report.settle.seconds} s\n`;
    } else if (report.settle) {
        text += report.settle.settled
            ? `settled: every member has served at least ${report.settle.seconds} s, so all see moved members' new addresses\n`
            : `NOT settled: wait ${(report.settle.remainingMs / 1000).toFixed(1)} s more (settle time ${report.settle.seconds} s)\n`;
    }
    if (report.problems.length > 0) {
        text += `\nproblems (${report.problems.length}):\n${report.problems.map((p) => `  - ${p}`).join("\n")}\n`;
    }
    if (report.warnings.length > 0) {
        text += `\nwarnings (${report.warnings.length}, not failing):\n${report.warnings.map((p) => `  - ${p}`).join("\n")}\n`;
    }
    return text;
}

/** The report as exactly one JSON document. */
export function healthJson(report: HealthReport): string {
    return JSON.stringify(report, null, 2) + "\n";
}
