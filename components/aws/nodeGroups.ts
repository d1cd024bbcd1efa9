import * as ec2 from "@pulumi/aws/ec2";
import * as eks from "@pulumi/aws/eks";
import * as iam from "@pulumi/aws/iam";
import * as pulumi from "@pulumi/pulumi";
import { checkedName, toInputErrors } from "../shared/inputErrors";
import { ec2AssumeRolePolicy, launchTemplateSpec, nodeGroupName, nodeGroupSpecs, nodePolicyArns } from "./render";
import { clusterNameProblem, NodeGroupSettingsArgs, resolveNodeGroupSettings } from "./settings";

export const NODE_GROUPS_TYPE = "zookeeper-cutover:index:ZooKeeperNodeGroups";

/** Inputs of ZooKeeperNodeGroups. */
export interface ZooKeeperNodeGroupsArgs extends NodeGroupSettingsArgs {
    /** Name of the existing EKS cluster (e.g. an aws.eks.Cluster's `name`); the node groups are named after it. */
    clusterName: pulumi.Input<string>;
    /** Security groups of the nodes' primary network interfaces: the cluster security group, plus the ZooKeeper group when pods use the node's groups. */
    securityGroupIds: pulumi.Input<string>[];
    /** Tags for every AWS resource (and, through the launch template, instances, volumes and network interfaces). Default {}. */
    tags?: Record<string, string>;
}

/**
 * Managed node groups dedicated to ZooKeeper: one per availability zone (EBS
 * volumes are zonal; a multi-zone group can strand a member away from its
 * disk), labelled and tainted from the same placement the ensemble's
 * nodeSelector and tolerations use, launched from a template that requires
 * IMDSv2 and encrypts the root volume.
 */
export class ZooKeeperNodeGroups extends pulumi.ComponentResource {
    /** ARN of the nodes' IAM role. */
    public readonly nodeRoleArn: pulumi.Output<string>;
    /** Node group names, one per zone, in zone order. */
    public readonly nodeGroupNames: pulumi.Output<string[]>;

    constructor(name: string, args: ZooKeeperNodeGroupsArgs, opts?: pulumi.ComponentResourceOptions) {
        const settings = toInputErrors("ZooKeeperNodeGroups", () => resolveNodeGroupSettings(args));
        const clusterName = checkedName("ZooKeeperNodeGroups", "clusterName", args.clusterName, clusterNameProblem);
        super(NODE_GROUPS_TYPE, name, {}, opts);
        const tags = { ...(args.tags ?? {}) };
        const child = { parent: this };

        const role = new iam.Role(`${name}-node-role`, { assumeRolePolicy: ec2AssumeRolePolicy(), description: "ZooKeeper nodes", tags }, child);
        const attachments = nodePolicyArns().map(
            (policyArn) => new iam.RolePolicyAttachment(`${name}-node-${policyArn.split("/").pop()}`, { role: role.name, policyArn }, child),
        );

        const lt = launchTemplateSpec(settings, tags);
        const template = new ec2.LaunchTemplate(
            `${name}-launch-template`,
            {
                description: "ZooKeeper nodes: IMDSv2 only, encrypted root volume",
                metadataOptions: lt.metadataOptions,
                blockDeviceMappings: lt.blockDeviceMappings,
                vpcSecurityGroupIds: args.securityGroupIds,
                tagSpecifications: lt.tagSpecifications,
                tags: lt.tags,
                updateDefaultVersion: true,
            },
            child,
        );

        // Zone by zone: a template change rolls one zone's nodes at a time, as the PDB allows.
        const groups: eks.NodeGroup[] = [];
        for (const spec of nodeGroupSpecs(settings)) {
            groups.push(
                new eks.NodeGroup(
                    `${name}-${spec.zone}`,
                    {
                        clusterName,
                        nodeGroupName: clusterName.apply((c) => nodeGroupName(c, settings.nodeRole, spec.zone)),
                        nodeRoleArn: role.arn,
                        subnetIds: spec.subnetIds,
                        scalingConfig: spec.scalingConfig,
                        updateConfig: spec.updateConfig,
                        capacityType: spec.capacityType,
                        instanceTypes: spec.instanceTypes,
                        amiType: spec.amiType,
                        labels: spec.labels,
                        taints: spec.taints,
                        launchTemplate: { id: template.id, version: pulumi.interpolate`${template.latestVersion}` },
                        tags,
                    },
                    { ...child, dependsOn: [...attachments, ...groups.slice(-1)] },
                ),
            );
        }

        this.nodeRoleArn = role.arn;
        this.nodeGroupNames = pulumi.output(groups.map((g) => g.nodeGroupName));
        this.registerOutputs({ nodeRoleArn: this.nodeRoleArn, nodeGroupNames: this.nodeGroupNames });
    }
}
