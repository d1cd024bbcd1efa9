import * as fs from "fs";

/**
 * A user mistake (bad option, bad stack config): the CLI prints its message as
 * one `error:` line and exits with `exitCode`, no stack trace. Kept apart from
 * the commands so catching it loads none of them.
 */
export class UserInputError extends Error {
    readonly exitCode: number = 1;

    constructor(message: string, name: string) {
        super(message);
        this.name = name;
    }
}

/** An option whose value or file cannot be used (TLS files, SASL credentials): one line naming the option and what is allowed. */
export class OptionError extends UserInputError {
    constructor(message: string) {
        super(message, "OptionError");
    }
}

/** The content of the file `option` names, or an `OptionError` saying it cannot be read and what is `allowed`. */
export function readOptionFile(file: string, option: string, allowed: string): Buffer {
    try {
        return fs.readFileSync(file);
    } catch (err) {
        throw new OptionError(`${option} ${JSON.stringify(file)} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); allowed: ${allowed}`);
    }
}
