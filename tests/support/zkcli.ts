/**
 * ZooKeeper's own Java command-line client, for what the Node client cannot
 * do: TLS and SASL sessions. One command per run, bounded by a timeout.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { loggingJvmOption, ZooKeeperInstall } from "../../tools/zookeeper/process";

export interface CliResult {
    status: number | null;
    stdout: string;
    stderr: string;
}

/** Runs `ZooKeeperMain -server <server> <command...>` with extra JVM options; client logging (warnings only) to stderr. */
export function zkCli(install: ZooKeeperInstall, workDir: string, server: string, command: string[], jvmArgs: string[] = []): CliResult {
    const logging =
        install.logging === "logback"
            ? { file: "client-logback.xml", content: '<configuration><appender name="E" class="ch.qos.logback.core.ConsoleAppender"><target>System.err</target><encoder><pattern>%-5p %m%n</pattern></encoder></appender><root level="WARN"><appender-ref ref="E"/></root></configuration>\n' }
            : { file: "client-log4j.properties", content: "log4j.rootLogger=WARN, E\nlog4j.appender.E=org.apache.log4j.ConsoleAppender\nlog4j.appender.E.Target=System.err\nlog4j.appender.E.layout=org.apache.log4j.PatternLayout\nlog4j.appender.E.layout.ConversionPattern=%-5p %m%n\n" };
    const loggingFile = path.join(workDir, logging.file);
    if (!fs.existsSync(loggingFile)) {
        fs.writeFileSync(loggingFile, logging.content);
    }
    const option = loggingJvmOption(install.logging, loggingFile);
    const r = spawnSync(
        install.java,
        ["-Xmx128m", "-Djava.net.preferIPv4Stack=true", ...(option ? [option] : []), ...jvmArgs, "-cp", install.classpath.join(path.delimiter), "org.apache.zookeeper.ZooKeeperMain", "-server", server, ...command],
        { encoding: "utf8", timeout: 40_000 },
    );
    return { status: r.status, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
}
