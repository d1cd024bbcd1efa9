/**
 * A Kubernetes Service as kube-proxy makes it: a stable address whose ports
 * forward each new connection to the member's current backend. Switching the
 * backend affects new connections only; established ones stay with the old
 * backend until it goes away, as conntrack keeps them.
 */
import * as net from "net";

export class ServiceProxy {
    private servers: net.Server[] = [];
    private sockets = new Set<net.Socket>();
    private backendAddress: string | undefined;

    constructor(
        /** The stable service address clients and peers use. */
        readonly address: string,
        readonly ports: number[],
    ) {}

    /** Points new connections at `address` (or nowhere: connections are refused by closing them). */
    setBackend(address: string | undefined): void {
        this.backendAddress = address;
    }

    async start(): Promise<void> {
        for (const port of this.ports) {
            const server = net.createServer((client) => this.forward(client, port));
            await new Promise<void>((resolve, reject) => {
                server.once("error", reject);
                server.listen(port, this.address, () => {
                    server.off("error", reject);
                    resolve();
                });
            });
            this.servers.push(server);
        }
    }

    private forward(client: net.Socket, port: number): void {
        this.sockets.add(client);
        client.once("close", () => this.sockets.delete(client));
        client.on("error", () => client.destroy());
        const backend = this.backendAddress;
        if (!backend) {
            client.destroy();
            return;
        }
        const upstream = net.connect({ host: backend, port });
        this.sockets.add(upstream);
        upstream.once("close", () => {
            this.sockets.delete(upstream);
            client.destroy();
        });
        client.once("close", () => upstream.destroy());
        upstream.on("error", () => upstream.destroy());
        client.pipe(upstream);
        upstream.pipe(client);
    }

    async stop(): Promise<void> {
        for (const s of this.sockets) {
            s.destroy();
        }
        await Promise.all(this.servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
        this.servers = [];
    }
}
