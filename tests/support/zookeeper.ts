/**
 * The gate of every real-ZooKeeper suite: the installation, or a failure that
 * names what is missing and how to install it. The suites never skip.
 */
import { spawnSync } from "child_process";
import { missingInstallReason } from "../../tools/zookeeper/local";
import { findZooKeeperInstall, ZooKeeperInstall } from "../../tools/zookeeper/process";

export function requireZooKeeper(suite: string): ZooKeeperInstall {
    const found = findZooKeeperInstall();
    if (!found) {
        throw new Error(`${missingInstallReason()}; ${suite} needs it (apt-get install -y zookeeper)`);
    }
    return found;
}

/** Fails unless the openssl command is installed (the TLS suite makes its certificates with it). */
export function requireOpenssl(suite: string): void {
    if (spawnSync("openssl", ["version"]).status !== 0) {
        throw new Error(`openssl is not installed; ${suite} needs it (apt-get install -y openssl)`);
    }
}
