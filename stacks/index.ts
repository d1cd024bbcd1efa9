/**
 * The stacks program: reads the typed stage config, runs the quorum guard
 * against the stack's previous stage, and builds one ZooKeeperCutover in an
 * existing EKS cluster. Config errors and unsafe transitions are reported
 * before any resource is registered.
 */
// Module-level imports, not the package indexes: @pulumi/aws's index alone loads some 300 modules (0.15-0.25 s).
import { getClusterOutput } from "@pulumi/aws/eks";
import { getCallerIdentityOutput } from "@pulumi/aws/getCallerIdentity";
import { getPartitionOutput } from "@pulumi/aws/getPartition";
import { Provider as KubernetesProvider } from "@pulumi/kubernetes/provider";
import * as pulumi from "@pulumi/pulumi";
import { renderKubeconfig } from "../components/eks/kubeconfig";
import { assertSafeTransition, guardCutover, parseState } from "../components/cutover/guard";
import { ZooKeeperCutover } from "../components/cutover/cutover";
import { nestCutoverArgs } from "../components/cutover/args";
import { CutoverSettings, resolveCutoverSettings } from "../components/cutover/settings";
import { ZooKeeperConfigError } from "../components/shared/errors";
import { configIsSecret, PROJECT, readStackConfigCollecting } from "./config";

function configError(err: unknown): never {
    if (ZooKeeperConfigError.isInstance(err)) {
        throw new pulumi.RunError(err.withPrefix(`${PROJECT}:`).message);
    }
    throw err;
}

/** The `cutoverState` this stack exported last time, if it has been deployed. */
async function lastState(): Promise<string | undefined> {
    const self = new pulumi.StackReference(`${pulumi.getOrganization()}/${pulumi.getProject()}/${pulumi.getStack()}`);
    const details = await self.getOutputDetails("cutoverState");
    return typeof details?.value === "string" ? details.value : undefined;
}

export = async () => {
    const { values, issues } = readStackConfigCollecting(pulumi.runtime.allConfig(), undefined, configIsSecret);
    let settings: CutoverSettings;
    try {
        settings = resolveCutoverSettings(values, issues.issues);
    } catch (err) {
        configError(err);
    }
    const previousState = await lastState();
    try {
        assertSafeTransition(settings, guardCutover(settings, parseState(previousState)));
    } catch (err) {
        configError(err);
    }

    const cluster = getClusterOutput({ name: settings.clusterName });
    const region = new pulumi.Config("aws").get("region") ?? "";
    const kubeconfig = pulumi
        .all([cluster.endpoint, cluster.certificateAuthorities])
        .apply(([endpoint, cas]) => renderKubeconfig({ clusterName: settings.clusterName, endpoint, certificateAuthorityData: cas[0]?.data ?? "", region }));
    const provider = new KubernetesProvider("eks", { kubeconfig, enableServerSideApply: true });
    const identity = getCallerIdentityOutput();
    const partition = getPartitionOutput();
    const oidcIssuerUrl = cluster.identities.apply((ids) => ids[0]?.oidcs[0]?.issuer ?? "");

    // The flat config keys nested as the component takes them; the state this stack exported last time, or the one
    // config gives (previousCutoverState) when there is none.
    const args = nestCutoverArgs(values);
    const cutover = new ZooKeeperCutover(
        "cutover",
        {
            ...args,
            cluster: {
                name: settings.clusterName,
                vpcId: cluster.vpcConfig.vpcId,
                securityGroupId: cluster.vpcConfig.clusterSecurityGroupId,
                oidcIssuerUrl,
                oidcProviderArn: pulumi.interpolate`arn:${partition.partition}:iam::${identity.accountId}:oidc-provider/${oidcIssuerUrl.apply((u) => u.replace(/^https:\/\//, ""))}`,
            },
            guard: { ...args.guard, previousState: previousState ?? (values.previousCutoverState as string | undefined) ?? "" },
        },
        { providers: [provider] },
    );

    return {
        stage: cutover.stage,
        cutoverState: cutover.cutoverState,
        guard: cutover.guard,
        dubboRegistryProperties: cutover.dubboRegistryProperties,
        connectStrings: cutover.connectStrings,
        outOfClusterConnectStrings: cutover.outOfClusterConnectStrings,
        hostZooCfg: cutover.hostZooCfg,
        hostJavaSecurity: cutover.hostJavaSecurity,
        hostJvmFlags: cutover.hostJvmFlags,
        moveSettleSeconds: cutover.moveSettleSeconds,
        zooCfg: cutover.zooCfg,
        externalServiceName: cutover.externalServiceName,
        securityGroupId: cutover.securityGroupId,
        storageClassName: cutover.storageClassName,
    };
};
