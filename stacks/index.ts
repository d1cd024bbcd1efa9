/**
 * The stacks program: reads the typed stack configuration, builds the
 * Kubernetes provider from the existing EKS cluster, and deploys one
 * ZooKeeper ensemble. Every config error is reported before any resource is
 * registered.
 */
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { renderKubeconfig } from "../components/eks/kubeconfig";
import { ZooKeeperEnsemble } from "../components/ensemble/ensemble";
import { resolveEnsembleSettings, ZooKeeperEnsembleArgs } from "../components/ensemble/settings";
import { ZooKeeperConfigError } from "../components/errors";
import { PROJECT, readStackConfig } from "./config";

function readConfig(): { clusterName: string; createNamespace: boolean; ensemble: ZooKeeperEnsembleArgs } {
    try {
        const { clusterName, createNamespace, ...ensemble } = readStackConfig(pulumi.runtime.allConfig());
        if (clusterName === "") {
            throw new ZooKeeperConfigError([{ key: "clusterName", message: '"" is empty; allowed: the name of an existing EKS cluster' }], `${PROJECT}:`);
        }
        const args = ensemble as unknown as ZooKeeperEnsembleArgs;
        resolveEnsembleSettings(args);
        return { clusterName: clusterName as string, createNamespace: createNamespace as boolean, ensemble: args };
    } catch (err) {
        if (ZooKeeperConfigError.isInstance(err)) {
            throw new pulumi.RunError(err.withPrefix(`${PROJECT}:`).message);
        }
        throw err;
    }
}

const config = readConfig();

const cluster = aws.eks.getClusterOutput({ name: config.clusterName });
const region = new pulumi.Config("aws").get("region") ?? "";
const kubeconfig = pulumi
    .all([cluster.endpoint, cluster.certificateAuthorities])
    .apply(([endpoint, cas]) =>
        renderKubeconfig({ clusterName: config.clusterName, endpoint, certificateAuthorityData: cas[0]?.data ?? "", region }),
    );
const provider = new k8s.Provider("eks", { kubeconfig, enableServerSideApply: true });

const dependsOn: pulumi.Resource[] = [];
if (config.createNamespace) {
    dependsOn.push(
        new k8s.core.v1.Namespace(
            "namespace",
            {
                metadata: {
                    name: config.ensemble.namespace,
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

const ensemble = new ZooKeeperEnsemble(config.ensemble.ensembleName ?? "zk", config.ensemble, { provider, dependsOn });

export const namespace = config.ensemble.namespace;
export const clientConnectString = ensemble.clientConnectString;
export const memberConnectString = ensemble.memberConnectString;
export const memberIds = ensemble.memberIds;
export const zooCfg = ensemble.zooCfg;
export const externalServiceName = ensemble.externalServiceName;
