/**
 * `check health` told the stage config: which members to ask, how long a
 * member-swap step waits after a move, and the next step of the swap, decided
 * from the live leader.
 */
import { connectString, registriesOf } from "../../components/cutover/registry";
import { CutoverSettings, REGISTRIES } from "../../components/cutover/settings";
import { planMemberSwap, SwapPlan } from "../../components/cutover/swapPlan";
import { memberPeerAddress } from "../../components/shared/zookeeper";
import { EnsembleSettings } from "../../components/ensemble/settings";
import { CheckError, Endpoint, HealthReport, parseConnectString } from "./health";

export interface StageGate {
    /** The members of the registry's ensemble, by the addresses in-cluster clients use. */
    endpoints: Endpoint[];
    registry: string;
    /** Member swap: `moveSettleSeconds`. */
    settleSeconds?: number;
    /** The members answer clients only over TLS (`tls: require`), at `endpoints`' TLS port. */
    tlsOnly: boolean;
}

/** Which members a stage's gate asks (`--registry` picks one in dual-registry), and its settle time. */
export function stageGate(settings: CutoverSettings, registry?: string): StageGate {
    const registries = registriesOf(settings);
    const ids = registries.map((r) => r.id as string);
    if (registry !== undefined && !REGISTRIES.includes(registry)) {
        throw new CheckError(`--registry ${JSON.stringify(registry)} is not a registry; allowed: ${REGISTRIES.join(", ")}`);
    }
    const chosen = registry ?? (ids.length === 1 ? ids[0] : "k8s");
    const r = registries.find((x) => x.id === chosen);
    if (!r) {
        throw new CheckError(`--registry ${chosen}: stage ${settings.stage} has no such registry; allowed: ${ids.join(", ")}`);
    }
    const endpoints = parseConnectString(connectString(r.inCluster), "--registry").members;
    return {
        endpoints,
        registry: chosen,
        ...(settings.stage === "member-swap" ? { settleSeconds: settings.ensembleSettings.moveSettleSeconds } : {}),
        // The legacy ensemble is outside the package's TLS settings; the pods' ensemble may be TLS only.
        tlsOnly: chosen === "k8s" && settings.ensembleSettings.tls === "require",
    };
}

/**
 * The rest of the member swap from the live leader: the stage config says
 * which members are pods, the members' server lists which hosts still run
 * their original config (a peer named otherwise than by its Service name).
 * Undefined outside a member swap.
 */
export function memberSwapPlan(settings: CutoverSettings, report: HealthReport): SwapPlan | undefined {
    return settings.stage === "member-swap" ? swapPlanFrom(settings.ensembleSettings, settings.podMembers, report) : undefined;
}

/** The same plan from the ensemble's settings and its pods (what the rehearsal follows). */
export function swapPlanFrom(e: EnsembleSettings, podIds: number[], report: HealthReport): SwapPlan {
    const hosts = e.memberIds.filter((id) => !podIds.includes(id));
    const byId = new Map(report.members.filter((m) => m.id !== undefined).map((m) => [m.id!, m]));
    const known = hosts.every((id) => byId.get(id)?.servers !== undefined);
    const onHostConfig = known ? hosts.filter((id) => byId.get(id)!.servers!.some((l) => l.host !== memberPeerAddress(e, l.id))) : undefined;
    return planMemberSwap({
        memberIds: e.memberIds,
        podIds,
        leader: report.leaderId,
        connectsBackToAnnounced: e.features.electionAnnouncement !== "none",
        ...(onHostConfig ? { onHostConfig } : {}),
    });
}

/** The plan for people. */
export function planText(plan: SwapPlan): string {
    return `member swap: next: ${plan.next}\n  order of the moves: ${plan.moves.join(", ") || "none left"}; ${plan.reason}\n`;
}
