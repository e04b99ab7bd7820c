import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PGPOOL_SERVICE } from "../../config";
import { timedClient } from "../../scripts/lib/drill/clientFlood";
import { formatDrillReport, runFailoverDrill } from "../../scripts/lib/drill/failoverDrill";
import { localDown, localUp, openLocalCluster, restartService, stopService, streamingReplicas } from "../../scripts/lib/local/cluster";
import { serviceLogFile } from "../../scripts/lib/local/layout";
import { appThroughPgpool, currentPrimary, poolNodes, superuserOn } from "../../scripts/lib/local/pgpoolControl";
import { withClient } from "../../scripts/lib/pg";
import { checkPortFree } from "../../scripts/lib/local/prerequisites";
import { descendantsOf, isSameProcess } from "../../scripts/lib/local/processes";
import { readState, serverPidOf, ServiceRecord } from "../../scripts/lib/local/state";
import { freePortBase } from "../../scripts/lib/ports";
import { sleep, waitUntil } from "../../scripts/lib/wait";
import { readOutputsFile } from "../../scripts/lib/verify/outputsSource";
import { untilVerified } from "../untilVerified";

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

describe("a standby away longer than the primary keeps WAL for it clones itself afresh when it starts (issue 14)", function () {
    this.timeout(300_000);
    let stateDir = "";

    before(async () => {
        stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "pg-ha-wal-gone-"));
        // A 10 GB disk: slots may hold 1 GB of WAL (max_slot_wal_keep_size), wal_keep_size 512 MB.
        await localUp({ stateDir, portBase: await freePortBase(), configOverrides: { nodeSizing: { cpus: 2, memoryMb: 4096, diskGb: 10 } } });
    });

    after(async () => {
        if (stateDir === "") return;
        await localDown(stateDir);
        fs.rmSync(stateDir, { recursive: true, force: true });
    });

    it("re-clones a standby whose slot was invalidated and whose WAL the primary removed while it was down; it streams and verify passes", async () => {
        const cluster = openLocalCluster(stateDir);
        const primary = await currentPrimary(cluster);
        const standby = cluster.topology.nodes.find((node) => node.index !== primary.index)!;
        const ca = cluster.secrets.pki.caCertPem;
        assert.strictEqual(await stopService(stateDir, standby.name), "stopped");
        const stoppedAt = Date.now();
        const slot = await withClient(superuserOn(cluster, primary), { caPem: ca }, async (client) => {
            // 1.15 GB of WAL in 16 MB segments: more than the slot may hold (1 GB), and then more than wal_keep_size (512 MB).
            await client.query("CREATE TABLE IF NOT EXISTS wal_filler (n int)");
            for (let segment = 0; segment < 72; segment++) await client.query("INSERT INTO wal_filler VALUES (1); SELECT pg_switch_wal()");
            // Segments leave pg_wal only once archived (about a second each here).
            const last = (await client.query<{ name: string }>("SELECT pg_walfile_name(pg_current_wal_lsn() - 1) AS name")).rows[0]!.name;
            await waitUntil(`the archiver to archive ${last}`, async () => (await client.query<{ done: boolean }>(
                "SELECT last_archived_wal >= $1 AS done FROM pg_stat_archiver", [last])).rows[0]!.done || "not yet", { timeoutMs: 240_000, intervalMs: 500 });
            await client.query("CHECKPOINT");
            process.stderr.write(`WAL written and archived, checkpoint done: ${Date.now() - stoppedAt} ms after ${standby.name} stopped\n`);
            return (await client.query<{ wal_status: string }>("SELECT wal_status FROM pg_replication_slots WHERE slot_name = $1", [`${standby.name}_slot`])).rows[0]?.wal_status;
        });
        assert.strictEqual(slot, "lost", `${standby.name}'s slot after 1.15 GB of WAL`);
        const logFile = serviceLogFile(stateDir, standby.name);
        const earlier = fs.statSync(logFile).size;
        const restartedAt = Date.now();
        restartService(stateDir, standby.name);
        await waitUntil(`${standby.name} to stream again`, async () => (await streamingReplicas(superuserOn(cluster, primary), ca)).has(standby.name) || "not yet", { timeoutMs: 120_000, intervalMs: 500 });
        process.stderr.write(`${standby.name} cloned afresh and streaming ${Date.now() - restartedAt} ms after its restart\n`);
        const log = fs.readFileSync(logFile).subarray(earlier).toString("utf8");
        assert.match(log, new RegExp(`${standby.name} was a standby, but ${primary.name} no longer holds the WAL it needs \\(from segment [0-9A-F]{24}\\): cloning it afresh`));
        await waitUntil(`pgpool to attach ${standby.name}`, async () => (await poolNodes(cluster)).some((entry) => entry.nodeId === standby.index && entry.status !== "down") || "not yet", { timeoutMs: 30_000, intervalMs: 200 });
        // Away for more than a minute, so its alerts fired; they resolve once Prometheus scrapes it back.
        const took = await untilVerified(`with ${standby.name} back`, () => readOutputsFile(path.join(stateDir, "outputs.json")));
        process.stderr.write(`verify 8/8 ${took} ms after pgpool attached ${standby.name}\n`);
    });
});
