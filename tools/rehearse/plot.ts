/**
 * The rehearsal as a picture: acknowledged writes per second and the providers
 * each registry lists, over time, with the stage boundaries, the runbook's
 * member moves and every leader election marked, so a reviewer sees at a
 * glance where writes stalled and why. Drawn with Vega-Lite (compiled to Vega,
 * rendered to SVG without a browser).
 */
import { importEsm } from "../esm";
import type { RehearsalReport, Timeline } from "./report";

/** The picture's size: each of the two charts, in pixels. */
export const PLOT_CHART = { width: 900, height: 200 } as const;


type Event = { atS: number; kind: "stage" | "member move" | "leader election"; label: string };

function eventsOf(t: Timeline): Event[] {
    return [
        ...t.stages.map((st) => ({ atS: st.atS, kind: "stage" as const, label: st.stage })),
        ...t.steps.filter((st) => st.move).map((st) => ({ atS: st.atS, kind: "member move" as const, label: st.step.replace(/ \(.*$/, "") })),
        ...t.elections.map((e) => ({ atS: e.atS, kind: "leader election" as const, label: `election (${e.ensemble})` })),
    ];
}

/** One chart: a line per ensemble, and the events as vertical rules (stage names written at the top). */
function chart(title: string, yTitle: string, values: Record<string, unknown>[], yField: string, events: Event[], end: number): Record<string, unknown> {
    const x = { field: "t", type: "quantitative", title: "seconds from the first stage", scale: { domain: [0, end] } };
    return {
        title,
        width: PLOT_CHART.width,
        height: PLOT_CHART.height,
        layer: [
            {
                data: { values },
                mark: { type: "line", interpolate: "step-after", strokeWidth: 1.5 },
                encoding: {
                    x,
                    y: { field: yField, type: "quantitative", title: yTitle },
                    color: { field: "ensemble", type: "nominal", title: "ensemble", scale: { scheme: "category10" } },
                },
            },
            {
                data: { values: events.map((e) => ({ t: e.atS, kind: e.kind, label: e.label })) },
                mark: { type: "rule", strokeWidth: 1.5 },
                encoding: {
                    x,
                    color: {
                        field: "kind",
                        type: "nominal",
                        title: "events",
                        scale: { domain: ["stage", "member move", "leader election"], range: ["#333333", "#999999", "#d62728"] },
                    },
                    strokeDash: { field: "kind", type: "nominal", legend: null, scale: { domain: ["stage", "member move", "leader election"], range: [[1, 0], [4, 3], [1, 0]] } },
                    tooltip: [{ field: "label" }, { field: "t", title: "seconds" }],
                },
            },
            {
                // Stage names at the top, every other one a line lower, so that short stages do not overprint.
                data: { values: events.filter((e) => e.kind === "stage" && e.label !== "end").map((e, i) => ({ t: e.atS, label: e.label, y: 2 + (i % 2) * 13 })) },
                mark: { type: "text", align: "left", baseline: "top", dx: 3, fontSize: 11 },
                encoding: { x, y: { field: "y", type: "quantitative", scale: null }, text: { field: "label" } },
            },
        ],
        resolve: { scale: { color: "independent" } },
    };
}

/** The Vega-Lite specification of a rehearsal's picture. */
export function timelineSpec(report: RehearsalReport): Record<string, unknown> {
    const t = report.timeline;
    // Room right of the run's end for the last stage's name.
    const last = Math.max(1, ...t.stages.map((st) => st.atS));
    const end = Math.ceil(last + Math.max(3, last * 0.08));
    const events = eventsOf(t);
    return {
        $schema: "https://vega.github.io/schema/vega-lite/v6.json",
        title: {
            text: `Rehearsal: ${report.strategy} of ${report.members} members, ZooKeeper ${report.zookeeperVersion}`,
            subtitle: `${report.total.writesAcknowledged} writes acknowledged, ${report.total.writesLost} lost; ${report.total.leaderElections} leader election(s); longest write gap ${report.total.longestWriteGapMs} ms`,
        },
        background: "white",
        vconcat: [
            chart("Acknowledged writes per second", "writes/s", t.writes.map((w) => ({ t: w.second, ensemble: w.ensemble, writes: w.writes })), "writes", events, end),
            chart("Providers each registry lists (the fewest in each second)", "providers", t.providers.map((p) => ({ t: p.second, ensemble: p.ensemble, providers: p.providers })), "providers", events, end),
        ],
    };
}

/** The picture as SVG text. */
export async function timelineSvg(report: RehearsalReport): Promise<string> {
    const [vega, vegaLite] = await Promise.all([importEsm("vega"), importEsm("vega-lite")]);
    const compiled = vegaLite.compile(timelineSpec(report)).spec;
    const view = new vega.View(vega.parse(compiled), { renderer: "none" });
    try {
        return await view.toSVG();
    } finally {
        view.finalize();
    }
}
