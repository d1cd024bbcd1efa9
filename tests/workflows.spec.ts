import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { pathToFileURL } from "url";
import * as YAML from "yaml";
import { REPO_ROOT } from "../tools/plan";

// @actions/workflow-parser (GitHub's own workflow parser and schema) ships ES modules only.
const importModule = new Function("specifier", "return import(specifier)") as (specifier: string) => Promise<any>;
const WORKFLOWS = path.join(REPO_ROOT, ".github", "workflows");
const workflowFiles = () => fs.readdirSync(WORKFLOWS).filter((f) => /\.ya?ml$/.test(f));

function git(cwd: string, ...args: string[]): string {
    const r = spawnSync("git", ["-c", "user.name=test", "-c", "user.email=test@example.invalid", ...args], { cwd, encoding: "utf8" });
    if (r.status !== 0) {
        throw new Error(`git ${args.join(" ")}: ${r.stderr}`);
    }
    return r.stdout;
}

describe("pull-request workflows", function () {
    this.timeout(120_000);

    it("are valid GitHub workflows (GitHub's workflow parser reports no error)", async () => {
        // The parser imports its JSON schema without an import attribute; teach the loader to accept that.
        (require("module") as { register: (specifier: string, parentURL: string) => void }).register("./support/json-modules.mjs", pathToFileURL(__filename).href);
        const { parseWorkflow, convertWorkflowTemplate, NoOperationTraceWriter } = await importModule("@actions/workflow-parser");
        expect(workflowFiles()).to.not.deep.equal([]);
        for (const name of workflowFiles()) {
            const content = fs.readFileSync(path.join(WORKFLOWS, name), "utf8");
            const parsed = parseWorkflow({ name, content }, new NoOperationTraceWriter());
            expect(parsed.context.errors.getErrors().map((e: Error) => e.message), name).to.deep.equal([]);
            const template = await convertWorkflowTemplate(parsed.context, parsed.value);
            expect((template.errors ?? []).map((e: { Message: string }) => e.Message), name).to.deep.equal([]);
        }
    });

    it("run only scripts that exist and parse as bash", () => {
        for (const name of workflowFiles()) {
            const doc = YAML.parse(fs.readFileSync(path.join(WORKFLOWS, name), "utf8"));
            const runs = Object.values(doc.jobs as Record<string, { steps: { run?: string }[] }>).flatMap((job) => job.steps.map((s) => s.run ?? ""));
            const scripts = runs.flatMap((run) => [...run.matchAll(/bash\s+(\S+\.sh)/g)].map((m) => m[1]));
            expect(scripts.length, name).to.be.above(0);
            for (const script of scripts) {
                expect(fs.existsSync(path.join(REPO_ROOT, script)), script).to.equal(true);
                expect(spawnSync("bash", ["-n", path.join(REPO_ROOT, script)]).status, script).to.equal(0);
            }
        }
    });

    it("preview each changed stack with pulumi/actions and comment-on-pr, only where cloud credentials exist", () => {
        const doc = YAML.parse(fs.readFileSync(path.join(WORKFLOWS, "pull-request.yml"), "utf8"));
        const preview = doc.jobs.preview;
        const pulumiStep = preview.steps.find((s: { uses?: string }) => s.uses?.startsWith("pulumi/actions@"));
        expect(pulumiStep.with).to.include({ command: "preview", "comment-on-pr": true });
        expect(pulumiStep.if).to.equal("env.HAS_CLOUD == 'true'");
        expect(preview.env.HAS_CLOUD).to.contain("secrets.PULUMI_ACCESS_TOKEN");
        expect(preview.strategy.matrix.stack).to.contain("needs.changed-stacks.outputs.stacks");
        const offline = doc.jobs["offline-diff"];
        expect(JSON.stringify(offline)).to.not.contain("secrets.");
    });

    describe("the scripts, on a pull request that changes one stack", () => {
        let repo: string;
        before(() => {
            repo = fs.mkdtempSync(path.join(os.tmpdir(), "zk-pr-"));
            fs.cpSync(path.join(REPO_ROOT, "stacks"), path.join(repo, "stacks"), { recursive: true, filter: (src) => !src.endsWith(".ts") });
            fs.cpSync(path.join(REPO_ROOT, ".github"), path.join(repo, ".github"), { recursive: true });
            git(repo, "init", "-q", "-b", "main");
            git(repo, "add", ".");
            git(repo, "commit", "-q", "-m", "base");
            const file = path.join(repo, "stacks", "Pulumi.pure-k8s.yaml");
            fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace("zookeeper-cutover:jvmHeap: 1Gi", "zookeeper-cutover:jvmHeap: 1536Mi"));
            git(repo, "commit", "-q", "-am", "bigger heap");
        });
        after(() => fs.rmSync(repo, { recursive: true, force: true }));

        it("changed-stacks.sh lists just that stack", () => {
            const r = spawnSync("bash", [".github/scripts/changed-stacks.sh", "HEAD~1"], { cwd: repo, encoding: "utf8" });
            expect(r.stdout).to.equal('["pure-k8s"]\n');
        });

        it("offline-diff.sh writes the Markdown diff of that stack", () => {
            const r = spawnSync("bash", [".github/scripts/offline-diff.sh", "HEAD~1"], {
                cwd: repo,
                encoding: "utf8",
                timeout: 90_000,
                env: { ...process.env, ZK_CUTOVER: `${process.execPath} ${path.join(REPO_ROOT, "bin", "zk-cutover.js")}` },
            });
            expect(r.status, r.stderr).to.equal(0);
            expect(r.stdout).to.match(/^## zk-cutover: offline stage diffs\n\n### zk-cutover diff: `pure-k8s` → `pure-k8s`\n/);
            expect(r.stdout).to.contain("`spec.template.spec.containers[0].env[6].value`");
            expect(r.stdout).to.contain("| change | `zk-statefulset` | `kubernetes:apps/v1:StatefulSet` | `zookeeper/zk` |");
        });
    });
});
