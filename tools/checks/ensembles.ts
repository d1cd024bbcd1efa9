/**
 * Two ensembles that must not be one: the source and the target of `copy`,
 * the old and the new registry of `check parity`. Opens both and refuses one
 * ensemble reached through both sides; the callers word the errors.
 */
import { PORTS } from "../../components/shared/zookeeper";
import { NotZooKeeperError, SaslAuthError, ZkClient } from "../zookeeper/client";
import type { SaslCredentials } from "../zookeeper/sasl";
import type { ClientTls } from "../zookeeper/tls";
import { ConnectString, endpointText } from "./health";

/**
 * The members (`host:port`) both connect strings list under the same chroot: a
 * server belongs to one ensemble, so any such member means one ensemble. None
 * when the chroots differ (two chroots of one ensemble are two trees). Pure.
 */
export function sharedMembers(first: ConnectString, second: ConnectString): string[] {
    if ((first.chroot ?? "") !== (second.chroot ?? "")) {
        return [];
    }
    const inSecond = new Set(second.members.map(endpointText));
    return first.members.map(endpointText).filter((m) => inSecond.has(m));
}

/** A session's ZooKeeper auth (addAuth): e.g. digest with user:password. */
export interface SessionAuth {
    scheme: string;
    credentials: string;
}

/** What `openTwoEnsembles` opens, and how its errors read. */
export interface TwoEnsembles {
    /** Each side's option, first then second: ["--from", "--to"]. */
    options: readonly [string, string];
    /** Each side's parsed connect string. */
    sides: readonly [ConnectString, ConnectString];
    /** Each side's connect string as given (trimmed). */
    connects: readonly [string, string];
    /** A word after the option where a message names one side ("registry"). */
    noun?: string;
    /** Deadline of each connection, ms. */
    timeoutMs: number;
    /** Each side's TLS (every connection to that side, the session probe too); undefined for plaintext. Its options are `<option>-tls-ca` etc. */
    tls?: readonly [ClientTls | undefined, ClientTls | undefined];
    /** Each side's SASL credentials (every connection to that side, the session probe too); undefined for none. Its options are `<option>-sasl-user` and `<option>-sasl-password-file`. */
    sasl?: readonly [SaslCredentials | undefined, SaslCredentials | undefined];
    /** Each side's ZooKeeper auth (`--from-auth scheme:credentials` and the like), added to its session once open; undefined for none. */
    auth?: readonly [SessionAuth | undefined, SessionAuth | undefined];
    /** Makes the error a message becomes. */
    error(message: string): Error;
    /** The message when the second side knows the session opened on the first. */
    sameSessionMessage: string;
}

/**
 * Connects to both sides at once (when one fails, the other is closed and the
 * first side's failure wins) and, under one chroot, makes sure they are two
 * ensembles. Connect strings without a member in common may still reach one
 * ensemble (other members of it, or other names for them). The rule: the
 * second side's ensemble must not know the session just opened on the first.
 * A session lives in exactly the ensemble that created it; an ensemble that
 * merely has the same server list (names reused in another cluster) or
 * started from a copy of the first one's data does not know a session created
 * after that. The probe reads and writes no znode.
 */
export async function openTwoEnsembles(t: TwoEnsembles): Promise<[ZkClient, ZkClient]> {
    const label = (i: 0 | 1) => (t.noun ? `${t.options[i]} ${t.noun}` : t.options[i]);
    // Plaintext to the TLS port times out like a dead ensemble: say what is likely missing.
    const tlsHint = (i: 0 | 1) =>
        t.tls?.[i] === undefined && t.sides[i].members.some((m) => m.port === PORTS.secureClient)
            ? ` (${PORTS.secureClient} is the TLS client port; allowed: ${t.options[i]}-tls-ca FILE, with ${t.options[i]}-tls-cert and ${t.options[i]}-tls-key when the members ask for a client certificate)`
            : "";
    const connect = async (i: 0 | 1): Promise<ZkClient> => {
        try {
            const client = await ZkClient.connect(t.connects[i], { connectTimeoutMs: t.timeoutMs, opTimeoutMs: t.timeoutMs, tls: t.tls?.[i], sasl: t.sasl?.[i] });
            if (t.sasl?.[i] === undefined) {
                // A session opens without SASL even where it is required; its first request is refused. Ask one now, so the error names the option.
                await client.exists("/").catch((err: unknown) => {
                    client.close();
                    throw err;
                });
            }
            const auth = t.auth?.[i];
            if (auth) {
                client.addAuth(auth.scheme, auth.credentials);
            }
            return client;
        } catch (err) {
            if (err instanceof SaslAuthError) {
                const hint = t.sasl?.[i] === undefined ? `; allowed: ${t.options[i]}-sasl-user NAME with ${t.options[i]}-sasl-password-file FILE` : "";
                throw t.error(`${label(i)} ${t.connects[i]}: ${err.message}${hint}`);
            }
            if (err instanceof NotZooKeeperError) {
                throw t.error(`${label(i)} ${t.connects[i]} is not a ZooKeeper server: ${err.message}`);
            }
            throw t.error(`${label(i)} ${t.connects[i]} is unreachable or has no quorum: ${(err as Error).message}${tlsHint(i)}`);
        }
    };
    const [a, b] = await Promise.allSettled([connect(0), connect(1)]);
    if (a.status === "rejected" || b.status === "rejected") {
        for (const s of [a, b]) {
            if (s.status === "fulfilled") {
                s.value.close();
            }
        }
        throw a.status === "rejected" ? a.reason : (b as PromiseRejectedResult).reason;
    }
    const clients: [ZkClient, ZkClient] = [a.value, b.value];
    const close = () => clients.forEach((c) => c.close());
    if ((t.sides[0].chroot ?? "") === (t.sides[1].chroot ?? "")) {
        let same: boolean;
        try {
            same = await ZkClient.knowsSession(t.connects[1], clients[0].session(), { connectTimeoutMs: t.timeoutMs, tls: t.tls?.[1], sasl: t.sasl?.[1] });
        } catch (err) {
            close();
            throw t.error(`${label(1)} ${t.connects[1]} could not be asked whether it is the ${t.options[0]} ensemble: ${(err as Error).message}`);
        }
        if (same) {
            close();
            throw t.error(t.sameSessionMessage);
        }
    }
    return clients;
}
