/**
 * The rehearsal's TLS material, made with openssl the way cert-manager is
 * asked for it: a CA of the rehearsal's own and one certificate for every
 * member (a PKCS#8 RSA key, server and client auth, every member and client
 * Service name), as the Secret's tls.crt, tls.key and ca.crt.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { RehearsalInputError } from "./input";
import type { ClientTls } from "../zookeeper/tls";

function openssl(cwd: string, args: string[]): void {
    const r = spawnSync("openssl", args, { cwd, encoding: "utf8", timeout: 60_000 });
    if (r.error && (r.error as NodeJS.ErrnoException).code === "ENOENT") {
        throw new RehearsalInputError("the stage config turns TLS on and the rehearsal makes its certificates with openssl, which is not installed: apt-get install -y openssl");
    }
    if (r.status !== 0) {
        throw new Error(`openssl ${args[0]} failed: ${(r.error?.message ?? r.stderr).trim()}`);
    }
}

/** Writes ca.crt, tls.crt and tls.key (PKCS#8) for `dnsNames` into `dir`; returns `dir`. */
export function makeEnsembleCertificate(dir: string, dnsNames: string[]): string {
    fs.mkdirSync(dir, { recursive: true });
    openssl(dir, [
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256", "-days", "2",
        "-subj", "/CN=zookeeper-cutover rehearsal CA", "-keyout", "ca.key", "-out", "ca.crt",
        "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
    ]);
    openssl(dir, ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "tls.key"]);
    openssl(dir, ["req", "-new", "-key", "tls.key", "-subj", `/CN=${dnsNames[0]}`, "-out", "tls.csr"]);
    fs.writeFileSync(
        path.join(dir, "tls.ext"),
        `subjectAltName=${dnsNames.map((n) => `DNS:${n}`).join(",")}\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth,clientAuth\n`,
    );
    openssl(dir, ["x509", "-req", "-in", "tls.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2", "-sha256", "-extfile", "tls.ext", "-out", "tls.crt"]);
    return dir;
}

/** What a client presents from `makeEnsembleCertificate`'s directory: its CA, and the certificate (it carries client auth too) with its key. */
export function clientTlsOf(dir: string): ClientTls {
    const read = (f: string) => fs.readFileSync(path.join(dir, f));
    return { ca: read("ca.crt"), cert: read("tls.crt"), key: read("tls.key") };
}
