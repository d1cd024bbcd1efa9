/**
 * The rehearsal's hosts and pods: real ZooKeeper servers, each in its own
 * network namespace, started the way production starts them.
 *
 * - A legacy host starts from a host-address config (as legacy ensembles are
 *   configured); the embrace rolls the rendered `hostZooCfg` onto it with the
 *   `hostJavaSecurity` file and `hostJvmFlags`, exactly as the runbook says.
 * - A pod starts through the rendered `start.sh` with the container's own
 *   environment from the rendered StatefulSet, and is marked ready by the
 *   rendered `ready.sh`, run on the readiness probe's schedule. The ConfigMap's
 *   files are used as rendered; only the paths the pod mounts (/conf, /data,
 *   ...) point at the pod's directory.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { JAVA_SECURITY_FILE, POD_PATHS } from "../../components/ensemble/paths";
import { renderHostJvmFlags, renderHostZooCfg, renderJavaSecurity, renderMyid, renderZooCfg } from "../../components/ensemble/zooCfg";
import { renderEnsemble } from "../../components/ensemble/objects";
import { EnsembleSettings } from "../../components/ensemble/settings";
import { loggingConfigFor } from "../zookeeper/local";
import { delay, loggingJvmOption, MemberProcess, spawnTracked, startMember, stopMember, ZOOKEEPER_MAIN_CLASS, ZooKeeperInstall } from "../zookeeper/process";
import { ClusterDns } from "./dns";
import { LocalNetwork, Node } from "./network";

/** JVM options the rehearsal adds to every member: a lighter JIT and collector so many members fit on few cores. */
const REHEARSAL_JVM_FLAGS = ["-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Djava.net.preferIPv4Stack=true"];

/** What every member of a rehearsal shares. */
export interface MemberContext {
    install: ZooKeeperInstall;
    network: LocalNetwork;
    dns: ClusterDns;
}

function jvmFlags(ctx: MemberContext, loggingFile: string): string[] {
    const logging = loggingJvmOption(ctx.install.logging, loggingFile);
    return [...REHEARSAL_JVM_FLAGS, `-Djdk.net.hosts.file=${ctx.dns.file}`, ...(logging ? [logging] : [])];
}

/** What hosts and pods share: one server process of member `id`, in its own namespace and directory. */
export abstract class RehearsalMember {
    process: MemberProcess | undefined;

    constructor(
        protected readonly ctx: MemberContext,
        readonly id: number,
        readonly node: Node,
        readonly dir: string,
    ) {}

    get address(): string {
        return this.node.address;
    }

    async stop(): Promise<void> {
        if (this.process) {
            await stopMember(this.process);
        }
    }
}

/** A member of the legacy ensemble on its "host". */
export class HostMember extends RehearsalMember {
    private last: { zooCfg: string; extraFlags: string[] } | undefined;

    constructor(
        ctx: MemberContext,
        private readonly settings: EnsembleSettings,
        id: number,
        node: Node,
        dir: string,
    ) {
        super(ctx, id, node, dir);
    }

    private start(zooCfg: string, extraFlags: string[]): MemberProcess {
        this.last = { zooCfg, extraFlags };
        const logging = loggingConfigFor(this.ctx.install, this.settings);
        this.process = startMember(this.ctx.install, {
            dir: this.dir,
            zooCfg,
            myid: renderMyid(this.id),
            logging,
            heapMiB: this.settings.jvmHeapMiB,
            jvmArgs: [...jvmFlags(this.ctx, path.join(this.dir, logging.fileName)), ...extraFlags],
            launcher: this.ctx.network.launcher(this.node),
        });
        return this.process;
    }

    /** Starts with a legacy config: every peer by its host address, bound to its own address. */
    startLegacy(hosts: { id: number; address: string }[]): MemberProcess {
        const s = { ...this.settings, metricsEnabled: false, tls: "off" as const, saslQuorum: "off" as const, saslClient: "off" as const };
        const zooCfg = renderZooCfg(s, hosts, { dataDir: path.join(this.dir, "data"), dataLogDir: "", quorumListenOnAllIPs: false });
        return this.start(zooCfg, []);
    }

    /** The embrace of the stopped host: it starts again with hostZooCfg, the java.security file beside it and hostJvmFlags. */
    embrace(): MemberProcess {
        const conf = path.join(this.dir, "conf");
        fs.mkdirSync(conf, { recursive: true });
        const s = { ...this.settings, hostDataDir: path.join(this.dir, "data"), hostConfDir: conf };
        fs.writeFileSync(path.join(conf, JAVA_SECURITY_FILE), renderJavaSecurity(s));
        return this.start(renderHostZooCfg(s), renderHostJvmFlags(s).split(" "));
    }

    /** Starts again with the config it last ran (after a crash). */
    restart(): MemberProcess {
        if (!this.last) {
            throw new Error(`host ${this.id} never started`);
        }
        return this.start(this.last.zooCfg, this.last.extraFlags);
    }
}

/** The kubelet's view of one probe: its command and schedule from the rendered pod spec. */
interface ProbeSpec {
    script: string;
    initialDelaySeconds: number;
    periodSeconds: number;
    timeoutSeconds: number;
}

/** One readiness probe run. */
export interface ProbeRun {
    at: number;
    ok: boolean;
    /** What the script said when it failed (its stderr). */
    output: string;
}

const MOUNTED = Object.values(POD_PATHS)
    .filter((p) => p.split("/").length === 2)
    .sort((a, b) => b.length - a.length);

/** A pod path (or a text naming pod paths) as it is inside the pod's directory: /conf -> <dir>/conf. */
export function mapPodPaths(text: string, dir: string): string {
    const pattern = new RegExp(`(^|[=\\s])(${MOUNTED.map((p) => p.replace("/", "\\/")).join("|")})(?=/|\\s|$)`, "gm");
    return text.replace(pattern, (_, before: string, p: string) => `${before}${dir}${p}`);
}

interface ContainerSpec {
    env: { name: string; value?: string; valueFrom?: unknown }[];
    readinessProbe: { exec: { command: string[] }; initialDelaySeconds?: number; periodSeconds?: number; timeoutSeconds?: number };
}

/** What every pod of an ensemble starts from, rendered once: the member ConfigMap's files and the StatefulSet's container. */
export interface PodTemplate {
    settings: EnsembleSettings;
    files: Record<string, string>;
    container: ContainerSpec;
}

/** The pod template of the ensemble the components would create with `settings`. */
export function podTemplate(settings: EnsembleSettings): PodTemplate {
    const rendered = renderEnsemble(settings);
    const sts = rendered.statefulSet as unknown as { spec: { template: { spec: { containers: ContainerSpec[] } } } };
    return { settings, files: rendered.configMap.data as Record<string, string>, container: sts.spec.template.spec.containers[0] };
}

/** A member running as a pod of the StatefulSet. */
export class PodMember extends RehearsalMember {
    readonly probes: ProbeRun[] = [];
    startedAt = 0;
    private readonly env: NodeJS.ProcessEnv;
    private readonly readiness: ProbeSpec;

    constructor(
        ctx: MemberContext,
        template: PodTemplate,
        id: number,
        node: Node,
        dir: string,
        /** The bootstrap ConfigMap's value: true only while a new ensemble is created. */
        bootstrap: boolean,
        /** The Secrets' content when TLS or SASL is on: the certificate directory (tls.crt, tls.key, ca.crt) and the JAAS file. */
        secrets: { tlsDir?: string; jaas?: string } = {},
    ) {
        super(ctx, id, node, dir);
        const { settings, files, container } = template;
        for (const sub of ["conf", "data", "logs", "tmp", "bootstrap", "bin", ...(settings.dataLogVolumeSize !== "" ? ["datalog"] : [])]) {
            fs.mkdirSync(path.join(dir, sub), { recursive: true });
        }
        for (const [name, content] of Object.entries(files)) {
            fs.writeFileSync(path.join(dir, "conf", name), name === "zoo.cfg" ? mapPodPaths(content, dir) : content);
        }
        const logging = loggingConfigFor(ctx.install, settings);
        fs.writeFileSync(path.join(dir, "conf", logging.fileName), logging.content);
        fs.writeFileSync(path.join(dir, "bootstrap", "bootstrap"), String(bootstrap));
        // The Secrets, mounted read-only for the members' group in production.
        if (secrets.tlsDir) {
            fs.mkdirSync(path.join(dir, "tls"), { recursive: true });
            for (const f of ["tls.crt", "tls.key", "ca.crt"]) {
                fs.copyFileSync(path.join(secrets.tlsDir, f), path.join(dir, "tls", f));
            }
        }
        if (secrets.jaas !== undefined) {
            fs.mkdirSync(path.join(dir, "sasl"), { recursive: true });
            fs.writeFileSync(path.join(dir, "sasl", "jaas.conf"), secrets.jaas, { mode: 0o600 });
        }
        // The official image's zkServer.sh start-foreground, which the rehearsal runs without the image.
        fs.writeFileSync(
            path.join(dir, "bin", "zkServer.sh"),
            [
                "#!/usr/bin/env bash",
                "# Stand-in for the official image's zkServer.sh: its start-foreground command line.",
                '[ "${1:-}" = start-foreground ] || { echo "the rehearsal runs start-foreground only" >&2; exit 2; }',
                'exec "$ZK_REHEARSAL_JAVA" "-Dzookeeper.log.dir=$ZOO_LOG_DIR" -XX:+HeapDumpOnOutOfMemoryError -cp "$ZOOCFGDIR:$ZK_REHEARSAL_CLASSPATH" ' +
                    `"-Xmx\${ZK_SERVER_HEAP}m" $ZK_REHEARSAL_JVMFLAGS $JVMFLAGS ${ZOOKEEPER_MAIN_CLASS} "$ZOOCFGDIR/zoo.cfg"`,
                "",
            ].join("\n"),
            { mode: 0o755 },
        );
        const env: NodeJS.ProcessEnv = { PATH: `${path.join(dir, "bin")}:${process.env.PATH ?? "/usr/bin:/bin"}` };
        for (const e of container.env) {
            if (e.value !== undefined) {
                env[e.name] = mapPodPaths(e.value, dir);
            } else if (e.name === "ZK_MEMBER_ID") {
                env[e.name] = String(id);
            } else if (e.name === "ZK_POD_IP") {
                env[e.name] = node.address;
            }
        }
        // Script defaults that name a mounted path, as the mounts would give them.
        env.ZK_BOOTSTRAP_FILE = path.join(dir, "bootstrap", "bootstrap");
        if (settings.dataLogVolumeSize !== "") {
            env.ZK_DATA_LOG_DIR = path.join(dir, "datalog");
        }
        if (secrets.tlsDir) {
            env.ZK_TLS_DIR = path.join(dir, "tls");
            env.ZK_TLS_KEY_STORE = mapPodPaths(POD_PATHS.keyStore, dir);
        }
        env.ZK_REHEARSAL_JAVA = ctx.install.java;
        env.ZK_REHEARSAL_CLASSPATH = ctx.install.classpath.join(path.delimiter);
        env.ZK_REHEARSAL_JVMFLAGS = jvmFlags(ctx, path.join(dir, "conf", logging.fileName)).join(" ");
        this.env = env;
        const probe = container.readinessProbe;
        this.readiness = {
            script: mapPodPaths(probe.exec.command[1], dir),
            initialDelaySeconds: probe.initialDelaySeconds ?? 0,
            periodSeconds: probe.periodSeconds ?? 10,
            timeoutSeconds: probe.timeoutSeconds ?? 1,
        };
    }

    /** The container starts: `bash /conf/start.sh` in the pod's namespace, which execs the server. */
    start(): MemberProcess {
        const launcher = this.ctx.network.launcher(this.node);
        this.startedAt = Date.now();
        this.process = spawnTracked({
            dir: this.dir,
            configFile: path.join(this.dir, "conf", "zoo.cfg"),
            logFile: path.join(this.dir, "logs", "server.log"),
            command: launcher[0],
            args: [...launcher.slice(1), "bash", path.join(this.dir, "conf", "start.sh")],
            env: this.env,
        });
        return this.process;
    }

    /** What start.sh said before it started the server (its own lines in the container's output). */
    startScriptSaid(): string[] {
        let log = "";
        try {
            log = fs.readFileSync(path.join(this.dir, "logs", "server.log"), "utf8");
        } catch {
            return [];
        }
        return log
            .split("\n")
            .slice(0, 20)
            .filter((l) => /resolves to this pod|creating the ensemble|joining the serving ensemble|the ensemble exists already|refusing to start/.test(l));
    }

    /** Runs ready.sh once in the pod's namespace, bounded by the probe's timeout. */
    probeReady(): Promise<ProbeRun> {
        const launcher = this.ctx.network.launcher(this.node);
        return new Promise((resolve) => {
            const child = spawn(launcher[0], [...launcher.slice(1), "bash", this.readiness.script], {
                env: this.env,
                stdio: ["ignore", "ignore", "pipe"],
                timeout: this.readiness.timeoutSeconds * 1000,
                killSignal: "SIGKILL",
            });
            let output = "";
            child.stderr.on("data", (d: Buffer) => (output += d.toString("utf8")));
            child.on("error", () => undefined);
            child.on("close", (code) => {
                const run = { at: Date.now(), ok: code === 0, output: output.trim() };
                this.probes.push(run);
                resolve(run);
            });
        });
    }

    /**
     * The kubelet's readiness: first probe `initialDelaySeconds` after the
     * container started, then every `periodSeconds` until one passes. Resolves
     * with the passing run; rejects once `deadlineMs` has passed or `abortIf`
     * gives a reason.
     */
    async waitReady(deadlineMs: number, abortIf: () => string | undefined): Promise<ProbeRun> {
        await delay(Math.max(0, this.startedAt + this.readiness.initialDelaySeconds * 1000 - Date.now()));
        const end = Date.now() + deadlineMs;
        for (;;) {
            const reason = abortIf();
            if (reason) {
                throw new Error(`pod ${this.id} will not become ready: ${reason}`);
            }
            const run = await this.probeReady();
            if (run.ok) {
                return run;
            }
            if (Date.now() + this.readiness.periodSeconds * 1000 > end) {
                throw new Error(`pod ${this.id} was not ready within ${deadlineMs} ms; ready.sh said: ${run.output || "nothing"}`);
            }
            await delay(this.readiness.periodSeconds * 1000);
        }
    }
}
