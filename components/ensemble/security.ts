/**
 * TLS and SASL of an ensemble: the settings they resolve to and their rules
 * (versions, certificate source, credentials, the member swap). Pure.
 */
import { IssueCollector, show } from "../shared/errors";
import { isDnsSubdomain } from "../shared/kube";
import { CLIENT_SASL_STEPS, ISSUER_KINDS, SECURITY_STEPS, SecurityStep, TLS_CLIENT_AUTH, ZooKeeperEnsembleArgs } from "./args";
import { VersionFeatures, ZooKeeperVersion } from "./version";
import { POD_PATHS, POD_TLS_STORES, ZooCfgPlacement } from "./paths";
import { PORTS } from "../shared/zookeeper";

export type TlsSource = { kind: "secret"; secretName: string } | { kind: "cert-manager"; issuer: string; issuerKind: string };

/** TLS and SASL as resolved. */
export interface SecuritySettings {
    tls: SecurityStep;
    /** Certificates: a given Secret or one cert-manager fills; absent when `tls` is off and no issuer is set. */
    tlsSource?: TlsSource;
    tlsClientAuth: "need" | "want" | "none";
    saslQuorum: SecurityStep;
    saslClient: "off" | "accept" | "require";
    saslClientUsers: string[];
}

/**
 * TLS and SASL: versions, certificate source, credentials. Members still on
 * hosts (a member swap) share the quorum with the pods but not their
 * certificates and credentials, so security waits until every member is a pod.
 */
export function resolveSecurity(
    a: Required<ZooKeeperEnsembleArgs>,
    typed: Set<string>,
    issues: IssueCollector,
    ctx: { version?: ZooKeeperVersion; features?: VersionFeatures; hosts: { id: number }[] },
): SecuritySettings {
    const step = <T extends string>(key: "tls" | "saslQuorum" | "saslClient", allowed: readonly T[]): T => {
        if (typed.has(key) && !allowed.includes(a[key] as T)) {
            issues.add(key, `${show(a[key])} is not allowed; allowed: ${allowed.join(", ")}`);
            return "off" as T;
        }
        return typed.has(key) ? (a[key] as T) : ("off" as T);
    };
    const tls = step("tls", SECURITY_STEPS);
    const saslQuorum = step("saslQuorum", SECURITY_STEPS);
    const saslClient = step("saslClient", CLIENT_SASL_STEPS);

    for (const [key, value] of [["tls", tls], ["saslQuorum", saslQuorum], ["saslClient", saslClient]] as const) {
        if (value === "off") {
            continue;
        }
        if (ctx.features && !ctx.features.tlsAndSasl) {
            issues.add(key, `${show(value)} needs ZooKeeper 3.5.5 or later (TLS and SASL for quorum and clients), but zookeeperVersion is ${ctx.version!.text}; allowed: "off", or upgrade first`);
        } else if (ctx.hosts.length > 0) {
            issues.add(
                key,
                `${show(value)} while members ${ctx.hosts.map((h) => h.id).join(", ")} still run on hosts, which have neither the certificates nor the credentials; allowed: "off" until every member is a pod (finish the member swap first)`,
            );
        }
    }
    if (saslClient === "require" && ctx.features && ctx.features.tlsAndSasl && !ctx.features.requireClientSasl) {
        issues.add("saslClient", `"require" needs ZooKeeper 3.6.0 or later (zookeeper.sessionRequireClientSASLAuth), but zookeeperVersion is ${ctx.version!.text}; allowed: "off" or "accept"`);
    }

    // Certificates.
    const name = (key: "tlsSecretName" | "tlsIssuer") => {
        if (!typed.has(key) || a[key] === "") {
            return "";
        }
        if (!isDnsSubdomain(a[key]) || a[key].length > 253) {
            issues.add(key, `${show(a[key])} is not a valid Kubernetes object name; allowed: lower-case letters, digits, '-' and '.', starting and ending with a letter or digit, at most 253 characters`);
            return "";
        }
        return a[key];
    };
    const secretName = name("tlsSecretName");
    const issuer = name("tlsIssuer");
    if (typed.has("tlsIssuerKind") && !ISSUER_KINDS.includes(a.tlsIssuerKind)) {
        issues.add("tlsIssuerKind", `${show(a.tlsIssuerKind)} is not allowed; allowed: ${ISSUER_KINDS.join(", ")}`);
    }
    if (typed.has("tlsClientAuth") && !TLS_CLIENT_AUTH.includes(a.tlsClientAuth)) {
        issues.add("tlsClientAuth", `${show(a.tlsClientAuth)} is not allowed; allowed: ${TLS_CLIENT_AUTH.join(", ")}`);
    } else if (typed.has("tlsClientAuth") && a.tlsClientAuth !== "need" && tls !== "off" && ctx.version?.minor === 5 && ctx.version.patch < 7) {
        // ssl.clientAuth is read from 3.5.7 on (ZOOKEEPER-3674); before, clients always need a certificate.
        issues.add("tlsClientAuth", `${show(a.tlsClientAuth)} needs ZooKeeper 3.5.7 or later, but zookeeperVersion is ${ctx.version.text}; allowed: "need"`);
    }
    let tlsSource: TlsSource | undefined;
    if (secretName !== "" && issuer !== "") {
        issues.add("tlsSecretName", "Only one of tlsSecretName or tlsIssuer can be provided; allowed: an existing Secret, or a cert-manager issuer that fills one");
    } else if (secretName !== "") {
        tlsSource = { kind: "secret", secretName };
    } else if (issuer !== "") {
        tlsSource = { kind: "cert-manager", issuer, issuerKind: a.tlsIssuerKind };
    } else if (tls !== "off" && typed.has("tlsSecretName") && typed.has("tlsIssuer") && a.tlsSecretName === "" && a.tlsIssuer === "") {
        issues.add(
            "tls",
            `${show(tls)} needs certificates, but neither tlsSecretName nor tlsIssuer is set; allowed: tlsSecretName (an existing Secret with tls.crt, tls.key and ca.crt) or tlsIssuer (a cert-manager issuer)`,
        );
    }

    // Credentials: shown by name only, never by value.
    if (saslQuorum !== "off" && typed.has("saslQuorumPassword") && a.saslQuorumPassword === "") {
        issues.add("saslQuorumPassword", `is empty, but saslQuorum is ${show(saslQuorum)}; allowed: a non-empty Pulumi secret`);
    }
    const users = typed.has("saslClientUsers") ? a.saslClientUsers : [];
    const badUsers = users.filter((u) => !/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(u));
    const twice = users.filter((u, i) => users.indexOf(u) !== i);
    if (badUsers.length > 0) {
        issues.add("saslClientUsers", `${show(badUsers)} not usable as SASL user names; allowed: letters, digits, '.', '_' and '-', starting with a letter or digit, at most 64 characters`);
    } else if (twice.length > 0) {
        issues.add("saslClientUsers", `${show([...new Set(twice)])} listed more than once; allowed: each user once`);
    }
    if (saslClient !== "off" && users.length === 0) {
        issues.add("saslClientUsers", `is empty, but saslClient is ${show(saslClient)}; allowed: the user names clients authenticate as, e.g. ["dubbo"]`);
    }
    if (typed.has("saslClientPasswords") && typed.has("saslClientUsers") && (saslClient !== "off" || a.saslClientPasswords.length > 0)) {
        const passwords = a.saslClientPasswords;
        if (passwords.length !== users.length) {
            issues.add("saslClientPasswords", `has ${passwords.length} entries for ${users.length} saslClientUsers; allowed: one password per user, in the same order`);
        } else {
            const empty = passwords.map((p, i) => (p === "" ? users[i] : undefined)).filter((u) => u !== undefined);
            if (empty.length > 0) {
                issues.add("saslClientPasswords", `the passwords of ${show(empty)} are empty; allowed: non-empty Pulumi secrets`);
            }
        }
    }

    return {
        tls,
        tlsSource,
        tlsClientAuth: (TLS_CLIENT_AUTH.includes(a.tlsClientAuth) ? a.tlsClientAuth : "need") as SecuritySettings["tlsClientAuth"],
        saslQuorum,
        saslClient,
        saslClientUsers: [...users],
    };
}

/** SASL identity the members use towards each other (quorum.auth.*). */
export const QUORUM_SASL_USER = "quorum";

/**
 * TLS and SASL lines of zoo.cfg. Only paths and switches: certificates and
 * passwords live in Secrets, never in the config. The steps follow
 * ZooKeeper's own zero-downtime procedure, one rolling restart each:
 * port unification (accept), TLS between members (prefer), TLS only (require).
 */
export function renderSecurityLines(s: Pick<SecuritySettings, "tls" | "tlsClientAuth" | "saslQuorum" | "saslClient">, placement: ZooCfgPlacement): string[] {
    const lines: string[] = [];
    if (s.tls !== "off") {
        const stores = placement.tls ?? POD_TLS_STORES;
        const storeLines = (prefix: string) => [
            `${prefix}.keyStore.location=${stores.keyStore}`,
            `${prefix}.keyStore.type=PEM`,
            `${prefix}.trustStore.location=${stores.trustStore}`,
            `${prefix}.trustStore.type=PEM`,
        ];
        lines.push(
            // TLS needs the Netty connection factory (NIO has no TLS).
            "serverCnxnFactory=org.apache.zookeeper.server.NettyServerCnxnFactory",
            `secureClientPort=${PORTS.secureClient}`,
            ...(placement.secureClientAddress ? [`secureClientPortAddress=${placement.secureClientAddress}`] : []),
            ...storeLines("ssl"),
            `ssl.clientAuth=${s.tlsClientAuth}`,
            `sslQuorum=${s.tls === "prefer" || s.tls === "require"}`,
            `portUnification=${s.tls === "accept" || s.tls === "prefer"}`,
            ...storeLines("ssl.quorum"),
            // Peers connect from pod IPs that no certificate names; trust is the ensemble's CA.
            "ssl.quorum.hostnameVerification=false",
        );
    }
    if (s.saslQuorum !== "off") {
        lines.push(
            "quorum.auth.enableSasl=true",
            `quorum.auth.learnerRequireSasl=${s.saslQuorum === "prefer" || s.saslQuorum === "require"}`,
            `quorum.auth.serverRequireSasl=${s.saslQuorum === "require"}`,
            "quorum.auth.learner.saslLoginContext=QuorumLearner",
            "quorum.auth.server.saslLoginContext=QuorumServer",
        );
    }
    if (s.saslClient !== "off") {
        lines.push("authProvider.sasl=org.apache.zookeeper.server.auth.SASLAuthenticationProvider");
    }
    return lines;
}

/** SASL on between members or for clients: the members need the JAAS file (and its Secret). */
export function usesSasl(s: Pick<SecuritySettings, "saslQuorum" | "saslClient">): boolean {
    return s.saslQuorum !== "off" || s.saslClient !== "off";
}

/** JVM flags security needs beyond zoo.cfg (system properties that zoo.cfg cannot set). */
export function renderSecurityJvmFlags(s: Pick<SecuritySettings, "saslQuorum" | "saslClient">, jaasFile = `${POD_PATHS.sasl}/jaas.conf`): string[] {
    const flags: string[] = [];
    if (usesSasl(s)) {
        flags.push(`-Djava.security.auth.login.config=${jaasFile}`);
    }
    if (s.saslClient === "require") {
        flags.push("-Dzookeeper.sessionRequireClientSASLAuth=true");
    }
    return flags;
}

/** A JAAS option value: double-quoted, with backslash and quote escaped (Java's JAAS parser reads C-style escapes). */
function jaasQuote(value: string): string {
    return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`;
}

/**
 * The members' JAAS configuration (DIGEST-MD5): `Server` with the client
 * users, `QuorumServer`/`QuorumLearner` with the members' own identity. It
 * holds passwords, so it goes into a Secret, never a ConfigMap.
 */
export function renderJaasConfig(
    s: Pick<SecuritySettings, "saslQuorum" | "saslClient" | "saslClientUsers">,
    secrets: { quorumPassword: string; clientPasswords: string[] },
): string {
    const module = "org.apache.zookeeper.server.auth.DigestLoginModule required";
    const section = (name: string, options: string[]) => [`${name} {`, `    ${module}`, ...options.map((o, i) => `    ${o}${i === options.length - 1 ? ";" : ""}`), "};"];
    const lines: string[] = ["// JAAS configuration rendered by zookeeper-cutover."];
    if (s.saslClient !== "off") {
        lines.push(...section("Server", s.saslClientUsers.map((user, i) => `user_${user}=${jaasQuote(secrets.clientPasswords[i] ?? "")}`)));
    }
    if (s.saslQuorum !== "off") {
        lines.push(
            ...section("QuorumServer", [`user_${QUORUM_SASL_USER}=${jaasQuote(secrets.quorumPassword)}`]),
            ...section("QuorumLearner", [`username="${QUORUM_SASL_USER}"`, `password=${jaasQuote(secrets.quorumPassword)}`]),
        );
    }
    return lines.join("\n") + "\n";
}
