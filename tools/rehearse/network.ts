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
 * Names carry this process's PID, so a later run removes what a killed run
 * left behind (`sweepStale`).
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { UserInputError } from "../errors";

/** Where `ip netns exec` finds files it binds over /etc inside a namespace (here: /etc/hosts, the cluster DNS). */
const NETNS_ETC = "/etc/netns";
const PREFIX = "zkr";

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

/** Namespaces and bridges of runs whose process is gone. */
export function sweepStale(): string[] {
    const removed: string[] = [];
    const namespaces = ip(["netns", "list"], true)
        .split("\n")
        .map((l) => l.trim().split(/\s+/)[0])
        .filter((n) => n?.startsWith(`${PREFIX}-`));
    for (const ns of namespaces) {
        const [, pid, run] = ns.split("-");
        if (!alive(Number(pid))) {
            ip(["netns", "delete", ns], true);
            fs.rmSync(path.join(NETNS_ETC, ns), { recursive: true, force: true });
            if (ip(["link", "show", `${PREFIX}b${run}`], true).trim() !== "") {
                ip(["link", "delete", `${PREFIX}b${run}`], true);
            }
            removed.push(ns);
        }
    }
    return removed;
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

/** The subnets of a run: legacy hosts, the pods of the swapped (or new) ensemble, a second pod ensemble, and this process. */
export type Subnet = "host" | "pod" | "pod2";
const SUBNET_OFFSET: Record<Subnet, number> = { host: 0, pod: 1, pod2: 2 };

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
    private vethCount = 0;

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
        const run = Math.random().toString(36).slice(2, 6);
        const n = new LocalNetwork(run, freeSlash22(), hostsFile);
        n.createBridge();
        return n;
    }

    private get bridge(): string {
        return `${PREFIX}b${this.run}`;
    }

    /** The address of member `id` on `subnet` (ids 1..255). */
    address(subnet: Subnet, id: number): string {
        return `198.${this.net.second}.${this.net.third + SUBNET_OFFSET[subnet]}.${id}`;
    }

    private createBridge(): void {
        ip(["link", "add", this.bridge, "type", "bridge"]);
        this.bridgeUp = true;
        ip(["addr", "add", `198.${this.net.second}.${this.net.third + 3}.1/22`, "dev", this.bridge]);
        ip(["link", "set", this.bridge, "up"]);
    }

    /** A namespace named `name` at `address`, wired to the bridge, with lo up and the cluster's hosts file. */
    addNode(name: string, address: string): Node {
        const netns = `${PREFIX}-${process.pid}-${this.run}-${name}`;
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
        for (const node of this.nodes.values()) {
            ip(["netns", "delete", node.netns], true);
            fs.rmSync(path.join(NETNS_ETC, node.netns), { recursive: true, force: true });
        }
        this.nodes.clear();
        if (this.bridgeUp) {
            ip(["link", "delete", this.bridge], true);
            this.bridgeUp = false;
        }
    }
}
