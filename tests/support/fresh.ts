/** Runs a script in a Node process of its own, with this checkout's TypeScript loader: what a command loads and registers, untouched by other tests. */
import { spawnSync } from "child_process";
import * as path from "path";
import { REPO_ROOT } from "../../tools/plan";

/** Runs `script` (JavaScript; `require` resolves from the checkout's root) and parses the JSON it prints last. */
export function inFreshProcess<T>(script: string): T {
    const r = spawnSync(process.execPath, ["-r", path.join(REPO_ROOT, "bin", "ts-register.js"), "-e", script], { cwd: REPO_ROOT, encoding: "utf8", timeout: 60000 });
    if (r.status !== 0) {
        throw new Error(`fresh process exited ${r.status}: ${r.stderr}`);
    }
    const lines = r.stdout.trim().split("\n");
    return JSON.parse(lines[lines.length - 1]) as T;
}
