import { expect } from "chai";
import * as fc from "fast-check";
import { checkTransition, CutoverState, parseState, StageFacts, stateOf } from "../components/cutover/guard";

const legacy = [1, 2, 3];
const facts = (stage: StageFacts["stage"], podMembers: number[] = [], memberIds = [1, 2, 3], legacyIds = legacy, preferredRegistry = "legacy"): StageFacts => ({
    stage,
    legacyIds,
    memberIds,
    podMembers,
    preferredRegistry,
});
const preferringK8s = () => facts("dual-registry", [], [1, 2, 3], legacy, "k8s");

/** Guard messages for prev -> next, with next computed after prev (as a deployment does). */
function guard(prev: StageFacts, next: StageFacts, before?: CutoverState): string[] {
    const p = stateOf(prev, before);
    return checkTransition(p, stateOf(next, p)).map((r) => `${r.rule}: ${r.message}`);
}

describe("quorum guard", () => {
    describe("allows the safe paths", () => {
        it("dual-registry: old-host -> dual-registry (legacy preferred) -> new preferred -> pure-k8s, and back to old-host", () => {
            expect(guard(facts("old-host"), facts("dual-registry"))).to.deep.equal([]);
            expect(guard(facts("dual-registry"), preferringK8s())).to.deep.equal([]);
            expect(guard(preferringK8s(), facts("pure-k8s"))).to.deep.equal([]);
            expect(guard(facts("dual-registry"), facts("old-host"))).to.deep.equal([]);
        });

        it("member swap: one member per step, then pure-k8s, and a step back", () => {
            const steps = [facts("old-host"), facts("member-swap"), facts("member-swap", [3]), facts("member-swap", [2, 3]), facts("member-swap", [1, 2, 3]), facts("pure-k8s")];
            let before: CutoverState | undefined;
            for (let i = 1; i < steps.length; i++) {
                expect(guard(steps[i - 1], steps[i], before), `${steps[i - 1].stage} -> ${steps[i].stage}`).to.deep.equal([]);
                before = stateOf(steps[i - 1], before);
            }
            expect(guard(facts("member-swap", [2, 3]), facts("member-swap", [3]))).to.deep.equal([]);
        });

        it("pure-k8s after a finished member swap keeps the legacy ensemble (no registry retired)", () => {
            const swapped = stateOf(facts("member-swap", [1, 2, 3]));
            const pure = stateOf(facts("pure-k8s"), swapped);
            expect(pure.podEnsemble).to.equal("legacy");
            expect(pure.registries).to.deep.equal(["legacy"]);
            expect(checkTransition(swapped, pure)).to.deep.equal([]);
        });
    });

    describe("refuses, explaining the safe next step", () => {
        it("taking more than floor((n-1)/2) members away at once", () => {
            expect(guard(facts("member-swap", [3]), facts("pure-k8s"))).to.deep.equal([
                "quorum: would take members 1, 2 (2 of 3) away at once, but a 3-member ensemble tolerates 1; safe next step: stage member-swap with podMembers [2, 3]",
            ]);
            expect(guard(facts("member-swap"), facts("member-swap", [1, 2, 3]))).to.deep.equal([
                "quorum: would take members 1, 2, 3 (3 of 3) away at once, but a 3-member ensemble tolerates 1; safe next step: stage member-swap with podMembers [1]",
            ]);
        });

        it("membership changes one rolling restart cannot make with quorum, naming the next step", () => {
            const pods = (...ids: number[]) => facts("pure-k8s", [], ids);
            // Rehearsed with ZooKeeper 3.8: 3 -> 5 in one step let two leaders accept writes.
            expect(guard(pods(1, 2, 3), pods(1, 2, 3, 4, 5))).to.deep.equal([
                "membership: would add 4, 5 (members [1, 2, 3] -> [1, 2, 3, 4, 5]) in one rolling restart, but members on the old list and on the new one could each elect a leader while it rolls; safe next step: memberIds [1, 2, 3, 4] (replicas 4 with allowEvenMembers), step 1 of 2 to memberIds [1, 2, 3, 4, 5], one pulumi up per step",
            ]);
            // 5 -> 3 lost quorum while the first kept member restarted; 5 -> 4 did not, but 4 -> 3 does: no way down to 3.
            const noWay = "and no way of rolling restarts that each keep quorum reaches it from here; move to a new ensemble of that size with stage dual-registry instead, or accept losing quorum while it rolls with allowUnsafeTransition";
            expect(guard(pods(1, 2, 3, 4, 5), pods(1, 2, 3))).to.deep.equal([
                `membership: would remove 4, 5 (members [1, 2, 3, 4, 5] -> [1, 2, 3]) in one rolling restart, but while it rolls, a restarting member leaves the others short of a majority of the 5-member list they still hold, ${noWay}`,
            ]);
            expect(guard(pods(1, 2, 3, 4), pods(1, 2, 3))).to.deep.equal([
                `membership: would remove 4 (members [1, 2, 3, 4] -> [1, 2, 3]) in one rolling restart, but while it rolls, a restarting member leaves the others short of a majority of the 4-member list they still hold, ${noWay}`,
            ]);
            expect(guard(pods(1, 2, 3), pods(4, 5, 6))).to.deep.equal([
                `membership: would remove 1, 2, 3 and add 4, 5, 6 (members [1, 2, 3] -> [4, 5, 6]) in one rolling restart, but while it rolls, a restarting member leaves the others short of a majority of the 3-member list they still hold or of the 3-member list, ${noWay}`,
            ]);
            // Down to 5: one member at a time while a removal keeps quorum, the last step straight to the target.
            expect(guard(pods(1, 2, 3, 4, 5, 6, 7, 8, 9), pods(1, 2, 3, 4, 5))).to.deep.equal([
                "membership: would remove 6, 7, 8, 9 (members [1, 2, 3, 4, 5, 6, 7, 8, 9] -> [1, 2, 3, 4, 5]) in one rolling restart, but while it rolls, a restarting member leaves the others short of a majority of the 9-member list they still hold; safe next step: memberIds [1, 2, 3, 4, 5, 6, 7, 8] (replicas 8 with allowEvenMembers), step 1 of 3 to memberIds [1, 2, 3, 4, 5], one pulumi up per step",
            ]);
            expect(guard(pods(1, 2, 3), pods(1, 2, 3, 4))).to.deep.equal([]);
            expect(guard(pods(1, 2, 3, 4), pods(1, 2, 3, 4, 5))).to.deep.equal([]);
            expect(guard(pods(1, 2, 3, 4, 5), pods(1, 2, 3, 4))).to.deep.equal([]);
            expect(guard(pods(1, 2, 3, 4, 5, 6, 7), pods(1, 2, 3, 4, 5))).to.deep.equal([]);
        });

        it("moving more than one member per member-swap step, even when quorum would survive", () => {
            const five = [1, 2, 3, 4, 5];
            expect(guard(facts("member-swap", [5], five, five), facts("member-swap", [3, 4, 5], five, five))).to.deep.equal([
                "one-member-per-step: would move members 3, 4 in one member-swap step; move one member per step: podMembers [4, 5]",
            ]);
        });

        it("moving members before the embrace step (hosts still name peers by address)", () => {
            expect(guard(facts("old-host"), facts("member-swap", [1]))).to.deep.equal([
                "embrace-first: moves members to pods while the hosts still name their peers by address (stage before: old-host); safe next step: stage member-swap with podMembers [] and roll the hostZooCfg output to the hosts",
            ]);
        });

        it("reusing a myid for two live servers: pods starting on another ensemble's retained data", () => {
            expect(guard(facts("member-swap", [3]), facts("dual-registry"))).to.deep.include(
                "myid-reuse: pods 3 would start on retained volumes holding the legacy ensemble's data and myids while serving as the new ensemble's members; finish one strategy before starting the other, or delete those volume claims first",
            );
            // Also two steps later, once no pods are left but the volumes are.
            const dual = stateOf(facts("dual-registry"));
            const embraced = stateOf(facts("member-swap"), dual);
            expect(checkTransition(embraced, stateOf(facts("member-swap", [1]), embraced)).map((r) => r.rule)).to.include("myid-reuse");
        });

        it("reusing a myid within one ensemble: a member live on its host and as a pod", () => {
            const bad: CutoverState = {
                stage: "member-swap",
                legacyIds: [1, 2, 3],
                hostIds: [1, 2, 3],
                podIds: [3],
                podEnsemble: "legacy",
                registries: ["legacy"],
                preferred: "legacy",
                volumeIds: [3],
                volumeOwner: "legacy",
            };
            expect(checkTransition(stateOf(facts("old-host")), bad).map((r) => r.message)).to.include(
                "myid 3 would be live twice, on its host and as pod; stop the host and move the member (member-swap podMembers) instead",
            );
        });

        it("retiring the old registry when the stage before was not dual-registry, or while consumers still prefer it", () => {
            expect(guard(facts("old-host"), facts("pure-k8s"))).to.deep.equal([
                "registry-retirement: would retire the legacy registry while the stage before was old-host, not dual-registry; safe next step: stage dual-registry (services register to both), check parity with `zk-cutover check parity`, then pure-k8s",
            ]);
            expect(guard(facts("dual-registry"), facts("pure-k8s"))).to.deep.equal([
                "registry-retirement: would retire the legacy registry while consumers still prefer it; safe next step: stay in dual-registry with preferredRegistry k8s (after `zk-cutover check parity` passes), then pure-k8s",
            ]);
        });

        it("preferring the new registry before any parity check", () => {
            expect(guard(facts("old-host"), preferringK8s())).to.deep.equal([
                "registry-retirement: would make consumers prefer the new registry as soon as it exists, before any parity check; safe next step: stage dual-registry with preferredRegistry legacy, check parity with `zk-cutover check parity`, then preferredRegistry k8s",
            ]);
        });

        it("renaming what a running ensemble is made of (namespace, ensembleName, clusterDomain, the bridge's names)", () => {
            const names = { namespace: "zookeeper", ensembleName: "zk", clusterDomain: "cluster.local", legacyEnsembleName: "zk-legacy" };
            const named = (f: StageFacts, n: Partial<typeof names> = {}): StageFacts => ({ ...f, names: { ...names, ...n } });
            expect(guard(named(facts("pure-k8s")), named(facts("pure-k8s"), { ensembleName: "zk2" }))).to.deep.equal([
                "identity: would change ensembleName from zk to zk2 while the new ensemble runs: its StatefulSet, member Services and volume claims would be deleted and created under the new names (an empty ensemble); keep ensembleName zk, or start a new ensemble beside it with stage dual-registry",
            ]);
            expect(guard(named(facts("pure-k8s")), named(facts("pure-k8s"), { clusterDomain: "corp.local" }))).to.deep.equal([
                "identity: would change clusterDomain from cluster.local to corp.local while the new ensemble runs: every member's peer name changes in one rolling restart, and members on the new names lose their peers unless the cluster answers both domains; keep clusterDomain cluster.local",
            ]);
            // In a member swap the hosts name their peers by the member Services, pods or not.
            expect(guard(named(facts("member-swap")), named(facts("member-swap"), { namespace: "zk-prod" }))).to.deep.equal([
                "identity: would change namespace from zookeeper to zk-prod while the legacy ensemble runs: its StatefulSet, member Services and volume claims would be deleted and created under the new names (an empty ensemble, and the hosts' peers named by the old Services gone); keep namespace zookeeper, or start a new ensemble beside it with stage dual-registry",
                "identity: would change namespace from zookeeper to zk-prod while the legacy hosts serve: the bridge's Services, the names clients use for the hosts, would be deleted and created anew; keep it until the hosts are retired",
            ]);
            expect(guard(named(facts("old-host")), named(facts("old-host"), { legacyEnsembleName: "old" }))).to.deep.equal([
                "identity: would change legacyEnsembleName from zk-legacy to old while the legacy hosts serve: the bridge's Services, the names clients use for the hosts, would be deleted and created anew; keep it until the hosts are retired",
            ]);
            // Names are free while nothing runs under them: a new ensemble beside the hosts, or the hosts' bridge once retired.
            expect(guard(named(facts("old-host")), named(facts("dual-registry"), { ensembleName: "zk2" }))).to.deep.equal([]);
        });

        it("a live host's new address in the same member-swap step as a move", () => {
            const at = (f: StageFacts, second: string): StageFacts => ({ ...f, hostAddresses: { "1": "10.1.0.11", "2": second, "3": "10.1.0.13" } });
            expect(guard(at(facts("member-swap", [3]), "10.1.0.12"), at(facts("member-swap", [2, 3]), "10.1.0.12"))).to.deep.equal([]);
            expect(guard(at(facts("member-swap", [3]), "10.1.0.12"), at(facts("member-swap", [3]), "10.1.0.22"))).to.deep.equal([]);
            expect(guard(at(facts("member-swap"), "10.1.0.12"), at(facts("member-swap", [3]), "10.1.0.22"))).to.deep.equal([
                "quorum: would take members 2, 3 (2 of 3) away at once (2 (host 10.1.0.12 -> host 10.1.0.22), 3 (host 10.1.0.13 -> pod): a host's new address is a member moved), but a 3-member ensemble tolerates 1; safe next step: change one host's address per pulumi up, and no move with it",
            ]);
        });

        it("what a previous stage stated in config does not say: the preferred registry, the pods' security steps", () => {
            const stated = (f: StageFacts): StageFacts => ({ ...f, unknown: ["preferredRegistry", "security"] });
            const secured = (f: StageFacts): StageFacts => ({ ...f, security: { tls: "off", saslQuorum: "off", saslClient: "off" } });
            expect(guard(stated(facts("dual-registry")), facts("old-host"))).to.deep.equal([
                "unknown-previous: would retire the new registry, but previousStage dual-registry does not say which registry consumers preferred; set previousCutoverState to the stack's last cutoverState output (pulumi stack output cutoverState) instead of previousStage",
            ]);
            expect(guard(stated(facts("pure-k8s")), secured(facts("pure-k8s")))).to.deep.equal([
                "unknown-previous: previousStage pure-k8s does not say at which TLS and SASL steps the running ensemble is, so a change of more than one step cannot be ruled out; set previousCutoverState to the stack's last cutoverState output (pulumi stack output cutoverState) instead of previousStage",
            ]);
            // A member swap runs neither TLS nor SASL, and old-host has one registry: nothing unknown there.
            expect(guard(stated(facts("member-swap", [3])), facts("member-swap", [2, 3]))).to.deep.equal([]);
            expect(guard(stated(facts("old-host")), facts("dual-registry"))).to.deep.equal([]);
            // With the facts known (the stack's outputs), the rollback is safe.
            expect(guard(facts("dual-registry"), facts("old-host"))).to.deep.equal([]);
        });

        it("what a previous stage stated in config does not say: names and host addresses, for a step that moves anything (not for the stage applied again)", () => {
            const names = { namespace: "zookeeper", ensembleName: "zk", clusterDomain: "cluster.local", legacyEnsembleName: "zk-legacy" };
            const hostAddresses = { "1": "10.1.0.11", "2": "10.1.0.12", "3": "10.1.0.13" };
            const stated = (f: StageFacts): StageFacts => ({ ...f, unknown: ["names", "hostAddresses"] });
            const known = (f: StageFacts, n: Partial<typeof names> = {}): StageFacts => ({ ...f, names: { ...names, ...n }, hostAddresses });
            const unknownBoth =
                "unknown-previous: the previous member-swap state does not say the names its objects had (namespace, ensembleName, clusterDomain, legacyEnsembleName) or its live hosts' addresses, so a rename or a host's new address in this same step cannot be ruled out (only member-swap applied again unchanged is taken as this config states it); set previousCutoverState to the stack's last cutoverState output (pulumi stack output cutoverState) instead of previousStage, or, for a cutoverState recorded before names and addresses were, apply member-swap once more unchanged first";
            // A move: this config's names and addresses may be new ones (the audit: a namespace renamed, host 3 readdressed).
            expect(guard(stated(facts("member-swap")), known(facts("member-swap", [1])))).to.deep.equal([unknownBoth]);
            expect(guard(stated(facts("member-swap")), known(facts("member-swap", [1]), { namespace: "zk-prod" }))).to.deep.equal([unknownBoth]);
            expect(guard(stated(facts("old-host")), known(facts("dual-registry")))).to.deep.equal([unknownBoth.replace(/member-swap/g, "old-host")]);
            expect(guard(stated(facts("pure-k8s")), known(facts("pure-k8s", [], [1, 2, 3, 4])))).to.deep.equal([
                "unknown-previous: the previous pure-k8s state does not say the names its objects had (namespace, ensembleName, clusterDomain, legacyEnsembleName), so a rename in this same step cannot be ruled out (only pure-k8s applied again unchanged is taken as this config states it); set previousCutoverState to the stack's last cutoverState output (pulumi stack output cutoverState) instead of previousStage, or, for a cutoverState recorded before names and addresses were, apply pure-k8s once more unchanged first",
            ]);
            // The stage applied again (same stage, same members in the same places) is taken as the config states it.
            expect(guard(stated(facts("member-swap", [1])), known(facts("member-swap", [1])))).to.deep.equal([]);
            expect(guard(stated(facts("old-host")), known(facts("old-host")))).to.deep.equal([]);
            // Where nothing runs on under the old names or on the old hosts, neither matters.
            expect(guard(stated(facts("old-host")), known(facts("pure-k8s")))).to.deep.equal([
                "registry-retirement: would retire the legacy registry while the stage before was old-host, not dual-registry; safe next step: stage dual-registry (services register to both), check parity with `zk-cutover check parity`, then pure-k8s",
            ]);
            // With them known (previousCutoverState, the stack's outputs), the step is judged on them.
            expect(guard(known(facts("member-swap")), known(facts("member-swap", [1])))).to.deep.equal([]);
            expect(guard(known(facts("member-swap")), known(facts("member-swap", [1]), { namespace: "zk-prod" }))[0]).to.match(/^identity: would change namespace from zookeeper to zk-prod/);
        });

        it("a cutoverState recorded before names and host addresses were: unknown, not assumed unchanged", () => {
            const names = { namespace: "zookeeper", ensembleName: "zk", clusterDomain: "cluster.local", legacyEnsembleName: "zk-legacy" };
            const old = parseState(JSON.stringify({ stage: "pure-k8s", legacyIds: [], hostIds: [], podIds: [1, 2, 3], podEnsemble: "new", registries: ["new"], preferred: "new", volumeIds: [1, 2, 3], volumeOwner: "new" }))!;
            expect(old.unknown).to.deep.equal(["names"]);
            // A step (here one member more) with a namespace that may be new.
            const renamed = stateOf({ ...facts("pure-k8s", [], [1, 2, 3, 4]), names: { ...names, namespace: "zk-prod" } }, old);
            expect(checkTransition(old, renamed).map((r) => r.rule)).to.deep.equal(["unknown-previous"]);
            expect(checkTransition(old, renamed)[0].message).to.contain("the previous pure-k8s state does not say the names its objects had");
            // Applied again, it is taken as the config states it (and its cutoverState then records the names).
            expect(checkTransition(old, stateOf({ ...facts("pure-k8s"), names }, old))).to.deep.equal([]);
            const swap = parseState(JSON.stringify({ stage: "member-swap", legacyIds: [1, 2, 3], hostIds: [2, 3], podIds: [1], podEnsemble: "legacy", registries: ["legacy"], preferred: "legacy", volumeIds: [1], volumeOwner: "legacy", names }))!;
            expect(swap.unknown).to.deep.equal(["hostAddresses"]);
            const readdressed = stateOf({ ...facts("member-swap", [1, 2]), names, hostAddresses: { "1": "10.1.0.11", "2": "10.1.0.12", "3": "10.1.0.23" } }, swap);
            expect(checkTransition(swap, readdressed).map((r) => r.message)).to.deep.equal([
                "the previous member-swap state does not say its live hosts' addresses, so a host's new address in this same step cannot be ruled out (only member-swap applied again unchanged is taken as this config states it); set previousCutoverState to the stack's last cutoverState output (pulumi stack output cutoverState) instead of previousStage, or, for a cutoverState recorded before names and addresses were, apply member-swap once more unchanged first",
            ]);
        });

        it("nothing without a previous stage (a new ensemble)", () => {
            expect(checkTransition(undefined, stateOf(facts("pure-k8s")))).to.deep.equal([]);
        });
    });

    it("accepts every member swap that adds one member next to the pods, and refuses every jump of two or more (property)", () => {
        fc.assert(
            fc.property(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 0, max: 6 }), fc.integer({ min: 1, max: 6 }), fc.boolean(), (half, start, count, up) => {
                const n = 2 * half + 1;
                const ids = Array.from({ length: n }, (_, i) => i + 1);
                const from = Math.min(start, n - 1);
                // Current pods: a consecutive range at the top of the ids, `from` long.
                const pods = ids.slice(n - from);
                const grow = Math.min(count, n - from);
                const nextPods = up ? ids.slice(n - from - grow) : pods;
                const refusals = guard(facts("member-swap", pods, ids, ids), facts("member-swap", nextPods, ids, ids));
                const moved = nextPods.length - pods.length;
                if (moved <= 1) {
                    expect(refusals).to.deep.equal([]);
                } else {
                    expect(refusals).to.have.length(1);
                    expect(refusals[0]).to.match(/^(quorum|one-member-per-step): /);
                }
            }),
            { numRuns: 200 },
        );
    });
});

/**
 * A model of a running pod ensemble changing its static server list in one
 * rolling restart, moment by moment: removed members stop, added members start
 * with the new list, then the kept members restart one at a time, highest id
 * first. At every moment each list a running member holds must have a majority
 * of its members running, and no two lists may have disjoint majorities among
 * the running members (two leaders), and a kept member (holding the data)
 * must be running.
 */
function modelKeepsQuorum(before: number[], after: number[]): boolean {
    if (before.join(",") === after.join(",")) {
        return true; // the same list: nothing restarts
    }
    const maj = (n: number) => Math.floor(n / 2) + 1;
    const holds = new Map<number, number[]>();
    before.filter((id) => after.includes(id)).forEach((id) => holds.set(id, before));
    after.filter((id) => !before.includes(id)).forEach((id) => holds.set(id, after));
    const moments = [new Map(holds)];
    for (const id of before.filter((x) => after.includes(x)).sort((a, b) => b - a)) {
        holds.delete(id);
        moments.push(new Map(holds));
        holds.set(id, after);
        moments.push(new Map(holds));
    }
    return moments.every((m) => {
        const running = [...m.keys()];
        const lists = [...new Set(m.values())];
        const majorityUp = lists.every((l) => running.filter((id) => l.includes(id)).length >= maj(l.length));
        const twoLeaders = lists.some((l1) =>
            lists.some((l2) => {
                if (l1 === l2) {
                    return false;
                }
                const only1 = running.filter((id) => l1.includes(id) && !l2.includes(id)).length;
                const only2 = running.filter((id) => l2.includes(id) && !l1.includes(id)).length;
                const both = running.filter((id) => l1.includes(id) && l2.includes(id)).length;
                return running.filter((id) => l1.includes(id)).length >= maj(l1.length) && running.filter((id) => l2.includes(id)).length >= maj(l2.length) && Math.max(0, maj(l1.length) - only1) + Math.max(0, maj(l2.length) - only2) <= both;
            }),
        );
        // The data lives on in the kept members: one of them runs at every moment.
        const dataKept = running.some((id) => before.includes(id));
        return majorityUp && !twoLeaders && dataKept;
    });
}

/**
 * Whether the model reaches `after` from `before` in rolling restarts it keeps
 * serving through, each adding or removing one member at an end of the ids, the
 * last one possibly straight to `after`: a breadth-first search over every
 * consecutive id range within 1..16 (wider than the property's lists need).
 */
function modelReachable(before: number[], after: number[]): boolean {
    const seen = new Set([before.join(",")]);
    const queue = [before];
    for (let i = 0; i < queue.length; i++) {
        const ids = queue[i];
        if (modelKeepsQuorum(ids, after)) {
            return true;
        }
        const first = ids[0];
        const last = ids[ids.length - 1];
        for (const next of [[...ids, last + 1], [first - 1, ...ids], ids.slice(0, -1), ids.slice(1)]) {
            if (next.length > 0 && next[0] >= 1 && next[next.length - 1] <= 16 && !seen.has(next.join(",")) && modelKeepsQuorum(ids, next)) {
                seen.add(next.join(","));
                queue.push(next);
            }
        }
    }
    return false;
}

describe("quorum guard against a model of the rolling restart (property)", () => {
    const range = (lo: number, n: number) => Array.from({ length: n }, (_, i) => lo + i);

    it("refuses a membership change exactly when the model loses quorum or allows two leaders", () => {
        fc.assert(
            fc.property(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 9 }), (lo1, n1, lo2, n2) => {
                const before = range(lo1, n1);
                const after = range(lo2, n2);
                const p = stateOf({ stage: "pure-k8s", legacyIds: [], memberIds: before, podMembers: [] });
                const verdict = checkTransition(p, stateOf({ stage: "pure-k8s", legacyIds: [], memberIds: after, podMembers: [] }, p));
                expect(verdict.length === 0, `[${before}] -> [${after}]: ${verdict.map((r) => r.message).join("; ")}`).to.equal(modelKeepsQuorum(before, after));
                // A named next step is itself safe, and moves one member towards the target.
                const next = /memberIds \[([\d, ]+)\]/.exec(verdict[0]?.message ?? "");
                if (next) {
                    const step = next[1].split(", ").map(Number);
                    expect(modelKeepsQuorum(before, step), `next step [${step}]`).to.equal(true);
                    expect(Math.abs(step.length - before.length)).to.equal(1);
                }
            }),
            { numRuns: 500 },
        );
    });

    it("following the named membership steps always reaches the target, or the guard says at once that no way does (property)", () => {
        const verdict = (before: number[], after: number[]) => {
            const p = stateOf({ stage: "pure-k8s", legacyIds: [], memberIds: before, podMembers: [] });
            return checkTransition(p, stateOf({ stage: "pure-k8s", legacyIds: [], memberIds: after, podMembers: [] }, p)).map((r) => r.message);
        };
        fc.assert(
            fc.property(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 9 }), (lo1, n1, lo2, n2) => {
                const target = range(lo2, n2);
                let current = range(lo1, n1);
                const seen: string[] = [];
                for (let i = 0; ; i++) {
                    const messages = verdict(current, target);
                    const way = `${[...seen, `[${current}]`].join(" -> ")}: ${messages.join("; ")}`;
                    if (messages.length === 0) {
                        // Reached: the target itself, or one restart from it that the model keeps serving through.
                        expect(modelKeepsQuorum(current, target), way).to.equal(true);
                        break;
                    }
                    const next = /safe next step: memberIds \[([\d, ]+)\]/.exec(messages[0]);
                    if (!next) {
                        // No way: said at the start, never after steps the guard named, and the model agrees.
                        expect(i, way).to.equal(0);
                        expect(messages[0]).to.contain("no way of rolling restarts that each keep quorum reaches it");
                        expect(modelReachable(current, target), way).to.equal(false);
                        break;
                    }
                    const step = next[1].split(", ").map(Number);
                    expect(modelKeepsQuorum(current, step), `${way}: step [${step}]`).to.equal(true);
                    expect(i, way).to.be.below(20);
                    seen.push(`[${current}]`);
                    current = step;
                }
            }),
            { numRuns: 500 },
        );
    });

    it("refuses a member-swap step exactly when more members move than the ensemble tolerates, or more than one (random stage pairs)", () => {
        const stageFacts = fc.record({
            stage: fc.constantFrom<StageFacts["stage"]>("old-host", "member-swap"),
            podCount: fc.integer({ min: 0, max: 5 }),
            readdress: fc.integer({ min: 0, max: 5 }),
        });
        fc.assert(
            fc.property(fc.integer({ min: 1, max: 3 }), stageFacts, stageFacts, (half, a, b) => {
                const ids = range(1, 2 * half + 1);
                const at = (f: typeof a): StageFacts => ({
                    stage: f.stage,
                    legacyIds: ids,
                    memberIds: ids,
                    podMembers: f.stage === "member-swap" ? ids.slice(ids.length - Math.min(f.podCount, ids.length)) : [],
                    hostAddresses: Object.fromEntries(ids.map((id) => [String(id), `10.1.0.${id === f.readdress ? 100 + id : id}`])),
                });
                const p = stateOf(at(a));
                const n = stateOf(at(b), p);
                // The model: a member is down during the step when where it runs (host address or pod) changes.
                const where = (st: typeof p, id: number) => (st.podIds.includes(id) ? "pod" : st.hostAddresses?.[String(id)]);
                const down = ids.filter((id) => where(p, id) !== where(n, id)).length;
                const rules = checkTransition(p, n).map((r) => r.rule);
                const quorumLost = ids.length - down < Math.floor(ids.length / 2) + 1;
                expect(rules.includes("quorum"), `${JSON.stringify([a, b])}`).to.equal(quorumLost);
                if (!quorumLost && (a.stage === "member-swap" || b.stage === "member-swap")) {
                    expect(rules.includes("one-member-per-step")).to.equal(down > 1);
                }
            }),
            { numRuns: 500 },
        );
    });
});
