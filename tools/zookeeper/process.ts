/**
 * Runs real ZooKeeper servers as local processes: finds java and the server's
 * classpath, starts a member from rendered files, stops it by the PID it
 * started, and talks to it with four-letter words. Shared by the real-ZooKeeper
 * tests and the cutover rehearsal; knows nothing about how configs are rendered.
 */
import { ChildProcess, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import { ClientTls, connectTls } from "./tls";

/** Main class of a (quorum or standalone) ZooKeeper server. */
export const ZOOKEEPER_MAIN_CLASS = "org.apache.zookeeper.server.quorum.QuorumPeerMain";

/** Logging backend bound to SLF4J on the classpath; "none" means SLF4J falls back to its no-op logger. */
export type LoggingBackend = "logback" | "log4j" | "none";

/** A ZooKeeper server installation usable on this machine. */
export interface ZooKeeperInstall {
    /** Absolute path of the java executable. */
    java: string;
    /** Classpath entries, in order: the server jar(s), then the logging binding. */
    classpath: string[];
    /** Version of the server jar ("3.8.0"), when it can be told from the jar's name. */
    version?: string;
    /** Which logging configuration the server reads (see `loggingJvmOption`). */
    logging: LoggingBackend;
    /** Where it was found: a distribution tarball under ZOOKEEPER_HOME or the Debian/Ubuntu package. */
    layout: "tarball" | "debian";
    /** Directory the jars were taken from. */
    home: string;
}

/** Options of `findZooKeeperInstall`; the defaults look at the real machine. */
export interface FindInstallOptions {
    /** Environment to read JAVA_HOME, PATH and ZOOKEEPER_HOME from. Default `process.env`. */
    env?: NodeJS.ProcessEnv;
    /** Directory of the Debian package's jars. Default "/usr/share/java". */
    debianJarDir?: string;
}

const VERSION_IN_JAR = /^zookeeper-(\d+\.\d+\.\d+)\.jar$/;

function isFile(p: string): boolean {
    try {
        return fs.statSync(p).isFile();
    } catch {
        return false;
    }
}

function isExecutable(p: string): boolean {
    try {
        fs.accessSync(p, fs.constants.X_OK);
        return isFile(p);
    } catch {
        return false;
    }
}

function listDir(dir: string): string[] {
    try {
        return fs.readdirSync(dir);
    } catch {
        return [];
    }
}

/** The java executable: `$JAVA_HOME/bin/java`, else the first `java` on PATH; undefined when there is none. */
export function findJava(env: NodeJS.ProcessEnv = process.env): string | undefined {
    if (env.JAVA_HOME) {
        const candidate = path.join(env.JAVA_HOME, "bin", "java");
        if (isExecutable(candidate)) {
            return candidate;
        }
    }
    for (const dir of (env.PATH ?? "").split(path.delimiter)) {
        if (dir !== "") {
            const candidate = path.join(dir, "java");
            if (isExecutable(candidate)) {
                return candidate;
            }
        }
    }
    return undefined;
}

/** True for 3.8 and later, whose distributions log through logback (earlier ones through log4j 1.x). */
function prefersLogback(version: string | undefined): boolean {
    if (version === undefined) {
        return true;
    }
    const [major, minor] = version.split(".").map(Number);
    return major > 3 || (major === 3 && minor >= 8);
}

/**
 * Picks exactly one SLF4J binding among `available` (two bindings on one
 * classpath make SLF4J choose arbitrarily): the version's own backend first.
 */
function chooseLogging(
    version: string | undefined,
    available: Partial<Record<"logback" | "log4j", string[]>>,
): { logging: LoggingBackend; jars: string[] } {
    const order: Array<"logback" | "log4j"> = prefersLogback(version) ? ["logback", "log4j"] : ["log4j", "logback"];
    for (const backend of order) {
        const jars = available[backend];
        if (jars && jars.length > 0) {
            return { logging: backend, jars };
        }
    }
    return { logging: "none", jars: [] };
}

/**
 * An official distribution unpacked at `home` (`bin/`, `conf/`, `lib/*.jar`):
 * every jar of `lib/` except the logging bindings, plus one binding.
 */
function tarballInstall(java: string, home: string): ZooKeeperInstall | undefined {
    const libDir = path.join(home, "lib");
    const jars = listDir(libDir).filter((f) => f.endsWith(".jar")).sort();
    const serverJar = jars.find((f) => VERSION_IN_JAR.test(f));
    if (serverJar === undefined) {
        return undefined;
    }
    const version = VERSION_IN_JAR.exec(serverJar)![1];
    const isLogback = (f: string) => /^logback-(classic|core)-.*\.jar$/.test(f);
    const isLog4j = (f: string) => /^(slf4j-log4j12|slf4j-reload4j|log4j|reload4j)-.*\.jar$/.test(f);
    const full = (names: string[]) => names.map((f) => path.join(libDir, f));
    const logback = jars.filter(isLogback);
    const log4j = jars.filter(isLog4j);
    const chosen = chooseLogging(version, {
        logback: logback.length === 2 ? full(logback) : undefined,
        log4j: log4j.length >= 2 ? full(log4j) : undefined,
    });
    const base = full(jars.filter((f) => !isLogback(f) && !isLog4j(f)));
    return { java, classpath: [...base, ...chosen.jars], version, logging: chosen.logging, layout: "tarball", home };
}

/**
 * The Debian/Ubuntu `zookeeper` package: `zookeeper.jar`, whose manifest
 * Class-Path names its other jars (netty, jute, slf4j-api, ...) but no SLF4J
 * binding, so one is added from the same directory when installed
 * (logback-classic + logback-core, or slf4j-log4j12 + log4j-1.2).
 */
function debianInstall(java: string, jarDir: string): ZooKeeperInstall | undefined {
    const serverJar = path.join(jarDir, "zookeeper.jar");
    if (!isFile(serverJar) || !isFile(path.join(jarDir, "zookeeper-jute.jar"))) {
        return undefined;
    }
    // The package links zookeeper-<version>.jar to zookeeper.jar.
    const realServerJar = fs.realpathSync(serverJar);
    const version = listDir(jarDir)
        .filter((f) => VERSION_IN_JAR.test(f))
        .find((f) => fs.realpathSync(path.join(jarDir, f)) === realServerJar)
        ?.replace(VERSION_IN_JAR, "$1");
    const present = (names: string[]) => {
        const full = names.map((n) => path.join(jarDir, n));
        return full.every(isFile) ? full : undefined;
    };
    const chosen = chooseLogging(version, {
        logback: present(["logback-classic.jar", "logback-core.jar"]),
        log4j: present(["slf4j-log4j12.jar", "log4j-1.2.jar"]),
    });
    // Netty's TLS (secure client port, quorum TLS) also needs jars the manifest leaves out.
    const nettyTls = ["netty-codec.jar", "netty-resolver.jar", "netty-transport-native-unix-common.jar"].map((n) => path.join(jarDir, n)).filter(isFile);
    return { java, classpath: [serverJar, ...nettyTls, ...chosen.jars], version, logging: chosen.logging, layout: "debian", home: jarDir };
}

/**
 * Finds java and a ZooKeeper server: a distribution under `$ZOOKEEPER_HOME`
 * when set, else the Debian package's jars. Undefined when either java or the
 * server is missing.
 */
export function findZooKeeperInstall(options: FindInstallOptions = {}): ZooKeeperInstall | undefined {
    const env = options.env ?? process.env;
    const java = findJava(env);
    if (java === undefined) {
        return undefined;
    }
    if (env.ZOOKEEPER_HOME) {
        return tarballInstall(java, env.ZOOKEEPER_HOME);
    }
    return debianInstall(java, options.debianJarDir ?? "/usr/share/java");
}

/** File name of the logging configuration each backend reads. */
export const LOGGING_CONFIG_FILE: Record<Exclude<LoggingBackend, "none">, string> = {
    logback: "logback.xml",
    log4j: "log4j.properties",
};

/** The JVM option that points the install's logging backend at `configPath`; undefined for "none". */
export function loggingJvmOption(logging: LoggingBackend, configPath: string): string | undefined {
    switch (logging) {
        case "logback":
            return `-Dlogback.configurationFile=${configPath}`;
        case "log4j":
            return `-Dlog4j.configuration=file:${configPath}`;
        default:
            return undefined;
    }
}

/** What `startMember` needs: where the member lives and its rendered files. */
export interface MemberSpec {
    /** The member's directory (created if missing): zoo.cfg, the logging config and `server.log` go here. */
    dir: string;
    /** zoo.cfg text. Its `dataDir` (and `dataLogDir`, if any) are created; `myid` is written into `dataDir`. */
    zooCfg: string;
    /** Content of the myid file. */
    myid: string;
    /** Logging configuration; its file name must be the one the install's backend reads. */
    logging: { fileName: string; content: string };
    /** Maximum JVM heap in MiB. Default 256. */
    heapMiB?: number;
    /** Further JVM options, before the main class. */
    jvmArgs?: string[];
    /** A command that execs java in another context (e.g. `ip netns exec NAME`); default: none. */
    launcher?: string[];
}

/** How a process ended. */
export interface ProcessExit {
    code: number | null;
    signal: NodeJS.Signals | null;
}

/** A server process this module started. */
export interface MemberProcess {
    readonly dir: string;
    /** PID of the java process itself (spawned directly, not through a shell). */
    readonly pid: number;
    /** zoo.cfg path passed to the server. */
    readonly configFile: string;
    /** The member's stdout and stderr, where the console logging config sends the server log. */
    readonly logFile: string;
    readonly child: ChildProcess;
    /** Settles when the process has exited. */
    readonly exited: Promise<ProcessExit>;
}

/** Every process started here that has not exited yet: killed if this Node process exits first. */
const running = new Set<MemberProcess>();
const shutdownTasks = new Set<() => void>();
let exitHookInstalled = false;

/** Has the process gone (or is it a zombie, dead but not yet reaped)? Linux only; elsewhere assumed gone. */
function gone(pid: number): boolean {
    try {
        const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
        return stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z");
    } catch {
        return true;
    }
}

/** Kills every server started here and waits (at most `waitMs`) until they are gone, so their files can be removed. */
function killRunning(waitMs = 3_000): void {
    const pids = [...running].map((m) => m.pid);
    for (const pid of pids) {
        try {
            process.kill(pid, "SIGKILL");
        } catch {
            // already gone
        }
    }
    // Synchronous: this runs in signal and exit handlers, where nothing else gets to run.
    const pause = new Int32Array(new SharedArrayBuffer(4));
    const end = Date.now() + waitMs;
    while (pids.some((pid) => !gone(pid)) && Date.now() < end) {
        Atomics.wait(pause, 0, 0, 20);
    }
}

/** Kills the servers, then runs every shutdown task once (each synchronous, best effort). */
function shutDown(): void {
    killRunning();
    for (const task of [...shutdownTasks]) {
        shutdownTasks.delete(task);
        try {
            task();
        } catch {
            // best effort
        }
    }
}

function installExitHook(): void {
    if (exitHookInstalled) {
        return;
    }
    exitHookInstalled = true;
    // Any exit (an error, process.exit, a closed output) stops our servers and cleans up.
    process.once("exit", () => shutDown());
    // Interrupted (Ctrl-C, a CI timeout, a closed terminal, the parent gone): the same, then exit as the signal would.
    for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
        process.once(signal, () => {
            shutDown();
            process.exit(128 + ({ SIGHUP: 1, SIGINT: 2, SIGTERM: 15 } as const)[signal]);
        });
    }
}

/** Runs `task` (synchronous) if the process is interrupted or exits before the task is cancelled; returns a function that cancels it. */
export function onShutdown(task: () => void): () => void {
    installExitHook();
    shutdownTasks.add(task);
    return () => shutdownTasks.delete(task);
}

/** Where `command` is found (itself when it is a path), or undefined. */
function findExecutable(command: string, env: NodeJS.ProcessEnv): string | undefined {
    const candidates = command.includes("/") ? [command] : (env.PATH ?? "").split(path.delimiter).filter(Boolean).map((dir) => path.join(dir, command));
    return candidates.find((file) => {
        try {
            fs.accessSync(file, fs.constants.X_OK);
            return fs.statSync(file).isFile();
        } catch {
            return false;
        }
    });
}

let setpriv: string | null | undefined;

/**
 * The command, wrapped so that the kernel kills it when this process dies,
 * even by SIGKILL where no handler runs (Linux: util-linux's `setpriv
 * --pdeathsig`, which execs the command, so the PID stays the server's).
 * Unwrapped where setpriv is missing, or the command is (spawning it then
 * fails as it would).
 */
function diesWithParent(command: string, args: string[], env: NodeJS.ProcessEnv): { command: string; args: string[] } {
    if (setpriv === undefined) {
        const found = process.platform === "linux" ? findExecutable("setpriv", process.env) : undefined;
        setpriv = found && /--pdeathsig/.test(spawnSync(found, ["--help"], { encoding: "utf8" }).stdout ?? "") ? found : null;
    }
    return setpriv && findExecutable(command, env) ? { command: setpriv, args: ["--pdeathsig", "KILL", "--", command, ...args] } : { command, args };
}

/** The value of `key=` in zoo.cfg text, or undefined. */
export function zooCfgValue(zooCfg: string, key: string): string | undefined {
    for (const line of zooCfg.split(/\r?\n/)) {
        const m = /^\s*([^#=\s][^=]*?)\s*=\s*(.*?)\s*$/.exec(line);
        if (m && m[1] === key) {
            return m[2];
        }
    }
    return undefined;
}

/**
 * Writes the member's files (zoo.cfg and the logging config in `dir`, myid in
 * the zoo.cfg's dataDir) and starts the server with `detached: false`, its
 * stdout and stderr appended to `<dir>/server.log`. Returns once the process is
 * spawned (it is not yet serving: wait with `waitFor` and `srvr`). Throws when
 * the logging config does not suit the install or java cannot be spawned.
 */
export function startMember(install: ZooKeeperInstall, spec: MemberSpec): MemberProcess {
    const dir = path.resolve(spec.dir);
    const dataDir = zooCfgValue(spec.zooCfg, "dataDir");
    if (!dataDir) {
        throw new Error(`zoo.cfg for ${dir} has no dataDir line`);
    }
    if (install.logging !== "none" && spec.logging.fileName !== LOGGING_CONFIG_FILE[install.logging]) {
        throw new Error(
            `the ZooKeeper at ${install.home} logs through ${install.logging}, which reads ${LOGGING_CONFIG_FILE[install.logging]}, ` +
                `not ${spec.logging.fileName}; render the logging config for ${install.logging}`,
        );
    }
    fs.mkdirSync(dir, { recursive: true });
    fs.mkdirSync(dataDir, { recursive: true });
    const dataLogDir = zooCfgValue(spec.zooCfg, "dataLogDir");
    if (dataLogDir) {
        fs.mkdirSync(dataLogDir, { recursive: true });
    }
    const configFile = path.join(dir, "zoo.cfg");
    const loggingFile = path.join(dir, spec.logging.fileName);
    const logFile = path.join(dir, "server.log");
    fs.writeFileSync(configFile, spec.zooCfg);
    fs.writeFileSync(loggingFile, spec.logging.content);
    fs.writeFileSync(path.join(dataDir, "myid"), spec.myid);

    const loggingOption = loggingJvmOption(install.logging, loggingFile);
    const args = [
        `-Xmx${spec.heapMiB ?? 256}m`,
        "-Djava.net.preferIPv4Stack=true",
        `-Dzookeeper.log.dir=${dir}`,
        ...(loggingOption ? [loggingOption] : []),
        ...(spec.jvmArgs ?? []),
        "-cp",
        install.classpath.join(path.delimiter),
        ZOOKEEPER_MAIN_CLASS,
        configFile,
    ];
    const [command, ...prefix] = [...(spec.launcher ?? []), install.java];
    return spawnTracked({ dir, configFile, logFile, command, args: [...prefix, ...args] });
}

/** What `spawnTracked` starts. */
export interface TrackedSpawn {
    dir: string;
    configFile: string;
    /** stdout and stderr are appended here. */
    logFile: string;
    command: string;
    args: string[];
    /** The whole environment of the process; default: this process's. */
    env?: NodeJS.ProcessEnv;
}

/**
 * Spawns a server process (directly, or through a launcher that execs it, so
 * the PID stays the server's) with its output appended to `logFile`, and
 * tracks it: killed if this Node process exits first.
 */
export function spawnTracked(spec: TrackedSpawn): MemberProcess {
    const out = fs.openSync(spec.logFile, "a");
    let child: ChildProcess;
    try {
        const { command, args } = diesWithParent(spec.command, spec.args, spec.env ?? process.env);
        child = spawn(command, args, { cwd: spec.dir, detached: false, stdio: ["ignore", out, out], ...(spec.env ? { env: spec.env } : {}) });
    } finally {
        fs.closeSync(out);
    }
    if (child.pid === undefined) {
        // spawn reports ENOENT and friends asynchronously; the missing pid is the synchronous sign.
        child.on("error", () => undefined);
        throw new Error(`could not start ${spec.command} for the member in ${spec.dir}`);
    }
    const exited = new Promise<ProcessExit>((resolve) => {
        child.once("exit", (code, signal) => resolve({ code, signal }));
    });
    const member: MemberProcess = { dir: spec.dir, pid: child.pid, configFile: spec.configFile, logFile: spec.logFile, child, exited };
    installExitHook();
    running.add(member);
    void exited.then(() => running.delete(member));
    return member;
}

/** True while the member's process has not exited. */
export function isRunning(member: MemberProcess): boolean {
    return member.child.exitCode === null && member.child.signalCode === null;
}

/** Resolves after `ms`. */
export function delay(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Resolves with `promise`'s value, or with undefined once `ms` have passed. */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), ms);
    });
    try {
        return await Promise.race([promise, timeout]);
    } finally {
        clearTimeout(timer);
    }
}

/**
 * Stops a member by the PID `startMember` recorded: SIGTERM, then SIGKILL if
 * it has not exited after `graceMs` (default 10 s). Signals only a process
 * that has not exited yet (so a reused PID is never hit). Resolves with how it
 * ended; throws if it survives SIGKILL for `killWaitMs` (default 5 s).
 */
export async function stopMember(member: MemberProcess, graceMs = 10_000, killWaitMs = 5_000): Promise<ProcessExit> {
    const signal = (sig: NodeJS.Signals) => {
        if (isRunning(member)) {
            try {
                process.kill(member.pid, sig);
            } catch (err) {
                if ((err as NodeJS.ErrnoException).code !== "ESRCH") {
                    throw err;
                }
            }
        }
    };
    signal("SIGTERM");
    const ended = await within(member.exited, graceMs);
    if (ended) {
        return ended;
    }
    signal("SIGKILL");
    const killed = await within(member.exited, killWaitMs);
    if (!killed) {
        throw new Error(`process ${member.pid} (member in ${member.dir}) did not exit ${killWaitMs} ms after SIGKILL`);
    }
    return killed;
}

/** The last `lines` lines of the member's server.log, for failure messages. */
export function logTail(member: Pick<MemberProcess, "logFile">, lines = 30): string {
    try {
        return fs.readFileSync(member.logFile, "utf8").split("\n").slice(-lines - 1).join("\n");
    } catch {
        return "(no log)";
    }
}

/** Options of `waitFor`. */
export interface WaitOptions {
    /** Give up after this long. */
    timeoutMs: number;
    /** Pause between attempts. Default 250 ms. */
    intervalMs?: number;
    /**
     * Checked before every attempt: a returned reason ends the wait at once
     * with an error (e.g. "member 2 exited"), instead of waiting out the timeout.
     */
    abortIf?: () => string | undefined;
}

/**
 * Calls `probe` until it returns a value other than undefined, null or false,
 * and resolves with that value. A probe that throws counts as "not yet". Each
 * attempt is cut off at the deadline, so the whole wait is bounded even if a
 * probe hangs. Throws after `timeoutMs` (or as soon as `abortIf` gives a
 * reason), naming `description` and the last result or error.
 */
export async function waitFor<T>(
    description: string,
    probe: () => T | undefined | null | false | Promise<T | undefined | null | false>,
    options: WaitOptions,
): Promise<T> {
    const interval = options.intervalMs ?? 250;
    const deadline = Date.now() + options.timeoutMs;
    let last = "no attempt finished";
    for (;;) {
        const abort = options.abortIf?.();
        if (abort !== undefined) {
            throw new Error(`gave up waiting for ${description}: ${abort}`);
        }
        const remaining = deadline - Date.now();
        if (remaining <= 0) {
            throw new Error(`timed out after ${options.timeoutMs} ms waiting for ${description}; last attempt: ${last}`);
        }
        const attempt = Promise.resolve()
            .then(probe)
            .then(
                (value) => ({ value }),
                (error: unknown) => ({ error }),
            );
        const outcome = await within(attempt, remaining);
        if (outcome === undefined) {
            last = "attempt still running at the deadline";
        } else if ("error" in outcome) {
            last = `error: ${outcome.error instanceof Error ? outcome.error.message : String(outcome.error)}`;
        } else if (outcome.value !== undefined && outcome.value !== null && outcome.value !== false) {
            return outcome.value;
        } else {
            last = `returned ${String(outcome.value)}`;
        }
        await delay(Math.min(interval, Math.max(0, deadline - Date.now())));
    }
}

/** The most `fourLetterWord` reads of one answer by default: ZooKeeper's answers to srvr, mntr and conf are a few KiB. */
export const FOUR_LETTER_WORD_MAX_BYTES = 1024 * 1024;

/** Rejection of `fourLetterWord` when the answer goes past the read limit: nothing ZooKeeper answers is that long. */
export class AnswerTooLongError extends Error {
    constructor(
        readonly word: string,
        readonly maxBytes: number,
        /** The start of the answer. */
        readonly head: string,
    ) {
        const mib = 1024 * 1024;
        super(`answered ${word} with more than ${maxBytes % mib === 0 ? `${maxBytes / mib} MiB` : `${maxBytes} bytes`}`);
        this.name = "AnswerTooLongError";
    }
}

/** Options of `fourLetterWord`. */
export interface FourLetterWordOptions {
    /**
     * At the timeout, resolve with what arrived instead of rejecting, if
     * anything did (tells a service that talks but keeps the connection open
     * apart from a silent one). Default false.
     */
    partialOnTimeout?: boolean;
    /** Read at most this many bytes of the answer; more rejects with `AnswerTooLongError`. Default `FOUR_LETTER_WORD_MAX_BYTES`. */
    maxBytes?: number;
    /** Ask over TLS (a member's TLS client port). */
    tls?: ClientTls;
}

/**
 * Sends a four-letter word (`srvr`, `ruok`, `mntr`, ...) to host:port and
 * resolves with the whole reply once the server closes the connection.
 * Rejects on a connection error ("connection refused" for a closed port), when
 * no complete reply came within `timeoutMs` (default 3 s), or with
 * `AnswerTooLongError` as soon as the reply passes `maxBytes` (default 1 MiB):
 * whatever the port sends, at most that much is held and the time is bounded.
 */
export function fourLetterWord(host: string, port: number, word: string, timeoutMs = 3_000, options: FourLetterWordOptions = {}): Promise<string> {
    const maxBytes = options.maxBytes ?? FOUR_LETTER_WORD_MAX_BYTES;
    return new Promise((resolve, reject) => {
        const chunks: Buffer[] = [];
        let received = 0;
        let settled = false;
        const socket = options.tls ? connectTls(options.tls, host, port) : net.createConnection({ host, port });
        const text = () => Buffer.concat(chunks).toString("utf8");
        const finish = (err?: Error, timedOut = false) => {
            if (settled) {
                return;
            }
            settled = true;
            clearTimeout(timer);
            socket.destroy();
            if (err && !(timedOut && options.partialOnTimeout && chunks.length > 0)) {
                reject(err);
            } else {
                resolve(text());
            }
        };
        const timer = setTimeout(() => finish(new Error(`no answer to ${word} within ${timeoutMs} ms`), true), timeoutMs);
        socket.on(options.tls ? "secureConnect" : "connect", () => socket.write(word));
        socket.on("data", (chunk: Buffer) => {
            if (settled) {
                return;
            }
            const room = maxBytes - received;
            received += chunk.length;
            if (received > maxBytes) {
                chunks.push(chunk.subarray(0, room));
                finish(new AnswerTooLongError(word, maxBytes, text().slice(0, 200)));
            } else {
                chunks.push(chunk);
            }
        });
        socket.on("end", () => finish());
        socket.on("close", () => finish());
        socket.on("error", (err: NodeJS.ErrnoException) => finish(new Error(err.code === "ECONNREFUSED" ? "connection refused" : err.message)));
    });
}

/** What `srvr` tells about a member. */
export interface SrvrReport {
    /** False when the member answered that it is not serving requests (no quorum, election running). */
    serving: boolean;
    /** leader, follower, observer, standalone, or undefined while not serving. */
    mode?: string;
    /** Last zxid the member has seen. */
    zxid?: bigint;
    /** Epoch part of the zxid (its upper 32 bits). */
    epoch?: number;
    /** Version line, e.g. "3.8.0-..., built on ...". */
    version?: string;
    nodeCount?: number;
    connections?: number;
    outstanding?: number;
    /** Every "Key: value" line as given. */
    fields: Record<string, string>;
}

/** What a member answers to any four-letter word while it is outside a quorum. */
export const NOT_SERVING = /not currently serving requests/i;

/** Parses a `srvr` reply. A member without a quorum answers a single "not currently serving" line: `serving` false, no mode. */
export function parseSrvr(text: string): SrvrReport {
    const fields: Record<string, string> = {};
    for (const line of text.split(/\r?\n/)) {
        const m = /^([A-Za-z][A-Za-z /]*?):\s*(.*)$/.exec(line);
        if (m) {
            fields[m[1]] = m[2].trim();
        }
    }
    const int = (key: string) => (fields[key] !== undefined && /^\d+$/.test(fields[key]) ? Number(fields[key]) : undefined);
    let zxid: bigint | undefined;
    if (fields.Zxid !== undefined && /^0x[0-9a-fA-F]+$/.test(fields.Zxid)) {
        zxid = BigInt(fields.Zxid);
    }
    return {
        serving: fields.Mode !== undefined && !NOT_SERVING.test(text),
        mode: fields.Mode,
        zxid,
        epoch: zxid === undefined ? undefined : Number(zxid >> 32n),
        version: fields["Zookeeper version"],
        nodeCount: int("Node count"),
        connections: int("Connections"),
        outstanding: int("Outstanding"),
        fields,
    };
}

/** `srvr` against host:port, parsed. */
export async function srvr(host: string, port: number, timeoutMs = 3_000, tls?: ClientTls): Promise<SrvrReport> {
    return parseSrvr(await fourLetterWord(host, port, "srvr", timeoutMs, tls ? { tls } : {}));
}

/** Where a member answers clients, when not at the port given for all: its own port, over TLS with `tls`. */
export interface ClientAccess {
    port?: number;
    tls?: ClientTls;
}

/** Each member's srvr mode by id; undefined when it does not answer. */
export async function memberModes(members: ({ id: number; address: string } & ClientAccess)[], port: number): Promise<Map<number, string | undefined>> {
    const modes = await Promise.all(members.map((m) => srvr(m.address, m.port ?? port, 1_000, m.tls).then((r) => r.mode, () => undefined)));
    return new Map(members.map((m, i) => [m.id, modes[i]]));
}

/** Waits until every one of `members` serves in one quorum with exactly one leader; returns the leader's id. */
export async function waitForQuorum(description: string, members: ({ id: number; address: string } & ClientAccess)[], port: number, options: WaitOptions): Promise<number> {
    return waitFor(
        description,
        async () => {
            const modes = [...(await memberModes(members, port)).entries()];
            const leaders = modes.filter(([, m]) => m === "leader");
            return modes.every(([, m]) => m === "leader" || m === "follower") && leaders.length === 1 ? leaders[0][0] : undefined;
        },
        options,
    );
}

/** True when something accepts TCP connections on host:port within `timeoutMs` (default 1 s). */
export function isListening(host: string, port: number, timeoutMs = 1_000): Promise<boolean> {
    return new Promise((resolve) => {
        const socket = net.createConnection({ host, port });
        const done = (result: boolean) => {
            clearTimeout(timer);
            socket.destroy();
            resolve(result);
        };
        const timer = setTimeout(() => done(false), timeoutMs);
        socket.on("connect", () => done(true));
        socket.on("error", () => done(false));
    });
}

/** Result of a script run. */
export interface ScriptResult {
    /** Exit code; null when killed by a signal (e.g. at the timeout). */
    code: number | null;
    signal: NodeJS.Signals | null;
    stdout: string;
    stderr: string;
}

/**
 * Runs `script` with `bash -c`, its environment extended by `env`, and
 * resolves with its exit code and output. Killed (SIGKILL) after `timeoutMs`
 * (default 15 s).
 */
export function runBash(script: string, env: Record<string, string> = {}, timeoutMs = 15_000): Promise<ScriptResult> {
    return new Promise((resolve, reject) => {
        const child = spawn("bash", ["-c", script], {
            env: { ...process.env, ...env },
            stdio: ["ignore", "pipe", "pipe"],
            timeout: timeoutMs,
            killSignal: "SIGKILL",
        });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d: Buffer) => (stdout += d.toString("utf8")));
        child.stderr.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
        child.on("error", reject);
        child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
    });
}

/**
 * Loopback address of member `id` when members share one machine:
 * `<network>.<id>`, by default 127.0.1.<id> (all of 127/8 is local on Linux).
 */
export function loopbackAddress(id: number, network = "127.0.1"): string {
    if (!Number.isInteger(id) || id < 1 || id > 255) {
        throw new Error(`member id ${id} has no loopback address; allowed: 1 to 255`);
    }
    if (!/^127\.\d{1,3}\.\d{1,3}$/.test(network)) {
        throw new Error(`${network} is not the first three octets of a loopback address; allowed: e.g. "127.0.1"`);
    }
    return `${network}.${id}`;
}

/**
 * A random loopback /24 ("127.X.Y", X from 1) for one run, so that two runs on
 * one machine (say two test processes) do not fight over the members' fixed
 * ports; 127.0.0.0/24 is never chosen (a local ZooKeeper may sit on 127.0.0.1).
 */
export function randomLoopbackNetwork(): string {
    const x = 1 + Math.floor(Math.random() * 254);
    const y = Math.floor(Math.random() * 256);
    return `127.${x}.${y}`;
}
