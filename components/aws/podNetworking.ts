import * as ec2 from "@pulumi/aws/ec2";
import * as eks from "@pulumi/aws/eks";
import * as iam from "@pulumi/aws/iam";
import * as vpc from "@pulumi/aws/vpc";
// Service-level imports: the package index loads every API group (about 0.1 s and 6 MB a process).
import * as storagev1 from "@pulumi/kubernetes/storage/v1";
import * as apiextensions from "@pulumi/kubernetes/apiextensions";
import * as pulumi from "@pulumi/pulumi";
import { requirePlainStrings } from "../shared/errors";
import { checkedName, toInputErrors } from "../shared/inputErrors";
import {
    cniConfigurationValues,
    cniPolicyArn,
    DEFAULT_STORAGE_CLASS,
    irsaTrustPolicy,
    renderSecurityGroupPolicy,
    renderStorageClass,
    securityGroupRules,
} from "./render";
import { clusterNameProblem, NetworkDerivedArgs, NetworkSettingsArgs, resolveNetworkSettings } from "./settings";

export const POD_NETWORKING_TYPE = "zookeeper-cutover:index:ZooKeeperPodNetworking";

/** Inputs of ZooKeeperPodNetworking. */
export interface ZooKeeperPodNetworkingArgs extends NetworkSettingsArgs, NetworkDerivedArgs {
    /** Name of the existing EKS cluster (e.g. an aws.eks.Cluster's `name`). */
    clusterName: pulumi.Input<string>;
    /** VPC of the cluster; the ZooKeeper security group is created in it. */
    vpcId: pulumi.Input<string>;
    /** The cluster security group (EKS-managed); pods with their own group keep it for DNS and the control plane. */
    clusterSecurityGroupId: pulumi.Input<string>;
    /** The cluster's OIDC issuer URL (https://oidc.eks...). */
    oidcIssuerUrl: pulumi.Input<string>;
    /** ARN of the IAM OIDC provider registered for that issuer. */
    oidcProviderArn: pulumi.Input<string>;
    /** Namespace of the ensemble (for the SecurityGroupPolicy). */
    namespace: string;
    /** Name of the ensemble (its pods' instance label). */
    ensembleName: string;
    /** Instance types of the ZooKeeper nodes; checked when podSecurityGroups is on. */
    nodeInstanceTypes: string[];
    /** Name of the gp3 StorageClass to create. Default "zookeeper-gp3". */
    storageClassName?: string;
    /** KMS key for the data volumes; empty uses the account's default EBS key. Default "". */
    storageKmsKeyArn?: string;
    /** vpc-cni add-on version; empty lets EKS pick the default for the cluster version. Default "". */
    cniAddonVersion?: string;
    /** Tags for every AWS resource. Default {}. */
    tags?: Record<string, string>;
}

/**
 * Pod networking for ZooKeeper on EKS: the vpc-cni add-on configured from
 * typed options with its own IRSA role (the CNI policy stays off the node
 * role), a ZooKeeper security group whose rules let legacy hosts and pods
 * reach each other on 2181/2888/3888 and clients reach 2181 only, optionally a
 * SecurityGroupPolicy giving the pods that group, and the gp3 StorageClass.
 */
export class ZooKeeperPodNetworking extends pulumi.ComponentResource {
    /** The ZooKeeper security group. */
    public readonly securityGroupId: pulumi.Output<string>;
    /** Name of the StorageClass for the ensemble's volumes. */
    public readonly storageClassName: pulumi.Output<string>;
    /** ARN of the aws-node (vpc-cni) IRSA role. */
    public readonly cniRoleArn: pulumi.Output<string>;

    constructor(name: string, args: ZooKeeperPodNetworkingArgs, opts?: pulumi.ComponentResourceOptions) {
        const settings = toInputErrors("ZooKeeperPodNetworking", () => {
            requirePlainStrings(args, ["namespace", "ensembleName"]);
            return resolveNetworkSettings(args, args.nodeInstanceTypes ?? []);
        });
        const clusterName = checkedName("ZooKeeperPodNetworking", "clusterName", args.clusterName, clusterNameProblem);
        super(POD_NETWORKING_TYPE, name, {}, opts);
        const tags = { ...(args.tags ?? {}) };
        const child = { parent: this };

        const cniRole = new iam.Role(
            `${name}-cni-role`,
            {
                description: "vpc-cni (kube-system/aws-node) through IRSA",
                assumeRolePolicy: pulumi
                    .all([args.oidcProviderArn, args.oidcIssuerUrl])
                    .apply(([arn, issuer]) => irsaTrustPolicy(arn, issuer, "kube-system", "aws-node")),
                tags,
            },
            child,
        );
        const cniPolicy = new iam.RolePolicyAttachment(`${name}-cni-policy`, { role: cniRole.name, policyArn: cniPolicyArn() }, child);
        new eks.Addon(
            `${name}-vpc-cni`,
            {
                clusterName,
                addonName: "vpc-cni",
                ...(args.cniAddonVersion ? { addonVersion: args.cniAddonVersion } : {}),
                serviceAccountRoleArn: cniRole.arn,
                configurationValues: cniConfigurationValues(settings),
                resolveConflictsOnCreate: "OVERWRITE",
                resolveConflictsOnUpdate: "OVERWRITE",
                // Removing this stack must never take pod networking away from the whole cluster.
                preserve: true,
                tags,
            },
            { ...child, dependsOn: [cniPolicy], retainOnDelete: true },
        );

        const group = new ec2.SecurityGroup(
            `${name}-zookeeper`,
            { vpcId: args.vpcId, description: "ZooKeeper members, legacy ZooKeeper hosts and clients", tags: { ...tags, Name: pulumi.interpolate`${clusterName}-zookeeper` } },
            child,
        );
        for (const rule of securityGroupRules(settings)) {
            const peer =
                "self" in rule.peer
                    ? { referencedSecurityGroupId: group.id }
                    : "cidr" in rule.peer
                      ? { cidrIpv4: rule.peer.cidr }
                      : { referencedSecurityGroupId: rule.peer.securityGroup };
            const ruleArgs = {
                securityGroupId: rule.on === "zookeeper" ? group.id : (rule.peer as { securityGroup: string }).securityGroup,
                ipProtocol: "tcp",
                fromPort: rule.port,
                toPort: rule.port,
                description: rule.description,
                tags,
                ...(rule.on === "peer" ? { referencedSecurityGroupId: group.id } : peer),
            };
            if (rule.direction === "ingress") {
                new vpc.SecurityGroupIngressRule(`${name}-${rule.name}`, ruleArgs, child);
            } else {
                new vpc.SecurityGroupEgressRule(`${name}-${rule.name}`, ruleArgs, child);
            }
        }

        if (settings.podSecurityGroups) {
            const policy = renderSecurityGroupPolicy(args.namespace, args.ensembleName, [group.id, args.clusterSecurityGroupId]);
            new apiextensions.CustomResource(`${name}-security-group-policy`, policy as any, child);
        }

        const storageClass = renderStorageClass(args.storageClassName || DEFAULT_STORAGE_CLASS, args.storageKmsKeyArn ?? "");
        new storagev1.StorageClass(`${name}-storage-class`, storageClass as any, child);

        this.securityGroupId = group.id;
        this.storageClassName = pulumi.output(storageClass.metadata.name);
        this.cniRoleArn = cniRole.arn;
        this.registerOutputs({ securityGroupId: this.securityGroupId, storageClassName: this.storageClassName, cniRoleArn: this.cniRoleArn });
    }
}
