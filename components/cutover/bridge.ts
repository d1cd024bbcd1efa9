// Service-level imports: the package index loads every API group (about 0.1 s and 6 MB a process).
import * as corev1 from "@pulumi/kubernetes/core/v1";
import * as discoveryv1 from "@pulumi/kubernetes/discovery/v1";
import * as pulumi from "@pulumi/pulumi";
import { checkPlainStrings, IssueCollector, show } from "../shared/errors";
import { renderBridge } from "./renderBridge";
import { toInputErrors } from "../shared/inputErrors";
import { HostMember, parseHostMembers } from "../shared/net";

export const BRIDGE_TYPE = "zookeeper-cutover:index:LegacyHostBridge";

/** Inputs of LegacyHostBridge. */
export interface LegacyHostBridgeArgs {
    /** Namespace of the Services. */
    namespace: string;
    /** Name prefix: Services `<name>-<myid>` per host and `<name>-client`. */
    name: string;
    /** The legacy servers as "myid=address" (routable IPv4 addresses). */
    hosts: string[];
}

function parseHosts(args: LegacyHostBridgeArgs): HostMember[] {
    const issues = new IssueCollector();
    checkPlainStrings(args, ["namespace", "name"], issues);
    const entries = args.hosts;
    if (!Array.isArray(entries) || entries.some((e) => typeof e !== "string")) {
        issues.add("hosts", `${show(entries)} is not a list of plain strings; allowed: the legacy servers as "myid=address", known when the program starts`);
        issues.throwIfAny();
    }
    const hosts = parseHostMembers("hosts", entries, issues);
    if (entries.length === 0) {
        issues.add("hosts", "is empty; allowed: at least one legacy server as \"myid=address\"");
    }
    issues.throwIfAny();
    return hosts;
}

/**
 * Wraps legacy ZooKeeper servers in Kubernetes Services ("embrace"): per host
 * a Service without selector and an EndpointSlice (ports 2181/2888/3888) that
 * we manage, and a client Service over all hosts. In-cluster clients then
 * reach the legacy ensemble by Service name.
 */
export class LegacyHostBridge extends pulumi.ComponentResource {
    /** `host:2181` list of the per-member Services. */
    public readonly memberConnectString: pulumi.Output<string>;
    /** The client Service's name. */
    public readonly clientServiceName: pulumi.Output<string>;

    constructor(name: string, args: LegacyHostBridgeArgs, opts?: pulumi.ComponentResourceOptions) {
        const hosts = toInputErrors("LegacyHostBridge", () => parseHosts(args));
        super(BRIDGE_TYPE, name, {}, opts);
        const rendered = renderBridge(args.namespace, args.name, hosts);
        const child = { parent: this };
        for (const m of rendered.members) {
            const service = new corev1.Service(`${name}-member-${m.id}`, m.service as any, child);
            new discoveryv1.EndpointSlice(`${name}-member-${m.id}-host`, m.slice as any, { ...child, dependsOn: [service] });
        }
        const client = new corev1.Service(`${name}-client`, rendered.clientService as any, child);
        new discoveryv1.EndpointSlice(`${name}-client-hosts`, rendered.clientSlice as any, { ...child, dependsOn: [client] });

        this.memberConnectString = pulumi.output(rendered.members.map((m) => `${m.service.metadata.name}.${args.namespace}.svc:2181`).join(","));
        this.clientServiceName = pulumi.output(rendered.clientService.metadata.name);
        this.registerOutputs({ memberConnectString: this.memberConnectString, clientServiceName: this.clientServiceName });
    }
}
