/**
 * Pure renderings of the AWS side: node-group specs, launch template, IAM
 * policies, vpc-cni configuration values, security group rules, StorageClass.
 */
import type { IStorageClass } from "kubernetes-models/storage.k8s.io/v1/StorageClass";
import { dedicatedNodePlacement, ensembleSelector, MANAGED_BY } from "../shared/labels";
import { kube, KubeObject } from "../shared/kube";
import { MEMBER_PORTS, objectNames, PORTS } from "../shared/zookeeper";
import { NetworkSettings, NodeGroupSettings } from "./settings";

export type Tags = Record<string, string>;

/** Tags every AWS resource of a stack carries: the user's tags plus the project and stack. */
export function stackTags(stack: string, userTags: Tags = {}): Tags {
    return { ...userTags, "zookeeper-cutover/project": "zookeeper-cutover", "zookeeper-cutover/stack": stack };
}

export interface NodeGroupSpec {
    zone: string;
    subnetIds: string[];
    labels: Record<string, string>;
    taints: { key: string; value: string; effect: "NO_SCHEDULE" }[];
    scalingConfig: { minSize: number; desiredSize: number; maxSize: number };
    updateConfig: { maxUnavailable: number };
    capacityType: string;
    instanceTypes: string[];
    amiType: string;
}

/** Name of the node group of one zone: the cluster, the nodes' role and the zone, at most 63 characters. */
export function nodeGroupName(clusterName: string, nodeRole: string, zone: string): string {
    return `${clusterName}-${nodeRole}-${zone}`.slice(0, 63);
}

/** One managed node group per zone, each with only that zone's subnets, labelled and tainted from the shared placement. */
export function nodeGroupSpecs(s: NodeGroupSettings): NodeGroupSpec[] {
    const placement = dedicatedNodePlacement(s.nodeRole);
    return s.zones.map((zone) => ({
        zone,
        subnetIds: [...s.subnetsByZone[zone]],
        labels: { ...placement.nodeLabels },
        taints: placement.taints.map((t) => ({ key: t.key, value: t.value, effect: "NO_SCHEDULE" as const })),
        scalingConfig: { minSize: s.minSize, desiredSize: s.desiredSize, maxSize: s.maxSize },
        updateConfig: { maxUnavailable: 1 },
        capacityType: s.capacityType,
        instanceTypes: [...s.instanceTypes],
        amiType: s.amiType,
    }));
}

/**
 * Launch template inputs: IMDSv2 required with a hop limit of 1 (a pod's
 * extra network hop cannot reach the node's credentials), an encrypted gp3
 * root volume, tags on instances, volumes and network interfaces.
 */
export function launchTemplateSpec(s: NodeGroupSettings, tags: Tags) {
    return {
        metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1, instanceMetadataTags: "disabled" },
        blockDeviceMappings: [
            {
                deviceName: s.amiType.startsWith("BOTTLEROCKET") ? "/dev/xvdb" : "/dev/xvda",
                ebs: { volumeSize: s.diskSize, volumeType: "gp3", encrypted: "true", deleteOnTermination: "true" },
            },
        ],
        tagSpecifications: ["instance", "volume", "network-interface"].map((resourceType) => ({ resourceType, tags: { ...tags } })),
        tags: { ...tags },
    };
}

/** The managed policies worker nodes need; the CNI policy is deliberately not here (it goes to aws-node's own role). */
export function nodePolicyArns(partition = "aws"): string[] {
    return [`arn:${partition}:iam::aws:policy/AmazonEKSWorkerNodePolicy`, `arn:${partition}:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly`];
}

export function cniPolicyArn(partition = "aws"): string {
    return `arn:${partition}:iam::aws:policy/AmazonEKS_CNI_Policy`;
}

export function ec2AssumeRolePolicy(): string {
    return JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
    });
}

/** IRSA trust: only the given service account, through the cluster's OIDC provider. */
export function irsaTrustPolicy(oidcProviderArn: string, issuerUrl: string, namespace: string, serviceAccount: string): string {
    const issuer = issuerUrl.replace(/^https:\/\//, "");
    return JSON.stringify({
        Version: "2012-10-17",
        Statement: [
            {
                Effect: "Allow",
                Principal: { Federated: oidcProviderArn },
                Action: "sts:AssumeRoleWithWebIdentity",
                Condition: {
                    StringEquals: {
                        [`${issuer}:sub`]: `system:serviceaccount:${namespace}:${serviceAccount}`,
                        [`${issuer}:aud`]: "sts.amazonaws.com",
                    },
                },
            },
        ],
    });
}

/** vpc-cni add-on configurationValues: exactly the env the options ask for. */
export function cniConfigurationValues(s: NetworkSettings): string {
    const env: Record<string, string> = {};
    if (s.cniExternalSnat) {
        env.AWS_VPC_K8S_CNI_EXTERNALSNAT = "true";
    }
    if (s.cniPrefixDelegation) {
        env.ENABLE_PREFIX_DELEGATION = "true";
    }
    if (s.cniWarmIpTarget > 0) {
        env.WARM_IP_TARGET = String(s.cniWarmIpTarget);
    }
    if (s.cniMinimumIpTarget > 0) {
        env.MINIMUM_IP_TARGET = String(s.cniMinimumIpTarget);
    }
    if (s.podSecurityGroups) {
        env.ENABLE_POD_ENI = "true";
    }
    const values: Record<string, unknown> = { env };
    if (s.enforceNetworkPolicies) {
        // The VPC CNI's network policy agent (1.14+) is what enforces NetworkPolicy objects on EKS.
        values.enableNetworkPolicy = "true";
    }
    if (s.podSecurityGroups) {
        // Security groups for pods: kubelet probes over TCP need early demux off.
        values.init = { env: { DISABLE_TCP_EARLY_DEMUX: "true" } };
    }
    return JSON.stringify(values);
}

/** The other side of a rule: a CIDR, another security group, or the ZooKeeper group itself. */
export type RulePeer = { cidr: string } | { securityGroup: string } | { self: true };

export interface SecurityGroupRuleSpec {
    /** Logical name suffix, unique and stable. */
    name: string;
    /** Which group the rule is on: the ZooKeeper group, or a legacy host's group (`peer`). */
    on: "zookeeper" | "peer";
    direction: "ingress" | "egress";
    port: number;
    peer: RulePeer;
    description: string;
}

function peerName(p: RulePeer): string {
    if ("cidr" in p) return p.cidr.replace(/[./]/g, "-");
    if ("securityGroup" in p) return p.securityGroup;
    return "self";
}

/**
 * Rules of the ZooKeeper security group: members reach each other, legacy
 * hosts and members reach each other on 2181/2888/3888 both ways (with the
 * matching rules on the hosts' own groups), clients reach 2181 only. Single
 * ports, no wider ranges, no open CIDR.
 */
export function securityGroupRules(s: NetworkSettings): SecurityGroupRuleSpec[] {
    const rules: SecurityGroupRuleSpec[] = [];
    const add = (on: SecurityGroupRuleSpec["on"], direction: SecurityGroupRuleSpec["direction"], port: number, peer: RulePeer, description: string) =>
        rules.push({ name: `${on === "peer" ? "host-" : ""}${direction}-${port}-${peerName(peer)}`, on, direction, port, peer, description });

    for (const port of MEMBER_PORTS) {
        add("zookeeper", "ingress", port, { self: true }, `ZooKeeper members to each other on ${port}`);
        add("zookeeper", "egress", port, { self: true }, `ZooKeeper members to each other on ${port}`);
    }
    const legacy: RulePeer[] = [...s.legacyHostCidrs.map((cidr) => ({ cidr })), ...s.legacyHostSecurityGroups.map((securityGroup) => ({ securityGroup }))];
    for (const peer of legacy) {
        for (const port of MEMBER_PORTS) {
            add("zookeeper", "ingress", port, peer, `legacy ZooKeeper hosts to pods on ${port}`);
            add("zookeeper", "egress", port, peer, `pods to legacy ZooKeeper hosts on ${port}`);
            if ("securityGroup" in peer) {
                add("peer", "ingress", port, peer, `ZooKeeper pods to this legacy host on ${port}`);
            }
        }
    }
    const clients: RulePeer[] = [...s.clientCidrs.map((cidr) => ({ cidr })), ...s.clientSecurityGroups.map((securityGroup) => ({ securityGroup }))];
    const clientPorts = s.secureClientPort ? [PORTS.client, PORTS.secureClient] : [PORTS.client];
    for (const peer of clients) {
        for (const port of clientPorts) {
            if (!rules.some((r) => r.on === "zookeeper" && r.direction === "ingress" && r.port === port && peerName(r.peer) === peerName(peer))) {
                add("zookeeper", "ingress", port, peer, `ZooKeeper clients to pods on ${port}`);
            }
        }
    }
    return rules;
}

export const DEFAULT_STORAGE_CLASS = "zookeeper-gp3";

/** gp3 StorageClass for ZooKeeper data: encrypted, bound where the pod lands, retained, expandable. */
export function renderStorageClass(name: string, kmsKeyArn: string): KubeObject {
    const parameters: Record<string, string> = { type: "gp3", encrypted: "true", "csi.storage.k8s.io/fstype": "ext4" };
    if (kmsKeyArn !== "") {
        parameters.kmsKeyId = kmsKeyArn;
    }
    const storageClass: IStorageClass & { metadata: KubeObject["metadata"] } = {
        apiVersion: "storage.k8s.io/v1",
        kind: "StorageClass",
        metadata: { name, labels: { ...MANAGED_BY } },
        provisioner: "ebs.csi.aws.com",
        parameters,
        volumeBindingMode: "WaitForFirstConsumer",
        reclaimPolicy: "Retain",
        allowVolumeExpansion: true,
    };
    return kube(storageClass);
}

/** SecurityGroupPolicy giving the ensemble's pods the ZooKeeper group (and the cluster group, for DNS and the control plane). */
export function renderSecurityGroupPolicy<T>(namespace: string, ensembleName: string, groupIds: T[]): KubeObject {
    return {
        apiVersion: "vpcresources.k8s.aws/v1beta1",
        kind: "SecurityGroupPolicy",
        metadata: { name: objectNames({ ensembleName }).securityGroupPolicy, namespace, labels: { ...MANAGED_BY } },
        spec: { podSelector: { matchLabels: ensembleSelector(ensembleName) }, securityGroups: { groupIds } },
    };
}
