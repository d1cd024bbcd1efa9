/**
 * The rehearsal's network: every "host" and "pod" is a Linux network
 * namespace with its own address on one bridge, so each member binds its
 * ports on all interfaces exactly as the rendered configs say
 * (`quorumListenOnAllIPs=true`, client port on every interface) and probes
 * ask 127.0.0.1 inside their own namespace, as in a pod. Addresses come from
 * 198.18.0.0/15, the range set aside for network tests (RFC 2544); this
 * process reaches every namespace through the bridge. Needs root (or
 * CAP_NET_ADMIN and CAP_SYS_ADMIN) and iproute2.
 *
 * Names carry this process's PID (in base 36), and a running rehearsal keeps
 * a heartbeat file beside the namespaces (/run), so a later run removes what a
 * killed run left behind (`sweepStale`) and never what a live run in another
 * PID namespace (a container, CI) holds, whose PID means nothing here.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { UserInputError } from "../errors";

/** Where `ip netns exec` finds files it binds over /etc inside a namespace (here: /etc/hosts, the cluster DNS). */
const NETNS_ETC = "/etc/netns";
const PREFIX = "zkr";
/** Heartbeats of running rehearsals, one file per run, touched every few seconds. */
export const HEARTBEATS = "/run/zk-cutover/rehearsals";
const HEARTBEAT_EVERY_MS = 5_000;
/** A run whose heartbeat is older than this has stopped (killed outright). */
const HEARTBEAT_STALE_MS = 30_000;

/** The rehearsal cannot build its network here: one line, no stack trace. */
export class NetworkUnavailableError extends UserInputError {
    constructor(message: string) {
        super(message, "NetworkUnavailableError");
    }
}

function ip(args: string[], allowFailure = false): string {
    const r = spawnSync("ip", args, { encoding: "utf8", timeout: 10_000 });
    if (r.error || (r.status !== 0 && !allowFailure)) {
        throw new Error(`ip ${args.join(" ")} failed: ${(r.error?.message ?? r.stderr).trim()}`);
    }
    return r.stdout;
}

function alive(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch (err) {
        return (err as NodeJS.ErrnoException).code === "EPERM";
    }
}

/** Why this machine cannot run the rehearsal's network, or undefined when it can. */
export function networkUnavailableReason(): string | undefined {
    if (process.platform !== "linux") {
        return `the rehearsal builds its network from Linux network namespaces; this is ${process.platform}`;
    }
    if (spawnSync("ip", ["-V"], { encoding: "utf8" }).error) {
        return "the rehearsal needs iproute2's ip command (apt-get install -y iproute2)";
    }
    if (typeof process.getuid === "function" && process.getuid() !== 0) {
        return "the rehearsal creates network namespaces for its hosts and pods, which needs root: run it with sudo";
    }
    return undefined;
}

/** A run's id: the owner's PID in base 36 (5 characters) and two random ones, so interface names stay within 15 characters. */
function runId(pid: number): string {
    return `${pid.toString(36).padStart(5, "0")}${Math.random().toString(36).slice(2, 4).padEnd(2, "0")}`;
}

/** The PID that owns a run id. */
function ownerOf(run: string): number {
    return parseInt(run.slice(0, 5), 36);
}

interface Owned {
    name: string;
    /** The run id, and the PID it names. */
    run: string;
    owner: number;
}

/** Every rehearsal's namespaces, /etc/netns entries and bridges on this machine, each with its owner's PID. */
function everyRun(): { namespaces: Owned[]; etc: Owned[]; bridges: Owned[] } {
    const ofNamespace = (name: string) => ({ name, run: name.split("-")[1] ?? "", owner: ownerOf(name.split("-")[1] ?? "") });
    const namespaces = ip(["netns", "list"], true)
        .split("\n")
        .map((l) => l.trim().split(/\s+/)[0])
        .filter((n) => n?.startsWith(`${PREFIX}-`))
        .map(ofNamespace);
    const etc = (fs.existsSync(NETNS_ETC) ? fs.readdirSync(NETNS_ETC) : []).filter((n) => n.startsWith(`${PREFIX}-`)).map(ofNamespace);
    const bridges = ip(["-o", "link", "show", "type", "bridge"], true)
        .split("\n")
        .map((l) => /^\d+:\s+([^:@\s]+)/.exec(l)?.[1])
        .filter((n): n is string => n !== undefined && new RegExp(`^${PREFIX}b[0-9a-z]{7}$`).test(n))
        .map((name) => ({ name, run: name.slice(PREFIX.length + 1), owner: ownerOf(name.slice(PREFIX.length + 1)) }));
    return { namespaces, etc, bridges };
}

/** Every namespace, /etc/netns entry, bridge and heartbeat a run of process `pid` holds (what a finished run must not leave behind). */
export function resourcesOf(pid: number): string[] {
    const { namespaces, etc, bridges } = everyRun();
    const mine = (r: Owned) => r.owner === pid;
    const heartbeats = (fs.existsSync(HEARTBEATS) ? fs.readdirSync(HEARTBEATS) : []).filter((run) => ownerOf(run) === pid).map((run) => path.join(HEARTBEATS, run));
    return [
        ...namespaces.filter(mine).map((n) => n.name),
        ...etc.filter(mine).map((n) => path.join(NETNS_ETC, n.name)),
        ...bridges.filter(mine).map((b) => b.name),
        ...heartbeats,
    ];
}

/**
 * Whether a run has stopped: its heartbeat is older than HEARTBEAT_STALE_MS,
 * or (a run without one) its owner's PID is not alive here.
 */
function stopped(r: Owned): boolean {
    try {
        return Date.now() - fs.statSync(path.join(HEARTBEATS, r.run)).mtimeMs > HEARTBEAT_STALE_MS;
    } catch {
        return !alive(r.owner);
    }
}

/** Namespaces, their /etc/netns files, and bridges of runs that have stopped; and their heartbeats. */
export function sweepStale(): string[] {
    const { namespaces, etc, bridges } = everyRun();
    // Each run judged once, before any of its heartbeats is removed.
    const runs = new Map<string, boolean>();
    const dead = (r: Owned) => runs.get(r.run) ?? runs.set(r.run, stopped(r)).get(r.run)!;
    const stale = [...new Set([...namespaces, ...etc].filter(dead).map((n) => n.name))];
    const staleBridges = bridges.filter(dead).map((b) => b.name);
    for (const ns of stale) {
        ip(["netns", "delete", ns], true);
        fs.rmSync(path.join(NETNS_ETC, ns), { recursive: true, force: true });
    }
    staleBridges.forEach((b) => ip(["link", "delete", b], true));
    for (const [run, isDead] of runs) {
        if (isDead) {
            fs.rmSync(path.join(HEARTBEATS, run), { force: true });
        }
    }
    return [...stale, ...staleBridges];
}

/** 198.18.0.0/15 holds 128 /22 networks; a run takes one that no interface or route here uses. */
function freeSlash22(): { second: number; third: number } {
    const used = ip(["-4", "-o", "addr"], true) + ip(["-4", "route"], true);
    const candidates = Array.from({ length: 128 }, (_, k) => k).sort(() => Math.random() - 0.5);
    for (const k of candidates) {
        const second = 18 + Math.floor((k * 4) / 256);
        const third = (k * 4) % 256;
        const taken = [0, 1, 2, 3].some((d) => used.includes(`198.${second}.${third + d}.`));
        if (!taken) {
            return { second, third };
        }
    }
    throw new NetworkUnavailableError("no free /22 network left in 198.18.0.0/15 for the rehearsal");
}

/** The subnets of a run: legacy hosts (x.x.N.0/24), the pods (N+1); this process is on the bridge at N+3.1. */
export type Subnet = "host" | "pod";
const SUBNET_OFFSET: Record<Subnet, number> = { host: 0, pod: 1 };

export interface Node {
    /** Short name in this run ("host-1", "pod-3"). */
    name: string;
    /** The network namespace. */
    netns: string;
    address: string;
}

export class LocalNetwork {
    private readonly nodes = new Map<string, Node>();
    private bridgeUp = false;
    private destroyed = false;
    private vethCount = 0;
    private heartbeat: NodeJS.Timeout | undefined;

    private constructor(
        private readonly run: string,
        private readonly net: { second: number; third: number },
        /** The hosts file every namespace sees as /etc/hosts. */
        readonly hostsFile: string,
    ) {}

    /** Builds the bridge; `hostsFile` becomes /etc/hosts inside every namespace added later. */
    static create(hostsFile: string): LocalNetwork {
        const reason = networkUnavailableReason();
        if (reason) {
            throw new NetworkUnavailableError(reason);
        }
        sweepStale();
        const n = new LocalNetwork(runId(process.pid), freeSlash22(), hostsFile);
        try {
            n.beat();
            n.createBridge();
        } catch (err) {
            n.destroy();
            throw err;
        }
        return n;
    }

    private get bridge(): string {
        return `${PREFIX}b${this.run}`;
    }

    /** The address of member `id` on `subnet` (ids 1..255). */
    address(subnet: Subnet, id: number): string {
        return `198.${this.net.second}.${this.net.third + SUBNET_OFFSET[subnet]}.${id}`;
    }

    /** Starts this run's heartbeat: other runs leave its namespaces alone while it beats. */
    private beat(): void {
        const file = path.join(HEARTBEATS, this.run);
        fs.mkdirSync(HEARTBEATS, { recursive: true });
        fs.writeFileSync(file, `${process.pid}\n`);
        this.heartbeat = setInterval(() => {
            const now = new Date();
            try {
                fs.utimesSync(file, now, now);
            } catch {
                // Removed by destroy() meanwhile.
            }
        }, HEARTBEAT_EVERY_MS);
        this.heartbeat.unref();
    }

    private createBridge(): void {
        this.bridgeUp = true;
        ip(["link", "add", this.bridge, "type", "bridge"]);
        ip(["addr", "add", `198.${this.net.second}.${this.net.third + 3}.1/22`, "dev", this.bridge]);
        ip(["link", "set", this.bridge, "up"]);
    }

    /** A namespace named `name` at `address`, wired to the bridge, with lo up and the cluster's hosts file. */
    addNode(name: string, address: string): Node {
        if (this.destroyed) {
            throw new Error(`the rehearsal's network is gone; ${name} was not added`);
        }
        const netns = `${PREFIX}-${this.run}-${name}`;
        const veth = `${PREFIX}v${this.run}${(this.vethCount++).toString(36)}`;
        ip(["netns", "add", netns]);
        const node = { name, netns, address };
        this.nodes.set(name, node);
        fs.mkdirSync(path.join(NETNS_ETC, netns), { recursive: true });
        fs.symlinkSync(this.hostsFile, path.join(NETNS_ETC, netns, "hosts"));
        ip(["link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", netns]);
        ip(["link", "set", veth, "master", this.bridge, "up"]);
        ip(["-n", netns, "link", "set", "lo", "up"]);
        ip(["-n", netns, "addr", "add", `${address}/22`, "dev", "eth0"]);
        ip(["-n", netns, "link", "set", "eth0", "up"]);
        return node;
    }

    node(name: string): Node | undefined {
        return this.nodes.get(name);
    }

    /** The command prefix that runs a program inside `node`'s namespace (and mount namespace: its /etc/hosts). */
    launcher(node: Node): string[] {
        return ["ip", "netns", "exec", node.netns];
    }

    /** Removes every namespace (the processes in them must be stopped first) and the bridge. Best effort, idempotent. */
    destroy(): void {
        this.destroyed = true;
        for (const node of this.nodes.values()) {
            ip(["netns", "delete", node.netns], true);
            fs.rmSync(path.join(NETNS_ETC, node.netns), { recursive: true, force: true });
        }
        this.nodes.clear();
        if (this.bridgeUp) {
            ip(["link", "delete", this.bridge], true);
            this.bridgeUp = false;
        }
        clearInterval(this.heartbeat);
        fs.rmSync(path.join(HEARTBEATS, this.run), { force: true });
    }
}
