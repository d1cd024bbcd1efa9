import * as pulumi from "@pulumi/pulumi";
import { ZooKeeperConfigError } from "./errors";

/**
 * Runs a pure validation and converts its issues into Pulumi's input-property
 * errors (printed per property by the engine, without a stack trace). Called
 * before a component registers itself, so nothing is created.
 */
export function toInputErrors<T>(component: string, validate: () => T): T {
    try {
        return validate();
    } catch (err) {
        if (ZooKeeperConfigError.isInstance(err)) {
            throw new pulumi.InputPropertiesError({
                message: `invalid ${component} args:\n${err.message}`,
                errors: err.issues.map((i) => ({ propertyPath: i.key, reason: i.message })),
            });
        }
        throw err;
    }
}
