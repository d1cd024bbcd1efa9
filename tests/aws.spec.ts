import { expect } from "chai";
import { cniConfigurationValues, securityGroupRules } from "../components/aws/render";
import * as fc from "fast-check";
import { canTrunkEnis, resolveNetworkSettings, resolveNodeGroupSettings } from "../components/aws/settings";
import { ZooKeeperConfigError } from "../components/shared/errors";
import { cidrContains, coversEveryAddress, parseCidr } from "../components/shared/net";
import { Plan, PlannedResource } from "../tools/plan";
import { validateKubeObject } from "./support/kube";
import { ofType, planErrors, planWith } from "./support/stacks";

const T = {
    nodeGroup: "aws:eks/nodeGroup:NodeGroup",
    launchTemplate: "aws:ec2/launchTemplate:LaunchTemplate",
    role: "aws:iam/role:Role",
    attachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    addon: "aws:eks/addon:Addon",
    sg: "aws:ec2/securityGroup:SecurityGroup",
    ingress: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    egress: "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
    statefulSet: "kubernetes:apps/v1:StatefulSet",
};

/** Rules as "direction port peer" lines, peer being a CIDR, a group id, or "self"/"zookeeper" for the ZooKeeper group. */
function ruleLines(plan: Plan): string[] {
    const sgId = `${ofType(plan, T.sg)[0].name}-offline-id`;
    const peerOf = (i: any) => (i.cidrIpv4 ? i.cidrIpv4 : i.referencedSecurityGroupId === sgId ? "zookeeper" : i.referencedSecurityGroupId);
    return [...ofType(plan, T.ingress).map((r) => ["ingress", r.inputs]), ...ofType(plan, T.egress).map((r) => ["egress", r.inputs])]
        .map(([dir, i]: any) => {
            const on = i.securityGroupId === sgId ? "zookeeper" : i.securityGroupId;
            expect(i.ipProtocol).to.equal("tcp");
            expect(i.fromPort, "single port per rule").to.equal(i.toPort);
            return `${on} ${dir} ${i.fromPort} ${peerOf(i)}`;
        })
        .sort();
}

/** The issue lines resolveNetworkSettings refuses `args` with. */
function networkIssues(args: Record<string, unknown>): string[] {
    return issueLines(() => resolveNetworkSettings(args as never, []));
}

/** The issue lines resolveNodeGroupSettings refuses `args` with. */
function issuesOfNodeGroups(args: Record<string, unknown>): string[] {
    return issueLines(() => resolveNodeGroupSettings(args as never));
}

function issueLines(resolve: () => unknown): string[] {
    try {
        resolve();
    } catch (err) {
        expect(ZooKeeperConfigError.isInstance(err), String(err)).to.equal(true);
        return (err as Error).message.split("\n");
    }
    throw new Error("expected the args to be refused");
}

describe("node groups and pod networking (pure-k8s stack on the mock engine)", () => {
    let plan: Plan;
    before(async () => {
        plan = await planWith("pure-k8s", {});
    });

    describe("node groups", () => {
        it("creates one managed node group per zone, each with only that zone's subnet", () => {
            const groups = ofType(plan, T.nodeGroup).map((g) => [g.name, (g.inputs as any).subnetIds]);
            expect(groups).to.deep.equal([
                ["nodes-eu-west-1a", ["subnet-0a1a1a1a1a1a1a1a1"]],
                ["nodes-eu-west-1b", ["subnet-0b2b2b2b2b2b2b2b2"]],
                ["nodes-eu-west-1c", ["subnet-0c3c3c3c3c3c3c3c3"]],
            ]);
        });

        it("gives several subnets of one zone to that zone's group only", async () => {
            const p = await planWith("pure-k8s", {
                zoneSubnets: ["eu-west-1a=subnet-0a1a1a1a1a1a1a1a1", "eu-west-1b=subnet-0b2b2b2b2b2b2b2b2", "eu-west-1c=subnet-0c3c3c3c3c3c3c3c3", "eu-west-1a=subnet-0a9a9a9a9a9a9a9a9"],
            });
            expect((ofType(p, T.nodeGroup)[0].inputs as any).subnetIds).to.deep.equal(["subnet-0a1a1a1a1a1a1a1a1", "subnet-0a9a9a9a9a9a9a9a9"]);
            expect((ofType(p, T.nodeGroup)[1].inputs as any).subnetIds).to.deep.equal(["subnet-0b2b2b2b2b2b2b2b2"]);
        });

        it("is ON_DEMAND, sized from config, updated one node at a time", () => {
            for (const g of ofType(plan, T.nodeGroup)) {
                const i = g.inputs as any;
                expect(i.capacityType).to.equal("ON_DEMAND");
                expect(i.instanceTypes).to.deep.equal(["m6i.large"]);
                expect(i.scalingConfig).to.deep.equal({ minSize: 1, desiredSize: 1, maxSize: 2 });
                expect(i.updateConfig).to.deep.equal({ maxUnavailable: 1 });
                expect(i.clusterName).to.equal("platform-prod");
            }
        });

        it("labels and taints the nodes exactly as the ensemble's nodeSelector and tolerations expect", () => {
            const pod = (ofType(plan, T.statefulSet)[0].inputs as any).spec.template.spec;
            for (const g of ofType(plan, T.nodeGroup)) {
                const i = g.inputs as any;
                expect(i.labels).to.deep.equal(pod.nodeSelector);
                expect(i.taints).to.have.length(pod.tolerations.length);
                for (const taint of i.taints) {
                    const effect = { NO_SCHEDULE: "NoSchedule", NO_EXECUTE: "NoExecute", PREFER_NO_SCHEDULE: "PreferNoSchedule" }[taint.effect as string];
                    const tolerated = pod.tolerations.some(
                        (t: any) => t.key === taint.key && t.effect === effect && (t.operator === "Exists" || t.value === taint.value),
                    );
                    expect(tolerated, JSON.stringify(taint)).to.equal(true);
                }
            }
        });

        it("follows a changed node role on both sides", async () => {
            const p = await planWith("pure-k8s", { nodeRole: "registry" });
            const pod = (ofType(p, T.statefulSet)[0].inputs as any).spec.template.spec;
            expect(pod.nodeSelector).to.deep.equal({ "zookeeper-cutover/node-role": "registry" });
            expect((ofType(p, T.nodeGroup)[0].inputs as any).labels).to.deep.equal({ "zookeeper-cutover/node-role": "registry" });
            expect((ofType(p, T.nodeGroup)[0].inputs as any).taints[0].value).to.equal("registry");
        });

        it("launches nodes from a template requiring IMDSv2 with hop limit 1 and an encrypted root volume", () => {
            const [lt] = ofType(plan, T.launchTemplate);
            const i = lt.inputs as any;
            expect(i.metadataOptions).to.deep.include({ httpTokens: "required", httpPutResponseHopLimit: 1, httpEndpoint: "enabled" });
            expect(i.blockDeviceMappings[0].ebs).to.deep.include({ encrypted: "true", volumeType: "gp3", volumeSize: 50 });
            expect(i.tagSpecifications.map((t: any) => t.resourceType)).to.deep.equal(["instance", "volume", "network-interface"]);
            for (const g of ofType(plan, T.nodeGroup)) {
                expect((g.inputs as any).launchTemplate).to.deep.equal({ id: `${lt.name}-offline-id`, version: "1" });
            }
        });

        it("gives the node role only the managed policies nodes need; the CNI policy goes to the CNI's own role", () => {
            const attachments = ofType(plan, T.attachment).map((a) => [(a.inputs as any).role, (a.inputs as any).policyArn]);
            const nodeRole = ofType(plan, T.role).find((r) => r.name === "nodes-node-role")!;
            const cniRole = ofType(plan, T.role).find((r) => r.name === "networking-cni-role")!;
            // The mock engine resolves role.name to the role's logical name only through its inputs; match by policy.
            const policies = attachments.map(([, arn]) => arn).sort();
            expect(policies).to.deep.equal([
                "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
                "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
                "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",
            ]);
            const byName = Object.fromEntries(ofType(plan, T.attachment).map((a) => [a.name, (a.inputs as any).policyArn]));
            expect(byName["networking-cni-policy"]).to.equal("arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy");
            expect(Object.entries(byName).filter(([n]) => n.startsWith("nodes-")).map(([, arn]) => arn)).to.not.include(
                "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",
            );
            expect(JSON.parse((nodeRole.inputs as any).assumeRolePolicy).Statement[0].Principal).to.deep.equal({ Service: "ec2.amazonaws.com" });
            expect(cniRole).to.not.equal(undefined);
        });
    });

    describe("vpc-cni add-on", () => {
        it("runs with the CNI role and configurationValues that parse as JSON with exactly the env asked for", async () => {
            const [addon] = ofType(plan, T.addon);
            const i = addon.inputs as any;
            expect(i.addonName).to.equal("vpc-cni");
            expect(i.serviceAccountRoleArn).to.equal("arn:aws:iam::000000000000:networking-cni-role");
            expect(JSON.parse(i.configurationValues)).to.deep.equal({
                env: { ENABLE_POD_ENI: "true" },
                enableNetworkPolicy: "true",
                init: { env: { DISABLE_TCP_EARLY_DEMUX: "true" } },
            });

            const p = await planWith("pure-k8s", {
                podSecurityGroups: false,
                cniExternalSnat: true,
                cniPrefixDelegation: true,
                cniWarmIpTarget: 5,
                cniMinimumIpTarget: 10,
            });
            expect(JSON.parse((ofType(p, T.addon)[0].inputs as any).configurationValues)).to.deep.equal({
                env: { AWS_VPC_K8S_CNI_EXTERNALSNAT: "true", ENABLE_PREFIX_DELEGATION: "true", WARM_IP_TARGET: "5", MINIMUM_IP_TARGET: "10" },
                enableNetworkPolicy: "true",
            });
            // The NetworkPolicy's enforcement follows networkPolicy.
            const off = await planWith("pure-k8s", { networkPolicy: false });
            expect(JSON.parse((ofType(off, T.addon)[0].inputs as any).configurationValues)).to.not.have.property("enableNetworkPolicy");
        });

        it("asks for no env at all when no option is set", () => {
            const s = resolveNetworkSettings({}, ["m6i.large"]);
            expect(JSON.parse(cniConfigurationValues(s))).to.deep.equal({ env: {} });
        });

        it("trusts only kube-system/aws-node through the cluster's OIDC issuer", () => {
            const cniRole = ofType(plan, T.role).find((r) => r.name === "networking-cni-role")!;
            const statement = JSON.parse((cniRole.inputs as any).assumeRolePolicy).Statement;
            expect(statement).to.have.length(1);
            expect(statement[0].Principal).to.deep.equal({
                Federated: "arn:aws:iam::000000000000:oidc-provider/oidc.eks.offline-plan.invalid/id/platform-prod",
            });
            expect(statement[0].Action).to.equal("sts:AssumeRoleWithWebIdentity");
            expect(statement[0].Condition).to.deep.equal({
                StringEquals: {
                    "oidc.eks.offline-plan.invalid/id/platform-prod:sub": "system:serviceaccount:kube-system:aws-node",
                    "oidc.eks.offline-plan.invalid/id/platform-prod:aud": "sts.amazonaws.com",
                },
            });
        });
    });

    describe("security group rules", () => {
        it("let members reach each other and clients reach 2181 only, nothing wider", () => {
            expect(ruleLines(plan)).to.deep.equal([
                "zookeeper egress 2181 zookeeper",
                "zookeeper egress 2888 zookeeper",
                "zookeeper egress 3888 zookeeper",
                "zookeeper ingress 2181 10.20.0.0/16",
                "zookeeper ingress 2181 zookeeper",
                "zookeeper ingress 2888 zookeeper",
                "zookeeper ingress 3888 zookeeper",
            ]);
        });

        it("let legacy hosts (CIDRs and security groups) and pods reach each other on 2181, 2888 and 3888 both ways", async () => {
            const p = await planWith("old-host", {
                legacyHostSecurityGroups: ["sg-0123456789abcdef0"],
                clientSecurityGroups: ["sg-0fedcba9876543210"],
            });
            const lines = ruleLines(p);
            for (const port of [2181, 2888, 3888]) {
                for (const peer of ["10.1.0.0/24", "sg-0123456789abcdef0"]) {
                    expect(lines).to.include(`zookeeper ingress ${port} ${peer}`);
                    expect(lines).to.include(`zookeeper egress ${port} ${peer}`);
                }
                // The legacy hosts' own group accepts the pods.
                expect(lines).to.include(`sg-0123456789abcdef0 ingress ${port} zookeeper`);
            }
            expect(lines).to.include("zookeeper ingress 2181 sg-0fedcba9876543210");
            expect(lines.filter((l) => l.includes("sg-0fedcba9876543210"))).to.deep.equal(["zookeeper ingress 2181 sg-0fedcba9876543210"]);
            expect(lines.every((l) => /\s(2181|2888|3888)\s/.test(l))).to.equal(true);
            expect(lines.some((l) => l.includes("0.0.0.0/0"))).to.equal(false);
            expect(lines).to.have.length(6 + 6 + 6 + 3 + 1 + 1);
        });

        it("client rules never open the peer ports (pure renderer)", () => {
            const rules = securityGroupRules(resolveNetworkSettings({ clientCidrs: ["10.9.0.0/16", "10.8.0.0/16"] }, []));
            const clientRules = rules.filter((r) => "cidr" in r.peer);
            expect(clientRules.map((r) => `${r.direction} ${r.port}`)).to.deep.equal(["ingress 2181", "ingress 2181"]);
        });
    });

    describe("pod security groups and storage", () => {
        it("gives the ensemble's pods the ZooKeeper and cluster security groups through a SecurityGroupPolicy", () => {
            const [sgp] = ofType(plan, "kubernetes:vpcresources.k8s.aws/v1beta1:SecurityGroupPolicy");
            const i = sgp.inputs as any;
            const podLabels = (ofType(plan, T.statefulSet)[0].inputs as any).spec.template.metadata.labels;
            for (const [k, v] of Object.entries(i.spec.podSelector.matchLabels)) {
                expect(podLabels[k], k).to.equal(v);
            }
            expect(i.metadata.namespace).to.equal("zookeeper");
            expect(i.spec.securityGroups.groupIds).to.deep.equal(["networking-zookeeper-offline-id", "sg-00000000offline"]);
        });

        it("attaches the ZooKeeper group to the nodes only when pods do not get their own", async () => {
            expect((ofType(plan, T.launchTemplate)[0].inputs as any).vpcSecurityGroupIds).to.deep.equal(["sg-00000000offline"]);
            const p = await planWith("pure-k8s", { podSecurityGroups: false });
            expect((ofType(p, T.launchTemplate)[0].inputs as any).vpcSecurityGroupIds).to.deep.equal(["sg-00000000offline", "networking-zookeeper-offline-id"]);
            expect(ofType(p, "kubernetes:vpcresources.k8s.aws/v1beta1:SecurityGroupPolicy")).to.deep.equal([]);
        });

        it("creates an encrypted gp3 StorageClass bound where the pod lands, retained, expandable, and the ensemble uses it", async () => {
            const [sc] = ofType(plan, "kubernetes:storage.k8s.io/v1:StorageClass");
            const i = sc.inputs as any;
            await validateKubeObject(i);
            expect(i).to.deep.include({ provisioner: "ebs.csi.aws.com", volumeBindingMode: "WaitForFirstConsumer", reclaimPolicy: "Retain", allowVolumeExpansion: true });
            expect(i.parameters).to.deep.include({ type: "gp3", encrypted: "true" });
            const claims = (ofType(plan, T.statefulSet)[0].inputs as any).spec.volumeClaimTemplates;
            expect(claims.map((c: any) => c.spec.storageClassName)).to.deep.equal([i.metadata.name, i.metadata.name]);
        });
    });

    it("tags every taggable AWS resource with the stack's tags", () => {
        const aws = plan.resources.filter((r: PlannedResource) => r.custom && r.type.startsWith("aws:"));
        const untaggable = ["aws:iam/rolePolicyAttachment:RolePolicyAttachment"];
        expect(aws.length).to.be.above(10);
        for (const r of aws.filter((x) => !untaggable.includes(x.type))) {
            expect((r.inputs as any).tags, r.urn).to.deep.include({
                team: "platform",
                environment: "prod",
                "zookeeper-cutover/project": "zookeeper-cutover",
                "zookeeper-cutover/stack": "pure-k8s",
            });
        }
        for (const spec of (ofType(plan, T.launchTemplate)[0].inputs as any).tagSpecifications) {
            expect(spec.tags["zookeeper-cutover/stack"]).to.equal("pure-k8s");
        }
    });

    describe("bad input is refused before anything is created, one line naming the key", () => {
        it("fewer zones than members when zone spread is required", async () => {
            expect(await planErrors("pure-k8s", { replicas: 5 })).to.deep.equal([
                'zookeeper-cutover:zones: 3 zones for 5 members; with zoneSpread "required" every member needs its own zone; allowed: at least 5 zones, or zoneSpread "preferred"',
            ]);
        });

        it("a subnet given for an unknown zone", async () => {
            expect(
                await planErrors("pure-k8s", {
                    zoneSubnets: ["eu-west-1a=subnet-0a1a1a1a1a1a1a1a1", "eu-west-1b=subnet-0b2b2b2b2b2b2b2b2", "eu-west-1c=subnet-0c3c3c3c3c3c3c3c3", "eu-west-1d=subnet-0d4d4d4d4d4d4d4d4"],
                }),
            ).to.deep.equal([
                'zookeeper-cutover:zoneSubnets: "eu-west-1d=subnet-0d4d4d4d4d4d4d4d4" names zone eu-west-1d, which is not in zones (eu-west-1a, eu-west-1b, eu-west-1c); allowed: subnets of the listed zones only',
            ]);
        });

        it("a zone without a subnet", async () => {
            expect(await planErrors("pure-k8s", { zoneSubnets: ["eu-west-1a=subnet-0a1a1a1a1a1a1a1a1", "eu-west-1b=subnet-0b2b2b2b2b2b2b2b2"] })).to.deep.equal([
                'zookeeper-cutover:zoneSubnets: no subnet for eu-west-1c; allowed: at least one "zone=subnet-id" per zone in zones',
            ]);
        });

        it("min > desired > max sizes", async () => {
            expect(await planErrors("pure-k8s", { nodeMinSize: 3, nodeDesiredSize: 2, nodeMaxSize: 1 })).to.deep.equal([
                "zookeeper-cutover:nodeDesiredSize: min 3, desired 2, max 1 are out of order; allowed: nodeMinSize <= nodeDesiredSize <= nodeMaxSize, nodeMaxSize at least 1",
            ]);
        });

        it("pod security groups with an instance type that cannot trunk", async () => {
            expect(await planErrors("pure-k8s", { nodeInstanceTypes: ["t3.large"] })).to.deep.equal([
                "zookeeper-cutover:podSecurityGroups: true needs instance types that can trunk ENIs, but nodeInstanceTypes has t3.large; allowed: Nitro types outside the t family (e.g. m6i.large), or podSecurityGroups false",
            ]);
            expect(canTrunkEnis("m6i.large")).to.equal(true);
            expect(canTrunkEnis("t4g.medium")).to.equal(false);
            expect(canTrunkEnis("m4.large")).to.equal(false);
        });

        it("a CIDR that does not parse", async () => {
            expect(await planErrors("pure-k8s", { legacyHostCidrs: ["10.1.0.0/24", "10.300.0.0/16"] })).to.deep.equal([
                'zookeeper-cutover:legacyHostCidrs: ["10.300.0.0/16"] not IPv4 CIDRs; allowed: CIDRs such as "10.1.0.0/16"',
            ]);
            expect(await planErrors("pure-k8s", { clientCidrs: ["0.0.0.0/0"] })).to.deep.equal([
                'zookeeper-cutover:clientCidrs: ["0.0.0.0/0"] opens ZooKeeper to every address; allowed: the networks that need it, e.g. "10.1.0.0/16"',
            ]);
        });

        it("a legacy host address outside every given CIDR", async () => {
            expect(await planErrors("pure-k8s", { legacyHosts: ["1=10.1.0.11", "2=10.2.0.12"], legacyHostCidrs: ["10.1.0.0/24"] })).to.deep.equal([
                'zookeeper-cutover:legacyHosts: "10.2.0.12" (myid 2) is outside every legacyHostCidrs entry (10.1.0.0/24); allowed: addresses inside them, or add its network to legacyHostCidrs',
            ]);
            expect(cidrContains("10.1.0.0/24", "10.1.0.255")).to.equal(true);
            expect(cidrContains("10.1.0.0/24", "10.1.1.0")).to.equal(false);
        });

        it("a loopback or link-local legacy host address", async () => {
            expect(await planErrors("pure-k8s", { legacyHosts: ["1=127.0.0.1", "2=169.254.10.1"], legacyHostSecurityGroups: ["sg-0123456789abcdef0"] })).to.deep.equal([
                'zookeeper-cutover:legacyHosts: "127.0.0.1" (myid 1) is a loopback address; allowed: the host\'s routable IPv4 address',
                'zookeeper-cutover:legacyHosts: "169.254.10.1" (myid 2) is a link-local address; allowed: the host\'s routable IPv4 address',
            ]);
        });

        it("two legacy hosts on one address, and a CIDR's network or broadcast address", async () => {
            expect(
                await planErrors("pure-k8s", { legacyHosts: ["1=10.1.0.11", "2=10.1.0.11", "3=10.1.0.255", "4=10.1.0.0"], legacyHostCidrs: ["10.1.0.0/24"] }),
            ).to.deep.equal([
                'zookeeper-cutover:legacyHosts: "10.1.0.11" is given to myids 1 and 2; allowed: one member per host address (every member listens on the same client and peer ports)',
                'zookeeper-cutover:legacyHosts: "10.1.0.255" (myid 3) is the broadcast address of legacyHostCidrs entry 10.1.0.0/24; allowed: the host\'s own address inside it',
                'zookeeper-cutover:legacyHosts: "10.1.0.0" (myid 4) is the network address of legacyHostCidrs entry 10.1.0.0/24; allowed: the host\'s own address inside it',
            ]);
        });

        it("unusable legacy host addresses and ids given twice", () => {
            expect(networkIssues({ legacyHosts: ["1=255.255.255.255", "2=0.0.0.0", "2=10.1.0.12", "3=010.1.0.13"], legacyHostCidrs: ["10.1.0.0/24"] })).to.deep.equal([
                'legacyHosts: "255.255.255.255" (myid 1) is reserved or broadcast; allowed: the host\'s routable IPv4 address',
                'legacyHosts: "0.0.0.0" (myid 2) is in 0.0.0.0/8 (unspecified); allowed: the host\'s routable IPv4 address',
                'legacyHosts: "010.1.0.13" (myid 3) has a leading zero (did you mean "10.1.0.13"?); allowed: the host\'s routable IPv4 address',
            ]);
            expect(networkIssues({ legacyHosts: ["1=10.1.0.11", "1=10.1.0.12"], legacyHostCidrs: ["10.1.0.0/24"] })).to.deep.equal([
                "legacyHosts: myid 1 is listed more than once; allowed: each myid once",
            ]);
        });

        it("client CIDRs that together cover every address, like 0.0.0.0/0 alone", async () => {
            expect(await planErrors("pure-k8s", { clientCidrs: ["0.0.0.0/1", "128.0.0.0/1"] })).to.deep.equal([
                'zookeeper-cutover:clientCidrs: ["0.0.0.0/1","128.0.0.0/1"] together open ZooKeeper to every address; allowed: the networks that need it, e.g. "10.1.0.0/16"',
            ]);
            expect(await planErrors("pure-k8s", { loadBalancerSourceRanges: ["0.0.0.0/0"] })).to.deep.equal([
                'zookeeper-cutover:loadBalancerSourceRanges: ["0.0.0.0/0"] opens ZooKeeper to every address; allowed: the networks that need it, e.g. "10.1.0.0/16"',
            ]);
        });

        it("CIDR coverage is the union of the ranges (property, against every /4 block)", () => {
            // With prefixes of at most 4, every address is covered exactly when each of the 16 /4 blocks is.
            const cidr = fc.tuple(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 15 })).map(([prefix, block]) => {
                const first = (block >> (4 - prefix)) << (4 - prefix);
                return `${first * 16}.0.0.0/${prefix}`;
            });
            fc.assert(
                fc.property(fc.array(cidr, { maxLength: 12 }), (cidrs) => {
                    const blocks = Array.from({ length: 16 }, (_, b) => `${b * 16}.0.0.0`);
                    const model = blocks.every((address) => cidrs.some((c) => cidrContains(c, address) && parseCidr(c)!.prefix <= 4));
                    expect(coversEveryAddress(cidrs), JSON.stringify(cidrs)).to.equal(model);
                }),
            );
            expect(coversEveryAddress(["0.0.0.0/1", "128.0.0.0/2", "192.0.0.0/3", "224.0.0.0/4", "240.0.0.0/5", "248.0.0.0/5"])).to.equal(true);
            expect(coversEveryAddress(["0.0.0.0/1", "128.0.0.0/2", "192.0.0.0/3", "224.0.0.0/4", "240.0.0.0/5", "248.0.0.0/6"])).to.equal(false);
            expect(coversEveryAddress(["255.255.255.255/32", "0.0.0.0/1", "128.0.0.0/1"])).to.equal(true);
        });

        it("tag keys given twice", async () => {
            expect(await planErrors("pure-k8s", { tags: ["team=a", "environment=prod", "team=b"] })).to.deep.equal([
                'zookeeper-cutover:tags: "team" is given more than once ("team=a", "team=b"); allowed: each tag key once',
            ]);
        });

        it("values of the wrong type given to the components directly, each naming its key", () => {
            expect(networkIssues({ legacyHosts: "1=10.1.0.11", cniWarmIpTarget: "5", podSecurityGroups: "yes" })).to.deep.equal([
                'legacyHosts: "1=10.1.0.11" has the wrong type; allowed: a list of strings',
                'podSecurityGroups: "yes" has the wrong type; allowed: true or false',
                'cniWarmIpTarget: "5" has the wrong type; allowed: a whole number',
            ]);
            expect(issuesOfNodeGroups({ zones: "eu-west-1a", zoneSubnets: [], nodeDiskSize: "50", nodeRole: { a: 1 } })).to.deep.equal([
                'zones: "eu-west-1a" has the wrong type; allowed: a list of strings',
                'nodeDiskSize: "50" has the wrong type; allowed: a whole number',
                'nodeRole: {"a":1} has the wrong type; allowed: a string',
            ]);
        });

        it("legacy hosts without any network rule source", async () => {
            expect(await planErrors("pure-k8s", { legacyHosts: ["1=10.1.0.11"] })).to.deep.equal([
                "zookeeper-cutover:legacyHostCidrs: is empty, but legacyHosts are given; allowed: the hosts' CIDRs (or set legacyHostSecurityGroups) so pods and hosts can reach each other",
            ]);
        });

        it("too few nodes for one member per node", async () => {
            expect(await planErrors("pure-k8s", { zones: ["eu-west-1a"], zoneSubnets: ["eu-west-1a=subnet-0a1a1a1a1a1a1a1a1"], zoneSpread: "preferred" })).to.deep.equal([
                "zookeeper-cutover:nodeMaxSize: 2 nodes per zone in 1 zones is 2 nodes for 3 members, each needing its own node; allowed: nodeMaxSize of at least 3",
            ]);
        });
    });
});
