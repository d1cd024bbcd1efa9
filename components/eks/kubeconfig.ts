/**
 * Kubeconfig for an existing EKS cluster, authenticating through `aws eks
 * get-token` (no credentials are embedded).
 */
export interface EksClusterAccess {
    clusterName: string;
    endpoint: string;
    /** Base64 PEM of the cluster CA, as EKS returns it. */
    certificateAuthorityData: string;
    /** AWS region of the cluster; empty uses the AWS CLI's default region. */
    region: string;
}

export function renderKubeconfig(c: EksClusterAccess): string {
    const args = ["eks", "get-token", "--cluster-name", c.clusterName, "--output", "json"];
    if (c.region !== "") {
        args.push("--region", c.region);
    }
    return JSON.stringify({
        apiVersion: "v1",
        kind: "Config",
        clusters: [{ name: c.clusterName, cluster: { server: c.endpoint, "certificate-authority-data": c.certificateAuthorityData } }],
        contexts: [{ name: c.clusterName, context: { cluster: c.clusterName, user: c.clusterName } }],
        "current-context": c.clusterName,
        users: [
            {
                name: c.clusterName,
                user: { exec: { apiVersion: "client.authentication.k8s.io/v1beta1", command: "aws", args, interactiveMode: "Never" } },
            },
        ],
    });
}
