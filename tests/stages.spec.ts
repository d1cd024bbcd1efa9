import { expect } from "chai";
import * as fc from "fast-check";
import { checkTransition, CutoverState, StageFacts, stateOf } from "../components/cutover/stages";

const legacy = [1, 2, 3];
const facts = (stage: StageFacts["stage"], podMembers: number[] = [], memberIds = [1, 2, 3], legacyIds = legacy): StageFacts => ({ stage, legacyIds, memberIds, podMembers });

/** Guard messages for prev -> next, with next computed after prev (as a deployment does). */
function guard(prev: StageFacts, next: StageFacts, before?: CutoverState): string[] {
    const p = stateOf(prev, before);
    return checkTransition(p, stateOf(next, p)).map((r) => `${r.rule}: ${r.message}`);
}

describe("quorum guard", () => {
    describe("allows the safe paths", () => {
        it("dual-registry: old-host -> dual-registry -> pure-k8s, and back from dual-registry to old-host", () => {
            expect(guard(facts("old-host"), facts("dual-registry"))).to.deep.equal([]);
            expect(guard(facts("dual-registry"), facts("pure-k8s"))).to.deep.equal([]);
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
            expect(guard(facts("old-host"), facts("member-swap", [1, 2, 3]))).to.deep.equal([
                "quorum: would take members 1, 2, 3 (3 of 3) away at once, but a 3-member ensemble tolerates 1; safe next step: stage member-swap with podMembers [1]",
            ]);
        });

        it("moving more than one member per member-swap step, even when quorum would survive", () => {
            const five = [1, 2, 3, 4, 5];
            expect(guard(facts("member-swap", [5], five, five), facts("member-swap", [3, 4, 5], five, five))).to.deep.equal([
                "one-member-per-step: would move members 3, 4 in one member-swap step; move one member per step: podMembers [4, 5]",
            ]);
        });

        it("reusing a myid for two live servers: pods of the legacy ensemble joining the new one", () => {
            expect(guard(facts("member-swap", [3]), facts("dual-registry"))).to.deep.include(
                "myid-reuse: pods 3 hold the legacy ensemble's data and myids and would serve as the new ensemble's members; finish one strategy first (member swap to pure-k8s, or dual-registry to pure-k8s) before starting the other",
            );
        });

        it("reusing a myid within one ensemble: a member live on its host and as a pod", () => {
            const bad: CutoverState = { stage: "member-swap", legacyIds: [1, 2, 3], hostIds: [1, 2, 3], podIds: [3], podEnsemble: "legacy", registries: ["legacy"] };
            expect(checkTransition(stateOf(facts("old-host")), bad).map((r) => r.message)).to.include(
                "myid 3 would be live twice, on its host and as pod; stop the host and move the member (member-swap podMembers) instead",
            );
        });

        it("retiring the old registry when the stage before was not dual-registry", () => {
            expect(guard(facts("old-host"), facts("pure-k8s"))).to.deep.equal([
                "registry-retirement: would retire the legacy registry while the stage before was old-host, not dual-registry; safe next step: stage dual-registry (services register to both), check parity with `zk-cutover check parity`, then pure-k8s",
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
