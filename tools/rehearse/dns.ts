/**
 * The rehearsal's cluster DNS: a hosts file every member's JVM reads
 * (`-Djdk.net.hosts.file`, under the JVM's own address cache), every script
 * reads as /etc/hosts inside its namespace (bash's /dev/tcp, getent), and this
 * process's clients read through `dns.lookup`. Rewriting a line moves a name,
 * as an EndpointSlice change does.
 *
 * Changes can be applied late (`setAfter`): a resolver may keep a Service's
 * old answer for the cluster DNS TTL, and the rehearsal takes that worst case.
 * The file is rewritten in place in one write of a fixed size, so no reader
 * ever sees it empty or half written.
 */
import type * as Dns from "dns";
import * as fs from "fs";

// The module object itself (an `import *` namespace would be a read-only copy): its lookup is what net.connect calls.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dnsModule: typeof Dns = require("dns");

const FILE_SIZE = 4096;

type LookupCallback = (err: NodeJS.ErrnoException | null, address?: string | Dns.LookupAddress[], family?: number) => void;

export class ClusterDns {
    private readonly records = new Map<string, string[]>();
    private readonly timers = new Set<NodeJS.Timeout>();
    private restoreLookup: (() => void) | undefined;
    /** Every change as applied: when, which name, its answers. */
    readonly log: { at: number; name: string; addresses: string[] }[] = [];

    constructor(
        readonly file: string,
        /** Names this DNS answers for this process's clients, e.g. ".svc.cluster.local". */
        private readonly suffix: string,
    ) {
        this.flush();
    }

    /** Answers for `name` now ([] when it does not resolve). */
    get(name: string): string[] {
        return this.records.get(name.toLowerCase()) ?? [];
    }

    /** Points `name` at `addresses` now ([] removes it: the name stops resolving). */
    set(name: string, addresses: string[]): void {
        const key = name.toLowerCase();
        if (addresses.length === 0) {
            this.records.delete(key);
        } else {
            this.records.set(key, [...addresses]);
        }
        this.log.push({ at: Date.now(), name: key, addresses: [...addresses] });
        this.flush();
    }

    /** Applies `set` after `ms` (a cached old answer living out its TTL); resolves when applied. */
    setAfter(ms: number, name: string, addresses: string[]): Promise<void> {
        if (ms <= 0) {
            this.set(name, addresses);
            return Promise.resolve();
        }
        return new Promise((resolve) => {
            const timer = setTimeout(() => {
                this.timers.delete(timer);
                this.set(name, addresses);
                resolve();
            }, ms);
            this.timers.add(timer);
        });
    }

    private flush(): void {
        const lines = ["# Cluster DNS of a zookeeper-cutover rehearsal.", "127.0.0.1 localhost"];
        for (const [name, addresses] of [...this.records].sort(([a], [b]) => a.localeCompare(b))) {
            for (const a of addresses) {
                lines.push(`${a} ${name}`);
            }
        }
        const text = lines.join("\n") + "\n";
        if (Buffer.byteLength(text) > FILE_SIZE - 2) {
            throw new Error(`the rehearsal's cluster DNS outgrew ${FILE_SIZE} bytes`);
        }
        // Pad with a comment to a fixed size, so one write replaces the whole content without truncating first.
        const padded = Buffer.alloc(FILE_SIZE, " ");
        padded.write(text);
        padded.write("#", Buffer.byteLength(text));
        padded.write("\n", FILE_SIZE - 1);
        const fd = fs.openSync(this.file, fs.existsSync(this.file) ? "r+" : "w");
        try {
            fs.writeSync(fd, padded, 0, FILE_SIZE, 0);
        } finally {
            fs.closeSync(fd);
        }
    }

    /**
     * Lets this process's clients resolve the cluster's names through this DNS
     * (other names go to the system resolver as before), without caching, as a
     * client that looks up on every connection attempt. Undone by `close`.
     */
    serveLookups(): void {
        if (this.restoreLookup) {
            return;
        }
        const original = dnsModule.lookup;
        const suffix = this.suffix.toLowerCase();
        const patched = ((hostname: string, options: unknown, callback?: unknown) => {
            const cb = (typeof options === "function" ? options : callback) as LookupCallback;
            const opts = (typeof options === "object" && options !== null ? options : typeof options === "number" ? { family: options } : {}) as Dns.LookupOptions;
            if (typeof hostname !== "string" || !hostname.toLowerCase().endsWith(suffix)) {
                return (original as (...args: unknown[]) => void).call(dnsModule, hostname, options, callback);
            }
            const addresses = this.get(hostname);
            process.nextTick(() => {
                if (addresses.length === 0) {
                    const err = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND", hostname }) as NodeJS.ErrnoException;
                    cb(err);
                } else if (opts.all) {
                    cb(null, addresses.map((address) => ({ address, family: 4 })));
                } else {
                    cb(null, addresses[0], 4);
                }
            });
        }) as typeof Dns.lookup;
        (dnsModule as { lookup: typeof Dns.lookup }).lookup = patched;
        this.restoreLookup = () => {
            if (dnsModule.lookup === patched) {
                (dnsModule as { lookup: typeof Dns.lookup }).lookup = original;
            }
        };
    }

    /** Cancels pending changes and gives `dns.lookup` back. */
    close(): void {
        for (const t of this.timers) {
            clearTimeout(t);
        }
        this.timers.clear();
        this.restoreLookup?.();
        this.restoreLookup = undefined;
    }
}
