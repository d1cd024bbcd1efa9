import { expect } from "chai";
import { CUTOVER_ARG_PATHS, flattenCutoverArgs, nestCutoverArgs } from "../components/cutover/args";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { NETWORK_DEFAULTS, NODE_GROUP_DEFAULTS } from "../components/aws/settings";
import { CUTOVER_DEFAULTS, DERIVED_ENSEMBLE_KEYS, DERIVED_NETWORK_KEYS, resolveCutoverSettings } from "../components/cutover/settings";
import { ENSEMBLE_ARG_KEYS, ENSEMBLE_DEFAULTS } from "../components/ensemble/args";
import { ZooKeeperConfigError } from "../components/shared/errors";
import { loadConfigSchema, PROJECT_FILE, readStackConfig, stackFileIssues } from "../stacks/config";
import { README, updateReadme } from "../tools/config-reference";
import { REPO_ROOT } from "../tools/plan";
import { planErrors, stackConfigWith } from "./support/stacks";

/** The error lines readStackConfig refuses `raw` with ("key" means "zookeeper-cutover:key"; a cluster name is added). */
function readErrors(raw: Record<string, string>): string[] {
    const full = Object.fromEntries(Object.entries(raw).map(([k, v]) => [k.includes(":") ? k : `zookeeper-cutover:${k}`, v]));
    try {
        readStackConfig({ "zookeeper-cutover:clusterName": "prod", ...full });
    } catch (err) {
        expect(ZooKeeperConfigError.isInstance(err), String(err)).to.equal(true);
        return (err as Error).message.split("\n");
    }
    throw new Error(`expected ${JSON.stringify(raw)} to be refused`);
}

/** The error lines a typed stage config (a shipped stack's, with `overrides`) is refused with, as the components see it. */
function settingsErrors(stack: string, overrides: Record<string, unknown>): string[] {
    const raw = Object.fromEntries(Object.entries(stackConfigWith(stack, {})).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));
    const values = { ...readStackConfig(raw), ...overrides };
    try {
        resolveCutoverSettings(values);
    } catch (err) {
        expect(ZooKeeperConfigError.isInstance(err), String(err)).to.equal(true);
        return (err as Error).message.split("\n");
    }
    throw new Error(`expected ${JSON.stringify(overrides)} to be refused`);
}

describe("Pulumi.yaml and the typed stack config", () => {
    const project = YAML.parse(fs.readFileSync(PROJECT_FILE, "utf8"));
    const schema = loadConfigSchema();

    it("is a nodejs project whose program is stacks/ with stack configs in stacks/", () => {
        expect(project.name).to.equal("zookeeper-cutover");
        expect(project.runtime.name).to.equal("nodejs");
        expect(project.main).to.equal("stacks/");
        expect(project.stackConfigDir).to.equal("stacks");
        expect(fs.existsSync(path.join(REPO_ROOT, "stacks", "index.ts"))).to.equal(true);
    });

    it("types and describes every key", () => {
        for (const [key, s] of Object.entries(schema)) {
            expect(["string", "integer", "boolean", "array"], key).to.include(s.type);
            expect(s.description, key).to.be.a("string").with.length.above(20);
            if (s.type === "array") {
                expect(s.items?.type, key).to.be.oneOf(["string", "integer"]);
            }
        }
    });

    it("has a key for every component setting, with the component's default", () => {
        const cutoverKeys = ["clusterName", ...Object.keys(CUTOVER_DEFAULTS)];
        const ensembleKeys = ENSEMBLE_ARG_KEYS.filter((k) => !DERIVED_ENSEMBLE_KEYS.includes(k));
        const networkKeys = Object.keys(NETWORK_DEFAULTS).filter((k) => !DERIVED_NETWORK_KEYS.includes(k));
        const componentKeys = [...ensembleKeys, "zones", "zoneSubnets", ...Object.keys(NODE_GROUP_DEFAULTS), ...networkKeys];
        expect(Object.keys(schema).sort()).to.deep.equal([...new Set([...cutoverKeys, ...componentKeys])].sort());
        const ensembleDefaults = Object.fromEntries(Object.entries(ENSEMBLE_DEFAULTS).filter(([k]) => !DERIVED_ENSEMBLE_KEYS.includes(k)));
        const networkDefaults = Object.fromEntries(Object.entries(NETWORK_DEFAULTS).filter(([k]) => !DERIVED_NETWORK_KEYS.includes(k)));
        for (const [key, def] of Object.entries({ ...ensembleDefaults, ...NODE_GROUP_DEFAULTS, ...networkDefaults, ...CUTOVER_DEFAULTS, zones: [], zoneSubnets: [] })) {
            expect(schema[key].default, key).to.deep.equal(def);
            const expectedType = typeof def === "number" ? "integer" : typeof def === "boolean" ? "boolean" : Array.isArray(def) ? "array" : "string";
            expect(schema[key].type, key).to.equal(expectedType);
        }
        expect(schema.clusterName.default).to.equal(undefined);
    });

    it("maps every key onto one field of ZooKeeperCutover's nested args, and back (the stack program's mapping)", () => {
        // previousCutoverState is the stack's own: the program passes it as guard.previousState when the stack has no outputs.
        const keys = Object.keys(schema).filter((k) => k !== "previousCutoverState");
        expect(keys.filter((k) => !(k in CUTOVER_ARG_PATHS))).to.deep.equal([]);
        // And the other way: every field is a config key, or a fact the program looks up (the cluster, the last state).
        expect(Object.keys(CUTOVER_ARG_PATHS).filter((k) => !(k in schema)).sort()).to.deep.equal(["clusterSecurityGroupId", "oidcIssuerUrl", "oidcProviderArn", "previousState", "vpcId"]);
        const values = Object.fromEntries(keys.map((k) => [k, `value of ${k}`]));
        const nested = nestCutoverArgs(values) as unknown as Record<string, Record<string, unknown>>;
        expect(nested.ensemble.replicas).to.equal("value of replicas");
        expect(nested.cluster.name).to.equal("value of clusterName");
        expect(nested.security.tls).to.equal("value of tls");
        expect(flattenCutoverArgs(nested)).to.deep.equal(values);
    });

    it("reads values as Pulumi hands them to the program: strings, JSON lists, defaults for the rest", () => {
        const values = readStackConfig(
            {
                "zookeeper-cutover:clusterName": "prod",
                "zookeeper-cutover:replicas": "5",
                "zookeeper-cutover:dedicatedNodes": "false",
                "zookeeper-cutover:memberIds": "[3,4,5,6,7]",
                "zookeeper-cutover:loadBalancerSourceRanges": '["10.0.0.0/8"]',
                "aws:region": "eu-west-1",
                "kubernetes:enableServerSideApply": "true",
                "pulumi:disable-default-providers": '["aws"]',
            },
            schema,
        );
        expect(values).to.include({ clusterName: "prod", replicas: 5, dedicatedNodes: false, tickTime: 2000, namespace: "zookeeper" });
        expect(values.memberIds).to.deep.equal([3, 4, 5, 6, 7]);
        expect(values.loadBalancerSourceRanges).to.deep.equal(["10.0.0.0/8"]);
    });

    it("refuses unknown keys, wrong types and missing required keys together, naming each key", () => {
        let err: unknown;
        try {
            readStackConfig({ "zookeeper-cutover:replcas": "3", "zookeeper-cutover:memberIds": '["a"]', "zookeeper-cutover:tickTime": "2.5" }, schema);
        } catch (e) {
            err = e;
        }
        expect(ZooKeeperConfigError.isInstance(err)).to.equal(true);
        expect((err as Error).message.split("\n")).to.deep.equal([
            "zookeeper-cutover:replcas: unknown config key (did you mean replicas?); allowed keys are listed in Pulumi.yaml and the README",
            `zookeeper-cutover:clusterName: is required; ${schema.clusterName.description}`,
            'zookeeper-cutover:memberIds: ["a"] has the wrong type; allowed: a list of whole numbers',
            'zookeeper-cutover:tickTime: "2.5" has the wrong type; allowed: a whole number',
        ]);
    });

    it("refuses an object or a list where a string, number or boolean is expected, showing what was given", async () => {
        expect(readErrors({ ensembleName: '{"a":1}', clusterName: '["prod"]', replicas: '{"a":1}', dedicatedNodes: "[true]" })).to.deep.equal([
            'zookeeper-cutover:clusterName: ["prod"] has the wrong type; allowed: a string',
            'zookeeper-cutover:ensembleName: {"a":1} has the wrong type; allowed: a string',
            'zookeeper-cutover:replicas: {"a":1} has the wrong type; allowed: a whole number',
            'zookeeper-cutover:dedicatedNodes: [true] has the wrong type; allowed: true or false',
        ]);
        expect(readErrors({ saslQuorumPassword: '{"a":1}' })).to.deep.equal(["zookeeper-cutover:saslQuorumPassword: (value not shown: secret) has the wrong type; allowed: a string"]);
        expect(await planErrors("pure-k8s", { ensembleName: { a: 1 } })).to.deep.equal(['zookeeper-cutover:ensembleName: {"a":1} has the wrong type; allowed: a string']);
        // A key that holds JSON text by design (previousCutoverState) takes it as given.
        const withJsonKey = { ...schema, previousCutoverState: { type: "string" as const, default: "", description: "The stack's last cutoverState output (JSON)." } };
        const state = '{"stage":"pure-k8s"}';
        expect(readStackConfig({ "zookeeper-cutover:clusterName": "prod", "zookeeper-cutover:previousCutoverState": state }, withJsonKey).previousCutoverState).to.equal(state);
    });

    it("refuses values of the wrong type given to the cutover directly, each naming its key, without a stack trace", () => {
        expect(settingsErrors("pure-k8s", { clusterName: { a: 1 }, stage: 3, tags: "team=a", podMembers: "1", createNodeGroups: "yes", registryNamespaces: [7] })).to.deep.equal([
            'clusterName: {"a":1} has the wrong type; allowed: a string',
            "stage: 3 has the wrong type; allowed: a string",
            'podMembers: "1" has the wrong type; allowed: a list of whole numbers',
            "registryNamespaces: [7] has the wrong type; allowed: a list of strings",
            'createNodeGroups: "yes" has the wrong type; allowed: true or false',
            'tags: "team=a" has the wrong type; allowed: a list of strings',
        ]);
        expect(settingsErrors("pure-k8s", { namespace: undefined })).to.deep.equal(["namespace: is required; allowed: the name of an existing Kubernetes namespace"]);
    });

    it("reports keys under a namespace that is neither the project's nor a provider's, with a suggestion", async () => {
        expect(readErrors({ "zookeepr-cutover:replicas": "5", "kubernets:context": "prod", "other-project:x": "1" })).to.deep.equal([
            'kubernets:context: unknown config namespace "kubernets" (did you mean kubernetes:context?); allowed: zookeeper-cutover:<key> for this project, or the providers aws, kubernetes and pulumi',
            'other-project:x: unknown config namespace "other-project"; allowed: zookeeper-cutover:<key> for this project, or the providers aws, kubernetes and pulumi',
            'zookeepr-cutover:replicas: unknown config namespace "zookeepr-cutover" (did you mean zookeeper-cutover:replicas?); allowed: zookeeper-cutover:<key> for this project, or the providers aws, kubernetes and pulumi',
        ]);
        expect(readErrors({ "zookeeper-cuttover:replcas": "5" })).to.deep.equal([
            'zookeeper-cuttover:replcas: unknown config namespace "zookeeper-cuttover" (did you mean zookeeper-cutover:replicas?); allowed: zookeeper-cutover:<key> for this project, or the providers aws, kubernetes and pulumi',
        ]);
        expect(await planErrors("pure-k8s", { "zookeepr-cutover:replicas": 5 })).to.deep.equal([
            'zookeepr-cutover:replicas: unknown config namespace "zookeepr-cutover" (did you mean zookeeper-cutover:replicas?); allowed: zookeeper-cutover:<key> for this project, or the providers aws, kubernetes and pulumi',
        ]);
    });

    it("refuses a list whose entries are partly secret, naming the key and each plain entry's index, never its value", () => {
        const issues = stackFileIssues({
            "zookeeper-cutover:saslClientPasswords": [{ secure: "v1:AAAA" }, "plain-password", { secure: "v1:BBBB" }, "another"],
            "zookeeper-cutover:saslClientUsers": ["dubbo", "kafka", "orders", "billing"],
            "zookeeper-cutover:saslQuorumPassword": { secure: "v1:CCCC" },
            "zookeeper-cutover:legacyHosts": [{ secure: "v1:DDDD" }, "2=10.1.0.12"],
        });
        expect(issues.map((i) => `${i.key}: ${i.message}`)).to.deep.equal([
            "zookeeper-cutover:saslClientPasswords: entries [1] and [3] are stored in plain text beside secret entries; allowed: every entry a secret (pulumi config set --secret --path 'zookeeper-cutover:saslClientPasswords[1]' ...)",
            "zookeeper-cutover:legacyHosts: entry [1] is stored in plain text beside secret entries; allowed: every entry a secret, or none (pulumi config set --secret --path 'zookeeper-cutover:legacyHosts[1]' ...)",
        ]);
        expect(JSON.stringify(issues)).to.not.match(/plain-password|another/);
        expect(stackFileIssues({ "zookeeper-cutover:saslClientPasswords": [{ secure: "v1:AAAA" }, { secure: "v1:BBBB" }], "zookeeper-cutover:tags": ["team=a"] })).to.deep.equal([]);
    });

    it("member-swap errors name the keys the user wrote (podMembers, legacyHosts), never the ensemble's derived args", async () => {
        expect(await planErrors("member-swap", { podMembers: [1, 3] })).to.deep.equal([
            "zookeeper-cutover:podMembers: [1,3] are not consecutive; allowed: pods with consecutive ids (each pod's ordinal is its myid), so move members in an order that grows the pod range at one end",
        ]);
        const lines = settingsErrors("member-swap", { podMembers: [2], legacyHosts: ["1=10.1.0.11", "2=10.1.0.12", "3=10.1.0.12"] });
        expect(lines).to.deep.equal([
            'legacyHosts: "10.1.0.12" is given to myids 2 and 3; allowed: one member per host address (every member listens on the same client and peer ports)',
        ]);
        for (const overrides of [{ podMembers: [1, 3] }, { podMembers: [2], tls: "accept", tlsIssuer: "zookeeper-ca" }]) {
            expect(settingsErrors("member-swap", overrides).join("\n")).to.not.match(/hostMembers|movedHostIds|hosts:/);
        }
    });

    it("the README's config reference is the one rendered from Pulumi.yaml (run `npm run docs` after changing it)", () => {
        const readme = fs.readFileSync(README, "utf8");
        expect(updateReadme(readme)).to.equal(readme);
        for (const key of Object.keys(schema)) {
            expect(readme, key).to.contain(`| \`${key}\` |`);
        }
    });
});
