/**
 * Starts ZooKeeper members on this machine from the components' renderers:
 * the bridge between the pure renderers and the process harness, shared by the
 * rehearsal and the real-ZooKeeper tests.
 */
import * as path from "path";
import { renderLoggingConfig, renderMyid, renderZooCfg, ServerEntry } from "../../components/ensemble/zooCfg";
import { ZooCfgPlacement } from "../../components/ensemble/paths";
import { EnsembleSettings } from "../../components/ensemble/settings";
import { findJava, MemberProcess, MemberSpec, startMember, ZooKeeperInstall } from "./process";

/** The logging configuration for the backend this installation logs through (Debian's 3.8 package uses log4j, not logback). */
export function loggingConfigFor(install: ZooKeeperInstall, settings: Pick<EnsembleSettings, "features">) {
    const logging = install.logging === "none" ? settings.features.logging : install.logging;
    return renderLoggingConfig({ features: { ...settings.features, logging } });
}

export interface LocalMemberSpec extends Pick<MemberSpec, "heapMiB" | "jvmArgs"> {
    id: number;
    /** The member's directory; its data goes to `<dir>/data`. */
    dir: string;
    /** The server list as this member sees it. */
    servers: ServerEntry[];
    /** TLS stores and the TLS-only plaintext address, when the settings turn TLS on. */
    placement?: Pick<ZooCfgPlacement, "tls" | "plaintextClientAddress" | "secureClientAddress">;
}

/**
 * Renders zoo.cfg (members share one machine, so each binds only its own
 * address), myid and the logging configuration, and starts the member.
 */
export function startLocalMember(install: ZooKeeperInstall, settings: EnsembleSettings, spec: LocalMemberSpec): MemberProcess {
    const zooCfg = renderZooCfg(settings, spec.servers, { dataDir: path.join(spec.dir, "data"), dataLogDir: "", quorumListenOnAllIPs: false, ...spec.placement });
    return startMember(install, {
        dir: spec.dir,
        zooCfg,
        myid: renderMyid(spec.id),
        logging: loggingConfigFor(install, settings),
        heapMiB: spec.heapMiB,
        jvmArgs: spec.jvmArgs,
    });
}

/** Servers on loopback addresses: each binds its client port to its own address. */
export function loopbackServers(ids: number[], address: (id: number) => string): ServerEntry[] {
    return ids.map((id) => ({ id, address: address(id), clientBindAddress: address(id) }));
}

/** Why there is no usable installation here, in one line. */
export function missingInstallReason(env: NodeJS.ProcessEnv = process.env): string {
    if (findJava(env) === undefined) {
        return "java is not installed (no $JAVA_HOME/bin/java and no java on PATH)";
    }
    return env.ZOOKEEPER_HOME
        ? `no ZooKeeper distribution under ZOOKEEPER_HOME=${env.ZOOKEEPER_HOME} (no lib/zookeeper-X.Y.Z.jar)`
        : "ZooKeeper is not installed (no /usr/share/java/zookeeper.jar from the Debian package `zookeeper`; or set ZOOKEEPER_HOME to a distribution)";
}
