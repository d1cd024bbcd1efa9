import { expect } from "chai";
import * as fc from "fast-check";
import { planMemberSwap } from "../components/cutover/swapPlan";

const ids = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

describe("member-swap order, decided from the live leader", () => {
    it("a leader with the highest id keeps its host config and moves last: followers bottom-up, one election", () => {
        const p = planMemberSwap({ memberIds: ids(3), podIds: [], leader: 3, connectsBackToAnnounced: true });
        expect(p.embrace).to.deep.equal([1, 2]);
        expect(p.leaderKeepsHostConfig).to.equal(true);
        expect(p.moves).to.deep.equal([1, 2, 3]);
        expect(p.elections).to.equal(1);
        expect(p.next).to.equal("roll hostZooCfg (and hostJvmFlags) onto members 1, 2, one at a time (not member 3, the leader)");
        expect(p.reason).to.equal("member 3 leads and keeps its host config, so the embrace does not restart it; it moves last; 1 election in all (at the move of member 3)");
    });

    it("a leader with the lowest id moves last too: top-down", () => {
        const p = planMemberSwap({ memberIds: ids(5), podIds: [], leader: 1, connectsBackToAnnounced: true });
        expect(p.embrace).to.deep.equal([2, 3, 4, 5]);
        expect(p.moves).to.deep.equal([5, 4, 3, 2, 1]);
        expect(p.elections).to.equal(1);
    });

    it("a leader in the middle moves once every higher id is a pod, so the member that takes over never moves again", () => {
        const p = planMemberSwap({ memberIds: ids(3), podIds: [], leader: 2, connectsBackToAnnounced: true });
        expect(p.moves).to.deep.equal([3, 2, 1]);
        expect(p.elections).to.equal(1);
        expect(p.reason).to.contain("it moves once member 3, which takes over when the leader stops (the highest id among equally current members), is a pod");
    });

    it("mid-swap, follows the live leader: the next move and podMembers", () => {
        const p = planMemberSwap({ memberIds: ids(5), podIds: [4, 5], leader: 3, connectsBackToAnnounced: true });
        expect(p.embrace).to.deep.equal([]);
        expect(p.moves).to.deep.equal([3, 2, 1]);
        expect(p.next).to.equal("stop the host of member 3, then podMembers [3, 4, 5]");
        const done = planMemberSwap({ memberIds: ids(3), podIds: [1, 2, 3], leader: 3, connectsBackToAnnounced: true });
        expect(done).to.include({ next: "stage pure-k8s", elections: 0 });
    });

    it("once a pod leads, the remaining moves cost no election", () => {
        const p = planMemberSwap({ memberIds: ids(5), podIds: [3, 4, 5], leader: 5, connectsBackToAnnounced: true });
        expect(p.moves).to.deep.equal([2, 1]);
        expect(p.elections).to.equal(0);
    });

    it("says when no order avoids a second election (the leader stands between the pods and the member that would take over)", () => {
        const p = planMemberSwap({ memberIds: ids(3), podIds: [1], leader: 2, connectsBackToAnnounced: true, onHostConfig: [] });
        expect(p.moves).to.deep.equal([2, 3]);
        expect(p.elections).to.equal(2);
        expect(p.reason).to.contain("no order moves it after member 3, which takes over when it stops");
    });

    it("ZooKeeper 3.4: pods with lower ids cannot join a leader on its host config, so such a leader is moved first or restarted", () => {
        const top = planMemberSwap({ memberIds: ids(3), podIds: [], leader: 3, connectsBackToAnnounced: false });
        expect(top.elections).to.equal(2);
        // No pod with a lower id ever waits for the leader that kept its host config.
        expect(top.moves[0]).to.equal(3);
        const middle = planMemberSwap({ memberIds: ids(3), podIds: [], leader: 2, connectsBackToAnnounced: false });
        expect(middle.moves).to.deep.equal([3, 2, 1]);
        expect(middle.elections).to.equal(1);
        expect(middle.leaderKeepsHostConfig).to.equal(true);
    });

    it("property: every plan grows the pods one end at a time to every member; from the start, 3.5+ costs exactly one election whatever the leader", () => {
        fc.assert(
            fc.property(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 0, max: 8 }), fc.boolean(), (n, leaderIndex, v35) => {
                const memberIds = ids(n);
                const leader = memberIds[leaderIndex % n];
                const p = planMemberSwap({ memberIds, podIds: [], leader, connectsBackToAnnounced: v35 });
                expect([...p.moves].sort((a, b) => a - b)).to.deep.equal(memberIds);
                const pods: number[] = [];
                for (const m of p.moves) {
                    pods.push(m);
                    const sorted = [...pods].sort((a, b) => a - b);
                    expect(sorted[sorted.length - 1] - sorted[0]).to.equal(sorted.length - 1);
                }
                // Independently of the plan's own count: the leader is never restarted for the embrace (3.5+), and when
                // it moves, every member above the one expected to take over (the highest other id) is already a pod.
                const at = p.moves.indexOf(leader);
                const takeover = Math.max(...memberIds.filter((id) => id !== leader));
                if (v35 && n > 1) {
                    expect(p.embrace).to.not.include(leader);
                    expect(p.moves.slice(0, at)).to.include(takeover);
                }
                if (v35) {
                    expect(p.elections).to.equal(1);
                    expect(p.leaderKeepsHostConfig).to.equal(true);
                    if (leader === 1 || leader === n) {
                        expect(p.moves[p.moves.length - 1]).to.equal(leader);
                    }
                } else {
                    expect(p.elections).to.equal(leader === n && n > 1 ? 2 : 1);
                }
            }),
        );
    });
});
