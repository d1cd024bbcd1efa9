import { expect } from "chai";
import { PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { launchTemplateSpec, renderStorageClass } from "../components/aws/render";
import { resolveNodeGroupSettings } from "../components/aws/settings";
import { KubeObject } from "../components/shared/kube";
import { renderEnsemble } from "../components/ensemble/objects";
import { resolveEnsembleSettings } from "../components/ensemble/settings";
import {
    antiAffinitySelectsOwnPods,
    dataRetained,
    memberCount,
    nodesRequireImdsv2,
    noInternetFacingLoadBalancer,
    oddMemberCount,
    pdbPresent,
    policies,
    selects,
    TYPES,
} from "../policy/policies";
import { Plan, planStack, shippedStacks } from "../tools/plan";

const urnOf = (type: string, name: string) => `urn:pulumi:test::zookeeper-cutover::${type}::${name}`;

/** Violations a resource policy reports for one resource (validateResource may be one function or several). */
async function violations(policy: ResourceValidationPolicy, type: string, props: any, name = "r"): Promise<string[]> {
    const reported: string[] = [];
    const args = { type, props, urn: urnOf(type, name), name, opts: {}, stackTags: new Map(), isType: () => false, asType: () => undefined, getConfig: () => ({}) } as any;
    const checks = policy.validateResource === undefined ? [] : [policy.validateResource].flat();
    for (const check of checks) {
        await check(args, (message) => reported.push(message));
    }
    return reported;
}

/** Violations a stack policy reports for `resources`, as "message" or "urn: message". */
async function stackViolations(policy: StackValidationPolicy, resources: { type: string; name: string; props: any }[]): Promise<string[]> {
    const reported: string[] = [];
    const stack = resources.map((r) => ({ ...r, urn: urnOf(r.type, r.name), opts: {}, dependencies: [], propertyDependencies: {} }) as unknown as PolicyResource);
    await policy.validateStack({ resources: stack, stackTags: new Map(), getConfig: () => ({}) } as any, (message, urn) => {
        reported.push(urn ? `${urn}: ${message}` : message);
    });
    return reported;
}

/** Every violation of every policy over a plan's resources. */
async function planViolations(plan: Plan): Promise<string[]> {
    const found: string[] = [];
    for (const policy of policies) {
        if ("validateStack" in policy) {
            found.push(...(await stackViolations(policy, plan.resources.map((r) => ({ type: r.type, name: r.name, props: r.inputs })))));
        } else {
            for (const r of plan.resources) {
                found.push(...(await violations(policy, r.type, r.inputs, r.name)));
            }
        }
    }
    return found;
}

const copy = <T>(o: T): any => structuredClone(o);

const ensemble = renderEnsemble(resolveEnsembleSettings({ namespace: "zookeeper", clientAccess: "LoadBalancer" }));
const POD_LABELS = JSON.stringify((ensemble.statefulSet as any).spec.template.metadata.labels);

describe("policy pack", () => {
    it("has the six policies, all mandatory, each with a description", () => {
        expect(policies.map((p) => p.name)).to.deep.equal([
            "zookeeper-odd-member-count",
            "zookeeper-pdb-present",
            "zookeeper-anti-affinity-selects-own-pods",
            "zookeeper-data-retained",
            "zookeeper-no-internet-facing-load-balancer",
            "nodes-require-imdsv2",
        ]);
        for (const p of policies) {
            expect(p.enforcementLevel, p.name).to.equal("mandatory");
            expect(p.description, p.name).to.match(/\w+ .*\./);
        }
    });

    describe("selects (Kubernetes label selector semantics)", () => {
        const labels = { app: "zk", tier: "data" };
        it("matchLabels: every pair must match", () => {
            expect(selects({ matchLabels: { app: "zk" } }, labels)).to.equal(true);
            expect(selects({ matchLabels: { app: "zk", tier: "web" } }, labels)).to.equal(false);
            expect(selects({ matchLabels: { missing: "x" } }, labels)).to.equal(false);
        });
        it("matchExpressions: In, NotIn, Exists, DoesNotExist; unknown operators select nothing", () => {
            const one = (operator: string, key: string, values?: string[]) => selects({ matchExpressions: [{ key, operator, values }] }, labels);
            expect([one("In", "app", ["zk", "x"]), one("In", "app", ["x"]), one("In", "missing", ["zk"])]).to.deep.equal([true, false, false]);
            expect([one("NotIn", "app", ["x"]), one("NotIn", "app", ["zk"]), one("NotIn", "missing", ["zk"])]).to.deep.equal([true, false, true]);
            expect([one("Exists", "app"), one("Exists", "missing")]).to.deep.equal([true, false]);
            expect([one("DoesNotExist", "missing"), one("DoesNotExist", "app")]).to.deep.equal([true, false]);
            expect(one("Gt", "app", ["1"])).to.equal(false);
        });
        it("matchLabels and matchExpressions must both hold", () => {
            expect(selects({ matchLabels: { app: "zk" }, matchExpressions: [{ key: "tier", operator: "In", values: ["web"] }] }, labels)).to.equal(false);
        });
        it("an empty selector selects everything, a missing one nothing", () => {
            expect(selects({}, labels)).to.equal(true);
            expect(selects(undefined, labels)).to.equal(false);
            expect(selects(null, labels)).to.equal(false);
        });
    });

    describe("memberCount", () => {
        it("counts server.N lines, not observers nor other keys", () => {
            expect(memberCount((ensemble.configMap as any).data["zoo.cfg"])).to.equal(3);
            const cfg = ["tickTime=2000", "server.1=a:2888:3888;2181", "server.2 = b:2888:3888", "server.3=c:2888:3888:participant;2181", "server.4=d:2888:3888:observer;2181", "# server.5=e:2888:3888"];
            expect(memberCount(cfg.join("\n"))).to.equal(3);
            expect(memberCount("tickTime=2000\n")).to.equal(0);
        });
    });

    describe("zookeeper-odd-member-count", () => {
        const cm = ensemble.configMap as any;
        const withCfg = (zooCfg: string) => ({ ...copy(cm), data: { ...cm.data, "zoo.cfg": zooCfg } });
        const cmName = `ConfigMap zookeeper/${cm.metadata.name}`;

        it("passes the rendered three-member zoo.cfg and ignores ConfigMaps without zoo.cfg", async () => {
            expect(await violations(oddMemberCount, TYPES.configMap, cm)).to.deep.equal([]);
            expect(await violations(oddMemberCount, TYPES.configMap, { metadata: { name: "registries" }, data: { "k8s.connect": "zk:2181" } })).to.deep.equal([]);
        });
        it("passes five members (even with replicas of the StatefulSet being anything)", async () => {
            const five = renderEnsemble(resolveEnsembleSettings({ namespace: "zookeeper", replicas: 5 }));
            expect(await violations(oddMemberCount, TYPES.configMap, five.configMap)).to.deep.equal([]);
        });
        it("reports four members", async () => {
            expect(await violations(oddMemberCount, TYPES.configMap, withCfg(`${cm.data["zoo.cfg"]}server.4=zk-4.zookeeper.svc.cluster.local:2888:3888;2181\n`))).to.deep.equal([
                `zoo.cfg in ${cmName} lists 4 voting members; an ensemble needs an odd number of members (an even one tolerates no more failures than one member fewer). List 3 or 5 server.N lines.`,
            ]);
        });
        it("reports a zoo.cfg with no members", async () => {
            expect(await violations(oddMemberCount, TYPES.configMap, withCfg("tickTime=2000\n"))).to.deep.equal([
                `zoo.cfg in ${cmName} lists no members (no server.N lines); an ensemble needs an odd number of members (an even one tolerates no more failures than one member fewer). List 3 or 5 server.N lines.`,
            ]);
        });
    });

    describe("zookeeper-pdb-present", () => {
        const sts = { type: TYPES.statefulSet, name: "zk", props: ensemble.statefulSet };
        const pdb = { type: TYPES.podDisruptionBudget, name: "zk-pdb", props: ensemble.podDisruptionBudget };
        const missing =
            `${urnOf(TYPES.statefulSet, "zk")}: StatefulSet zookeeper/zk has no PodDisruptionBudget in namespace zookeeper whose selector matches its pod labels ${POD_LABELS}, ` +
            `so a node drain can take down a quorum. Add a policy/v1 PodDisruptionBudget with maxUnavailable floor((n-1)/2) selecting these labels.`;
        const pdbWith = (change: (p: any) => void) => {
            const p = copy(ensemble.podDisruptionBudget);
            change(p);
            return { ...pdb, props: p };
        };

        it("passes the rendered StatefulSet with its PDB, also one selecting by matchExpressions", async () => {
            expect(await stackViolations(pdbPresent, [sts, pdb])).to.deep.equal([]);
            const byExpression = pdbWith((p) => (p.spec.selector = { matchExpressions: [{ key: "app.kubernetes.io/instance", operator: "In", values: ["zk"] }] }));
            expect(await stackViolations(pdbPresent, [sts, byExpression])).to.deep.equal([]);
        });
        it("reports a ZooKeeper StatefulSet without a PDB", async () => {
            expect(await stackViolations(pdbPresent, [sts])).to.deep.equal([missing]);
        });
        it("reports a PDB whose selector does not match the pods", async () => {
            expect(await stackViolations(pdbPresent, [sts, pdbWith((p) => (p.spec.selector.matchLabels["app.kubernetes.io/instance"] = "other"))])).to.deep.equal([missing]);
        });
        it("reports a matching PDB in another namespace", async () => {
            expect(await stackViolations(pdbPresent, [sts, pdbWith((p) => (p.metadata.namespace = "kafka"))])).to.deep.equal([missing]);
        });
        it("ignores StatefulSets that do not run ZooKeeper", async () => {
            const other = copy(ensemble.statefulSet);
            other.spec.template.metadata.labels = { "app.kubernetes.io/name": "kafka" };
            expect(await stackViolations(pdbPresent, [{ ...sts, props: other }])).to.deep.equal([]);
        });
    });

    describe("zookeeper-anti-affinity-selects-own-pods", () => {
        const withAffinity = (podAntiAffinity: unknown) => {
            const s = copy(ensemble.statefulSet);
            s.spec.template.spec.affinity = podAntiAffinity === undefined ? undefined : { podAntiAffinity };
            return s;
        };
        const required = (terms: unknown[]) => withAffinity({ requiredDuringSchedulingIgnoredDuringExecution: terms });
        const fix = `with topologyKey "kubernetes.io/hostname" and a labelSelector matching the pod template labels ${POD_LABELS}`;
        const check = (props: KubeObject) => violations(antiAffinitySelectsOwnPods, TYPES.statefulSet, props);

        it("passes the rendered StatefulSet and a matchExpressions selector of its own pods", async () => {
            expect(await check(ensemble.statefulSet)).to.deep.equal([]);
            const byExpression = { matchExpressions: [{ key: "app.kubernetes.io/name", operator: "In", values: ["zookeeper"] }, { key: "app.kubernetes.io/instance", operator: "Exists" }] };
            expect(await check(required([{ labelSelector: byExpression, topologyKey: "kubernetes.io/hostname" }]))).to.deep.equal([]);
        });
        it("reports the Kubernetes tutorial's bug: a selector for a label the pods do not carry", async () => {
            const tutorial = { matchExpressions: [{ key: "app", operator: "In", values: ["zk"] }] };
            expect(await check(required([{ labelSelector: tutorial, topologyKey: "kubernetes.io/hostname" }]))).to.deep.equal([
                `StatefulSet zookeeper/zk: the required pod anti-affinity on "kubernetes.io/hostname" selects ${JSON.stringify([tutorial])}, which matches none of its own pods ` +
                    `(labels ${POD_LABELS}), so it keeps no two members apart. Use a labelSelector matching the pod template labels.`,
            ]);
        });
        it("reports a missing required anti-affinity (preferred only, or none)", async () => {
            const message = `StatefulSet zookeeper/zk has no required pod anti-affinity, so two members can land on one node. Add spec.template.spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution ${fix}.`;
            expect(await check(withAffinity(undefined))).to.deep.equal([message]);
            expect(await check(withAffinity({ preferredDuringSchedulingIgnoredDuringExecution: [] }))).to.deep.equal([message]);
        });
        it("reports a required anti-affinity on zones only", async () => {
            const zoneOnly = required([{ labelSelector: { matchLabels: { "app.kubernetes.io/name": "zookeeper" } }, topologyKey: "topology.kubernetes.io/zone" }]);
            expect(await check(zoneOnly)).to.deep.equal([
                `StatefulSet zookeeper/zk: no required pod anti-affinity term has topologyKey "kubernetes.io/hostname", so two members can land on one node. Add a term ${fix}.`,
            ]);
        });
    });

    describe("zookeeper-data-retained", () => {
        const withRetention = (policy: unknown) => ({ ...copy(ensemble.statefulSet), spec: { ...copy(ensemble.statefulSet).spec, persistentVolumeClaimRetentionPolicy: policy } });
        const storageClass = renderStorageClass("zookeeper-gp3", "");

        it("passes the rendered StatefulSet and StorageClass, and a StatefulSet without a retention policy (Retain by default)", async () => {
            expect(await violations(dataRetained, TYPES.statefulSet, ensemble.statefulSet)).to.deep.equal([]);
            expect(await violations(dataRetained, TYPES.statefulSet, withRetention(undefined))).to.deep.equal([]);
            expect(await violations(dataRetained, TYPES.storageClass, storageClass)).to.deep.equal([]);
        });
        it("reports Delete on deletion and on scale-down", async () => {
            expect(await violations(dataRetained, TYPES.statefulSet, withRetention({ whenDeleted: "Delete", whenScaled: "Delete" }))).to.deep.equal([
                `StatefulSet zookeeper/zk: spec.persistentVolumeClaimRetentionPolicy.whenDeleted is "Delete", so deleting the StatefulSet deletes members' data volumes. Set it to "Retain" (or leave it out; Retain is the default).`,
                `StatefulSet zookeeper/zk: spec.persistentVolumeClaimRetentionPolicy.whenScaled is "Delete", so scaling it down deletes members' data volumes. Set it to "Retain" (or leave it out; Retain is the default).`,
            ]);
        });
        it("reports the package's StorageClass with reclaimPolicy Delete or unset, and ignores other StorageClasses", async () => {
            expect(await violations(dataRetained, TYPES.storageClass, { ...copy(storageClass), reclaimPolicy: "Delete" })).to.deep.equal([
                `StorageClass zookeeper-gp3: reclaimPolicy is "Delete", so a released ZooKeeper volume is deleted with its data. Set reclaimPolicy: Retain.`,
            ]);
            expect(await violations(dataRetained, TYPES.storageClass, { ...copy(storageClass), reclaimPolicy: undefined })).to.deep.equal([
                `StorageClass zookeeper-gp3: reclaimPolicy is not set (Kubernetes defaults to Delete), so a released ZooKeeper volume is deleted with its data. Set reclaimPolicy: Retain.`,
            ]);
            expect(await violations(dataRetained, TYPES.storageClass, { metadata: { name: "gp2" }, reclaimPolicy: "Delete" })).to.deep.equal([]);
        });
    });

    describe("zookeeper-no-internet-facing-load-balancer", () => {
        const external = ensemble.externalService as any;
        const withAnnotations = (annotations: Record<string, string>) => ({ ...copy(external), metadata: { ...external.metadata, annotations } });
        const check = (props: unknown) => violations(noInternetFacingLoadBalancer, TYPES.service, props);
        const fix = "ZooKeeper must not be reachable from the internet. Set the annotation service.beta.kubernetes.io/aws-load-balancer-scheme: internal.";

        it("passes the rendered internal load balancer and the legacy internal annotation", async () => {
            expect(external.spec.type).to.equal("LoadBalancer");
            expect(await check(external)).to.deep.equal([]);
            expect(await check(withAnnotations({ "service.beta.kubernetes.io/aws-load-balancer-internal": "true" }))).to.deep.equal([]);
        });
        it("reports an internet-facing scheme", async () => {
            expect(await check(withAnnotations({ "service.beta.kubernetes.io/aws-load-balancer-scheme": "internet-facing" }))).to.deep.equal([
                `Service zookeeper/zk-external of type LoadBalancer selects ZooKeeper pods and has service.beta.kubernetes.io/aws-load-balancer-scheme: internet-facing; ${fix}`,
            ]);
        });
        it("reports a load balancer without a scheme annotation", async () => {
            expect(await check(withAnnotations({}))).to.deep.equal([
                `Service zookeeper/zk-external of type LoadBalancer selects ZooKeeper pods and has no service.beta.kubernetes.io/aws-load-balancer-scheme annotation ` +
                    `(the in-tree AWS cloud provider then makes it internet-facing); ${fix}`,
            ]);
        });
        it("ignores ClusterIP Services and load balancers of other pods", async () => {
            expect(await check(ensemble.clientService)).to.deep.equal([]);
            const other = withAnnotations({});
            other.spec.selector = { "app.kubernetes.io/name": "web" };
            expect(await check(other)).to.deep.equal([]);
        });
    });

    describe("nodes-require-imdsv2", () => {
        const settings = resolveNodeGroupSettings({ zones: ["eu-west-1a"], zoneSubnets: ["eu-west-1a=subnet-0a1b2c3d4e5f60718"] });
        const template = launchTemplateSpec(settings, {});
        const withOptions = (options: Record<string, unknown>) => ({ ...copy(template), metadataOptions: { ...template.metadataOptions, ...options } });
        const check = (type: string, props: unknown) => violations(nodesRequireImdsv2, type, props, "nodes-launch-template");

        it("passes the package's launch template and a node group that uses one", async () => {
            expect(await check(TYPES.launchTemplate, template)).to.deep.equal([]);
            expect(await check(TYPES.nodeGroup, { clusterName: "c", launchTemplate: { id: "lt-1", version: "1" } })).to.deep.equal([]);
        });
        it("reports optional tokens (IMDSv1) and a hop limit of 2", async () => {
            expect(await check(TYPES.launchTemplate, withOptions({ httpTokens: "optional", httpPutResponseHopLimit: 2 }))).to.deep.equal([
                `LaunchTemplate nodes-launch-template: metadataOptions.httpTokens is "optional", which allows IMDSv1. Set metadataOptions.httpTokens: "required".`,
                `LaunchTemplate nodes-launch-template: metadataOptions.httpPutResponseHopLimit is 2, so pods can reach the node's credentials. Set metadataOptions.httpPutResponseHopLimit: 1.`,
            ]);
        });
        it("reports a launch template without metadata options", async () => {
            expect(await check(TYPES.launchTemplate, { ...copy(template), metadataOptions: undefined })).to.have.length(2);
        });
        it("reports a node group without a launch template", async () => {
            expect(await check(TYPES.nodeGroup, { clusterName: "c" })).to.deep.equal([
                `NodeGroup nodes-launch-template has no launchTemplate, so its nodes get EKS's default instance metadata options, which can allow IMDSv1 and let pods reach the node's credentials. ` +
                    `Give it a launchTemplate with metadataOptions httpTokens "required" and httpPutResponseHopLimit 1.`,
            ]);
        });
    });

    describe("over the plans of the shipped stacks", () => {
        const plans = new Map<string, Plan>();
        before(async function () {
            this.timeout(120000);
            for (const stack of shippedStacks()) {
                plans.set(stack, await planStack({ stack }));
            }
        });

        it("plans every shipped stack", () => {
            expect([...plans.keys()]).to.deep.equal(["dual-registry", "member-swap", "member-swap-embrace", "old-host", "pure-k8s", "pure-k8s-tls-accept", "pure-k8s-tls-prefer", "pure-k8s-tls-require"]);
        });
        for (const stack of ["old-host", "dual-registry", "member-swap-embrace", "member-swap", "pure-k8s", "pure-k8s-tls-accept", "pure-k8s-tls-prefer", "pure-k8s-tls-require"]) {
            it(`${stack}: no policy reports a violation`, async () => {
                expect(await planViolations(plans.get(stack)!)).to.deep.equal([]);
            });
        }
        it("pure-k8s: the plan holds every kind of resource the policies check", () => {
            const types = new Set(plans.get("pure-k8s")!.resources.map((r) => r.type));
            expect(Object.values(TYPES).filter((t) => !types.has(t))).to.deep.equal([]);
        });
        it("member-swap: an odd zoo.cfg although the StatefulSet runs fewer pods than members", async () => {
            const resources = plans.get("member-swap")!.resources;
            const sts = resources.find((r) => r.type === TYPES.statefulSet)!.inputs as any;
            const zooCfg = resources.map((r) => (r.inputs as any).data?.["zoo.cfg"]).find((c) => typeof c === "string")!;
            expect([sts.spec.replicas, memberCount(zooCfg)]).to.deep.equal([1, 3]);
        });
        it("pure-k8s without its PodDisruptionBudget: the stack policy reports the StatefulSet", async () => {
            const plan = plans.get("pure-k8s")!;
            const found = await planViolations({ ...plan, resources: plan.resources.filter((r) => r.type !== TYPES.podDisruptionBudget) });
            expect(found).to.have.length(1);
            expect(found[0]).to.match(/: StatefulSet zookeeper\/zk has no PodDisruptionBudget in namespace zookeeper/);
        });
    });
});
