/**
 * zoo.cfg, myid, server list, logging configuration and the member scripts.
 * Pure: the components and the real-ZooKeeper rehearsal render through these
 * same functions.
 */
import { EnsembleSettings, PORTS } from "./settings";

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
}

export const POD_PATHS = { data: "/data", dataLog: "/datalog", conf: "/conf", logs: "/logs", tmp: "/tmp", bootstrap: "/bootstrap" } as const;

/** The peer address of member `id` inside the cluster: its own Service, which never changes when the member moves. */
export function memberServiceName(s: Pick<EnsembleSettings, "ensembleName">, id: number): string {
    return `${s.ensembleName}-${id}`;
}

export function memberPeerAddress(s: Pick<EnsembleSettings, "ensembleName" | "namespace" | "clusterDomain">, id: number): string {
    return `${memberServiceName(s, id)}.${s.namespace}.svc.${s.clusterDomain}`;
}

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

/** `server.N=...` lines in the dialect of the ensemble's version, ordered by id. */
export function renderServerLines(s: Pick<EnsembleSettings, "features">, servers: ServerEntry[]): string[] {
    return [...servers]
        .sort((a, b) => a.id - b.id)
        .map((srv) => {
            const peer = `server.${srv.id}=${srv.address}:${PORTS.quorum}:${PORTS.election}`;
            if (!s.features.clientPortInServerLine) {
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
    if (!s.features.clientPortInServerLine || !multi) {
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
    lines.push(...renderServerLines(s, servers));
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
        ...(s.features.dbExistenceGuard ? askAtFunction() : []),
        'id="${ZK_MEMBER_ID:-}"',
        `members=" ${s.memberIds.join(" ")} "`,
        'case "$members" in',
        '  *" $id "*) ;;',
        '  *) echo "refusing to start: member id \'$id\' is not one of the ensemble\'s members:$members" >&2; exit 1 ;;',
        "esac",
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
            `  peers="\${ZK_PEERS:-${peers}}"`,
            '  serving=""',
            "  for peer in $peers; do",
            '    [ "${peer%%=*}" = "$id" ] && continue',
            `    if ask_at "\${peer#*=}" "\${ZK_PEER_CLIENT_PORT:-${PORTS.client}}" srvr | grep -q '^Mode: '; then`,
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
            '    echo "joining the serving ensemble (seen at $serving) as a non-voting member until synced"',
            "  else",
            '    echo "no data and the ensemble exists already: joining as a non-voting member until synced"',
            "  fi",
        );
    }
    lines.push("fi", 'exec ${ZK_SERVER_COMMAND:-zkServer.sh start-foreground}', "");
    return lines.join("\n");
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
        "start.sh": renderStartScript(s),
        "ready.sh": renderReadinessScript(s),
        "live.sh": renderLivenessScript(),
    };
}
