import { expect } from "chai";
import { podPlacement, podServerEntries, renderConfigFiles, renderHostJvmFlags, renderJavaSecurity, renderLoggingConfig, renderMyid, renderServerLines, renderZooCfg } from "../components/ensemble/zooCfg";
import { resolveEnsembleSettings } from "../components/ensemble/settings";
import { EnsembleValues } from "../components/ensemble/args";

function zooCfgLines(args: Partial<EnsembleValues>): string[] {
    const s = resolveEnsembleSettings({ namespace: "zookeeper", ...args });
    return renderZooCfg(s, podServerEntries(s), podPlacement(s)).trimEnd().split("\n");
}

describe("zoo.cfg rendering", () => {
    it("3.4: server lines without client port, a clientPort line, no 3.5+ settings", () => {
        const lines = zooCfgLines({ zookeeperVersion: "3.4.14" });
        expect(lines).to.include.members([
            "clientPort=2181",
            "server.1=zk-1.zookeeper.svc.cluster.local:2888:3888",
            "server.2=zk-2.zookeeper.svc.cluster.local:2888:3888",
            "server.3=zk-3.zookeeper.svc.cluster.local:2888:3888",
            "4lw.commands.whitelist=conf,mntr,ruok,srvr",
        ]);
        for (const setting of ["standaloneEnabled", "reconfigEnabled", "admin.", "metricsProvider."]) {
            expect(lines.filter((l) => l.startsWith(setting)), setting).to.deep.equal([]);
        }
    });

    it("3.5: client port in the server lines, standalone off, admin server off, no metrics", () => {
        const lines = zooCfgLines({ zookeeperVersion: "3.5.10" });
        expect(lines).to.include.members([
            "server.1=zk-1.zookeeper.svc.cluster.local:2888:3888;2181",
            "standaloneEnabled=false",
            "reconfigEnabled=false",
            "admin.enableServer=false",
            "4lw.commands.whitelist=conf,mntr,ruok,srvr",
        ]);
        expect(lines).to.not.include("clientPort=2181");
        expect(lines.filter((l) => l.startsWith("metricsProvider."))).to.deep.equal([]);
    });

    it("3.8 (default): the whole file for three members, in a fixed order", () => {
        expect(zooCfgLines({})).to.deep.equal([
            "# zoo.cfg rendered by zookeeper-cutover for ZooKeeper 3.8.4; do not edit by hand.",
            "tickTime=2000",
            "initLimit=10",
            "syncLimit=5",
            "dataDir=/data",
            "maxClientCnxns=60",
            "minSessionTimeout=4000",
            "maxSessionTimeout=40000",
            "autopurge.snapRetainCount=3",
            "autopurge.purgeInterval=1",
            "4lw.commands.whitelist=conf,mntr,ruok,srvr",
            "quorumListenOnAllIPs=true",
            "standaloneEnabled=false",
            "reconfigEnabled=false",
            "admin.enableServer=false",
            "metricsProvider.className=org.apache.zookeeper.metrics.prometheus.PrometheusMetricsProvider",
            "metricsProvider.httpPort=7000",
            "metricsProvider.exportJvmInfo=true",
            "server.1=zk-1.zookeeper.svc.cluster.local:2888:3888;2181",
            "server.2=zk-2.zookeeper.svc.cluster.local:2888:3888;2181",
            "server.3=zk-3.zookeeper.svc.cluster.local:2888:3888;2181",
        ]);
    });

    it("takes timing, limits, autopurge, admin server and metrics port from the settings", () => {
        const lines = zooCfgLines({
            tickTime: 3000,
            initLimit: 20,
            syncLimit: 10,
            maxClientCnxns: 0,
            minSessionTimeout: 6000,
            maxSessionTimeout: 90000,
            autopurgeIntervalHours: 24,
            autopurgeSnapRetainCount: 10,
            adminServer: true,
            adminServerPort: 9090,
            metricsPort: 7070,
            fourLetterWords: ["srvr", "ruok", "stat"],
        });
        expect(lines).to.include.members([
            "tickTime=3000",
            "initLimit=20",
            "syncLimit=10",
            "maxClientCnxns=0",
            "minSessionTimeout=6000",
            "maxSessionTimeout=90000",
            "autopurge.purgeInterval=24",
            "autopurge.snapRetainCount=10",
            "admin.enableServer=true",
            "admin.serverPort=9090",
            "metricsProvider.httpPort=7070",
            "4lw.commands.whitelist=ruok,srvr,stat",
        ]);
    });

    it("session timeouts default to 2 and 20 ticks", () => {
        expect(zooCfgLines({ tickTime: 1000 })).to.include.members(["minSessionTimeout=2000", "maxSessionTimeout=20000"]);
    });

    it("disables autopurge with interval 0", () => {
        expect(zooCfgLines({ autopurgeIntervalHours: 0 })).to.include("autopurge.purgeInterval=0");
    });

    it("puts the transaction log on its own volume when dataLogVolumeSize is set", () => {
        expect(zooCfgLines({ dataLogVolumeSize: "10Gi" })).to.include("dataLogDir=/datalog");
        expect(zooCfgLines({}).some((l) => l.startsWith("dataLogDir"))).to.equal(false);
    });

    it("a single member runs standalone with a clientPort line", () => {
        const lines = zooCfgLines({ replicas: 1 });
        expect(lines).to.include.members(["standaloneEnabled=true", "clientPort=2181", "server.1=zk-1.zookeeper.svc.cluster.local:2888:3888;2181"]);
    });

    it("names peers by each member's own Service in the ensemble's namespace and cluster domain", () => {
        const lines = zooCfgLines({ namespace: "registry", ensembleName: "dubbo-zk", clusterDomain: "corp.local", memberIds: [4, 5, 6] });
        expect(lines.filter((l) => l.startsWith("server."))).to.deep.equal([
            "server.4=dubbo-zk-4.registry.svc.corp.local:2888:3888;2181",
            "server.5=dubbo-zk-5.registry.svc.corp.local:2888:3888;2181",
            "server.6=dubbo-zk-6.registry.svc.corp.local:2888:3888;2181",
        ]);
    });

    it("binds the client port to a member's own address when asked (members sharing one machine)", () => {
        const s = resolveEnsembleSettings({ namespace: "zk" });
        expect(renderServerLines(s, [{ id: 2, address: "127.0.1.2", clientBindAddress: "127.0.1.2" }])).to.deep.equal([
            "server.2=127.0.1.2:2888:3888;127.0.1.2:2181",
        ]);
    });

    it("renders myid as the member id and a newline", () => {
        expect(renderMyid(7)).to.equal("7\n");
    });

    it("uses logback from 3.8 and log4j before, both to the console", () => {
        const s38 = resolveEnsembleSettings({ namespace: "zk" });
        const s37 = resolveEnsembleSettings({ namespace: "zk", zookeeperVersion: "3.7.2" });
        expect(renderLoggingConfig(s38).fileName).to.equal("logback.xml");
        expect(renderLoggingConfig(s38).content).to.contain("ch.qos.logback.core.ConsoleAppender");
        expect(renderLoggingConfig(s37).fileName).to.equal("log4j.properties");
        expect(renderLoggingConfig(s37).content).to.contain("log4j.rootLogger=INFO, CONSOLE");
    });

    it("the member ConfigMap holds zoo.cfg, logging config, the java.security override and the three scripts", () => {
        const files = renderConfigFiles(resolveEnsembleSettings({ namespace: "zk" }));
        expect(Object.keys(files)).to.deep.equal(["zoo.cfg", "logback.xml", "java.security", "start.sh", "ready.sh", "live.sh"]);
        expect(files["start.sh"]).to.contain('members=" 1 2 3 "');
        expect(files["start.sh"]).to.contain("exec ${ZK_SERVER_COMMAND:-zkServer.sh start-foreground}");
        expect(files["ready.sh"]).to.contain("ask srvr");
        expect(files["ready.sh"]).to.contain("leader|follower|observer) exit 0");
        expect(files["live.sh"]).to.contain("ask ruok");
    });

    it("bounds the JVM's DNS cache as security properties (the only form Java honours), failed lookups at most 1 s", () => {
        const lines = (args: Partial<EnsembleValues>) =>
            renderJavaSecurity(resolveEnsembleSettings({ namespace: "zk", ...args }))
                .split("\n")
                .filter((l) => l !== "" && !l.startsWith("#"));
        expect(lines({})).to.deep.equal(["networkaddress.cache.ttl=5", "networkaddress.cache.negative.ttl=1"]);
        expect(lines({ dnsCacheSeconds: 0 })).to.deep.equal(["networkaddress.cache.ttl=0", "networkaddress.cache.negative.ttl=0"]);
        expect(lines({ dnsCacheSeconds: 20 })).to.deep.equal(["networkaddress.cache.ttl=20", "networkaddress.cache.negative.ttl=1"]);
    });

    it("tells the legacy hosts which JVM flag reads the override beside their zoo.cfg", () => {
        expect(renderHostJvmFlags(resolveEnsembleSettings({ namespace: "zk" }))).to.equal("-Djava.security.properties=/etc/zookeeper/conf/java.security");
        expect(renderHostJvmFlags(resolveEnsembleSettings({ namespace: "zk", hostConfDir: "/opt/zookeeper/conf" }))).to.equal(
            "-Djava.security.properties=/opt/zookeeper/conf/java.security",
        );
    });

    it("is deterministic: same settings, same bytes", () => {
        const a = renderConfigFiles(resolveEnsembleSettings({ namespace: "zk", memberIds: [3, 1, 2] }));
        const b = renderConfigFiles(resolveEnsembleSettings({ namespace: "zk", memberIds: [1, 2, 3] }));
        expect(a).to.deep.equal(b);
    });
});
