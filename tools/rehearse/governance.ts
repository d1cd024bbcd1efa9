/**
 * Governance data a Dubbo registry holds and nobody registers again: what the
 * dual-registry rehearsal seeds in the legacy ensemble, and the rule changes
 * an operator makes there mid-stage (dubbo-admin writes to the registry
 * consumers prefer). Shaped like Dubbo 2.7/3.x writes it: URL-encoded routers
 * and configurators under the interface, the config center's keys, the
 * metadata center, Dubbo 3's mapping, and a provider registered with
 * dynamic=false (a persistent node), one of them with an ACL of its own.
 */
import { CreateMode, Permission, ZkAcl, ZkClient } from "../zookeeper/client";
import { DUBBO_ROOT } from "./load";

const SERVICE = "org.apache.dubbo.rehearsal.OrderService";
const APP = "order-app";
const OPEN: ZkAcl[] = [{ permission: Permission.ALL, scheme: "world", id: "anyone" }];
/** Readable by anyone, changed only by its owner's address (as operators lock down dubbo.properties). */
const LOCKED: ZkAcl[] = [
    { permission: Permission.READ, scheme: "world", id: "anyone" },
    { permission: Permission.ALL, scheme: "ip", id: "127.0.0.1" },
];

const url = (s: string) => encodeURIComponent(s);

export interface GovernanceNode {
    path: string;
    data: string;
    acl?: ZkAcl[];
}

/** The seeded governance nodes (leaves; their parents are created open). */
export const GOVERNANCE: GovernanceNode[] = [
    {
        path: `${DUBBO_ROOT}/${SERVICE}/routers/${url(`condition://0.0.0.0/${SERVICE}?category=routers&dynamic=false&enabled=true&force=false&name=canary&priority=1&rule=${url("method = create => host = 10.1.9.1")}&runtime=false`)}`,
        data: "",
    },
    {
        path: `${DUBBO_ROOT}/${SERVICE}/configurators/${url(`override://0.0.0.0/${SERVICE}?category=configurators&disabled=true&dynamic=false&enabled=true`)}`,
        data: "",
    },
    {
        path: `${DUBBO_ROOT}/${SERVICE}/providers/${url(`dubbo://10.1.9.50:20880/${SERVICE}?anyhost=true&application=legacy-batch&dynamic=false&interface=${SERVICE}&methods=create,cancel&side=provider`)}`,
        data: "10.1.9.50",
    },
    { path: `${DUBBO_ROOT}/config/dubbo/${APP}.condition-router`, data: "scope: application\nkey: order-app\nenabled: true\nconditions:\n  - method=create => region=eu\n" },
    { path: `${DUBBO_ROOT}/config/dubbo/${APP}.configurators`, data: "configVersion: v2.7\nscope: application\nkey: order-app\nconfigs:\n  - side: consumer\n    parameters:\n      timeout: 3000\n" },
    { path: `${DUBBO_ROOT}/config/dubbo/dubbo.properties`, data: "dubbo.consumer.timeout=3000\ndubbo.consumer.retries=1\n", acl: LOCKED },
    { path: `${DUBBO_ROOT}/metadata/${SERVICE}/provider/${APP}`, data: `{"canonicalName":"${SERVICE}","methods":[{"name":"create"},{"name":"cancel"}]}` },
    { path: `${DUBBO_ROOT}/mapping/${SERVICE}`, data: APP },
];

/** Creates the governance nodes (and their parents, open) in the legacy registry. */
export async function seedGovernance(client: ZkClient): Promise<number> {
    for (const node of GOVERNANCE) {
        await client.mkdirp(node.path.slice(0, node.path.lastIndexOf("/")));
        await client.createWithAcl(node.path, Buffer.from(node.data), node.acl ?? OPEN, CreateMode.PERSISTENT);
    }
    return GOVERNANCE.length;
}

/**
 * What an operator changes mid-stage in the legacy registry: a config-center
 * route rewritten, an override deleted (the disabled provider comes back into
 * use unless the deletion reaches the new registry too), and a route added.
 * Returns a line per change.
 */
export async function changeGovernance(client: ZkClient): Promise<string[]> {
    const router = GOVERNANCE[3];
    const override = GOVERNANCE[1];
    const added = `${DUBBO_ROOT}/config/dubbo/${APP}.tag-router`;
    await client.setData(router.path, Buffer.from(router.data.replace("region=eu", "region=us")));
    await client.remove(override.path);
    await client.createWithAcl(added, Buffer.from("force: false\nenabled: true\nkey: order-app\ntags:\n  - name: gray\n    addresses: [10.1.9.1]\n"), OPEN, CreateMode.PERSISTENT);
    return [`rewrote ${router.path}`, `deleted an override under ${override.path.slice(0, override.path.lastIndexOf("/"))}`, `added ${added}`];
}
