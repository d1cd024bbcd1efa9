import { expect } from "chai";
import { after as afterAll } from "mocha";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { LegacyHostBridge } from "../components/cutover/bridge";
import { comparePlans, diffMarkdown, diffStages, diffText, PlansFromFiles } from "../tools/diff";
import { Plan, planJson, planStack, shippedStacks } from "../tools/plan";
import { deployedState } from "../tools/stageConfig";
import { podsOf, selects, validateKubeObject } from "./support/kube";
import { objectsOfKind, register } from "./support/pulumi";
import { planErrors, planWith, stackConfigWith, withStackFile } from "./support/stacks";

const STS = "kubernetes:apps/v1:StatefulSet";

/** Overrides for a stage that follows `previous`, given in full (previousCutoverState) instead of the file's previousStage. */
const after = (previous: Plan, overrides: Record<string, unknown>) => ({
    previousStage: null,
    previousPodMembers: null,
    previousCutoverState: previous.outputs.cutoverState,
    ...overrides,
});

const kube = (plan: Plan, kind: string): any[] => objectsOfKind(plan.resources, kind);
function names(plan: Plan, kind: string): string[] {
    return kube(plan, kind)
        .map((o) => `${o.metadata.namespace ? o.metadata.namespace + "/" : ""}${o.metadata.name}`)
        .sort();
}

describe("cutover stages (shipped stacks on the mock engine)", () => {
    const plans: Record<string, Plan> = {};
    before(async function () {
        this.timeout(60000);
        for (const stage of ["old-host", "dual-registry", "member-swap-embrace", "pure-k8s"]) {
            plans[stage] = await planStack({ stack: stage });
        }
        // The member swap's step as pulumi up judges it: after the embrace step, from the stack's own outputs.
        plans["member-swap"] = await planStack({ stack: "member-swap", lastOutputs: { cutoverState: plans["member-swap-embrace"].outputs.cutoverState } });
    });

    describe("what each stage creates", () => {
        it("old-host: the bridge only (per-host Services and EndpointSlices, a client Service), node groups and networking ready", () => {
            const p = plans["old-host"];
            expect(names(p, "Service")).to.deep.equal(["zookeeper/zk-legacy-1", "zookeeper/zk-legacy-2", "zookeeper/zk-legacy-3", "zookeeper/zk-legacy-client"]);
            expect(names(p, "EndpointSlice")).to.deep.equal(["zookeeper/zk-legacy-1-host", "zookeeper/zk-legacy-2-host", "zookeeper/zk-legacy-3-host", "zookeeper/zk-legacy-client-hosts"]);
            expect(kube(p, "StatefulSet")).to.deep.equal([]);
            expect(p.resources.filter((r) => r.type === "aws:eks/nodeGroup:NodeGroup")).to.have.length(3);
            expect(p.resources.filter((r) => r.type === "aws:eks/addon:Addon")).to.have.length(1);
        });

        it("dual-registry: the bridge and the new pod ensemble side by side, with the external load balancer", () => {
            const p = plans["dual-registry"];
            expect(names(p, "Service")).to.deep.equal([
                "zookeeper/zk-1",
                "zookeeper/zk-2",
                "zookeeper/zk-3",
                "zookeeper/zk-client",
                "zookeeper/zk-external",
                "zookeeper/zk-legacy-1",
                "zookeeper/zk-legacy-2",
                "zookeeper/zk-legacy-3",
                "zookeeper/zk-legacy-client",
                "zookeeper/zk-peers",
            ]);
            const [sts] = kube(p, "StatefulSet");
            expect(sts.spec.replicas).to.equal(3);
            expect(kube(p, "Service").find((s) => s.metadata.name === "zk-external").spec.type).to.equal("LoadBalancer");
        });

        it("member-swap: one ensemble; member 1 is pod zk-1, members 2 and 3 are their hosts behind the same Service names", () => {
            const p = plans["member-swap"];
            const [sts] = kube(p, "StatefulSet");
            expect(sts.spec.replicas).to.equal(1);
            expect(sts.spec.ordinals).to.deep.equal({ start: 1 });
            const services = Object.fromEntries(kube(p, "Service").map((s) => [s.metadata.name, s]));
            expect(podsOf(sts).filter((pod) => selects(services["zk-1"].spec.selector, pod.labels)).map((pod) => pod.name)).to.deep.equal(["zk-1"]);
            expect(services["zk-2"].spec.selector).to.equal(undefined);
            expect(services["zk-3"].spec.selector).to.equal(undefined);
            const slices = Object.fromEntries(kube(p, "EndpointSlice").map((s) => [s.metadata.name, s]));
            expect(slices["zk-2-host"].endpoints[0].addresses).to.deep.equal(["10.1.0.12"]);
            expect(slices["zk-3-host"].endpoints[0].addresses).to.deep.equal(["10.1.0.13"]);
            // Member 1 moved: its host slice stays, empty, so DNS no longer returns the old host.
            expect(slices["zk-1-host"].endpoints).to.deep.equal([]);
            // The bridge stays as it was, so clients still on the legacy names fail over to live hosts.
            expect(slices["zk-legacy-client-hosts"].endpoints.map((e: any) => e.addresses[0])).to.deep.equal(["10.1.0.11", "10.1.0.12", "10.1.0.13"]);
        });

        it("member-swap: renders the zoo.cfg the legacy hosts must use, peers by Service name", () => {
            const hostZooCfg = String(plans["member-swap"].outputs.hostZooCfg).split("\n");
            expect(hostZooCfg).to.include.members([
                "dataDir=/var/lib/zookeeper",
                "quorumListenOnAllIPs=true",
                "server.1=zk-1.zookeeper.svc.cluster.local:2888:3888;2181",
                "server.2=zk-2.zookeeper.svc.cluster.local:2888:3888;2181",
                "server.3=zk-3.zookeeper.svc.cluster.local:2888:3888;2181",
            ]);
            // The pods use the very same server list.
            const podZooCfg = String(plans["member-swap"].outputs.zooCfg).split("\n");
            expect(podZooCfg.filter((l) => l.startsWith("server."))).to.deep.equal(hostZooCfg.filter((l) => l.startsWith("server.")));
        });

        it("member-swap: tells the hosts how to bound their JVM's DNS cache and how long a step waits after a move", () => {
            const out = plans["member-swap"].outputs;
            expect(String(out.hostJavaSecurity).split("\n").filter((l) => l.startsWith("networkaddress"))).to.deep.equal([
                "networkaddress.cache.ttl=5",
                "networkaddress.cache.negative.ttl=1",
            ]);
            expect(out.hostJvmFlags).to.equal("-Djava.security.properties=/etc/zookeeper/conf/java.security");
            // Cluster DNS TTL 5 s + JVM cache 5 s + 1 s for the EndpointSlice to reach the cluster DNS.
            expect(out.moveSettleSeconds).to.equal(11);
            // The pods read the same override from their ConfigMap.
            const [cm] = kube(plans["member-swap"], "ConfigMap").filter((c) => c.metadata.name.startsWith("zk-config-"));
            expect(cm.data["java.security"]).to.equal(out.hostJavaSecurity);
            for (const stage of ["old-host", "dual-registry", "pure-k8s"]) {
                expect([plans[stage].outputs.hostJavaSecurity, plans[stage].outputs.hostJvmFlags, plans[stage].outputs.moveSettleSeconds]).to.deep.equal(["", "", 0]);
            }
        });

        it("member-swap: the NetworkPolicy admits the legacy hosts on the peer ports only", () => {
            const [np] = kube(plans["member-swap"], "NetworkPolicy");
            const [peers, clients] = np.spec.ingress;
            expect(peers.from).to.deep.include({ ipBlock: { cidr: "10.1.0.0/24" } });
            expect(clients.from.map((f: any) => f.ipBlock?.cidr).filter(Boolean)).to.deep.equal(["10.20.0.0/16"]);
            expect(kube(plans["pure-k8s"], "NetworkPolicy")[0].spec.ingress[0].from).to.have.length(1);
        });

        it("trusts an empty data directory only while creating a new ensemble, never in a member swap", async () => {
            const flag = (p: Plan) => kube(p, "ConfigMap").find((c) => c.metadata.name === "zk-bootstrap").data.bootstrap;
            expect(flag(plans["pure-k8s"])).to.equal("true");
            expect(flag(plans["dual-registry"])).to.equal("true");
            expect(flag(plans["member-swap"])).to.equal("false");
            const again = await planWith("pure-k8s", { previousCutoverState: plans["pure-k8s"].outputs.cutoverState });
            expect(flag(again)).to.equal("false");
            // Flipping the flag restarts nothing: the StatefulSet is the same.
            const sts = (p: Plan) => kube(p, "StatefulSet")[0];
            expect(sts(again)).to.deep.equal(sts(plans["pure-k8s"]));
        });

        it("pure-k8s: the pod ensemble only, no bridge, no host EndpointSlices", () => {
            const p = plans["pure-k8s"];
            expect(kube(p, "EndpointSlice")).to.deep.equal([]);
            expect(names(p, "Service").filter((n) => n.includes("legacy"))).to.deep.equal([]);
            expect(kube(p, "StatefulSet")[0].spec.replicas).to.equal(3);
        });

        it("every Kubernetes object of every stage validates against the OpenAPI schema", async () => {
            for (const p of Object.values(plans)) {
                for (const r of p.resources.filter((x) => x.custom && x.type.startsWith("kubernetes:") && !x.type.includes("SecurityGroupPolicy") && !x.type.startsWith("pulumi:"))) {
                    await validateKubeObject(r.inputs);
                }
            }
        });
    });

    describe("the legacy-host bridge", () => {
        it("points each host's selectorless Service at the host through our own EndpointSlice on 2181/2888/3888", () => {
            const p = plans["old-host"];
            const svc = kube(p, "Service").find((s) => s.metadata.name === "zk-legacy-2");
            const slice = kube(p, "EndpointSlice").find((s) => s.metadata.name === "zk-legacy-2-host");
            expect(svc.spec.selector).to.equal(undefined);
            expect(svc.spec).to.include({ clusterIP: "None", publishNotReadyAddresses: true });
            expect(slice.metadata.labels).to.include({ "kubernetes.io/service-name": "zk-legacy-2", "endpointslice.kubernetes.io/managed-by": "zookeeper-cutover" });
            expect(slice.addressType).to.equal("IPv4");
            expect(slice.ports.map((x: any) => `${x.name}:${x.port}`)).to.deep.equal(["client:2181", "quorum:2888", "election:3888"]);
            expect(svc.spec.ports.map((x: any) => `${x.name}:${x.port}`)).to.deep.equal(["client:2181", "quorum:2888", "election:3888"]);
            expect(slice.endpoints).to.deep.equal([{ addresses: ["10.1.0.12"], conditions: { ready: true } }]);
        });

        it("gives clients one Service over every host's client port", () => {
            const p = plans["old-host"];
            const svc = kube(p, "Service").find((s) => s.metadata.name === "zk-legacy-client");
            const slice = kube(p, "EndpointSlice").find((s) => s.metadata.name === "zk-legacy-client-hosts");
            expect(svc.spec.type).to.equal("ClusterIP");
            expect(slice.metadata.labels["kubernetes.io/service-name"]).to.equal("zk-legacy-client");
            expect(slice.ports).to.deep.equal([{ name: "client", port: 2181, protocol: "TCP" }]);
            expect(slice.endpoints.map((e: any) => e.addresses[0])).to.deep.equal(["10.1.0.11", "10.1.0.12", "10.1.0.13"]);
        });

        it("refuses loopback, link-local and other invalid endpoint addresses before creating anything", async () => {
            let thrown: unknown;
            const r = await register(() => {
                try {
                    new LegacyHostBridge("b", { namespace: "zk", name: "zk-legacy", hosts: ["1=127.0.0.1", "2=169.254.169.254", "3=224.0.0.1", "4=10.1.0.300"] });
                } catch (err) {
                    thrown = err;
                }
            });
            expect(r.resources).to.deep.equal([]);
            expect(pulumi.InputPropertiesError.isInstance(thrown)).to.equal(true);
            expect((thrown as pulumi.InputPropertiesError).errors.map((e) => e.reason)).to.deep.equal([
                '"127.0.0.1" (myid 1) is a loopback address; allowed: the host\'s routable IPv4 address',
                '"169.254.169.254" (myid 2) is a link-local address; allowed: the host\'s routable IPv4 address',
                '"224.0.0.1" (myid 3) is a multicast address; allowed: the host\'s routable IPv4 address',
                '"10.1.0.300" (myid 4) is not an IPv4 address; allowed: the host\'s routable IPv4 address',
            ]);
        });
    });

    describe("client registry configuration", () => {
        it("dual-registry: services register to both registries, consumers prefer the legacy one", () => {
            expect(String(plans["dual-registry"].outputs.dubboRegistryProperties).split("\n").slice(1)).to.deep.equal([
                "# Governance (config center, metadata center) in the legacy registry: write routes and overrides there.",
                "dubbo.config-center.address=zookeeper://zk-legacy-1.zookeeper.svc.cluster.local:2181?backup=zk-legacy-2.zookeeper.svc.cluster.local:2181,zk-legacy-3.zookeeper.svc.cluster.local:2181",
                "dubbo.metadata-report.address=zookeeper://zk-legacy-1.zookeeper.svc.cluster.local:2181?backup=zk-legacy-2.zookeeper.svc.cluster.local:2181,zk-legacy-3.zookeeper.svc.cluster.local:2181",
                "dubbo.registries.legacy.address=zookeeper://zk-legacy-1.zookeeper.svc.cluster.local:2181?backup=zk-legacy-2.zookeeper.svc.cluster.local:2181,zk-legacy-3.zookeeper.svc.cluster.local:2181",
                "dubbo.registries.legacy.register=true",
                "dubbo.registries.legacy.subscribe=true",
                "dubbo.registries.legacy.check=false",
                "dubbo.registries.legacy.preferred=true",
                "dubbo.registries.legacy.weight=100",
                "dubbo.registries.k8s.address=zookeeper://zk-1.zookeeper.svc.cluster.local:2181?backup=zk-2.zookeeper.svc.cluster.local:2181,zk-3.zookeeper.svc.cluster.local:2181",
                "dubbo.registries.k8s.register=true",
                "dubbo.registries.k8s.subscribe=true",
                "dubbo.registries.k8s.check=false",
                "dubbo.registries.k8s.preferred=false",
                "dubbo.registries.k8s.weight=100",
                "",
            ]);
            expect(plans["dual-registry"].outputs.outOfClusterConnectStrings).to.deep.equal({ legacy: "10.1.0.11:2181,10.1.0.12:2181,10.1.0.13:2181" });
        });

        it("flips the preferred registry from config", async () => {
            const p = await planWith("dual-registry", { preferredRegistry: "k8s", previousCutoverState: plans["dual-registry"].outputs.cutoverState });
            const props = String(p.outputs.dubboRegistryProperties);
            expect(props).to.contain("dubbo.registries.legacy.preferred=false\n");
            expect(props).to.contain("dubbo.registries.k8s.preferred=true\n");
            // Governance moves with the consumers: routes and overrides are written where they read them.
            expect(props).to.contain("dubbo.config-center.address=zookeeper://zk-1.zookeeper.svc.cluster.local:2181?backup=");
            expect(props).to.contain("dubbo.metadata-report.address=zookeeper://zk-1.zookeeper.svc.cluster.local:2181?backup=");
        });

        it("old-host and pure-k8s name a single registry; connection strings match", () => {
            expect(plans["old-host"].outputs.connectStrings).to.deep.equal({
                legacy: "zk-legacy-1.zookeeper.svc.cluster.local:2181,zk-legacy-2.zookeeper.svc.cluster.local:2181,zk-legacy-3.zookeeper.svc.cluster.local:2181",
            });
            expect(plans["pure-k8s"].outputs.connectStrings).to.deep.equal({
                k8s: "zk-1.zookeeper.svc.cluster.local:2181,zk-2.zookeeper.svc.cluster.local:2181,zk-3.zookeeper.svc.cluster.local:2181",
            });
            expect(String(plans["pure-k8s"].outputs.dubboRegistryProperties)).to.not.contain("legacy");
        });

        it("puts the same registry ConfigMap in every listed namespace", () => {
            const maps = kube(plans["dual-registry"], "ConfigMap").filter((c) => c.metadata.name === "zk-registries");
            expect(maps.map((m) => m.metadata.namespace).sort()).to.deep.equal(["orders", "payments", "zookeeper"]);
            expect(Object.keys(maps[0].data).sort()).to.deep.equal(["dubbo-registries.properties", "k8s.connect", "legacy.connect"]);
            expect(maps[0].data["dubbo-registries.properties"]).to.equal(plans["dual-registry"].outputs.dubboRegistryProperties);
        });
    });

    describe("stateful resources keep their URNs across stages", () => {
        const stateful = (p: Plan) => p.resources.filter((r) => r.type === STS).map((r) => ({ urn: r.urn.replace(/^urn:pulumi:[^:]+::/, ""), inputs: r.inputs }));

        it("the pod ensemble's StatefulSet and volume claims are identical (URN and inputs) in dual-registry and pure-k8s", async () => {
            const dual = await planWith("dual-registry", {}, "prod");
            const flipped = await planWith("dual-registry", { preferredRegistry: "k8s", previousCutoverState: dual.outputs.cutoverState }, "prod");
            const pure = await planWith("pure-k8s", { previousCutoverState: flipped.outputs.cutoverState }, "prod");
            expect(stateful(dual)).to.have.length(1);
            expect(stateful(pure)).to.deep.equal(stateful(dual));
            expect((stateful(pure)[0].inputs as any).spec.volumeClaimTemplates.map((c: any) => c.metadata.name)).to.deep.equal(["data", "datalog"]);
        });

        it("in a member swap, moving member k touches only member k's resources (and scales the StatefulSet by one)", async () => {
            const embrace = await planWith("member-swap-embrace", {}, "prod");
            const one = await planWith("member-swap", after(embrace, { podMembers: [1] }), "prod");
            const two = await planWith("member-swap", after(one, { podMembers: [1, 2] }), "prod");
            const changes = comparePlans(one, two).map((c) => `${c.kind} ${c.name} ${c.paths.join(",")}`);
            expect(changes).to.deep.equal([
                "change zk-statefulset spec.replicas",
                "change zk-member-2 spec.selector",
                "change zk-member-2-host endpoints",
            ]);
        });

        it("finishing a member swap into pure-k8s keeps the StatefulSet's identity and template", async () => {
            const two = await planWith("member-swap", { podMembers: [1, 2], previousCutoverState: "", previousStage: "member-swap", previousPodMembers: [1, 2] }, "prod");
            const last = await planWith("member-swap", after(two, { podMembers: [1, 2, 3] }), "prod");
            const pure = await planWith("pure-k8s", after(last, {}), "prod");
            expect(stateful(pure)).to.deep.equal(stateful(last));
        });
    });

    describe("zk-cutover diff between consecutive shipped stages", () => {
        it("old-host -> dual-registry adds the pod ensemble and changes the registry config", async function () {
            this.timeout(30000);
            const d = await diffStages("old-host", "dual-registry");
            expect(d.guard).to.deep.equal({ safe: true, overridden: false, rules: [], messages: [] });
            expect(d.counts).to.deep.equal({ add: 15, remove: 0, replace: 0, change: 3 });
            const text = diffText(d);
            expect(text).to.contain("Diff old-host -> dual-registry (offline, Pulumi mock engine)\nQuorum guard: safe\n15 to add, 0 to remove, 0 to replace, 3 to change\n");
            expect(text).to.contain("+  kubernetes:apps/v1:StatefulSet zk-statefulset (zookeeper/zk)\n");
            // The new ensemble comes with its scraping, alerts and dashboard.
            expect(text).to.contain("+  kubernetes:monitoring.coreos.com/v1:PodMonitor zk-pod-monitor (zookeeper/zk)\n");
            expect(text).to.contain("+  kubernetes:monitoring.coreos.com/v1:PrometheusRule zk-alerts (zookeeper/zk)\n");
            expect(text).to.contain("+  kubernetes:core/v1:ConfigMap zk-dashboard (zookeeper/zk-dashboard)\n");
            expect(text).to.contain('~  kubernetes:core/v1:ConfigMap registries-orders (orders/zk-registries)\n     ~ data["dubbo-registries.properties"]\n');
            const md = diffMarkdown(d);
            expect(md).to.match(/^### zk-cutover diff: `old-host` → `dual-registry`\n\n\*\*Quorum guard:\*\* safe\n/);
            expect(md).to.contain("| add | `zk-statefulset` | `kubernetes:apps/v1:StatefulSet` | `zookeeper/zk` |  |");
        });

        it("dual-registry -> pure-k8s is refused while consumers prefer the legacy registry, with the safe next step", async function () {
            this.timeout(30000);
            const d = await diffStages("dual-registry", "pure-k8s");
            expect(d.guard.messages).to.deep.equal([
                "pure-k8s after dual-registry (from the stack's last outputs) refused: would retire the legacy registry while consumers still prefer it; safe next step: stay in dual-registry with preferredRegistry k8s (after `zk-cutover check parity` passes), then pure-k8s",
            ]);
        });

        it("a refusal the target overrides (allowUnsafeTransition) is shown as loudly as a refusal, in text, Markdown and JSON", async function () {
            this.timeout(30000);
            const d = await withStackFile("pure-k8s", stackConfigWith("pure-k8s", { allowUnsafeTransition: true }), (unsafe) => diffStages("dual-registry", unsafe));
            expect(d.guard).to.deep.include({ safe: false, overridden: true, rules: ["registry-retirement"] });
            expect(diffText(d)).to.contain("Quorum guard: REFUSED, AND OVERRIDDEN: allowUnsafeTransition is set, so pulumi up APPLIES this unsafe transition\n  pure-k8s after dual-registry (from the stack's last outputs) refused: would retire the legacy registry");
            expect(diffMarkdown(d)).to.contain("> [!CAUTION]\n> **Quorum guard: refused, and overridden**");
            expect(diffMarkdown(d)).to.contain("> - pure-k8s after dual-registry (from the stack's last outputs) refused: would retire the legacy registry");
        });

        it("warns on stderr that pulumi up applies a refused transition only when the target sets allowUnsafeTransition, not because diff plans it overridden", async function () {
            this.timeout(60000);
            const warned = async (overrides: Record<string, unknown>) => {
                const warn = console.warn;
                const lines: string[] = [];
                console.warn = (...args: unknown[]) => void lines.push(args.join(" "));
                try {
                    const d = await withStackFile("renamed", stackConfigWith("pure-k8s", { ensembleName: "zk2", ...overrides }), (file) => diffStages("pure-k8s", file));
                    return { rules: d.guard.rules, overridden: d.guard.overridden, warnings: lines.filter((l) => l.includes("UNSAFE TRANSITION ALLOWED")).length };
                } finally {
                    console.warn = warn;
                }
            };
            expect(await warned({})).to.deep.equal({ rules: ["identity"], overridden: false, warnings: 0 });
            expect(await warned({ allowUnsafeTransition: true })).to.deep.equal({ rules: ["identity"], overridden: true, warnings: 1 });
        });

        it("every shipped stack against itself: safe and no change", async function () {
            this.timeout(120000);
            for (const stack of shippedStacks()) {
                const d = await diffStages(stack, stack);
                expect({ stack, guard: d.guard, changes: d.changes.map((c) => `${c.kind} ${c.name} ${c.paths.join(",")}`) }).to.deep.equal({
                    stack,
                    guard: { safe: true, overridden: false, rules: [], messages: [] },
                    changes: [],
                });
            }
        });

        it("dual-registry (new registry preferred) -> pure-k8s removes the bridge and the legacy rules, and leaves the StatefulSet alone", async function () {
            this.timeout(30000);
            const d = await withStackFile("dual-registry", stackConfigWith("dual-registry", { preferredRegistry: "k8s", previousStage: "dual-registry" }), (flipped) =>
                diffStages(flipped, "pure-k8s"),
            );
            expect(d.guard.safe).to.equal(true);
            expect(d.changes.filter((c) => c.type === STS)).to.deep.equal([]);
            expect(d.changes.filter((c) => c.kind === "remove").map((c) => c.name)).to.include.members(["zk-legacy-member-1", "zk-legacy-client-hosts", "networking-ingress-2888-10-1-0-0-24"]);
            expect(d.counts.add).to.equal(0);
        });

        it("old-host -> member-swap-embrace gives every member its Service backed by its host, and no pod yet", async function () {
            this.timeout(30000);
            const d = await diffStages("old-host", "member-swap-embrace");
            expect(d.guard.safe).to.equal(true);
            expect(d.changes.filter((c) => c.kind === "add" && c.type.includes("EndpointSlice")).map((c) => c.object)).to.deep.equal([
                "zookeeper/zk-1-host",
                "zookeeper/zk-2-host",
                "zookeeper/zk-3-host",
            ]);
            expect(d.counts.remove).to.equal(0);
        });

        it("member-swap-embrace -> member-swap moves member 1 only: its host slice empties, its Service selects its pod, the StatefulSet scales to 1", async function () {
            this.timeout(30000);
            const d = await diffStages("member-swap-embrace", "member-swap");
            expect(d.guard.safe).to.equal(true);
            expect(d.changes.map((c) => `${c.kind} ${c.object} ${c.paths.join(",")}`)).to.deep.equal([
                "change zookeeper/zk spec.replicas",
                "change zookeeper/zk-1 spec.selector",
                "change zookeeper/zk-1-host endpoints",
            ]);
        });

        it("old-host -> member-swap (skipping the embrace step) is refused", async function () {
            this.timeout(30000);
            const d = await diffStages("old-host", "member-swap");
            expect(d.guard.safe).to.equal(false);
            expect(d.guard.messages.join("\n")).to.contain("safe next step: stage member-swap with podMembers [] and roll the hostZooCfg output to the hosts");
        });

        it("member-swap -> pure-k8s while two members are still on hosts is refused, with the safe next step", async function () {
            this.timeout(30000);
            const d = await diffStages("member-swap", "pure-k8s");
            expect(d.guard).to.deep.equal({
                safe: false,
                overridden: false,
                rules: ["quorum"],
                messages: [
                    "pure-k8s after member-swap (from the stack's last outputs) refused: would take members 2, 3 (2 of 3) away at once, but a 3-member ensemble tolerates 1; safe next step: stage member-swap with podMembers [1, 2]",
                ],
            });
            expect(diffText(d)).to.contain("Quorum guard: REFUSED");
            expect(diffMarkdown(d)).to.contain("**Quorum guard: refused**");
        });

        it("names the --to stack (not the --from stack it is planned under) when the target config is invalid", async function () {
            this.timeout(30000);
            const message = await withStackFile("lb", stackConfigWith("pure-k8s", { replicas: 0 }), (file) =>
                diffStages("pure-k8s", file).then(
                    () => "",
                    (err: Error) => err.message.split("\n")[0].replace(file, "FILE"),
                ),
            );
            expect(message).to.equal("stack lb (FILE):");
        });

        describe("--from-plan: the current stage's resources from a plan made elsewhere (the base branch's code)", () => {
            let dir: string;
            let planned: { stack: string; resources: any[] };
            /** Writes `doc` as a plan file and diffs pure-k8s -> pure-k8s-tls-accept with it. */
            const diffWith = (doc: unknown) => {
                const file = path.join(dir, `plan-${Math.random().toString(36).slice(2)}.json`);
                fs.writeFileSync(file, typeof doc === "string" ? doc : JSON.stringify(doc));
                return diffStages("pure-k8s", "pure-k8s-tls-accept", new PlansFromFiles([file]));
            };
            const sts = (doc: { resources: any[] }) => doc.resources.find((r) => r.type === STS);

            before(async function () {
                this.timeout(30000);
                dir = fs.mkdtempSync(path.join(os.tmpdir(), "zk-from-plan-"));
                // What `plan --config-file Pulumi.pure-k8s.yaml --as-deployed --json` prints.
                const deployed = deployedState({ stack: "pure-k8s" })!;
                planned = JSON.parse(planJson(await planStack({ stack: "pure-k8s", lastOutputs: { cutoverState: deployed.state } })));
            });
            afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

            it("gives the diff that planning the current stage here gives, when the plan came from the same code, alone or in a list of plans", async function () {
                this.timeout(30000);
                const here = await diffStages("pure-k8s", "pure-k8s-tls-accept");
                const { fromPlanFile, ...viaFile } = await diffWith(planned);
                expect(fromPlanFile).to.match(/plan-.*\.json$/);
                expect(viaFile).to.deep.equal(here);
                const { fromPlanFile: _, ...viaList } = await diffWith([{ ...planned, stack: "old-host", resources: [] }, planned]);
                expect(viaList).to.deep.equal(here);
                expect(diffText({ ...viaFile, fromPlanFile: "base.json" })).to.match(/^Diff pure-k8s -> pure-k8s-tls-accept \(offline, Pulumi mock engine\)\npure-k8s's resources as planned in base\.json\nQuorum guard: safe\n/);
            });

            it("shows what the other code made differently, with this code's protection of the same resource", async function () {
                this.timeout(30000);
                const other = JSON.parse(JSON.stringify(planned));
                sts(other).inputs.spec.template.spec.terminationGracePeriodSeconds = 90;
                sts(other).inputs.spec.volumeClaimTemplates[0].spec.resources.requests.storage = "5Gi";
                const [change] = (await diffWith(other)).changes.filter((c) => c.type === STS);
                expect(change.kind).to.equal("replace");
                expect(change.paths).to.include.members(["spec.template.spec.terminationGracePeriodSeconds", "spec.volumeClaimTemplates[0].spec.resources.requests.storage"]);
                expect(change.protectedRefusal).to.equal(true);
            });

            it("refuses a file that is not the current stage's plan, naming --from-plan and what it takes", async function () {
                this.timeout(30000);
                const allowed = "allowed: what zk-cutover plan --config-file Pulumi.pure-k8s.yaml --json wrote (one stack's plan, or a list of plans with this stack's)";
                const refusal = (doc: unknown) => diffWith(doc).then(
                    () => "",
                    (err: Error) => err.message.replace(/"[^"]*plan-[^"]*\.json"/, "FILE"),
                );
                expect(await refusal([{ ...planned, stack: "old-host" }, { ...planned, stack: "dual-registry" }])).to.equal(`--from-plan FILE has no plan of --from's stack "pure-k8s" (it has "old-host", "dual-registry"); ${allowed}`);
                expect(await refusal([planned, { stack: "old-host" }])).to.equal(`--from-plan FILE is not a plan ({"stack", "resources": [{urn, type, name, ...}]}) or a list of them; ${allowed}`);
                expect(await refusal([])).to.equal(`--from-plan FILE is not a plan ({"stack", "resources": [{urn, type, name, ...}]}) or a list of them; ${allowed}`);
                expect(await refusal("{")).to.match(new RegExp(`^--from-plan FILE is not JSON \\(.+\\); ${allowed.replace(/[.()]/g, "\\$&")}$`));
                const missing = await diffStages("pure-k8s", "pure-k8s", new PlansFromFiles([path.join(dir, "none.json")])).then(() => "", (err: Error) => err.message);
                expect(missing).to.equal(`--from-plan ${JSON.stringify(path.join(dir, "none.json"))} cannot be read (ENOENT); ${allowed}`);
            });
        });

        it("flags a replacement of the protected StatefulSet", async function () {
            this.timeout(30000);
            const a = await planWith("pure-k8s", {}, "prod");
            const b = await planWith("pure-k8s", { dataVolumeSize: "50Gi" }, "prod");
            const [sts] = comparePlans(a, b).filter((c) => c.type === STS);
            expect(sts.kind).to.equal("replace");
            expect(sts.replaceBecause).to.deep.equal(["spec.volumeClaimTemplates[0].spec.resources.requests.storage"]);
            expect(sts.protectedRefusal).to.equal(true);
        });
    });

    describe("the quorum guard in plan and preview", () => {
        it("refuses retiring the hosts without dual-registry, naming the stage key and the safe next step", async () => {
            expect(await planErrors("pure-k8s", { previousStage: "old-host", legacyHosts: ["1=10.1.0.11", "2=10.1.0.12", "3=10.1.0.13"], legacyHostCidrs: ["10.1.0.0/24"] })).to.deep.equal([
                "zookeeper-cutover:stage: pure-k8s after old-host (from config previousStage) refused: would retire the legacy registry while the stage before was old-host, not dual-registry; safe next step: stage dual-registry (services register to both), check parity with `zk-cutover check parity`, then pure-k8s (allowUnsafeTransition overrides this)",
            ]);
        });

        it("refuses moving two members in one step", async () => {
            const embrace = await planWith("member-swap-embrace", {});
            expect(await planErrors("member-swap", after(embrace, { podMembers: [1, 2] }))).to.deep.equal([
                "zookeeper-cutover:stage: member-swap after member-swap (from config previousCutoverState) refused: would take members 1, 2 (2 of 3) away at once, but a 3-member ensemble tolerates 1; safe next step: stage member-swap with podMembers [1] (allowUnsafeTransition overrides this)",
            ]);
        });

        it("previousStage vouches for no names or host addresses: a member-swap step with a new namespace or a host's new address is refused, the stage applied again is not", async () => {
            const unknown =
                "zookeeper-cutover:stage: member-swap after member-swap (from config previousStage) refused: the previous member-swap state does not say the names its objects had (namespace, ensembleName, clusterDomain, legacyEnsembleName) or its live hosts' addresses, so a rename or a host's new address in this same step cannot be ruled out (only member-swap applied again unchanged is taken as this config states it); set previousCutoverState to the stack's last cutoverState output (pulumi stack output cutoverState) instead of previousStage, or, for a cutoverState recorded before names and addresses were, apply member-swap once more unchanged first (allowUnsafeTransition overrides this)";
            // The shipped member-swap step, told its previous stage by previousStage member-swap and previousPodMembers [] alone, with namespace renamed, or host 3 readdressed.
            const byStageOnly = { previousCutoverState: "", previousStage: "member-swap", previousPodMembers: [] };
            expect(await planErrors("member-swap", { ...byStageOnly, namespace: "zk-prod", registryNamespaces: ["zk-prod"] })).to.deep.equal([unknown]);
            expect(await planErrors("member-swap", { ...byStageOnly, legacyHosts: ["1=10.1.0.11", "2=10.1.0.12", "3=10.1.0.23"] })).to.deep.equal([unknown]);
            // So is the step itself: nothing rules a rename out.
            expect(await planErrors("member-swap", byStageOnly)).to.deep.equal([unknown]);
            // The same steps after the embrace step given in full are judged on its names and addresses.
            const embrace = await planWith("member-swap-embrace", {});
            expect(await planErrors("member-swap", after(embrace, { namespace: "zk-prod", registryNamespaces: ["zk-prod"] }))).to.have.length(2);
            expect(await planErrors("member-swap", after(embrace, { legacyHosts: ["1=10.1.0.11", "2=10.1.0.12", "3=10.1.0.23"] }))).to.deep.equal([
                "zookeeper-cutover:stage: member-swap after member-swap (from config previousCutoverState) refused: would take members 1, 3 (2 of 3) away at once (1 (host 10.1.0.11 -> pod), 3 (host 10.1.0.13 -> host 10.1.0.23): a host's new address is a member moved), but a 3-member ensemble tolerates 1; safe next step: change one host's address per pulumi up, and no move with it (allowUnsafeTransition overrides this)",
            ]);
            // The stage applied again (previous stage and pods its own) plans.
            expect((await planWith("member-swap", { ...byStageOnly, previousPodMembers: [1] })).outputs.stage).to.equal("member-swap");
            expect((await planWith("old-host", { previousStage: "old-host" })).outputs.stage).to.equal("old-host");
        });

        it("lets an explicit override through, loudly", async () => {
            const embrace = await planWith("member-swap-embrace", {});
            const p = await planWith("member-swap", after(embrace, { podMembers: [1, 2], allowUnsafeTransition: true }));
            expect(p.outputs.guard).to.match(/^UNSAFE, allowed by allowUnsafeTransition: would take members 1, 2/);
        });

        it("refuses dual-registry for workloads it cannot move, naming the member swap", async () => {
            expect(await planErrors("dual-registry", { workload: "kafka" })).to.deep.equal([
                "zookeeper-cutover:stage: dual-registry is refused for workload kafka: Kafka (ZooKeeper mode) keeps its brokers, topics and controller epoch as persistent, version-checked znodes and holds one connection string, and a second, empty ensemble gets none of it (no copy carries sequence counters, versions or sessions); allowed for kafka: old-host, member-swap (the members move into pods one at a time, same data), pure-k8s",
            ]);
            expect(await planErrors("old-host", { workload: "kafak" })).to.deep.equal(['zookeeper-cutover:workload: "kafak" is not allowed; allowed: dubbo, kafka, hbase, curator, other']);
            expect((await planWith("member-swap-embrace", { workload: "hbase" })).outputs.stage).to.equal("member-swap");
        });

        it("refuses stage keys that do not fit the stage", async () => {
            expect(await planErrors("pure-k8s", { podMembers: [1] })).to.deep.equal([
                "zookeeper-cutover:podMembers: [1] is set, but stage is pure-k8s; allowed: [] (podMembers belongs to stage member-swap)",
            ]);
            expect(await planErrors("member-swap", { podMembers: [1, 3] })).to.deep.equal([
                "zookeeper-cutover:podMembers: [1,3] are not consecutive; allowed: pods with consecutive ids (each pod's ordinal is its myid), so move members in an order that grows the pod range at one end",
            ]);
            expect(await planErrors("old-host", { stage: "hosts" })).to.deep.equal([
                'zookeeper-cutover:stage: "hosts" is not a cutover stage; allowed: old-host, dual-registry, member-swap, pure-k8s',
            ]);
        });
    });
});
