import { expect } from "chai";
import * as fc from "fast-check";
import { checkTransition, CutoverState, StageFacts, stateOf } from "../components/cutover/stages";

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
            expect(guard(facts("pure-k8s"), facts("pure-k8s", [], [4, 5, 6]))).to.deep.equal([
                "quorum: would remove pod members 1, 2, 3 (3 of 3) at once, but a 3-member ensemble tolerates 1; change the members at most 1 at a time",
            ]);
            expect(guard(facts("pure-k8s", [], [1, 2, 3, 4, 5]), facts("pure-k8s", [], [1]))).to.have.length(1);
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
