/**
 * Two standalone ZooKeeper servers for a suite: the legacy registry ("old")
 * and the new one ("new"), each on its own random loopback address, started by
 * the suite's `before` and stopped by the PIDs it started in its `after`, with
 * their data directories removed. Never skipped: without ZooKeeper it fails,
 * naming what to install.
 *
 * One side may answer clients only over TLS (`tlsOnly`): zoo.cfg as the
 * components render it for `tls: require` (mutual TLS), a certificate for
 * `localhost` from the rehearsal's PKI, the TLS port at localhost:2281 (Node
 * checks the certificate against the name dialled) and the plaintext port on
 * the side's own loopback address only, as a pod keeps it for its probes.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { EnsembleSettings, resolveEnsembleSettings } from "../../components/ensemble/settings";
import { PORTS } from "../../components/shared/zookeeper";
import { clientTlsOf, makeEnsembleCertificate } from "../../tools/rehearse/pki";
import { loopbackServers, startLocalMember } from "../../tools/zookeeper/local";
import { fourLetterWord, isListening, isRunning, logTail, loopbackAddress, MemberProcess, parseSrvr, randomLoopbackNetwork, stopMember, waitFor } from "../../tools/zookeeper/process";
import { ClientTls, ClientTlsFiles } from "../../tools/zookeeper/tls";
import { requireOpenssl, requireZooKeeper } from "./zookeeper";

/** How long two standalone servers may take to answer (a cold JVM on a busy machine). */
const START_TIMEOUT_MS = 40_000;

/** A digest ACL id as ZooKeeper computes it: user:base64(sha1(user:password)). */
export const digestId = (user: string, password: string): string => `${user}:${crypto.createHash("sha1").update(`${user}:${password}`).digest("base64")}`;

export type Side = "old" | "new";
export const SIDES: Side[] = ["old", "new"];

/** Where a TLS-only side takes clients: the name its certificate is for, and the address its TLS port binds to. */
const TLS_HOST = "localhost";
const TLS_ADDRESS = "127.0.0.1";

export interface PairOptions {
    /** This side answers clients only over TLS, at localhost:2281; its plaintext port is on its loopback address only. */
    tlsOnly?: Side;
}

export interface StandalonePair {
    /** Each side's loopback address (set once `before` ran); a TLS-only side's plaintext port is there. */
    readonly addresses: Record<Side, string>;
    /** How clients reach a side: its address and client port, or localhost:2281 for the TLS-only side. */
    connectOf(side: Side): string;
    /** The plaintext side's settings. */
    settings(): EnsembleSettings;
    /** A client's TLS for the TLS-only side (the CA, and the side's own certificate as the client's); undefined for a plaintext side. */
    tls(side: Side): ClientTls | undefined;
    /** The files behind `tls(side)`, for the commands' TLS options. */
    tlsFiles(side: Side): Required<ClientTlsFiles> | undefined;
    /** Closed before the servers stop (clients of the suite's own). */
    closeFirst(close: () => void): void;
}

/** Whether a server could listen at address:port now (a connect probe misses a socket still closing). */
function canBind(address: string, port: number): Promise<boolean> {
    return new Promise((resolve) => {
        const server = net.createServer();
        server.once("error", () => resolve(false));
        server.listen(port, address, () => server.close(() => resolve(true)));
    });
}

/** Registers `before` and `after` hooks in the calling `describe` that start and stop the pair. */
export function standalonePair(what: string, namespace: string, options: PairOptions = {}): StandalonePair {
    const addresses: Record<Side, string> = { old: "", new: "" };
    const members = new Map<Side, MemberProcess>();
    const closers: (() => void)[] = [];
    let dir: string | undefined;
    let settings: EnsembleSettings | undefined;
    let files: Required<ClientTlsFiles> | undefined;
    let clientTls: ClientTls | undefined;
    const tlsOnly = (side: Side) => options.tlsOnly === side;

    before(async function () {
        this.timeout(START_TIMEOUT_MS + 30_000);
        const install = requireZooKeeper(what);
        const values = { namespace, metrics: "off", replicas: 1, ...(install.version ? { zookeeperVersion: install.version } : {}) } as const;
        settings = resolveEnsembleSettings(values);
        if (options.tlsOnly !== undefined) {
            requireOpenssl(what);
            // A server stopping a moment ago (another suite's, just ended) may hold the port a little longer: wait for it, bounded.
            await waitFor(`${TLS_ADDRESS}:${PORTS.secureClient} to be free, where the TLS-only side must listen (a leftover ZooKeeper? see pgrep -af QuorumPeerMain)`, () => canBind(TLS_ADDRESS, PORTS.secureClient), {
                timeoutMs: 15_000,
            });
        }
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
        if (options.tlsOnly !== undefined) {
            // A CA and one certificate (server and client auth) for localhost; ZooKeeper reads key and certificate from one PEM file.
            const pki = makeEnsembleCertificate(path.join(dir, "pki"), [TLS_HOST]);
            files = { ca: path.join(pki, "ca.crt"), cert: path.join(pki, "tls.crt"), key: path.join(pki, "tls.key") };
            clientTls = clientTlsOf(pki);
            fs.writeFileSync(path.join(pki, "keystore.pem"), Buffer.concat([clientTls.key!, clientTls.cert!]), { mode: 0o600 });
        }
        for (const side of SIDES) {
            const spec = { id: 1, dir: path.join(dir, side), servers: loopbackServers([1], () => addresses[side]) };
            if (tlsOnly(side)) {
                const tlsSettings = resolveEnsembleSettings({ ...values, tls: "require", tlsSecretName: "zk-tls" });
                const stores = { keyStore: path.join(dir, "pki", "keystore.pem"), trustStore: files!.ca };
                members.set(side, startLocalMember(install, tlsSettings, { ...spec, placement: { tls: stores, plaintextClientAddress: addresses[side], secureClientAddress: TLS_ADDRESS } }));
            } else {
                members.set(side, startLocalMember(install, settings, spec));
            }
        }
        const dead = () => [...members].map(([side, m]) => (isRunning(m) ? undefined : `the ${side} member exited; log:\n${logTail(m)}`)).find((x) => x);
        // Each side asked the way its clients reach it: the TLS-only side over TLS.
        const ask = (side: Side) =>
            tlsOnly(side) ? fourLetterWord(TLS_HOST, PORTS.secureClient, "srvr", 1_000, { tls: clientTls }) : fourLetterWord(addresses[side], PORTS.client, "srvr", 1_000);
        await waitFor(
            "both members to answer srvr with a mode",
            async () => (await Promise.all(SIDES.map((side) => ask(side).then(parseSrvr, () => undefined)))).every((r) => r?.mode),
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
        connectOf: (side) => (tlsOnly(side) ? `${TLS_HOST}:${PORTS.secureClient}` : `${addresses[side]}:${PORTS.client}`),
        settings: () => settings!,
        tls: (side) => (tlsOnly(side) ? clientTls : undefined),
        tlsFiles: (side) => (tlsOnly(side) ? files : undefined),
        closeFirst: (close) => closers.push(close),
    };
}
