import { expect } from "chai";
import * as fc from "fast-check";
import * as pulumi from "@pulumi/pulumi";
import { ENSEMBLE_TYPE, ZooKeeperEnsemble } from "../components/ensemble/ensemble";
import { dedicatedNodePlacement, ensembleSelector, tolerationsFor } from "../components/shared/labels";
import { renderEnsemble } from "../components/ensemble/objects";
import { resolveEnsembleSettings } from "../components/ensemble/settings";
import { ZooKeeperEnsembleArgs } from "../components/ensemble/args";
import { podsOf, selects, validateKubeObject } from "./support/kube";
import { configMapOf, object, objectsOfKind, promiseOf, register } from "./support/pulumi";

async function deploy(args: Partial<ZooKeeperEnsembleArgs> = {}) {
    return register(() => new ZooKeeperEnsemble("zk", { namespace: "zookeeper", ...args }));
}

describe("ZooKeeperEnsemble on the mock engine", () => {
    let resources: Awaited<ReturnType<typeof deploy>>["resources"];
    let ensemble: ZooKeeperEnsemble;
    let sts: any;

    before(async () => {
        const r = await deploy();
        resources = r.resources;
        ensemble = r.result;
        sts = object(resources, "StatefulSet", "zk");
    });

    it("registers one component of type zookeeper-cutover:index:ZooKeeperEnsemble with every child parented to it", () => {
        const components = resources.filter((r) => !r.custom);
        expect(components.map((c) => c.type)).to.deep.equal([ENSEMBLE_TYPE]);
        for (const child of resources.filter((r) => r.custom)) {
            expect(child.parent, child.urn).to.equal(components[0].urn);
        }
    });

    it("creates the objects a 3-member ensemble needs, all in the given namespace", () => {
        const kinds = resources
            .filter((r) => r.custom)
            .map((r) => `${(r.inputs as any).kind}/${(r.inputs as any).metadata.name}`.replace(/^(ConfigMap\/zk-config-)[0-9a-f]{10}$/, "$1<hash>"));
        expect(kinds.sort()).to.deep.equal([
            "ConfigMap/zk-bootstrap",
            "ConfigMap/zk-config-<hash>",
            "ConfigMap/zk-dashboard",
            "NetworkPolicy/zk",
            "PodDisruptionBudget/zk",
            "PodMonitor/zk",
            "PrometheusRule/zk",
            "Service/zk-1",
            "Service/zk-2",
            "Service/zk-3",
            "Service/zk-client",
            "Service/zk-peers",
            "StatefulSet/zk",
        ]);
        for (const r of resources.filter((x) => x.custom)) {
            expect((r.inputs as any).metadata.namespace).to.equal("zookeeper");
        }
    });

    it("every object validates against the Kubernetes OpenAPI schema", async () => {
        const withExternal = await deploy({ clientAccess: "LoadBalancer", loadBalancerSourceRanges: ["10.0.0.0/8"], dataLogVolumeSize: "5Gi" });
        const withNodePort = await deploy({ clientAccess: "NodePort", clientNodePort: 31181, zookeeperVersion: "3.4.14", cpuLimit: "2" });
        for (const r of [...resources, ...withExternal.resources, ...withNodePort.resources].filter((x) => x.custom)) {
            await validateKubeObject(r.inputs);
        }
    });

    it("runs the official image of the configured version with the member's myid from its pod ordinal", () => {
        const c = sts.spec.template.spec.containers[0];
        expect(c.image).to.equal("zookeeper:3.8.4");
        expect(sts.spec.replicas).to.equal(3);
        expect(sts.spec.ordinals).to.deep.equal({ start: 1 });
        const env = Object.fromEntries(c.env.map((e: any) => [e.name, e.value ?? e.valueFrom.fieldRef.fieldPath]));
        expect(env.ZK_MEMBER_ID).to.equal("metadata.labels['apps.kubernetes.io/pod-index']");
        expect(podsOf(sts).map((p) => p.name)).to.deep.equal(["zk-1", "zk-2", "zk-3"]);
    });

    it("numbers pods from the first member id, so pod zk-<id> is member <id>", async () => {
        const r = await deploy({ memberIds: [4, 5, 6] });
        const s = object(r.resources, "StatefulSet", "zk");
        expect(podsOf(s).map((p) => p.name)).to.deep.equal(["zk-4", "zk-5", "zk-6"]);
        expect(configMapOf(r.resources).data["start.sh"]).to.contain('members=" 4 5 6 "');
    });

    it("mounts zoo.cfg and the scripts the container and probes run from the ConfigMap", () => {
        const cm = configMapOf(resources);
        const spec = sts.spec.template.spec;
        const c = spec.containers[0];
        const configVolume = spec.volumes.find((v: any) => v.configMap);
        expect(configVolume.configMap.name).to.equal(cm.metadata.name);
        const confMount = c.volumeMounts.find((m: any) => m.name === configVolume.name);
        expect(confMount).to.include({ mountPath: "/conf", readOnly: true });
        const scripts = [c.command, c.readinessProbe.exec.command, c.livenessProbe.exec.command, c.startupProbe.exec.command].map((cmd: string[]) =>
            cmd[1].replace("/conf/", ""),
        );
        expect(scripts).to.deep.equal(["start.sh", "ready.sh", "live.sh", "live.sh"]);
        for (const s of scripts) {
            expect(cm.data).to.have.property(s);
        }
    });

    it("readiness requires the member to serve in a quorum; liveness only that it answers", () => {
        const cm = configMapOf(resources);
        expect(cm.data["ready.sh"]).to.match(/ask srvr/);
        expect(cm.data["ready.sh"]).to.contain("leader|follower|observer) exit 0");
        expect(cm.data["ready.sh"]).to.not.contain("standalone");
        expect(cm.data["live.sh"]).to.contain('[ "$reply" = "imok" ] && exit 0');
    });

    it("keeps the configuration in an immutable ConfigMap named after its content, so running pods never see it change", async () => {
        const cm = configMapOf(resources);
        expect(cm.immutable).to.equal(true);
        expect(cm.metadata.name).to.match(/^zk-config-[0-9a-f]{10}$/);
        const other = await deploy({ tickTime: 3000 });
        const otherCm = configMapOf(other.resources);
        expect(otherCm.metadata.name).to.not.equal(cm.metadata.name);
        const volume = (s: any) => s.spec.template.spec.volumes.find((v: any) => v.name === "config").configMap.name;
        expect(volume(object(other.resources, "StatefulSet", "zk"))).to.equal(otherCm.metadata.name);
        expect(configMapOf((await deploy()).resources).metadata.name).to.equal(cm.metadata.name);
    });

    it("rolls the pods when the rendered configuration changes", async () => {
        const other = await deploy({ tickTime: 3000 });
        const hash = (s: any) => s.spec.template.metadata.annotations["zookeeper-cutover/config-hash"];
        expect(hash(object(other.resources, "StatefulSet", "zk"))).to.not.equal(hash(sts));
        const same = await deploy();
        expect(hash(object(same.resources, "StatefulSet", "zk"))).to.equal(hash(sts));
    });

    it("starts members in parallel (a quorum needs them together) and rolls them one at a time", () => {
        expect(sts.spec.podManagementPolicy).to.equal("Parallel");
        expect(sts.spec.updateStrategy).to.deep.equal({ type: "RollingUpdate" });
    });

    describe("selectors match exactly the pods they are meant for", () => {
        it("StatefulSet selector matches its own pods", () => {
            for (const pod of podsOf(sts)) {
                expect(selects(sts.spec.selector, pod.labels), pod.name).to.equal(true);
            }
        });

        it("peer, client Services and the PDB select every member", () => {
            const selectors = [
                object(resources, "Service", "zk-peers").spec.selector,
                object(resources, "Service", "zk-client").spec.selector,
                object(resources, "PodDisruptionBudget", "zk").spec.selector,
            ];
            for (const sel of selectors) {
                expect(podsOf(sts).filter((p) => selects(sel, p.labels)).map((p) => p.name)).to.deep.equal(["zk-1", "zk-2", "zk-3"]);
            }
        });

        it("each member's Service selects that member's pod only", () => {
            for (const id of [1, 2, 3]) {
                const svc = object(resources, "Service", `zk-${id}`);
                expect(podsOf(sts).filter((p) => selects(svc.spec.selector, p.labels)).map((p) => p.name)).to.deep.equal([`zk-${id}`]);
            }
        });

        it("required anti-affinity across nodes and the zone spread select the ensemble's own pods", () => {
            const spec = sts.spec.template.spec;
            const terms = spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution;
            expect(terms).to.have.length(1);
            expect(terms[0].topologyKey).to.equal("kubernetes.io/hostname");
            const spread = spec.topologySpreadConstraints[0];
            expect(spread).to.include({ topologyKey: "topology.kubernetes.io/zone", maxSkew: 1, whenUnsatisfiable: "DoNotSchedule" });
            for (const pod of podsOf(sts)) {
                expect(selects(terms[0].labelSelector, pod.labels)).to.equal(true);
                expect(selects(spread.labelSelector, pod.labels)).to.equal(true);
            }
        });

        it("does not select the pods of another ensemble in the same namespace", async () => {
            const other = await register(() => new ZooKeeperEnsemble("other", { namespace: "zookeeper", ensembleName: "zk-new" }));
            const otherPods = podsOf(object(other.resources, "StatefulSet", "zk-new"));
            const selectors = [
                sts.spec.selector,
                object(resources, "Service", "zk-client").spec.selector,
                object(resources, "PodDisruptionBudget", "zk").spec.selector,
                sts.spec.template.spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].labelSelector,
            ];
            for (const sel of selectors) {
                expect(otherPods.some((p) => selects(sel, p.labels))).to.equal(false);
            }
        });

        it("hold for any odd member count and first id (property)", () => {
            fc.assert(
                fc.property(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 1, max: 200 }), (half, first) => {
                    const n = 2 * half + 1;
                    const s = resolveEnsembleSettings({ namespace: "zk", memberIds: Array.from({ length: n }, (_, i) => first + i) });
                    const r = renderEnsemble(s);
                    const pods = podsOf(r.statefulSet!);
                    expect(pods.map((p) => p.ordinal)).to.deep.equal(s.memberIds);
                    for (const [i, svc] of r.memberServices.entries()) {
                        expect(pods.filter((p) => selects((svc.spec as any).selector, p.labels)).map((p) => p.ordinal)).to.deep.equal([s.memberIds[i]]);
                    }
                    const pdb = r.podDisruptionBudget!.spec as any;
                    expect(pods.every((p) => selects(pdb.selector, p.labels))).to.equal(true);
                    // The PDB lets at most floor((n-1)/2) members go: a quorum always stays.
                    expect(pdb.maxUnavailable).to.equal(Math.floor((n - 1) / 2));
                }),
                { numRuns: 60 },
            );
        });
    });

    it("keeps a quorum through voluntary disruptions: at most 1 of 3, 2 of 5, none of 1", async () => {
        expect(object(resources, "PodDisruptionBudget", "zk").spec.maxUnavailable).to.equal(1);
        const five = await deploy({ replicas: 5 });
        expect(object(five.resources, "PodDisruptionBudget", "zk").spec.maxUnavailable).to.equal(2);
        const one = await deploy({ replicas: 1 });
        expect(object(one.resources, "PodDisruptionBudget", "zk").spec.maxUnavailable).to.equal(0);
    });

    it("peers find each other before quorum: headless Services publish not-ready addresses", () => {
        for (const name of ["zk-peers", "zk-1", "zk-2", "zk-3"]) {
            const svc = object(resources, "Service", name);
            expect(svc.spec, name).to.include({ clusterIP: "None", publishNotReadyAddresses: true });
        }
        expect(sts.spec.serviceName).to.equal("zk-peers");
        const client = object(resources, "Service", "zk-client");
        expect(client.spec.type).to.equal("ClusterIP");
        expect(client.spec.publishNotReadyAddresses).to.equal(undefined);
        expect(client.spec.ports).to.deep.equal([{ name: "client", port: 2181, targetPort: "client", protocol: "TCP" }]);
    });

    it("exposes peer, election, client and metrics ports by name", () => {
        const ports = sts.spec.template.spec.containers[0].ports.map((p: any) => `${p.name}:${p.containerPort}`);
        expect(ports).to.deep.equal(["client:2181", "quorum:2888", "election:3888", "metrics:7000"]);
    });

    it("stores data on a volume claim per member, and the transaction log on its own when asked", async () => {
        expect(sts.spec.volumeClaimTemplates.map((c: any) => c.metadata.name)).to.deep.equal(["data"]);
        expect(sts.spec.volumeClaimTemplates[0].spec.resources.requests.storage).to.equal("20Gi");
        expect(sts.spec.volumeClaimTemplates[0].spec.storageClassName).to.equal(undefined);
        expect(sts.spec.persistentVolumeClaimRetentionPolicy).to.deep.equal({ whenDeleted: "Retain", whenScaled: "Retain" });
        const r = await deploy({ storageClass: "gp3", dataVolumeSize: "50Gi", dataLogVolumeSize: "10Gi" });
        const s = object(r.resources, "StatefulSet", "zk");
        expect(s.spec.volumeClaimTemplates.map((c: any) => [c.metadata.name, c.spec.storageClassName, c.spec.resources.requests.storage])).to.deep.equal([
            ["data", "gp3", "50Gi"],
            ["datalog", "gp3", "10Gi"],
        ]);
        const mounts = s.spec.template.spec.containers[0].volumeMounts.map((m: any) => `${m.name}:${m.mountPath}`);
        expect(mounts).to.include.members(["data:/data", "datalog:/datalog"]);
        expect(configMapOf(r.resources).data["zoo.cfg"]).to.contain("dataLogDir=/datalog\n");
    });

    it("protects the StatefulSet from deletion and replacement unless asked not to", async () => {
        const protectedSts = resources.find((r) => r.type === "kubernetes:apps/v1:StatefulSet")!;
        expect(protectedSts.options?.protect).to.equal(true);
        const r = await deploy({ protectStatefulSet: false });
        expect(r.resources.find((x) => x.type === "kubernetes:apps/v1:StatefulSet")!.options?.protect).to.equal(false);
    });

    it("gives the writable paths bounded scratch volumes under a read-only root, and a heap dump a place", () => {
        const spec = sts.spec.template.spec;
        const mounts = Object.fromEntries(spec.containers[0].volumeMounts.map((m: any) => [m.mountPath, m.name]));
        const volumes = Object.fromEntries(spec.volumes.map((v: any) => [v.name, v]));
        expect(volumes[mounts["/logs"]].emptyDir).to.deep.equal({ sizeLimit: "1Gi" });
        expect(volumes[mounts["/tmp"]].emptyDir).to.deep.equal({ sizeLimit: "1536Mi" });
        const env = Object.fromEntries(spec.containers[0].env.map((e: any) => [e.name, e.value]));
        expect(env.JVMFLAGS).to.contain("-XX:HeapDumpPath=/tmp");
        expect(env.ZOOCFGDIR).to.equal("/conf");
        expect(env.ZOO_LOG_DIR).to.equal("/logs");
    });

    it("gives a member ten minutes to load its snapshot before liveness applies", () => {
        const c = sts.spec.template.spec.containers[0];
        expect(c.startupProbe.periodSeconds * c.startupProbe.failureThreshold).to.be.at.least(600);
        expect(c.livenessProbe.periodSeconds * c.livenessProbe.failureThreshold).to.be.at.least(60);
    });

    it("sets the JVM heap from config and requests/limits from config", async () => {
        const r = await deploy({ jvmHeap: "3Gi", memoryLimit: "4Gi", cpuRequest: "500m", cpuLimit: "2" });
        const c = object(r.resources, "StatefulSet", "zk").spec.template.spec.containers[0];
        const env = Object.fromEntries(c.env.filter((e: any) => e.value !== undefined).map((e: any) => [e.name, e.value]));
        expect(env.JVMFLAGS).to.equal("-Xms3072m -Xmx3072m -XX:HeapDumpPath=/tmp -Djava.security.properties=/conf/java.security -Dzookeeper.db.autocreate=false");
        expect(env.ZK_SERVER_HEAP).to.equal("3072");
        expect(c.resources).to.deep.equal({ requests: { cpu: "500m", memory: "4Gi" }, limits: { memory: "4Gi", cpu: "2" } });
    });

    it("runs non-root with fsGroup, no privilege escalation, all capabilities dropped, read-only root", () => {
        const spec = sts.spec.template.spec;
        expect(spec.securityContext).to.include({ runAsNonRoot: true, runAsUser: 1000, fsGroup: 1000 });
        expect(spec.securityContext.seccompProfile).to.deep.equal({ type: "RuntimeDefault" });
        expect(spec.automountServiceAccountToken).to.equal(false);
        expect(spec.containers[0].securityContext).to.deep.equal({
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            runAsNonRoot: true,
            capabilities: { drop: ["ALL"] },
        });
    });

    it("lands on dedicated ZooKeeper nodes: nodeSelector and tolerations from the same placement as the node groups", async () => {
        const spec = sts.spec.template.spec;
        const placement = dedicatedNodePlacement("zookeeper");
        expect(spec.nodeSelector).to.deep.equal(placement.nodeLabels);
        expect(spec.tolerations).to.deep.equal(tolerationsFor(placement.taints));
        const shared = await deploy({ dedicatedNodes: false, zoneSpread: "preferred" });
        const sharedSpec = object(shared.resources, "StatefulSet", "zk").spec.template.spec;
        expect(sharedSpec.nodeSelector).to.equal(undefined);
        expect(sharedSpec.tolerations).to.equal(undefined);
        expect(sharedSpec.topologySpreadConstraints[0].whenUnsatisfiable).to.equal("ScheduleAnyway");
    });

    it("offers a NodePort Service for clients outside the cluster", async () => {
        const r = await deploy({ clientAccess: "NodePort", clientNodePort: 31181 });
        const svc = object(r.resources, "Service", "zk-external");
        expect(svc.spec.type).to.equal("NodePort");
        expect(svc.spec.ports[0]).to.include({ port: 2181, nodePort: 31181 });
        expect(svc.spec.selector).to.deep.equal(ensembleSelector("zk"));
        expect(await promiseOf(r.result.externalServiceName)).to.equal("zk-external");
    });

    it("offers an internal (never internet-facing) load balancer", async () => {
        const r = await deploy({ clientAccess: "LoadBalancer", loadBalancerSourceRanges: ["10.20.0.0/16"] });
        const svc = object(r.resources, "Service", "zk-external");
        expect(svc.spec.type).to.equal("LoadBalancer");
        expect(svc.metadata.annotations["service.beta.kubernetes.io/aws-load-balancer-scheme"]).to.equal("internal");
        expect(svc.spec.loadBalancerSourceRanges).to.deep.equal(["10.20.0.0/16"]);
        // Client IPs survive the load balancer, so maxClientCnxns still counts per client.
        expect(svc.metadata.annotations["service.beta.kubernetes.io/aws-load-balancer-target-group-attributes"]).to.equal("preserve_client_ip.enabled=true");
    });

    it("creates no external Service by default", async () => {
        expect(objectsOfKind(resources, "Service").map((s) => s.metadata.name)).to.not.include("zk-external");
        expect(await promiseOf(ensemble.externalServiceName)).to.equal("");
    });

    it("outputs connect strings, member ids and the rendered zoo.cfg", async () => {
        expect(await promiseOf(ensemble.clientConnectString)).to.equal("zk-client.zookeeper.svc.cluster.local:2181");
        expect(await promiseOf(ensemble.memberConnectString)).to.equal(
            "zk-1.zookeeper.svc.cluster.local:2181,zk-2.zookeeper.svc.cluster.local:2181,zk-3.zookeeper.svc.cluster.local:2181",
        );
        expect(await promiseOf(ensemble.memberIds)).to.deep.equal([1, 2, 3]);
        expect(await promiseOf(ensemble.zooCfg)).to.equal(configMapOf(resources).data["zoo.cfg"]);
    });

    describe("NetworkPolicy", () => {
        const portsOf = (rule: any) => rule.ports.map((p: any) => p.port);

        it("covers the ensemble's pods and denies every ingress it does not list", () => {
            const np = object(resources, "NetworkPolicy", "zk");
            expect(np.spec.policyTypes).to.deep.equal(["Ingress"]);
            expect(podsOf(sts).every((p) => selects(np.spec.podSelector, p.labels))).to.equal(true);
            expect(np.spec.ingress.map(portsOf)).to.deep.equal([[2888, 3888], [2181], [7000]]);
        });

        it("admits peer ports (where start.sh looks for a leader) only from the members themselves", () => {
            const [peers] = object(resources, "NetworkPolicy", "zk").spec.ingress;
            expect(peers.from).to.have.length(1);
            expect(podsOf(sts).every((p) => selects(peers.from[0].podSelector, p.labels))).to.equal(true);
            expect(peers.from[0].namespaceSelector).to.equal(undefined);
        });

        it("admits the client port from the ensemble's namespace by default, or the configured namespaces, pod labels and CIDRs", async () => {
            expect(object(resources, "NetworkPolicy", "zk").spec.ingress[1].from).to.deep.equal([
                { namespaceSelector: { matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "In", values: ["zookeeper"] }] } },
            ]);
            const r = await deploy({ clientNamespaces: ["payments", "orders"], clientPodLabels: ["dubbo.apache.org/role=provider"], clientCidrs: ["10.20.0.0/16"], peerCidrs: ["10.1.0.0/24"], monitoringNamespace: "observability" });
            const [peers, clients, metrics] = object(r.resources, "NetworkPolicy", "zk").spec.ingress;
            expect(clients.from).to.deep.equal([
                {
                    namespaceSelector: { matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "In", values: ["orders", "payments"] }] },
                    podSelector: { matchLabels: { "dubbo.apache.org/role": "provider" } },
                },
                { ipBlock: { cidr: "10.20.0.0/16" } },
            ]);
            expect(peers.from[1]).to.deep.equal({ ipBlock: { cidr: "10.1.0.0/24" } });
            expect(metrics.from).to.deep.equal([{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "observability" } } }]);
            await validateKubeObject(object(r.resources, "NetworkPolicy", "zk"));
        });

        it("can be turned off", async () => {
            const r = await deploy({ networkPolicy: false });
            expect(objectsOfKind(r.resources, "NetworkPolicy")).to.deep.equal([]);
        });

        it("refuses a peer that can select nothing", async () => {
            let thrown: unknown;
            await register(() => {
                try {
                    new ZooKeeperEnsemble("zk", { namespace: "zookeeper", clientNamespaces: ["Orders"], clientPodLabels: ["app=a", "app=b", "bad key=x"] });
                } catch (err) {
                    thrown = err;
                }
            });
            expect((thrown as pulumi.InputPropertiesError).errors.map((e) => `${e.propertyPath}: ${e.reason}`)).to.deep.equal([
                'clientNamespaces: ["Orders"] can select no namespace (not namespace names); allowed: names such as "orders"',
                'clientPodLabels: "app" is given two values, which no pod can carry at once; allowed: one value per key',
                'clientPodLabels: "bad key=x" can select no pod (not a valid label); allowed: label keys and values Kubernetes accepts',
            ]);
        });
    });

    it("takes members on hosts as \"myid=address\" strings or as {id, address} objects, with the same result", async () => {
        const strings = await deploy({ hostMembers: ["2=10.1.0.12", "3=10.1.0.13"] });
        const objects = await deploy({ hosts: [{ id: 3, address: "10.1.0.13" }, { id: 2, address: "10.1.0.12" }] });
        const inputs = (r: typeof strings) => r.resources.map((x) => [x.urn, x.inputs]);
        expect(inputs(objects)).to.deep.equal(inputs(strings));
        expect(objectsOfKind(objects.resources, "EndpointSlice").map((e: any) => e.endpoints.map((p: any) => p.addresses))).to.deep.equal([
            [["10.1.0.12"]],
            [["10.1.0.13"]],
        ]);
    });

    it("names the arg the caller wrote when members on hosts are refused", async () => {
        const cases: [Partial<ZooKeeperEnsembleArgs>, string][] = [
            [{ hostMembers: ["2=10.1.0.12", "3=10.1.0.12"] }, "hostMembers"],
            [{ hosts: [{ id: 2, address: "10.1.0.12" }, { id: 3, address: "10.1.0.12" }] }, "hosts"],
        ];
        for (const [args, key] of cases) {
            let thrown: unknown;
            await register(() => {
                try {
                    new ZooKeeperEnsemble("zk", { namespace: "zookeeper", ...args });
                } catch (err) {
                    thrown = err;
                }
            });
            expect((thrown as pulumi.InputPropertiesError).errors.map((e) => `${e.propertyPath}: ${e.reason}`)).to.deep.equal([
                `${key}: "10.1.0.12" is given to myids 2 and 3; allowed: one member per host address (every member listens on the same client and peer ports)`,
            ]);
        }
    });

    it("refuses bad args with Pulumi's input-property errors before registering anything", async () => {
        let thrown: unknown;
        const r = await register(() => {
            try {
                new ZooKeeperEnsemble("zk", { namespace: "zookeeper", replicas: 2, zookeeperVersion: "3.4.14", adminServer: true });
            } catch (err) {
                thrown = err;
            }
        });
        expect(r.resources).to.deep.equal([]);
        expect(pulumi.InputPropertiesError.isInstance(thrown)).to.equal(true);
        const errors = (thrown as pulumi.InputPropertiesError).errors.map((e) => e.propertyPath);
        expect(errors).to.deep.equal(["replicas", "adminServer"]);
    });
});
