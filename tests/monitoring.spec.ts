/**
 * What watches an ensemble: the PodMonitor scrapes the members' metrics port,
 * the PrometheusRule's alerts fire when they should (promtool, the tool
 * Prometheus ships, checks and tests them), and the dashboard reads only
 * metrics the members export. Needs promtool (Debian package `prometheus`);
 * fails without it in CI.
 */
import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { alertRules, dashboardPanels, METRICS, renderDashboard, renderEnsemble, resolveEnsembleSettings } from "./support/monitoring";
import { podsOf, selects, validateKubeObject } from "./support/kube";

const s = resolveEnsembleSettings({ namespace: "zookeeper", monitoringLabels: ["release=kube-prometheus-stack"] });
const rendered = renderEnsemble(s);

function promtool(args: string[], cwd: string): { code: number | null; out: string } {
    const r = spawnSync("promtool", args, { cwd, encoding: "utf8", timeout: 60_000 });
    if (r.error) {
        throw new Error(`promtool is not installed (apt-get install -y prometheus): ${r.error.message}`);
    }
    return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

/** PromQL with its strings, label matchers, ranges and grouping labels taken out: what is left names metrics, functions and operators. */
function metricsIn(expr: string): string[] {
    const bare = expr
        .replace(/"[^"]*"/g, "")
        .replace(/\{[^}]*\}/g, "")
        .replace(/\[[^\]]*\]/g, "")
        .replace(/\b(by|on|without|ignoring|group_left|group_right)\s*\([^)]*\)/g, "");
    const keywords = new Set(["and", "or", "unless", "offset", "bool", "by", "on"]);
    return [...bare.matchAll(/\b([a-zA-Z_][a-zA-Z0-9_]*)\b(?!\s*\()/g)].map((m) => m[1]).filter((t) => !keywords.has(t) && !/^\d/.test(t));
}

/** Every series a name may be: a declared metric, or a summary's _count or _sum. */
const SERIES = new Set(Object.entries(METRICS).flatMap(([name, source]) => (source === "summary" ? [`${name}_count`, `${name}_sum`] : [name])));

describe("monitoring: scrape, alerts and dashboard", () => {
    describe("the PodMonitor", () => {
        it("selects every member pod and scrapes its named metrics port, with the labels Prometheus selects monitors by", async () => {
            const monitor = rendered.monitoring.podMonitor as any;
            await validateKubeObject(monitor);
            const pods = podsOf(rendered.statefulSet);
            expect(pods).to.have.length(3);
            for (const pod of pods) {
                expect(selects(monitor.spec.selector, pod.labels), pod.name).to.equal(true);
            }
            const container = (rendered.statefulSet as any).spec.template.spec.containers[0];
            const metricsPort = container.ports.find((p: any) => p.name === monitor.spec.podMetricsEndpoints[0].port);
            expect(metricsPort.containerPort).to.equal(7000);
            expect(monitor.metadata.labels).to.include({ release: "kube-prometheus-stack" });
            expect(monitor.metadata).to.include({ name: "zk", namespace: "zookeeper" });
        });

        it("is left out with metrics off, on a version without the Prometheus provider, or when asked", () => {
            for (const args of [{ metrics: "off" as const }, { zookeeperVersion: "3.5.10" }, { podMonitor: false, prometheusRule: false, grafanaDashboard: false }]) {
                const m = renderEnsemble(resolveEnsembleSettings({ namespace: "zookeeper", ...args })).monitoring;
                expect(m, JSON.stringify(args)).to.deep.equal({});
            }
            const onlyRule = renderEnsemble(resolveEnsembleSettings({ namespace: "zookeeper", podMonitor: false, grafanaDashboard: false })).monitoring;
            expect(Object.keys(onlyRule)).to.deep.equal(["prometheusRule"]);
        });

        it("refuses labels Kubernetes does not accept and a runbook URL that is not one, naming the key", () => {
            expect(() => resolveEnsembleSettings({ namespace: "zookeeper", monitoringLabels: ["release"], grafanaDashboardLabels: ["bad key!=1"], runbookBaseUrl: "wiki/zk#top" })).to.throw(
                [
                    'runbookBaseUrl: "wiki/zk#top" is not a URL without a fragment; allowed: "" or an http(s) URL of your copy of the README, e.g. "https://git.example.com/platform/zookeeper-cutover/README.md"',
                    'monitoringLabels: "release" is not of the form "key=value", e.g. "release=kube-prometheus-stack"',
                    'grafanaDashboardLabels: "bad key!=1" cannot label an object (not a valid label); allowed: label keys and values Kubernetes accepts',
                ].join("\n"),
            );
        });
    });

    describe("the alert rules", () => {
        let dir: string;
        before(() => {
            dir = fs.mkdtempSync(path.join(os.tmpdir(), "zk-rules-"));
        });
        after(() => fs.rmSync(dir, { recursive: true, force: true }));

        it("are a valid PrometheusRule that promtool accepts, each with a severity and a runbook in the README", async () => {
            const rule = rendered.monitoring.prometheusRule as any;
            await validateKubeObject(rule);
            expect(rule.metadata.labels).to.include({ release: "kube-prometheus-stack" });
            fs.writeFileSync(path.join(dir, "rules.yml"), YAML.stringify({ groups: rule.spec.groups }));
            const checked = promtool(["check", "rules", "rules.yml"], dir);
            expect(checked.code, checked.out).to.equal(0);
            expect(checked.out).to.contain(`SUCCESS: ${alertRules(s).length} rules found`);
            const readme = fs.readFileSync(path.join(__dirname, "..", "README.md"), "utf8");
            for (const r of alertRules(s)) {
                expect(["critical", "warning"]).to.include(r.labels.severity);
                expect(r.annotations.runbook_url).to.equal(`README.md#${r.alert.toLowerCase()}`);
                expect(readme, `README section for ${r.alert}`).to.match(new RegExp(`^#### ${r.alert}$`, "m"));
            }
            const withBase = alertRules(resolveEnsembleSettings({ namespace: "zookeeper", runbookBaseUrl: "https://git.example.com/zk/README.md" }));
            expect(withBase[0].annotations.runbook_url).to.equal("https://git.example.com/zk/README.md#zookeepernoleader");
        });

        it("read only metrics a member exports (declared in METRICS, which the real-ZooKeeper suite checks), and every declared one is read", () => {
            const used = new Set<string>();
            for (const r of alertRules(s)) {
                for (const name of metricsIn(r.expr)) {
                    expect(SERIES, `${r.alert}: ${r.expr}`).to.include(name);
                    used.add(name);
                }
            }
            const { ensemble, member } = dashboardPanels(s);
            for (const p of [...ensemble, ...member]) {
                for (const t of p.targets) {
                    for (const name of metricsIn(t.expr)) {
                        expect(SERIES, `${p.title}: ${t.expr}`).to.include(name);
                        used.add(name);
                    }
                }
            }
            const declared = Object.entries(METRICS).map(([name, source]) => (source === "summary" ? [...used].some((u) => u.startsWith(`${name}_`)) : used.has(name)));
            expect(Object.keys(METRICS).filter((_, i) => !declared[i])).to.deep.equal([]);
        });

        it("fire when they should and stay quiet on a healthy ensemble (promtool test rules)", () => {
            // The expressions as rendered (annotations are checked above; promtool compares them verbatim).
            const groups = (rendered.monitoring.prometheusRule as any).spec.groups.map((g: any) => ({ ...g, rules: g.rules.map((r: any) => ({ alert: r.alert, expr: r.expr, for: r.for, labels: r.labels })) }));
            fs.writeFileSync(path.join(dir, "alerts.yml"), YAML.stringify({ groups }));
            const sel = (pod: string) => `namespace="zookeeper",job="zookeeper/zk",pod="${pod}"`;
            const member = (pod: string, leader: boolean, serving = true) => [
                { series: `up{${sel(pod)}}`, values: "1x40" },
                ...(serving ? [{ series: `znode_count{${sel(pod)}}`, values: "100x40" }, { series: `quorum_size{${sel(pod)}}`, values: "3x40" }] : []),
                ...(leader ? [{ series: `leader_uptime{${sel(pod)}}`, values: "1000+60000x40" }, { series: `synced_followers{${sel(pod)}}`, values: "2x40" }, { series: `synced_non_voting_followers{${sel(pod)}}`, values: "0x40" }] : []),
            ];
            const quiet = (names: string[]) => names.map((alertname) => ({ eval_time: "20m", alertname, exp_alerts: [] }));
            const labelsOf = (pod: string) => ({ namespace: "zookeeper", job: "zookeeper/zk", pod });
            const tests = [
                {
                    name: "healthy: a leader, two synced followers",
                    interval: "1m",
                    input_series: [...member("zk-1", true), ...member("zk-2", false), ...member("zk-3", false)],
                    alert_rule_test: quiet(["ZooKeeperNoLeader", "ZooKeeperMemberDown", "ZooKeeperMemberNotServing", "ZooKeeperFollowersNotSynced", "ZooKeeperTooManyElections"]),
                },
                {
                    name: "quorum lost: members up, none leads (another ensemble's leader does not count)",
                    interval: "1m",
                    input_series: [
                        { series: `up{${sel("zk-1")}}`, values: "1x10" },
                        { series: `leader_uptime{namespace="other",job="other/zk",pod="zk-1"}`, values: "1x10" },
                    ],
                    alert_rule_test: [{ eval_time: "5m", alertname: "ZooKeeperNoLeader", exp_alerts: [{ exp_labels: { namespace: "zookeeper", job: "zookeeper/zk", severity: "critical" } }] }],
                },
                {
                    name: "a member runs but does not serve, so the leader misses a follower",
                    interval: "1m",
                    input_series: [...member("zk-1", false), ...member("zk-2", false), ...member("zk-3", false, false)].concat([
                        { series: `leader_uptime{${sel("zk-2")}}`, values: "1x40" },
                        { series: `synced_followers{${sel("zk-2")}}`, values: "1x40" },
                        { series: `synced_non_voting_followers{${sel("zk-2")}}`, values: "0x40" },
                    ]),
                    alert_rule_test: [
                        { eval_time: "10m", alertname: "ZooKeeperMemberNotServing", exp_alerts: [{ exp_labels: { ...labelsOf("zk-3"), severity: "warning" } }] },
                        { eval_time: "10m", alertname: "ZooKeeperFollowersNotSynced", exp_alerts: [{ exp_labels: { severity: "warning" } }] },
                        { eval_time: "10m", alertname: "ZooKeeperNoLeader", exp_alerts: [] },
                    ],
                },
                {
                    name: "a member down",
                    interval: "1m",
                    input_series: [{ series: `up{${sel("zk-2")}}`, values: "0x10" }],
                    alert_rule_test: [{ eval_time: "5m", alertname: "ZooKeeperMemberDown", exp_alerts: [{ exp_labels: { ...labelsOf("zk-2"), severity: "warning" } }] }],
                },
                {
                    name: "elections every few minutes, and a slow transaction log",
                    interval: "1m",
                    input_series: [
                        { series: `election_time_count{${sel("zk-1")}}`, values: "0 1 2 3 4 5 6 7 8 9 10" },
                        { series: `fsynctime_sum{${sel("zk-1")}}`, values: "0+120x30" },
                        { series: `fsynctime_count{${sel("zk-1")}}`, values: "0+1x30" },
                    ],
                    alert_rule_test: [
                        { eval_time: "10m", alertname: "ZooKeeperTooManyElections", exp_alerts: [{ exp_labels: { severity: "warning" } }] },
                        { eval_time: "25m", alertname: "ZooKeeperFsyncSlow", exp_alerts: [{ exp_labels: { ...labelsOf("zk-1"), severity: "warning" } }] },
                    ],
                },
            ];
            fs.writeFileSync(path.join(dir, "alerts.test.yml"), YAML.stringify({ rule_files: ["alerts.yml"], evaluation_interval: "1m", tests }));
            const tested = promtool(["test", "rules", "alerts.test.yml"], dir);
            expect(tested.code, tested.out).to.equal(0);
            expect(tested.out).to.contain("SUCCESS");
        });
    });

    describe("the Grafana dashboard", () => {
        it("is a ConfigMap labelled for the Grafana sidecar, holding the dashboard's JSON", async () => {
            const cm = rendered.monitoring.dashboard as any;
            await validateKubeObject(cm);
            expect(cm.metadata.labels).to.include({ grafana_dashboard: "1" });
            expect(Object.keys(cm.data)).to.deep.equal(["zk-dashboard.json"]);
            expect(JSON.parse(cm.data["zk-dashboard.json"])).to.deep.equal(renderDashboard(s));
        });

        it("shows the ensemble (quorum and leader, znodes), then one row per member (latency, throughput, outstanding requests, sessions, watches, fsync, JVM memory)", () => {
            const d = renderDashboard(s) as any;
            const rows = d.panels.filter((p: any) => p.type === "row");
            expect(rows.map((r: any) => [r.title, r.repeat])).to.deep.equal([
                ["Ensemble", undefined],
                ["Member $pod", "pod"],
            ]);
            const titles = d.panels.filter((p: any) => p.type !== "row").map((p: any) => p.title);
            expect(titles).to.include.members(["Leader", "Serving members", "Synced followers", "Leader elections", "Znodes", "Request latency (mean)", "Throughput", "Outstanding requests", "Sessions and connections", "Watches", "fsync (mean)", "JVM heap"]);
            expect(d.templating.list.map((v: any) => v.name)).to.deep.equal(["datasource", "pod"]);
            // Panels do not overlap, and every query of a member's row is for the row's member.
            const cells = new Set<string>();
            for (const p of d.panels.filter((x: any) => x.type !== "row")) {
                const cell = `${p.gridPos.x},${p.gridPos.y}`;
                expect(cells.has(cell), p.title).to.equal(false);
                cells.add(cell);
            }
            for (const p of dashboardPanels(s).member) {
                for (const t of p.targets) {
                    expect(t.expr, p.title).to.contain('pod=~"$pod"');
                }
            }
        });
    });
});
