/**
 * Runs components on Pulumi's mock engine and hands back what they registered.
 */
import { PlannedResource, recordResources } from "../../tools/plan";

export async function register<T>(program: () => T, config: Record<string, string> = {}): Promise<{ resources: PlannedResource[]; result: T }> {
    return recordResources("test", config, [], program);
}

/** The registered Kubernetes object of `kind` named `name` (metadata.name). */
export function object(resources: PlannedResource[], kind: string, name: string): any {
    const found = resources.filter((r) => (r.inputs as any).kind === kind && (r.inputs as any).metadata?.name === name);
    if (found.length !== 1) {
        throw new Error(`expected one ${kind} named ${name}, found ${found.length}`);
    }
    return found[0].inputs;
}

export function objectsOfKind(resources: PlannedResource[], kind: string): any[] {
    return resources.filter((r) => r.custom && (r.inputs as any).kind === kind).map((r) => r.inputs);
}

/** Resolves a Pulumi Output (or plain value) to its value. */
export function promiseOf<T>(output: { apply: (f: (v: T) => unknown) => unknown } | T): Promise<T> {
    return new Promise((resolve) => {
        if (output && typeof (output as any).apply === "function") {
            (output as any).apply((v: T) => resolve(v));
        } else {
            resolve(output as T);
        }
    });
}

/** The ensemble's configuration ConfigMap (its name carries a content hash). */
export function configMapOf(resources: PlannedResource[]): any {
    const found = objectsOfKind(resources, "ConfigMap").filter((c) => c.data?.["zoo.cfg"] !== undefined);
    if (found.length !== 1) {
        throw new Error(`expected one ConfigMap, found ${found.length}`);
    }
    return found[0];
}
