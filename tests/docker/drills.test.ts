import * as assert from "assert";
import { StackOutputs } from "../../components/render";
import { DRILL_TABLE, missingWrites, NumberedWriter } from "../../scripts/lib/drill/writer";
import { parsePostgresUri, withClient } from "../../scripts/lib/pg";
import { sleep, waitUntil } from "../../scripts/lib/wait";
import { untilVerified } from "../untilVerified";
import { formatDrillReport } from "../../scripts/lib/drill/failoverDrill";
import { runStackFailoverDrill } from "../../scripts/lib/drill/stackFailoverDrill";
import { RejoinRefused, stackRejoin } from "../../scripts/lib/operations/stackRejoin";
import { backupThrough } from "../../scripts/lib/operations/backup";
import { nodeSeatsOf, reachOf, stackReach, switchoverSeatOf } from "../../scripts/lib/operations/nodeSeats";
import { copySummary, endCopies, RestoreRefused, RestoreRequest, restoreThrough } from "../../scripts/lib/operations/restore";
import { formatRestoreDrill, restoreDrillThrough } from "../../scripts/lib/drill/restoreDrill";
import { dockerContainer, HostUnreachable } from "../../scripts/lib/operations/hostShell";
import { SwitchoverOutcome, SwitchoverRefused, switchoverThrough } from "../../scripts/lib/operations/switchover";
import { containerLogs, withLogsOnFailure } from "./engine";
import { ApplyResult } from "./engineApply";
import { container, devStackOnEngine } from "./devStackOnEngine";

/**
 * Failover and growth of the dev stack in containers, on a stack of their own (the drills change
 * which node is primary and how many there are).
 */
describe("drills of the dev stack on a real Docker engine", function () {
    this.timeout(900_000);
    const stack = devStackOnEngine();
    const { docker } = stack;
    const outputs = () => stack.outputs();
    const apply = stack.apply;

    /** The node of the stack's outputs that answers as primary. */
    const primaryNode = async (names: readonly string[]): Promise<string> => {
        const ca = outputs().caCertificate;
        const uris = [outputs().primaryConnectionString, ...outputs().replicaConnectionStrings];
        for (const [i, uri] of uris.entries()) {
            const primary = await withClient(parsePostgresUri(uri), { caPem: ca, connectTimeoutMs: 1000 }, async (client) => (await client.query<{ primary: boolean }>("SELECT NOT pg_is_in_recovery() AS primary")).rows[0]!.primary).catch(() => false);
            if (primary) return names[i]!;
        }
        throw new Error("no node answers as primary");
    };

    it("fails over in containers: the primary's server killed under a writer loses no acknowledged write, and Docker's restart brings it back as a standby by itself", async () => {
        const ca = outputs().caCertificate;
        const pgpool = parsePostgresUri(outputs().pgpoolConnectionString);
        const nodes = [outputs().primaryConnectionString, ...outputs().replicaConnectionStrings].map(parsePostgresUri);
        const primaries = async () => (await Promise.all(nodes.map((node) => withClient(node, { caPem: ca, connectTimeoutMs: 500 }, async (client) =>
            (await client.query<{ primary: boolean }>("SELECT NOT pg_is_in_recovery() AS primary")).rows[0]!.primary).catch(() => false)))).filter(Boolean).length;
        const writer = new NumberedWriter(pgpool, ca);
        await writer.prepare();
        const node0 = docker.getContainer(container("node0"));
        const before = await node0.inspect();
        let killedAt = 0;
        let mostPrimaries = 0;
        await writer.during(async () => {
            await sleep(3000);
            // docker kill is a manual stop (no restart); a crash is the server's own process dying.
            killedAt = Date.now();
            process.kill(before.State.Pid, "SIGKILL");
            await withLogsOnFailure(docker, ["node0", "node1", "node2", "pgpool"].map(container), () => waitUntil("writes to resume on another node", async () => {
                mostPrimaries = Math.max(mostPrimaries, await primaries());
                const last = writer.acked[writer.acked.length - 1];
                return (last !== undefined && last.at > killedAt && last.serverPort !== nodes[0]!.port) || "not yet";
            }, { timeoutMs: 60_000, intervalMs: 100 }));
            await sleep(2000);
        });
        const resumed = writer.acked.find((write) => write.at > killedAt && write.serverPort !== nodes[0]!.port)!;
        const gaps = writer.acked.slice(1).map((write, i) => write.at - writer.acked[i]!.at);
        const lost = await missingWrites(pgpool, { caPem: ca }, writer.acked);
        const rejoinStarted = Date.now();
        await withLogsOnFailure(docker, ["node0", "node1", "node2", "pgpool"].map(container), () => untilVerified("with node0 back as a standby, attached", outputs, {
            timeoutMs: 180_000, intervalMs: 500, beforeEach: async () => { mostPrimaries = Math.max(mostPrimaries, await primaries()); },
        }));
        const after = await node0.inspect();
        process.stderr.write(`docker failover: ${writer.acked.length} acknowledged writes, ${lost.length} lost; writes resumed on port ${resumed.serverPort} ${resumed.at - killedAt} ms after the kill; largest gap ${Math.max(...gaps)} ms; node0 restarted by Docker ${Date.parse(after.State.StartedAt) - killedAt} ms after the kill, ${Date.parse(after.State.StartedAt) < resumed.at ? "before" : "after"} the promotion ended (restarts ${before.RestartCount} -> ${after.RestartCount}) and verify 8/8 ${Date.now() - rejoinStarted} ms after writes resumed; most primaries at once ${mostPrimaries}\n`);
        const node0Log = (await containerLogs(docker, container("node0"), 200_000)).split("\n").filter((line) => line.includes("pg-ha start:"));
        assert.deepStrictEqual(lost, []);
        assert.ok(after.RestartCount > before.RestartCount, "Docker restarted the crashed container");

        assert.ok(node0Log.some((line) => line.includes("rewinding node0")) && !node0Log.some((line) => line.includes("cannot be rewound")), `node0 was rewound, not cloned afresh:\n${node0Log.join("\n")}`);
        assert.strictEqual(mostPrimaries, 1, "never two primaries");
        const node0InRecovery = await withClient(nodes[0]!, { caPem: ca }, async (client) => (await client.query<{ standby: boolean }>("SELECT pg_is_in_recovery() AS standby")).rows[0]!.standby);
        assert.strictEqual(node0InRecovery, true, "node0 came back as a standby");
    });

    it("fails a paused primary container over (docker pause: the freezer, as a VM pause), shuts it down when it thaws, and Docker brings it back as a standby", async () => {
        const ca = outputs().caCertificate;
        const pgpool = parsePostgresUri(outputs().pgpoolConnectionString);
        const names = ["node0", "node1", "node2"];
        const nodes = [outputs().primaryConnectionString, ...outputs().replicaConnectionStrings].map(parsePostgresUri);
        const frozenName = await primaryNode(names);
        const frozen = nodes[names.indexOf(frozenName)]!;
        const target = docker.getContainer(container(frozenName));
        const before = await target.inspect();
        const writer = new NumberedWriter(pgpool, ca);
        await writer.prepare();
        let pausedAt = 0;
        let thawedAt = 0;
        await writer.during(async () => {
            await sleep(2000);
            pausedAt = Date.now();
            await target.pause();
            try {
                await withLogsOnFailure(docker, [...names, "pgpool"].map(container), () => waitUntil("writes to resume on another node", async () => writer.acked.some((write) => write.at > pausedAt && write.serverPort !== frozen.port) || "not yet", { timeoutMs: 20_000, intervalMs: 100 }));
            } finally {
                await sleep(Math.max(0, pausedAt + 20_000 - Date.now()));
                await target.unpause();
                thawedAt = Date.now();
            }
            await sleep(2000);
        });
        const resumed = writer.acked.find((write) => write.at > pausedAt && write.serverPort !== frozen.port)!;
        const lost = await missingWrites(pgpool, { caPem: ca }, writer.acked);
        const ackedByStale = writer.acked.filter((write) => write.at >= thawedAt && write.serverPort === frozen.port).length;
        await withLogsOnFailure(docker, [...names, "pgpool"].map(container), () => untilVerified(`with ${frozenName} back as a standby`, outputs, { timeoutMs: 180_000 }));
        const after = await target.inspect();
        const pgpoolLog = await containerLogs(docker, container("pgpool"), 500_000);
        const byWatch = pgpoolLog.includes(`${frozenName} detached from pgpool: pgpool holds it up as its primary, but it has answered none`);
        process.stderr.write(`docker pause: ${frozenName} paused 20 s; failed over by ${byWatch ? "attach-backends.sh's watch, before pgpool's health check" : "pgpool's health check"}; writes resumed ${resumed.at - pausedAt} ms after the pause; ${writer.acked.length} acknowledged, ${lost.length} lost, ${ackedByStale} by ${frozenName} after its thaw; restarts ${before.RestartCount} -> ${after.RestartCount}; verify 8/8 ${Date.now() - thawedAt} ms after the thaw\n`);
        // pgpool's health check fails a frozen node over within 10 s; when it is stuck (once in about
        // ten pauses here), attach-backends.sh's watch does within 15 s.
        assert.ok(resumed.at - pausedAt < (byWatch ? 15_000 : 10_000), `writes resumed ${resumed.at - pausedAt} ms after the pause`);
        assert.deepStrictEqual(lost, []);
        assert.strictEqual(ackedByStale, 0, "the thawed primary acknowledged writes");
        assert.match(pgpoolLog, new RegExp(`${frozenName} answers as primary on timeline \\d+, behind node\\d's \\d+: a stale former primary`));
        assert.ok(after.RestartCount > before.RestartCount, "Docker restarted the container after the stale primary was shut down");
        const inRecovery = await withClient(frozen, { caPem: ca }, async (client) => (await client.query<{ standby: boolean }>("SELECT pg_is_in_recovery() AS standby")).rows[0]!.standby);
        assert.strictEqual(inRecovery, true, `${frozenName} came back as a standby`);
    });

    it("converges whatever order its containers start in: pgpool 45 s before the nodes, the replicas 45 s after the rest, everything at once", async () => {
        const nodes = ["node0", "node1", "node2"];
        const front = ["pgpool", "exporter"];
        // Waves of containers started 45 s apart (as the EC2 boot findings had it), given which node is the primary.
        const orders: [string, (primary: string) => string[][]][] = [
            ["pgpool and the exporter 45 s before the nodes", () => [front, nodes]],
            ["the replicas 45 s after the rest", (primary) => [[primary, ...front], nodes.filter((node) => node !== primary)]],
            ["everything at once (an engine or a host restarting)", () => [[...nodes, ...front]]],
        ];
        const figures: string[] = [];
        for (const [order, wavesFor] of orders) {
            const waves = wavesFor(await primaryNode(nodes));
            await Promise.all([...nodes, ...front].map((service) => docker.getContainer(container(service)).stop({ t: 30 })));
            for (const [i, wave] of waves.entries()) {
                if (i > 0) await sleep(45_000);
                await Promise.all(wave.map((service) => docker.getContainer(container(service)).start()));
            }
            const took = await withLogsOnFailure(docker, [...nodes, "pgpool"].map(container), () => untilVerified(`after starting ${order}`, outputs, { timeoutMs: 120_000 }));
            figures.push(`${order}: verify 8/8 ${(took / 1000).toFixed(1)} s after the last start`);
        }
        process.stderr.write(`boot orders:\n  ${figures.join("\n  ")}\n`);
    });

    it("switches over from the stack through docker exec in the pgpool container, under a writer: nothing lost, the former primary rejoins by itself; refuses a bad target or an unreachable container, changing nothing", async () => {
        const ca = outputs().caCertificate;
        const names = ["node0", "node1", "node2"];
        const seat = switchoverSeatOf(reachOf(outputs().hostAccess!, { docker }));
        const before = await primaryNode(names);
        await assert.rejects(switchoverThrough(seat, "node9"), (error: Error) => error instanceof SwitchoverRefused && /no node node9 in this cluster/.test(error.message));
        await assert.rejects(switchoverThrough(seat, before), (error: Error) => error instanceof SwitchoverRefused && /is already the primary/.test(error.message));
        const nowhere = { ...seat, host: dockerContainer(docker, container("no-such-service"), "postgres") };
        await assert.rejects(switchoverThrough(nowhere, "node1"), (error: Error) => error instanceof HostUnreachable && /cannot be reached through the Docker engine/.test(error.message));
        assert.strictEqual(await primaryNode(names), before, "the refusals changed nothing");
        const target = names.find((name) => name !== before)!;
        const pgpool = parsePostgresUri(outputs().pgpoolConnectionString);
        const writer = new NumberedWriter(pgpool, ca);
        await writer.prepare();
        const outcome: SwitchoverOutcome = await writer.during(async () => {
            await sleep(2000);
            const switched = await withLogsOnFailure(docker, [...names, "pgpool"].map(container), () => switchoverThrough(seat, target, { rejoinWaitSeconds: 90 }));
            await sleep(2000);
            return switched;
        });
        const gaps = writer.acked.slice(1).map((write, i) => write.at - writer.acked[i]!.at);
        const lost = await missingWrites(pgpool, { caPem: ca }, writer.acked);
        process.stderr.write(`docker switchover ${outcome.from} -> ${outcome.to}: writes paused ${outcome.writeOutageMs} ms (the script's measure), largest gap between acknowledged writes ${Math.max(...gaps)} ms, ${writer.acked.length} acknowledged, ${lost.length} lost; ${outcome.from} rejoined by itself: ${outcome.rejoined}\n`);
        assert.ok(writer.acked.length > 0, "the writer had no write acknowledged");
        assert.deepStrictEqual(lost, []);
        assert.deepStrictEqual([outcome.from, outcome.to, outcome.rejoined], [before, target, "yes"]);
        assert.strictEqual(await primaryNode(names), target);
        await untilVerified("after the switchover", outputs);
    });

    it("takes a full backup from the stack through docker exec: each node's backup.sh, which only the primary runs; the repository lists it", async () => {
        const before = await primaryNode(["node0", "node1", "node2"]);
        const asked = Date.now();
        const result = await backupThrough(nodeSeatsOf(stackReach("dev")), "full");
        process.stderr.write(`docker backup: ${result.backup.label} (${result.backup.type}) on ${result.node} in ${result.durationMs} ms, database ${result.backup.databaseBytes} bytes\n`);
        assert.strictEqual(result.node, before);
        assert.strictEqual(result.backup.type, "full");
        assert.ok(result.backup.stoppedAt.getTime() >= asked - 1000, `the newest backup ended at ${result.backup.stoppedAt.toISOString()}, before it was asked for`);
        assert.deepStrictEqual(result.unreachable, []);
    });

    it("restores a point in time from the stack beside the primary, and the restore drill finds every table equal; refuses a used folder, a moment before the first backup or still to come, changing nothing", async () => {
        const nodes = nodeSeatsOf(reachOf(outputs().hostAccess!, { docker }));
        const primary = await primaryNode(["node0", "node1", "node2"]);
        const app = (sql: string) => withClient(parsePostgresUri(outputs().pgpoolConnectionString), { caPem: outputs().caCertificate }, (client) => client.query(sql));
        await app("CREATE TABLE pitr_docker (id int PRIMARY KEY)");
        await app("INSERT INTO pitr_docker SELECT generate_series(1, 1000)");
        await backupThrough(nodes, "diff");
        await sleep(1100);
        const point = new Date().toISOString();
        await sleep(1100);
        await app("INSERT INTO pitr_docker SELECT generate_series(1001, 1500)");
        const into = "/var/lib/postgresql/data/restore-test";
        const refusals: [RestoreRequest, RegExp][] = [
            [{ into: "/var/lib/postgresql/data/pgdata", port: 5532 }, /\/var\/lib\/postgresql\/data\/pgdata is not empty: restore needs a new data directory/],
            [{ into, port: 5532, targetTime: new Date(Date.now() - 30 * 86_400_000).toISOString() }, /no backup ends before .*: the first one ended at/],
            [{ into, port: 5532, targetTime: new Date(Date.now() + 3_600_000).toISOString() }, /is in the future/],
            [{ into: "restore-test", port: 5532 }, /INTO must be an absolute path/],
        ];
        for (const [request, reason] of refusals) {
            await assert.rejects(restoreThrough(nodes, request), (error: Error) => error instanceof RestoreRefused && reason.test(error.message));
        }
        const exists = async (dir: string) => (await nodes.find((node) => node.name === primary)!.host.run(["test", "-e", dir], 10_000)).code === 0;
        assert.ok(!(await exists(into)), "a refused restore made no folder");

        const copy = await restoreThrough(nodes, { into, port: 5532, targetTime: point });
        try {
            assert.strictEqual(copy.node.name, primary, "the primary's host runs the copy");
            const restored = await copySummary(copy);
            assert.strictEqual(restored.tables.get("pitr_docker")?.rows, 1000, "rows after the backup and before the point come from archived WAL; none after it");
            // npm run restore -- --stop|--discard: asked of every node, ended where it is; never a node's own data.
            for (const own of ["/var/lib/postgresql/data/pgdata", "/var/lib/postgresql/data"]) {
                await assert.rejects(endCopies(nodes, own, "discard"), (error: Error) => error instanceof RestoreRefused && /own data directory: it is not a restored copy/.test(error.message));
            }
            assert.deepStrictEqual((await endCopies(nodes, into, "stop")).nodes, [primary]);
        } finally {
            assert.deepStrictEqual((await endCopies(nodes, into, "discard")).nodes, [primary]);
        }
        assert.ok(!(await exists(into)) && !(await exists(`${into}.run`)), "discard removes the copy");
        assert.strictEqual(await primaryNode(["node0", "node1", "node2"]), primary, "the node's own data untouched");
        const drill = await restoreDrillThrough(nodes, { into: "/var/lib/postgresql/data/restore-drill", port: 5532 });
        process.stderr.write(`docker restore: to ${point} on ${copy.node.name} in ${copy.restoreMs} ms; drill: ${drill.tables.length} tables compared, restored in ${drill.restoreMs} ms\n${formatRestoreDrill(drill)}\n`);
        assert.ok(drill.passed, formatRestoreDrill(drill));
        assert.ok(drill.tables.some((table) => table.table === "pitr_docker" && table.restoredRows === 1500));
    });

    it("re-clones a standby container whose slot was invalidated and whose WAL the primary removed while it was stopped; it streams and verify passes", async () => {
        const names = ["node0", "node1", "node2"];
        const seats = nodeSeatsOf(reachOf(outputs().hostAccess!, { docker }));
        const primary = await primaryNode(names);
        const standby = names.find((name) => name !== primary)!;
        const onPrimary = seats.find((seat) => seat.name === primary)!;
        /** psql as the superuser on the primary's socket, in its container. */
        const superuser = async (script: string): Promise<string> => {
            const result = await onPrimary.host.run(["/bin/bash", "-c", `. ${onPrimary.configDir}/service.env && . ${onPrimary.configDir}/cluster.env && export PGPASSFILE="$RUN_DIR/$PGPASS_FILE" && psql() { "$PSQL" -X -At -q -v ON_ERROR_STOP=1 -h "$RUN_DIR" -p "\${NODE_PORTS[$NODE_ID]}" -U "$SUPERUSER" -d postgres "$@"; } && ${script}`], 600_000);
            assert.strictEqual(result.code, 0, result.stderr);
            return result.stdout.trim();
        };
        // The slot limits of a 10 GB disk (the default 100 GB holds 10 GB of WAL for a slot): reloadable, reset below.
        await superuser(`psql -c "ALTER SYSTEM SET max_slot_wal_keep_size = '1024MB'" -c "ALTER SYSTEM SET wal_keep_size = '512MB'" -c "SELECT pg_reload_conf()"`);
        try {
            await docker.getContainer(container(standby)).stop({ t: 30 });
            const stoppedAt = Date.now();
            // 72 segments of 16 MB: more than the slot may hold, and more than wal_keep_size; each archived first.
            await superuser(`psql -c "CREATE TABLE IF NOT EXISTS wal_filler (n int)" && for _ in $(seq 72); do psql -c "INSERT INTO wal_filler VALUES (1)" -c "SELECT pg_switch_wal()" >/dev/null; done`);
            const last = await superuser(`psql -c "SELECT pg_walfile_name(pg_current_wal_lsn() - 1)"`);
            await waitUntil(`the archiver to archive ${last}`, async () => (await superuser(`psql -c "SELECT last_archived_wal >= '${last}' FROM pg_stat_archiver"`)) === "t" || "not yet", { timeoutMs: 300_000, intervalMs: 1000 });
            await superuser(`psql -c "CHECKPOINT"`);
            const slot = await superuser(`psql -c "SELECT wal_status FROM pg_replication_slots WHERE slot_name = '${standby}_slot'"`);
            process.stderr.write(`docker re-clone: WAL written, archived and checkpointed ${Date.now() - stoppedAt} ms after ${standby} stopped; its slot ${slot}\n`);
            assert.strictEqual(slot, "lost", `${standby}'s slot after 1.15 GB of WAL`);
            const startedAt = Date.now();
            await docker.getContainer(container(standby)).start();
            await withLogsOnFailure(docker, [standby, primary].map(container), async () => {
                await waitUntil(`${standby} to stream again`, async () => (await superuser(`psql -c "SELECT count(*) FROM pg_stat_replication WHERE application_name = '${standby}' AND state = 'streaming'"`)) === "1" || "not yet", { timeoutMs: 300_000, intervalMs: 1000 });
                process.stderr.write(`docker re-clone: ${standby} cloned afresh and streaming ${Date.now() - startedAt} ms after its container started\n`);
                const log = (await containerLogs(docker, container(standby), 200_000)).split("\n").filter((line) => line.includes("pg-ha start:"));
                assert.ok(log.some((line) => new RegExp(`${standby} was a standby, but ${primary} no longer holds the WAL it needs \\(from segment [0-9A-F]{24}\\): cloning it afresh`).test(line)), log.slice(-10).join("\n"));
                await untilVerified(`with ${standby} cloned afresh`, outputs, { timeoutMs: 120_000 });
            });
        } finally {
            await superuser(`psql -c "ALTER SYSTEM RESET max_slot_wal_keep_size" -c "ALTER SYSTEM RESET wal_keep_size" -c "DROP TABLE IF EXISTS wal_filler" -c "SELECT pg_reload_conf()"`);
        }
    });

    it("drill:failover from the stack's outputs: the primary's postmaster killed through docker exec under a writer, nothing lost, the others follow, it comes back as a standby by itself, verify passes", async () => {
        const report = await runStackFailoverDrill(outputs(), nodeSeatsOf(reachOf(outputs().hostAccess!, { docker })));
        process.stderr.write(`docker drill:failover from the outputs:\n${formatDrillReport(report)}\n`);
        assert.deepStrictEqual(report.lost, []);
        assert.notStrictEqual(report.newPrimary, report.killed);
        assert.ok(report.backByItselfMs !== undefined && report.followers.length === 1);
        for (const check of report.verify!) assert.ok(check.passed, `${check.id}. ${check.name}: ${check.figure}`);
    });

    it("rejoin from the stack's outputs: a standby's server stopped through docker exec, restarted by Docker, streams again; the primary and an unknown node are refused, changing nothing", async () => {
        const seats = nodeSeatsOf(reachOf(outputs().hostAccess!, { docker }));
        const primary = await primaryNode(["node0", "node1", "node2"]);
        const standby = ["node0", "node1", "node2"].find((name) => name !== primary)!;
        await assert.rejects(stackRejoin(outputs(), seats, primary), (error: Error) => error instanceof RejoinRefused && /is the primary: switch over first/.test(error.message));
        await assert.rejects(stackRejoin(outputs(), seats, "node9"), (error: Error) => error instanceof RejoinRefused && /no node node9 in this stack/.test(error.message));
        const before = (await docker.getContainer(container(standby)).inspect()).RestartCount;
        const result = await stackRejoin(outputs(), seats, standby);
        const after = (await docker.getContainer(container(standby)).inspect()).RestartCount;
        process.stderr.write(`docker rejoin: ${result.node} streaming from ${result.primary} again ${result.durationMs} ms after its server was stopped (restarts ${before} -> ${after})\n`);
        assert.deepStrictEqual([result.node, result.primary, after > before], [standby, primary, true]);
        assert.strictEqual(await primaryNode(["node0", "node1", "node2"]), primary, "the primary never changed");
        await untilVerified(`with ${standby} rejoined`, outputs);
    });

    it("grows from 2 to 3 replicas with one config key, under a writer: the new container clones and streams, pgpool routes to it, nothing is lost", async () => {
        const ca = outputs().caCertificate;
        const pgpool = parsePostgresUri(outputs().pgpoolConnectionString);
        const writer = new NumberedWriter(pgpool, ca);
        await writer.prepare();
        const grown: ApplyResult & { ms: number } = await writer.during(async () => {
            await sleep(2000);
            const applied = await apply({ "pg-ha:replicas": 3 });
            await sleep(3000);
            return applied;
        });
        process.stderr.write(`replicas 2 -> 3: apply ${(grown.ms / 1000).toFixed(1)} s\n  ${grown.actions.join("\n  ")}\n`);
        const scaled = grown.outputs as unknown as StackOutputs;
        assert.strictEqual(scaled.replicaConnectionStrings.length, 3);
        assert.ok(grown.actions.includes("created volume pg-ha-dev-node3-data") && grown.actions.includes("created container pg-ha-dev-node3"), grown.actions.join("; "));
        const took = await untilVerified("with three replicas", () => scaled, { timeoutMs: 120_000 });
        const lost = await missingWrites(pgpool, { caPem: ca }, writer.acked);
        const gaps = writer.acked.slice(1).map((write, i) => write.at - writer.acked[i]!.at);
        const node3 = parsePostgresUri(scaled.replicaConnectionStrings[2]!);
        const onNode3 = await withClient(node3, { caPem: ca }, async (client) => Number((await client.query<{ count: string }>(`SELECT count(*) FROM ${DRILL_TABLE}`)).rows[0]!.count));
        process.stderr.write(`replicas 2 -> 3: verify 8/8 ${took} ms after the apply; ${writer.acked.length} acknowledged writes, ${lost.length} lost, largest gap ${Math.max(...gaps)} ms; node3 holds ${onNode3} rows\n`);
        assert.deepStrictEqual(lost, []);
        assert.ok(onNode3 >= writer.acked.length, "node3 has every acknowledged row");
    });

});
