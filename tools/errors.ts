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
