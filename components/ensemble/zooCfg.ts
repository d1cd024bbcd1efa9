/**
 * zoo.cfg, myid, the server list, the JVM's DNS cache override, logging, and
 * the files of the members' ConfigMap.
 * Pure: the components and the real-ZooKeeper rehearsal render through these
 * same functions.
 */
import { memberPeerAddress, PORTS } from "../shared/zookeeper";
import { EnsembleSettings } from "./settings";
import { JAVA_SECURITY_FILE, POD_PATHS, POD_TLS_STORES, ZooCfgPlacement } from "./paths";
import { renderLivenessScript, renderReadinessScript, renderStartScript } from "./scripts";
import { renderSecurityLines } from "./security";

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
