/**
 * One problem with one input: the key it concerns and a sentence that names
 * the bad value and what is allowed.
 */
export interface ConfigIssue {
    key: string;
    message: string;
}

/**
 * Raised by the pure validators before anything is created. `message` holds one
 * line per issue, each starting with the key (prefixed as the caller asked;
 * a key that names its own namespace, such as "aws:region", is kept as it is),
 * so a user sees every mistake at once and never a stack trace.
 */
export class ZooKeeperConfigError extends Error {
    readonly issues: ConfigIssue[];
    readonly keyPrefix: string;

    constructor(issues: ConfigIssue[], keyPrefix = "") {
        super(issues.map((i) => `${i.key.includes(":") ? "" : keyPrefix}${i.key}: ${i.message}`).join("\n"));
        this.name = "ZooKeeperConfigError";
        this.issues = issues;
        this.keyPrefix = keyPrefix;
    }

    /** The same issues, with keys prefixed (e.g. by a stack config namespace). */
    withPrefix(keyPrefix: string): ZooKeeperConfigError {
        return new ZooKeeperConfigError(this.issues, keyPrefix);
    }

    static isInstance(err: unknown): err is ZooKeeperConfigError {
        return err instanceof Error && (err as { name?: string }).name === "ZooKeeperConfigError";
    }
}

/** Collects issues; `throwIfAny` raises them together. */
export class IssueCollector {
    readonly issues: ConfigIssue[] = [];

    /** Records an issue; the same issue reported twice (e.g. a key two components check) is kept once. */
    add(key: string, message: string): void {
        if (!this.issues.some((i) => i.key === key && i.message === message)) {
            this.issues.push({ key, message });
        }
    }

    throwIfAny(): void {
        if (this.issues.length > 0) {
            throw new ZooKeeperConfigError(this.issues);
        }
    }
}

/** JSON-ish rendering of a bad value for error messages; a value not known yet (an Output) reads as `<Output>`, never its internals. */
export function show(value: unknown): string {
    if (typeof value === "string") {
        return JSON.stringify(value);
    }
    if (value === undefined) {
        return "nothing";
    }
    if (isPendingInput(value)) {
        return "an Output (a value from another resource)";
    }
    // Outputs stand as "<Output>" (JSON.stringify would print their toJSON warning instead).
    const plain = (v: unknown): unknown =>
        isPendingInput(v) ? "<Output>" : Array.isArray(v) ? v.map(plain) : v !== null && typeof v === "object" ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)])) : v;
    return JSON.stringify(plain(value));
}

/**
 * Refuses, under each of `keys`, a value that is not a plain string (an
 * Output from another resource, say) where the component derives names from
 * it before anything is created.
 */
export function checkPlainStrings(args: object, keys: readonly string[], issues: IssueCollector): void {
    for (const key of keys) {
        const v = (args as Record<string, unknown>)[key];
        if (v !== undefined && typeof v !== "string") {
            issues.add(key, `${show(v)} is not a plain string; allowed: a string known when the program starts (resource names and tags are derived from it before anything is created)`);
        }
    }
}

/** `checkPlainStrings` on its own: raises its issues at once. */
export function requirePlainStrings(args: object, keys: readonly string[]): void {
    const issues = new IssueCollector();
    checkPlainStrings(args, keys, issues);
    issues.throwIfAny();
}

/** The types a setting can have; lists hold one type. */
export type ValueType = "string" | "integer" | "boolean" | "strings" | "integers";

/** What a user reads for a type in "allowed: ...". */
export function describeType(type: ValueType): string {
    return {
        string: "a string",
        integer: "a whole number",
        boolean: "true or false",
        strings: "a list of strings",
        integers: "a list of whole numbers",
    }[type];
}

function isInteger(v: unknown): boolean {
    return typeof v === "number" && Number.isInteger(v);
}

export function hasType(value: unknown, type: ValueType): boolean {
    switch (type) {
        case "string":
            return typeof value === "string";
        case "integer":
            return isInteger(value);
        case "boolean":
            return typeof value === "boolean";
        case "strings":
            return Array.isArray(value) && value.every((x) => typeof x === "string");
        case "integers":
            return Array.isArray(value) && value.every(isInteger);
    }
}

/** The type of a setting, from its default (lists of numbers are named in `integerLists`, as an empty default cannot tell). */
export function typeOfDefault(key: string, def: unknown, integerLists: readonly string[] = []): ValueType {
    if (Array.isArray(def)) {
        return integerLists.includes(key) ? "integers" : "strings";
    }
    return typeof def === "number" ? "integer" : typeof def === "boolean" ? "boolean" : "string";
}

/**
 * Checks the type of every given value in `types` (undefined means "not given":
 * the default applies) and reports each wrong one under its key. Returns the
 * values with wrong ones replaced by their default, so later rules run on the
 * rest without tripping over a type, and the keys whose type was wrong.
 */
export function checkTypes<T extends Record<string, unknown>>(
    values: T,
    types: Record<string, ValueType>,
    defaults: Record<string, unknown>,
    issues: IssueCollector,
): { values: T; wrong: Set<string> } {
    const checked: Record<string, unknown> = { ...values };
    const wrong = new Set<string>();
    for (const [key, type] of Object.entries(types)) {
        const v = values[key];
        if (v !== undefined && !hasType(v, type)) {
            issues.add(key, `${show(v)} has the wrong type; allowed: ${describeType(type)}`);
            wrong.add(key);
            checked[key] = defaults[key];
        }
    }
    return { values: checked as T, wrong };
}

/** " (did you mean x?)" when a known key is within two edits of `key`. */
export function suggest(key: string, known: readonly string[]): string {
    let best: string | undefined;
    let bestDistance = 3;
    for (const k of known) {
        const d = editDistance(key.toLowerCase(), k.toLowerCase());
        if (d < bestDistance) {
            best = k;
            bestDistance = d;
        }
    }
    return best ? ` (did you mean ${best}?)` : "";
}

function editDistance(a: string, b: string): number {
    let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
        const cur = [i];
        for (let j = 1; j <= b.length; j++) {
            cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
        }
        prev = cur;
    }
    return prev[b.length];
}

/** A value given as an Output or Promise (a secret from config or another resource): checked when it is known. */
export function isPendingInput(v: unknown): boolean {
    return typeof v === "object" && v !== null && (typeof (v as { apply?: unknown }).apply === "function" || typeof (v as { then?: unknown }).then === "function");
}

/** The values of a closed set declared `as const` (the cross-language schema turns the set into an enum). */
export type ValueOf<T> = T[keyof T];
