/**
 * Kubernetes Services backed by ZooKeeper servers on hosts: a Service without
 * selector and an EndpointSlice we manage, pointing at the host's address.
 * Used by the legacy-host bridge and by members of a member-swap ensemble that
 * still run on their hosts. Pure.
 */
import type { IEndpointSlice } from "kubernetes-models/discovery.k8s.io/v1/EndpointSlice";
import type { IService } from "kubernetes-models/v1/Service";
import type { IServicePort } from "kubernetes-models/v1/ServicePort";
import { Labels } from "./labels";
import { kube, KubeObject } from "./kube";
import { PORTS } from "./zookeeper";

/** Value of `endpointslice.kubernetes.io/managed-by` on the slices we write (the EndpointSlice controller leaves them alone). */
export const ENDPOINTSLICE_MANAGER = "zookeeper-cutover";
export const SERVICE_NAME_LABEL = "kubernetes.io/service-name";
export const MANAGED_BY_LABEL = "endpointslice.kubernetes.io/managed-by";


export type PortSet = "member" | "client";

/** Ports of a member (client, quorum, election) or of a client Service (client only); numeric targets, so host and pod backends look the same. */
function memberServicePorts(set: PortSet): IServicePort[] {
    const all: IServicePort[] = [
        { name: "client", port: PORTS.client, targetPort: PORTS.client, protocol: "TCP" },
        { name: "quorum", port: PORTS.quorum, targetPort: PORTS.quorum, protocol: "TCP" },
        { name: "election", port: PORTS.election, targetPort: PORTS.election, protocol: "TCP" },
    ];
    return set === "member" ? all : all.slice(0, 1);
}

/**
 * A Service for servers on hosts. Member Services are headless and publish
 * not-ready addresses (DNS gives the host's address, as it gives a pod's);
 * client Services get a virtual IP spreading connections over the hosts.
 */
export function renderHostService(namespace: string, name: string, labels: Labels, set: PortSet): KubeObject {
    const service: IService = {
        apiVersion: "v1",
        kind: "Service",
        metadata: { name, namespace, labels },
        spec:
            set === "member"
                ? { clusterIP: "None", publishNotReadyAddresses: true, ports: memberServicePorts(set) }
                : { type: "ClusterIP", ports: memberServicePorts(set) },
    };
    return kube(service as IService & { metadata: KubeObject["metadata"] });
}

/** The EndpointSlice that points Service `serviceName` at host addresses. */
export function renderHostEndpointSlice(namespace: string, name: string, serviceName: string, labels: Labels, addresses: string[], set: PortSet): KubeObject {
    const slice: IEndpointSlice = {
        apiVersion: "discovery.k8s.io/v1",
        kind: "EndpointSlice",
        metadata: {
            name,
            namespace,
            labels: { ...labels, [SERVICE_NAME_LABEL]: serviceName, [MANAGED_BY_LABEL]: ENDPOINTSLICE_MANAGER },
        },
        addressType: "IPv4",
        ports: memberServicePorts(set).map((p) => ({ name: p.name, port: p.port, protocol: "TCP" })),
        endpoints: addresses.map((address) => ({ addresses: [address], conditions: { ready: true } })),
    };
    return kube(slice as IEndpointSlice & { metadata: KubeObject["metadata"] });
}
