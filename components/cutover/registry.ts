/**
 * Client registry configuration per stage: Dubbo multi-registry properties
 * and plain ZooKeeper connection strings. Pure.
 *
 * In dual-registry every service registers to and subscribes from both
 * registries (Dubbo multiple registries, no address aggregation). Consumers
 * use the registry marked `preferred` (the legacy one until parity is checked,
 * then the new one); both carry the same `weight`, which only matters if
 * neither is preferred.
 */
import { memberPeerAddress, PORTS } from "../shared/zookeeper";
import { primaryClientPort } from "../ensemble/objects";
import { CutoverSettings, HostMember } from "./settings";

export interface RegistryEndpoint {
    /** Registry id in Dubbo properties. */
    id: "legacy" | "k8s";
    /** Addresses in-cluster clients use (per-member Services). */
    inCluster: string[];
    /** Addresses clients outside the cluster use (hosts' addresses); empty when they go through the external Service. */
    outOfCluster: string[];
}

function serviceAddresses(names: { ensembleName: string; namespace: string; clusterDomain: string }, ids: number[], port: number = PORTS.client): string[] {
    return ids.map((id) => `${memberPeerAddress(names, id)}:${port}`);
}

function hostAddresses(hosts: HostMember[]): string[] {
    return hosts.map((h) => `${h.address}:${PORTS.client}`);
}

/** The registries clients use in this stage. */
export function registriesOf(s: CutoverSettings): RegistryEndpoint[] {
    const e = s.ensembleSettings;
    const podEnsemble = { ensembleName: e.ensembleName, namespace: e.namespace, clusterDomain: e.clusterDomain };
    const legacyBridge = { ensembleName: s.bridge?.name ?? "", namespace: e.namespace, clusterDomain: e.clusterDomain };
    const legacyIds = s.legacyHosts.map((h) => h.id);
    switch (s.stage) {
        case "old-host":
            return [{ id: "legacy", inCluster: serviceAddresses(legacyBridge, legacyIds), outOfCluster: hostAddresses(s.legacyHosts) }];
        case "dual-registry":
            return [
                { id: "legacy", inCluster: serviceAddresses(legacyBridge, legacyIds), outOfCluster: hostAddresses(s.legacyHosts) },
                { id: "k8s", inCluster: serviceAddresses(podEnsemble, e.memberIds, primaryClientPort(e)), outOfCluster: [] },
            ];
        case "member-swap":
            // One ensemble; clients reach every member by its Service, whether it still runs on its host or as a pod.
            return [{ id: "k8s", inCluster: serviceAddresses(podEnsemble, e.memberIds, primaryClientPort(e)), outOfCluster: hostAddresses(s.legacyHosts.filter((h) => !s.podMembers.includes(h.id))) }];
        case "pure-k8s":
            return [{ id: "k8s", inCluster: serviceAddresses(podEnsemble, e.memberIds, primaryClientPort(e)), outOfCluster: [] }];
    }
}

/** A plain ZooKeeper connection string ("h1:2181,h2:2181,..."). */
export function connectString(addresses: string[]): string {
    return addresses.join(",");
}

/** A Dubbo registry address: the first member, the others as backups. */
export function dubboAddress(addresses: string[]): string {
    const [first, ...rest] = addresses;
    return rest.length > 0 ? `zookeeper://${first}?backup=${rest.join(",")}` : `zookeeper://${first}`;
}

/** dubbo.registries.* properties for in-cluster services. */
export function renderDubboProperties(s: CutoverSettings): string {
    const registries = registriesOf(s);
    const lines = [`# Dubbo registries for stage ${s.stage}, rendered by zookeeper-cutover; mount it and load it as Dubbo properties.`];
    // Governance data (Dubbo's config center: routes, overrides, dubbo.properties; its metadata center) lives in
    // one ensemble: the registry consumers prefer, where `zk-cutover copy` brings it before the flip.
    const governance = registries.find((r) => registries.length === 1 || r.id === s.preferredRegistry) ?? registries[0];
    lines.push(
        `# Governance (config center, metadata center) in the ${governance.id} registry: write routes and overrides there.`,
        `dubbo.config-center.address=${dubboAddress(governance.inCluster)}`,
        `dubbo.metadata-report.address=${dubboAddress(governance.inCluster)}`,
    );
    for (const r of registries) {
        const preferred = registries.length === 1 || r.id === s.preferredRegistry;
        lines.push(
            `dubbo.registries.${r.id}.address=${dubboAddress(r.inCluster)}`,
            `dubbo.registries.${r.id}.register=true`,
            `dubbo.registries.${r.id}.subscribe=true`,
            // A registry that is briefly unreachable (or retired) must not stop a service from starting.
            `dubbo.registries.${r.id}.check=false`,
            `dubbo.registries.${r.id}.preferred=${preferred}`,
            `dubbo.registries.${r.id}.weight=100`,
        );
    }
    return lines.join("\n") + "\n";
}

/** The files of the registry ConfigMap: Dubbo properties and one connection string per registry. */
export function renderRegistryFiles(s: CutoverSettings): Record<string, string> {
    const files: Record<string, string> = { "dubbo-registries.properties": renderDubboProperties(s) };
    for (const r of registriesOf(s)) {
        files[`${r.id}.connect`] = connectString(r.inCluster) + "\n";
    }
    return files;
}
