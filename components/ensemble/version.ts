/**
 * ZooKeeper versions and the configuration dialect each one speaks.
 */

/** The version the components use when none is given. */
export const DEFAULT_ZOOKEEPER_VERSION = "3.8.4";

/**
 * Released versions we accept, per 3.x line: [first, newest known]. 3.4 starts
 * at 3.4.14, the first official image on Debian (earlier tags were Alpine,
 * whose busybox tools the probes do not support) and with the peer/client DNS
 * re-resolution fixes; 3.5.0-3.5.4 were alpha/beta. A newer patch release is
 * added here when it ships.
 */
const SUPPORTED_LINES: Record<number, [number, number]> = {
    4: [14, 14],
    5: [5, 10],
    6: [0, 4],
    7: [0, 2],
    8: [0, 4],
    9: [0, 3],
};

export interface ZooKeeperVersion {
    major: number;
    minor: number;
    patch: number;
    /** "3.8.4" */
    text: string;
}

/** What a version can do; everything that varies by version is decided here. */
export interface VersionFeatures {
    /** 3.4: `clientPort` line and `server.N=h:2888:3888`; 3.5+: `server.N=h:2888:3888;2181`. */
    clientPortInServerLine: boolean;
    /** `standaloneEnabled`, `reconfigEnabled` (3.5+). */
    dynamicReconfig: boolean;
    /** Jetty admin server (`admin.enableServer`, 3.5+). */
    adminServer: boolean;
    /** `metricsProvider.*` Prometheus exporter (3.6+). */
    prometheusMetrics: boolean;
    /**
     * Database existence validation (`zookeeper.db.autocreate=false`, 3.6+): a
     * member without data joins as a non-voting participant until it synced,
     * unless an `initialize` marker says an empty tree is expected.
     */
    dbExistenceGuard: boolean;
    /**
     * TLS (client `secureClientPort` and quorum `sslQuorum`, PEM key and trust
     * stores, port unification) and SASL (DIGEST-MD5 client and quorum
     * authentication): 3.5.5+, which every supported 3.5+ release is.
     */
    tlsAndSasl: boolean;
    /** Refusing sessions that did not authenticate with SASL (`zookeeper.sessionRequireClientSASLAuth`, 3.6+). */
    requireClientSasl: boolean;
    /** Logging backend of the distribution: logback from 3.8, log4j 1.x before. */
    logging: "logback" | "log4j";
    /**
     * What a member tells a peer about itself when it opens an election
     * connection, and so where a peer with a higher id connects back to:
     * "none" (3.4: the peer dials the address in its own config), "hostname"
     * (3.5.5-3.5.6, 3.8.2+: the name from its server line, which the peer
     * resolves) or "address" (3.5.7-3.8.1: the address it resolved for itself
     * at start).
     */
    electionAnnouncement: "none" | "hostname" | "address";
    /**
     * ZOOKEEPER-4537 (3.6.0-3.6.3, 3.7.0-3.7.1, 3.8.0; fixed in 3.6.4, 3.7.2,
     * 3.8.1): the commit processor can miss its wake-up, so a committed write
     * waits for the next request to reach that server. A server whose one busy
     * client waits for its answer answers at that client's next ping: a third
     * of its session timeout (6 s for an 18 s session, 20 s for Curator's 60 s).
     */
    lostCommitWakeup: boolean;
}

/** Parses "3.8.4"; returns an explanation instead when the text is not a supported version. */
export function parseZooKeeperVersion(text: string): ZooKeeperVersion | { error: string } {
    const allowed = supportedVersionsText();
    if (typeof text !== "string" || !/^\d+\.\d+\.\d+$/.test(text)) {
        return { error: `${JSON.stringify(text)} is not a version of the form MAJOR.MINOR.PATCH; allowed: ${allowed}` };
    }
    const [major, minor, patch] = text.split(".").map((n) => Number(n));
    // The text is the image tag and the release name: only the way releases are written names one.
    const canonical = `${major}.${minor}.${patch}`;
    if (text.split(".").some((part) => /^0\d/.test(part))) {
        const meant = isSupported(major, minor, patch) ? ` (did you mean ${JSON.stringify(canonical)}?)` : "";
        return { error: `${JSON.stringify(text)} has a leading zero${meant}; allowed: MAJOR.MINOR.PATCH as released, without leading zeros: ${allowed}` };
    }
    if (!isSupported(major, minor, patch)) {
        return { error: `${JSON.stringify(text)} is not a supported ZooKeeper release; allowed: ${allowed}` };
    }
    return { major, minor, patch, text };
}

function isSupported(major: number, minor: number, patch: number): boolean {
    const line = major === 3 ? SUPPORTED_LINES[minor] : undefined;
    return line !== undefined && patch >= line[0] && patch <= line[1];
}

export function supportedVersionsText(): string {
    return Object.entries(SUPPORTED_LINES)
        .map(([minor, [first, last]]) => (first === last ? `3.${minor}.${first}` : `3.${minor}.${first}-3.${minor}.${last}`))
        .join(", ");
}

export function featuresOf(v: ZooKeeperVersion): VersionFeatures {
    const atLeast = (minor: number) => v.major > 3 || (v.major === 3 && v.minor >= minor);
    return {
        clientPortInServerLine: atLeast(5),
        dynamicReconfig: atLeast(5),
        adminServer: atLeast(5),
        prometheusMetrics: atLeast(6),
        dbExistenceGuard: atLeast(6),
        tlsAndSasl: atLeast(5) && !(v.minor === 5 && v.patch < 5),
        requireClientSasl: atLeast(6),
        logging: atLeast(8) ? "logback" : "log4j",
        electionAnnouncement: electionAnnouncementOf(v),
        lostCommitWakeup: v.major === 3 && ((v.minor === 6 && v.patch <= 3) || (v.minor === 7 && v.patch <= 1) || (v.minor === 8 && v.patch === 0)),
    };
}

/** What a version with `lostCommitWakeup` does to clients, for a warning that names the release and where it runs. */
export const LOST_COMMIT_WAKEUP_TEXT =
    "ZOOKEEPER-4537: a server can leave a committed write unanswered until another request reaches it, " +
    "so a client whose server has no other busy client waits until its own next ping (a third of its session timeout); fixed in 3.6.4, 3.7.2 and 3.8.1";

/** See `VersionFeatures.electionAnnouncement` (ZOOKEEPER-3057 made 3.5.7 send the address, ZOOKEEPER-3860 made 3.8.2 send the name again). */
function electionAnnouncementOf(v: ZooKeeperVersion): VersionFeatures["electionAnnouncement"] {
    if (v.minor < 5) {
        return "none";
    }
    if ((v.minor === 5 && v.patch < 7) || (v.minor === 8 && v.patch >= 2) || v.minor > 8) {
        return "hostname";
    }
    return "address";
}
