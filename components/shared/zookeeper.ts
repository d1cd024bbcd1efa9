/**
 * What every part of the package names the same way: ZooKeeper's ports and the
 * names of the objects an ensemble and a legacy-host bridge are made of, each
 * derived here once. Pure.
 */

/** Ports every member uses. */
export const PORTS = { client: 2181, secureClient: 2281, quorum: 2888, election: 3888 } as const;

/** The ports members and legacy hosts talk to each other and to clients on (without TLS). */
export const MEMBER_PORTS = [PORTS.client, PORTS.quorum, PORTS.election] as const;

/** Names of an ensemble's objects, derived from the ensemble name. */
export function objectNames(s: { ensembleName: string }) {
    const n = s.ensembleName;
    return {
        statefulSet: n,
        /** The ConfigMap is immutable and named after its content, so a change rolls members onto a new one and a running pod never sees its files change. */
        configMap: (hash: string) => `${n}-config-${hash.slice(0, 10)}`,
        /** The mutable bootstrap flag (not part of the config hash). */
        bootstrapConfigMap: `${n}-bootstrap`,
        networkPolicy: n,
        peerService: `${n}-peers`,
        clientService: `${n}-client`,
        externalService: `${n}-external`,
        podDisruptionBudget: n,
        /** cert-manager Certificate and the Secret it fills. */
        tlsCertificate: `${n}-tls`,
        /** Secret with the JAAS configuration (SASL passwords). */
        saslSecret: `${n}-sasl`,
        /** The pods' SecurityGroupPolicy (security groups for pods). */
        securityGroupPolicy: `${n}-pods`,
        /** The client registry ConfigMap in every registry namespace. */
        registries: `${n}-registries`,
        /** The PodMonitor (its scrape job is "<namespace>/<name>") and the PrometheusRule. */
        podMonitor: n,
        prometheusRule: n,
        /** The Grafana dashboard's ConfigMap. */
        dashboard: `${n}-dashboard`,
    };
}

/** The Service of member `id`: its peer address inside the cluster, which never changes when the member moves. */
export function memberServiceName(s: { ensembleName: string }, id: number): string {
    return `${s.ensembleName}-${id}`;
}

/** The DNS name of member `id`'s Service. */
export function memberPeerAddress(s: { ensembleName: string; namespace: string; clusterDomain: string }, id: number): string {
    return `${memberServiceName(s, id)}.${s.namespace}.svc.${s.clusterDomain}`;
}

/** Names of a legacy-host bridge's Services: one per host, named like a member's, and one for clients. */
export function bridgeNames(prefix: string) {
    return {
        member: (id: number) => memberServiceName({ ensembleName: prefix }, id),
        client: `${prefix}-client`,
    };
}
