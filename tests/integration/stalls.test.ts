import * as assert from "assert";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { serverPidOf } from "../../scripts/lib/local/state";
import { descendantsOf } from "../../scripts/lib/local/processes";
import { CLIENT_GATE } from "../../components/render/clientGateConf";
import { ClientAttempt, closedCount, clientsAtOnce, openIdleSockets, percentile, timedClient } from "../../scripts/lib/drill/clientFlood";
import { formatDrillReport, largestGap, runFailoverDrill, stallProcessTree } from "../../scripts/lib/drill/failoverDrill";
import { missingWrites, NumberedWriter } from "../../scripts/lib/drill/writer";
import { LocalUpOptions, localDown, localUp, openLocalCluster, restartService, stopService, streamingReplicas } from "../../scripts/lib/local/cluster";
import { serviceLogFile } from "../../scripts/lib/local/layout";
import { LocalCluster } from "../../scripts/lib/local/localCluster";
import { appThroughPgpool, currentPrimary, poolNodes, superuserOn } from "../../scripts/lib/local/pgpoolControl";
import { withClient } from "../../scripts/lib/pg";
import { freePortBase } from "../../scripts/lib/ports";
import { formatTable, verifyCluster } from "../../scripts/lib/verify/verify";
import { CheckResult } from "../../scripts/lib/verify/types";
import { sleep, waitUntil } from "../../scripts/lib/wait";
import { readOutputsFile } from "../../scripts/lib/verify/outputsSource";
import { median } from "../../scripts/lib/stats";
import { untilVerified } from "../untilVerified";

/** The 8 bytes a PostgreSQL client sends first to ask for TLS (length 8, code 80877103). */
const SSL_REQUEST = Buffer.from([0, 0, 0, 8, 4, 210, 22, 47]);

/** A local run in a fresh state dir, stopped and removed after the suite. */
function localRunFor(suite: Mocha.Suite, options: Omit<LocalUpOptions, "stateDir" | "portBase"> = {}): { stateDir: () => string; outputsFile: () => string } {
    let stateDir = "";
    suite.beforeAll(async () => {
        stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "pg-ha-stalls-"));
        await localUp({ ...options, stateDir, portBase: await freePortBase() });
    });
    suite.afterAll(async () => {
        if (stateDir === "") return;
        await localDown(stateDir);
        fs.rmSync(stateDir, { recursive: true, force: true });
    });
    return { stateDir: () => stateDir, outputsFile: () => path.join(stateDir, "outputs.json") };
}

async function verifyAll(outputsFile: string): Promise<CheckResult[]> {
    const results = await verifyCluster(JSON.parse(fs.readFileSync(outputsFile, "utf8")), { onResult: () => undefined });
    process.stderr.write(`${formatTable(results)}\n`);
    return results;
}

function assertAllPassed(results: readonly CheckResult[]): void {
    for (const check of results) assert.ok(check.passed, `${check.id}. ${check.name}: ${check.figure}`);
}

/** synchronous_standby_names in effect on the primary, and the sync_state of each standby it streams to. */
async function quorumOnPrimary(cluster: LocalCluster): Promise<{ names: string; states: string[] }> {
    const primary = await currentPrimary(cluster);
    return withClient(superuserOn(cluster, primary), { caPem: cluster.secrets.pki.caCertPem }, async (client) => ({
        names: (await client.query<{ synchronous_standby_names: string }>("SHOW synchronous_standby_names")).rows[0]!.synchronous_standby_names,
        states: (await client.query<{ sync_state: string }>("SELECT sync_state FROM pg_stat_replication ORDER BY application_name")).rows.map((row) => row.sync_state),
    }));
}

/** The pid of pgpool's health check process for one backend (its title: "health check process(N)"). */
function healthCheckProcess(pgpoolPid: number, nodeIndex: number): number {
    const title = `health check process(${nodeIndex})`;
    const found = descendantsOf(pgpoolPid).find((child) => {
        try {
            return fs.readFileSync(`/proc/${child.pid}/cmdline`, "utf8").includes(title);
        } catch {
            return false;
        }
    });
    if (found === undefined) throw new Error(`no process of pgpool (pid ${pgpoolPid}) is titled "${title}"`);
    return found.pid;
}

/** The text pgpool's log (attach-backends.sh's lines included) gains from now on, each time it is called. */
function pgpoolLogFromNow(stateDir: string): () => string {
    const logFile = serviceLogFile(stateDir, "pgpool");
    const before = fs.statSync(logFile).size;
    return () => fs.readFileSync(logFile, "utf8").slice(before);
}

/** The line attach-backends.sh's watch logs when it detaches `node`, as a primary or a standby. */
const watchDetached = (node: string, as: "primary" | "standby"): string => `${node} detached from pgpool: pgpool holds it up as ${as === "primary" ? "its primary" : "a standby"}`;

/**
 * Stops (SIGSTOP) pgpool's health check process of node `nodeIndex` until attach-backends.sh's
 * watch has detached that node (its line in pgpool's log) or `boundMs` has passed, as a check stuck
 * on a frozen node would be. It is thawed then, not later: in a CI run that kept it stopped 22 s,
 * pgpool ended the failover the watch asked for only 1 s after the thaw; it seems to wait for that
 * process, which a stopped one cannot answer (a real stuck check, blocked on a socket, can).
 */
async function stopHealthCheckUntilTheWatchActs(stateDir: string, nodeIndex: number, as: "primary" | "standby", boundMs: number): Promise<void> {
    const cluster = openLocalCluster(stateDir);
    const pgpoolPid = serverPidOf(cluster.state.services.find((service) => service.name === "pgpool")!)!;
    const logSince = pgpoolLogFromNow(stateDir);
    const detached = watchDetached(cluster.topology.nodes[nodeIndex]!.name, as);
    const checker = healthCheckProcess(pgpoolPid, nodeIndex);
    process.kill(checker, "SIGSTOP");
    const deadline = Date.now() + boundMs;
    try {
        while (!logSince().includes(detached) && Date.now() < deadline) await sleep(100);
    } finally {
        process.kill(checker, "SIGCONT");
    }
}

/** A writer through pgpool, the standbys it ran without, and when the last of them was asked to stop. */
interface WithoutStandbys {
    readonly writer: NumberedWriter;
    readonly standbys: string[];
    stoppedAt: number;
}

/**
 * Starts a writer through pgpool, stops both standbys under it, runs `body`, and stops the writer
 * however `body` ends.
 */
async function withoutStandbysUnderWriter<T>(stateDir: string, body: (down: WithoutStandbys) => Promise<T>): Promise<WithoutStandbys & { result: T }> {
    const cluster = openLocalCluster(stateDir);
    const primary = await currentPrimary(cluster);
    const standbys = cluster.topology.nodes.filter((node) => node.index !== primary.index).map((node) => node.name);
    const writer = new NumberedWriter(appThroughPgpool(cluster), cluster.secrets.pki.caCertPem);
    await writer.prepare();
    const down: WithoutStandbys = { writer, standbys, stoppedAt: 0 };
    const result = await writer.during(async () => {
        await waitUntil("a first acknowledged write", async () => writer.acked.length > 0, { timeoutMs: 10_000, intervalMs: 50 });
        // Writes can wait for a standby only from the moment the last one is asked to stop (its WAL
        // receiver goes early in its shutdown, before stopService sees it exit): the clock starts there.
        for (const name of standbys) {
            down.stoppedAt = Date.now();
            await stopService(stateDir, name);
        }
        return body(down);
    });
    return { ...down, result };
}

/** What a writer through pgpool saw while a standby was frozen for 20 s, and who detached it. */
interface FrozenStandby {
    readonly standby: string;
    readonly acknowledgedMeanwhile: number;
    readonly largestGapMs: number;
    /** attach-backends.sh's watch detached it (its line in pgpool's log), not pgpool's health check. */
    readonly byWatch: boolean;
}

/**
 * Freezes a standby (its postmaster and children, SIGSTOP) for 20 s under a writer through pgpool,
 * and with `checkStuck` pgpool's health check process of it until the watch acts: pgpool then does
 * not detach it by itself, as when its check hangs on a node frozen in the middle of its TLS handshake.
 */
async function freezeStandbyUnderWriter(stateDir: string, options: { readonly checkStuck: boolean }): Promise<FrozenStandby> {
    const cluster = openLocalCluster(stateDir);
    const primary = await currentPrimary(cluster);
    const standby = cluster.topology.nodes.find((node) => node.index !== primary.index)!;
    const record = cluster.state.services.find((service) => service.name === standby.name)!;
    const logSince = pgpoolLogFromNow(stateDir);
    const writer = new NumberedWriter(appThroughPgpool(cluster), cluster.secrets.pki.caCertPem);
    await writer.prepare();
    let frozenAt = 0;
    await writer.during(async () => {
        await sleep(1000);
        frozenAt = Date.now();
        const checkStopped = options.checkStuck ? stopHealthCheckUntilTheWatchActs(stateDir, standby.index, "standby", 21_000) : Promise.resolve();
        try {
            await stallProcessTree(serverPidOf(record)!, 20_000);
        } finally {
            await checkStopped;
        }
        await sleep(1000);
    });
    const byWatch = logSince().includes(watchDetached(standby.name, "standby"));
    const frozen = { standby: standby.name, acknowledgedMeanwhile: writer.acked.filter((write) => write.at > frozenAt).length, largestGapMs: largestGap(writer.acked.map((write) => write.at)), byWatch };
    process.stderr.write(`${standby.name} frozen 20 s${options.checkStuck ? " with pgpool's health check of it stopped" : ""}: ${frozen.acknowledgedMeanwhile} writes acknowledged meanwhile, largest gap ${frozen.largestGapMs} ms; detached by ${byWatch ? "attach-backends.sh's watch" : "pgpool's health check"}\n`);
    return frozen;
}

/** Waits until `standby` streams from the primary again, then until verify passes. */
async function untilStreamingAndVerified(run: { stateDir: () => string; outputsFile: () => string }, standby: string): Promise<void> {
    const cluster = openLocalCluster(run.stateDir());
    const primary = await currentPrimary(cluster);
    await waitUntil(`${standby} to stream again`, async () => (await streamingReplicas(superuserOn(cluster, primary), cluster.secrets.pki.caCertPem)).has(standby), { timeoutMs: 60_000 });
    // Check 8 reads Prometheus's last scrape, up to one interval (15 s) old: the exporter's
    // scrape during the freeze timed out (it asks every node), and the next one is up.
    await untilVerified("once it streams", () => readOutputsFile(run.outputsFile()), { intervalMs: 2000 });
}

describe("stalls and lost standbys on real servers (issue 15)", function () {
    this.timeout(300_000);

    describe("durability required (the default)", function () {
        const run = localRunFor(this);

        it("lets a client in within 2 s while 100 sockets that send nothing are open, closes those after 5 s, and serves 300 clients at once with a p90 under 5 s (the median of three floods); a writer meanwhile loses nothing; verify passes", async () => {
            const cluster = openLocalCluster(run.stateDir());
            const target = appThroughPgpool(cluster);
            const caPem = cluster.secrets.pki.caCertPem;
            const writer = new NumberedWriter(target, caPem);
            await writer.prepare();
            // Three floods, 2 s apart: on a 2-core machine one flood's p90 is as much the load of the
            // moment as pgpool's (a single flood once measured 5.2 s in CI, the bench's median 2.4 s).
            const floods: ClientAttempt[][] = [];
            await writer.during(async () => {
                const idle = await openIdleSockets(target.host, target.port, 100);
                const openedAt = Date.now();
                try {
                    await sleep(500);
                    const client = await timedClient(target, caPem, 10_000);
                    process.stderr.write(`with 100 idle sockets open: a client connected and queried in ${client.ms} ms${client.error === undefined ? "" : ` (${client.error})`}\n`);
                    assert.strictEqual(client.error, undefined);
                    assert.ok(client.ms < 2000, `a client took ${client.ms} ms behind 100 idle sockets`);
                    await waitUntil("the client gate to close the idle sockets", async () => closedCount(idle) === idle.length, { timeoutMs: (CLIENT_GATE.firstByteSeconds + 5) * 1000, intervalMs: 100 });
                    const closedAfterMs = Date.now() - openedAt;
                    process.stderr.write(`the client gate closed the 100 idle sockets ${closedAfterMs} ms after they opened\n`);
                    assert.ok(closedAfterMs >= (CLIENT_GATE.firstByteSeconds - 1) * 1000, `closed after ${closedAfterMs} ms, before the ${CLIENT_GATE.firstByteSeconds} s a client has to send its first bytes`);
                } finally {
                    for (const socket of idle) socket.destroy();
                }
                for (let flood = 0; flood < 3; flood++) {
                    if (flood > 0) await sleep(2000);
                    floods.push(await clientsAtOnce(target, caPem, 300, 30_000));
                }
            });
            const failed = floods.flat().filter((attempt) => attempt.error !== undefined);
            const p90s = floods.map((attempts) => percentile(attempts.map((attempt) => attempt.ms), 0.9));
            const gap = largestGap(writer.acked.map((write) => write.at));
            process.stderr.write(`300 clients at once, three times: p90 ${p90s.join(", ")} ms, ${failed.length} failed${failed.length === 0 ? "" : ` (${failed[0]!.error})`}; the writer: ${writer.acked.length} writes, largest gap ${gap} ms\n`);
            assert.deepStrictEqual(failed, []);
            assert.ok(median(p90s) < 5000, `p90 ${p90s.join(", ")} ms: median ${median(p90s)} ms`);
            assert.ok(gap < 5000, `the writer waited ${gap} ms`);
            assert.deepStrictEqual(await missingWrites(superuserOn(cluster, await currentPrimary(cluster)), { caPem, database: cluster.config.databaseName }, writer.acked), []);
            assertAllPassed(await verifyAll(run.outputsFile()));
        });

        it("refuses a client from outside the allowed networks at connect, before pgpool (127.0.0.2 against 127.0.0.1/32)", async () => {
            const { host, port } = appThroughPgpool(openLocalCluster(run.stateDir()));
            const outcome = await new Promise<{ bytes: number; closed: boolean }>((resolve) => {
                let bytes = 0;
                const socket = net.connect({ host, port, localAddress: "127.0.0.2" }, () => socket.write(SSL_REQUEST));
                socket.on("data", (chunk) => { bytes += chunk.length; });
                socket.on("error", () => undefined);
                socket.on("close", () => resolve({ bytes, closed: true }));
                setTimeout(() => { socket.destroy(); resolve({ bytes, closed: false }); }, 3000);
            });
            assert.deepStrictEqual(outcome, { bytes: 0, closed: true }, "the gate answered a refused address or kept it open");
        });

        it("fails a primary frozen for 20 s over within 10 s, loses nothing, and shuts it down when it thaws; it rejoins and verify passes", async () => {
            const report = await runFailoverDrill(run.outputsFile(), { fault: { kind: "stall", stallMs: 20_000 }, deadlineMs: 60_000 });
            process.stderr.write(`${formatDrillReport(report)}\n`);
            assert.ok(report.rtoMs < 10_000, `writes resumed ${report.rtoMs} ms after the stall began`);
            assert.deepStrictEqual(report.lost, [], "acknowledged writes missing on the new primary");
            assert.strictEqual(report.ackedByStaleAfterThaw, 0, "the thawed primary acknowledged writes");
            assert.ok(report.staleFencedMs !== undefined && report.staleFencedMs < 10_000, `the thawed primary stopped answering as primary ${report.staleFencedMs} ms after the thaw`);
            assertAllPassed(report.verify!);
            const quorum = await quorumOnPrimary(openLocalCluster(run.stateDir()));
            assert.strictEqual(quorum.names, "ANY 1 (node0, node1, node2)");
            assert.deepStrictEqual(quorum.states, ["quorum", "quorum"]);
        });

        it("keeps writing while a standby is frozen for 20 s (the other one acknowledges), and attaches it again once it replays", async () => {
            const frozen = await freezeStandbyUnderWriter(run.stateDir(), { checkStuck: false });
            assert.ok(frozen.acknowledgedMeanwhile > 100, `only ${frozen.acknowledgedMeanwhile} writes acknowledged while ${frozen.standby} was frozen`);
            // Sessions wait on the frozen standby until pgpool's health check detaches it (6 s at
            // most), or attach-backends.sh's watch does: alone, its 2 s timeouts make it slower.
            const bound = frozen.byWatch ? 15_000 : 10_000;
            assert.ok(frozen.largestGapMs < bound, `writes stopped for ${frozen.largestGapMs} ms`);
            await untilStreamingAndVerified(run, frozen.standby);
        });

        it("keeps writing while a standby is frozen for 20 s and pgpool's health check of it is stuck too (SIGSTOPped): attach-backends.sh's watch detaches it and ends the sessions waiting on it, and attaches it again once it replays", async () => {
            const frozen = await freezeStandbyUnderWriter(run.stateDir(), { checkStuck: true });
            assert.ok(frozen.byWatch, `pgpool's log does not say that the watch detached ${frozen.standby}`);
            assert.ok(frozen.acknowledgedMeanwhile > 100, `only ${frozen.acknowledgedMeanwhile} writes acknowledged while ${frozen.standby} was frozen`);
            assert.ok(frozen.largestGapMs < 15_000, `writes stopped for ${frozen.largestGapMs} ms`);
            await untilStreamingAndVerified(run, frozen.standby);
        });

        it("fails a frozen primary over within 15 s when pgpool's health check of it is stuck too (SIGSTOPped): attach-backends.sh's watch detaches it and ends the sessions waiting on it; nothing lost, verify passes", async () => {
            const cluster = openLocalCluster(run.stateDir());
            const primary = await currentPrimary(cluster);
            // The check stays stopped until the watch acts, at most as long as the primary is (1.5 s of writes, then 20 s frozen).
            const checkStopped = stopHealthCheckUntilTheWatchActs(run.stateDir(), primary.index, "primary", 22_000);
            let report;
            try {
                report = await runFailoverDrill(run.outputsFile(), { fault: { kind: "stall", stallMs: 20_000 }, deadlineMs: 60_000 });
            } finally {
                await checkStopped;
            }
            const pgpoolLog = fs.readFileSync(serviceLogFile(run.stateDir(), "pgpool"), "utf8");
            // After pcp_detach_node pgpool restarts its children or not (its own notion of the primary
            // decides); when not, the watch ends the sessions through the frozen node itself.
            const watchLines = pgpoolLog.split("\n").filter((line) => /detached from pgpool: pgpool holds it up|pgpool sessions that had a connection|Restart all children|Do not restart children|failover: primary node\d failed/.test(line)).slice(-4);
            process.stderr.write(`with pgpool's health check of ${primary.name} stopped:\n${formatDrillReport(report)}\n${watchLines.join("\n")}\n`);
            assert.match(pgpoolLog, new RegExp(`${primary.name} detached from pgpool: pgpool holds it up as its primary, but it has answered none of \\d+ questions`));
            // Later than pgpool's own check (10 s): a round of the watch waits 2 s, and pgpool's view
            // of the frozen node and each question to it cost a 2 s timeout before the two more.
            assert.ok(report.rtoMs < 15_000, `writes resumed ${report.rtoMs} ms after the stall began`);
            assert.deepStrictEqual(report.lost, [], "acknowledged writes missing on the new primary");
            assert.strictEqual(report.ackedByStaleAfterThaw, 0, "the thawed primary acknowledged writes");
            assertAllPassed(report.verify!);
        });

        it("with both standbys down, holds a commit (no error, nothing lost) until a standby is back, and verify reports it within its bounds", async () => {
            let ackedWhileDown = 0, verifyMs = 0, restartedAt = 0, resumedMs = 0;
            const { writer, standbys, stoppedAt, result: degraded } = await withoutStandbysUnderWriter(run.stateDir(), async (down) => {
                await sleep(6000);
                ackedWhileDown = down.writer.acked.filter((write) => write.at > down.stoppedAt + 1000).length;
                const verifyStarted = Date.now();
                const report = await verifyAll(run.outputsFile());
                verifyMs = Date.now() - verifyStarted;
                restartService(run.stateDir(), down.standbys[0]!);
                restartedAt = Date.now();
                await waitUntil("a write acknowledged after a standby came back", async () => down.writer.acked.some((write) => write.at > restartedAt), { timeoutMs: 60_000, intervalMs: 50 });
                resumedMs = down.writer.acked.find((write) => write.at > restartedAt)!.at - restartedAt;
                return report;
            });
            restartService(run.stateDir(), standbys[1]!);
            process.stderr.write(`both standbys down: ${ackedWhileDown} writes acknowledged while they were down; verify took ${verifyMs} ms; writes resumed ${resumedMs} ms after ${standbys[0]} was restarted\n`);
            assert.strictEqual(ackedWhileDown, 0, "durability required: no commit is acknowledged without a standby");
            // Sessions fail while pgpool detaches the stopped standbys (their writes are not counted);
            // once it has, the commit waits: no error until a standby is back.
            const whileWaiting = writer.errorLog.filter((entry) => entry.at > stoppedAt + 4000 && entry.at < restartedAt);
            assert.deepStrictEqual(whileWaiting, [], "a write failed instead of waiting for a standby");
            assert.ok(verifyMs < 90_000, `verify took ${verifyMs} ms on the degraded cluster`);
            assert.deepStrictEqual(degraded.filter((check) => !check.passed).map((check) => check.id).filter((id) => id === 2 || id === 3), [2, 3], "verify names the standbys down and pgpool's detached nodes");
            const cluster = openLocalCluster(run.stateDir());
            const primary = await currentPrimary(cluster);
            const present = await withClient(superuserOn(cluster, primary), { caPem: cluster.secrets.pki.caCertPem, database: cluster.config.databaseName }, async (client) =>
                Number((await client.query<{ count: string }>("SELECT count(*) FROM ha_drill_writes WHERE id = ANY($1::bigint[])", [writer.acked.map((write) => write.id)])).rows[0]!.count));
            assert.strictEqual(present, writer.acked.length, "acknowledged writes missing on the primary");
            await waitUntil("both standbys to stream again", async () => (await streamingReplicas(superuserOn(cluster, primary), cluster.secrets.pki.caCertPem)).size === 2, { timeoutMs: 60_000 });
            await untilVerified("with both standbys back", () => readOutputsFile(run.outputsFile()), { intervalMs: 2000 });
        });
        it("detaches a standby more than 100 MB behind (no reads go to it) and attaches it again once it has caught up", async () => {
            const cluster = openLocalCluster(run.stateDir());
            const primary = await currentPrimary(cluster);
            const standby = cluster.topology.nodes.find((node) => node.index !== primary.index)!;
            const ca = cluster.secrets.pki.caCertPem;
            const state = async (): Promise<string | undefined> => (await poolNodes(cluster)).find((entry) => entry.nodeId === standby.index)?.status;
            await withClient(superuserOn(cluster, standby), { caPem: ca }, (client) => client.query("SELECT pg_wal_replay_pause()"));
            try {
                // About 150 MB of WAL: a table of wide rows, written and dropped.
                await withClient(superuserOn(cluster, primary), { caPem: ca, queryTimeoutMs: 120_000 }, (client) => client.query("CREATE TABLE lag_maker AS SELECT g, repeat('x', 1000) AS filler FROM generate_series(1, 130000) g; DROP TABLE lag_maker"));
                await waitUntil(`${standby.name} detached for its lag`, async () => (await state()) === "down" || `pgpool has it ${await state()}`, { timeoutMs: 30_000, intervalMs: 500 });
            } finally {
                await withClient(superuserOn(cluster, standby), { caPem: ca }, (client) => client.query("SELECT pg_wal_replay_resume()"));
            }
            await waitUntil(`${standby.name} attached again`, async () => (await state()) === "up" || `pgpool has it ${await state()}`, { timeoutMs: 60_000, intervalMs: 500 });
            assert.match(fs.readFileSync(serviceLogFile(run.stateDir(), "pgpool"), "utf8"), new RegExp(`${standby.name} detached from pgpool: it is \\d+ bytes behind`));
            assertAllPassed(await verifyAll(run.outputsFile()));
        });
    });

    describe("durability preferred, 5 s", function () {
        const run = localRunFor(this, { configOverrides: { durability: { mode: "preferred", waitSeconds: 5 } } });

        it("with both standbys down, stops waiting after 5 s (logged, verify says quorum commit is off), and turns quorum commit back on when they return", async () => {
            let resumedMs = 0;
            const { result: degraded } = await withoutStandbysUnderWriter(run.stateDir(), async (down) => {
                await waitUntil("a write acknowledged without a standby", async () => down.writer.acked.some((write) => write.at > down.stoppedAt + 1000), { timeoutMs: 30_000, intervalMs: 50 });
                resumedMs = down.writer.acked.find((write) => write.at > down.stoppedAt + 1000)!.at - down.stoppedAt;
                await sleep(500);
                const report = await verifyAll(run.outputsFile());
                for (const name of down.standbys) restartService(run.stateDir(), name);
                return report;
            });
            process.stderr.write(`preferred: writes resumed ${resumedMs} ms after both standbys were stopped\n`);
            assert.ok(resumedMs >= 5000 && resumedMs < 12_000, `writes resumed ${resumedMs} ms after the standbys went (policy: 5 s)`);
            assert.match(fs.readFileSync(serviceLogFile(run.stateDir(), "pgpool"), "utf8"), /durability is preferred, so its commits no longer wait for a standby/);
            const replication = degraded.find((check) => check.id === 2)!;
            assert.ok(!replication.passed);
            assert.match(replication.figure, /quorum commit OFF, configured ANY 1/);
            const cluster = openLocalCluster(run.stateDir());
            await waitUntil("quorum commit back on with both standbys streaming", async () => {
                const quorum = await quorumOnPrimary(cluster);
                return (quorum.names === "ANY 1 (node0, node1, node2)" && quorum.states.length === 2 && quorum.states.every((state) => state === "quorum")) || JSON.stringify(quorum);
            }, { timeoutMs: 60_000, intervalMs: 500 });
            await untilVerified("with quorum commit back on", () => readOutputsFile(run.outputsFile()), { intervalMs: 2000 });
        });
    });
});
