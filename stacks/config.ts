/**
 * Typed stack configuration: Pulumi.yaml's `config:` schema is the single
 * source of keys, types, defaults and descriptions. Reading checks every key
 * of the project's namespace against it, and every namespace against the
 * project's and its providers', so a typo fails instead of being ignored.
 */
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { ConfigIssue, describeType as describeValueType, IssueCollector, show, suggest, ZooKeeperConfigError } from "../components/shared/errors";
import * as pulumiRuntime from "@pulumi/pulumi/runtime";
import { SECRET_ARG_KEYS } from "../components/ensemble/args";

export const PROJECT = "zookeeper-cutover";
/**
 * The package's root (where package.json and Pulumi.yaml are): one level up from stacks/ in a checkout run from
 * its TypeScript, two from dist/stacks/ in the built package.
 */
export const PACKAGE_ROOT = packageRoot(__dirname);
export const PROJECT_FILE = path.join(PACKAGE_ROOT, "Pulumi.yaml");

function packageRoot(from: string): string {
    for (let dir = from; ; dir = path.dirname(dir)) {
        if (fs.existsSync(path.join(dir, "package.json"))) {
            return dir;
        }
        if (path.dirname(dir) === dir) {
            return path.resolve(from, "..");
        }
    }
}
/** Config namespaces of the providers the program uses (and Pulumi's own); any other namespace but the project's is a mistake. */
export const PROVIDER_NAMESPACES = ["aws", "kubernetes", "pulumi"];
/** String keys whose value is JSON text by design (a `cutoverState` output): a list or an object given there is that text. */
export const JSON_TEXT_KEYS = ["previousCutoverState"];

export type ConfigType = "string" | "integer" | "boolean" | "array";

export interface ConfigKeySchema {
    type: ConfigType;
    items?: { type: Exclude<ConfigType, "array"> };
    default?: unknown;
    description: string;
}

const schemas = new Map<string, Record<string, ConfigKeySchema>>();

/** The `config:` schema of Pulumi.yaml, by key (without the project prefix); parsed once a process, shared, not to be changed. */
export function loadConfigSchema(projectFile = PROJECT_FILE): Record<string, ConfigKeySchema> {
    let schema = schemas.get(projectFile);
    if (!schema) {
        schema = YAML.parse(fs.readFileSync(projectFile, "utf8")).config as Record<string, ConfigKeySchema>;
        schemas.set(projectFile, schema);
    }
    return schema;
}

function describeType(s: ConfigKeySchema): string {
    if (s.type === "array") {
        return describeValueType(s.items?.type === "integer" ? "integers" : "strings");
    }
    return describeValueType(s.type);
}

/** A list or an object, when `text` is one in JSON (how Pulumi hands a program structured values). */
function structuredValue(text: string): object | undefined {
    if (!/^\s*[[{]/.test(text)) {
        return undefined;
    }
    try {
        const parsed: unknown = JSON.parse(text);
        return typeof parsed === "object" && parsed !== null ? parsed : undefined;
    } catch {
        return undefined;
    }
}

function parseTyped(type: ConfigType, raw: unknown): { ok: true; value: unknown } | { ok: false } {
    switch (type) {
        case "string":
            return typeof raw === "string" ? { ok: true, value: raw } : { ok: false };
        case "integer":
            if (typeof raw === "number" && Number.isInteger(raw)) {
                return { ok: true, value: raw };
            }
            return typeof raw === "string" && /^-?\d+$/.test(raw) ? { ok: true, value: Number(raw) } : { ok: false };
        case "boolean":
            if (typeof raw === "boolean") {
                return { ok: true, value: raw };
            }
            return raw === "true" || raw === "false" ? { ok: true, value: raw === "true" } : { ok: false };
        default:
            return { ok: false };
    }
}

/**
 * Like `readStackConfig`, but returns the issues instead of throwing; keys with
 * a wrong type get their default so later checks can still run on the rest.
 */
export function readStackConfigCollecting(
    raw: Record<string, string>,
    schema: Record<string, ConfigKeySchema> = loadConfigSchema(),
    isSecret?: (fullKey: string) => boolean,
): { values: Record<string, unknown>; issues: IssueCollector } {
    const issues = new IssueCollector();
    const values = readInto(raw, schema, issues, isSecret);
    return { values, issues };
}

/**
 * Whether Pulumi holds a config key as a secret. Uses the runtime's own
 * record of secret keys; when the SDK does not expose it, every key counts as
 * secret (the check is skipped rather than refusing good config).
 */
export function configIsSecret(fullKey: string): boolean {
    const check = (pulumiRuntime as unknown as { isConfigSecret?: (k: string) => boolean }).isConfigSecret;
    return typeof check === "function" ? check(fullKey) : true;
}

/**
 * Turns the raw stack configuration (as `pulumi.runtime.allConfig()` gives it:
 * "project:key" -> string, JSON for lists) into typed values with defaults
 * applied. Throws a ZooKeeperConfigError naming "zookeeper-cutover:<key>" for
 * unknown keys, wrong types and missing required keys.
 */
export function readStackConfig(
    raw: Record<string, string>,
    schema: Record<string, ConfigKeySchema> = loadConfigSchema(),
): Record<string, unknown> {
    const { values, issues } = readStackConfigCollecting(raw, schema);
    if (issues.issues.length > 0) {
        throw new ZooKeeperConfigError(issues.issues, `${PROJECT}:`);
    }
    return values;
}

function readInto(
    raw: Record<string, string>,
    schema: Record<string, ConfigKeySchema>,
    issues: IssueCollector,
    isSecret?: (fullKey: string) => boolean,
): Record<string, unknown> {
    const known = Object.keys(schema);
    const given: Record<string, string> = {};
    for (const [fullKey, value] of Object.entries(raw)) {
        if (fullKey.startsWith(`${PROJECT}:`)) {
            given[fullKey.slice(PROJECT.length + 1)] = value;
        }
    }
    // Keys under any other namespace are read by nobody: a misspelt project name is the usual cause.
    const namespaces = [PROJECT, ...PROVIDER_NAMESPACES];
    for (const fullKey of Object.keys(raw).sort()) {
        const i = fullKey.indexOf(":");
        const namespace = i < 0 ? "" : fullKey.slice(0, i);
        if (!namespaces.includes(namespace)) {
            const key = fullKey.slice(i + 1);
            const candidates = [...known.map((k) => `${PROJECT}:${k}`), ...PROVIDER_NAMESPACES.map((p) => `${p}:${key}`)];
            const hint = suggest(fullKey, candidates) || suggest(namespace, namespaces);
            issues.add(
                fullKey,
                `unknown config namespace ${show(namespace)}${hint}; allowed: ${PROJECT}:<key> for this project, or the providers ${PROVIDER_NAMESPACES.slice(0, -1).join(", ")} and ${PROVIDER_NAMESPACES[PROVIDER_NAMESPACES.length - 1]}`,
            );
        }
    }
    for (const key of Object.keys(given).sort()) {
        if (!(key in schema)) {
            issues.add(key, `unknown config key${suggest(key, known)}; allowed keys are listed in Pulumi.yaml and the README`);
        }
    }
    const values: Record<string, unknown> = {};
    for (const [key, s] of Object.entries(schema)) {
        if (!(key in given)) {
            if (s.default === undefined) {
                issues.add(key, `is required; ${s.description}`);
            } else {
                values[key] = s.default;
            }
            continue;
        }
        const text = given[key];
        // Credentials: refused in plain text, never shown in a message.
        const secret = SECRET_ARG_KEYS.includes(key);
        if (secret && isSecret && text !== "" && text !== "[]" && !isSecret(`${PROJECT}:${key}`)) {
            issues.add(
                key,
                `is stored in plain text in the stack config; allowed: a secret (pulumi config set --secret ${PROJECT}:${key} ...${s.type === "array" ? `, or --secret --path '${PROJECT}:${key}[0]' per entry` : ""})`,
            );
            values[key] = s.default;
            continue;
        }
        if (s.type === "array") {
            let parsed: unknown;
            try {
                parsed = JSON.parse(text);
            } catch {
                parsed = undefined;
            }
            const items = Array.isArray(parsed) ? parsed.map((item) => parseTyped(s.items?.type ?? "string", item)) : undefined;
            if (!items || items.some((i) => !i.ok)) {
                issues.add(key, `${secret ? "(value not shown: secret)" : show(parsed ?? text)} has the wrong type; allowed: ${describeType(s)}${secret ? ` (one secret per entry: --secret --path '${PROJECT}:${key}[0]')` : ""}`);
                values[key] = s.default;
            } else {
                values[key] = items.map((i) => (i as { value: unknown }).value);
            }
            continue;
        }
        // A list or an object where one value is expected arrives as JSON text; a string key would take it as it is.
        const structured = JSON_TEXT_KEYS.includes(key) ? undefined : structuredValue(text);
        const parsed = structured === undefined ? parseTyped(s.type, text) : { ok: false as const };
        if (!parsed.ok) {
            issues.add(key, `${secret ? "(value not shown: secret)" : show(structured ?? text)} has the wrong type; allowed: ${describeType(s)}`);
            values[key] = s.default;
        } else {
            values[key] = parsed.value;
        }
    }
    return values;
}

/**
 * What a stack file's `config:` map says that the flat map a program receives
 * cannot: a list whose entries are partly secret (`--secret --path 'key[0]'`
 * for some entries only) reaches the program as one secret key, its plain
 * entries unnoticed. Secrets are all or nothing: each such key is refused,
 * naming the indexes of the plain entries, never their values.
 */
export function stackFileIssues(section: Record<string, unknown>): ConfigIssue[] {
    const issues = new IssueCollector();
    const isSecure = (v: unknown) => v !== null && typeof v === "object" && !Array.isArray(v) && "secure" in v;
    for (const [rawKey, value] of Object.entries(section)) {
        if (!Array.isArray(value) || !value.some(isSecure)) {
            continue;
        }
        const plain = value.map((item, i) => (isSecure(item) ? -1 : i)).filter((i) => i >= 0);
        if (plain.length === 0) {
            continue;
        }
        const fullKey = rawKey.includes(":") ? rawKey : `${PROJECT}:${rawKey}`;
        const credential = SECRET_ARG_KEYS.some((k) => fullKey === `${PROJECT}:${k}`);
        const entries = plain.map((i) => `[${i}]`);
        const named = plain.length === 1 ? `entry ${entries[0]} is` : `entries ${entries.slice(0, -1).join(", ")} and ${entries[entries.length - 1]} are`;
        issues.add(
            fullKey,
            `${named} stored in plain text beside secret entries; allowed: every entry a secret${credential ? "" : ", or none"} (pulumi config set --secret --path '${fullKey}[${plain[0]}]' ...)`,
        );
    }
    return issues.issues;
}
