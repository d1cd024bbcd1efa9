/**
 * TLS and SASL of an ensemble: the settings they resolve to and their rules
 * (versions, certificate source, credentials, the member swap). Pure.
 */
import { IssueCollector, show } from "../shared/errors";
import { isDnsSubdomain } from "../shared/kube";
import { CLIENT_SASL_STEPS, ISSUER_KINDS, SECURITY_STEPS, SecurityStep, TLS_CLIENT_AUTH, ZooKeeperEnsembleArgs } from "./args";
import { VersionFeatures, ZooKeeperVersion } from "./version";

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

