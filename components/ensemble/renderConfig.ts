/**
 * zoo.cfg, myid, server list, logging configuration and the member scripts.
 * Pure: the components and the real-ZooKeeper rehearsal render through these
 * same functions.
 */
import { memberPeerAddress, PORTS } from "../shared/zookeeper";
import { EnsembleSettings } from "./settings";

/** One line of the server list: where member `id` is reached by its peers. */
export interface ServerEntry {
    id: number;
    /** Peer address (DNS name or IP) other members and clients use. */
    address: string;
    /**
     * Address the member binds its client port to (3.5+ server lines only).
     * Empty or absent: all interfaces, which is what a pod wants.
     */
    clientBindAddress?: string;
}

/** Where the rendered files are used: paths and binding differ between pods and a rehearsal on one machine. */
export interface ZooCfgPlacement {
    /** Snapshot directory. Pods: "/data". */
    dataDir: string;
    /** Transaction log directory, or "" to keep it in `dataDir`. */
    dataLogDir: string;
    /**
     * Bind quorum and election ports on all interfaces instead of the member's
     * own peer address. Pods need it (their peer address resolves through a
     * Service); members sharing one machine must not use it.
     */
    quorumListenOnAllIPs: boolean;
    /** TLS: the PEM key store (private key, then certificate chain) and trust store (CA certificates). Pods: see `podPlacement`. */
    tls?: { keyStore: string; trustStore: string };
    /**
     * With `tls` "require": where the plaintext client port listens, for the
     * probes only. Pods: "127.0.0.1"; members sharing one machine: their own
     * address.
     */
    plaintextClientAddress?: string;
    /** Address the TLS client port binds to. Pods: unset (every interface); members sharing one machine: their own address. */
    secureClientAddress?: string;
}

export const POD_PATHS = {
    data: "/data",
    dataLog: "/datalog",
    conf: "/conf",
    logs: "/logs",
    tmp: "/tmp",
    bootstrap: "/bootstrap",
    /** The certificate Secret: tls.crt, tls.key, ca.crt. */
    tls: "/tls",
    /** The key store start.sh assembles from tls.key and tls.crt (ZooKeeper reads key and chain from one PEM file). */
    keyStore: "/tmp/tls/keystore.pem",
    /** The JAAS Secret. */
    sasl: "/sasl",
} as const;

/** The PEM stores a pod's zoo.cfg names: the key store start.sh assembles, the CA from the Secret. */
const POD_TLS_STORES = { keyStore: POD_PATHS.keyStore, trustStore: `${POD_PATHS.tls}/ca.crt` };

/** File name of the `java.security` override that bounds the JVM's DNS cache (in the ConfigMap, and beside zoo.cfg on hosts). */
export const JAVA_SECURITY_FILE = "java.security";

/** SASL identity the members use towards each other (quorum.auth.*). */
export const QUORUM_SASL_USER = "quorum";

/** Server entries of the pod ensemble: every member reached through its own Service. */
export function podServerEntries(s: EnsembleSettings): ServerEntry[] {
    return s.memberIds.map((id) => ({ id, address: memberPeerAddress(s, id) }));
}

/** Pod placement: the paths the StatefulSet mounts, quorum ports on all interfaces. */
export function podPlacement(s: EnsembleSettings): ZooCfgPlacement {
    return {
        dataDir: POD_PATHS.data,
        dataLogDir: s.dataLogVolumeSize === "" ? "" : POD_PATHS.dataLog,
        quorumListenOnAllIPs: true,
        tls: POD_TLS_STORES,
        plaintextClientAddress: "127.0.0.1",
    };
}

/**
 * zoo.cfg for the members still on hosts during a member swap: the same server
 * list as the pods (peers by Service name), the hosts' own data directory, and
 * quorum ports on all interfaces (a host's Service name resolves through the
 * cluster's DNS, not to a local interface name).
 */
export function renderHostZooCfg(s: EnsembleSettings): string {
    // Host packages (e.g. Debian's) lack the Prometheus provider jar: no metrics on hosts.
    return renderZooCfg({ ...s, metricsEnabled: false }, podServerEntries(s), { dataDir: s.hostDataDir, dataLogDir: "", quorumListenOnAllIPs: true });
}

/**
 * The `java.security` override a member's JVM reads through
 * `-Djava.security.properties`: how long it keeps DNS answers. Java keeps a
 * resolved address 30 s by default, and only as a security property (not a
 * `-D` system property) can that be changed; a peer that moved would stay
 * unreachable that long. Failed lookups (a moving member's name between its
 * host and its pod) are kept at most 1 s.
 */
export function renderJavaSecurity(s: Pick<EnsembleSettings, "dnsCacheSeconds">): string {
    return [
        "# java.security overrides rendered by zookeeper-cutover: how long this JVM keeps DNS answers.",
        "# A member that moves keeps its Service name and gets a new address; peers must see it within seconds.",
        `networkaddress.cache.ttl=${s.dnsCacheSeconds}`,
        `networkaddress.cache.negative.ttl=${Math.min(s.dnsCacheSeconds, 1)}`,
        "",
    ].join("\n");
}

/** The JVM flag that makes a member read the `java.security` override at `file`. */
export function javaSecurityFlag(file: string): string {
    return `-Djava.security.properties=${file}`;
}

/** JVM flags the legacy hosts must add in a member swap (e.g. to SERVER_JVMFLAGS in java.env): the DNS cache bound, from `<hostConfDir>/java.security`. */
export function renderHostJvmFlags(s: Pick<EnsembleSettings, "hostConfDir">): string {
    return javaSecurityFlag(`${s.hostConfDir}/${JAVA_SECURITY_FILE}`);
}

/** `server.N=...` lines in the dialect of the ensemble's version, ordered by id. */
export function renderServerLines(s: Pick<EnsembleSettings, "features" | "tls">, servers: ServerEntry[]): string[] {
    return [...servers]
        .sort((a, b) => a.id - b.id)
        .map((srv) => {
            const peer = `server.${srv.id}=${srv.address}:${PORTS.quorum}:${PORTS.election}`;
            // TLS only: the plaintext port is the member's own (clientPort/clientPortAddress), not published in
            // the server list, where clients that follow it (Curator's ensemble tracker) would find it.
            if (!s.features.clientPortInServerLine || s.tls === "require") {
                return peer;
            }
            const client = srv.clientBindAddress ? `${srv.clientBindAddress}:${PORTS.client}` : `${PORTS.client}`;
            return `${peer};${client}`;
        });
}

/** The content of a member's `myid` file. */
export function renderMyid(id: number): string {
    return `${id}\n`;
}

/**
 * zoo.cfg for every member of the ensemble (the file is the same for all of
 * them; each member finds itself in the server list through its myid).
 */
export function renderZooCfg(s: EnsembleSettings, servers: ServerEntry[], placement: ZooCfgPlacement): string {
    const multi = servers.length > 1;
    const lines: string[] = [
        `# zoo.cfg rendered by zookeeper-cutover for ZooKeeper ${s.version.text}; do not edit by hand.`,
        `tickTime=${s.tickTime}`,
        `initLimit=${s.initLimit}`,
        `syncLimit=${s.syncLimit}`,
        `dataDir=${placement.dataDir}`,
    ];
    if (placement.dataLogDir !== "") {
        lines.push(`dataLogDir=${placement.dataLogDir}`);
    }
    // 3.4 has no client port in the server line; a standalone 3.5+ server also reads clientPort.
    if (s.tls === "require") {
        lines.push(`clientPort=${PORTS.client}`, `clientPortAddress=${placement.plaintextClientAddress ?? "127.0.0.1"}`);
    } else if (!s.features.clientPortInServerLine || !multi) {
        lines.push(`clientPort=${PORTS.client}`);
    }
    lines.push(
        `maxClientCnxns=${s.maxClientCnxns}`,
        `minSessionTimeout=${s.minSessionTimeout}`,
        `maxSessionTimeout=${s.maxSessionTimeout}`,
        `autopurge.snapRetainCount=${s.autopurgeSnapRetainCount}`,
        `autopurge.purgeInterval=${s.autopurgeIntervalHours}`,
        `4lw.commands.whitelist=${s.fourLetterWords.join(",")}`,
    );
    if (placement.quorumListenOnAllIPs) {
        lines.push("quorumListenOnAllIPs=true");
    }
    if (s.features.dynamicReconfig) {
        lines.push(`standaloneEnabled=${multi ? "false" : "true"}`, "reconfigEnabled=false");
    }
    if (s.features.adminServer) {
        lines.push(`admin.enableServer=${s.adminServer}`);
        if (s.adminServer) {
            lines.push(`admin.serverPort=${s.adminServerPort}`);
        }
    }
    if (s.metricsEnabled) {
        lines.push(
            "metricsProvider.className=org.apache.zookeeper.metrics.prometheus.PrometheusMetricsProvider",
            `metricsProvider.httpPort=${s.metricsPort}`,
            "metricsProvider.exportJvmInfo=true",
        );
    }
    lines.push(...renderSecurityLines(s, placement));
    lines.push(...renderServerLines(s, servers));
    return lines.join("\n") + "\n";
}

/**
 * TLS and SASL lines of zoo.cfg. Only paths and switches: certificates and
 * passwords live in Secrets, never in the config. The steps follow
 * ZooKeeper's own zero-downtime procedure, one rolling restart each:
 * port unification (accept), TLS between members (prefer), TLS only (require).
 */
export function renderSecurityLines(s: Pick<EnsembleSettings, "tls" | "tlsClientAuth" | "saslQuorum" | "saslClient">, placement: ZooCfgPlacement): string[] {
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
export function usesSasl(s: Pick<EnsembleSettings, "saslQuorum" | "saslClient">): boolean {
    return s.saslQuorum !== "off" || s.saslClient !== "off";
}

/** JVM flags security needs beyond zoo.cfg (system properties that zoo.cfg cannot set). */
export function renderSecurityJvmFlags(s: Pick<EnsembleSettings, "saslQuorum" | "saslClient">, jaasFile = `${POD_PATHS.sasl}/jaas.conf`): string[] {
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
    s: Pick<EnsembleSettings, "saslQuorum" | "saslClient" | "saslClientUsers">,
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

/** Logging configuration for the version's backend, to the console (kubectl logs). */
export function renderLoggingConfig(s: Pick<EnsembleSettings, "features">): { fileName: string; content: string } {
    if (s.features.logging === "logback") {
        return {
            fileName: "logback.xml",
            content: [
                "<configuration>",
                '  <appender name="CONSOLE" class="ch.qos.logback.core.ConsoleAppender">',
                "    <encoder>",
                "      <pattern>%d{ISO8601} [myid:%X{myid}] - %-5p [%t:%C{1}@%L] - %m%n</pattern>",
                "    </encoder>",
                "  </appender>",
                '  <root level="INFO">',
                '    <appender-ref ref="CONSOLE"/>',
                "  </root>",
                "</configuration>",
                "",
            ].join("\n"),
        };
    }
    return {
        fileName: "log4j.properties",
        content: [
            "log4j.rootLogger=INFO, CONSOLE",
            "log4j.appender.CONSOLE=org.apache.log4j.ConsoleAppender",
            "log4j.appender.CONSOLE.Threshold=INFO",
            "log4j.appender.CONSOLE.layout=org.apache.log4j.PatternLayout",
            "log4j.appender.CONSOLE.layout.ConversionPattern=%d{ISO8601} [myid:%X{myid}] - %-5p [%t:%C{1}@%L] - %m%n",
            "",
        ].join("\n"),
    };
}

/**
 * start.sh: the member's entry point. Its myid is its pod ordinal (the
 * StatefulSet's ordinals start at the first member id), passed in through the
 * downward API; it refuses to start when that id is not a member or when the
 * data directory already belongs to another member. On 3.6+ (database
 * existence validation on), a member whose data directory is new trusts an
 * empty tree (the `initialize` marker) only when no other member serves: that
 * is the creation of the ensemble. Otherwise it joins as a non-voting member
 * until it has synced, instead of voting as if it were up to date.
 */
export function renderStartScript(s: EnsembleSettings): string {
    const peers = s.memberIds.map((id) => `${id}=${memberPeerAddress(s, id)}`).join(" ");
    const lines = [
        "#!/usr/bin/env bash",
        "# Entry point of one ZooKeeper member, rendered by zookeeper-cutover.",
        "set -euo pipefail",
        ...(s.features.dbExistenceGuard ? reachFunction() : []),
        'id="${ZK_MEMBER_ID:-}"',
        `members=" ${s.memberIds.join(" ")} "`,
        'case "$members" in',
        '  *" $id "*) ;;',
        '  *) echo "refusing to start: member id \'$id\' is not one of the ensemble\'s members:$members" >&2; exit 1 ;;',
        "esac",
        `peers="\${ZK_PEERS:-${peers}}"`,
        // The member's peers dial its Service name, and ZooKeeper resolves its own entry once at start
        // (3.5.7-3.8.1 announce that address on the election port): start only once the name leads here.
        'if [ -n "${ZK_POD_IP:-}" ]; then',
        '  self_name=""',
        '  for peer in $peers; do if [ "${peer%%=*}" = "$id" ]; then self_name="${peer#*=}"; fi; done',
        '  if [ -z "$self_name" ]; then echo "refusing to start: the peer list names no address for member $id" >&2; exit 1; fi',
        '  if ! command -v getent >/dev/null; then echo "refusing to start: getent is needed to check that $self_name leads to this pod" >&2; exit 1; fi',
        '  limit="${ZK_DNS_WAIT_SECONDS:-120}"',
        '  case "$limit" in ""|*[!0-9]*) echo "refusing to start: ZK_DNS_WAIT_SECONDS=$limit is not a whole number of seconds" >&2; exit 1 ;; esac',
        "  started=$SECONDS",
        "  while :; do",
        "    resolved=false",
        '    while read -r address _; do if [ "$address" = "$ZK_POD_IP" ]; then resolved=true; fi; done < <(getent ahosts "$self_name" 2>/dev/null || true)',
        "    waited=$((SECONDS - started))",
        '    if [ "$resolved" = true ]; then break; fi',
        '    if [ "$waited" -ge "$limit" ]; then',
        '      echo "refusing to start: $self_name does not resolve to this pod ($ZK_POD_IP) after $waited s; its peers could not reach it (is clusterDomain right?)" >&2',
        "      exit 1",
        "    fi",
        "    sleep 1",
        "  done",
        '  echo "$self_name resolves to this pod ($ZK_POD_IP) after $waited s"',
        "fi",
        `data_dir="\${ZK_DATA_DIR:-${POD_PATHS.data}}"`,
        'myid_file="$data_dir/myid"',
        'if [ -s "$myid_file" ]; then',
        '  found="$(tr -d \'[:space:]\' < "$myid_file")"',
        '  if [ "$found" != "$id" ]; then',
        '    echo "refusing to start: $myid_file holds myid $found but this pod is member $id" >&2',
        "    exit 1",
        "  fi",
        "else",
        '  printf \'%s\\n\' "$id" > "$myid_file"',
    ];
    if (s.features.dbExistenceGuard) {
        lines.push(
            "  # New data directory: trust an empty tree only while the ensemble is being created (the bootstrap",
            "  # flag, which the cutover turns off once the volumes exist) and no other member serves.",
            `  bootstrap="$(cat "\${ZK_BOOTSTRAP_FILE:-${POD_PATHS.bootstrap}/bootstrap}" 2>/dev/null || echo false)"`,
            '  serving=""',
            // Only a leader listens on the quorum port: one that accepts a connection means a quorum exists.
            // A bare TCP connect works whether or not the members talk TLS.
            "  for peer in $peers; do",
            '    [ "${peer%%=*}" = "$id" ] && continue',
            `    if reach "\${peer#*=}" "\${ZK_PEER_QUORUM_PORT:-${PORTS.quorum}}"; then`,
            '      serving="${peer#*=}"',
            "      break",
            "    fi",
            "  done",
            // ZooKeeper looks for the marker beside the transaction log (dataLogDir, else dataDir).
            `  marker_dir="\${ZK_DATA_LOG_DIR:-${s.dataLogVolumeSize !== "" ? POD_PATHS.dataLog : "$data_dir"}}"`,
            '  if [ "$bootstrap" = "true" ] && [ -z "$serving" ]; then',
            '    : > "$marker_dir/initialize"',
            '    echo "no other member serves: creating the ensemble, an empty database is expected"',
            '  elif [ -n "$serving" ]; then',
            '    echo "joining the serving ensemble (its leader is at $serving) as a non-voting member until synced"',
            "  else",
            '    echo "no data and the ensemble exists already: joining as a non-voting member until synced"',
            "  fi",
        );
    }
    lines.push("fi");
    if (s.tls !== "off") {
        lines.push(
            "# ZooKeeper reads its private key and certificate chain from one PEM file: assemble it from the Secret.",
            `tls_dir="\${ZK_TLS_DIR:-${POD_PATHS.tls}}"`,
            `key_store="\${ZK_TLS_KEY_STORE:-${POD_PATHS.keyStore}}"`,
            'for f in tls.key tls.crt ca.crt; do',
            '  if [ ! -s "$tls_dir/$f" ]; then',
            '    echo "refusing to start: TLS is on but the certificate Secret has no $f ($tls_dir/$f)" >&2',
            "    exit 1",
            "  fi",
            "done",
            'mkdir -p "$(dirname "$key_store")"',
            '( umask 077 && cat "$tls_dir/tls.key" "$tls_dir/tls.crt" > "$key_store" )',
        );
    }
    lines.push('exec ${ZK_SERVER_COMMAND:-zkServer.sh start-foreground}', "");
    return lines.join("\n");
}

/** `reach HOST PORT`: succeeds when something accepts a TCP connection there (bash only). */
function reachFunction(): string[] {
    return [
        "reach() { # host port",
        '  timeout "${ZK_PROBE_TIMEOUT:-4}" bash -c \'exec 3<>"/dev/tcp/$0/$1"\' "$1" "$2" 2>/dev/null',
        "}",
    ];
}

/** Sends one four-letter word to the member and prints the answer (bash only, no nc needed). */
function askAtFunction(): string[] {
    return [
        "ask_at() { # host port word",
        '  timeout "${ZK_PROBE_TIMEOUT:-4}" bash -c \'exec 3<>"/dev/tcp/$0/$1" && printf "%s" "$2" >&3 && cat <&3\' "$1" "$2" "$3" 2>/dev/null',
        "}",
    ];
}

/** `ask WORD`: the word to this member (the probes). */
function fourLetterWordFunction(): string[] {
    return [
        'host="${ZK_PROBE_HOST:-127.0.0.1}"',
        `port="\${ZK_PROBE_PORT:-${PORTS.client}}"`,
        ...askAtFunction(),
        'ask() { ask_at "$host" "$port" "$1"; }',
    ];
}

/** ready.sh: succeeds only while the member serves inside a quorum (srvr mode leader, follower or observer). */
export function renderReadinessScript(s: EnsembleSettings): string {
    const modes = s.memberIds.length > 1 ? "leader|follower|observer" : "leader|follower|observer|standalone";
    return [
        "#!/usr/bin/env bash",
        "# Readiness: ready only while this member serves inside a quorum, not merely when it answers ruok.",
        ...fourLetterWordFunction(),
        'mode="$(ask srvr | sed -n \'s/^Mode: //p\')"',
        'case "$mode" in',
        `  ${modes}) exit 0 ;;`,
        "esac",
        'echo "not serving in a quorum (srvr mode: ${mode:-no answer})" >&2',
        "exit 1",
        "",
    ].join("\n");
}

/** live.sh: succeeds while the server process answers ruok with imok, quorum or not (an election must not restart members). */
export function renderLivenessScript(): string {
    return [
        "#!/usr/bin/env bash",
        "# Liveness: the server process answers; it need not be in a quorum (elections must not restart members).",
        ...fourLetterWordFunction(),
        'reply="$(ask ruok)"',
        '[ "$reply" = "imok" ] && exit 0',
        'echo "no imok from ruok (got: ${reply:-nothing})" >&2',
        "exit 1",
        "",
    ].join("\n");
}

/** Every file of the member ConfigMap, keyed by file name, in a fixed order. */
export function renderConfigFiles(s: EnsembleSettings): Record<string, string> {
    const logging = renderLoggingConfig(s);
    return {
        "zoo.cfg": renderZooCfg(s, podServerEntries(s), podPlacement(s)),
        [logging.fileName]: logging.content,
        [JAVA_SECURITY_FILE]: renderJavaSecurity(s),
        "start.sh": renderStartScript(s),
        "ready.sh": renderReadinessScript(s),
        "live.sh": renderLivenessScript(),
    };
}
