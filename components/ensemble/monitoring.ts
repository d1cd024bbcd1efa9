/**
 * What watches an ensemble whose members export Prometheus metrics: a
 * PodMonitor for their metrics port, a PrometheusRule with the alerts an
 * operator needs (each pointing at its section of the README), and a Grafana
 * dashboard in a ConfigMap the Grafana sidecar loads. Every metric a rule or a
 * panel reads is declared in METRICS with where it comes from; a test checks
 * ZooKeeper's against a real member's `mntr` (the same registry the Prometheus
 * provider exports, without the `zk_` prefix). Pure.
 */
import type { IPodMonitor } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor";
import type { IPrometheusRule } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule";
import type { IConfigMap } from "kubernetes-models/v1/ConfigMap";
import { kube, KubeObject } from "../shared/kube";
import { ensembleMeta, ensembleSelector, LABEL_COMPONENT } from "../shared/labels";
import { objectNames } from "../shared/zookeeper";
import { EnsembleSettings } from "./settings";

/**
 * Where a metric comes from. ZooKeeper's own (`gauge`, `leaderGauge`: only the
 * leader has it, `counter`, `summary`: `<name>_count`, `<name>_sum` and
 * `<name>{quantile}`, in mntr `zk_cnt_<name>`, `zk_sum_<name>`); `jvm`: the
 * Prometheus Java client's JVM and process collectors (`exportJvmInfo`);
 * `kubelet`: the volume statistics kubelet exports; `prometheus`: the scrape's
 * own `up`.
 */
export type MetricSource = "gauge" | "leaderGauge" | "counter" | "summary" | "jvm" | "kubelet" | "prometheus";

/** Every metric the rules and the dashboard read. Gauges disappear from a member's endpoint while it does not serve (an election). */
export const METRICS = {
    up: "prometheus",
    znode_count: "gauge",
    watch_count: "gauge",
    ephemerals_count: "gauge",
    approximate_data_size: "gauge",
    outstanding_requests: "gauge",
    num_alive_connections: "gauge",
    global_sessions: "gauge",
    packets_received: "gauge",
    packets_sent: "gauge",
    open_file_descriptor_count: "gauge",
    max_file_descriptor_count: "gauge",
    quorum_size: "gauge",
    leader_uptime: "leaderGauge",
    learners: "leaderGauge",
    synced_followers: "leaderGauge",
    synced_non_voting_followers: "leaderGauge",
    pending_syncs: "leaderGauge",
    looking_count: "counter",
    election_time: "summary",
    readlatency: "summary",
    updatelatency: "summary",
    fsynctime: "summary",
    jvm_memory_bytes_used: "jvm",
    jvm_memory_bytes_max: "jvm",
    jvm_gc_collection_seconds_sum: "jvm",
    kubelet_volume_stats_available_bytes: "kubelet",
    kubelet_volume_stats_capacity_bytes: "kubelet",
} as const satisfies Record<string, MetricSource>;
export type MetricName = keyof typeof METRICS;
type SummaryName = { [K in MetricName]: (typeof METRICS)[K] extends "summary" ? K : never }[MetricName];
/** A series a query reads: a declared metric, or a summary's count or sum. */
export type Series = Exclude<MetricName, SummaryName> | `${SummaryName}_count` | `${SummaryName}_sum`;

/** Where an alert's runbook is: its section of the README (`runbookBaseUrl` points at a copy of it, else the file's name). */
export function runbookUrl(s: Pick<EnsembleSettings, "runbookBaseUrl">, alert: string): string {
    return `${s.runbookBaseUrl || "README.md"}#${alert.toLowerCase()}`;
}

/** The series of this ensemble: scraped by its PodMonitor (job "<namespace>/<podMonitor>"), in its namespace. */
function selector(s: EnsembleSettings): string {
    return `namespace="${s.namespace}",job="${s.namespace}/${objectNames(s).podMonitor}"`;
}

/** `series{selector}` (plus `extra` matchers); only declared metrics. */
function m(s: EnsembleSettings, series: Series, extra = ""): string {
    return `${series}{${selector(s)}${extra}}`;
}

/** Mean of a summary over `window`, in its unit (ms): rate of the sum over rate of the count, per member. */
function mean(s: EnsembleSettings, summary: SummaryName, window: string, extra = ""): string {
    return `rate(${m(s, `${summary}_sum`, extra)}[${window}]) / rate(${m(s, `${summary}_count`, extra)}[${window}])`;
}

export interface AlertRule {
    alert: string;
    expr: string;
    for: string;
    labels: { severity: "critical" | "warning" };
    annotations: { summary: string; description: string; runbook_url: string };
}

/** The alert rules of an ensemble, in the order the README lists them. */
export function alertRules(s: EnsembleSettings): AlertRule[] {
    const ens = `ZooKeeper ensemble ${s.namespace}/${s.ensembleName}`;
    const member = `{{ $labels.pod }} of ${ens}`;
    const volumes = `persistentvolumeclaim=~"(data|datalog)-${objectNames(s).statefulSet}-[0-9]+"`;
    const rule = (alert: string, severity: "critical" | "warning", expr: string, forTime: string, summary: string, description: string): AlertRule => ({
        alert,
        expr,
        for: forTime,
        labels: { severity },
        annotations: { summary, description, runbook_url: runbookUrl(s, alert) },
    });
    return [
        rule(
            "ZooKeeperNoLeader",
            "critical",
            `absent(${m(s, "leader_uptime")})`,
            "1m",
            `${ens} has no leader`,
            `No member of ${ens} reports leading: the ensemble has lost its quorum (or none of its members is scraped). Clients cannot write, and sessions expire.`,
        ),
        rule("ZooKeeperMemberDown", "warning", `${m(s, "up")} == 0`, "2m", `${member} is down`, `The metrics endpoint of ${member} does not answer: the member is not running. One member fewer can be lost before the quorum is.`),
        rule(
            "ZooKeeperMemberNotServing",
            "warning",
            `(${m(s, "up")} == 1) unless on (namespace, pod) ${m(s, "znode_count")}`,
            "2m",
            `${member} runs but does not serve`,
            `${member} answers on its metrics port but serves no clients: it is looking for a leader or cannot join the quorum.`,
        ),
        rule(
            "ZooKeeperFollowersNotSynced",
            "warning",
            `max(${m(s, "synced_followers")} - ${m(s, "synced_non_voting_followers")}) < on () (max(${m(s, "quorum_size")}) - 1)`,
            "5m",
            `Not every follower of ${ens} is synced with its leader`,
            `The leader of ${ens} has {{ $value }} synced voting followers, fewer than the voting members but itself: a member is down, not serving, or still syncing.`,
        ),
        rule(
            "ZooKeeperOutstandingRequestsHigh",
            "warning",
            `${m(s, "outstanding_requests")} > 100`,
            "5m",
            `${member} has {{ $value }} requests queued`,
            `More than 100 requests wait in ${member}: the member cannot keep up (disk, CPU or a slow quorum).`,
        ),
        rule(
            "ZooKeeperRequestLatencyHigh",
            "warning",
            `${mean(s, "updatelatency", "5m")} > 100`,
            "10m",
            `Writes through ${member} take {{ $value | humanize }} ms`,
            `Writes through ${member} took more than 100 ms on average over 5 minutes: a slow disk, a slow network between members, or an overloaded leader.`,
        ),
        rule(
            "ZooKeeperFsyncSlow",
            "warning",
            `${mean(s, "fsynctime", "5m")} > 50`,
            "10m",
            `The transaction log of ${member} syncs in {{ $value | humanize }} ms`,
            `fsync of the transaction log on ${member} took more than 50 ms on average over 5 minutes; every write waits for it. Give the log its own volume (dataLogVolumeSize) or faster storage.`,
        ),
        rule(
            "ZooKeeperFileDescriptorsNearLimit",
            "warning",
            `${m(s, "open_file_descriptor_count")} / ${m(s, "max_file_descriptor_count")} > 0.8`,
            "10m",
            `${member} uses {{ $value | humanizePercentage }} of its file descriptors`,
            `${member} has more than 80% of its file descriptors open; at the limit it refuses connections.`,
        ),
        rule(
            "ZooKeeperDataVolumeNearlyFull",
            "warning",
            `kubelet_volume_stats_available_bytes{namespace="${s.namespace}",${volumes}} / kubelet_volume_stats_capacity_bytes{namespace="${s.namespace}",${volumes}} < 0.15`,
            "10m",
            `Volume {{ $labels.persistentvolumeclaim }} of ${ens} is {{ $value | humanizePercentage }} free`,
            `Less than 15% of a data volume of ${ens} is free. A member whose disk fills stops; check autopurge (autopurgeIntervalHours) and grow the volume.`,
        ),
        rule(
            "ZooKeeperZnodesGrowingFast",
            "warning",
            `${m(s, "znode_count")} > 10000 and ${m(s, "znode_count")} > 1.5 * (${m(s, "znode_count")} offset 1h)`,
            "15m",
            `${ens} holds {{ $value }} znodes, half as many again as an hour ago`,
            `The znode count of ${ens} grew by more than 50% in an hour: a client creating nodes without removing them (e.g. sequential nodes, or registrations that are never cleaned up).`,
        ),
        rule(
            "ZooKeeperWatchesGrowingFast",
            "warning",
            `${m(s, "watch_count")} > 100000 and ${m(s, "watch_count")} > 2 * (${m(s, "watch_count")} offset 1h)`,
            "15m",
            `${member} holds {{ $value }} watches, twice as many as an hour ago`,
            `The watch count of ${member} doubled in an hour: a client setting watches it never uses up. Watches cost memory on every member.`,
        ),
        rule(
            "ZooKeeperTooManyElections",
            "warning",
            `max(increase(${m(s, "election_time_count")}[1h])) > 2`,
            "1m",
            `${ens} elected a leader {{ $value }} times in an hour`,
            `More than two leader elections in an hour in ${ens} (a member swap costs one): members restart, lose their network, or pause (GC).`,
        ),
        rule(
            "ZooKeeperHeapNearlyFull",
            "warning",
            `${m(s, "jvm_memory_bytes_used", ',area="heap"')} / ${m(s, "jvm_memory_bytes_max", ',area="heap"')} > 0.9`,
            "10m",
            `${member} uses {{ $value | humanizePercentage }} of its heap`,
            `The JVM heap of ${member} is more than 90% full: long GC pauses stall the member. Raise jvmHeap (and memoryLimit).`,
        ),
    ];
}

/** The PodMonitor that scrapes every member's metrics port. */
export function renderPodMonitor(s: EnsembleSettings): KubeObject {
    return kube<IPodMonitor>({
        apiVersion: "monitoring.coreos.com/v1",
        kind: "PodMonitor",
        metadata: ensembleMeta(s, objectNames(s).podMonitor, { [LABEL_COMPONENT]: "monitoring", ...s.monitoringLabels }),
        spec: {
            selector: { matchLabels: ensembleSelector(s.ensembleName) },
            podMetricsEndpoints: [{ port: "metrics", path: "/metrics", interval: "30s" }],
        },
    });
}

/** The PrometheusRule with the ensemble's alerts. */
export function renderPrometheusRule(s: EnsembleSettings): KubeObject {
    return kube<IPrometheusRule>({
        apiVersion: "monitoring.coreos.com/v1",
        kind: "PrometheusRule",
        metadata: ensembleMeta(s, objectNames(s).prometheusRule, { [LABEL_COMPONENT]: "monitoring", ...s.monitoringLabels }),
        spec: { groups: [{ name: `zookeeper-${s.namespace}-${s.ensembleName}`, rules: alertRules(s) }] },
    });
}

interface Panel {
    title: string;
    type: "timeseries" | "stat";
    unit: string;
    targets: { expr: string; legendFormat: string }[];
}

/** The dashboard's panels: the ensemble as a whole, then one repeated row per member (variable `pod`). */
export function dashboardPanels(s: EnsembleSettings): { ensemble: Panel[]; member: Panel[] } {
    const pod = ',pod=~"$pod"';
    const perPod = "{{pod}}";
    const panel = (title: string, type: Panel["type"], unit: string, ...targets: [string, string][]): Panel => ({ title, type, unit, targets: targets.map(([expr, legendFormat]) => ({ expr, legendFormat })) });
    return {
        ensemble: [
            panel("Leader", "stat", "none", [`max by (pod) (${m(s, "leader_uptime")}) > bool 0`, perPod]),
            panel("Serving members", "stat", "none", [`count(${m(s, "znode_count")})`, "serving"], [`max(${m(s, "quorum_size")})`, "voting members"]),
            panel("Synced followers", "timeseries", "none", [`max(${m(s, "synced_followers")})`, "synced"], [`max(${m(s, "learners")})`, "learners"], [`max(${m(s, "pending_syncs")})`, "pending syncs"]),
            panel("Leader elections", "timeseries", "none", [`max(increase(${m(s, "election_time_count")}[5m]))`, "elections"], [`sum by (pod) (increase(${m(s, "looking_count")}[5m]))`, `looking ${perPod}`]),
            panel("Znodes", "timeseries", "none", [`max(${m(s, "znode_count")})`, "znodes"], [`max(${m(s, "ephemerals_count")})`, "ephemeral"]),
            panel("Data size", "timeseries", "bytes", [`max(${m(s, "approximate_data_size")})`, "data"]),
        ],
        member: [
            panel("Request latency (mean)", "timeseries", "ms", [mean(s, "readlatency", "5m", pod), `read ${perPod}`], [mean(s, "updatelatency", "5m", pod), `write ${perPod}`]),
            panel("Throughput", "timeseries", "pps", [`rate(${m(s, "packets_received", pod)}[5m])`, `received ${perPod}`], [`rate(${m(s, "packets_sent", pod)}[5m])`, `sent ${perPod}`]),
            panel("Outstanding requests", "timeseries", "none", [m(s, "outstanding_requests", pod), perPod]),
            panel("Sessions and connections", "timeseries", "none", [m(s, "global_sessions", pod), `sessions ${perPod}`], [m(s, "num_alive_connections", pod), `connections ${perPod}`]),
            panel("Watches", "timeseries", "none", [m(s, "watch_count", pod), perPod]),
            panel("fsync (mean)", "timeseries", "ms", [mean(s, "fsynctime", "5m", pod), perPod]),
            panel("JVM heap", "timeseries", "bytes", [m(s, "jvm_memory_bytes_used", `,area="heap"${pod}`), `used ${perPod}`], [m(s, "jvm_memory_bytes_max", `,area="heap"${pod}`), `max ${perPod}`]),
            panel("GC time", "timeseries", "s", [`rate(${m(s, "jvm_gc_collection_seconds_sum", pod)}[5m])`, `{{gc}} ${perPod}`]),
            panel("File descriptors", "timeseries", "none", [m(s, "open_file_descriptor_count", pod), `open ${perPod}`], [m(s, "max_file_descriptor_count", pod), `max ${perPod}`]),
        ],
    };
}

/** The Grafana dashboard (JSON model): an ensemble row, then a row per member repeated over the variable `pod`. */
export function renderDashboard(s: EnsembleSettings): Record<string, unknown> {
    const { ensemble, member } = dashboardPanels(s);
    let id = 1;
    let y = 0;
    const panels: Record<string, unknown>[] = [];
    const row = (title: string, repeat?: string) => {
        panels.push({ id: id++, type: "row", title, collapsed: false, gridPos: { h: 1, w: 24, x: 0, y: y++ }, panels: [], ...(repeat ? { repeat } : {}) });
    };
    const place = (list: Panel[]) => {
        list.forEach((p, i) => {
            panels.push({
                id: id++,
                type: p.type,
                title: p.title,
                datasource: { type: "prometheus", uid: "${datasource}" },
                fieldConfig: { defaults: { unit: p.unit }, overrides: [] },
                gridPos: { h: 7, w: 8, x: (i % 3) * 8, y: y + Math.floor(i / 3) * 7 },
                targets: p.targets.map((t, j) => ({ refId: String.fromCharCode(65 + j), expr: t.expr, legendFormat: t.legendFormat })),
            });
        });
        y += Math.ceil(list.length / 3) * 7;
    };
    row("Ensemble");
    place(ensemble);
    row("Member $pod", "pod");
    place(member);
    return {
        title: `ZooKeeper ${s.namespace}/${s.ensembleName}`,
        uid: `zk-${s.namespace}-${s.ensembleName}`.slice(0, 40),
        tags: ["zookeeper", "zookeeper-cutover"],
        timezone: "utc",
        schemaVersion: 39,
        time: { from: "now-6h", to: "now" },
        refresh: "30s",
        templating: {
            list: [
                { name: "datasource", type: "datasource", query: "prometheus", label: "Prometheus" },
                {
                    name: "pod",
                    type: "query",
                    label: "Member",
                    datasource: { type: "prometheus", uid: "${datasource}" },
                    query: `label_values(${m(s, "up")}, pod)`,
                    refresh: 2,
                    includeAll: true,
                    multi: true,
                    sort: 1,
                },
            ],
        },
        panels,
    };
}

/** The dashboard's ConfigMap, labelled for the Grafana sidecar. */
export function renderDashboardConfigMap(s: EnsembleSettings): KubeObject {
    const name = objectNames(s).dashboard;
    return kube<IConfigMap>({
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: ensembleMeta(s, name, { [LABEL_COMPONENT]: "monitoring", ...s.grafanaDashboardLabels }),
        data: { [`${name}.json`]: JSON.stringify(renderDashboard(s), null, 2) },
    });
}

/** What watches the ensemble, as the settings ask (nothing when metrics are off). */
export function renderMonitoring(s: EnsembleSettings): { podMonitor?: KubeObject; prometheusRule?: KubeObject; dashboard?: KubeObject } {
    return {
        ...(s.podMonitor ? { podMonitor: renderPodMonitor(s) } : {}),
        ...(s.prometheusRule ? { prometheusRule: renderPrometheusRule(s) } : {}),
        ...(s.grafanaDashboard ? { dashboard: renderDashboardConfigMap(s) } : {}),
    };
}
