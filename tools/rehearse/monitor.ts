/**
 * Counts leader elections the way an operator sees them: by polling every live
 * member's `srvr` and watching the leader's zxid epoch (upper 32 bits), which
 * grows by one with every elected leader.
 */
import { PORTS } from "../../components/shared/zookeeper";
import { ClientAccess, srvr } from "../zookeeper/process";

export interface LiveMember extends ClientAccess {
    id: number;
    /** Address the member's own server listens on (its backend, not its Service). */
    address: string;
}

export class ElectionMonitor {
    /** Elections per stage (after each ensemble's first leader). */
    readonly elections = new Map<string, number>();
    /** When each election was seen, and in which ensemble. */
    readonly seen: { at: number; ensemble: string }[] = [];
    /** Elections per ensemble. */
    private readonly lastEpoch = new Map<string, number>();
    private stopped = false;
    private loop: Promise<void> | undefined;

    constructor(
        private readonly members: () => Map<string, LiveMember[]>,
        private readonly stage: () => string,
        private readonly intervalMs = 200,
    ) {}

    start(): void {
        this.loop = this.run();
    }

    /** One poll: reads every live member and counts epoch increases per ensemble. */
    async poll(): Promise<void> {
        for (const [ensemble, live] of this.members()) {
            const reports = await Promise.all(live.map((m) => srvr(m.address, m.port ?? PORTS.client, 1_000, m.tls).catch(() => undefined)));
            const leaderEpochs = reports.filter((r) => r?.mode === "leader" && r.epoch !== undefined).map((r) => r!.epoch!);
            if (leaderEpochs.length === 0) {
                continue;
            }
            const epoch = Math.max(...leaderEpochs);
            const last = this.lastEpoch.get(ensemble);
            if (last === undefined) {
                this.lastEpoch.set(ensemble, epoch);
            } else if (epoch > last) {
                const stage = this.stage();
                this.elections.set(stage, (this.elections.get(stage) ?? 0) + (epoch - last));
                this.lastEpoch.set(ensemble, epoch);
                const at = Date.now();
                for (let i = last; i < epoch; i++) {
                    this.seen.push({ at, ensemble });
                }
            }
        }
    }

    private async run(): Promise<void> {
        while (!this.stopped) {
            await this.poll();
            await new Promise((r) => setTimeout(r, this.intervalMs));
        }
    }

    async stop(): Promise<void> {
        this.stopped = true;
        await this.loop;
        // A last look, so an election right before the end is not missed.
        await this.poll();
    }
}
