import * as pulumi from "@pulumi/pulumi";
import { isPendingInput, ZooKeeperConfigError } from "./errors";

/**
 * Runs a pure validation and converts its issues into Pulumi's input-property
 * errors (printed per property by the engine, without a stack trace). Called
 * before a component registers itself, so nothing is created. `rename` names
 * each issue's key as the caller wrote it (nested args).
 */
export function toInputErrors<T>(component: string, validate: () => T, rename: (err: ZooKeeperConfigError) => ZooKeeperConfigError = (e) => e): T {
    try {
        return validate();
    } catch (caught) {
        const err = ZooKeeperConfigError.isInstance(caught) ? rename(caught) : caught;
        if (ZooKeeperConfigError.isInstance(err)) {
            throw new pulumi.InputPropertiesError({
                message: `invalid ${component} args:\n${err.message}`,
                errors: err.issues.map((i) => ({ propertyPath: i.key, reason: i.message })),
            });
        }
        throw err;
    }
}

/**
 * A name that may come from another resource (an Output): checked now when it
 * is a plain value, else once it is known (then a bad one fails the update,
 * naming the property). `problem` says what is wrong with a value, or undefined.
 */
export function checkedName(component: string, key: string, value: pulumi.Input<string>, problem: (v: unknown) => string | undefined): pulumi.Output<string> {
    const fail = (reason: string) => new pulumi.InputPropertiesError({ message: `invalid ${component} args:\n${key}: ${reason}`, errors: [{ propertyPath: key, reason }] });
    if (!isPendingInput(value)) {
        const now = problem(value);
        if (now !== undefined) {
            throw fail(now);
        }
        return pulumi.output(value);
    }
    return pulumi.output(value).apply((v) => {
        const later = problem(v);
        if (later !== undefined) {
            throw fail(later);
        }
        return v;
    });
}
