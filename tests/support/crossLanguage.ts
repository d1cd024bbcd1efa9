/**
 * Constructs the package's components the way a Python, Go or YAML program
 * gets them: through the SDK's ComponentProvider (the code `pulumi package add`
 * runs for PulumiPlugin.yaml), on Pulumi's mock engine.
 *
 * What the provider host does for a remote caller, step by step, and what this
 * harness does in its place (SDK 3.270, node_modules/@pulumi/pulumi):
 * - cmd/run-plugin/run.js requires the package's main module and hands every
 *   exported ComponentResource class (provider/experimental/provider.js
 *   getPulumiComponents) to componentProviderHost with the package.json name:
 *   here the same call on index.ts, and a ComponentProvider for this checkout.
 * - provider/server.js configure() answers acceptSecrets, acceptResources and
 *   acceptOutputs, so the engine sends a caller's Outputs as output values
 *   (runtime/rpc.js specialOutputValueSig: value, secret, dependencies).
 * - provider/server.js construct() turns the request's inputs Struct and its
 *   inputDependencies map into args with deserializeInputs (called here as
 *   is): an output value becomes a pulumi.Output (its dependencies as
 *   DependencyResources, unknown when it has no value); a value with
 *   dependencies or a secret is wrapped in an Output; anything else stays
 *   plain. Unknowns survive only during a preview (runtime/rpc.js
 *   deserializeProperty); secretness inside a list or map moves up to the list
 *   or map.
 * - ComponentProvider.construct (provider/experimental/provider.js) runs
 *   `new Class(name, inputs, opts)` and returns the instance's properties named
 *   by the analyzed schema's outputs; the server serializes them
 *   (rpc.serializeResourceProperties) for the caller; an InputPropertiesError
 *   becomes INVALID_ARGUMENT with per-property reasons, any other error (and an
 *   unhandled rejection while the call is in flight) fails the call with its
 *   message.
 * The gRPC transport and configureRuntime (which would replace the mock
 * monitor) are the only steps left out.
 */
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { ComponentProvider, getPulumiComponents } from "@pulumi/pulumi/provider/experimental/provider";

export const REPO_ROOT = path.resolve(__dirname, "..", "..");
export const PACKAGE = "zookeeper-cutover";
/** Project and stack of the calling program (another language's). */
export const CALLER_PROJECT = "consumer";
export const CALLER_STACK = "dev";

// Internal SDK pieces the provider host uses (not in the SDK's .d.ts files).
// eslint-disable-next-line @typescript-eslint/no-var-requires
const server: { deserializeInputs(inputs: unknown, deps: Map<string, { getUrnsList(): string[] }>): Promise<Record<string, unknown>> } = require("@pulumi/pulumi/provider/server");
// eslint-disable-next-line @typescript-eslint/no-var-requires
const structproto: { Struct: { fromJavaScript(v: Record<string, unknown>): unknown } } = require("google-protobuf/google/protobuf/struct_pb");
// eslint-disable-next-line @typescript-eslint/no-var-requires
const provproto: { ConstructRequest: { PropertyDependencies: new () => { setUrnsList(urns: string[]): void; getUrnsList(): string[] } } } = require("@pulumi/pulumi/proto/provider_pb");
const rpc = pulumi.runtime as unknown as {
    specialSigKey: string;
    specialSecretSig: string;
    specialOutputValueSig: string;
    specialResourceSig: string;
    unknownValue: string;
    serializeResourceProperties(label: string, props: Record<string, unknown>): Promise<[Record<string, unknown>, Map<string, Set<pulumi.Resource>>]>;
};

// ---------------------------------------------------------------------------
// What the caller passes

const CALLER = Symbol("callerOutput");

/** An Output in the calling program: a value (or none: unknown), secret or not, from resources (their URNs). */
export interface CallerOutput {
    readonly [CALLER]: true;
    readonly value?: unknown;
    readonly known: boolean;
    readonly secret: boolean;
    readonly dependencies: string[];
}

export function output(o: { value?: unknown; known?: boolean; secret?: boolean; dependencies?: string[] }): CallerOutput {
    const known = o.known ?? o.value !== undefined;
    return { [CALLER]: true, value: known ? o.value : undefined, known, secret: o.secret ?? false, dependencies: o.dependencies ?? [] };
}

/** A value another resource of the caller's program produced (e.g. a Namespace's metadata.name). */
export function fromResource(urn: string, value: unknown): CallerOutput {
    return output({ value, dependencies: [urn] });
}

/** A secret (`pulumi.Output.secret` in Python, `fn::secret` in YAML). */
export function secret(value: unknown, dependencies: string[] = []): CallerOutput {
    return output({ value, secret: true, dependencies });
}

/** A value not known yet (preview), from the resources named. */
export function unknown(...dependencies: string[]): CallerOutput {
    return output({ known: false, dependencies });
}

export function isCallerOutput(v: unknown): v is CallerOutput {
    return typeof v === "object" && v !== null && (v as CallerOutput)[CALLER] === true;
}

/** URN of a resource in the calling program. */
export function callerUrn(type: string, name: string): string {
    return `urn:pulumi:${CALLER_STACK}::${CALLER_PROJECT}::${type}::${name}`;
}

/** A Namespace the caller created, and its name as an input for a component. */
export const NAMESPACE_URN = callerUrn("kubernetes:core/v1:Namespace", "registry");

/**
 * How the engine puts the inputs on the wire:
 * - "outputValues": Outputs as output values, which the engine sends a
 *   provider whose Configure accepts outputs (ComponentProvider's does);
 * - "legacy": secrets as secret values, unknowns as the unknown sentinel and
 *   dependencies only in inputDependencies (providers that do not accept
 *   output values; callers on SDKs without them).
 * Both carry the per-key inputDependencies the engine always sends.
 */
export type WireEncoding = "outputValues" | "legacy";

function encode(value: unknown, encoding: WireEncoding, deps: Set<string>): unknown {
    if (isCallerOutput(value)) {
        value.dependencies.forEach((d) => deps.add(d));
        const inner = value.known ? encode(value.value, encoding, deps) : undefined;
        if (encoding === "outputValues") {
            const wire: Record<string, unknown> = { [rpc.specialSigKey]: rpc.specialOutputValueSig };
            if (value.known) {
                wire.value = inner === undefined ? null : inner;
            }
            if (value.secret) {
                wire.secret = true;
            }
            if (value.dependencies.length > 0) {
                wire.dependencies = [...value.dependencies];
            }
            return wire;
        }
        const plain = value.known ? inner : rpc.unknownValue;
        return value.secret ? { [rpc.specialSigKey]: rpc.specialSecretSig, value: plain } : plain;
    }
    if (Array.isArray(value)) {
        return value.map((v) => encode(v, encoding, deps));
    }
    if (typeof value === "object" && value !== null) {
        return Object.fromEntries(
            Object.entries(value)
                .filter(([, v]) => v !== undefined)
                .map(([k, v]) => [k, encode(v, encoding, deps)]),
        );
    }
    return value;
}

// ---------------------------------------------------------------------------
// What comes back

/** Marks what the wire said a value was, in `RegisteredResource.inputs` and `outputs`. */
export const UNKNOWN = "<unknown>";

/** A resource the component registered (itself or a child), as the engine received it. */
export interface RegisteredResource {
    type: string;
    name: string;
    urn: string;
    parent: string;
    custom: boolean;
    /** Inputs with secrets unwrapped and unknowns as UNKNOWN. */
    inputs: Record<string, any>;
    /** Paths (`stringData.jaas.conf`, `spec.replicas`) the engine received as secrets. */
    secretPaths: string[];
    /** Paths the engine received as unknown. */
    unknownPaths: string[];
    /** URNs the resource depends on (options and inputs together). */
    dependencies: string[];
}

/** One output of the component, as the caller's SDK receives it. */
export interface ComponentOutput {
    value: unknown;
    known: boolean;
    secret: boolean;
    dependencies: string[];
}

/** The refusal the caller sees: the gRPC error the provider answers the Construct call with. */
export interface ConstructError {
    /** "InputPropertiesError" (INVALID_ARGUMENT, per-property reasons) or "Error" (UNKNOWN, the message only). */
    kind: "InputPropertiesError" | "Error";
    message: string;
    properties: { propertyPath: string; reason: string }[];
    /** The error as thrown, for assertions on its class. */
    thrown: unknown;
}

export interface ConstructResult {
    /** The args object the component's constructor received. */
    args: Record<string, unknown>;
    /** Every registration the call caused, in order (the component first when it got that far). */
    resources: RegisteredResource[];
    /** The component's outputs (schema outputs), or {} when the call failed. */
    outputs: Record<string, ComponentOutput>;
    error?: ConstructError;
}

export interface ConstructCall {
    /** The component's class name or full type token. */
    type: string;
    name: string;
    inputs: Record<string, unknown>;
    /** `pulumi preview` (unknowns stay unknown) instead of `pulumi up`. Default false. */
    preview?: boolean;
    encoding?: WireEncoding;
    /** Extra dependsOn of the caller's resource options (URNs). */
    dependsOn?: string[];
}

function isPlain(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Strips the wire's special values, recording where secrets and unknowns were. */
function decode(wire: unknown, at: string, secrets: string[], unknowns: string[]): unknown {
    if (wire === rpc.unknownValue) {
        unknowns.push(at);
        return UNKNOWN;
    }
    if (Array.isArray(wire)) {
        return wire.map((v, i) => decode(v, `${at}[${i}]`, secrets, unknowns));
    }
    if (isPlain(wire)) {
        const sig = wire[rpc.specialSigKey];
        if (sig === rpc.specialSecretSig) {
            secrets.push(at);
            return decode(wire.value, at, secrets, unknowns);
        }
        if (sig === rpc.specialResourceSig) {
            return { resourceReference: wire.urn };
        }
        return Object.fromEntries(Object.entries(wire).map(([k, v]) => [k, decode(v, at === "" ? k : `${at}.${k}`, secrets, unknowns)]));
    }
    return wire;
}

/** Outputs other resources' mocks produce (ids and ARNs), deterministic. */
function mockState(args: pulumi.runtime.MockResourceArgs): { id: string | undefined; state: Record<string, unknown> } {
    if (!args.custom) {
        return { id: undefined, state: args.inputs };
    }
    const state: Record<string, unknown> = { ...args.inputs };
    if (args.type.startsWith("aws:")) {
        state.arn = `arn:aws:${args.type.split(":")[1].split("/")[0]}::000000000000:${args.name}`;
    }
    if (args.type === "aws:ec2/launchTemplate:LaunchTemplate") {
        state.latestVersion = 1;
    }
    return { id: `${args.name}-id`, state };
}

/** An Output's value, known or not (the SDK's internal promise, as the provider server awaits it). */
function settled<T>(o: pulumi.Output<T>): Promise<T> {
    return (o as unknown as { promise(): Promise<T> }).promise();
}

let provider: ComponentProvider | undefined;

/** The ComponentProvider the plugin host builds for this package (its schema analyzed once per process). */
export async function componentProvider(): Promise<ComponentProvider> {
    if (!provider) {
        // eslint-disable-next-line @typescript-eslint/no-var-requires
        const components = getPulumiComponents(require(path.join(REPO_ROOT, "index.ts")));
        provider = new ComponentProvider({ name: PACKAGE, dirname: REPO_ROOT, components });
        await provider.getSchema();
    }
    return provider;
}

/** The package schema the provider serves (`pulumi package get-schema`), parsed. */
export async function packageSchema(): Promise<any> {
    return JSON.parse(await (await componentProvider()).getSchema());
}

function constructError(err: unknown): ConstructError {
    if (pulumi.InputPropertiesError.isInstance(err)) {
        return { kind: "InputPropertiesError", message: err.message, properties: err.errors.map((e) => ({ propertyPath: e.propertyPath, reason: e.reason })), thrown: err };
    }
    if (pulumi.InputPropertyError.isInstance(err)) {
        return { kind: "InputPropertiesError", message: "", properties: [{ propertyPath: err.propertyPath, reason: err.reason }], thrown: err };
    }
    return { kind: "Error", message: err instanceof Error ? err.message : String(err), properties: [], thrown: err };
}

/** One line per problem, as the engine prints an InputPropertiesError; the message for any other error. */
export function errorText(error: ConstructError): string {
    return [error.message, ...error.properties.map((p) => `  - property ${p.propertyPath}: ${p.reason}`)].filter((l) => l !== "").join("\n");
}

/**
 * Constructs a component by its type token through ComponentProvider, as the
 * provider host does for a Construct call from another language's program.
 */
export async function construct(call: ConstructCall): Promise<ConstructResult> {
    const prov = await componentProvider();
    const type = call.type.includes(":") ? call.type : `${PACKAGE}:index:${call.type}`;
    const encoding = call.encoding ?? "outputValues";

    const registered: RegisteredResource[] = [];
    await pulumi.runtime.setMocks({ newResource: mockState, call: () => ({}) }, CALLER_PROJECT, CALLER_STACK, call.preview ?? false, "organization");
    const monitor = pulumi.runtime.getMonitor() as any;
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req: any, callback: any) => {
        const secrets: string[] = [];
        const unknowns: string[] = [];
        const inputs = decode(req.getObject().toJavaScript(), "", secrets, unknowns) as Record<string, any>;
        const deps = new Set<string>(req.getDependenciesList());
        for (const [, d] of req.getPropertydependenciesMap().entries()) {
            d.getUrnsList().forEach((u: string) => deps.add(u));
        }
        registered.push({
            type: req.getType(),
            name: req.getName(),
            urn: monitor.newUrn(req.getParent(), req.getType(), req.getName()),
            parent: req.getParent(),
            custom: req.getCustom(),
            inputs,
            secretPaths: secrets,
            unknownPaths: unknowns,
            dependencies: [...deps].sort(),
        });
        return register(req, callback);
    };

    // The request as the engine sends it.
    const wire: Record<string, unknown> = {};
    const inputDependencies = new Map<string, InstanceType<typeof provproto.ConstructRequest.PropertyDependencies>>();
    for (const [key, value] of Object.entries(call.inputs)) {
        if (value === undefined) {
            continue;
        }
        const deps = new Set<string>();
        wire[key] = encode(value, encoding, deps);
        if (deps.size > 0) {
            const d = new provproto.ConstructRequest.PropertyDependencies();
            d.setUrnsList([...deps]);
            inputDependencies.set(key, d);
        }
    }

    // In flight, the host fails the call on any unhandled rejection (provider/server.js Server constructor).
    const inFlight: unknown[] = [];
    const onRejection = (reason: unknown) => inFlight.push(reason);
    process.on("unhandledRejection", onRejection);
    let args: Record<string, unknown> = {};
    try {
        args = await server.deserializeInputs(structproto.Struct.fromJavaScript(wire), inputDependencies);
        const opts: pulumi.ComponentResourceOptions = { dependsOn: (call.dependsOn ?? []).map((u) => new pulumi.DependencyResource(u)), aliases: [], protect: false, providers: {} };
        const result = await prov.construct(call.name, type, args as pulumi.Inputs, opts);
        await settled(pulumi.output(result.urn));
        const [state, stateDeps] = await rpc.serializeResourceProperties(`construct(${type}, ${call.name})`, result.state as Record<string, unknown>);
        await (pulumi.runtime as any).waitForRPCs();
        // Let rejections raised on the last turn reach the handler.
        await new Promise((r) => setImmediate(r));
        if (inFlight.length > 0) {
            throw inFlight[0];
        }
        const outputs: Record<string, ComponentOutput> = {};
        for (const key of Object.keys(result.state).sort()) {
            const secrets: string[] = [];
            const unknowns: string[] = [];
            const value = key in state ? decode(state[key], "", secrets, unknowns) : undefined;
            const depUrns = await Promise.all([...(stateDeps.get(key) ?? [])].map((r) => settled(r.urn)));
            outputs[key] = { value, known: !unknowns.includes(""), secret: secrets.includes(""), dependencies: [...new Set(depUrns)].sort() };
        }
        return { args, resources: registered, outputs };
    } catch (err) {
        try {
            await (pulumi.runtime as any).waitForRPCs();
        } catch {
            // the first error is the one the caller sees
        }
        return { args, resources: registered, outputs: {}, error: constructError(err) };
    } finally {
        await new Promise((r) => setImmediate(r));
        process.off("unhandledRejection", onRejection);
    }
}

/** The only registered resource of `type` (short kinds such as "Secret" match Kubernetes objects' `kind`). */
export function only(result: ConstructResult, type: string, name?: string): RegisteredResource {
    const found = result.resources.filter((r) => (r.type === type || r.inputs.kind === type) && (name === undefined || r.name === name));
    if (found.length !== 1) {
        throw new Error(`expected one ${type}${name ? ` named ${name}` : ""}, found ${found.length}: ${result.resources.map((r) => r.type + " " + r.name).join(", ")}`);
    }
    return found[0];
}
