import { expect } from "chai";
import { ZooKeeperEnsemble } from "../components/ensemble/ensemble";
import { renderJaasConfig } from "../components/ensemble/security";
import { renderZooCfg, podServerEntries, podPlacement } from "../components/ensemble/zooCfg";
import { certificateDnsNames, renderEnsemble } from "../components/ensemble/objects";
import { resolveEnsembleSettings } from "../components/ensemble/settings";
import { EnsembleValues, SecurityStep } from "../components/ensemble/args";
import { checkTransition, stateOf, StageFacts } from "../components/cutover/guard";
import { diffStages } from "../tools/diff";
import { planJson, planStack } from "../tools/plan";
import { validateKubeObject } from "./support/kube";
import { configMapOf, object, promiseOf, register } from "./support/pulumi";
import { issuesOf } from "./support/settings";
import { planErrors, planWith } from "./support/stacks";

const settingsOf = (args: Partial<EnsembleValues>) => resolveEnsembleSettings({ namespace: "zookeeper", ...args });
const zooCfgOf = (args: Partial<EnsembleValues>) => {
    const s = settingsOf(args);
    return renderZooCfg(s, podServerEntries(s), podPlacement(s)).split("\n");
};
const tlsArgs = (tls: SecurityStep): Partial<EnsembleValues> => ({ tls, tlsIssuer: "zookeeper-ca" });

describe("TLS and SASL", () => {
    describe("zoo.cfg per TLS step (ZooKeeper's zero-downtime order)", () => {
        it("off: no TLS line at all", () => {
            expect(zooCfgOf({}).filter((l) => /ssl|secureClientPort|portUnification|serverCnxnFactory/.test(l))).to.deep.equal([]);
        });

        it("accept: port unification on, quorum TLS off, TLS client port beside 2181, PEM stores from the Secret", () => {
            const cfg = zooCfgOf(tlsArgs("accept"));
            expect(cfg).to.include.members([
                "serverCnxnFactory=org.apache.zookeeper.server.NettyServerCnxnFactory",
                "secureClientPort=2281",
                "sslQuorum=false",
                "portUnification=true",
                "ssl.keyStore.location=/tmp/tls/keystore.pem",
                "ssl.keyStore.type=PEM",
                "ssl.trustStore.location=/tls/ca.crt",
                "ssl.trustStore.type=PEM",
                "ssl.quorum.keyStore.location=/tmp/tls/keystore.pem",
                "ssl.quorum.trustStore.location=/tls/ca.crt",
                "ssl.clientAuth=need",
            ]);
            expect(cfg).to.include("server.1=zk-1.zookeeper.svc.cluster.local:2888:3888;2181");
        });

        it("prefer: members talk TLS to each other and still accept plaintext", () => {
            expect(zooCfgOf(tlsArgs("prefer"))).to.include.members(["sslQuorum=true", "portUnification=true"]);
        });

        it("require: TLS only; 2181 listens on the pod's loopback for the probes and leaves the server list", () => {
            const cfg = zooCfgOf(tlsArgs("require"));
            expect(cfg).to.include.members(["sslQuorum=true", "portUnification=false", "clientPort=2181", "clientPortAddress=127.0.0.1", "secureClientPort=2281"]);
            expect(cfg.filter((l) => l.startsWith("server."))).to.deep.equal([
                "server.1=zk-1.zookeeper.svc.cluster.local:2888:3888",
                "server.2=zk-2.zookeeper.svc.cluster.local:2888:3888",
                "server.3=zk-3.zookeeper.svc.cluster.local:2888:3888",
            ]);
        });

        it("tlsClientAuth sets ssl.clientAuth", () => {
            expect(zooCfgOf({ ...tlsArgs("accept"), tlsClientAuth: "none" })).to.include("ssl.clientAuth=none");
        });
    });

    describe("zoo.cfg and JVM flags per SASL step", () => {
        it("quorum: accept answers SASL, prefer makes learners authenticate, require refuses unauthenticated peers", () => {
            const lines = (step: SecurityStep) => zooCfgOf({ saslQuorum: step, saslQuorumPassword: "x" }).filter((l) => l.startsWith("quorum.auth."));
            expect(lines("accept")).to.deep.equal([
                "quorum.auth.enableSasl=true",
                "quorum.auth.learnerRequireSasl=false",
                "quorum.auth.serverRequireSasl=false",
                "quorum.auth.learner.saslLoginContext=QuorumLearner",
                "quorum.auth.server.saslLoginContext=QuorumServer",
            ]);
            expect(lines("prefer").slice(1, 3)).to.deep.equal(["quorum.auth.learnerRequireSasl=true", "quorum.auth.serverRequireSasl=false"]);
            expect(lines("require").slice(1, 3)).to.deep.equal(["quorum.auth.learnerRequireSasl=true", "quorum.auth.serverRequireSasl=true"]);
        });

        it("clients: the SASL provider in zoo.cfg; require also refuses sessions without SASL (a JVM flag)", () => {
            const args = { saslClient: "require" as const, saslClientUsers: ["dubbo"], saslClientPasswords: ["x"] };
            expect(zooCfgOf(args)).to.include("authProvider.sasl=org.apache.zookeeper.server.auth.SASLAuthenticationProvider");
            const jvm = renderEnsemble(settingsOf(args)).statefulSet as any;
            const flags = jvm.spec.template.spec.containers[0].env.find((e: any) => e.name === "JVMFLAGS").value.split(" ");
            expect(flags).to.include.members(["-Djava.security.auth.login.config=/sasl/jaas.conf", "-Dzookeeper.sessionRequireClientSASLAuth=true"]);
            const accept = renderEnsemble(settingsOf({ ...args, saslClient: "accept" })).statefulSet as any;
            expect(accept.spec.template.spec.containers[0].env.find((e: any) => e.name === "JVMFLAGS").value).to.not.contain("sessionRequireClientSASLAuth");
        });

        it("renders the JAAS sections with quoted, escaped passwords", () => {
            const s = settingsOf({ saslQuorum: "require", saslQuorumPassword: "q", saslClient: "accept", saslClientUsers: ["dubbo", "kafka"], saslClientPasswords: ["a", "b"] });
            expect(renderJaasConfig(s, { quorumPassword: 'p"w\\1', clientPasswords: ["d-pw", "k-pw"] }).split("\n")).to.deep.equal([
                "// JAAS configuration rendered by zookeeper-cutover.",
                "Server {",
                "    org.apache.zookeeper.server.auth.DigestLoginModule required",
                '    user_dubbo="d-pw"',
                '    user_kafka="k-pw";',
                "};",
                "QuorumServer {",
                "    org.apache.zookeeper.server.auth.DigestLoginModule required",
                '    user_quorum="p\\"w\\\\1";',
                "};",
                "QuorumLearner {",
                "    org.apache.zookeeper.server.auth.DigestLoginModule required",
                '    username="quorum"',
                '    password="p\\"w\\\\1";',
                "};",
                "",
            ]);
        });
    });

    describe("Kubernetes objects", () => {
        it("accept: pods mount the certificate Secret, expose 2281, and both client ports reach Services and the NetworkPolicy", async () => {
            const r = renderEnsemble(settingsOf(tlsArgs("accept")));
            const pod = (r.statefulSet as any).spec.template.spec;
            expect(pod.volumes).to.deep.include({ name: "tls", secret: { secretName: "zk-tls", defaultMode: 0o440 } });
            expect(pod.containers[0].volumeMounts).to.deep.include({ name: "tls", mountPath: "/tls", readOnly: true });
            expect(pod.containers[0].ports.map((p: any) => `${p.name}:${p.containerPort}`)).to.include.members(["client:2181", "client-tls:2281"]);
            expect((r.clientService as any).spec.ports.map((p: any) => p.targetPort)).to.deep.equal(["client", "client-tls"]);
            const [, clients] = (r.networkPolicy as any).spec.ingress;
            expect(clients.ports.map((p: any) => p.port)).to.deep.equal([2181, 2281]);
            for (const o of [r.statefulSet, r.clientService, r.peerService, r.networkPolicy]) {
                await validateKubeObject(o);
            }
        });

        it("require: 2181 is no longer offered to anyone outside the pod", () => {
            const r = renderEnsemble(settingsOf({ ...tlsArgs("require"), clientAccess: "NodePort", clientNodePort: 31281 }));
            expect((r.clientService as any).spec.ports.map((p: any) => p.port)).to.deep.equal([2281]);
            expect((r.externalService as any).spec.ports).to.deep.equal([{ name: "client-tls", port: 2281, targetPort: "client-tls", protocol: "TCP", nodePort: 31281 }]);
            const [peers, clients] = (r.networkPolicy as any).spec.ingress;
            expect(peers.ports.map((p: any) => p.port)).to.deep.equal([2888, 3888]);
            expect(clients.ports.map((p: any) => p.port)).to.deep.equal([2281]);
            const pod = (r.statefulSet as any).spec.template.spec;
            expect(pod.containers[0].ports.map((p: any) => p.name)).to.not.include("client");
        });

        it("a given Secret is mounted as is and no Certificate is created", () => {
            const r = renderEnsemble(settingsOf({ tls: "accept", tlsSecretName: "zk-certs" }));
            expect(r.certificate).to.equal(undefined);
            expect((r.statefulSet as any).spec.template.spec.volumes).to.deep.include({ name: "tls", secret: { secretName: "zk-certs", defaultMode: 0o440 } });
        });

        it("cert-manager: one Certificate covering every member Service and the client Services, PKCS#8, client and server auth", () => {
            const s = settingsOf({ ...tlsArgs("accept"), tlsIssuerKind: "Issuer" });
            const cert = renderEnsemble(s).certificate as any;
            expect(cert.apiVersion).to.equal("cert-manager.io/v1");
            expect(cert.spec.secretName).to.equal("zk-tls");
            expect(cert.spec.issuerRef).to.deep.equal({ group: "cert-manager.io", kind: "Issuer", name: "zookeeper-ca" });
            expect(cert.spec.privateKey.encoding).to.equal("PKCS8");
            expect(cert.spec.usages).to.include.members(["server auth", "client auth"]);
            for (const id of s.memberIds) {
                expect(cert.spec.dnsNames).to.include(`zk-${id}.zookeeper.svc.cluster.local`);
            }
            expect(cert.spec.dnsNames).to.include.members(["zk-client.zookeeper.svc.cluster.local", "zk-client", "zk-external.zookeeper.svc"]);
            expect(certificateDnsNames(s)).to.deep.equal(cert.spec.dnsNames);
        });

        it("start.sh assembles the PEM key store from the Secret and refuses to start without it", () => {
            const start = renderEnsemble(settingsOf(tlsArgs("accept"))).configMap.data as Record<string, string>;
            expect(start["start.sh"]).to.contain('( umask 077 && cat "$tls_dir/tls.key" "$tls_dir/tls.crt" > "$key_store" )');
            expect(start["start.sh"]).to.contain("refusing to start: TLS is on but the certificate Secret has no $f");
        });
    });

    describe("secrets stay secret", () => {
        const password = "quorum-pw-7f3a9c";
        const clientPassword = "dubbo-pw-51be02";

        it("the JAAS file is a Pulumi secret in a Secret; no ConfigMap, pod template or output holds a password", async () => {
            const { resources, result } = await register(
                () =>
                    new ZooKeeperEnsemble("zk", {
                        namespace: "zookeeper",
                        saslQuorum: "require",
                        saslQuorumPassword: password,
                        saslClient: "require",
                        saslClientUsers: ["dubbo"],
                        saslClientPasswords: [clientPassword],
                    }),
            );
            const secret = object(resources, "Secret", "zk-sasl");
            expect(secret.stringData).to.equal("[secret]");
            const sts = object(resources, "StatefulSet", "zk");
            expect(sts.spec.template.spec.volumes).to.deep.include({ name: "sasl", secret: { secretName: "zk-sasl", defaultMode: 0o440 } });
            const plain = JSON.stringify(resources.map((r) => r.inputs));
            expect(plain).to.not.contain(password);
            expect(plain).to.not.contain(clientPassword);
            expect(JSON.stringify(configMapOf(resources))).to.not.contain("user_");
            for (const out of [result.zooCfg, result.hostZooCfg, result.clientConnectString]) {
                expect(String(await promiseOf(out))).to.not.contain(password);
            }
        });

        it("a plan's JSON and outputs show [secret] where the passwords go, never the passwords", async () => {
            const key = (k: string) => `zookeeper-cutover:${k}`;
            const plan = await planStack({
                stack: "pure-k8s",
                configOverrides: {
                    [key("saslQuorum")]: "require",
                    [key("saslQuorumPassword")]: password,
                    [key("saslClient")]: "accept",
                    [key("saslClientUsers")]: '["dubbo"]',
                    [key("saslClientPasswords")]: JSON.stringify([clientPassword]),
                },
                secretKeys: [key("saslQuorumPassword"), key("saslClientPasswords")],
            });
            const json = planJson(plan);
            expect(json).to.not.contain(password);
            expect(json).to.not.contain(clientPassword);
            expect(JSON.stringify(plan.outputs)).to.not.contain(password);
            const secret = plan.resources.find((r) => (r.inputs as any).kind === "Secret");
            expect((secret!.inputs as any).stringData).to.equal("[secret]");
        });

        it("a password stored in plain text in the stack config is refused, without showing it", async () => {
            const lines = await planErrors("pure-k8s", { saslQuorum: "accept", saslQuorumPassword: password });
            expect(lines).to.deep.equal([
                "zookeeper-cutover:saslQuorumPassword: is stored in plain text in the stack config; allowed: a secret (pulumi config set --secret zookeeper-cutover:saslQuorumPassword ...)",
            ]);
        });

        it("encrypted values in a stack config file plan offline as [secret] (one entry per password)", async () => {
            const plan = await planWith("pure-k8s", {
                saslQuorum: "accept",
                saslQuorumPassword: { secure: "v1:AAAAexample" },
                saslClient: "accept",
                saslClientUsers: ["dubbo", "kafka"],
                saslClientPasswords: [{ secure: "v1:BBBBexample" }, { secure: "v1:CCCCexample" }],
            });
            const secret = plan.resources.find((r) => (r.inputs as any).kind === "Secret");
            expect((secret!.inputs as any).stringData).to.equal("[secret]");
            expect(planJson(plan)).to.not.match(/AAAAexample|BBBBexample|CCCCexample/);
        });
    });

    describe("bad input names the key and what is allowed", () => {
        it("TLS or SASL on 3.4, and required client SASL before 3.6", () => {
            expect(issuesOf({ zookeeperVersion: "3.4.14", ...tlsArgs("accept") })).to.deep.equal([
                'tls: "accept" needs ZooKeeper 3.5.5 or later (TLS and SASL for quorum and clients), but zookeeperVersion is 3.4.14; allowed: "off", or upgrade first',
            ]);
            expect(issuesOf({ zookeeperVersion: "3.4.14", saslQuorum: "require", saslQuorumPassword: "x" })).to.deep.equal([
                'saslQuorum: "require" needs ZooKeeper 3.5.5 or later (TLS and SASL for quorum and clients), but zookeeperVersion is 3.4.14; allowed: "off", or upgrade first',
            ]);
            expect(issuesOf({ zookeeperVersion: "3.5.10", saslClient: "require", saslClientUsers: ["dubbo"], saslClientPasswords: ["x"] })).to.deep.equal([
                'saslClient: "require" needs ZooKeeper 3.6.0 or later (zookeeper.sessionRequireClientSASLAuth), but zookeeperVersion is 3.5.10; allowed: "off" or "accept"',
            ]);
            expect(settingsOf({ zookeeperVersion: "3.5.5", ...tlsArgs("require") }).tls).to.equal("require");
        });

        it("an unknown step", () => {
            expect(issuesOf({ tls: "on" })).to.deep.equal(['tls: "on" is not allowed; allowed: off, accept, prefer, require']);
            expect(issuesOf({ saslClient: "prefer" })).to.deep.equal(['saslClient: "prefer" is not allowed; allowed: off, accept, require']);
        });

        it("TLS without certificates, with two sources, or with a Secret name Kubernetes refuses", () => {
            expect(issuesOf({ tls: "accept" })).to.deep.equal([
                'tls: "accept" needs certificates, but neither tlsSecretName nor tlsIssuer is set; allowed: tlsSecretName (an existing Secret with tls.crt, tls.key and ca.crt) or tlsIssuer (a cert-manager issuer)',
            ]);
            expect(issuesOf({ tls: "accept", tlsSecretName: "zk-certs", tlsIssuer: "ca" })).to.deep.equal([
                "tlsSecretName: Only one of tlsSecretName or tlsIssuer can be provided; allowed: an existing Secret, or a cert-manager issuer that fills one",
            ]);
            expect(issuesOf({ tls: "accept", tlsSecretName: "ZK_Certs" })).to.deep.equal([
                'tlsSecretName: "ZK_Certs" is not a valid Kubernetes object name; allowed: lower-case letters, digits, \'-\' and \'.\', starting and ending with a letter or digit, at most 253 characters',
            ]);
            expect(issuesOf({ ...tlsArgs("accept"), tlsIssuerKind: "CA" })).to.deep.equal(['tlsIssuerKind: "CA" is not allowed; allowed: ClusterIssuer, Issuer']);
            expect(issuesOf({ ...tlsArgs("accept"), zookeeperVersion: "3.5.6", tlsClientAuth: "none" })).to.deep.equal(['tlsClientAuth: "none" needs ZooKeeper 3.5.7 or later, but zookeeperVersion is 3.5.6; allowed: "need"']);
        });

        it("SASL without credentials, with users and passwords that do not pair, or with bad user names; passwords never shown", () => {
            expect(issuesOf({ saslQuorum: "accept" })).to.deep.equal(['saslQuorumPassword: is empty, but saslQuorum is "accept"; allowed: a non-empty Pulumi secret']);
            expect(issuesOf({ saslClient: "accept" })).to.deep.equal(['saslClientUsers: is empty, but saslClient is "accept"; allowed: the user names clients authenticate as, e.g. ["dubbo"]']);
            expect(issuesOf({ saslClient: "accept", saslClientUsers: ["dubbo", "kafka"], saslClientPasswords: ["s3cret-1"] })).to.deep.equal([
                "saslClientPasswords: has 1 entries for 2 saslClientUsers; allowed: one password per user, in the same order",
            ]);
            expect(issuesOf({ saslClient: "accept", saslClientUsers: ["dubbo", "kafka"], saslClientPasswords: ["s3cret-1", ""] })).to.deep.equal([
                'saslClientPasswords: the passwords of ["kafka"] are empty; allowed: non-empty Pulumi secrets',
            ]);
            expect(issuesOf({ saslClient: "accept", saslClientUsers: ["dubbo user"], saslClientPasswords: ["s3cret-1"] })[0]).to.match(/^saslClientUsers: \["dubbo user"\] not usable as SASL user names/);
            expect(issuesOf({ saslQuorumPassword: 42 }).join("\n")).to.equal("saslQuorumPassword: has the wrong type; allowed: a string (a Pulumi secret)");
        });

        it("security while members still run on hosts (member swap)", () => {
            expect(issuesOf({ ...tlsArgs("accept"), hostMembers: ["1=10.0.0.1"] })).to.deep.equal([
                'tls: "accept" while members 1 still run on hosts, which have neither the certificates nor the credentials; allowed: "off" until every member is a pod (finish the member swap first)',
            ]);
        });

        it("in a stack config, with the config key", async () => {
            expect(await planErrors("pure-k8s", { tls: "require", zookeeperVersion: "3.4.14", tlsIssuer: "zookeeper-ca" })).to.deep.equal([
                'zookeeper-cutover:tls: "require" needs ZooKeeper 3.5.5 or later (TLS and SASL for quorum and clients), but zookeeperVersion is 3.4.14; allowed: "off", or upgrade first',
            ]);
        });
    });

    describe("quorum guard: one step per rolling restart on a running ensemble", () => {
        const facts = (tls: string, saslQuorum = "off"): StageFacts => ({
            stage: "pure-k8s",
            legacyIds: [],
            memberIds: [1, 2, 3],
            podMembers: [],
            security: { tls, saslQuorum, saslClient: "off" },
        });
        const running = (tls: string, saslQuorum = "off") => stateOf(facts(tls, saslQuorum), stateOf({ ...facts("off"), stage: "dual-registry", legacyIds: [7, 8, 9] }));

        it("refuses skipping a step, and names the safe next one", () => {
            const prev = running("off");
            expect(checkTransition(prev, stateOf(facts("require"), prev))).to.deep.equal([
                {
                    rule: "security-step",
                    message: "would change tls from off to require in one rolling restart, but a running ensemble moves one step at a time (off -> accept -> prefer -> require); safe next step: tls accept",
                },
            ]);
            const secured = running("require", "require");
            expect(checkTransition(secured, stateOf(facts("require", "accept"), secured)).map((r) => r.message)).to.deep.equal([
                "would change saslQuorum from require to accept in one rolling restart, but a running ensemble moves one step at a time (off -> accept -> prefer -> require); safe next step: saslQuorum prefer",
            ]);
        });

        it("the shipped TLS stacks are the path: each step from the one before is safe, skipping to TLS only is refused", async () => {
            const path = ["pure-k8s", "pure-k8s-tls-accept", "pure-k8s-tls-prefer", "pure-k8s-tls-require"];
            for (let i = 1; i < path.length; i++) {
                const d = await diffStages(path[i - 1], path[i]);
                expect(d.guard, `${path[i - 1]} -> ${path[i]}`).to.deep.equal({ safe: true, overridden: false, rules: [], messages: [] });
                // Each step is one rolling restart: the pods roll onto a new ConfigMap; nothing stateful is replaced.
                expect(d.changes.filter((c) => c.kind === "replace").map((c) => c.name)).to.deep.equal(["zk-config"]);
            }
            const skip = await diffStages("pure-k8s", "pure-k8s-tls-require");
            expect(skip.guard.safe).to.equal(false);
            expect(skip.guard.messages.join("\n")).to.contain("would change tls from off to require in one rolling restart");
        });

        it("allows each single step, and any step for a new ensemble", () => {
            const steps = ["off", "accept", "prefer", "require"];
            for (let i = 1; i < steps.length; i++) {
                const prev = running(steps[i - 1]);
                expect(checkTransition(prev, stateOf(facts(steps[i]), prev)), steps[i]).to.deep.equal([]);
            }
            const hostsOnly = stateOf({ stage: "old-host", legacyIds: [1, 2, 3], memberIds: [], podMembers: [] });
            expect(checkTransition(hostsOnly, stateOf({ ...facts("require"), stage: "dual-registry", legacyIds: [1, 2, 3], memberIds: [4, 5, 6] }, hostsOnly))).to.deep.equal([]);
        });
    });
});
