import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { renderStartScript } from "../components/ensemble/renderConfig";
import { resolveEnsembleSettings } from "../components/ensemble/settings";

/**
 * Runs the rendered start.sh with bash, with a stand-in zkServer.sh on PATH
 * that records that it was started (the real server is exercised by the
 * real-ZooKeeper spec).
 */
describe("member start script", () => {
    let dir: string;
    const script = renderStartScript(resolveEnsembleSettings({ namespace: "zk", memberIds: [4, 5, 6] }));

    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "zk-start-"));
        fs.mkdirSync(path.join(dir, "bin"));
        fs.mkdirSync(path.join(dir, "data"));
        fs.writeFileSync(path.join(dir, "bin", "zkServer.sh"), '#!/usr/bin/env bash\necho "started $*"\n', { mode: 0o755 });
        fs.writeFileSync(path.join(dir, "start.sh"), script);
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    function start(memberId: string) {
        const r = spawnSync("bash", [path.join(dir, "start.sh")], {
            env: { PATH: `${path.join(dir, "bin")}:${process.env.PATH}`, ZK_MEMBER_ID: memberId, ZK_DATA_DIR: path.join(dir, "data") },
            encoding: "utf8",
            timeout: 10000,
        });
        return { status: r.status, stdout: r.stdout, stderr: r.stderr };
    }

    it("writes myid from the pod's member id on first start and starts the server", () => {
        const r = start("5");
        expect(r.status).to.equal(0);
        expect(r.stdout).to.equal("started start-foreground\n");
        expect(fs.readFileSync(path.join(dir, "data", "myid"), "utf8")).to.equal("5\n");
    });

    it("starts again when the data directory already belongs to the same member", () => {
        fs.writeFileSync(path.join(dir, "data", "myid"), "6\n");
        expect(start("6").status).to.equal(0);
    });

    it("refuses to start when the data directory belongs to another member", () => {
        fs.writeFileSync(path.join(dir, "data", "myid"), "4\n");
        const r = start("6");
        expect(r.status).to.equal(1);
        expect(r.stderr).to.contain("holds myid 4 but this pod is member 6");
        expect(fs.readFileSync(path.join(dir, "data", "myid"), "utf8")).to.equal("4\n");
    });

    it("refuses to start a pod whose ordinal is not a member id", () => {
        const r = start("3");
        expect(r.status).to.equal(1);
        expect(r.stderr).to.contain("member id '3' is not one of the ensemble's members: 4 5 6");
        expect(fs.existsSync(path.join(dir, "data", "myid"))).to.equal(false);
    });

    it("refuses to start without a member id (cluster without the pod-index label)", () => {
        expect(start("").status).to.equal(1);
    });
});
