import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { Analyzer } from "@pulumi/pulumi/provider/experimental/analyzer";
import { SCHEMA_SNAPSHOT, schemaSummary } from "../tools/schema";
import { installPackedTarball, PackedProject } from "../tools/packed";
import { REPO_ROOT, recordResources } from "../tools/plan";

const COMPONENTS = ["ZooKeeperEnsemble", "ZooKeeperNodeGroups", "ZooKeeperPodNetworking", "LegacyHostBridge", "ZooKeeperCutover"];

function npm(args: string[], cwd = REPO_ROOT) {
    const r = spawnSync("npm", args, { cwd, encoding: "utf8", timeout: 180_000 });
    if (r.status !== 0) {
        throw new Error(`npm ${args.join(" ")} failed: ${r.stderr}`);
    }
    return r.stdout;
}

describe("the npm package", function () {
    this.timeout(240_000);

    describe("npm pack --dry-run", () => {
        let files: string[];
        before(() => {
            files = JSON.parse(npm(["pack", "--dry-run", "--json", "--ignore-scripts"]))[0].files.map((f: { path: string }) => f.path);
        });

        it("contains the built components with their declarations, PulumiPlugin.yaml, the README and the CHANGELOG", () => {
            expect(files).to.include.members([
                "package.json",
                "README.md",
                "CHANGELOG.md",
                "PulumiPlugin.yaml",
                "bin/zk-cutover.js",
                "dist/index.js",
                "dist/index.d.ts",
                "dist/components/ensemble/ensemble.js",
                "dist/components/ensemble/ensemble.d.ts",
                "dist/components/cutover/cutover.js",
                "dist/components/aws/nodeGroups.js",
                "dist/tools/cli.js",
            ]);
        });

        it("contains the compiled stacks program and the config schema it checks a user's stack config against", () => {
            expect(files.filter((f) => f.startsWith("dist/stacks/")).sort()).to.deep.equal(["dist/stacks/config.js", "dist/stacks/index.js"]);
            expect(files).to.include("Pulumi.yaml");
        });

        it("contains no tests, no stack configs, no TypeScript sources and nothing secret", () => {
            expect(files.filter((f) => f.startsWith("tests/") || f.startsWith("stacks/") || f.startsWith("dist/tests/"))).to.deep.equal([]);
            expect(files.filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))).to.deep.equal([]);
            expect(files.filter((f) => /Pulumi\.[^/]+\.yaml$|\.env|secret|\.pem$|\.key$/i.test(f))).to.deep.equal([]);
        });
    });

    describe("cross-language schema (the component analyzer @pulumi/pulumi ships)", () => {
        it("lists every public component with its inputs, outputs and descriptions", () => {
            const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8"));
            const schema = new Analyzer(REPO_ROOT, "zookeeper-cutover", pkg, new Set(COMPONENTS)).analyze();
            expect(Object.keys(schema.components).sort()).to.deep.equal([...COMPONENTS].sort());
            for (const name of COMPONENTS) {
                const c = schema.components[name];
                expect(c.description, name).to.be.a("string").with.length.above(40);
                expect(Object.keys(c.inputs).length, name).to.be.above(2);
                expect(Object.keys(c.outputs).length, name).to.be.above(1);
                for (const [input, def] of Object.entries(c.inputs)) {
                    expect(def.description, `${name}.${input}`).to.be.a("string").with.length.above(5);
                }
            }
            const ensemble = schema.components.ZooKeeperEnsemble;
            expect(ensemble.inputs.namespace).to.deep.include({ type: "string" });
            expect(ensemble.inputs.namespace.optional).to.not.equal(true);
            expect(ensemble.inputs.replicas).to.deep.include({ type: "number", optional: true });
            expect(ensemble.inputs.memberIds).to.deep.include({ type: "array", optional: true });
            expect(Object.keys(ensemble.outputs)).to.include.members(["clientConnectString", "zooCfg", "memberIds"]);
            // The cutover's args nested by concept, every field of every group documented.
            expect(Object.keys(schema.components.ZooKeeperCutover.inputs).sort()).to.deep.equal(
                ["cluster", "ensemble", "guard", "legacy", "networking", "nodeGroups", "podMembers", "registry", "security", "stage", "tags"],
            );
            for (const [type, def] of Object.entries(schema.typeDefinitions as Record<string, { properties?: Record<string, { description?: string }> }>)) {
                for (const [field, p] of Object.entries(def.properties ?? {})) {
                    expect(p.description, `${type}.${field}`).to.be.a("string").with.length.above(5);
                }
            }
        });
    });

    describe("the pinned cross-language API", () => {
        it("is the schema the package serves: inputs, enums, optional and plain flags, descriptions (an API change is a reviewed diff: npm run schema)", function () {
            this.timeout(120000);
            const pinned = JSON.parse(fs.readFileSync(SCHEMA_SNAPSHOT, "utf8"));
            expect(schemaSummary(), "the schema differs from tests/schema.snapshot.json; if the change is meant, run npm run schema and review the diff").to.deep.equal(pinned);
            // Closed sets are enums in every generated SDK.
            const types = pinned.types as Record<string, { enum?: string[] }>;
            expect(types.SecurityStep.enum).to.deep.equal(["off", "accept", "prefer", "require"]);
            expect(types.Stage.enum).to.deep.equal(["old-host", "dual-registry", "member-swap", "pure-k8s"]);
            expect(pinned.components.ZooKeeperEnsemble.inputs.tls).to.deep.include({ type: "SecurityStep", optional: true, plain: true });
            expect(pinned.components.ZooKeeperCutover.inputs.stage).to.deep.include({ type: "Stage", optional: true });
            // Names from other resources: the ensemble's namespace is an Input, the cutover's plain.
            expect(pinned.components.ZooKeeperEnsemble.inputs.namespace.plain).to.equal(undefined);
            expect(pinned.types.CutoverEnsemble.properties.namespace.plain).to.equal(true);
            expect(pinned.types.CutoverCluster.properties.vpcId.plain).to.equal(undefined);
        });
    });

    describe("a consumer program built against the packed tarball", () => {
        let project: PackedProject | undefined;
        let dir: string;
        after(() => project?.remove());

        before(() => {
            project = installPackedTarball();
            dir = project.dir;
        });

        it("plans a user's own stack config with the package's compiled command line, as a checkout plans it", () => {
            const config = path.join(dir, "Pulumi.prod.yaml");
            fs.copyFileSync(path.join(REPO_ROOT, "stacks", "Pulumi.dual-registry.yaml"), config);
            const installed = spawnSync(process.execPath, [project!.cli, "plan", "--config-file", config, "--json"], {
                cwd: dir,
                encoding: "utf8",
                timeout: 120_000,
            });
            expect(installed.status, installed.stderr).to.equal(0);
            const checkout = spawnSync(process.execPath, [path.join(REPO_ROOT, "bin", "zk-cutover.js"), "plan", "--config-file", config, "--json"], { cwd: dir, encoding: "utf8", timeout: 120_000 });
            expect(checkout.status, checkout.stderr).to.equal(0);
            expect(installed.stdout).to.equal(checkout.stdout);
            expect(JSON.parse(installed.stdout).stack).to.equal("prod");
            // No stack configs ship: --stack says so and names --config-file.
            const shipped = spawnSync(process.execPath, [project!.cli, "plan", "--stack", "pure-k8s"], { cwd: dir, encoding: "utf8", timeout: 120_000 });
            expect([shipped.status, shipped.stderr]).to.deep.equal([1, "error: --stack: the installed package ships no stack configs; plan your own with --config-file Pulumi.<stack>.yaml\n"]);
        });

        it("type-checks and registers the components on the mock engine", async () => {
            fs.writeFileSync(
                path.join(dir, "index.ts"),
                [
                    'import * as k8s from "@pulumi/kubernetes";',
                    'import { SecurityStep, ZooKeeperEnsemble, ZooKeeperEnsembleArgs } from "zookeeper-cutover";',
                    // As the README shows it: the namespace from a Namespace resource, an enum for a closed set.
                    'const ns = new k8s.core.v1.Namespace("registry", { metadata: { name: "registry" } });',
                    'const args: ZooKeeperEnsembleArgs = { namespace: ns.metadata.name, replicas: 5, zookeeperVersion: "3.4.14", tls: SecurityStep.Off };',
                    'export const ensemble = new ZooKeeperEnsemble("registry", args);',
                    "export const connect = ensemble.clientConnectString;",
                    "",
                ].join("\n"),
            );
            fs.writeFileSync(
                path.join(dir, "tsconfig.json"),
                JSON.stringify({ compilerOptions: { strict: true, module: "commonjs", target: "ES2022", moduleResolution: "node", esModuleInterop: true, noEmit: true, types: [] }, files: ["index.ts"] }),
            );
            const tsc = spawnSync(process.execPath, [path.join(REPO_ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", dir], { encoding: "utf8", timeout: 120_000 });
            expect(tsc.status, tsc.stdout + tsc.stderr).to.equal(0);

            const { resources } = await recordResources("consumer", {}, [], () => require(path.join(dir, "index.ts")));
            const sts = resources.find((r) => r.type === "kubernetes:apps/v1:StatefulSet")!;
            expect((sts.inputs as any).spec.replicas).to.equal(5);
            expect((sts.inputs as any).metadata.namespace).to.equal("registry");
            expect((sts.inputs as any).spec.template.spec.containers[0].image).to.equal("zookeeper:3.4.14");
            expect(resources.find((r) => r.type === "zookeeper-cutover:index:ZooKeeperEnsemble")!.name).to.equal("registry");
            // The component came from the tarball, not from this checkout.
            const fromTarball = path.join(fs.realpathSync(path.join(dir, "node_modules")), "zookeeper-cutover", "dist", "components", "ensemble", "ensemble.js");
            expect(Object.keys(require.cache)).to.include(fromTarball);
        });
    });
});
