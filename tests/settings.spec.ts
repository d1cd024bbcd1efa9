import { expect } from "chai";
import { resolveEnsembleSettings } from "../components/ensemble/settings";
import { EnsembleValues } from "../components/ensemble/args";
import { featuresOf, parseZooKeeperVersion, supportedVersionsText, ZooKeeperVersion } from "../components/ensemble/version";
import { issuesOf } from "./support/settings";

describe("ensemble settings", () => {
    describe("defaults", () => {
        it("give a 3-member ZooKeeper 3.8.4 ensemble with ids 1..3 and a quorum of 2", () => {
            const s = resolveEnsembleSettings({ namespace: "zookeeper" });
            expect(s.memberIds).to.deep.equal([1, 2, 3]);
            expect(s.quorumSize).to.equal(2);
            expect(s.version.text).to.equal("3.8.4");
            expect(s.image).to.equal("zookeeper:3.8.4");
            expect(s.metricsEnabled).to.equal(true);
            expect(s.minSessionTimeout).to.equal(4000);
            expect(s.maxSessionTimeout).to.equal(40000);
            expect(s.jvmHeapMiB).to.equal(1024);
            expect(s.memoryRequest).to.equal("2Gi");
        });

        it("turn metrics off by themselves on versions without the Prometheus provider", () => {
            expect(resolveEnsembleSettings({ namespace: "zk", zookeeperVersion: "3.5.10" }).metricsEnabled).to.equal(false);
            expect(resolveEnsembleSettings({ namespace: "zk", zookeeperVersion: "3.6.4" }).metricsEnabled).to.equal(true);
        });

        it("take explicit consecutive member ids in any order and sort them", () => {
            const s = resolveEnsembleSettings({ namespace: "zk", memberIds: [6, 4, 5] });
            expect(s.memberIds).to.deep.equal([4, 5, 6]);
        });

        it("allow an even member count only when asked", () => {
            const s = resolveEnsembleSettings({ namespace: "zk", replicas: 4, allowEvenMembers: true });
            expect(s.memberIds).to.deep.equal([1, 2, 3, 4]);
            expect(s.quorumSize).to.equal(3);
        });
    });

    describe("bad input is refused with one line naming the key, the value and what is allowed", () => {
        it("a JVM DNS cache or cluster DNS TTL out of range, a host config directory that is not absolute", () => {
            expect(issuesOf({ dnsCacheSeconds: 90, clusterDnsTtlSeconds: -1, hostConfDir: "conf" })).to.deep.equal([
                'hostConfDir: "conf" is not an absolute path; allowed: e.g. "/etc/zookeeper/conf"',
                "dnsCacheSeconds: 90 is out of range; allowed: 0 to 60 seconds (0 caches nothing)",
                "clusterDnsTtlSeconds: -1 is out of range; allowed: 0 to 300 seconds",
            ]);
        });

        it("an even member count", () => {
            expect(issuesOf({ replicas: 4 })).to.deep.equal([
                "replicas: 4 members is an even count, which tolerates no more failures than 3; allowed: an odd count (1, 3, 5, 7), or set allowEvenMembers to true",
            ]);
        });

        it("zero members, even when even counts are allowed", () => {
            expect(issuesOf({ replicas: 0, allowEvenMembers: true })).to.deep.equal([
                "replicas: 0 is out of range; allowed: 1 to 255 members (odd counts such as 3 or 5)",
            ]);
        });

        it("duplicate member ids", () => {
            expect(issuesOf({ memberIds: [1, 2, 2] })).to.deep.equal(["memberIds: id 2 appears more than once; allowed: each id once (every member needs its own myid)"]);
        });

        it("out-of-range member ids", () => {
            expect(issuesOf({ memberIds: [0, 1, 256] })).to.deep.equal([
                "memberIds: [0,256] out of range; allowed: whole numbers from 1 to 255 (a member's myid)",
            ]);
        });

        it("member ids that are not consecutive", () => {
            expect(issuesOf({ memberIds: [1, 2, 5] })).to.deep.equal([
                "memberIds: [1,2,5] are not consecutive; allowed: consecutive ids such as [1, 2, 3] or [4, 5, 6] (each member's pod ordinal is its myid)",
            ]);
        });

        it("replicas that disagree with memberIds", () => {
            expect(issuesOf({ replicas: 3, memberIds: [1, 2, 3, 4, 5] })).to.deep.equal([
                "replicas: 3 disagrees with memberIds, which lists 5 ids; allowed: 5, or leave memberIds empty",
            ]);
        });

        it("a malformed ZooKeeper version", () => {
            expect(issuesOf({ zookeeperVersion: "3.8" })).to.deep.equal([
                'zookeeperVersion: "3.8" is not a version of the form MAJOR.MINOR.PATCH; allowed: 3.4.14, 3.5.5-3.5.10, 3.6.0-3.6.4, 3.7.0-3.7.2, 3.8.0-3.8.4, 3.9.0-3.9.3',
            ]);
        });

        it("an unknown ZooKeeper version", () => {
            expect(issuesOf({ zookeeperVersion: "4.0.0" })).to.deep.equal([
                `zookeeperVersion: "4.0.0" is not a supported ZooKeeper release; ${"allowed: 3.4.14, 3.5.5-3.5.10, 3.6.0-3.6.4, 3.7.0-3.7.2, 3.8.0-3.8.4, 3.9.0-3.9.3"}`,
            ]);
            for (const unreleased of ["3.8.99", "3.5.4", "3.4.13", "3.10.0"]) {
                expect(issuesOf({ zookeeperVersion: unreleased }), unreleased).to.deep.equal([
                    `zookeeperVersion: "${unreleased}" is not a supported ZooKeeper release; ${"allowed: 3.4.14, 3.5.5-3.5.10, 3.6.0-3.6.4, 3.7.0-3.7.2, 3.8.0-3.8.4, 3.9.0-3.9.3"}`,
                ]);
            }
        });

        it("3.5+-only settings asked of 3.4", () => {
            expect(issuesOf({ zookeeperVersion: "3.4.14", adminServer: true, metrics: "on" })).to.deep.equal([
                "adminServer: true needs ZooKeeper 3.5 or later, but zookeeperVersion is 3.4.14; allowed: false",
                'metrics: "on" needs ZooKeeper 3.6 or later (Prometheus metrics provider), but zookeeperVersion is 3.4.14; allowed: "auto" or "off"',
            ]);
        });

        it("a heap larger than the memory limit", () => {
            expect(issuesOf({ jvmHeap: "3Gi", memoryLimit: "2Gi" })).to.deep.equal([
                'jvmHeap: "3Gi" is larger than memoryLimit "2Gi"; allowed: at most 1536Mi (75% of memoryLimit, the rest is for off-heap memory), or raise memoryLimit',
            ]);
        });

        it("a heap that leaves no room for off-heap memory", () => {
            expect(issuesOf({ jvmHeap: "1900Mi", memoryLimit: "2Gi" })[0]).to.equal(
                'jvmHeap: "1900Mi" leaves under 25% of memoryLimit "2Gi"; allowed: at most 1536Mi (75% of memoryLimit, the rest is for off-heap memory), or raise memoryLimit',
            );
        });

        it("a NodePort outside 30000-32767", () => {
            expect(issuesOf({ clientAccess: "NodePort", clientNodePort: 8080 })).to.deep.equal([
                "clientNodePort: 8080 is outside the node port range; allowed: 30000-32767, or 0 to let Kubernetes choose",
            ]);
        });

        it("a NodePort without external client access", () => {
            expect(issuesOf({ clientNodePort: 31181 })).to.deep.equal([
                'clientNodePort: 31181 is set but clientAccess is "none"; allowed: 0, or set clientAccess to NodePort or LoadBalancer',
            ]);
        });

        it("an unknown key, with a suggestion for a typo", () => {
            expect(issuesOf({ replcas: 3 })[0]).to.match(/^replcas: unknown setting \(did you mean replicas\?\); allowed: namespace, ensembleName, replicas, /);
        });

        it("values of the wrong type", () => {
            expect(issuesOf({ replicas: "3", dedicatedNodes: "yes", memberIds: ["1"] })).to.deep.equal([
                'replicas: "3" has the wrong type; allowed: a whole number',
                'memberIds: ["1"] has the wrong type; allowed: a list of whole numbers',
                'dedicatedNodes: "yes" has the wrong type; allowed: true or false',
            ]);
        });

        it("a missing namespace", () => {
            expect(() => resolveEnsembleSettings({} as EnsembleValues)).to.throw(
                "namespace: is required; allowed: the name of an existing Kubernetes namespace",
            );
        });

        it("enumerations outside their allowed values", () => {
            expect(issuesOf({ clientAccess: "Ingress", zoneSpread: "maybe", metrics: "yes" })).to.deep.equal([
                'metrics: "yes" is not allowed; allowed: auto, on, off',
                'zoneSpread: "maybe" is not allowed; allowed: required, preferred',
                'clientAccess: "Ingress" is not allowed; allowed: none, NodePort, LoadBalancer',
            ]);
        });

        it("four-letter words the probes need, and unknown ones", () => {
            expect(issuesOf({ fourLetterWords: ["mntr"] })).to.deep.equal([
                'fourLetterWords: ["mntr"] lacks ruok and srvr, which the readiness and liveness probes use; allowed: any list that includes ruok and srvr',
            ]);
            expect(issuesOf({ fourLetterWords: ["ruok", "srvr", "*"] })[0]).to.match(/^fourLetterWords: \["\*"\] unknown; allowed: conf, cons/);
        });

        it("quantities that do not parse, and limits below requests", () => {
            expect(issuesOf({ dataVolumeSize: "twenty", cpuRequest: "2", cpuLimit: "1" })).to.deep.equal([
                'dataVolumeSize: "twenty" is not a positive Kubernetes quantity; allowed: e.g. "20Gi"',
                'cpuLimit: "1" is below cpuRequest "2"; allowed: at least cpuRequest, or "" for no limit',
            ]);
        });

        it("names Kubernetes would reject", () => {
            expect(issuesOf({ namespace: "ZooKeeper", ensembleName: "1zk" })).to.deep.equal([
                'namespace: "ZooKeeper" is not a Kubernetes namespace name; allowed: lower-case letters, digits and \'-\', at most 63 characters',
                "ensembleName: \"1zk\" is not usable as a name prefix; allowed: a lower-case letter, then letters, digits and '-', at most 40 characters",
            ]);
        });

        it("an image repository that carries a tag", () => {
            expect(issuesOf({ imageRepository: "zookeeper:3.8.4" })[0]).to.match(/^imageRepository: "zookeeper:3.8.4" is not an image repository/);
        });

        it("load balancer source ranges that are not CIDRs or not used", () => {
            expect(issuesOf({ clientAccess: "LoadBalancer", loadBalancerSourceRanges: ["10.0.0.0/33"] })).to.deep.equal([
                'loadBalancerSourceRanges: ["10.0.0.0/33"] not IPv4 CIDRs; allowed: CIDRs such as "10.0.0.0/16"',
            ]);
            expect(issuesOf({ loadBalancerSourceRanges: ["10.0.0.0/16"] })).to.deep.equal([
                'loadBalancerSourceRanges: set but clientAccess is "none"; allowed: [] unless clientAccess is LoadBalancer',
            ]);
        });

        it("a metrics or admin port that another of the member's ports uses (2281 once TLS is on)", () => {
            const tls = { tls: "accept", tlsIssuer: "zookeeper-ca" };
            expect(issuesOf({ ...tls, metricsPort: 2281 })).to.deep.equal([
                "metricsPort: 2281 is already used by ZooKeeper (the TLS client port); allowed: a port other than 2181 (client), 2281 (TLS client), 2888 (quorum), 3888 (election)",
            ]);
            expect(issuesOf({ ...tls, adminServer: true, adminServerPort: 2281 })).to.deep.equal([
                "adminServerPort: 2281 is already used by ZooKeeper (the TLS client port); allowed: a port other than 2181 (client), 2281 (TLS client), 2888 (quorum), 3888 (election), 7000 (metrics)",
            ]);
            expect(issuesOf({ adminServer: true, adminServerPort: 7000 })).to.deep.equal([
                "adminServerPort: 7000 is already used by ZooKeeper (the metrics port); allowed: a port other than 2181 (client), 2888 (quorum), 3888 (election), 7000 (metrics)",
            ]);
            // Without TLS, 2281 is free; with metrics off, so is the metrics port.
            expect(resolveEnsembleSettings({ namespace: "zk", metricsPort: 2281 }).metricsPort).to.equal(2281);
            expect(resolveEnsembleSettings({ namespace: "zk", metrics: "off", adminServer: true, adminServerPort: 7000 }).adminServerPort).to.equal(7000);
        });

        it("a version written with a leading zero", () => {
            const supported = "3.4.14, 3.5.5-3.5.10, 3.6.0-3.6.4, 3.7.0-3.7.2, 3.8.0-3.8.4, 3.9.0-3.9.3";
            expect(issuesOf({ zookeeperVersion: "3.8.04" })).to.deep.equal([
                `zookeeperVersion: "3.8.04" has a leading zero (did you mean "3.8.4"?); allowed: MAJOR.MINOR.PATCH as released, without leading zeros: ${supported}`,
            ]);
            expect(issuesOf({ zookeeperVersion: "03.08.4" })).to.deep.equal([
                `zookeeperVersion: "03.08.4" has a leading zero (did you mean "3.8.4"?); allowed: MAJOR.MINOR.PATCH as released, without leading zeros: ${supported}`,
            ]);
            expect(issuesOf({ zookeeperVersion: "3.10.00" })).to.deep.equal([
                `zookeeperVersion: "3.10.00" has a leading zero; allowed: MAJOR.MINOR.PATCH as released, without leading zeros: ${supported}`,
            ]);
            expect(resolveEnsembleSettings({ namespace: "zk", zookeeperVersion: "3.6.0" }).image).to.equal("zookeeper:3.6.0");
        });

        it("two members on one host address", () => {
            expect(issuesOf({ hostMembers: ["1=10.1.0.11", "2=10.1.0.11", "3=10.1.0.11"] })).to.deep.equal([
                'hostMembers: "10.1.0.11" is given to myids 1, 2 and 3; allowed: one member per host address (every member listens on the same client and peer ports)',
            ]);
        });

        it("members on hosts given as typed objects, refused under the same key", () => {
            const s = resolveEnsembleSettings({ namespace: "zk", hosts: [{ id: 2, address: "10.1.0.12" }, { id: 3, address: "10.1.0.13" }] });
            expect(s.hosts).to.deep.equal([{ id: 2, address: "10.1.0.12" }, { id: 3, address: "10.1.0.13" }]);
            expect(s.podIds).to.deep.equal([1]);
            expect(issuesOf({ hosts: [{ id: 2, address: "10.1.0.12" }, { id: 3, address: "10.1.0.12" }] })).to.deep.equal([
                'hosts: "10.1.0.12" is given to myids 2 and 3; allowed: one member per host address (every member listens on the same client and peer ports)',
            ]);
            expect(issuesOf({ hosts: [{ id: 2 }] })).to.deep.equal(['hosts: [{"id":2}] has the wrong type; allowed: a list of {id, address} objects']);
            expect(issuesOf({ hosts: [{ id: 2, address: "10.1.0.12" }], hostMembers: ["3=10.1.0.13"] })).to.deep.equal([
                "hostMembers: Only one of hostMembers or hosts can be provided; allowed: \"myid=address\" strings in hostMembers, or {id, address} objects in hosts",
            ]);
        });

        it("load balancer source ranges that open the port to every address, alone or together", () => {
            const lb = { clientAccess: "LoadBalancer" };
            expect(issuesOf({ ...lb, loadBalancerSourceRanges: ["0.0.0.0/0"] })).to.deep.equal([
                'loadBalancerSourceRanges: ["0.0.0.0/0"] opens ZooKeeper to every address; allowed: the networks that need it, e.g. "10.1.0.0/16"',
            ]);
            expect(issuesOf({ ...lb, loadBalancerSourceRanges: ["0.0.0.0/1", "128.0.0.0/1"] })).to.deep.equal([
                'loadBalancerSourceRanges: ["0.0.0.0/1","128.0.0.0/1"] together open ZooKeeper to every address; allowed: the networks that need it, e.g. "10.1.0.0/16"',
            ]);
        });

        it("client or peer CIDRs that together cover every address", () => {
            expect(issuesOf({ clientCidrs: ["0.0.0.0/1", "128.0.0.0/1"] })).to.deep.equal([
                'clientCidrs: ["0.0.0.0/1","128.0.0.0/1"] together open ZooKeeper to every address; allowed: the networks that need it, e.g. "10.1.0.0/16"',
            ]);
            expect(issuesOf({ peerCidrs: ["10.0.0.0/8", "0.0.0.0/2", "64.0.0.0/2", "128.0.0.0/2", "192.0.0.0/2"] })).to.deep.equal([
                'peerCidrs: ["10.0.0.0/8","0.0.0.0/2","64.0.0.0/2","128.0.0.0/2","192.0.0.0/2"] together open ZooKeeper to every address; allowed: the networks that need it, e.g. "10.1.0.0/16"',
            ]);
            expect(resolveEnsembleSettings({ namespace: "zk", clientCidrs: ["0.0.0.0/1", "128.0.0.0/2"] }).clientCidrs).to.have.length(2);
        });

        it("every issue at once, not just the first", () => {
            expect(issuesOf({ replicas: 2, zookeeperVersion: "x", jvmHeap: "9Gi" })).to.have.length(3);
        });
    });

    describe("versions", () => {
        it("parse released versions of every supported line", () => {
            expect(parseZooKeeperVersion("3.4.14")).to.include({ major: 3, minor: 4, patch: 14 });
            expect(parseZooKeeperVersion("3.5.10")).to.include({ minor: 5, patch: 10 });
            expect(parseZooKeeperVersion("3.9.3")).to.include({ minor: 9 });
            expect(parseZooKeeperVersion("3.4.6")).to.have.property("error");
        });

        it("know the releases with ZOOKEEPER-4537 (a committed write left unanswered until the next request): 3.6.0-3.6.3, 3.7.0-3.7.1 and 3.8.0", () => {
            const affected = supportedVersionsText()
                .split(", ")
                .flatMap((range) => {
                    const [first, last = first] = range.split("-");
                    const [, minor, from] = first.split(".").map(Number);
                    const to = Number(last.split(".")[2]);
                    return Array.from({ length: to - from + 1 }, (_, i) => `3.${minor}.${from + i}`);
                })
                .filter((text) => featuresOf(parseZooKeeperVersion(text) as ZooKeeperVersion).lostCommitWakeup);
            expect(affected).to.deep.equal(["3.6.0", "3.6.1", "3.6.2", "3.6.3", "3.7.0", "3.7.1", "3.8.0"]);
        });
    });
});
