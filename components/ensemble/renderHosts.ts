/**
 * Kubernetes Services backed by ZooKeeper servers on hosts: a Service without
 * selector and an EndpointSlice we manage, pointing at the host's address.
 * Used by the legacy-host bridge and by members of a member-swap ensemble that
 * still run on their hosts. Pure.
 */
import type { IEndpointSlice } from "kubernetes-models/discovery.k8s.io/v1/EndpointSlice";
import type { IService } from "kubernetes-models/v1/Service";
import type { IServicePort } from "kubernetes-models/v1/ServicePort";
import { HostMember } from "../net";
import { LABEL_MEMBER_ID, Labels, MANAGED_BY, partLabels } from "./labels";
import { KubeObject } from "./renderObjects";
import { PORTS } from "./settings";

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
    return service as unknown as KubeObject;
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
    return slice as unknown as KubeObject;
}

/** Labels of the legacy-host bridge's objects. */
export function bridgeLabels(name: string): Labels {
    return { ...partLabels(name, "legacy-bridge"), ...MANAGED_BY };
}

export interface RenderedBridge {
    /** Per host: its member Service and EndpointSlice. */
    members: { id: number; service: KubeObject; slice: KubeObject }[];
    /** One Service over all hosts' client ports, and its EndpointSlice. */
    clientService: KubeObject;
    clientSlice: KubeObject;
}

/** The legacy-host bridge ("embrace"): every legacy server gets a Service of its own, and clients one over all of them. */
export function renderBridge(namespace: string, name: string, hosts: HostMember[]): RenderedBridge {
    const labels = bridgeLabels(name);
    const members = [...hosts]
        .sort((a, b) => a.id - b.id)
        .map((h) => {
            const serviceName = `${name}-${h.id}`;
            const memberLabels = { ...labels, [LABEL_MEMBER_ID]: String(h.id) };
            return {
                id: h.id,
                service: renderHostService(namespace, serviceName, memberLabels, "member"),
                slice: renderHostEndpointSlice(namespace, `${serviceName}-host`, serviceName, memberLabels, [h.address], "member"),
            };
        });
    const clientName = `${name}-client`;
    return {
        members,
        clientService: renderHostService(namespace, clientName, labels, "client"),
        clientSlice: renderHostEndpointSlice(namespace, `${clientName}-hosts`, clientName, labels, members.map((m) => hosts.find((h) => h.id === m.id)!.address), "client"),
    };
}
