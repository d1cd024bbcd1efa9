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
 * line per issue, each starting with the key (prefixed as the caller asked),
 * so a user sees every mistake at once and never a stack trace.
 */
export class ZooKeeperConfigError extends Error {
    readonly issues: ConfigIssue[];
    readonly keyPrefix: string;

    constructor(issues: ConfigIssue[], keyPrefix = "") {
        super(issues.map((i) => `${keyPrefix}${i.key}: ${i.message}`).join("\n"));
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

/** JSON-ish rendering of a bad value for error messages. */
export function show(value: unknown): string {
    if (typeof value === "string") {
        return JSON.stringify(value);
    }
    if (value === undefined) {
        return "nothing";
    }
    return JSON.stringify(value);
}
