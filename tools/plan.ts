/**
 * Offline plan: runs the stacks program on Pulumi's mock engine with a stack's
 * configuration and records every resource it would register. No cloud, no
 * Kubernetes API, no Pulumi CLI.
 */
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as YAML from "yaml";
import { ZooKeeperConfigError } from "../components/shared/errors";
import { UserInputError } from "./errors";
import { PACKAGE_ROOT, PROJECT, stackFileIssues } from "../stacks/config";

export const REPO_ROOT = PACKAGE_ROOT;
/** The shipped stack configs (Pulumi.<stack>.yaml): in a checkout's stacks/; the installed package ships none. */
export const STACKS_DIR = path.join(REPO_ROOT, "stacks");
/** The stacks program, beside this module's own stacks/ (stacks/index.ts in a checkout, dist/stacks/index.js built). */
const PROGRAM_DIR = path.resolve(__dirname, "..", "stacks");
const PROGRAM = path.join(PROGRAM_DIR, "index");

/** One resource the program would register, as the plan JSON contract gives it. */
export interface PlannedResource {
    urn: string;
    type: string;
    name: string;
    custom: boolean;
    parent: string | null;
    provider: string | null;
    inputs: Record<string, unknown>;
    /** Resource options that matter for safety (not part of the JSON contract). */
    options?: { protect: boolean; retainOnDelete: boolean };
    /** Inputs that are secret maps, redacted whole: their keys by input path ("stringData"); not part of the JSON contract. */
    redactedKeys?: Record<string, string[]>;
}

export interface Plan {
    stack: string;
    resources: PlannedResource[];
    /** The stack's exported outputs. */
    outputs: Record<string, unknown>;
    /** What the program warned (`pulumi.log.warn`), each line as Pulumi prints it; planStack prints none, its caller does. */
    warnings: string[];
}

/** Which stack config to plan: a shipped stack by name, or a config file from anywhere. */
export interface PlanSource {
    stack?: string;
    configFile?: string;
    /** The stack's outputs from its last deployment, as its own StackReference reads them (offline: none). */
    lastOutputs?: Record<string, unknown>;
    /** Plan under this stack name instead of the file's (a diff plans both stages as one environment's stack). */
    stackName?: string;
    /** Config values that override the file's ("namespace:key" -> string). */
    configOverrides?: Record<string, string>;
    /** Overridden keys Pulumi holds as secrets (as `pulumi config set --secret` would). */
    secretKeys?: string[];
    /** The option the user gave the stack or file with, which errors name (`diff --from`); default --stack or --config-file. */
    option?: string;
}

/** A user mistake in what to plan or in the stack config: printed as is, no stack trace. */
export class PlanInputError extends UserInputError {
    constructor(message: string) {
        super(message, "PlanInputError");
    }
}

/** Names of the stacks shipped in stacks/ (Pulumi.<name>.yaml). */
export function shippedStacks(): string[] {
    if (!fs.existsSync(STACKS_DIR)) {
        return [];
    }
    return fs
        .readdirSync(STACKS_DIR)
        .map((f) => /^Pulumi\.(.+)\.ya?ml$/.exec(f)?.[1])
        .filter((n): n is string => !!n)
        .sort();
}

/** Resolves a PlanSource to a stack name and a config file path. */
export function resolveSource(source: PlanSource): { stack: string; file: string; display: string } {
    if (!fs.existsSync(`${PROGRAM}.ts`) && !fs.existsSync(`${PROGRAM}.js`)) {
        throw new PlanInputError("plan and diff render the package's stacks program, which this installation lacks (dist/stacks/index.js): reinstall zookeeper-cutover, or run them in a checkout");
    }
    if (source.stack && source.configFile) {
        throw new PlanInputError("Only one of --stack or --config-file can be provided.");
    }
    if (source.configFile) {
        const file = path.resolve(source.configFile);
        if (!fs.existsSync(file)) {
            throw new PlanInputError(`${source.option ?? "--config-file"}: ${source.configFile} does not exist`);
        }
        const base = path.basename(file);
        const stack = /^Pulumi\.(.+)\.ya?ml$/.exec(base)?.[1] ?? base.replace(/\.ya?ml$/, "");
        return { stack, file, display: source.configFile };
    }
    if (source.stack) {
        const file = path.join(STACKS_DIR, `Pulumi.${source.stack}.yaml`);
        if (!fs.existsSync(STACKS_DIR)) {
            throw new PlanInputError(`${source.option ?? "--stack"}: the installed package ships no stack configs; plan your own with --config-file Pulumi.<stack>.yaml`);
        }
        if (!fs.existsSync(file)) {
            // An option that takes either (diff --from) says so.
            const allowed = source.option
                ? `allowed: a shipped stack (${shippedStacks().join(", ")}) or the path of a stack config file (Pulumi.<stack>.yaml)`
                : `shipped stacks: ${shippedStacks().join(", ")}`;
            throw new PlanInputError(`${source.option ?? "--stack"}: no stack named ${JSON.stringify(source.stack)}; ${allowed}`);
        }
        return { stack: source.stack, file, display: path.relative(REPO_ROOT, file) };
    }
    const shipped = shippedStacks();
    throw new PlanInputError(`one of --stack NAME or --config-file PATH is required${shipped.length > 0 ? `; shipped stacks: ${shipped.join(", ")}` : ""}`);
}

/**
 * Reads a Pulumi.<stack>.yaml into the flat "namespace:key" -> string map the
 * Pulumi runtime hands a program (lists and objects as JSON). Encrypted values
 * cannot be read offline and become the placeholder "[secret]".
 */
export function readStackConfigFile(file: string): { config: Record<string, string>; secretKeys: string[] } {
    let doc: unknown;
    try {
        doc = YAML.parse(fs.readFileSync(file, "utf8"));
    } catch (err) {
        throw new PlanInputError(`${file}: not valid YAML: ${(err as Error).message.split("\n")[0]}`);
    }
    const configSection = (doc as { config?: unknown } | null)?.config ?? {};
    if (typeof configSection !== "object" || Array.isArray(configSection) || configSection === null) {
        throw new PlanInputError(`${file}: "config" must be a map of key: value`);
    }
    // Secrets are all or nothing: a list with plain entries beside secret ones is refused before anything is read.
    const partlySecret = stackFileIssues(configSection as Record<string, unknown>);
    if (partlySecret.length > 0) {
        throw new PlanInputError(`${file}:\n${partlySecret.map((i) => `${i.key}: ${i.message}`).join("\n")}`);
    }
    const config: Record<string, string> = {};
    const secretKeys: string[] = [];
    const isSecure = (v: unknown) => v !== null && typeof v === "object" && !Array.isArray(v) && "secure" in v;
    for (const [rawKey, raw] of Object.entries(configSection as Record<string, unknown>)) {
        const key = rawKey.includes(":") ? rawKey : `${PROJECT}:${rawKey}`;
        // A list set with `--secret --path 'key[0]'` holds encrypted entries: each becomes the placeholder.
        const value = Array.isArray(raw) && raw.some(isSecure) ? raw.map((item) => (isSecure(item) ? SECRET_PLACEHOLDER : item)) : raw;
        if (value !== raw) {
            secretKeys.push(key);
        }
        if (isSecure(value)) {
            config[key] = SECRET_PLACEHOLDER;
            secretKeys.push(key);
        } else if (typeof value === "string") {
            config[key] = value;
        } else {
            config[key] = value !== null && typeof value === "object" ? JSON.stringify(value) : String(value);
        }
    }
    return { config, secretKeys };
}

/** Deterministic stand-ins for the data sources the program reads. */
function mockCall(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
    if (args.token === "aws:eks/getCluster:getCluster") {
        const name = String(args.inputs.name);
        return {
            id: name,
            name,
            arn: `arn:aws:eks:offline-plan:000000000000:cluster/${name}`,
            endpoint: `https://${name}.eks.offline-plan.invalid`,
            version: "offline-plan",
            certificateAuthorities: [{ data: Buffer.from("offline plan: no cluster CA").toString("base64") }],
            identities: [{ oidcs: [{ issuer: `https://oidc.eks.offline-plan.invalid/id/${name}` }] }],
            vpcConfig: { vpcId: "vpc-00000000offline", clusterSecurityGroupId: "sg-00000000offline", subnetIds: [], securityGroupIds: [] },
        };
    }
    if (args.token === "aws:index/getCallerIdentity:getCallerIdentity") {
        return { id: "000000000000", accountId: "000000000000", arn: "arn:aws:iam::000000000000:user/offline-plan", userId: "offline-plan" };
    }
    if (args.token === "aws:index/getPartition:getPartition") {
        return { id: "aws", partition: "aws", dnsSuffix: "amazonaws.com" };
    }
    return {};
}

/** Deterministic outputs for resources: the inputs, plus the ids and ARNs other resources refer to. */
function mockResource(args: pulumi.runtime.MockResourceArgs, lastOutputs: Record<string, unknown>): { id: string | undefined; state: Record<string, unknown> } {
    if (args.type === "pulumi:pulumi:StackReference") {
        // The stack's own last outputs: none offline, unless a diff hands in the previous stage's.
        return { id: args.name, state: { name: args.inputs.name, outputs: lastOutputs, secretOutputNames: [] } };
    }
    if (!args.custom) {
        return { id: undefined, state: args.inputs };
    }
    const id = `${args.name}-offline-id`;
    const state: Record<string, unknown> = { ...args.inputs };
    if (args.type.startsWith("aws:")) {
        const service = args.type.split(":")[1].split("/")[0];
        state.arn = `arn:aws:${service}::000000000000:${args.name}`;
    }
    if (args.type === "aws:ec2/launchTemplate:LaunchTemplate") {
        state.latestVersion = 1;
    }
    return { id, state };
}

/** What a plan shows for a secret value (passwords, the JAAS file): never the value. */
export const SECRET_PLACEHOLDER = "[secret]";

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
    value !== null && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype;

/**
 * Replaces every secret value in deserialized inputs with the placeholder.
 * The keys of a secret map (a Secret's `stringData`) are not secret: they go
 * to `keysOf` by the map's input path, so a manifest can still name them.
 */
export function redactSecrets(value: unknown, keysOf?: Record<string, string[]>, at = ""): unknown {
    if (Array.isArray(value)) {
        return value.map((v, i) => redactSecrets(v, keysOf, `${at}[${i}]`));
    }
    if (isPlainObject(value)) {
        if (value[pulumi.runtime.specialSigKey] === pulumi.runtime.specialSecretSig) {
            if (keysOf && isPlainObject(value.value)) {
                keysOf[at] = Object.keys(value.value).sort();
            }
            return SECRET_PLACEHOLDER;
        }
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactSecrets(v, keysOf, at === "" ? k : `${at}.${k}`)]));
    }
    return value;
}

function stripProviderId(ref: string): string | null {
    if (!ref) {
        return null;
    }
    const i = ref.lastIndexOf("::");
    return i > 0 ? ref.slice(0, i) : ref;
}

async function settle(value: unknown): Promise<unknown> {
    if (pulumi.Output.isInstance(value)) {
        return new Promise((resolve) => (value as pulumi.Output<unknown>).apply((v) => resolve(v)));
    }
    return value;
}

/**
 * Sets up Pulumi's mock engine for `stack` with `config`, runs `program`, waits
 * for every registration it caused, and returns what was registered (sorted by
 * URN) with whatever `program` returned.
 */
export async function recordResources<T>(
    stack: string,
    config: Record<string, string>,
    secretKeys: string[],
    program: () => T | Promise<T>,
    lastOutputs: Record<string, unknown> = {},
): Promise<{ resources: PlannedResource[]; result: T }> {
    const recorded = new Map<string, PlannedResource>();
    await pulumi.runtime.setMocks(
        {
            newResource: (args) => mockResource(args, lastOutputs),
            call: mockCall,
        },
        PROJECT,
        stack,
        false,
        "organization",
    );
    const monitor = pulumi.runtime.getMonitor() as any;
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req: any, callback: any) => {
        const urn: string = monitor.newUrn(req.getParent(), req.getType(), req.getName());
        const redactedKeys: Record<string, string[]> = {};
        recorded.set(urn, {
            urn,
            type: req.getType(),
            name: req.getName(),
            custom: req.getCustom(),
            parent: req.getParent() || null,
            provider: stripProviderId(req.getProvider()),
            inputs: redactSecrets(pulumi.runtime.deserializeProperties(req.getObject()), redactedKeys) as Record<string, unknown>,
            options: { protect: !!req.getProtect(), retainOnDelete: !!req.getRetainondelete() },
            ...(Object.keys(redactedKeys).length > 0 ? { redactedKeys } : {}),
        });
        return register(req, callback);
    };
    pulumi.runtime.setAllConfig(config, secretKeys);
    // @pulumi/pulumi captures a stack trace for every promise it makes (read only when PULUMI_DEBUG_PROMISE_LEAKS is
    // set) and for every resource's source position (which a plan does not show): a third of a mock run's time. None
    // is captured during the run, unless leaks are being debugged or ZK_CUTOVER_STACK_TRACES asks for them.
    const stackTraceLimit = Error.stackTraceLimit;
    if (!process.env.PULUMI_DEBUG_PROMISE_LEAKS && !process.env.ZK_CUTOVER_STACK_TRACES) {
        Error.stackTraceLimit = 0;
    }
    try {
        const result = await program();
        await (pulumi.runtime as any).waitForRPCs();
        const resources = [...recorded.values()].sort((a, b) => (a.urn < b.urn ? -1 : a.urn > b.urn ? 1 : 0));
        return { resources, result };
    } finally {
        Error.stackTraceLimit = stackTraceLimit;
    }
}

/** Runs the stacks program for one stack config on the mock engine and returns what it would create. */
export async function planStack(source: PlanSource): Promise<Plan> {
    const resolved = resolveSource(source);
    const { file, display } = resolved;
    const stack = source.stackName ?? resolved.stack;
    const read = readStackConfigFile(file);
    const config = { ...read.config, ...(source.configOverrides ?? {}) };
    const secretKeys = [...read.secretKeys, ...(source.secretKeys ?? [])];
    for (const key of Object.keys(require.cache)) {
        if (key.startsWith(PROGRAM_DIR + path.sep)) {
            delete require.cache[key];
        }
    }
    let outputs: Record<string, unknown> = {};
    // Offline there is no engine to log to: the SDK prints a program's warnings with console.warn. They are held here,
    // to go with the plan; anything else warned meanwhile passes through. A plan that fails prints what it held.
    const warnings: string[] = [];
    const warn = console.warn;
    console.warn = (...args: unknown[]) => {
        if (args.length === 1 && typeof args[0] === "string" && args[0].startsWith("warning: [runtime] ")) {
            warnings.push(args[0]);
        } else {
            warn(...args);
        }
    };
    const recording = recordResources(stack, config, secretKeys, async () => {
        try {
            const exported = require(PROGRAM);
            // A program may export its outputs, or a function returning them (Pulumi awaits it).
            outputs = typeof exported === "function" ? await exported() : exported;
        } catch (err) {
            if (pulumi.RunError.isInstance(err) || ZooKeeperConfigError.isInstance(err)) {
                // Named as the user named it (a diff plans its target under the current stage's stack name).
                throw new PlanInputError(`stack ${resolved.stack} (${display}):\n${(err as Error).message}`);
            }
            throw err;
        }
    }, source.lastOutputs ?? {});
    let resources: PlannedResource[];
    try {
        ({ resources } = await recording);
    } catch (err) {
        warnings.forEach((w) => warn(w));
        throw err;
    } finally {
        console.warn = warn;
    }
    const settled: Record<string, unknown> = {};
    for (const key of Object.keys(outputs).sort()) {
        settled[key] = await settle(outputs[key]);
    }
    return { stack, resources, outputs: settled, warnings };
}

/** The plan as the `--json` contract prints it: exactly `{stack, resources}`. */
export function planJson(plan: Plan): string {
    const doc = {
        stack: plan.stack,
        resources: plan.resources.map((r) => ({
            urn: r.urn,
            type: r.type,
            name: r.name,
            custom: r.custom,
            parent: r.parent,
            provider: r.provider,
            inputs: r.inputs,
        })),
    };
    return JSON.stringify(doc, null, 2) + "\n";
}

/** Kubernetes objects of the plan (custom resources of the kubernetes provider, not the provider itself). */
export function kubernetesObjects(plan: Plan): { resource: PlannedResource; object: Record<string, any> }[] {
    return plan.resources
        .filter((r) => r.custom && r.type.startsWith("kubernetes:") && !r.type.startsWith("pulumi:providers:"))
        .map((r) => ({ resource: r, object: r.inputs as Record<string, any> }));
}

/** File name for one Kubernetes object in `--out`: kind, namespace and name, lower case. */
export function objectFileName(object: Record<string, any>): string {
    const parts = [String(object.kind).toLowerCase(), object.metadata?.namespace, object.metadata?.name].filter(Boolean);
    return `${parts.join("-")}.yaml`;
}

/** Annotation on a Secret written by `plan --out` whose values the plan does not hold. */
export const REDACTED_ANNOTATION = "zookeeper-cutover/redacted";

/**
 * The object as `plan --out` writes it: as planned, except that a Secret's
 * redacted values become `stringData` entries holding the placeholder (its
 * keys kept), annotated as redacted, so the file is still a valid manifest.
 */
export function manifestOf(resource: PlannedResource): Record<string, any> {
    const object = resource.inputs as Record<string, any>;
    if (object.kind !== "Secret") {
        return object;
    }
    const redacted: string[] = [];
    const stringData: Record<string, unknown> = {};
    const data: Record<string, unknown> = {};
    for (const field of ["data", "stringData"] as const) {
        const value = object[field];
        if (value === SECRET_PLACEHOLDER) {
            (resource.redactedKeys?.[field] ?? []).forEach((k) => redacted.push(k));
        } else if (isPlainObject(value)) {
            for (const [k, v] of Object.entries(value)) {
                if (v === SECRET_PLACEHOLDER) {
                    redacted.push(k);
                } else {
                    (field === "data" ? data : stringData)[k] = v;
                }
            }
        }
    }
    if (redacted.length === 0 && object.data !== SECRET_PLACEHOLDER && object.stringData !== SECRET_PLACEHOLDER) {
        return object;
    }
    redacted.sort().forEach((k) => (stringData[k] = SECRET_PLACEHOLDER));
    const { data: _data, stringData: _stringData, ...rest } = object;
    const note = redacted.length > 0 ? `${redacted.join(", ")}: not in the plan; pulumi up sets them from the stack's secrets` : "the values are not in the plan; pulumi up sets them from the stack's secrets";
    return {
        ...rest,
        metadata: { ...object.metadata, annotations: { ...(object.metadata?.annotations ?? {}), [REDACTED_ANNOTATION]: note } },
        ...(Object.keys(data).length > 0 ? { data } : {}),
        stringData,
    };
}

/** The file in a `plan --out` directory that lists what that plan wrote there. */
export const OUT_MARKER = ".zk-cutover-plan";

/** The names an `--out` marker lists (one per line, `#` comments). */
function markedFiles(dir: string): string[] {
    return fs
        .readFileSync(path.join(dir, OUT_MARKER), "utf8")
        .split("\n")
        .map((l) => l.trim())
        .filter((l) => l !== "" && !l.startsWith("#"));
}

/**
 * Checks that `dir` may take a plan's files: it is new, empty, or holds
 * exactly what an earlier `plan --out` wrote (its marker lists every file).
 * Returns the earlier plan's files, to be replaced; refuses anything else.
 */
function earlierOutput(dir: string): string[] {
    const allowed = `allowed: a new or empty directory, or one an earlier plan --out wrote (it holds ${OUT_MARKER})`;
    if (!fs.existsSync(dir)) {
        return [];
    }
    if (!fs.statSync(dir).isDirectory()) {
        throw new PlanInputError(`--out: ${dir} is not a directory; ${allowed}`);
    }
    const entries = fs.readdirSync(dir);
    if (entries.length === 0) {
        return [];
    }
    if (!entries.includes(OUT_MARKER)) {
        throw new PlanInputError(`--out: ${dir} is not empty and no plan --out wrote it; ${allowed}`);
    }
    const marked = new Set(markedFiles(dir).filter((f) => /^[a-z0-9][a-z0-9.-]*\.yaml$/.test(f)));
    const foreign = entries.filter((e) => e !== OUT_MARKER && !(marked.has(e) && fs.lstatSync(path.join(dir, e)).isFile())).sort();
    if (foreign.length > 0) {
        const shown = foreign.length > 5 ? `${foreign.slice(0, 5).join(", ")} and ${foreign.length - 5} more` : foreign.join(", ");
        throw new PlanInputError(`--out: ${dir} holds files the earlier plan --out did not write (${shown}); ${allowed}`);
    }
    return entries.filter((e) => e !== OUT_MARKER);
}

/**
 * Writes every Kubernetes object of the plan as YAML, one file each, and a
 * marker listing them; returns the file names written. `dir` must be new,
 * empty, or an earlier plan's output, which is replaced entirely.
 */
export function writeObjects(plan: Plan, dir: string): string[] {
    const files = new Map<string, string>();
    for (const { resource, object } of kubernetesObjects(plan)) {
        const name = objectFileName(object);
        if (files.has(name)) {
            throw new Error(`two objects map to the file name ${name}`);
        }
        files.set(name, YAML.stringify(manifestOf(resource), { lineWidth: 0 }));
    }
    const earlier = earlierOutput(dir);
    fs.mkdirSync(dir, { recursive: true });
    earlier.forEach((f) => fs.rmSync(path.join(dir, f), { force: true }));
    const written = [...files.keys()].sort();
    const marker = [`# Written by zk-cutover plan --out (stack ${plan.stack}); the next plan --out into this directory replaces these files.`, ...written];
    fs.writeFileSync(path.join(dir, OUT_MARKER), marker.join("\n") + "\n");
    for (const name of written) {
        fs.writeFileSync(path.join(dir, name), files.get(name)!);
    }
    return written;
}

/** The readable summary: resources by type, outputs, and the rendered zoo.cfg. */
export function planText(plan: Plan): string {
    const out: string[] = [];
    out.push(`Plan of stack ${plan.stack} (offline, Pulumi mock engine): ${plan.resources.length} resources`);
    out.push("");
    out.push("Resources by type:");
    const byType = new Map<string, string[]>();
    for (const r of plan.resources) {
        byType.set(r.type, [...(byType.get(r.type) ?? []), r.name]);
    }
    const width = Math.max(...[...byType.keys()].map((t) => t.length));
    for (const type of [...byType.keys()].sort()) {
        const names = byType.get(type)!;
        out.push(`  ${type.padEnd(width)}  ${String(names.length).padStart(2)}  ${names.join(", ")}`);
    }
    out.push("");
    out.push("Outputs:");
    for (const [key, value] of Object.entries(plan.outputs)) {
        if (typeof value === "string" && value.includes("\n")) {
            continue;
        }
        out.push(`  ${key}: ${typeof value === "string" ? value : JSON.stringify(value)}`);
    }
    const block = (title: string, text: string) => {
        out.push("", title, ...text.trimEnd().split("\n").map((l) => `  ${l}`));
    };
    for (const { object } of kubernetesObjects(plan)) {
        if (object.kind === "ConfigMap" && typeof object.data?.["zoo.cfg"] === "string") {
            block(`zoo.cfg (ConfigMap ${object.metadata.namespace}/${object.metadata.name}):`, object.data["zoo.cfg"]);
        }
    }
    if (typeof plan.outputs.hostZooCfg === "string" && plan.outputs.hostZooCfg !== "") {
        block("zoo.cfg for the members still on hosts (output hostZooCfg; roll it to the hosts one at a time):", plan.outputs.hostZooCfg);
    }
    if (typeof plan.outputs.dubboRegistryProperties === "string") {
        block("Client registries (dubbo-registries.properties):", plan.outputs.dubboRegistryProperties);
    }
    return out.join("\n") + "\n";
}
