/**
 * Plans a shipped stack with some config keys changed, through a temporary
 * stack config file (the same path a user's --config-file takes).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { Plan, planStack, STACKS_DIR } from "../../tools/plan";

/** Config of a shipped stack with `overrides` applied ("key" means "zookeeper-cutover:key"; null removes a key). */
export function stackConfigWith(stack: string, overrides: Record<string, unknown>): Record<string, unknown> {
    const doc = YAML.parse(fs.readFileSync(path.join(STACKS_DIR, `Pulumi.${stack}.yaml`), "utf8"));
    const config: Record<string, unknown> = { ...doc.config };
    for (const [key, value] of Object.entries(overrides)) {
        const full = key.includes(":") ? key : `zookeeper-cutover:${key}`;
        if (value === null) {
            delete config[full];
        } else {
            config[full] = value;
        }
    }
    return config;
}

/** Runs `use` with a temporary `Pulumi.<name>.yaml` holding `config` (as a user's --config-file), removed afterwards. */
export async function withStackFile<T>(name: string, config: Record<string, unknown>, use: (file: string) => T | Promise<T>): Promise<T> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "zk-stack-"));
    const file = path.join(dir, `Pulumi.${name}.yaml`);
    try {
        fs.writeFileSync(file, YAML.stringify({ config }));
        return await use(file);
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

export function planWith(stack: string, overrides: Record<string, unknown>, name = stack): Promise<Plan> {
    return withStackFile(name, stackConfigWith(stack, overrides), (file) => planStack({ configFile: file }));
}

/** The error lines a stack config with `overrides` is refused with. */
export async function planErrors(stack: string, overrides: Record<string, unknown>): Promise<string[]> {
    try {
        await planWith(stack, overrides);
    } catch (err) {
        return (err as Error).message.split("\n").slice(1);
    }
    throw new Error(`expected ${JSON.stringify(overrides)} to be refused`);
}

export function ofType(plan: Plan, type: string) {
    return plan.resources.filter((r) => r.type === type);
}
