// Runs this checkout's TypeScript: a require hook for .ts files that transpiles each file with TypeScript's own
// transpileModule (per file, no type checks: `npm run typecheck` does those), exactly as ts-node's transpile-only mode
// and the build emit it, and keeps the JavaScript in .cache/ts/, keyed by the file's path and content, the TypeScript
// version and tsconfig.json. A run whose files are all cached never loads TypeScript (0.4-0.7 s and some 60 MB a
// process); an edited file is transpiled again. Other transpilers were measured and not taken: @swc-node/register
// copies a CommonJS module's exports at `import * as` (TypeScript reads them live), which broke the rehearsal's
// cluster DNS, and tsx planned slower than the target (its ES module loader). Used by bin/zk-cutover.js in a
// checkout, by the tests (.mocharc.json) and by the npm scripts; the built package has no .ts files.
"use strict";
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");

/** Bumped when the shape of a cached file changes. */
const FORMAT = "2";

function register(root = path.join(__dirname, "..")) {
    if (require.extensions[".ts"]) {
        return; // ts-node, or this hook, already
    }
    const tsconfigFile = path.join(root, "tsconfig.json");
    const tsconfigText = fs.readFileSync(tsconfigFile, "utf8");
    const typescriptDir = path.dirname(require.resolve("typescript/package.json", { paths: [root] }));
    const tsVersion = JSON.parse(fs.readFileSync(path.join(typescriptDir, "package.json"), "utf8")).version;
    const salt = `${FORMAT}\0${tsVersion}\0${tsconfigText}\0`;
    const cacheDir = process.env.ZK_CUTOVER_TS_CACHE || path.join(root, ".cache", "ts");
    let ts;
    let compilerOptions;

    function transpile(source, filename) {
        if (!ts) {
            ts = require(typescriptDir);
            const parsed = ts.parseConfigFileTextToJson(tsconfigFile, tsconfigText);
            if (parsed.error) {
                throw new Error(`${tsconfigFile}: ${ts.flattenDiagnosticMessageText(parsed.error.messageText, "\n")}`);
            }
            compilerOptions = ts.convertCompilerOptionsFromJson(parsed.config.compilerOptions ?? {}, root).options;
            Object.assign(compilerOptions, {
                module: ts.ModuleKind.CommonJS,
                declaration: false,
                sourceMap: false,
                inlineSourceMap: true, // used when source maps are enabled (the tests); stack traces name the .ts lines
                inlineSources: false,
                noEmit: false,
                // The JavaScript stands in for the .ts file in its own directory: the map's source is the file itself.
                outDir: undefined,
                rootDir: undefined,
            });
        }
        return ts.transpileModule(source, { compilerOptions, fileName: filename, reportDiagnostics: false }).outputText;
    }

    require.extensions[".ts"] = function (module, filename) {
        const source = fs.readFileSync(filename, "utf8");
        const key = crypto.createHash("sha256").update(salt).update(filename).update("\0").update(source).digest("hex");
        const cached = path.join(cacheDir, key.slice(0, 2), `${key}.js`);
        let js;
        try {
            js = fs.readFileSync(cached, "utf8");
        } catch {
            js = transpile(source, filename);
            try {
                fs.mkdirSync(path.dirname(cached), { recursive: true });
                // Written aside and renamed, so a concurrent run reads a whole file or none.
                const partial = `${cached}.${process.pid}.tmp`;
                fs.writeFileSync(partial, js);
                fs.renameSync(partial, cached);
            } catch {
                // A read-only checkout still runs, transpiling every time.
            }
        }
        module._compile(js, filename);
    };
}

module.exports = { register };
