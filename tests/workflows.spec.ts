import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { pathToFileURL } from "url";
import * as YAML from "yaml";
import { importEsm } from "../tools/esm";
import { REPO_ROOT } from "../tools/plan";

const WORKFLOWS = path.join(REPO_ROOT, ".github", "workflows");
const workflowFiles = () => fs.readdirSync(WORKFLOWS).filter((f) => /\.ya?ml$/.test(f));

function git(cwd: string, ...args: string[]): string {
    const r = spawnSync("git", ["-c", "user.name=test", "-c", "user.email=test@example.invalid", ...args], { cwd, encoding: "utf8" });
    if (r.status !== 0) {
        throw new Error(`git ${args.join(" ")}: ${r.stderr}`);
    }
    return r.stdout;
}

describe("GitHub workflows: pull requests, deploy, drift, release", function () {
    this.timeout(120_000);

    it("are valid GitHub workflows (GitHub's workflow parser reports no error)", async () => {
        // The parser imports its JSON schema without an import attribute; teach the loader to accept that.
        (require("module") as { register: (specifier: string, parentURL: string) => void }).register("./support/json-modules.mjs", pathToFileURL(__filename).href);
        const { parseWorkflow, convertWorkflowTemplate, NoOperationTraceWriter } = await importEsm("@actions/workflow-parser");
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

    it("preview with the policy pack enforced, refreshed first, with the detailed diff", () => {
        const doc = YAML.parse(fs.readFileSync(path.join(WORKFLOWS, "pull-request.yml"), "utf8"));
        const step = doc.jobs.preview.steps.find((s: { uses?: string }) => s.uses?.startsWith("pulumi/actions@"));
        expect(step.with).to.include({ command: "preview", refresh: true, diff: true, policyPacks: "policy" });
        expect(fs.existsSync(path.join(REPO_ROOT, "policy", "PulumiPolicy.yaml"))).to.equal(true);
    });

    it("deploy each changed stack on a merge to main, one at a time behind its environment, with the same gates", () => {
        const doc = YAML.parse(fs.readFileSync(path.join(WORKFLOWS, "deploy.yml"), "utf8"));
        expect(doc.on.push.branches).to.deep.equal(["main"]);
        const up = doc.jobs.up;
        expect(up.environment).to.equal("${{ matrix.stack }}");
        expect(up.strategy).to.deep.include({ "fail-fast": true, "max-parallel": 1 });
        const step = up.steps.find((s: { uses?: string }) => s.uses?.startsWith("pulumi/actions@"));
        expect(step.with).to.include({ command: "up", refresh: true, policyPacks: "policy" });
        expect(step.if).to.equal("env.HAS_CLOUD == 'true'");
        expect(doc.jobs["changed-stacks"].steps.map((s: { run?: string }) => s.run ?? "").join("\n")).to.contain("changed-stacks.sh \"${{ github.event.before }}\"");
        expect(doc.concurrency).to.deep.include({ "cancel-in-progress": false });
    });

    it("check every stack for drift every day, failing loudly on any", () => {
        const doc = YAML.parse(fs.readFileSync(path.join(WORKFLOWS, "drift.yml"), "utf8"));
        expect(doc.on.schedule[0].cron).to.match(/^\d+ \d+ \* \* \*$/);
        expect(doc.jobs.refresh.strategy.matrix.stack).to.contain("needs.stacks.outputs.stacks");
        expect(JSON.stringify(doc.jobs.refresh.steps)).to.contain("bash .github/scripts/drift.sh");
        const shipped = fs.readdirSync(path.join(REPO_ROOT, "stacks")).filter((f) => /^Pulumi\..+\.yaml$/.test(f)).map((f) => f.slice("Pulumi.".length, -".yaml".length)).sort();
        const listed = spawnSync("bash", [".github/scripts/all-stacks.sh"], { cwd: REPO_ROOT, encoding: "utf8" });
        expect(JSON.parse(listed.stdout).sort()).to.deep.equal(shipped);
        // drift.sh with a stand-in for the Pulumi CLI: a refresh preview that finds changes fails, naming the stack.
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "zk-drift-"));
        try {
            const fake = (code: number) => {
                const f = path.join(dir, `pulumi-${code}`);
                fs.writeFileSync(f, `#!/usr/bin/env bash\necho "args: $*"\n${code === 0 ? "" : "echo '~ aws:eks/nodeGroup:NodeGroup nodes-eu-west-1a update [diff: ~scalingConfig]'\n"}exit ${code}\n`, { mode: 0o755 });
                return f;
            };
            const drifted = spawnSync("bash", [".github/scripts/drift.sh", "prod"], { cwd: REPO_ROOT, encoding: "utf8", env: { ...process.env, PULUMI: fake(255) } });
            expect(drifted.status).to.equal(1);
            expect(drifted.stdout).to.contain("args: refresh --stack prod --preview-only --expect-no-changes --non-interactive --diff");
            expect(drifted.stdout).to.contain("::error title=Drift in prod::the cloud no longer matches stack prod");
            const clean = spawnSync("bash", [".github/scripts/drift.sh", "prod"], { cwd: REPO_ROOT, encoding: "utf8", env: { ...process.env, PULUMI: fake(0) } });
            expect([clean.status, clean.stdout.trim().split("\n").pop()]).to.deep.equal([0, "no drift in prod"]);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("release only a tag that names package.json's version, after the tests", () => {
        const doc = YAML.parse(fs.readFileSync(path.join(WORKFLOWS, "release.yml"), "utf8"));
        expect(doc.on.push.tags).to.deep.equal(["v*"]);
        const runs = doc.jobs.release.steps.map((s: { run?: string }) => s.run ?? "");
        const at = (text: string) => runs.findIndex((r: string) => r.includes(text));
        expect(at("check-release-tag.sh")).to.be.below(at(".ci/run"));
        expect(at(".ci/run")).to.be.below(at("npm publish"));
        const version = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")).version;
        const check = (tag: string) => spawnSync("bash", [".github/scripts/check-release-tag.sh", tag], { cwd: REPO_ROOT, encoding: "utf8" });
        expect(check(`v${version}`).status).to.equal(0);
        const wrong = check("v99.0.0");
        expect(wrong.status).to.equal(1);
        expect(wrong.stderr).to.equal(`::error::tag v99.0.0 does not name package.json's version ${version}; allowed: v${version} (or bump the version first)\n`);
    });

    it("changed-stacks.sh counts every stack as changed on a branch's first push (no previous commit)", () => {
        const r = spawnSync("bash", [".github/scripts/changed-stacks.sh", "0000000000000000000000000000000000000000"], { cwd: REPO_ROOT, encoding: "utf8" });
        expect(JSON.parse(r.stdout).length).to.equal(fs.readdirSync(path.join(REPO_ROOT, "stacks")).filter((f) => /^Pulumi\..+\.yaml$/.test(f)).length);
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
            expect(r.stdout).to.match(/^## zk-cutover: offline stage diffs\n\nOffline, without credentials: .*\n\n_Both configs planned with this pull request's code, so a code change does not show: `pure-k8s` \(the base has no zk-cutover command line\)._\n\n### zk-cutover diff: `pure-k8s` → `pure-k8s`\n/);
            expect(r.stdout).to.contain("`spec.template.spec.containers[0].env[6].value`");
            expect(r.stdout).to.contain("| change | `zk-statefulset` | `kubernetes:apps/v1:StatefulSet` | `zookeeper/zk` |");
        });
    });

    describe("offline-diff.sh on a pull request that changes the components' code", () => {
        let repo: string;
        let base: string;
        before(function () {
            this.timeout(60_000);
            // A clone of this checkout's tracked files; its dependencies are this checkout's (the lock file does not change).
            repo = fs.mkdtempSync(path.join(os.tmpdir(), "zk-pr-code-"));
            for (const f of git(REPO_ROOT, "ls-files").split("\n").filter((f) => f !== "" && fs.existsSync(path.join(REPO_ROOT, f)))) {
                fs.mkdirSync(path.dirname(path.join(repo, f)), { recursive: true });
                fs.copyFileSync(path.join(REPO_ROOT, f), path.join(repo, f));
            }
            git(repo, "init", "-q", "-b", "main");
            git(repo, "add", ".");
            git(repo, "commit", "-q", "-m", "base");
            fs.symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(repo, "node_modules"));
            base = git(repo, "rev-parse", "--short", "HEAD").trim();
            const objects = path.join(repo, "components", "ensemble", "objects.ts");
            const code = fs.readFileSync(objects, "utf8");
            expect(code).to.contain("terminationGracePeriodSeconds: 60,");
            fs.writeFileSync(objects, code.replace("terminationGracePeriodSeconds: 60,", "terminationGracePeriodSeconds: 90,"));
            git(repo, "commit", "-q", "-am", "longer grace period");
        });
        after(() => fs.rmSync(repo, { recursive: true, force: true }));

        it("plans the base's config with the base's code, so the code change shows in every stack, and leaves no worktree behind", function () {
            this.timeout(300_000);
            const r = spawnSync("bash", [".github/scripts/offline-diff.sh", "HEAD~1"], { cwd: repo, encoding: "utf8", timeout: 280_000 });
            expect(r.status, r.stderr).to.equal(0);
            const stacks = fs.readdirSync(path.join(repo, "stacks")).filter((f) => /^Pulumi\..+\.yaml$/.test(f));
            const names = stacks.map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)![1]);
            const byBase = new RegExp(`^_Planned with the base's code \\(${base}\\) for the base's config and this pull request's code for its own: (.*)\\._$`, "m").exec(r.stdout);
            expect(byBase, r.stdout).to.not.equal(null);
            expect(byBase![1].split(", ").sort()).to.deep.equal(names.map((n) => `\`${n}\``).sort());
            // Every stack that runs the ensemble in pods shows the StatefulSet's change; old-host has no StatefulSet.
            const sections = r.stdout.split(/^### zk-cutover diff: /m).slice(1);
            const changed = sections.filter((t) => t.includes("`spec.template.spec.terminationGracePeriodSeconds`")).map((t) => /^`([^`]+)`/.exec(t)![1]);
            expect(changed.sort()).to.deep.equal(names.filter((n) => n !== "old-host").sort());
            expect(r.stdout).to.not.contain("Both configs planned with this pull request's code");
            expect(git(repo, "worktree", "list").trim().split("\n")).to.have.length(1);
        });

        it("diffs a stack the base's code cannot plan with this pull request's code on both sides, and says so with the reason", function () {
            this.timeout(300_000);
            // A base whose code fails on one stack (a stand-in for a base that cannot plan it), then a pull request that mends it.
            const plan = path.join(repo, "tools", "plan.ts");
            const code = fs.readFileSync(plan, "utf8");
            const entry = "export async function planStack(source: PlanSource): Promise<Plan> {";
            expect(code).to.contain(entry);
            fs.writeFileSync(plan, code.replace(entry, `${entry}\n    if ((source.configFile ?? "").endsWith("Pulumi.old-host.yaml")) { throw new PlanInputError("this code cannot plan old-host"); }`));
            git(repo, "commit", "-q", "-am", "a base that cannot plan old-host");
            const failingBase = git(repo, "rev-parse", "--short", "HEAD").trim();
            fs.writeFileSync(plan, code);
            const objects = path.join(repo, "components", "ensemble", "objects.ts");
            fs.writeFileSync(objects, fs.readFileSync(objects, "utf8").replace("terminationGracePeriodSeconds: 90,", "terminationGracePeriodSeconds: 120,"));
            git(repo, "commit", "-q", "-am", "mended, and a longer grace period");
            const r = spawnSync("bash", [".github/scripts/offline-diff.sh", "HEAD~1"], { cwd: repo, encoding: "utf8", timeout: 280_000 });
            expect(r.status, r.stderr).to.equal(0);
            expect(r.stdout).to.match(new RegExp(`^_Planned with the base's code \\(${failingBase}\\) for the base's config and this pull request's code for its own: .*\\._$`, "m"));
            expect(r.stdout).to.contain("_Both configs planned with this pull request's code, so a code change does not show: `old-host` (`old-host`: the base's code could not plan it: error: this code cannot plan old-host)._\n");
            const sections = r.stdout.split(/^### zk-cutover diff: /m).slice(1);
            expect(sections.map((t) => /^`([^`]+)`/.exec(t)![1]).filter((n) => n === "old-host")).to.have.length(1);
            expect(sections.filter((t) => t.includes("`spec.template.spec.terminationGracePeriodSeconds`"))).to.have.length(sections.length - 1);
        });
    });
});
