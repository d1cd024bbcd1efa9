/**
 * The options that say how to reach one side of a command (copy's --from and
 * --to, check parity's --old and --new, check health's members): TLS files and
 * SASL credentials, registered and read one way for every side. Loaded with
 * the command line itself, so it holds nothing heavy: the readers load the TLS
 * and SASL modules only when a command runs.
 */
import type { Command } from "commander";
import type { ClientTls } from "../zookeeper/tls";
import type { SaslCredentials } from "../zookeeper/sasl";

/** Commander's argument parser of an option that may be given again: collects every value. */
export const repeatable = (value: string, previous: string[] = []): string[] => [...previous, value];

/** The option names of a side: `--to` gives `--to-tls-ca`, ...; "" (check health's members) gives `--tls-ca`, .... */
const optionOf = (side: string, name: string) => (side === "" ? `--${name}` : `${side}-${name}`);
/** Commander's key of an option: `--to-tls-ca` is `toTlsCa`. */
const keyOf = (option: string) => option.replace(/^--/, "").replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/**
 * One side's TLS options, `<side>-tls-ca`, `<side>-tls-cert` and
 * `<side>-tls-key`; `reach` says what they are for (e.g. "reach --to").
 */
export function sideTlsOptions(cmd: Command, side: string, reach = `reach ${side}`): Command {
    const o = (name: string) => optionOf(side, name);
    return cmd
        .option(`${o("tls-ca")} <file>`, `${reach} over TLS, trusting this PEM CA (an ensemble with tls: require answers only on 2281)`)
        .option(`${o("tls-cert")} <file>`, `with ${o("tls-ca")}: a PEM client certificate, for members that ask for one (tlsClientAuth need)`)
        .option(`${o("tls-key")} <file>`, `the PEM key of ${o("tls-cert")}`);
}

/**
 * One side's SASL options, `<side>-sasl-user` and `<side>-sasl-password-file`.
 * The password comes from a file so that it shows in no process list or shell
 * history.
 */
export function sideSaslOptions(cmd: Command, side: string): Command {
    const o = (name: string) => optionOf(side, name);
    return cmd
        .option(`${o("sasl-user")} <name>`, `authenticate to ${side} with SASL DIGEST-MD5 as this user (an ensemble with saslClient: require refuses requests without); needs ${o("sasl-password-file")}`)
        .option(`${o("sasl-password-file")} <file>`, `a file holding the password of ${o("sasl-user")} alone (one line end after it is ignored)`);
}

/** A side's option names by field (`{ ca: "tls-ca" }` gives `{ ca: "--to-tls-ca" }`) and their values in commander's options. */
function sideValues<K extends string>(opts: object, side: string, fields: Record<K, string>): { names: Record<K, string>; given: Record<K, string | undefined> } {
    const entries = Object.entries(fields) as [K, string][];
    const names = Object.fromEntries(entries.map(([k, name]) => [k, optionOf(side, name)])) as Record<K, string>;
    const values = opts as Record<string, string | undefined>;
    const given = Object.fromEntries(entries.map(([k]) => [k, values[keyOf(names[k])]])) as Record<K, string | undefined>;
    return { names, given };
}

/** Reads the files of `sideTlsOptions` from commander's options (undefined without any; an `OptionError` naming the option). */
export async function readSideTls(opts: object, side: string): Promise<ClientTls | undefined> {
    const { readClientTls } = await import("../zookeeper/tls");
    const { names, given } = sideValues(opts, side, { ca: "tls-ca", cert: "tls-cert", key: "tls-key" });
    return readClientTls(given, names);
}

/** Reads the options of `sideSaslOptions` from commander's options (undefined without any; an `OptionError` naming the option). */
export async function readSideSasl(opts: object, side: string): Promise<SaslCredentials | undefined> {
    const { readClientSasl } = await import("../zookeeper/sasl");
    const { names, given } = sideValues(opts, side, { user: "sasl-user", passwordFile: "sasl-password-file" });
    return readClientSasl(given, names);
}
