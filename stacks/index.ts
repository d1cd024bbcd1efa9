/**
 * The stacks program: reads and checks the whole stack configuration, then
 * builds, against an existing EKS cluster, the ZooKeeper node groups, the pod
 * networking (vpc-cni, security groups, StorageClass) and the ensemble, all
 * wired from the same values. Every config error is reported before any
 * resource is registered.
 */
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ZooKeeperNodeGroups } from "../components/aws/nodeGroups";
import { ZooKeeperPodNetworking } from "../components/aws/podNetworking";
import { stackTags } from "../components/aws/render";
import { renderKubeconfig } from "../components/eks/kubeconfig";
import { ZooKeeperEnsemble } from "../components/ensemble/ensemble";
import { ZooKeeperConfigError } from "../components/errors";
import { resolveStackSettings, StackSettings } from "./settings";

function readSettings(): StackSettings {
    try {
        return resolveStackSettings(pulumi.runtime.allConfig());
    } catch (err) {
        if (ZooKeeperConfigError.isInstance(err)) {
            throw new pulumi.RunError(err.message);
        }
        throw err;
    }
}

const settings = readSettings();
const tags = stackTags(pulumi.getStack(), settings.userTags);
const namespace = settings.ensemble.namespace;
const ensembleName = settings.ensembleSettings.ensembleName;

const cluster = aws.eks.getClusterOutput({ name: settings.clusterName });
const region = new pulumi.Config("aws").get("region") ?? "";
const kubeconfig = pulumi
    .all([cluster.endpoint, cluster.certificateAuthorities])
    .apply(([endpoint, cas]) =>
        renderKubeconfig({ clusterName: settings.clusterName, endpoint, certificateAuthorityData: cas[0]?.data ?? "", region }),
    );
const provider = new k8s.Provider("eks", { kubeconfig, enableServerSideApply: true });

const identity = aws.getCallerIdentityOutput();
const partition = aws.getPartitionOutput();
const oidcIssuerUrl = cluster.identities.apply((ids) => ids[0]?.oidcs[0]?.issuer ?? "");
const oidcProviderArn = pulumi.interpolate`arn:${partition.partition}:iam::${identity.accountId}:oidc-provider/${oidcIssuerUrl.apply((u) => u.replace(/^https:\/\//, ""))}`;
const clusterSecurityGroupId = cluster.vpcConfig.clusterSecurityGroupId;

const networking = new ZooKeeperPodNetworking(
    "networking",
    {
        ...settings.network,
        clusterName: settings.clusterName,
        vpcId: cluster.vpcConfig.vpcId,
        clusterSecurityGroupId,
        oidcIssuerUrl,
        oidcProviderArn,
        namespace,
        ensembleName,
        nodeInstanceTypes: settings.nodeGroups.nodeInstanceTypes ?? [],
        storageClassName: settings.ensembleSettings.storageClass,
        storageKmsKeyArn: settings.storageKmsKeyArn,
        cniAddonVersion: settings.cniAddonVersion,
        tags,
    },
    { providers: [provider] },
);

const dependsOn: pulumi.Resource[] = [networking];
if (settings.createNodeGroups) {
    dependsOn.push(
        new ZooKeeperNodeGroups("nodes", {
            ...settings.nodeGroups,
            nodeRole: settings.ensembleSettings.nodeRole,
            clusterName: settings.clusterName,
            securityGroupIds: settings.network.podSecurityGroups ? [clusterSecurityGroupId] : [clusterSecurityGroupId, networking.securityGroupId],
            tags,
        }),
    );
}
if (settings.createNamespace) {
    dependsOn.push(
        new k8s.core.v1.Namespace(
            "namespace",
            {
                metadata: {
                    name: namespace,
                    labels: {
                        "app.kubernetes.io/managed-by": "zookeeper-cutover",
                        "pod-security.kubernetes.io/enforce": "restricted",
                    },
                },
            },
            { provider },
        ),
    );
}

const ensemble = new ZooKeeperEnsemble(ensembleName, settings.ensemble, { provider, dependsOn });

export { namespace };
export const clientConnectString = ensemble.clientConnectString;
export const memberConnectString = ensemble.memberConnectString;
export const memberIds = ensemble.memberIds;
export const zooCfg = ensemble.zooCfg;
export const externalServiceName = ensemble.externalServiceName;
export const securityGroupId = networking.securityGroupId;
export const storageClassName = networking.storageClassName;
