// ESM loader hook for tests: lets ES modules import .json files without an import
// attribute (as bundler-oriented packages such as @actions/workflow-parser do).
import { readFile } from "node:fs/promises";

export async function load(url, context, nextLoad) {
    if (url.endsWith(".json") && url.startsWith("file:")) {
        const text = await readFile(new URL(url), "utf8");
        return { format: "module", source: `export default ${text};`, shortCircuit: true };
    }
    return nextLoad(url, context);
}
