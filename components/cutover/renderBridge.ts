/**
 * The legacy-host bridge's objects ("embrace"): every legacy server gets a
 * Service of its own backed by its host's address, and clients one Service over
 * all of them. Pure.
 */
import { KubeObject } from "../shared/kube";
import { LABEL_MEMBER_ID, Labels, MANAGED_BY, partLabels } from "../shared/labels";
import { HostMember } from "../shared/net";
import { renderHostEndpointSlice, renderHostService } from "../shared/hostServices";
import { bridgeNames } from "../shared/zookeeper";

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
    const names = bridgeNames(name);
    const members = [...hosts]
        .sort((a, b) => a.id - b.id)
        .map((h) => {
            const serviceName = names.member(h.id);
            const memberLabels = { ...labels, [LABEL_MEMBER_ID]: String(h.id) };
            return {
                id: h.id,
                service: renderHostService(namespace, serviceName, memberLabels, "member"),
                slice: renderHostEndpointSlice(namespace, `${serviceName}-host`, serviceName, memberLabels, [h.address], "member"),
            };
        });
    const clientName = names.client;
    return {
        members,
        clientService: renderHostService(namespace, clientName, labels, "client"),
        clientSlice: renderHostEndpointSlice(namespace, `${clientName}-hosts`, clientName, labels, members.map((m) => hosts.find((h) => h.id === m.id)!.address), "client"),
    };
}
