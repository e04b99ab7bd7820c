import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PGPOOL_SERVICE } from "../../config";
import { timedClient } from "../../scripts/lib/drill/clientFlood";
import { formatDrillReport, runFailoverDrill } from "../../scripts/lib/drill/failoverDrill";
import { localDown, localUp, openLocalCluster, restartService, stopService, streamingReplicas } from "../../scripts/lib/local/cluster";
import { serviceLogFile } from "../../scripts/lib/local/layout";
import { appThroughPgpool, currentPrimary, superuserOn } from "../../scripts/lib/local/pgpoolControl";
import { checkPortFree } from "../../scripts/lib/local/prerequisites";
import { descendantsOf, isSameProcess } from "../../scripts/lib/local/processes";
import { readState, serverPidOf, ServiceRecord } from "../../scripts/lib/local/state";
import { freePortBase } from "../../scripts/lib/ports";
import { sleep, waitUntil } from "../../scripts/lib/wait";

/** The state dir's record of one service, read afresh. */
function recordOf(stateDir: string, name: string): ServiceRecord {
    const record = readState(stateDir)!.services.find((service) => service.name === name);
    assert.ok(record !== undefined, `${stateDir} records no ${name}`);
    return record;
}

describe("supervision on the local run: a service that exits is started again, as Docker and systemd do (issue 14)", function () {
    this.timeout(300_000);
    let stateDir = "";

    before(async () => {
        stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "pg-ha-supervision-"));
        await localUp({ stateDir, portBase: await freePortBase() });
    });

    after(async () => {
        if (stateDir === "") return;
        await localDown(stateDir);
        fs.rmSync(stateDir, { recursive: true, force: true });
    });

    it("brings a primary killed with SIGKILL back as a standby by itself (restarted by its supervisor, rewound by its start script), losing nothing; verify passes", async () => {
        const report = await runFailoverDrill(path.join(stateDir, "outputs.json"), { deadlineMs: 60_000 });
        process.stderr.write(`${formatDrillReport(report)}\n`);
        assert.deepStrictEqual(report.lost, [], "acknowledged writes missing on the new primary");
        assert.ok(report.backByItselfMs !== undefined && report.backByItselfMs < 60_000, `back after ${report.backByItselfMs} ms`);
        assert.strictEqual(report.rejoinMs, undefined, "no rejoin command ran");
        for (const check of report.verify!) assert.ok(check.passed, `${check.id}. ${check.name}: ${check.figure}`);
        const log = fs.readFileSync(serviceLogFile(stateDir, report.killed), "utf8");
        assert.match(log, /pg-ha supervise: .*start\.sh exited \(code 137\); starting it again in 1 s/);
        assert.match(log, new RegExp(`${report.newPrimary} is the primary now: ${report.killed} rejoins as its standby instead of starting as a second primary`));
    });

    it("starts pgpool again when it is killed with SIGKILL, after clearing the children it left on the port; clients get in again", async () => {
        const cluster = openLocalCluster(stateDir);
        const before = serverPidOf(recordOf(stateDir, PGPOOL_SERVICE));
        assert.ok(before !== undefined, "pgpool runs");
        const leftBehind = descendantsOf(before);
        assert.ok(leftBehind.length > cluster.config.pool.numInitChildren, `pgpool has its children (${leftBehind.length} processes below it)`);
        process.kill(before, "SIGKILL");
        const killedAt = Date.now();
        const target = appThroughPgpool(cluster);
        await waitUntil("a client through pgpool again", async () => {
            const attempt = await timedClient(target, cluster.secrets.pki.caCertPem, 2000);
            return attempt.error === undefined || attempt.error;
        }, { timeoutMs: 60_000, intervalMs: 200, isPermanent: () => false });
        const backMs = Date.now() - killedAt;
        process.stderr.write(`pgpool killed: a client connected and queried through it again ${backMs} ms later\n`);
        const after = serverPidOf(recordOf(stateDir, PGPOOL_SERVICE));
        assert.ok(after !== undefined && after !== before, `a new pgpool runs (was ${before}, now ${after})`);
        assert.deepStrictEqual(leftBehind.filter((child) => isSameProcess(child.pid, child.startTime)).map((child) => child.pid), [], "what the killed pgpool left is gone");
        assert.match(fs.readFileSync(serviceLogFile(stateDir, PGPOOL_SERVICE), "utf8"), /pg-ha supervise: .*start\.sh exited \(code 137\); starting it again in 1 s/);
    });

    it("leaves a stopped service stopped (stopService, local:down), and starts it again on request", async () => {
        const cluster = openLocalCluster(stateDir);
        const primary = await currentPrimary(cluster);
        const standby = cluster.topology.nodes.find((node) => node.index !== primary.index)!;
        assert.strictEqual(await stopService(stateDir, standby.name), "stopped");
        await sleep(3000);
        assert.strictEqual(serverPidOf(recordOf(stateDir, standby.name)), undefined, `${standby.name} was started again`);
        await checkPortFree(standby.port, standby.name);
        restartService(stateDir, standby.name);
        await waitUntil(`${standby.name} to stream again`, async () => (await streamingReplicas(superuserOn(cluster, primary), cluster.secrets.pki.caCertPem)).has(standby.name), { timeoutMs: 60_000 });
    });
});
