/**
 * The package as a user installs it: `npm pack` of this checkout unpacked into a project of its own, with the
 * package's dependencies taken from this checkout's node_modules (as an install provides them; no registry needed).
 * Used by the tarball tests and by the benchmark; not part of the package.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..");
export const PACKAGE_NAME = "zookeeper-cutover";

export interface PackedProject {
    /** The project's directory (remove it with `remove`). */
    dir: string;
    /** The installed command line: node_modules/zookeeper-cutover/bin/zk-cutover.js. */
    cli: string;
    remove(): void;
}

/** Packs this checkout (npm pack builds it first) and installs the tarball in a new temporary project. */
export function installPackedTarball(): PackedProject {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "zk-consumer-"));
    const remove = () => fs.rmSync(dir, { recursive: true, force: true });
    try {
        const pack = spawnSync("npm", ["pack", "--json", "--pack-destination", dir], { cwd: ROOT, encoding: "utf8", timeout: 180_000 });
        if (pack.status !== 0) {
            throw new Error(`npm pack failed: ${pack.stderr}`);
        }
        const tarball = path.join(dir, JSON.parse(pack.stdout)[0].filename as string);
        const modules = path.join(dir, "node_modules");
        const installed = path.join(modules, PACKAGE_NAME);
        fs.mkdirSync(installed, { recursive: true });
        const untar = spawnSync("tar", ["-xzf", tarball, "-C", installed, "--strip-components=1"], { encoding: "utf8" });
        if (untar.status !== 0) {
            throw new Error(`tar -xzf ${tarball} failed: ${untar.stderr}`);
        }
        for (const dep of fs.readdirSync(path.join(ROOT, "node_modules"))) {
            if (dep !== PACKAGE_NAME && !dep.startsWith(".")) {
                fs.symlinkSync(path.join(ROOT, "node_modules", dep), path.join(modules, dep));
            }
        }
        return { dir, cli: path.join(installed, "bin", "zk-cutover.js"), remove };
    } catch (err) {
        remove();
        throw err;
    }
}
