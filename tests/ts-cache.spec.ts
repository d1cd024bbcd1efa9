/**
 * The checkout's TypeScript loader (bin/ts-cache.js): each file transpiled by TypeScript once, then read from the
 * cache; an edited file, or another tsconfig.json, is transpiled again.
 */
import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { REPO_ROOT } from "../tools/plan";

describe("the checkout's TypeScript loader (transpile cache)", () => {
    let root: string;
    const tsconfig = (target: string) => JSON.stringify({ compilerOptions: { target, module: "commonjs", strict: true, esModuleInterop: true } });

    /** Loads main.ts in a fresh process through the loader: what it exported and whether TypeScript itself was loaded. */
    function load(): { value: unknown; typescriptLoaded: boolean; emitted: string } {
        const script = [
            `require(${JSON.stringify(path.join(REPO_ROOT, "bin", "ts-cache.js"))}).register(${JSON.stringify(root)});`,
            `const m = require(${JSON.stringify(path.join(root, "main.ts"))});`,
            'const typescriptLoaded = Object.keys(require.cache).some((f) => /[\\\\/]typescript[\\\\/]lib[\\\\/]typescript\\.js$/.test(f));',
            "console.log(JSON.stringify({ value: m.value, typescriptLoaded, emitted: m.emitted.toString() }));",
        ].join("\n");
        const r = spawnSync(process.execPath, ["-e", script], { cwd: root, encoding: "utf8", timeout: 60000 });
        expect(r.status, r.stderr).to.equal(0);
        return JSON.parse(r.stdout);
    }

    before(() => {
        root = fs.mkdtempSync(path.join(os.tmpdir(), "zk-ts-cache-"));
        fs.symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(root, "node_modules"));
        fs.writeFileSync(path.join(root, "tsconfig.json"), tsconfig("ES2022"));
        fs.writeFileSync(path.join(root, "main.ts"), "export const value: number = 1;\nexport class emitted { static x?: number; }\n");
    });
    after(() => fs.rmSync(root, { recursive: true, force: true }));

    it("transpiles a file once; a later run reads it from the cache without loading TypeScript", () => {
        expect(load()).to.include({ value: 1, typescriptLoaded: true });
        expect(load()).to.include({ value: 1, typescriptLoaded: false });
        expect(fs.readdirSync(path.join(root, ".cache", "ts"))).to.have.length(1);
    });

    it("transpiles an edited file again", () => {
        fs.writeFileSync(path.join(root, "main.ts"), "export const value: number = 2;\nexport class emitted { static x?: number; }\n");
        expect(load()).to.include({ value: 2, typescriptLoaded: true });
        expect(load()).to.include({ value: 2, typescriptLoaded: false });
    });

    it("transpiles again under a changed tsconfig.json, with its compiler options", () => {
        const before = load().emitted;
        fs.writeFileSync(path.join(root, "tsconfig.json"), tsconfig("ES2015"));
        const after = load();
        expect(after.typescriptLoaded).to.equal(true);
        // ES2022 keeps the class as written; ES2015 has no static fields and lowers it.
        expect(before).to.match(/^class emitted/);
        expect(after.emitted).to.not.equal(before);
    });
});
