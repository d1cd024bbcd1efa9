/**
 * TLS for the commands' own clients: the ZooKeeper client sessions and the
 * four-letter words, for an ensemble that answers clients only on its TLS
 * port (`tls: require`). The trust is a CA file; a client certificate and key
 * go with it when the members ask for one (`ssl.clientAuth` need, the
 * package's default).
 */
import * as net from "net";
import * as tls from "tls";
import { OptionError, readOptionFile } from "../errors";

/** What a client needs to speak TLS to the members. */
export interface ClientTls {
    /** PEM CA certificate(s) the members' certificates chain to. */
    ca: Buffer;
    /** PEM client certificate and its key, for members that ask for one. */
    cert?: Buffer;
    key?: Buffer;
    /** The name to check a member's certificate against when it is dialled by address (default: the host dialled). */
    servername?: string;
}

/** The files behind `ClientTls`, as options name them. */
export interface ClientTlsFiles {
    ca?: string;
    cert?: string;
    key?: string;
}

/**
 * Reads the TLS files given on a command line; undefined without any. Each
 * problem is one line naming the option (`names` maps a file to its option).
 */
export function readClientTls(files: ClientTlsFiles, names: Record<keyof ClientTlsFiles, string>): ClientTls | undefined {
    if (files.ca === undefined && files.cert === undefined && files.key === undefined) {
        return undefined;
    }
    if (files.ca === undefined) {
        throw new OptionError(`${names.ca} is missing; allowed: a PEM file of the CA the members' certificates chain to (with ${names.cert} and ${names.key} when the members ask for a client certificate)`);
    }
    if ((files.cert === undefined) !== (files.key === undefined)) {
        const [given, missing] = files.cert === undefined ? [names.key, names.cert] : [names.cert, names.key];
        throw new OptionError(`${given} needs ${missing}; allowed: a client certificate and its key together, or neither`);
    }
    const read = (file: string, option: string, what: RegExp, allowed: string): Buffer => {
        const data = readOptionFile(file, option, allowed);
        if (!what.test(data.toString("latin1"))) {
            throw new OptionError(`${option} ${JSON.stringify(file)} holds no PEM ${what === PEM_KEY ? "private key" : "certificate"}; allowed: ${allowed}`);
        }
        return data;
    };
    const options: ClientTls = {
        ca: read(files.ca, names.ca, PEM_CERTIFICATE, "a PEM CA certificate"),
        ...(files.cert !== undefined && files.key !== undefined
            ? { cert: read(files.cert, names.cert, PEM_CERTIFICATE, "a PEM certificate"), key: read(files.key, names.key, PEM_KEY, "a PEM private key") }
            : {}),
    };
    // Checked now, not at the first connection (a key that does not belong to its certificate would throw there).
    try {
        tls.createSecureContext({ ca: options.ca, cert: options.cert, key: options.key });
    } catch (err) {
        const which = options.cert !== undefined ? `${names.ca}, ${names.cert} and ${names.key}` : names.ca;
        throw new OptionError(`${which} cannot be used together (${(err as Error).message}); allowed: a PEM CA certificate, and a PEM certificate with the private key it was issued for`);
    }
    return options;
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----/;
const PEM_KEY = /-----BEGIN (RSA |EC |ENCRYPTED )?PRIVATE KEY-----/;

/**
 * A TLS connection to a member. The certificate must chain to the CA and name
 * the host the client dialled (a Service name, as cert-manager is asked for);
 * a member dialled by address is checked against the addresses it names.
 */
export function connectTls(options: ClientTls, host: string, port: number): tls.TLSSocket {
    const servername = options.servername ?? (net.isIP(host) === 0 ? host : undefined);
    return tls.connect({
        host,
        port,
        ca: options.ca,
        cert: options.cert,
        key: options.key,
        // Node checks the certificate against the servername (the name sent as SNI), else the host dialled.
        ...(servername !== undefined ? { servername } : {}),
    });
}
