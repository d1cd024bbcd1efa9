/**
 * Offline diff between two stage configs: plans both on the mock engine (the
 * second with the first as its previous stage, so the quorum guard judges the
 * transition) and lists resources added, removed, replaced and changed, with
 * the changed input paths. Text, Markdown for a pull-request comment, or JSON.
 */
import * as path from "path";
import { GuardConfig, GuardRefusal, guardCutover, parseState, refusalMessages } from "../components/cutover/guard";
import { Plan, PlannedResource, planStack, PlanSource, resolveSource } from "./plan";
import { OptionError, readOptionFile } from "./errors";
import { deployedState, loadStage } from "./stageConfig";

export type ChangeKind = "add" | "remove" | "replace" | "change";

export interface ResourceChange {
    kind: ChangeKind;
    urn: string;
    type: string;
    name: string;
    /** Kubernetes object "namespace/name" or "name", when the resource is one. */
    object?: string;
    /** Input paths that differ (change, replace). */
    paths: string[];
    /** Paths that force a replacement (replace). */
    replaceBecause: string[];
    /** The resource is protected: Pulumi refuses to remove or replace it. */
    protectedRefusal: boolean;
}

export interface StageDiff {
    from: string;
    to: string;
    /** The `plan --json` files the current stage's resources came from (`--from-plan`), when not planned here. */
    fromPlanFile?: string;
    /**
     * The quorum guard's verdict on the transition: safe, or refused with its
     * rules and messages; `overridden` when the target config sets
     * allowUnsafeTransition, so `pulumi up` would apply it anyway.
     */
    guard: { safe: boolean; overridden: boolean; rules: string[]; messages: string[] };
    changes: ResourceChange[];
    counts: Record<ChangeKind, number>;
}

/** A stack name or a config file path, given with `option` (named in errors; e.g. "--from"). */
export function sourceOf(spec: string, option?: string): PlanSource {
    const source: PlanSource = /\.ya?ml$/.test(spec) || spec.includes(path.sep) || spec.includes("/") ? { configFile: spec } : { stack: spec };
    return option ? { ...source, option } : source;
}

/** Input paths (prefixes) whose change makes the provider replace the resource instead of updating it. */
const REPLACE_PATHS: [RegExp, string[]][] = [
    [/^kubernetes:/, ["metadata.name", "metadata.namespace"]],
    [/^kubernetes:apps\/v1:StatefulSet$/, ["spec.selector", "spec.serviceName", "spec.volumeClaimTemplates", "spec.podManagementPolicy"]],
    [/^kubernetes:core\/v1:Service$/, ["spec.clusterIP"]],
    [/^kubernetes:discovery.k8s.io\/v1:EndpointSlice$/, ["addressType"]],
    [/^kubernetes:storage.k8s.io\/v1:StorageClass$/, ["provisioner", "parameters", "reclaimPolicy", "volumeBindingMode"]],
    [/^aws:eks\/nodeGroup:NodeGroup$/, ["nodeGroupName", "subnetIds", "instanceTypes", "capacityType", "amiType", "diskSize", "clusterName", "nodeRoleArn"]],
    [/^aws:ec2\/securityGroup:SecurityGroup$/, ["vpcId", "description", "name"]],
    [/^aws:vpc\/securityGroup(In|E)gressRule:/, ["securityGroupId"]],
    [/^aws:iam\/rolePolicyAttachment:/, ["role", "policyArn"]],
    [/^aws:iam\/role:Role$/, ["name"]],
    [/^aws:eks\/addon:Addon$/, ["clusterName", "addonName"]],
];

function replaceTriggers(r: PlannedResource, paths: string[]): string[] {
    const prefixes = REPLACE_PATHS.filter(([re]) => re.test(r.type)).flatMap(([, p]) => p);
    const immutableConfigMap = r.type === "kubernetes:core/v1:ConfigMap" && (r.inputs as any).immutable === true;
    return paths.filter((p) => prefixes.some((prefix) => p === prefix || p.startsWith(prefix + ".") || p.startsWith(prefix + "[")) || (immutableConfigMap && /^(data|binaryData)\b/.test(p)));
}

function key(k: string): string {
    return /^[A-Za-z_$][\w$]*$/.test(k) ? `.${k}` : `[${JSON.stringify(k)}]`;
}

/** Leaf paths where two input values differ. */
export function changedPaths(a: unknown, b: unknown, prefix = ""): string[] {
    if (JSON.stringify(a) === JSON.stringify(b)) {
        return [];
    }
    const isObj = (x: unknown) => x !== null && typeof x === "object";
    if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
        return a.flatMap((item, i) => changedPaths(item, b[i], `${prefix}[${i}]`));
    }
    if (isObj(a) && isObj(b) && !Array.isArray(a) && !Array.isArray(b)) {
        const keys = [...new Set([...Object.keys(a as object), ...Object.keys(b as object)])].sort();
        return keys.flatMap((k) => changedPaths((a as any)[k], (b as any)[k], `${prefix}${key(k)}`));
    }
    return [prefix.replace(/^\./, "") || "(root)"];
}

function objectName(r: PlannedResource): string | undefined {
    const m = (r.inputs as any)?.metadata;
    if (!r.type.startsWith("kubernetes:") || !m?.name) {
        return undefined;
    }
    return m.namespace ? `${m.namespace}/${m.name}` : m.name;
}

function change(kind: ChangeKind, r: PlannedResource, paths: string[] = [], replaceBecause: string[] = [], before?: PlannedResource): ResourceChange {
    const object = objectName(r);
    return {
        kind,
        urn: r.urn,
        type: r.type,
        name: r.name,
        ...(object ? { object } : {}),
        paths,
        replaceBecause,
        protectedRefusal: (kind === "remove" || kind === "replace") && !!(before ?? r).options?.protect,
    };
}

/** Compares two plans resource by resource (by URN). */
export function comparePlans(a: Plan, b: Plan): ResourceChange[] {
    const before = new Map(a.resources.map((r) => [r.urn, r]));
    const after = new Map(b.resources.map((r) => [r.urn, r]));
    const changes: ResourceChange[] = [];
    for (const urn of [...new Set([...before.keys(), ...after.keys()])].sort()) {
        const x = before.get(urn);
        const y = after.get(urn);
        if (!x) {
            changes.push(change("add", y!));
        } else if (!y) {
            changes.push(change("remove", x));
        } else {
            const paths = changedPaths(x.inputs, y.inputs);
            if (paths.length > 0) {
                const because = replaceTriggers(y, paths);
                changes.push(change(because.length > 0 ? "replace" : "change", y, paths, because, x));
            }
        }
    }
    return changes;
}

/** Plans with the quorum guard overridden: a diff shows what a stage would change either way. */
function planOverridden(source: PlanSource): Promise<Plan> {
    return planStack({ ...source, configOverrides: { "zookeeper-cutover:allowUnsafeTransition": "true" } });
}

/**
 * Prints a plan's warnings, but not those the diff's forced override caused: a warning that names one of the
 * guard's refusals, where the config does not set allowUnsafeTransition itself (the refusal is in the diff's verdict).
 */
function printWarnings(warnings: string[], settings: GuardConfig | undefined, refusals: GuardRefusal[]): void {
    const forced = settings?.allowUnsafeTransition ? [] : refusals.map((r) => r.message);
    warnings.filter((w) => !forced.some((m) => w.endsWith(m))).forEach((w) => console.warn(w));
}

/** One plan in a `--from-plan` file: what `plan --json` printed for one stack. */
interface PlanDoc {
    stack: string;
    resources: PlannedResource[];
}

/** The plans in one `--from-plan` file: one stack's plan, or a list of them; `allowed` ends its errors. */
function readPlanDocs(file: string, allowed: string): PlanDoc[] {
    const shown = JSON.stringify(file);
    let doc: unknown;
    try {
        doc = JSON.parse(readOptionFile(file, "--from-plan", allowed).toString("utf8"));
    } catch (err) {
        if (err instanceof SyntaxError) {
            throw new OptionError(`--from-plan ${shown} is not JSON (${err.message}); allowed: ${allowed}`);
        }
        throw err;
    }
    const isPlan = (d: any): d is PlanDoc =>
        typeof d?.stack === "string" && Array.isArray(d?.resources) && d.resources.every((r: any) => typeof r?.urn === "string" && typeof r?.type === "string" && typeof r?.name === "string");
    const plans = Array.isArray(doc) ? doc : [doc];
    if (plans.length === 0 || !plans.every(isPlan)) {
        throw new OptionError(`--from-plan ${shown} is not a plan ({"stack", "resources": [{urn, type, name, ...}]}) or a list of them; allowed: ${allowed}`);
    }
    return plans;
}

/**
 * The current stages' resources from `plan --json` files made elsewhere (`--from-plan`: e.g. by the base branch's
 * code), each file one stack's plan or a list of them (`plan --config-file a --config-file b --json`). The files are
 * read once, when the first pair needs them; each pair takes its stack's plan.
 */
export class PlansFromFiles {
    private plans: PlanDoc[] | undefined;

    constructor(readonly files: string[]) {}

    /** The plan of `stack`; its resources carry no options, so each takes the protection this code gives the same URN. */
    planOf(stack: string, plannedHere: Plan): Plan {
        const allowed = `what zk-cutover plan --config-file Pulumi.${stack}.yaml --json wrote (one stack's plan, or a list of plans with this stack's)`;
        this.plans ??= this.files.flatMap((file) => readPlanDocs(file, allowed));
        const found = this.plans.find((p) => p.stack === stack);
        if (!found) {
            const shown = this.files.map((f) => JSON.stringify(f)).join(", ");
            throw new OptionError(`--from-plan ${shown} has no plan of --from's stack "${stack}" (it has ${this.plans.map((p) => `"${p.stack}"`).join(", ")}); allowed: ${allowed}`);
        }
        const options = new Map(plannedHere.resources.map((r) => [r.urn, r.options]));
        return { stack, outputs: plannedHere.outputs, warnings: [], resources: found.resources.map((r) => ({ ...r, inputs: r.inputs ?? {}, options: options.get(r.urn) })) };
    }
}

/**
 * Plans both stages and compares them; the quorum guard judges `to` with `from`, deployed, as its previous stage.
 * With `fromPlans`, the current stage's resources come from those `plan --json` files (the code that deployed it may
 * not be this code); `from` is still planned here for the guard's previous stage.
 */
export async function diffStages(fromSpec: string, toSpec: string, fromPlans?: PlansFromFiles): Promise<StageDiff> {
    // Each stage is found as the option it was given with, so an error names that option; both before any planning.
    const from = sourceOf(fromSpec, "--from");
    const to = sourceOf(toSpec, "--to");
    const names = { from: resolveSource(from).stack, to: resolveSource(to).stack };
    // The current stage is deployed already: its own transition is not judged here.
    const settled = deployedState(from);
    const fromPlan = await planOverridden({ ...from, ...(settled ? { lastOutputs: { cutoverState: settled.state } } : {}) });
    printWarnings(fromPlan.warnings, settled?.settings, settled ? guardCutover(settled.settings, parseState(settled.state)).refusals : []);
    const previous = { cutoverState: fromPlan.outputs.cutoverState };
    // One environment moving between stages: both plans run as the same stack, so URNs and stack tags line up.
    // The target is planned as if the guard were overridden, to show what it would change either way; the verdict is
    // judged apart, and the override's warnings are printed only where the target sets allowUnsafeTransition itself.
    const stackName = fromPlan.stack;
    const toPlan = await planOverridden({ ...to, stackName, lastOutputs: previous });
    const { settings } = loadStage(to);
    const verdict = guardCutover(settings, parseState(String(fromPlan.outputs.cutoverState)));
    printWarnings(toPlan.warnings, settings, verdict.refusals);
    const guard = {
        safe: verdict.refusals.length === 0,
        overridden: verdict.refusals.length > 0 && settings.allowUnsafeTransition,
        rules: verdict.refusals.map((r) => r.rule),
        messages: refusalMessages(settings, verdict),
    };
    const changes = comparePlans(fromPlans ? fromPlans.planOf(stackName, fromPlan) : fromPlan, toPlan);
    const counts: Record<ChangeKind, number> = { add: 0, remove: 0, replace: 0, change: 0 };
    changes.forEach((c) => counts[c.kind]++);
    return { ...names, ...(fromPlans ? { fromPlanFile: fromPlans.files.join(", ") } : {}), guard, changes, counts };
}

const SIGN: Record<ChangeKind, string> = { add: "+", remove: "-", replace: "+-", change: "~" };

function label(c: ResourceChange): string {
    return `${c.type} ${c.name}${c.object ? ` (${c.object})` : ""}`;
}

export function diffText(d: StageDiff): string {
    const out = [`Diff ${d.from} -> ${d.to} (offline, Pulumi mock engine)`];
    if (d.fromPlanFile) {
        out.push(`${d.from}'s resources as planned in ${d.fromPlanFile}`);
    }
    out.push(
        d.guard.safe
            ? "Quorum guard: safe"
            : d.guard.overridden
              ? "Quorum guard: REFUSED, AND OVERRIDDEN: allowUnsafeTransition is set, so pulumi up APPLIES this unsafe transition"
              : "Quorum guard: REFUSED (pulumi up stops here unless allowUnsafeTransition is set)",
    );
    out.push(...d.guard.messages.map((m) => `  ${m}`));
    out.push(`${d.counts.add} to add, ${d.counts.remove} to remove, ${d.counts.replace} to replace, ${d.counts.change} to change`, "");
    for (const c of d.changes) {
        out.push(`${SIGN[c.kind].padEnd(2)} ${label(c)}${c.protectedRefusal ? "  [protected: Pulumi refuses this]" : ""}`);
        for (const p of c.paths) {
            out.push(`     ${c.replaceBecause.includes(p) ? "replace because of" : "~"} ${p}`);
        }
    }
    return out.join("\n") + "\n";
}

function md(s: string): string {
    return s.replace(/\|/g, "\\|");
}

export function diffMarkdown(d: StageDiff): string {
    const out = [`### zk-cutover diff: \`${d.from}\` → \`${d.to}\``, ""];
    if (d.guard.safe) {
        out.push("**Quorum guard:** safe");
    } else if (d.guard.overridden) {
        out.push(
            "> [!CAUTION]",
            "> **Quorum guard: refused, and overridden** — the target sets `allowUnsafeTransition`, so `pulumi up` **applies this unsafe transition**:",
            ">",
            ...d.guard.messages.map((m) => `> - ${m}`),
        );
    } else {
        out.push("**Quorum guard: refused** — `pulumi up` stops here unless `allowUnsafeTransition` is set:", "", ...d.guard.messages.map((m) => `- ${m}`));
    }
    out.push("", `**${d.counts.add}** to add, **${d.counts.remove}** to remove, **${d.counts.replace}** to replace, **${d.counts.change}** to change`, "");
    if (d.changes.length === 0) {
        out.push("No resource changes.");
        return out.join("\n") + "\n";
    }
    out.push("| | resource | type | object | changed inputs |", "| --- | --- | --- | --- | --- |");
    for (const c of d.changes) {
        const paths = c.paths.map((p) => `\`${md(p)}\`${c.replaceBecause.includes(p) ? " (forces replacement)" : ""}`).join("<br>");
        const what = `${c.kind}${c.protectedRefusal ? " (protected: refused)" : ""}`;
        out.push(`| ${what} | \`${md(c.name)}\` | \`${md(c.type)}\` | ${c.object ? `\`${md(c.object)}\`` : ""} | ${paths} |`);
    }
    return out.join("\n") + "\n";
}
