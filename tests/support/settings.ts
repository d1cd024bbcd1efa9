/**
 * Bad ensemble args and the issue lines they are refused with.
 */
import { expect } from "chai";
import { ZooKeeperConfigError } from "../../components/shared/errors";
import { resolveEnsembleSettings } from "../../components/ensemble/settings";
import { EnsembleValues } from "../../components/ensemble/args";

/** The issue lines a bad args object produces (each "key: message"), in namespace "zookeeper". */
export function issuesOf(args: Record<string, unknown>): string[] {
    try {
        resolveEnsembleSettings({ namespace: "zookeeper", ...args } as EnsembleValues);
    } catch (err) {
        expect(ZooKeeperConfigError.isInstance(err), String(err)).to.equal(true);
        return (err as ZooKeeperConfigError).message.split("\n");
    }
    throw new Error(`expected ${JSON.stringify(args)} to be refused`);
}
