/**
 * The gate of every real-ZooKeeper suite: the installation, or a skip with the
 * reason - except in CI, where a missing installation fails the suite.
 */
import { missingInstallReason } from "../../tools/zookeeper/local";
import { findZooKeeperInstall, ZooKeeperInstall } from "../../tools/zookeeper/process";

export function requireZooKeeper(context: Mocha.Context, suite: string): ZooKeeperInstall {
    const found = findZooKeeperInstall();
    if (found) {
        return found;
    }
    const reason = missingInstallReason();
    if (process.env.CI === "true") {
        throw new Error(`${reason}; CI must run ${suite}, install it (apt-get install -y zookeeper)`);
    }
    console.log(`    skipping ${suite}: ${reason}`);
    context.skip();
}
