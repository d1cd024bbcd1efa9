/** One member address of a connect string. */
export interface Endpoint {
    host: string;
    port: number;
}

/** `host:port`, IPv6 hosts in brackets. */
export function endpointText(e: { host: string; port: number | string }): string {
    return e.host.includes(":") ? `[${e.host}]:${e.port}` : `${e.host}:${e.port}`;
}
