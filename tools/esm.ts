/**
 * Loads a package that ships ES modules only (Vega, kubernetes-models, GitHub's
 * workflow parser) from this CommonJS code: a real dynamic import, which the
 * TypeScript compiler would otherwise turn into require.
 */
export const importEsm = new Function("specifier", "return import(specifier)") as (specifier: string) => Promise<any>;
