/**
 * The components as another language's program gets them: constructed by type
 * token through the SDK's ComponentProvider (what `pulumi package add` serves
 * from PulumiPlugin.yaml), with inputs as the engine sends them: plain values,
 * Outputs of the caller's resources, secrets, and unknowns during a preview.
 */
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { SCHEMA_SNAPSHOT } from "../tools/schema";
import { cutoverArgGroups } from "../components/cutover/args";
import {
    callerUrn,
    construct,
    ConstructResult,
    errorText,
    fromResource,
    isCallerOutput,
    NAMESPACE_URN,
    only,
    output,
    packageSchema,
    RegisteredResource,
    secret,
    UNKNOWN,
    unknown,
} from "./support/crossLanguage";
import { inFreshProcess } from "./support/fresh";

const PASSWORD = "s3cret-quorum-password";
const CLIENT_PASSWORDS = ["dubbo-pw-1", "kafka-pw-2"];
const CLUSTER = callerUrn("aws:eks/cluster:Cluster", "platform");
const VPC = callerUrn("aws:ec2/vpc:Vpc", "main");
const SUBNETS = ["eu-west-1a=subnet-0a1a1a1a1a1a1a1a1", "eu-west-1b=subnet-0b2b2b2b2b2b2b2b2", "eu-west-1c=subnet-0c3c3c3c3c3c3c3c3"];
const ZONES = ["eu-west-1a", "eu-west-1b", "eu-west-1c"];
const CLUSTER_FACTS = { vpcId: "vpc-0123456789abcdef0", clusterSecurityGroupId: "sg-0123456789abcdef0", oidcIssuerUrl: "https://oidc.eks.eu-west-1.amazonaws.com/id/ABC", oidcProviderArn: "arn:aws:iam::000000000000:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC" };

/** TLS from a cert-manager issuer: the ensemble gets a Certificate (a custom resource). */
const TLS_ISSUER = { tls: "accept", tlsIssuer: "zookeeper-ca" };

/** Minimal plain inputs per component, as a YAML program would write them. */
const PLAIN: Record<string, Record<string, unknown>> = {
    ZooKeeperEnsemble: { namespace: "registry", replicas: 3 },
    ZooKeeperNodeGroups: { clusterName: "platform", securityGroupIds: ["sg-0123456789abcdef0"], zones: ZONES, zoneSubnets: SUBNETS, tags: { team: "platform" } },
    ZooKeeperPodNetworking: { clusterName: "platform", ...CLUSTER_FACTS, namespace: "registry", ensembleName: "zk", nodeInstanceTypes: ["m6i.large"], tags: { team: "platform" } },
    LegacyHostBridge: { namespace: "registry", name: "zk-legacy", hosts: ["1=10.0.0.1", "2=10.0.0.2", "3=10.0.0.3"] },
    ZooKeeperCutover: {
        stage: "pure-k8s",
        cluster: { name: "platform", vpcId: CLUSTER_FACTS.vpcId, securityGroupId: CLUSTER_FACTS.clusterSecurityGroupId, oidcIssuerUrl: CLUSTER_FACTS.oidcIssuerUrl, oidcProviderArn: CLUSTER_FACTS.oidcProviderArn },
        ensemble: { namespace: "registry" },
        nodeGroups: { zones: ZONES, zoneSubnets: SUBNETS },
        tags: { team: "platform" },
    },
};

/** The cutover's minimal inputs with `groups` merged in, group by group (its args are nested by concept). */
function cutoverInputs(groups: Record<string, unknown>): Record<string, unknown> {
    const merged: Record<string, unknown> = { ...PLAIN.ZooKeeperCutover };
    for (const [k, v] of Object.entries(groups)) {
        const base = merged[k];
        const isGroup = (x: unknown) => typeof x === "object" && x !== null && !Array.isArray(x) && !isCallerOutput(x);
        merged[k] = isGroup(base) && isGroup(v) ? { ...(base as object), ...(v as object) } : v;
    }
    return merged;
}

/** The cluster facts under the names of the cutover's `cluster` group. */
function clusterOf(f: Record<keyof typeof CLUSTER_FACTS, unknown>): Record<string, unknown> {
    return { vpcId: f.vpcId, securityGroupId: f.clusterSecurityGroupId, oidcIssuerUrl: f.oidcIssuerUrl, oidcProviderArn: f.oidcProviderArn };
}

/** The fields of one of the cutover's groups, as the pinned schema has them. */
function pinnedGroup(type: string): Record<string, unknown> {
    return JSON.parse(fs.readFileSync(SCHEMA_SNAPSHOT, "utf8")).types[type].properties;
}

/** What each component registers at least, besides itself. */
const CHILDREN: Record<string, string[]> = {
    ZooKeeperEnsemble: ["kubernetes:apps/v1:StatefulSet", "kubernetes:core/v1:Service", "kubernetes:core/v1:ConfigMap", "kubernetes:policy/v1:PodDisruptionBudget"],
    ZooKeeperNodeGroups: ["aws:eks/nodeGroup:NodeGroup", "aws:ec2/launchTemplate:LaunchTemplate", "aws:iam/role:Role"],
    ZooKeeperPodNetworking: ["aws:ec2/securityGroup:SecurityGroup", "aws:eks/addon:Addon", "kubernetes:storage.k8s.io/v1:StorageClass"],
    LegacyHostBridge: ["kubernetes:core/v1:Service", "kubernetes:discovery.k8s.io/v1:EndpointSlice"],
    ZooKeeperCutover: ["zookeeper-cutover:index:ZooKeeperEnsemble", "zookeeper-cutover:index:ZooKeeperPodNetworking", "zookeeper-cutover:index:ZooKeeperNodeGroups"],
};

function succeeded(r: ConstructResult): ConstructResult {
    expect(r.error, r.error ? errorText(r.error) : "").to.equal(undefined);
    return r;
}

/** Every input path and output holding `text`, other than the ones listed as allowed. */
function leaks(r: ConstructResult, text: string, allowed: (res: RegisteredResource, path: string) => boolean): string[] {
    const found: string[] = [];
    const walk = (v: unknown, at: string, res?: RegisteredResource) => {
        if (typeof v === "string" && v.includes(text) && !(res && allowed(res, at))) {
            found.push(`${res ? res.name : "output"}:${at}`);
        } else if (Array.isArray(v)) {
            v.forEach((e, i) => walk(e, `${at}[${i}]`, res));
        } else if (v && typeof v === "object") {
            Object.entries(v).forEach(([k, e]) => walk(e, at === "" ? k : `${at}.${k}`, res));
        }
    };
    r.resources.forEach((res) => walk(res.inputs, "", res));
    Object.entries(r.outputs).forEach(([k, o]) => walk(o.value, k));
    return found;
}

/** The SASL Secret holds the passwords, as a secret, and nothing else does. */
function expectPasswordsOnlyInSecret(r: ConstructResult, passwords: string[]) {
    const sasl = only(r, "Secret");
    expect(sasl.secretPaths).to.deep.equal(["stringData"]);
    for (const pw of passwords) {
        expect(JSON.stringify(sasl.inputs.stringData)).to.contain(pw);
        expect(leaks(r, pw, (res, path) => res === sasl && path.startsWith("stringData"))).to.deep.equal([]);
    }
    // The StatefulSet waits for it.
    expect(only(r, "kubernetes:apps/v1:StatefulSet").dependencies).to.include(sasl.urn);
}

describe("the Pulumi YAML example (examples/yaml)", function () {
    this.timeout(120000);
    const program = YAML.parse(fs.readFileSync(path.join(__dirname, "..", "examples", "yaml", "Pulumi.yaml"), "utf8"));
    const pinned = JSON.parse(fs.readFileSync(SCHEMA_SNAPSHOT, "utf8"));
    const ours = Object.entries(program.resources as Record<string, { type: string; properties: Record<string, unknown> }>).filter(([, r]) => r.type.startsWith("zookeeper-cutover:index:"));
    const secretConfig = Object.entries(program.config ?? {}).filter(([, c]) => (c as { secret?: boolean }).secret).map(([k]) => k);
    /** What a `${...}` reference stands for: another resource's output, a secret from config, or a plain value. */
    const reference = (v: unknown) => {
        const m = typeof v === "string" ? /^\$\{([\w-]+)(\.[\w.]+)?\}$/.exec(v) : null;
        return !m ? "plain" : m[1] in program.resources ? "resource" : secretConfig.includes(m[1]) ? "secret" : "config";
    };

    it("uses only inputs the schema has, with allowed enum values, every required input, and values from resources or secrets only where the schema takes Outputs", () => {
        expect(ours.length).to.be.greaterThan(0);
        for (const [name, r] of ours) {
            const component = r.type.replace("zookeeper-cutover:index:", "");
            const inputs = pinned.components[component].inputs as Record<string, { type: string; optional?: boolean; plain?: boolean }>;
            for (const [key, value] of Object.entries(r.properties)) {
                expect(inputs, `${name}.${key}`).to.have.property(key);
                const enumValues = pinned.types[inputs[key].type]?.enum as string[] | undefined;
                if (enumValues && reference(value) === "plain") {
                    expect(enumValues, `${name}.${key}`).to.include(value);
                }
                if (reference(value) === "resource" || reference(value) === "secret") {
                    expect(inputs[key].plain, `${name}.${key} takes a value from another resource or a secret`).to.not.equal(true);
                }
            }
            for (const [key, def] of Object.entries(inputs)) {
                if (!def.optional) {
                    expect(r.properties, `${name} needs ${key}`).to.have.property(key);
                }
            }
        }
    });

    it("constructs through the provider as the YAML engine would send it: the namespace from the Namespace, the password a secret", async () => {
        for (const [name, r] of ours) {
            const inputs = Object.fromEntries(
                Object.entries(r.properties).map(([k, v]) => [k, reference(v) === "resource" ? fromResource(NAMESPACE_URN, "registry") : reference(v) === "secret" ? secret("s3cret-from-config") : v]),
            );
            const built = succeeded(await construct({ type: r.type, name, inputs }));
            expect(only(built, "kubernetes:apps/v1:StatefulSet").inputs.metadata.namespace).to.equal("registry");
            expectPasswordsOnlyInSecret(built, ["s3cret-from-config"]);
        }
    });
});

describe("cross-language: the components through ComponentProvider", function () {
    this.timeout(120_000);

    before(async () => {
        // The provider host analyzes the package's schema when it starts; so does this, once.
        await packageSchema();
    });

    it("serves all five components under the package's type tokens", async () => {
        const schema = await packageSchema();
        expect(schema.name).to.equal("zookeeper-cutover");
        expect(Object.keys(schema.resources).sort()).to.deep.equal(Object.keys(PLAIN).map((c) => `zookeeper-cutover:index:${c}`).sort());
        for (const r of Object.values<any>(schema.resources)) {
            expect(r.isComponent).to.equal(true);
        }
    });

    it("registers both providers when the package loads as the plugin host loads it: a provider reference from the caller arrives as a provider", () => {
        const kinds = inFreshProcess<Record<string, string>>(
            [
                'require("./index");',
                'const pulumi = require("@pulumi/pulumi");',
                "const ref = (type) => ({ [pulumi.runtime.specialSigKey]: pulumi.runtime.specialResourceSig, urn: `urn:pulumi:dev::consumer::${type}::eks`, id: \"0f1e\" });",
                "const kind = (type) => { const v = pulumi.runtime.deserializeProperty(ref(type)); return pulumi.ProviderResource.isInstance(v) ? v.constructor.name : typeof v; };",
                'console.log(JSON.stringify({ kubernetes: kind("pulumi:providers:kubernetes"), aws: kind("pulumi:providers:aws") }));',
            ].join("\n"),
        );
        expect(kinds).to.deep.equal({ kubernetes: "Provider", aws: "Provider" });
    });

    describe("plain inputs (what a YAML program writes literally)", () => {
        for (const preview of [false, true]) {
            for (const component of Object.keys(PLAIN)) {
                it(`constructs ${component} by its type token${preview ? " during a preview" : ""}, registering its children under it`, async () => {
                    const r = succeeded(await construct({ type: `zookeeper-cutover:index:${component}`, name: "zk", inputs: PLAIN[component], preview }));
                    const self = r.resources[0];
                    expect(self.type).to.equal(`zookeeper-cutover:index:${component}`);
                    expect(self.name).to.equal("zk");
                    const types = r.resources.map((x) => x.type);
                    expect(types).to.include.members(CHILDREN[component]);
                    expect(r.resources.filter((x) => x.parent === self.urn).length).to.be.above(1);
                    // Every schema output is handed back; nothing is secret or left unknown with plain inputs.
                    const outputs = Object.keys((await packageSchema()).resources[`zookeeper-cutover:index:${component}`].properties);
                    expect(Object.keys(r.outputs).sort()).to.deep.equal(outputs.sort());
                    for (const [key, o] of Object.entries(r.outputs)) {
                        expect(o.secret, key).to.equal(false);
                        if (!preview) {
                            expect(o.known, key).to.equal(true);
                        }
                    }
                });
            }
        }

        it("hands the ensemble's outputs back as values the caller can use", async () => {
            const r = succeeded(await construct({ type: "ZooKeeperEnsemble", name: "zk", inputs: { namespace: "registry", replicas: 5 } }));
            expect(r.outputs.clientConnectString.value).to.equal("zk-client.registry.svc.cluster.local:2181");
            expect(r.outputs.memberIds.value).to.deep.equal([1, 2, 3, 4, 5]);
            expect(only(r, "kubernetes:apps/v1:StatefulSet").inputs.spec.replicas).to.equal(5);
        });

        it("refuses a bad value before anything is registered, naming the property (INVALID_ARGUMENT)", async () => {
            const r = await construct({ type: "ZooKeeperEnsemble", name: "zk", inputs: { namespace: "registry", clientAccess: "loadbalancer" } });
            expect(r.error?.kind).to.equal("InputPropertiesError");
            expect(r.error?.properties).to.deep.equal([{ propertyPath: "clientAccess", reason: '"loadbalancer" is not allowed; allowed: none, NodePort, LoadBalancer' }]);
            expect(r.resources).to.deep.equal([]);
        });
    });

    describe("secrets", () => {
        for (const encoding of ["outputValues", "legacy"] as const) {
            it(`a secret quorum password stays secret: only in the SASL Secret, which is secret (${encoding} wire)`, async () => {
                const r = succeeded(
                    await construct({ type: "ZooKeeperEnsemble", name: "zk", encoding, inputs: { namespace: "registry", saslQuorum: "require", saslQuorumPassword: secret(PASSWORD) } }),
                );
                expectPasswordsOnlyInSecret(r, [PASSWORD]);
            });
        }

        it("a quorum password from a caller's resource: the Secret depends on that resource", async () => {
            const source = callerUrn("random:index/randomPassword:RandomPassword", "quorum");
            const r = succeeded(
                await construct({ type: "ZooKeeperEnsemble", name: "zk", inputs: { namespace: "registry", saslQuorum: "require", saslQuorumPassword: secret(PASSWORD, [source]) } }),
            );
            expectPasswordsOnlyInSecret(r, [PASSWORD]);
            expect(only(r, "Secret").dependencies).to.include(source);
        });

        it("a quorum password given plain still ends up only in a secret Secret", async () => {
            const r = succeeded(await construct({ type: "ZooKeeperEnsemble", name: "zk", inputs: { namespace: "registry", saslQuorum: "require", saslQuorumPassword: PASSWORD } }));
            expectPasswordsOnlyInSecret(r, [PASSWORD]);
        });

        it("client passwords as a list of secrets (one Output per entry, as Python and YAML send them) stay secret", async () => {
            const r = succeeded(
                await construct({
                    type: "ZooKeeperEnsemble",
                    name: "zk",
                    inputs: { namespace: "registry", saslClient: "require", saslClientUsers: ["dubbo", "kafka"], saslClientPasswords: CLIENT_PASSWORDS.map((p) => secret(p)) },
                }),
            );
            expectPasswordsOnlyInSecret(r, CLIENT_PASSWORDS);
        });

        it("the cutover passes a secret quorum password to its ensemble and keeps it secret", async () => {
            const r = succeeded(
                await construct({ type: "ZooKeeperCutover", name: "cutover", inputs: cutoverInputs({ security: { saslQuorum: "require", saslQuorumPassword: secret(PASSWORD) } }) }),
            );
            expectPasswordsOnlyInSecret(r, [PASSWORD]);
            expect(Object.values(r.outputs).some((o) => o.secret)).to.equal(false);
        });

        it("a password unknown during a preview leaves the Secret's data unknown and secret", async () => {
            const r = succeeded(
                await construct({
                    type: "ZooKeeperEnsemble",
                    name: "zk",
                    preview: true,
                    inputs: { namespace: "registry", saslQuorum: "require", saslQuorumPassword: output({ known: false, secret: true }) },
                }),
            );
            const sasl = only(r, "Secret");
            expect(sasl.secretPaths).to.deep.equal(["stringData"]);
            expect(sasl.unknownPaths).to.deep.equal(["stringData"]);
        });
    });

    describe("inputs typed pulumi.Input: values from the caller's resources, unknowns in a preview", () => {
        const facts = { vpcId: fromResource(VPC, CLUSTER_FACTS.vpcId), clusterSecurityGroupId: fromResource(CLUSTER, CLUSTER_FACTS.clusterSecurityGroupId), oidcIssuerUrl: fromResource(CLUSTER, CLUSTER_FACTS.oidcIssuerUrl), oidcProviderArn: fromResource(CLUSTER, CLUSTER_FACTS.oidcProviderArn) };
        const unknownFacts = { vpcId: unknown(VPC), clusterSecurityGroupId: unknown(CLUSTER), oidcIssuerUrl: unknown(CLUSTER), oidcProviderArn: unknown(CLUSTER) };

        for (const encoding of ["outputValues", "legacy"] as const) {
            it(`ZooKeeperPodNetworking: the cluster facts as Outputs reach the resources with their dependencies (${encoding} wire)`, async () => {
                const r = succeeded(await construct({ type: "ZooKeeperPodNetworking", name: "zk", encoding, inputs: { ...PLAIN.ZooKeeperPodNetworking, ...facts } }));
                const group = only(r, "aws:ec2/securityGroup:SecurityGroup");
                expect(group.inputs.vpcId).to.equal(CLUSTER_FACTS.vpcId);
                expect(group.dependencies).to.include(VPC);
                const role = only(r, "aws:iam/role:Role");
                expect(role.inputs.assumeRolePolicy).to.contain(CLUSTER_FACTS.oidcProviderArn);
                expect(role.dependencies).to.include(CLUSTER);
            });

            it(`ZooKeeperPodNetworking: unknown cluster facts during a preview stay unknown where they are used (${encoding} wire)`, async () => {
                const r = succeeded(await construct({ type: "ZooKeeperPodNetworking", name: "zk", encoding, preview: true, inputs: { ...PLAIN.ZooKeeperPodNetworking, ...unknownFacts } }));
                const group = only(r, "aws:ec2/securityGroup:SecurityGroup");
                expect(group.unknownPaths).to.include("vpcId");
                expect(group.inputs.vpcId).to.equal(UNKNOWN);
                expect(group.dependencies).to.include(VPC);
                expect(only(r, "aws:iam/role:Role").unknownPaths).to.include("assumeRolePolicy");
            });
        }

        it("ZooKeeperNodeGroups: security group ids from the caller's resources, known and unknown", async () => {
            const sg = callerUrn("aws:ec2/securityGroup:SecurityGroup", "cluster");
            let r = succeeded(await construct({ type: "ZooKeeperNodeGroups", name: "zk", inputs: { ...PLAIN.ZooKeeperNodeGroups, securityGroupIds: [fromResource(sg, "sg-0fedcba9876543210")] } }));
            let template = only(r, "aws:ec2/launchTemplate:LaunchTemplate");
            expect(template.inputs.vpcSecurityGroupIds).to.deep.equal(["sg-0fedcba9876543210"]);
            expect(template.dependencies).to.include(sg);

            r = succeeded(await construct({ type: "ZooKeeperNodeGroups", name: "zk", preview: true, inputs: { ...PLAIN.ZooKeeperNodeGroups, securityGroupIds: [unknown(sg)] } }));
            template = only(r, "aws:ec2/launchTemplate:LaunchTemplate");
            expect(template.unknownPaths).to.deep.equal(["vpcSecurityGroupIds[0]"]);
            expect(template.dependencies).to.include(sg);
        });

        it("ZooKeeperNodeGroups: a tag value from a caller's resource reaches every AWS resource", async () => {
            const r = succeeded(await construct({ type: "ZooKeeperNodeGroups", name: "zk", inputs: { ...PLAIN.ZooKeeperNodeGroups, tags: { team: fromResource(CLUSTER, "platform") } } }));
            for (const res of r.resources.filter((x) => x.type === "aws:eks/nodeGroup:NodeGroup" || x.type === "aws:iam/role:Role")) {
                expect(res.inputs.tags, res.name).to.deep.equal({ team: "platform" });
                expect(res.dependencies, res.name).to.include(CLUSTER);
            }
        });

        it("ZooKeeperPodNetworking: the KMS key and add-on version from the caller's resources pass through", async () => {
            const key = callerUrn("aws:kms/key:Key", "volumes");
            const r = succeeded(
                await construct({
                    type: "ZooKeeperPodNetworking",
                    name: "zk",
                    inputs: { ...PLAIN.ZooKeeperPodNetworking, storageKmsKeyArn: fromResource(key, "arn:aws:kms:eu-west-1:000000000000:key/abc"), cniAddonVersion: fromResource(CLUSTER, "v1.18.0-eksbuild.1") },
                }),
            );
            const storageClass = only(r, "kubernetes:storage.k8s.io/v1:StorageClass");
            expect(storageClass.inputs.parameters.kmsKeyId).to.equal("arn:aws:kms:eu-west-1:000000000000:key/abc");
            expect(storageClass.dependencies).to.include(key);
            expect(only(r, "aws:eks/addon:Addon").inputs.addonVersion).to.equal("v1.18.0-eksbuild.1");
        });

        it("ZooKeeperCutover: the cluster facts as Outputs, and unknown during a preview, reach its networking and node groups", async () => {
            let r = succeeded(await construct({ type: "ZooKeeperCutover", name: "cutover", inputs: cutoverInputs({ cluster: { name: "platform", ...clusterOf(facts) } }) }));
            expect(only(r, "aws:ec2/securityGroup:SecurityGroup").dependencies).to.include(VPC);
            expect(only(r, "aws:ec2/launchTemplate:LaunchTemplate").dependencies).to.include(CLUSTER);
            expect(r.outputs.stage.value).to.equal("pure-k8s");

            r = succeeded(await construct({ type: "ZooKeeperCutover", name: "cutover", preview: true, inputs: cutoverInputs({ cluster: { name: "platform", ...clusterOf(unknownFacts) } }) }));
            expect(only(r, "aws:ec2/securityGroup:SecurityGroup").unknownPaths).to.include("vpcId");
            // What the next stage's guard needs is known in a preview too.
            expect(r.outputs.cutoverState.known).to.equal(true);
            expect(JSON.parse(r.outputs.cutoverState.value as string).stage).to.equal("pure-k8s");
        });

        it("ZooKeeperEnsemble: its names (namespace, ensembleName, storageClass) from the caller's resources reach every object, with their dependencies", async () => {
            const r = succeeded(
                await construct({
                    type: "ZooKeeperEnsemble",
                    name: "zk",
                    inputs: { ...PLAIN.ZooKeeperEnsemble, ...TLS_ISSUER, namespace: fromResource(NAMESPACE_URN, "registry"), ensembleName: fromResource(NAMESPACE_URN, "zk-orders"), storageClass: fromResource(CLUSTER, "gp3-zk") },
                }),
            );
            // Custom resources (the monitoring's, cert-manager's) keep their type: apiVersion and kind do not wait for the names.
            expect(r.resources.map((x) => x.type)).to.include.members(["kubernetes:monitoring.coreos.com/v1:PodMonitor", "kubernetes:monitoring.coreos.com/v1:PrometheusRule", "kubernetes:cert-manager.io/v1:Certificate"]);
            const sts = only(r, "kubernetes:apps/v1:StatefulSet");
            expect(sts.inputs.metadata).to.deep.include({ name: "zk-orders", namespace: "registry" });
            expect(sts.inputs.spec.volumeClaimTemplates[0].spec.storageClassName).to.equal("gp3-zk");
            expect(sts.dependencies).to.include.members([NAMESPACE_URN, CLUSTER]);
            const config = r.resources.find((x) => x.type === "kubernetes:core/v1:ConfigMap" && String(x.inputs.metadata.name).startsWith("zk-orders-config-"))!;
            expect(config.inputs.data["zoo.cfg"]).to.contain("server.1=zk-orders-1.registry.svc.cluster.local:2888:3888;2181");
            expect(r.outputs.clientConnectString.value).to.equal("zk-orders-client.registry.svc.cluster.local:2181");
            expect(r.outputs.clientConnectString.dependencies).to.include(NAMESPACE_URN);
            // The same objects as with plain names.
            const plain = succeeded(await construct({ type: "ZooKeeperEnsemble", name: "zk", inputs: { ...PLAIN.ZooKeeperEnsemble, ...TLS_ISSUER, namespace: "registry", ensembleName: "zk-orders", storageClass: "gp3-zk" } }));
            const byName = (rs: typeof r.resources) => rs.map((x) => [x.type, x.name, x.inputs]).sort((a, b) => String(a[1]).localeCompare(String(b[1])));
            expect(byName(r.resources)).to.deep.equal(byName(plain.resources));
        });

        it("ZooKeeperEnsemble: a namespace unknown during a preview leaves the objects' names unknown, and a bad one is refused once known", async () => {
            const r = succeeded(await construct({ type: "ZooKeeperEnsemble", name: "zk", preview: true, inputs: { ...PLAIN.ZooKeeperEnsemble, namespace: unknown(NAMESPACE_URN) } }));
            expect(only(r, "kubernetes:apps/v1:StatefulSet").unknownPaths).to.include("metadata");
            expect(r.outputs.clientConnectString.known).to.equal(false);
            const bad = await construct({ type: "ZooKeeperEnsemble", name: "zk", inputs: { ...PLAIN.ZooKeeperEnsemble, namespace: fromResource(NAMESPACE_URN, "Not_A_Namespace") } });
            expect(errorText(bad.error!)).to.contain('namespace: "Not_A_Namespace" is not a Kubernetes namespace name');
        });

        it("ZooKeeperCutover refuses a previousState the guard cannot read (an Output, an object, text that is no cutoverState) instead of skipping the guard", async () => {
            const state = JSON.stringify({ stage: "old-host", legacyIds: [1, 2, 3], hostIds: [1, 2, 3], podIds: [], podEnsemble: "", registries: ["legacy"], preferred: "legacy", volumeIds: [], volumeOwner: "" });
            const refused = async (previousState: unknown) => {
                const r = await construct({ type: "ZooKeeperCutover", name: "cutover", inputs: cutoverInputs({ guard: { previousState } }) });
                expect(r.resources, String(previousState)).to.deep.equal([]);
                return r.error?.properties;
            };
            expect(await refused(fromResource(NAMESPACE_URN, state))).to.deep.equal([
                {
                    propertyPath: "guard.previousState",
                    reason: "is an Output, which the quorum guard cannot read before it creates anything; allowed: the JSON text of the stack's last cutoverState output as a plain string (read it first, e.g. with StackReference.getOutputDetails), or \"\"",
                },
            ]);
            expect(await refused("{not json")).to.deep.equal([{ propertyPath: "guard.previousState", reason: '"{not json" is not a cutoverState output; allowed: the JSON text of the stack\'s last cutoverState output, or ""' }]);
            // Given as text, the guard judges it: old-host -> pure-k8s retires the legacy registry without dual-registry.
            const judged = await refused(state);
            expect(judged?.[0].propertyPath).to.equal("stage");
            expect(judged?.[0].reason).to.contain("pure-k8s after old-host (from the stack's last outputs) refused: would retire the legacy registry");
        });

        it("ZooKeeperCutover refuses fields no setting reads, naming where they are: unknown ones, derived ones, flat keys of the old API", async () => {
            const r = await construct({
                type: "ZooKeeperCutover",
                name: "cutover",
                inputs: cutoverInputs({ ensemble: { namespace: "registry", replica: 5, hostMembers: ["1=10.0.0.1"], tls: "require" }, replicas: 5, nodeGroup: {} }),
            });
            expect(r.error?.properties).to.deep.equal([
                { propertyPath: "ensemble.hostMembers", reason: "unknown field; allowed: " + Object.keys(pinnedGroup("CutoverEnsemble")).join(", ") },
                { propertyPath: "ensemble.replica", reason: "unknown field (did you mean replicas?); allowed: " + Object.keys(pinnedGroup("CutoverEnsemble")).join(", ") },
                { propertyPath: "ensemble.tls", reason: "is not a field of ensemble; it is security.tls" },
                { propertyPath: "nodeGroup", reason: "unknown field (did you mean nodeGroups?); allowed: stage, podMembers, tags, cluster, ensemble, security, nodeGroups, networking, legacy, registry, guard" },
                { propertyPath: "replicas", reason: "is not a top-level field (args are nested by concept); it is ensemble.replicas" },
            ]);
            expect(r.resources).to.deep.equal([]);
        });

        it("ZooKeeperCutover's groups hold exactly the fields its args interfaces declare (the table that maps stack config keys onto them)", () => {
            const types = JSON.parse(fs.readFileSync(SCHEMA_SNAPSHOT, "utf8")).components.ZooKeeperCutover.inputs as Record<string, { type: string }>;
            const groups = cutoverArgGroups();
            expect(Object.keys(groups).sort()).to.deep.equal(Object.keys(types).filter((k) => !["stage", "podMembers", "tags"].includes(k)).sort());
            for (const [group, fields] of Object.entries(groups)) {
                expect(fields, group).to.deep.equal(Object.keys(pinnedGroup(types[group].type)).sort());
            }
        });

        it("ZooKeeperCutover names the nested field in every error about a setting", async () => {
            const r = await construct({ type: "ZooKeeperCutover", name: "cutover", inputs: cutoverInputs({ ensemble: { namespace: "registry", replicas: 4 }, nodeGroups: { nodeCapacityType: "RESERVED" } }) });
            expect(r.error?.properties).to.deep.equal([
                { propertyPath: "ensemble.replicas", reason: "4 members is an even count, which tolerates no more failures than 3; allowed: an odd count (1, 3, 5, 7), or set allowEvenMembers to true" },
                { propertyPath: "nodeGroups.nodeCapacityType", reason: '"RESERVED" is not allowed; allowed: ON_DEMAND, SPOT' },
            ]);
            expect(r.resources).to.deep.equal([]);
        });

        it("a value from another resource where a plain string is still needed is refused clearly, naming the property: never garbled, never a wrong name", async () => {
            const ns = fromResource(NAMESPACE_URN, "registry");
            let r = await construct({ type: "ZooKeeperCutover", name: "cutover", inputs: cutoverInputs({ ensemble: { namespace: ns } }) });
            expect(r.error?.properties).to.deep.equal([{ propertyPath: "ensemble.namespace", reason: "an Output (a value from another resource) has the wrong type; allowed: a string" }]);
            r = await construct({ type: "ZooKeeperPodNetworking", name: "zk", inputs: { ...PLAIN.ZooKeeperPodNetworking, ensembleName: fromResource(NAMESPACE_URN, "zk") } });
            expect(r.error?.properties).to.deep.equal([
                { propertyPath: "ensembleName", reason: "an Output (a value from another resource) is not a plain string; allowed: a string known when the program starts (resource names and tags are derived from it before anything is created)" },
            ]);
            expect(r.resources).to.deep.equal([]);
            r = await construct({ type: "LegacyHostBridge", name: "legacy", inputs: { ...PLAIN.LegacyHostBridge, hosts: [fromResource(NAMESPACE_URN, "1=10.0.0.1"), "2=10.0.0.2"] } });
            expect(r.error?.kind).to.equal("InputPropertiesError");
            expect(r.error?.properties).to.deep.equal([
                { propertyPath: "hosts", reason: '["<Output>","2=10.0.0.2"] is not a list of plain strings; allowed: the legacy servers as "myid=address", known when the program starts' },
            ]);
            r = await construct({ type: "ZooKeeperCutover", name: "cutover", inputs: cutoverInputs({ stage: "old-host", legacy: { legacyHosts: [fromResource(NAMESPACE_URN, "1=10.0.0.1"), "2=10.0.0.2", "3=10.0.0.3"] } }) });
            expect(errorText(r.error!)).to.not.contain("toJSON");
        });

        it("the EKS cluster's name from the caller's cluster resource reaches the node groups, their names and the add-on, with its dependency", async () => {
            const name = fromResource(CLUSTER, "platform");
            for (const [type, inputs] of [
                ["ZooKeeperNodeGroups", { ...PLAIN.ZooKeeperNodeGroups, clusterName: name }],
                ["ZooKeeperCutover", cutoverInputs({ cluster: { ...(PLAIN.ZooKeeperCutover.cluster as object), name } })],
            ] as const) {
                const r = succeeded(await construct({ type, name: "zk", inputs }));
                const groups = r.resources.filter((x) => x.type === "aws:eks/nodeGroup:NodeGroup");
                expect(groups.map((g) => g.inputs.nodeGroupName), type).to.deep.equal(ZONES.map((z) => `platform-zookeeper-${z}`));
                expect(groups.every((g) => g.inputs.clusterName === "platform" && g.dependencies.includes(CLUSTER)), type).to.equal(true);
            }
            const r = succeeded(await construct({ type: "ZooKeeperPodNetworking", name: "zk", inputs: { ...PLAIN.ZooKeeperPodNetworking, clusterName: name } }));
            expect(only(r, "aws:eks/addon:Addon").inputs.clusterName).to.equal("platform");
            expect(only(r, "aws:ec2/securityGroup:SecurityGroup").inputs.tags.Name).to.equal("platform-zookeeper");
        });

        it("an empty cluster name is refused, naming the property: before anything is created when plain, once known when it comes from a resource", async () => {
            let r = await construct({ type: "ZooKeeperNodeGroups", name: "zk", inputs: { ...PLAIN.ZooKeeperNodeGroups, clusterName: "" } });
            expect(r.error?.properties).to.deep.equal([{ propertyPath: "clusterName", reason: '"" is empty; allowed: the name of an existing EKS cluster' }]);
            expect(r.resources).to.deep.equal([]);
            r = await construct({ type: "ZooKeeperNodeGroups", name: "zk", inputs: { ...PLAIN.ZooKeeperNodeGroups, clusterName: fromResource(CLUSTER, "") } });
            expect(errorText(r.error!)).to.contain('clusterName: "" is empty; allowed: the name of an existing EKS cluster');
            r = await construct({ type: "ZooKeeperCutover", name: "cutover", inputs: cutoverInputs({ cluster: { ...(PLAIN.ZooKeeperCutover.cluster as object), name: "" } }) });
            expect(r.error?.properties).to.deep.equal([{ propertyPath: "cluster.name", reason: '"" is empty; allowed: the name of an existing EKS cluster' }]);
        });

        it("ZooKeeperCutover takes tags as a map, like every component, with values from other resources; bad keys are refused", async () => {
            const r = succeeded(await construct({ type: "ZooKeeperCutover", name: "cutover", inputs: cutoverInputs({ tags: { team: "platform", owner: fromResource(CLUSTER, "registry-team") } }) }));
            const role = r.resources.find((x) => x.type === "aws:iam/role:Role")!;
            expect(role.inputs.tags).to.deep.include({ team: "platform", owner: "registry-team" });
            expect(role.dependencies).to.include(CLUSTER);
            const bad = await construct({ type: "ZooKeeperCutover", name: "cutover", inputs: cutoverInputs({ tags: { "aws:team": "x", " ": "y" } }) });
            expect(bad.error?.properties?.map((p) => p.reason)).to.deep.equal([
                '{" ":"y"} are not tags; allowed: a map of non-empty keys to strings (or values from other resources), e.g. {"team": "platform"}',
                '"aws:team" uses a reserved prefix; allowed: keys not starting with "aws:" or "zookeeper-cutover/"',
            ]);
        });

        it("the caller's dependsOn reaches the component", async () => {
            const r = succeeded(await construct({ type: "ZooKeeperEnsemble", name: "zk", inputs: PLAIN.ZooKeeperEnsemble, dependsOn: [NAMESPACE_URN] }));
            expect(r.resources[0].dependencies).to.include(NAMESPACE_URN);
        });
    });
});
