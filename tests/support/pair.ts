/**
 * Two standalone ZooKeeper servers for a suite: the legacy registry ("old")
 * and the new one ("new"), each on its own random loopback address, started by
 * the suite's `before` and stopped by the PIDs it started in its `after`, with
 * their data directories removed. Never skipped: without ZooKeeper it fails,
 * naming what to install.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { EnsembleSettings, resolveEnsembleSettings } from "../../components/ensemble/settings";
import { PORTS } from "../../components/shared/zookeeper";
import { loopbackServers, startLocalMember } from "../../tools/zookeeper/local";
import { isListening, isRunning, logTail, loopbackAddress, MemberProcess, randomLoopbackNetwork, srvr, stopMember, waitFor } from "../../tools/zookeeper/process";
import { requireZooKeeper } from "./zookeeper";

/** How long two standalone servers may take to answer (a cold JVM on a busy machine). */
const START_TIMEOUT_MS = 40_000;

/** A digest ACL id as ZooKeeper computes it: user:base64(sha1(user:password)). */
export const digestId = (user: string, password: string): string => `${user}:${crypto.createHash("sha1").update(`${user}:${password}`).digest("base64")}`;

export type Side = "old" | "new";
export const SIDES: Side[] = ["old", "new"];

export interface StandalonePair {
    /** Each side's loopback address (set once `before` ran). */
    readonly addresses: Record<Side, string>;
    connectOf(side: Side): string;
    settings(): EnsembleSettings;
    /** Closed before the servers stop (clients of the suite's own). */
    closeFirst(close: () => void): void;
}

/** Registers `before` and `after` hooks in the calling `describe` that start and stop the pair. */
export function standalonePair(what: string, namespace: string): StandalonePair {
    const addresses: Record<Side, string> = { old: "", new: "" };
    const members = new Map<Side, MemberProcess>();
    const closers: (() => void)[] = [];
    let dir: string | undefined;
    let settings: EnsembleSettings | undefined;

    before(async function () {
        this.timeout(START_TIMEOUT_MS + 30_000);
        const install = requireZooKeeper(what);
        settings = resolveEnsembleSettings({ namespace, metrics: "off", replicas: 1, ...(install.version ? { zookeeperVersion: install.version } : {}) });
        for (const side of SIDES) {
            for (let attempt = 0; attempt < 5 && addresses[side] === ""; attempt++) {
                const candidate = loopbackAddress(1, randomLoopbackNetwork());
                if (candidate !== addresses.old && !(await isListening(candidate, PORTS.client, 300))) {
                    addresses[side] = candidate;
                }
            }
            if (addresses[side] === "") {
                throw new Error("five loopback addresses in a row were in use (leftover ZooKeepers? see pgrep -af QuorumPeerMain)");
            }
        }
        dir = fs.mkdtempSync(path.join(os.tmpdir(), `zk-${namespace}-`));
        for (const side of SIDES) {
            members.set(side, startLocalMember(install, settings, { id: 1, dir: path.join(dir, side), servers: loopbackServers([1], () => addresses[side]) }));
        }
        const dead = () => [...members].map(([side, m]) => (isRunning(m) ? undefined : `the ${side} member exited; log:\n${logTail(m)}`)).find((x) => x);
        await waitFor(
            "both members to answer srvr with a mode",
            async () => (await Promise.all(SIDES.map((side) => srvr(addresses[side], PORTS.client, 1_000).catch(() => undefined)))).every((r) => r?.mode),
            { timeoutMs: START_TIMEOUT_MS, intervalMs: 300, abortIf: dead },
        );
    });

    after(async function () {
        this.timeout(30_000);
        closers.forEach((close) => close());
        await Promise.allSettled([...members.values()].map((m) => stopMember(m, 5_000)));
        if (dir !== undefined) {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    return {
        addresses,
        connectOf: (side) => `${addresses[side]}:${PORTS.client}`,
        settings: () => settings!,
        closeFirst: (close) => closers.push(close),
    };
}
