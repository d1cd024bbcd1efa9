/**
 * Where an ensemble's files live: the pod's mount paths and, for the renderers,
 * the placement of zoo.cfg's files (pods, or members sharing one machine in a
 * rehearsal). Pure.
 */

/** Where the rendered files are used: paths and binding differ between pods and a rehearsal on one machine. */
export interface ZooCfgPlacement {
    /** Snapshot directory. Pods: "/data". */
    dataDir: string;
    /** Transaction log directory, or "" to keep it in `dataDir`. */
    dataLogDir: string;
    /**
     * Bind quorum and election ports on all interfaces instead of the member's
     * own peer address. Pods need it (their peer address resolves through a
     * Service); members sharing one machine must not use it.
     */
    quorumListenOnAllIPs: boolean;
    /** TLS: the PEM key store (private key, then certificate chain) and trust store (CA certificates). Pods: see `podPlacement`. */
    tls?: { keyStore: string; trustStore: string };
    /**
     * With `tls` "require": where the plaintext client port listens, for the
     * probes only. Pods: "127.0.0.1"; members sharing one machine: their own
     * address.
     */
    plaintextClientAddress?: string;
    /** Address the TLS client port binds to. Pods: unset (every interface); members sharing one machine: their own address. */
    secureClientAddress?: string;
}

export const POD_PATHS = {
    data: "/data",
    dataLog: "/datalog",
    conf: "/conf",
    logs: "/logs",
    tmp: "/tmp",
    bootstrap: "/bootstrap",
    /** The certificate Secret: tls.crt, tls.key, ca.crt. */
    tls: "/tls",
    /** The key store start.sh assembles from tls.key and tls.crt (ZooKeeper reads key and chain from one PEM file). */
    keyStore: "/tmp/tls/keystore.pem",
    /** The JAAS Secret. */
    sasl: "/sasl",
} as const;

/** The PEM stores a pod's zoo.cfg names: the key store start.sh assembles, the CA from the Secret. */
export const POD_TLS_STORES = { keyStore: POD_PATHS.keyStore, trustStore: `${POD_PATHS.tls}/ca.crt` };

/** File name of the `java.security` override that bounds the JVM's DNS cache (in the ConfigMap, and beside zoo.cfg on hosts). */
export const JAVA_SECURITY_FILE = "java.security";
