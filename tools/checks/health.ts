/**
 * `check health`: asks every member of an ensemble `srvr`, `mntr` and `conf`
 * and decides whether the ensemble is fit for the next cutover stage: every
 * member answers, exactly one leader, a quorum of voters, one server list.
 *
 * The I/O (`probeMember`, `checkHealth`) is a thin layer over pure functions:
 * `parseConnectString`, `parseServerList`, `parseMntr`, `memberReport` (raw
 * answers -> one member's report) and `assessHealth` (reports -> verdict).
 */
import { UserInputError } from "../errors";
import { fourLetterWord, NOT_SERVING, parseSrvr } from "../zookeeper/process";

/** A user mistake in a check's options (or a side that cannot be checked): printed as one line, exit code 2. */
export class CheckError extends UserInputError {
    readonly exitCode = 2;

    constructor(message: string) {
        super(message, "CheckError");
    }
}

/** One member address of a connect string. */
export interface Endpoint {
    host: string;
    port: number;
}

/** `host:port`, IPv6 hosts in brackets. */
export function endpointText(e: Endpoint): string {
    return e.host.includes(":") ? `[${e.host}]:${e.port}` : `${e.host}:${e.port}`;
}

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

/** Parses a `--timeout-ms` style value: a whole number of milliseconds from 1 to 600000. */
export function parseTimeoutMs(text: string | number | undefined, option: string, fallback: number): number {
    if (text === undefined) {
        return fallback;
    }
    const value = String(text).trim();
    const n = /^\d+$/.test(value) ? Number(value) : NaN;
    if (!Number.isInteger(n) || n < 1 || n > 600_000) {
        throw new CheckError(`${option} ${JSON.stringify(value)} is not a timeout; allowed: whole milliseconds from 1 to 600000`);
    }
    return n;
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

/** What one member reports. Numbers are absent when the member did not tell them. */
export interface MemberReport {
    /** `host:port` as given. */
    member: string;
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
    /** Why the server list is unknown, when it is. */
    serverListUnknown?: string;
}

/** The quorum arithmetic behind the verdict. */
export interface QuorumReport {
    /** Voting servers the majority is taken of; absent when the members disagree on the server list. */
    size?: number;
    /** Where `size` comes from. */
    basis: "server list" | "given members" | "server lists disagree";
    /** Given members in mode leader or follower. */
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
    /** Every problem, one line each; empty exactly when healthy. */
    problems: string[];
}

const NOT_ALLOWED = /is not executed because it is not in the whitelist/i;

/** One line excerpt of an answer, for messages. */
function excerpt(text: string, max = 60): string {
    const flat = text.replace(/\s+/g, " ").trim();
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
    const list = parseServerList(answers.conf instanceof Error ? undefined : answers.conf);
    if ("servers" in list) {
        report.serverList = list.servers;
    } else {
        report.serverListUnknown = answers.conf instanceof Error ? `conf was not answered: ${answers.conf.message}` : list.unknown;
    }
    return report;
}

function memberProblem(m: MemberReport): string | undefined {
    switch (m.state) {
        case "unreachable":
            return `${m.member} is unreachable: ${m.error}`;
        case "not-zookeeper":
            return `${m.member} is not a ZooKeeper server: ${m.error}`;
        case "srvr-not-allowed":
            return `${m.member} refuses srvr; allowed: a member whose 4lw.commands.whitelist includes srvr`;
        case "not-serving":
            return `${m.member} is not serving requests (no quorum, or a leader election is running)`;
        default:
            return m.mode === "standalone" ? `${m.member} runs standalone, outside any quorum; allowed: leader, follower or observer` : undefined;
    }
}

/** The verdict over every member's report. Pure. */
export function assessHealth(members: MemberReport[]): HealthReport {
    const problems: string[] = [];
    for (const m of members) {
        const p = memberProblem(m);
        if (p !== undefined) {
            problems.push(p);
        }
    }

    const leaders = members.filter((m) => m.mode === "leader").map((m) => m.member);
    if (leaders.length === 0) {
        problems.push(`no member is the leader; allowed: exactly one leader`);
    } else if (leaders.length > 1) {
        problems.push(`${leaders.length} members claim to be the leader (${leaders.join(", ")}); allowed: exactly one leader (are members of different ensembles mixed up?)`);
    }

    // Group the members by the server list they told.
    const groups = new Map<string, { servers: string[]; members: string[] }>();
    for (const m of members) {
        if (m.serverList !== undefined) {
            const key = m.serverList.join("\n");
            const group = groups.get(key) ?? { servers: m.serverList, members: [] };
            group.members.push(m.member);
            groups.set(key, group);
        }
    }
    const serverListsAgree = groups.size <= 1;
    const serverList = groups.size === 1 ? [...groups.values()][0].servers : undefined;
    if (!serverListsAgree) {
        const views = [...groups.values()].map((g) => `${g.members.join(", ")} ${g.members.length === 1 ? "sees" : "see"} [${g.servers.join(" ")}]`);
        problems.push(`members disagree on the server list: ${views.join("; ")}; allowed: one server list for every member`);
    }

    const voters = members.filter((m) => m.mode === "leader" || m.mode === "follower").length;
    let quorum: QuorumReport;
    if (!serverListsAgree) {
        quorum = { basis: "server lists disagree", voters, formed: false };
    } else {
        const size = serverList !== undefined ? votingServers(serverList) : members.length;
        const needed = Math.floor(size / 2) + 1;
        const formed = voters >= needed;
        quorum = { size, basis: serverList !== undefined ? "server list" : "given members", voters, needed, formed };
        if (!formed) {
            const of = serverList !== undefined ? `${size} voting servers in the server list` : `${size} given members (server list unknown)`;
            problems.push(`no quorum: ${voters} of ${of} are leader or follower; a quorum needs ${needed}`);
        }
    }

    return {
        healthy: problems.length === 0,
        members,
        leaders,
        ...(serverList !== undefined ? { serverList } : {}),
        serverListsAgree,
        quorum,
        problems,
    };
}

/** A four-letter word whose partial answer at the timeout still counts (see `fourLetterWord`). */
export function askFourLetterWord(host: string, port: number, word: string, timeoutMs: number): Promise<string> {
    return fourLetterWord(host, port, word, timeoutMs, { partialOnTimeout: true });
}

const asError = (err: unknown): Error => (err instanceof Error ? err : new Error(String(err)));

/** Asks one member srvr, then (if it serves) mntr and conf, and builds its report. Never throws. */
export async function probeMember(endpoint: Endpoint, timeoutMs: number): Promise<MemberReport> {
    const { host, port } = endpoint;
    const member = endpointText(endpoint);
    const srvrAnswer = await askFourLetterWord(host, port, "srvr", timeoutMs).catch(asError);
    const first = memberReport(member, { srvr: srvrAnswer });
    if (first.state !== "serving" || srvrAnswer instanceof Error) {
        return first;
    }
    const [mntr, conf] = await Promise.all(["mntr", "conf"].map((w) => askFourLetterWord(host, port, w, timeoutMs).catch(asError)));
    return memberReport(member, { srvr: srvrAnswer, mntr, conf });
}

/** Options of `checkHealth`. */
export interface HealthOptions {
    /** Deadline of each four-letter word, ms. Default 3000. */
    timeoutMs?: number;
}

/** Probes every member at once and returns the verdict. `connect` is a connect string (as for `--connect`) or parsed endpoints. */
export async function checkHealth(connect: string | Endpoint[], options: HealthOptions = {}): Promise<HealthReport> {
    const endpoints = typeof connect === "string" ? parseConnectString(connect, "--connect").members : connect;
    const timeoutMs = options.timeoutMs ?? 3_000;
    return assessHealth(await Promise.all(endpoints.map((e) => probeMember(e, timeoutMs))));
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
    const rows = [["member", "state", "mode", "zxid", "epoch", "outstanding", "latency min/avg/max ms", "server list"]];
    for (const m of report.members) {
        rows.push([
            m.member,
            m.state,
            m.mode ?? "-",
            m.zxid ?? "-",
            m.epoch === undefined ? "-" : String(m.epoch),
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
        q.size === undefined
            ? `quorum: unknown, the server lists disagree (${q.voters} members are leader or follower)\n`
            : `quorum: ${q.voters} of ${q.size} voting servers (${q.basis}) are leader or follower; needs ${q.needed}: ${q.formed ? "formed" : "NOT formed"}\n`;
    if (report.problems.length > 0) {
        text += `\nproblems (${report.problems.length}):\n${report.problems.map((p) => `  - ${p}`).join("\n")}\n`;
    }
    return text;
}

/** The report as exactly one JSON document. */
export function healthJson(report: HealthReport): string {
    return JSON.stringify(report, null, 2) + "\n";
}
