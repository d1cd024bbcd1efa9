import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { kubernetesObjects, OUT_MARKER, planJson, planStack, planText, REDACTED_ANNOTATION, REPO_ROOT, writeObjects } from "../tools/plan";
import { inFreshProcess } from "./support/fresh";
import { validateKubeObject } from "./support/kube";
import { planWith, withStackFile } from "./support/stacks";

const CLI = path.join(REPO_ROOT, "bin", "zk-cutover.js");

function cli(args: string[]) {
    const r = spawnSync(process.execPath, [CLI, ...args], { cwd: REPO_ROOT, encoding: "utf8", timeout: 60000 });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The error message planning a temporary stack config fails with ("" when it plans). */
function planErrorOf(name: string, config: Record<string, unknown>): Promise<string> {
    return withStackFile(name, config, (file) => planStack({ configFile: file }).then(() => "", (err: Error) => err.message));
}

describe("zk-cutover plan", () => {
    describe("--stack pure-k8s --json (the CLI)", () => {
        let run: ReturnType<typeof cli>;
        let doc: any;

        before(function () {
            this.timeout(60000);
            run = cli(["plan", "--stack", "pure-k8s", "--json"]);
            doc = JSON.parse(run.stdout);
        });

        it("exits 0 and prints exactly one JSON document with stack and resources", () => {
            expect(run.status, run.stderr).to.equal(0);
            expect(Object.keys(doc)).to.deep.equal(["stack", "resources"]);
            expect(doc.stack).to.equal("pure-k8s");
        });

        it("gives every resource urn, type, name, custom, parent, provider and inputs, sorted by urn", () => {
            const urns = doc.resources.map((r: any) => r.urn);
            expect(urns).to.deep.equal([...urns].sort());
            for (const r of doc.resources) {
                expect(Object.keys(r)).to.deep.equal(["urn", "type", "name", "custom", "parent", "provider", "inputs"]);
                expect(r.parent === null || typeof r.parent === "string").to.equal(true);
                expect(r.provider === null || typeof r.provider === "string").to.equal(true);
                expect(typeof r.custom).to.equal("boolean");
            }
        });

        it("parents the ensemble's objects to the component and deploys them through the EKS cluster's provider", () => {
            const cutover = doc.resources.find((r: any) => r.type === "zookeeper-cutover:index:ZooKeeperCutover");
            const component = doc.resources.find((r: any) => r.type === "zookeeper-cutover:index:ZooKeeperEnsemble");
            const provider = doc.resources.find((r: any) => r.type === "pulumi:providers:kubernetes");
            expect(cutover.parent).to.equal(null);
            expect(component.parent).to.equal(cutover.urn);
            const children = doc.resources.filter((r: any) => r.parent === component.urn);
            expect(children.map((r: any) => r.type).sort()).to.deep.equal([
                "kubernetes:apps/v1:StatefulSet",
                "kubernetes:core/v1:ConfigMap",
                "kubernetes:core/v1:ConfigMap",
                "kubernetes:core/v1:ConfigMap",
                "kubernetes:core/v1:Service",
                "kubernetes:core/v1:Service",
                "kubernetes:core/v1:Service",
                "kubernetes:core/v1:Service",
                "kubernetes:core/v1:Service",
                "kubernetes:core/v1:Service",
                "kubernetes:monitoring.coreos.com/v1:PodMonitor",
                "kubernetes:monitoring.coreos.com/v1:PrometheusRule",
                "kubernetes:networking.k8s.io/v1:NetworkPolicy",
                "kubernetes:policy/v1:PodDisruptionBudget",
            ]);
            for (const child of children) {
                expect(child.provider).to.equal(provider.urn);
            }
            const kubeconfig = JSON.parse(provider.inputs.kubeconfig);
            expect(kubeconfig.users[0].user.exec.args).to.deep.equal([
                "eks", "get-token", "--cluster-name", "platform-prod", "--output", "json", "--region", "eu-west-1",
            ]);
        });

        it("shows the inputs as the program passed them", () => {
            const sts = doc.resources.find((r: any) => r.type === "kubernetes:apps/v1:StatefulSet");
            expect(sts.inputs.apiVersion).to.equal("apps/v1");
            expect(sts.inputs.kind).to.equal("StatefulSet");
            expect(sts.inputs.spec.replicas).to.equal(3);
            expect(sts.inputs.spec.template.spec.containers[0].image).to.equal("zookeeper:3.8.4");
        });

        it("prints byte-identical output for the same inputs", function () {
            this.timeout(60000);
            expect(cli(["plan", "--stack", "pure-k8s", "--json"]).stdout).to.equal(run.stdout);
        });
    });

    describe("readable summary", () => {
        it("lists resources by type and the rendered zoo.cfg", async () => {
            const text = planText(await planStack({ stack: "pure-k8s" }));
            expect(text).to.match(/^Plan of stack pure-k8s \(offline, Pulumi mock engine\): 43 resources$/m);
            expect(text).to.match(/^ {2}kubernetes:core\/v1:Service +6 +zk-client, zk-external, zk-member-1, zk-member-2, zk-member-3, zk-peers$/m);
            expect(text).to.match(/zoo\.cfg \(ConfigMap zookeeper\/zk-config-[0-9a-f]{10}\):\n {2}# zoo\.cfg rendered by zookeeper-cutover/);
            expect(text).to.contain("  server.3=zk-3.zookeeper.svc.cluster.local:2888:3888;2181\n");
            expect(text).to.contain(
                '  connectStrings: {"k8s":"zk-1.zookeeper.svc.cluster.local:2181,zk-2.zookeeper.svc.cluster.local:2181,zk-3.zookeeper.svc.cluster.local:2181"}\n',
            );
            expect(text).to.contain("Client registries (dubbo-registries.properties):\n");
            expect(text).to.contain("  dubbo.registries.k8s.address=zookeeper://zk-1.zookeeper.svc.cluster.local:2181?backup=");
        });
    });

    describe("--out DIR", () => {
        it("writes every Kubernetes object as YAML, one file each, each valid against the OpenAPI schema", async () => {
            const plan = await planStack({ stack: "pure-k8s" });
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "zk-out-"));
            try {
                const written = writeObjects(plan, dir);
                expect(fs.readdirSync(dir).sort()).to.deep.equal([OUT_MARKER, ...written].sort());
                expect(written.map((f) => f.replace(/^configmap-zookeeper-zk-config-[0-9a-f]{10}\.yaml$/, "configmap-zookeeper-zk-config-<hash>.yaml")).sort()).to.deep.equal([
                    "configmap-orders-zk-registries.yaml",
                    "configmap-payments-zk-registries.yaml",
                    "configmap-zookeeper-zk-bootstrap.yaml",
                    "configmap-zookeeper-zk-config-<hash>.yaml",
                    "configmap-zookeeper-zk-dashboard.yaml",
                    "configmap-zookeeper-zk-registries.yaml",
                    "namespace-zookeeper.yaml",
                    "networkpolicy-zookeeper-zk.yaml",
                    "poddisruptionbudget-zookeeper-zk.yaml",
                    "podmonitor-zookeeper-zk.yaml",
                    "prometheusrule-zookeeper-zk.yaml",
                    "securitygrouppolicy-zookeeper-zk-pods.yaml",
                    "service-zookeeper-zk-1.yaml",
                    "service-zookeeper-zk-2.yaml",
                    "service-zookeeper-zk-3.yaml",
                    "service-zookeeper-zk-client.yaml",
                    "service-zookeeper-zk-external.yaml",
                    "service-zookeeper-zk-peers.yaml",
                    "statefulset-zookeeper-zk.yaml",
                    "storageclass-zookeeper-gp3.yaml",
                ]);
                for (const f of written) {
                    const obj = YAML.parse(fs.readFileSync(path.join(dir, f), "utf8"));
                    // SecurityGroupPolicy is a CRD of the VPC resource controller, outside the Kubernetes OpenAPI schema.
                    if (obj.kind !== "SecurityGroupPolicy") {
                        await validateKubeObject(obj);
                    }
                }
                expect(kubernetesObjects(plan)).to.have.length(written.length);
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });

        /** Runs `use` with a fresh temporary directory, removed afterwards. */
        async function inTempDir<T>(use: (dir: string) => T | Promise<T>): Promise<T> {
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "zk-out-"));
            try {
                return await use(dir);
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        }

        /** Every file of a directory with its content. */
        const contents = (dir: string) =>
            Object.fromEntries(
                fs
                    .readdirSync(dir)
                    .sort()
                    .map((f) => [f, fs.statSync(path.join(dir, f)).isDirectory() ? "(a directory)" : fs.readFileSync(path.join(dir, f), "utf8")]),
            );

        it("replaces an earlier plan's output entirely: nothing of it is left beside the new files", async function () {
            this.timeout(60000);
            const [dual, pure] = [await planStack({ stack: "dual-registry" }), await planStack({ stack: "pure-k8s" })];
            await inTempDir((dir) => {
                const first = writeObjects(dual, dir);
                const second = writeObjects(pure, dir);
                expect(first.filter((f) => !second.includes(f))).to.not.be.empty;
                expect(fs.readdirSync(dir).sort()).to.deep.equal([OUT_MARKER, ...second].sort());
                expect(fs.readFileSync(path.join(dir, OUT_MARKER), "utf8").split("\n").filter((l) => l && !l.startsWith("#"))).to.deep.equal(second);
            });
        });

        it("refuses a non-empty directory no plan wrote, naming --out, and leaves it as it was (the CLI)", async function () {
            this.timeout(60000);
            await inTempDir((dir) => {
                fs.writeFileSync(path.join(dir, "deployment-app.yaml"), "kind: Deployment\n");
                const r = cli(["plan", "--stack", "pure-k8s", "--out", dir]);
                expect(r.status).to.equal(1);
                expect(r.stdout).to.equal("");
                expect(r.stderr).to.equal(
                    `error: --out: ${dir} is not empty and no plan --out wrote it; allowed: a new or empty directory, or one an earlier plan --out wrote (it holds ${OUT_MARKER})\n`,
                );
                expect(contents(dir)).to.deep.equal({ "deployment-app.yaml": "kind: Deployment\n" });
            });
        });

        it("refuses an earlier plan's output with files added since, naming them, and touches nothing", async () => {
            const plan = await planStack({ stack: "pure-k8s" });
            await inTempDir((dir) => {
                writeObjects(plan, dir);
                fs.writeFileSync(path.join(dir, "kustomization.yaml"), "resources: []\n");
                fs.mkdirSync(path.join(dir, "overlays"));
                const before = contents(dir);
                expect(() => writeObjects(plan, dir)).to.throw(
                    `--out: ${dir} holds files the earlier plan --out did not write (kustomization.yaml, overlays); allowed: a new or empty directory, or one an earlier plan --out wrote (it holds ${OUT_MARKER})`,
                );
                expect(contents(dir)).to.deep.equal(before);
            });
        });

        it("refuses a file, and creates a directory that does not exist yet", async () => {
            const plan = await planStack({ stack: "pure-k8s" });
            await inTempDir((dir) => {
                const file = path.join(dir, "manifests");
                fs.writeFileSync(file, "");
                expect(() => writeObjects(plan, file)).to.throw(`--out: ${file} is not a directory; allowed: a new or empty directory`);
                const fresh = path.join(dir, "new", "manifests");
                expect(writeObjects(plan, fresh)).to.have.length(20);
            });
        });

        it("writes a redacted Secret as a valid manifest: its keys with a placeholder, annotated as redacted, no value", async function () {
            this.timeout(60000);
            const plan = await planWith("pure-k8s", {
                saslQuorum: "accept",
                saslQuorumPassword: { secure: "v1:AAAAexample" },
                saslClient: "accept",
                saslClientUsers: ["dubbo"],
                saslClientPasswords: [{ secure: "v1:BBBBexample" }],
            });
            await inTempDir(async (dir) => {
                const written = writeObjects(plan, dir);
                expect(written).to.include("secret-zookeeper-zk-sasl.yaml");
                for (const f of written) {
                    const obj = YAML.parse(fs.readFileSync(path.join(dir, f), "utf8"));
                    if (obj.kind !== "SecurityGroupPolicy") {
                        await validateKubeObject(obj).catch((err: Error) => {
                            throw new Error(`${f}: ${err.message}`);
                        });
                    }
                }
                const secret = YAML.parse(fs.readFileSync(path.join(dir, "secret-zookeeper-zk-sasl.yaml"), "utf8"));
                expect(secret.stringData).to.deep.equal({ "jaas.conf": "[secret]" });
                expect(secret.data).to.equal(undefined);
                expect(secret.metadata.annotations[REDACTED_ANNOTATION]).to.equal("jaas.conf: not in the plan; pulumi up sets them from the stack's secrets");
                expect(JSON.stringify(contents(dir))).to.not.match(/AAAAexample|BBBBexample/);
            });
        });
    });

    describe("--config-file PATH", () => {
        it("renders a stack config file from anywhere, named after its file", async () => {
            const config = {
                "aws:region": "us-east-1",
                "zookeeper-cutover:clusterName": "staging",
                "zookeeper-cutover:createNodeGroups": false,
                "zookeeper-cutover:replicas": 5,
                "zookeeper-cutover:zookeeperVersion": "3.4.14",
            };
            await withStackFile("staging", config, async (file) => {
                const plan = await planStack({ configFile: file });
                expect(plan.stack).to.equal("staging");
                const cm = kubernetesObjects(plan).find((o) => o.object.kind === "ConfigMap" && o.object.data["zoo.cfg"])!.object;
                expect(cm.data["zoo.cfg"]).to.contain("server.5=zk-5.zookeeper.svc.cluster.local:2888:3888\n");
                expect(cm.data["zoo.cfg"]).to.contain("clientPort=2181\n");
                expect(JSON.parse(planJson(plan)).stack).to.equal("staging");
            });
        });
    });

    describe("a release with a defect clients feel", () => {
        it("plans, warning once on stderr that the version has ZOOKEEPER-4537 and that a fixed patch release of its line exists", async function () {
            this.timeout(60000);
            const config = { "zookeeper-cutover:clusterName": "prod", "zookeeper-cutover:createNodeGroups": false, "zookeeper-cutover:zookeeperVersion": "3.8.0" };
            await withStackFile("on380", config, (file) => {
                const r = cli(["plan", "--config-file", file, "--json"]);
                expect(r.status, r.stderr).to.equal(0);
                expect(JSON.parse(r.stdout).stack).to.equal("on380");
                expect(r.stderr.trimEnd().split("\n")).to.deep.equal([
                    "warning: [runtime] zookeeperVersion: ZooKeeper 3.8.0 has ZOOKEEPER-4537: a server can leave a committed write unanswered until another request reaches it, so a client whose server has no other busy client waits until its own next ping (a third of its session timeout); fixed in 3.6.4, 3.7.2 and 3.8.1; use a fixed release of the same line (a patch upgrade rolls like any other change)",
                ]);
            });
            await withStackFile("on384", { ...config, "zookeeper-cutover:zookeeperVersion": "3.8.4" }, (file) => {
                const r = cli(["plan", "--config-file", file, "--json"]);
                expect([r.status, r.stderr]).to.deep.equal([0, ""]);
            });
        });
    });

    describe("a plan's warnings", () => {
        it("go with the plan (planStack prints none; the command line prints them, a diff those it did not cause itself)", async function () {
            this.timeout(60000);
            const config = { "zookeeper-cutover:clusterName": "prod", "zookeeper-cutover:createNodeGroups": false, "zookeeper-cutover:zookeeperVersion": "3.8.0" };
            const printed: unknown[][] = [];
            const warn = console.warn;
            console.warn = (...args: unknown[]) => void printed.push(args);
            let plan;
            try {
                plan = await withStackFile("on380", config, (file) => planStack({ configFile: file }));
            } finally {
                console.warn = warn;
            }
            expect(printed).to.deep.equal([]);
            expect(plan.warnings).to.have.length(1);
            expect(plan.warnings[0]).to.match(/^warning: \[runtime\] zookeeperVersion: ZooKeeper 3\.8\.0 has ZOOKEEPER-4537: /);
        });
    });

    describe("several stacks in one call (start-up paid once)", () => {
        it("prints each stack's plan, the same as planned alone: a JSON list, or the summaries one after another", function () {
            this.timeout(120000);
            const both = cli(["plan", "--stack", "pure-k8s", "--stack", "old-host", "--json"]);
            expect(both.status, both.stderr).to.equal(0);
            const docs = JSON.parse(both.stdout);
            expect(docs.map((d: { stack: string }) => d.stack)).to.deep.equal(["pure-k8s", "old-host"]);
            const alone = cli(["plan", "--stack", "old-host", "--json"]);
            expect(docs[1]).to.deep.equal(JSON.parse(alone.stdout));
            const text = cli(["plan", "--stack", "pure-k8s", "--stack", "old-host"]);
            expect(text.stdout.match(/^Plan of stack (\S+) /gm)).to.deep.equal(["Plan of stack pure-k8s ", "Plan of stack old-host "]);
        });

        it("diff of several pairs in one call prints each pair's diff, the same as diffed alone", function () {
            this.timeout(120000);
            const both = cli(["diff", "--from", "old-host", "--to", "dual-registry", "--from", "member-swap-embrace", "--to", "member-swap", "--json"]);
            expect(both.status, both.stderr).to.equal(0);
            const docs = JSON.parse(both.stdout);
            expect(docs.map((d: { from: string; to: string }) => `${d.from}->${d.to}`)).to.deep.equal(["old-host->dual-registry", "member-swap-embrace->member-swap"]);
            expect(docs[1]).to.deep.equal(JSON.parse(cli(["diff", "--from", "member-swap-embrace", "--to", "member-swap", "--json"]).stdout));
            const md = cli(["diff", "--from", "old-host", "--to", "dual-registry", "--from", "member-swap-embrace", "--to", "member-swap", "--markdown"]);
            expect(md.stdout.match(/^### zk-cutover diff: .*$/gm)).to.deep.equal(["### zk-cutover diff: `old-host` → `dual-registry`", "### zk-cutover diff: `member-swap-embrace` → `member-swap`"]);
        });

        it("checks every stack before planning any, and writes --out for one stack only", function () {
            this.timeout(60000);
            let r = cli(["plan", "--stack", "pure-k8s", "--stack", "nope", "--json"]);
            expect([r.status, r.stdout]).to.deep.equal([1, ""]);
            expect(r.stderr).to.match(/^error: --stack: no stack named "nope"; shipped stacks: /);
            r = cli(["plan", "--stack", "pure-k8s", "--stack", "old-host", "--out", path.join(os.tmpdir(), "zk-never-written")]);
            expect([r.status, r.stderr]).to.deep.equal([1, "error: --out writes one stack's objects; allowed: one --stack or --config-file with --out (given 2)\n"]);
            expect(fs.existsSync(path.join(os.tmpdir(), "zk-never-written"))).to.equal(false);
        });
    });

    describe("--as-deployed", () => {
        it("plans the stage as deployed and applied again: only the bootstrap differs from a first deployment's plan", function () {
            this.timeout(60000);
            const first = JSON.parse(cli(["plan", "--stack", "pure-k8s", "--json"]).stdout);
            const deployed = cli(["plan", "--stack", "pure-k8s", "--as-deployed", "--json"]);
            expect(deployed.status, deployed.stderr).to.equal(0);
            const again = JSON.parse(deployed.stdout);
            const differing = again.resources.filter((r: any, i: number) => JSON.stringify(r) !== JSON.stringify(first.resources[i])).map((r: any) => r.name);
            expect(again.resources.map((r: any) => r.urn)).to.deep.equal(first.resources.map((r: any) => r.urn));
            expect(differing).to.deep.equal(["zk-bootstrap"]);
        });
    });

    describe("start-up", () => {
        it("loads the providers' API-group modules it uses, never the @pulumi/aws or @pulumi/kubernetes index (a few hundred modules each)", function () {
            this.timeout(60000);
            const loaded = inFreshProcess<string[]>(
                'require("./tools/plan").planStack({ stack: "pure-k8s" }).then(() => console.log(JSON.stringify(Object.keys(require.cache))));',
            ).map((f) => path.relative(REPO_ROOT, f).split(path.sep).join("/"));
            expect(loaded.filter((f) => /^node_modules\/@pulumi\/(aws|kubernetes)\/index\.js$/.test(f))).to.deep.equal([]);
            expect(loaded).to.include.members(["node_modules/@pulumi/kubernetes/apps/v1/statefulSet.js", "node_modules/@pulumi/aws/eks/getCluster.js"]);
            expect(loaded.filter((f) => f.startsWith("node_modules/@pulumi/aws/")).length).to.be.below(100);
        });
    });

    describe("bad input", () => {
        it("a bad stack config fails with one line per issue naming the key, no stack trace, nothing planned", async function () {
            this.timeout(60000);
            const config = {
                "zookeeper-cutover:clusterName": "prod",
                "zookeeper-cutover:createNodeGroups": false,
                "zookeeper-cutover:replcas": 3,
                "zookeeper-cutover:replicas": "three",
                "zookeeper-cutover:dedicatedNodes": "yes",
            };
            await withStackFile("bad", config, (file) => {
                const r = cli(["plan", "--config-file", file, "--json"]);
                expect(r.status).to.equal(1);
                expect(r.stdout).to.equal("");
                expect(r.stderr.trimEnd().split("\n")).to.deep.equal([
                    `error: stack bad (${file}):`,
                    "zookeeper-cutover:replcas: unknown config key (did you mean replicas?); allowed keys are listed in Pulumi.yaml and the README",
                    'zookeeper-cutover:replicas: "three" has the wrong type; allowed: a whole number',
                    'zookeeper-cutover:dedicatedNodes: "yes" has the wrong type; allowed: true or false',
                ]);
            });
        });

        it("type errors and domain errors are reported together, each key once", async () => {
            const message = await planErrorOf("mixed", {
                "zookeeper-cutover:clusterName": "prod",
                "zookeeper-cutover:createNodeGroups": false,
                "zookeeper-cutover:replicas": 4,
                "zookeeper-cutover:jvmHeap": "3Gi",
                "zookeeper-cutover:dedicatedNodes": "yes",
            });
            expect(message.split("\n").slice(1)).to.deep.equal([
                    'zookeeper-cutover:dedicatedNodes: "yes" has the wrong type; allowed: true or false',
                    "zookeeper-cutover:replicas: 4 members is an even count, which tolerates no more failures than 3; allowed: an odd count (1, 3, 5, 7), or set allowEvenMembers to true",
                'zookeeper-cutover:jvmHeap: "3Gi" is larger than memoryLimit "2Gi"; allowed: at most 1536Mi (75% of memoryLimit, the rest is for off-heap memory), or raise memoryLimit',
            ]);
        });

        it("domain errors from the stack config name the config key", async () => {
            const message = await planErrorOf("even", { "zookeeper-cutover:clusterName": "prod", "zookeeper-cutover:replicas": 4 });
            expect(message).to.contain(
                "zookeeper-cutover:replicas: 4 members is an even count, which tolerates no more failures than 3; allowed: an odd count (1, 3, 5, 7), or set allowEvenMembers to true",
            );
        });

        it("a list whose entries are partly secret is refused before anything is planned, naming the plain entry, never its value", async () => {
            const message = await planErrorOf("partly-secret", {
                "zookeeper-cutover:clusterName": "prod",
                "zookeeper-cutover:saslClient": "accept",
                "zookeeper-cutover:saslClientUsers": ["app", "batch"],
                "zookeeper-cutover:saslClientPasswords": [{ secure: "AAABAJ" }, "plain-text-password"],
            });
            expect(message.split("\n").slice(1)).to.deep.equal([
                "zookeeper-cutover:saslClientPasswords: entry [1] is stored in plain text beside secret entries; allowed: every entry a secret (pulumi config set --secret --path 'zookeeper-cutover:saslClientPasswords[1]' ...)",
            ]);
            expect(message).to.not.contain("plain-text-password");
        });

        it("a missing cluster name is refused", async () => {
            const message = await planErrorOf("nocluster", { "aws:region": "eu-west-1" });
            expect(message).to.match(/zookeeper-cutover:clusterName: is required; Name of the existing EKS cluster/);
        });

        it("an unknown stack name lists the shipped stacks", function () {
            this.timeout(60000);
            const r = cli(["plan", "--stack", "prod"]);
            expect(r.status).to.equal(1);
            expect(r.stderr).to.equal('error: --stack: no stack named "prod"; shipped stacks: dual-registry, member-swap, member-swap-embrace, old-host, pure-k8s, pure-k8s-tls-accept, pure-k8s-tls-prefer, pure-k8s-tls-require\n');
        });

        it("--stack and --config-file together are refused", async () => {
            let message = "";
            await planStack({ stack: "pure-k8s", configFile: "x.yaml" }).catch((e) => (message = e.message));
            expect(message).to.equal("Only one of --stack or --config-file can be provided.");
        });
    });
});
