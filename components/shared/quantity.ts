/**
 * Kubernetes resource quantities ("2Gi", "500m", "1.5", "1e3").
 */

const SUFFIXES: Record<string, number> = {
    "": 1,
    m: 1e-3,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
    P: 1e15,
    E: 1e18,
    Ki: 2 ** 10,
    Mi: 2 ** 20,
    Gi: 2 ** 30,
    Ti: 2 ** 40,
    Pi: 2 ** 50,
    Ei: 2 ** 60,
};

const QUANTITY = /^([+]?[0-9]+(?:\.[0-9]*)?|[+]?\.[0-9]+)(?:(Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E)|[eE]([+-]?[0-9]+))?$/;

/** The value of a quantity in base units (bytes, cores), or undefined when it is not a quantity. */
export function parseQuantity(text: string): number | undefined {
    if (typeof text !== "string") {
        return undefined;
    }
    const m = QUANTITY.exec(text.trim());
    if (!m || text.trim() !== text) {
        return undefined;
    }
    const base = Number(m[1]);
    if (m[3] !== undefined) {
        return base * 10 ** Number(m[3]);
    }
    return base * SUFFIXES[m[2] ?? ""];
}

/** Bytes as whole MiB, rounded down. */
export function toMiB(bytes: number): number {
    return Math.floor(bytes / 2 ** 20);
}
