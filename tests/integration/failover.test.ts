import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { formatDrillReport, runFailoverDrill } from "../../scripts/lib/drill/failoverDrill";
import { switchoverUnderWriter } from "../../scripts/lib/drill/switchoverDrill";
import { localDown, localUp, openLocalCluster, restartService, stopService, streamingReplicas } from "../../scripts/lib/local/cluster";
import { serviceDir } from "../../scripts/lib/local/layout";
import { answersAsPrimary, currentPrimary, poolNodes, superuserOn } from "../../scripts/lib/local/pgpoolControl";
import { readState } from "../../scripts/lib/local/state";
import { localRejoin } from "../../scripts/lib/local/rejoin";
import { localSwitchover, SwitchoverRefused } from "../../scripts/lib/local/switchover";
import { withClient } from "../../scripts/lib/pg";
import { waitUntil } from "../../scripts/lib/wait";
import { formatTable, verifyCluster } from "../../scripts/lib/verify/verify";
import { freePortBase } from "../../scripts/lib/ports";

describe("failover on real servers: promote, follow, fence, rejoin", function () {
    this.timeout(240_000);
    let stateDir: string;
    let outputsFile: string;
    let killed: string;
    let promoted: string;

    before(async () => {
        stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "pg-ha-failover-"));
        // Unsupervised: these tests restart nodes themselves, at chosen moments.
        await localUp({ stateDir, portBase: await freePortBase(), supervise: false });
        outputsFile = path.join(stateDir, "outputs.json");
    });

    after(async () => {
        if (stateDir === undefined) return;
        await localDown(stateDir);
        fs.rmSync(stateDir, { recursive: true, force: true });
    });

    it("fails over when the primary is SIGKILLed, losing no acknowledged write, and the other standby follows", async () => {
        const report = await runFailoverDrill(outputsFile, { rejoin: false });
        process.stderr.write(`${formatDrillReport(report)}\n`);
        killed = report.killed;
        promoted = report.newPrimary;
        assert.strictEqual(killed, "node0");
        assert.notStrictEqual(promoted, killed);
        assert.ok(report.acknowledged > 0, "the writer got writes through before and after");
        assert.deepStrictEqual(report.lost, [], "acknowledged writes missing on the new primary");
        assert.ok(report.rtoMs > 0 && report.rtoMs < 30_000);
        assert.strictEqual(report.followers.length, 1);
    });

    /**
     * Restarts a node (as a supervisor would) and samples every node's pg_is_in_recovery() every
     * 100 ms until it streams from the primary pgpool names and pgpool has it up again: the most
     * primaries seen at once, the primary it follows, and how long it took.
     */
    const restartAndWatch = async (name: string): Promise<{ mostPrimaries: number; primary: string; ms: number }> => {
        const cluster = openLocalCluster(stateDir);
        const node = cluster.topology.nodes.find((candidate) => candidate.name === name)!;
        let primary = "";
        const started = Date.now();
        const restarted = restartService(stateDir, name);
        let mostPrimaries = 0;
        await waitUntil(`${name} to rejoin the primary by itself`, async () => {
            const answers = await Promise.all(cluster.topology.nodes.map((candidate) => answersAsPrimary(cluster, candidate, 500)));
            mostPrimaries = Math.max(mostPrimaries, answers.filter(Boolean).length);
            if (restarted.exitCode() !== undefined) throw new Error(`${name}'s start script exited; see ${path.join(serviceDir(stateDir, name), `${name}.log`)}`);
            const primaryNode = await currentPrimary(cluster);
            primary = primaryNode.name;
            if (primary === name) return `${name} is the primary pgpool sends writes to`;
            const streaming = (await streamingReplicas(superuserOn(cluster, primaryNode), cluster.secrets.pki.caCertPem)).has(name);
            const attached = (await poolNodes(cluster)).find((entry) => entry.nodeId === node.index)?.status === "up";
            return (streaming && attached) || `streaming from ${primary} ${streaming}, attached ${attached}`;
        }, { timeoutMs: 90_000, intervalMs: 100, isPermanent: () => false });
        return { mostPrimaries, primary, ms: Date.now() - started };
    };

    it("brings a restarted old primary back as a standby by itself, never beside the new primary (split-brain guard)", async () => {
        const watched = await restartAndWatch(killed);
        assert.strictEqual(watched.primary, promoted);
        process.stderr.write(`${killed} restarted: a streaming standby attached to pgpool after ${watched.ms} ms; most primaries at once: ${watched.mostPrimaries}\n`);
        assert.strictEqual(watched.mostPrimaries, 1);
        const cluster = openLocalCluster(stateDir);
        assert.strictEqual((await currentPrimary(cluster)).name, promoted);
        assert.match(fs.readFileSync(path.join(serviceDir(stateDir, killed), `${killed}.log`), "utf8"), new RegExp(`${promoted} is the primary now: ${killed} rejoins as its standby instead of starting as a second primary`));
    });

    it("rejoins the old primary with pg_rewind, after which verify passes with every node up", async () => {
        const result = await localRejoin(stateDir, killed);
        assert.strictEqual(result.primary, promoted);
        const outputs = JSON.parse(fs.readFileSync(outputsFile, "utf8"));
        const results = await verifyCluster(outputs, { onResult: () => undefined });
        process.stderr.write(`${formatTable(results)}\n`);
        for (const check of results) assert.ok(check.passed, `${check.id}. ${check.name}: ${check.figure}`);
    });

    it("survives a second failover, the new primary killed in turn", async () => {
        const report = await runFailoverDrill(outputsFile);
        process.stderr.write(`${formatDrillReport(report)}\n`);
        assert.strictEqual(report.killed, promoted);
        assert.deepStrictEqual(report.lost, []);
        for (const check of report.verify!) assert.ok(check.passed, `${check.id}. ${check.name}: ${check.figure}`);
    });

    it("is back on quorum commit after the failovers, with every standby a quorum candidate", async () => {
        const cluster = openLocalCluster(stateDir);
        const primary = await currentPrimary(cluster);
        const settings = await withClient(superuserOn(cluster, primary), { caPem: cluster.secrets.pki.caCertPem }, async (client) => ({
            names: (await client.query<{ synchronous_standby_names: string }>("SHOW synchronous_standby_names")).rows[0]!.synchronous_standby_names,
            states: (await client.query<{ sync_state: string }>("SELECT sync_state FROM pg_stat_replication")).rows.map((row) => row.sync_state),
        }));
        assert.strictEqual(settings.names, "ANY 1 (node0, node1, node2)");
        assert.deepStrictEqual(settings.states, ["quorum", "quorum"]);
    });

    it("restarts a killed primary at once, before its failover ends: it never runs beside the new primary and rejoins by itself", async () => {
        const cluster = openLocalCluster(stateDir);
        const primary = await currentPrimary(cluster);
        const record = readState(stateDir)!.services.find((service) => service.name === primary.name)!;
        process.kill(record.pid, "SIGKILL");
        // Restarted within milliseconds, as Docker or systemd restart a crashed server: pgpool has
        // not even noticed yet, let alone promoted another node.
        const watched = await restartAndWatch(primary.name);
        assert.notStrictEqual(watched.primary, primary.name);
        process.stderr.write(`${primary.name} killed and restarted at once: a streaming standby after ${watched.ms} ms; most primaries at once: ${watched.mostPrimaries}\n`);
        assert.strictEqual(watched.mostPrimaries, 1);
        const results = await verifyCluster(JSON.parse(fs.readFileSync(outputsFile, "utf8")), { onResult: () => undefined });
        for (const check of results) assert.ok(check.passed, `${check.id}. ${check.name}: ${check.figure}`);
    });

    it("rejoins a crashed standby with npm run rejoin, following the primary without a rewind (pg_rewind's single-user recovery would fork its WAL)", async () => {
        const cluster = openLocalCluster(stateDir);
        const primary = await currentPrimary(cluster);
        const standby = cluster.topology.nodes.find((node) => node.name !== primary.name)!;
        const record = readState(stateDir)!.services.find((service) => service.name === standby.name)!;
        process.kill(record.pid, "SIGKILL");
        // As a person would find it: pgpool has noticed the crash and detached it.
        await waitUntil(`pgpool to detach ${standby.name}`, async () => (await poolNodes(cluster)).some((entry) => entry.nodeId === standby.index && entry.status === "down") || "not yet", { timeoutMs: 30_000, intervalMs: 200 });
        // rejoin.log keeps every rejoin of the node: read only what this one adds.
        const logFile = path.join(serviceDir(stateDir, standby.name), "rejoin.log");
        const earlier = fs.existsSync(logFile) ? fs.statSync(logFile).size : 0;
        const result = await localRejoin(stateDir, standby.name);
        assert.strictEqual(result.primary, primary.name);
        const log = fs.readFileSync(logFile).subarray(earlier).toString("utf8");
        assert.match(log, new RegExp(`${standby.name} was a standby: it follows ${primary.name} without a rewind`));
        assert.doesNotMatch(log, /single-user|rewinding/);
        const results = await verifyCluster(JSON.parse(fs.readFileSync(outputsFile, "utf8")), { onResult: () => undefined });
        for (const check of results) assert.ok(check.passed, `${check.id}. ${check.name}: ${check.figure}`);
    });

    it("rewinds a standby that replayed WAL past the promoted node's fork (it was down when another standby was promoted): it rejoins instead of failing to start forever", async () => {
        const cluster = openLocalCluster(stateDir);
        const ca = cluster.secrets.pki.caCertPem;
        const primary = await currentPrimary(cluster);
        const [behind, ahead] = cluster.topology.nodes.filter((node) => node.name !== primary.name);
        const primaryRecord = readState(stateDir)!.services.find((service) => service.name === primary.name)!;
        // behind stops streaming (its upstream points nowhere) and stays where it is; a checkpoint
        // then reaches only ahead: WAL past behind's end that holds no acknowledged write.
        await withClient(superuserOn(cluster, behind!), { caPem: ca }, async (client) => {
            await client.query("ALTER SYSTEM SET primary_conninfo = 'host=127.0.0.1 port=1 connect_timeout=1'");
            await client.query("SELECT pg_reload_conf()");
        });
        await waitUntil(`${behind!.name} to stop streaming`, async () => !(await streamingReplicas(superuserOn(cluster, primary), ca)).has(behind!.name) || "still streaming", { timeoutMs: 20_000, intervalMs: 100 });
        const written = await withClient(superuserOn(cluster, primary), { caPem: ca }, async (client) => {
            await client.query("CHECKPOINT");
            return (await client.query<{ lsn: string }>("SELECT pg_current_wal_lsn() AS lsn")).rows[0]!.lsn;
        });
        await waitUntil(`${ahead!.name} to replay the checkpoint`, async () => withClient(superuserOn(cluster, ahead!), { caPem: ca }, async (client) => (await client.query<{ done: boolean }>("SELECT pg_last_wal_replay_lsn() >= $1 AS done", [written])).rows[0]!.done || "not yet"), { timeoutMs: 20_000, intervalMs: 100 });
        await stopService(stateDir, ahead!.name);
        process.kill(primaryRecord.pid, "SIGKILL");
        await waitUntil(`pgpool to promote ${behind!.name}, the only standby up`, async () => (await answersAsPrimary(cluster, behind!)) || "not yet", { timeoutMs: 60_000, intervalMs: 200 });
        const logFile = path.join(serviceDir(stateDir, ahead!.name), `${ahead!.name}.log`);
        const earlier = fs.existsSync(logFile) ? fs.statSync(logFile).size : 0;
        const watched = await restartAndWatch(ahead!.name);
        const log = fs.readFileSync(logFile).subarray(earlier).toString("utf8");
        process.stderr.write(`${ahead!.name}, ahead of ${behind!.name}'s fork, streaming again ${watched.ms} ms after its restart:\n${log.split("\n").filter((line) => / pg-ha start: /.test(line)).join("\n")}\n`);
        assert.strictEqual(watched.primary, behind!.name);
        assert.match(log, new RegExp(`${ahead!.name} was a standby, but its history left ${behind!.name}'s timeline \\(checkpoint `));
        assert.match(log, new RegExp(`rewinding ${ahead!.name} onto ${behind!.name}'s timeline`));
        await restartAndWatch(primary.name);
        const results = await verifyCluster(JSON.parse(fs.readFileSync(outputsFile, "utf8")), { onResult: () => undefined });
        for (const check of results) assert.ok(check.passed, `${check.id}. ${check.name}: ${check.figure}`);
    });

    describe("planned switchover", () => {
        it("refuses an unknown node, the primary itself and a lagging standby, changing nothing", async () => {
            const cluster = openLocalCluster(stateDir);
            const primary = await currentPrimary(cluster);
            const standby = cluster.topology.nodes.find((node) => node.index !== primary.index)!;
            await assert.rejects(localSwitchover(stateDir, "node9"), (error: Error) => error instanceof SwitchoverRefused && /no node node9/.test(error.message));
            await assert.rejects(localSwitchover(stateDir, primary.name), (error: Error) => error instanceof SwitchoverRefused && /is already the primary/.test(error.message));
            const ca = cluster.secrets.pki.caCertPem;
            await withClient(superuserOn(cluster, standby), { caPem: ca }, (client) => client.query("SELECT pg_wal_replay_pause()"));
            try {
                await withClient(superuserOn(cluster, primary), { caPem: ca }, (client) => client.query("CREATE TABLE IF NOT EXISTS lag_maker AS SELECT g, repeat('x', 100) AS filler FROM generate_series(1, 20000) g"));
                await assert.rejects(localSwitchover(stateDir, standby.name, { maxLagBytes: 1000 }), (error: Error) => error instanceof SwitchoverRefused && new RegExp(`${standby.name} is \\d+ bytes behind`).test(error.message));
            } finally {
                await withClient(superuserOn(cluster, standby), { caPem: ca }, (client) => client.query("SELECT pg_wal_replay_resume()"));
            }
            assert.strictEqual((await currentPrimary(cluster)).name, primary.name, "the primary is unchanged");
            assert.ok((await poolNodes(cluster)).every((entry) => entry.status !== "down"), "every node is still up");
        });

        it("refuses a standby that is down (stopped, detached by pgpool), changing nothing", async () => {
            const cluster = openLocalCluster(stateDir);
            const primary = await currentPrimary(cluster);
            const standby = cluster.topology.nodes.find((node) => node.index !== primary.index)!;
            assert.strictEqual(await stopService(stateDir, standby.name), "stopped");
            try {
                await waitUntil(`pgpool to detach ${standby.name}`, async () => (await poolNodes(cluster)).some((entry) => entry.nodeId === standby.index && entry.status === "down") || "not yet", { timeoutMs: 30_000, intervalMs: 200, isPermanent: () => false });
                await assert.rejects(localSwitchover(stateDir, standby.name), (error: Error) => error instanceof SwitchoverRefused && new RegExp(`^${standby.name} of the local cluster in .* is not running`).test(error.message));
                assert.strictEqual((await currentPrimary(cluster)).name, primary.name, "the primary is unchanged");
            } finally {
                restartService(stateDir, standby.name);
            }
            await waitUntil(`${standby.name} to stream and be attached again`, async () => {
                const streaming = (await streamingReplicas(superuserOn(cluster, primary), cluster.secrets.pki.caCertPem)).has(standby.name);
                return (streaming && (await poolNodes(cluster)).some((entry) => entry.nodeId === standby.index && entry.status !== "down")) || "not yet";
            }, { timeoutMs: 60_000, intervalMs: 200 });
        });

        it("promotes the chosen standby under a writer with no data loss and rejoins the old primary", async () => {
            const cluster = openLocalCluster(stateDir);
            const before = await currentPrimary(cluster);
            const target = cluster.topology.nodes.find((node) => node.index !== before.index)!;
            const ca = cluster.secrets.pki.caCertPem;
            await withClient(superuserOn(cluster, before), { caPem: ca }, (client) => client.query("CREATE TABLE IF NOT EXISTS switchover_marker (written_at timestamptz); INSERT INTO switchover_marker VALUES (now())"));
            // Under a writer pgpool fails the primary over on the sessions its shutdown breaks,
            // before the switchover asks it to: the target must still get every WAL record.
            const { result, largestGapMs, lost } = await switchoverUnderWriter(stateDir, target.name, { ackDeadlineMs: 30_000, afterMs: 0 });
            process.stderr.write(`switchover ${result.from} -> ${result.to}: primary stopped to writes routed ${result.writeOutageMs} ms, largest gap between acknowledged writes ${largestGapMs} ms\n`);
            assert.deepStrictEqual(lost, [], "acknowledged writes missing on the new primary");
            assert.strictEqual(result.to, target.name);
            assert.strictEqual((await currentPrimary(cluster)).name, target.name);
            const rows = await withClient(superuserOn(cluster, target), { caPem: ca }, async (client) => (await client.query("SELECT * FROM switchover_marker")).rowCount);
            assert.strictEqual(rows, 1, "the write made before the switchover is on the new primary");
            const outputs = JSON.parse(fs.readFileSync(outputsFile, "utf8"));
            for (const check of await verifyCluster(outputs, { onResult: () => undefined })) assert.ok(check.passed, `${check.id}. ${check.name}: ${check.figure}`);
        });
    });
});
