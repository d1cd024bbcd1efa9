/**
 * Command-line option errors name the option the user wrote, show the value as
 * written and say what is allowed: one line, exit 1, nothing started.
 */
import { expect } from "chai";
import { spawnSync } from "child_process";
import * as path from "path";
import { buildProgram } from "../tools/cli";
import { resolveRehearsalInput } from "../tools/rehearse/input";
import { REPO_ROOT, shippedStacks } from "../tools/plan";

const CLI = path.join(REPO_ROOT, "bin", "zk-cutover.js");

function cli(args: string[]) {
    const r = spawnSync(process.execPath, [CLI, ...args], { cwd: REPO_ROOT, encoding: "utf8", timeout: 60000 });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs the CLI and expects it to fail with exactly `line` on stderr. */
function refused(args: string[], line: string): void {
    const r = cli(args);
    expect(r.stderr, r.stdout).to.equal(`error: ${line}\n`);
    expect(r.status).to.equal(1);
    expect(r.stdout).to.equal("");
}

describe("option errors name the option the user wrote", function () {
    this.timeout(60000);
    const huge = "9".repeat(400);

    describe("diff", () => {
        const allowed = `allowed: a shipped stack (${shippedStacks().join(", ")}) or the path of a stack config file (Pulumi.<stack>.yaml)`;

        it("an unknown stack in --from names --from, not --stack", () => {
            refused(["diff", "--from", "prod", "--to", "pure-k8s"], `--from: no stack named "prod"; ${allowed}`);
        });

        it("an unknown stack in --to names --to", () => {
            refused(["diff", "--from", "pure-k8s", "--to", "pure-k8s-tls"], `--to: no stack named "pure-k8s-tls"; ${allowed}`);
        });

        it("--from and --to go in pairs, all checked before anything is planned", () => {
            refused(["diff", "--from", "pure-k8s"], "--from and --to go in pairs; allowed: one --to for each --from, in order (given 1 --from, 0 --to)");
            refused(["diff", "--from", "old-host", "--to", "dual-registry", "--to", "pure-k8s"], "--from and --to go in pairs; allowed: one --to for each --from, in order (given 1 --from, 2 --to)");
            refused(["diff", "--from", "old-host", "--to", "dual-registry", "--from", "dual-registry", "--to", "nope"], `--to: no stack named "nope"; ${allowed}`);
        });

        it("a missing config file names its option, not --config-file", () => {
            refused(["diff", "--from", "./Pulumi.prod.yaml", "--to", "pure-k8s"], "--from: ./Pulumi.prod.yaml does not exist");
            refused(["diff", "--from", "pure-k8s", "--to", "stacks/Pulumi.nope.yaml"], "--to: stacks/Pulumi.nope.yaml does not exist");
        });
    });

    describe("rehearse", () => {
        it("--members too large to be a number shows what was written, not null", () => {
            refused(["rehearse", "--strategy", "member-swap", "--members", huge], `--members: ${huge} is out of range; allowed: 3 to 9 members`);
        });

        it("--legacy-leader too large to be a number shows what was written, not null", () => {
            refused(["rehearse", "--strategy", "member-swap", "--legacy-leader", huge], `--legacy-leader: ${huge} is out of range; allowed: the id of a legacy member`);
        });

        it("--stage-seconds that is not a number of seconds is refused as such, before anything starts", async () => {
            refused(["rehearse", "--strategy", "none", "--stage-seconds", "0x10"], '--stage-seconds: "0x10" is not a number of seconds; allowed: 0 to 600');
            // The rest through the same program in this process (--strategy none: nothing could start if the option passed).
            const errorOf = (text: string) => {
                const program = buildProgram().exitOverride();
                return program.parseAsync(["node", "zk-cutover", "rehearse", "--strategy", "none", "--stage-seconds", text]).then(
                    () => "",
                    (err: Error) => err.message,
                );
            };
            for (const text of ["abc", "", "1e2", " 5", "-1", "Infinity"]) {
                expect(await errorOf(text)).to.equal(`--stage-seconds: ${JSON.stringify(text)} is not a number of seconds; allowed: 0 to 600`);
            }
            expect(await errorOf("601")).to.equal("--stage-seconds: 601 is out of range; allowed: 0 to 600");
            expect(await errorOf("2.5")).to.match(/^--strategy: "none" is not a strategy/);
        });

        it("options given in code that are not whole numbers are shown as they are", () => {
            for (const [members, shown] of [
                [NaN, "NaN"],
                [Infinity, "Infinity"],
                [3.5, "3.5"],
            ] as const) {
                expect(() => resolveRehearsalInput({ strategy: "member-swap", members })).to.throw(`--members: ${shown} is out of range; allowed: 3 to 9 members`);
            }
            expect(() => resolveRehearsalInput({ strategy: "member-swap", legacyLeader: NaN })).to.throw(
                "--legacy-leader: NaN cannot lead the legacy ensemble at the start (a first quorum elects its highest id); allowed: 2, 3",
            );
        });
    });
});
