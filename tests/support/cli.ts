/** Runs commands of the command line in-process, the way the tests drive it. */
import { Command, CommanderError } from "commander";

/**
 * Builds a fresh program with `register`'s commands, runs `args` (as a user
 * types them) and resolves with the exit code and what it printed.
 */
export async function runCommand(register: (program: Command) => unknown, args: string[]): Promise<{ code: number; out: string; err: string }> {
    let out = "";
    let err = "";
    const program = new Command()
        .name("zk-cutover")
        .exitOverride()
        .configureOutput({ writeOut: (s) => (out += s), writeErr: (s) => (err += s) });
    register(program);
    const saved = process.exitCode;
    process.exitCode = undefined;
    try {
        await program.parseAsync(args, { from: "user" });
        return { code: Number(process.exitCode ?? 0), out, err };
    } catch (e) {
        if (e instanceof CommanderError) {
            return { code: e.exitCode, out, err };
        }
        throw e;
    } finally {
        process.exitCode = saved;
    }
}
