import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { runFailoverDrill } from "../../scripts/lib/drill/failoverDrill";
import { listBackups, localBackup, localRestore, prepareCopyFolders, RestoredServer, runBackupScript } from "../../scripts/lib/local/backup";
import { BackupRepository, SKIPPED_ON_STANDBY } from "../../components/render";
import { CommandFailedError } from "../../scripts/lib/local/serviceUser";
import { localDown, localUp, openLocalCluster, openLocalClusterOfOutputs } from "../../scripts/lib/local/cluster";
import { currentPrimary, poolNodes, superuserOn } from "../../scripts/lib/local/pgpoolControl";
import { withClient } from "../../scripts/lib/pg";
import { sleep, waitUntil } from "../../scripts/lib/wait";
import { isAlive, processIds, stopProcess } from "../../scripts/lib/local/processes";
import { createS3Server } from "../../scripts/lib/local/s3Server";
import { formatRestoreDrill, restoreDrillThrough } from "../../scripts/lib/drill/restoreDrill";
import { localNodeSeats } from "../../scripts/lib/local/localSeats";
import { runLogical } from "../../scripts/lib/logicalDump";
import { parsePostgresUri } from "../../scripts/lib/pg";
import { PostgresEndpoint } from "../../config";
import { freePortBase } from "../../scripts/lib/ports";

/** Live processes (zombies aside) whose command line or working directory lies under `dir`. */
function processesOf(dir: string): { pid: number; command: string }[] {
    const found: { pid: number; command: string }[] = [];
    for (const pid of processIds()) {
        try {
            if (!isAlive(pid)) continue;
            const command = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ").trim();
            const cwd = fs.readlinkSync(`/proc/${pid}/cwd`);
            if (command.includes(dir) || cwd.startsWith(dir)) found.push({ pid, command });
        } catch {
            // Gone meanwhile, or not ours to read.
        }
    }
    return found;
}

/** The current primary's address, to reach it with the application role after a failover. */
const superuserOnPort = (node: PostgresEndpoint) => ({ host: node.host, port: node.port });

describe("backups with pgBackRest on real servers: WAL archiving and point-in-time recovery", function () {
    this.timeout(300_000);
    let stateDir: string;
    let restorePort: number;

    const cluster = () => openLocalCluster(stateDir);
    const onPrimary = async (sql: string) => {
        const handle = cluster();
        return withClient({ ...superuserOn(handle, await currentPrimary(handle)), database: handle.config.databaseName }, { caPem: handle.secrets.pki.caCertPem }, (client) => client.query(sql));
    };
    const countOn = async (server: RestoredServer) => {
        const handle = cluster();
        return withClient({ host: "127.0.0.1", port: server.port, user: "postgres", password: handle.secrets.passwords.superuser, database: handle.config.databaseName }, { caPem: handle.secrets.pki.caCertPem }, async (client) =>
            Number((await client.query<{ count: string }>("SELECT count(*) FROM pitr_rows")).rows[0]!.count));
    };
    const restoreDir = (name: string) => path.join(stateDir, "restores", name);

    before(async () => {
        stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "pg-ha-backup-"));
        const base = await freePortBase();
        restorePort = base + 50;
        await localUp({ stateDir, portBase: base });
    });

    after(async () => {
        if (stateDir === undefined) return;
        await localDown(stateDir);
        fs.rmSync(stateDir, { recursive: true, force: true });
    });

    it("archives the first WAL segment when the cluster starts, which creates the stanza: the repository answers with no backup yet", async () => {
        const handle = cluster();
        assert.deepStrictEqual(await listBackups(handle, await currentPrimary(handle)), []);
    });

    it("refuses a restore before any backup exists", async () => {
        await assert.rejects(localRestore(cluster(), { into: restoreDir("none"), port: restorePort }), /the repository holds no backup yet/);
    });

    let pointInTime: Date;
    it("takes a full backup, then restores to a point in time exactly, and to the latest state", async () => {
        await onPrimary("CREATE TABLE pitr_rows (id int PRIMARY KEY)");
        await onPrimary("INSERT INTO pitr_rows SELECT generate_series(1, 1000)");
        const backup = await localBackup(cluster());
        assert.match(backup.backup.label, /F$/);
        assert.strictEqual(backup.backup.type, "full");
        await onPrimary("INSERT INTO pitr_rows SELECT generate_series(1001, 1500)");
        await sleep(1100);
        pointInTime = new Date();
        await sleep(1100);
        await onPrimary("INSERT INTO pitr_rows SELECT generate_series(1501, 2200)");
        await onPrimary("SELECT pg_switch_wal()");

        const atPoint = await localRestore(cluster(), { targetTime: pointInTime, into: restoreDir("point"), port: restorePort });
        try {
            assert.strictEqual(await countOn(atPoint), 1500, "rows written after the backup but before the point come from archived WAL; none after it");
        } finally {
            await atPoint.stop();
        }
        const latest = await localRestore(cluster(), { into: restoreDir("latest"), port: restorePort });
        try {
            assert.strictEqual(await countOn(latest), 2200);
        } finally {
            await latest.stop();
        }
    });

    it("restores to a moment a few seconds old, whose WAL nobody archived yet, and refuses a moment to come", async () => {
        await onPrimary("CREATE TABLE recent_rows (id int PRIMARY KEY)");
        await onPrimary("INSERT INTO recent_rows SELECT generate_series(1, 100)");
        await sleep(1100);
        const moment = new Date();
        await assert.rejects(localRestore(cluster(), { targetTime: new Date(Date.now() + 60_000), into: restoreDir("future"), port: restorePort }), /is in the future/);
        assert.ok(!fs.existsSync(restoreDir("future")), "nothing was created for a future target");
        const restored = await localRestore(cluster(), { targetTime: moment, into: restoreDir("recent"), port: restorePort });
        try {
            const handle = cluster();
            const count = await withClient({ host: "127.0.0.1", port: restored.port, user: "postgres", password: handle.secrets.passwords.superuser, database: handle.config.databaseName }, { caPem: handle.secrets.pki.caCertPem }, async (client) =>
                Number((await client.query<{ count: string }>("SELECT count(*) FROM recent_rows")).rows[0]!.count));
            assert.strictEqual(count, 100);
        } finally {
            await restored.stop();
        }
    });

    it("backup.sh, the script the schedules run on every node, backs up on the primary only", async () => {
        const handle = cluster();
        const before = await listBackups(handle, await currentPrimary(handle));
        const standby = handle.topology.nodes[1]!;
        await assert.rejects(runBackupScript(handle, standby, "diff"), (error: Error) => error instanceof CommandFailedError && error.exitCode === SKIPPED_ON_STANDBY && /node1 is a standby/.test(error.message));
        assert.strictEqual((await listBackups(handle, await currentPrimary(handle))).length, before.length, "a standby adds no backup");
        await runBackupScript(handle, await currentPrimary(handle), "diff");
        const after = await listBackups(handle, await currentPrimary(handle));
        assert.strictEqual(after.length, before.length + 1);
        assert.strictEqual(after[after.length - 1]!.type, "diff");
    });

    it("refuses a target time before the first backup, and a data directory that is not empty, touching nothing", async () => {
        const before = (await currentPrimary(cluster())).name;
        await assert.rejects(localRestore(cluster(), { targetTime: new Date(Date.now() - 24 * 3600 * 1000), into: restoreDir("early"), port: restorePort }), /no backup ends before .*: the first one ended at/);
        assert.ok(!fs.existsSync(restoreDir("early")), "nothing was created");
        await assert.rejects(localRestore(cluster(), { into: restoreDir("point"), port: restorePort }), /is not empty: restore needs a new data directory/);
        const stackOutputs = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "pg-ha-stack-outputs-")), "outputs.json");
        fs.writeFileSync(stackOutputs, fs.readFileSync(path.join(stateDir, "outputs.json")));
        assert.throws(() => openLocalClusterOfOutputs(stackOutputs), /is not the outputs.json of a local run \(no state.json beside it\), nor a deployed stack's outputs that name its hosts \(hostAccess\): pass a local run's outputs.json/);
        fs.rmSync(path.dirname(stackOutputs), { recursive: true });
        assert.strictEqual((await currentPrimary(cluster())).name, before);
    });

    it("keeps archiving from the new primary after a failover", async () => {
        const report = await runFailoverDrill(path.join(stateDir, "outputs.json"));
        assert.deepStrictEqual(report.lost, []);
        await onPrimary("INSERT INTO pitr_rows SELECT generate_series(2201, 2300)");
        await onPrimary("SELECT pg_switch_wal()");
        const latest = await localRestore(cluster(), { into: restoreDir("after-failover"), port: restorePort });
        try {
            assert.strictEqual(await countOn(latest), 2300, `rows written on ${report.newPrimary} after the failover are in the archive`);
        } finally {
            await latest.stop();
        }
    });

    it("drill:restore restores to a snapshot and finds every table equal", async () => {
        prepareCopyFolders(cluster(), restoreDir("drill"));
        const report = await restoreDrillThrough(localNodeSeats(cluster()), { into: restoreDir("drill"), port: restorePort });
        assert.ok(report.passed, formatRestoreDrill(report));
        assert.ok(report.tables.some((table) => table.table === "pitr_rows" && table.restoredRows === 2300));
        assert.ok(!fs.existsSync(restoreDir("drill")), "the scratch copy is removed");
    });

    it("dump and load move the application's own tables with pg_dump and pg_restore", async () => {
        const handle = cluster();
        const outputs = JSON.parse(fs.readFileSync(path.join(stateDir, "outputs.json"), "utf8"));
        const app = parsePostgresUri(outputs.primaryConnectionString);
        const asApp = async (sql: string) => withClient({ ...app, ...superuserOnPort(await currentPrimary(handle)) }, { caPem: handle.secrets.pki.caCertPem }, (client) => client.query(sql));
        await asApp("CREATE TABLE app_orders (id int PRIMARY KEY, note text)");
        await asApp("INSERT INTO app_orders SELECT g, 'order ' || g FROM generate_series(1, 250) g");
        const file = path.join(stateDir, "app.dump");
        await runLogical("pg_dump", outputs, handle.config.postgresVersion, ["--format=custom", "--no-owner", "--no-privileges", "--table=app_orders", `--file=${file}`]);
        await asApp("DROP TABLE app_orders");
        await runLogical("pg_restore", outputs, handle.config.postgresVersion, ["--no-owner", "--no-privileges", "--exit-on-error", file]);
        assert.strictEqual(Number((await asApp("SELECT count(*) AS n FROM app_orders")).rows[0].n), 250);
    });

    describe("to an S3 repository (s3rver on 127.0.0.1 over TLS, path-style)", () => {
        let s3StateDir: string;
        let s3Port: number;
        const s3Cluster = () => openLocalCluster(s3StateDir);

        before(async () => {
            s3StateDir = fs.mkdtempSync(path.join(os.tmpdir(), "pg-ha-backup-s3-"));
            const base = await freePortBase();
            s3Port = base + 51;
            await localUp({ stateDir: s3StateDir, portBase: base, backupRepository: "s3" });
        });

        after(async () => {
            if (s3StateDir === undefined) return;
            await localDown(s3StateDir);
            fs.rmSync(s3StateDir, { recursive: true, force: true });
        });

        it("backs up into the bucket and restores a point in time from it", async () => {
            const handle = s3Cluster();
            const primary = await currentPrimary(handle);
            const query = (sql: string) => withClient({ ...superuserOn(handle, primary), database: handle.config.databaseName }, { caPem: handle.secrets.pki.caCertPem }, (client) => client.query(sql));
            await query("CREATE TABLE pitr_rows (id int PRIMARY KEY)");
            await query("INSERT INTO pitr_rows SELECT generate_series(1, 300)");
            const backup = await localBackup(handle);
            assert.strictEqual(backup.backup.type, "full");
            assert.ok(fs.readdirSync(path.join(s3StateDir, "s3", "data")).includes("pg-ha-backups"), "the backup went to the S3 server's bucket");
            await sleep(1100);
            const point = new Date();
            await sleep(1100);
            await query("INSERT INTO pitr_rows SELECT generate_series(301, 400)");
            await query("SELECT pg_switch_wal()");
            const restored = await localRestore(handle, { targetTime: point, into: path.join(s3StateDir, "restores", "point"), port: s3Port });
            try {
                const rows = await withClient({ host: "127.0.0.1", port: restored.port, user: "postgres", password: handle.secrets.passwords.superuser, database: handle.config.databaseName }, { caPem: handle.secrets.pki.caCertPem },
                    async (client) => Number((await client.query<{ count: string }>("SELECT count(*) FROM pitr_rows")).rows[0]!.count));
                assert.strictEqual(rows, 300);
            } finally {
                await restored.stop();
            }
        });

        it("names a missing bucket, a bucket without the stanza and an endpoint that does not answer, touching no running node", async () => {
            const handle = s3Cluster();
            const s3 = handle.state.services.find((service) => service.name === "s3")!;
            assert.strictEqual(await stopProcess(s3.pid, "SIGTERM", 10_000), "stopped");
            const repository = handle.context.backup!.repository as Extract<BackupRepository, { type: "s3" }>;
            const into = path.join(s3StateDir, "restores", "refused");
            // Another S3 server on the same address and certificate, with an empty store.
            const otherServer = async (buckets: string[]) => {
                const server = createS3Server({
                    port: repository.port!, directory: fs.mkdtempSync(path.join(s3StateDir, "other-s3-")), buckets,
                    certFile: path.join(s3StateDir, "pki", "s3.crt"), keyFile: path.join(s3StateDir, "pki", "s3.key"),
                });
                await server.run();
                return server;
            };
            const noBucket = await otherServer([]);
            try {
                await assert.rejects(localRestore(handle, { into, port: s3Port }), /^Error: the backup bucket pg-ha-backups does not exist at https:\/\/localhost:\d+ \(S3 answered NoSuchBucket\)$/);
                await assert.rejects(localBackup(handle), /the backup bucket pg-ha-backups does not exist/);
            } finally {
                await noBucket.close();
            }
            const emptyBucket = await otherServer([repository.bucket]);
            try {
                await assert.rejects(localRestore(handle, { into, port: s3Port }), /the repository at https:\/\/localhost:\d+\/pg-ha-backups\/pg-ha holds no stanza pg-ha \(missing stanza path\): a wrong repository/);
            } finally {
                await emptyBucket.close();
            }
            await assert.rejects(localRestore(handle, { into, port: s3Port }), /the backup repository at https:\/\/localhost:\d+\/pg-ha-backups\/pg-ha does not answer/);
            assert.ok(!fs.existsSync(into), "nothing was created");
            assert.strictEqual((await currentPrimary(handle)).name, "node0");
            assert.ok((await poolNodes(handle)).every((node) => node.status === "up" || node.status === "waiting"), "every node still attached");
        });

        it("local:down leaves no process behind while the archiver waits on a repository that does not answer", async function () {
            this.timeout(120_000);
            const handle = s3Cluster();
            const primary = handle.topology.nodes[0]!;
            // The run's S3 server is down since the test before: the next segment's push hangs.
            await withClient(superuserOn(handle, primary), { caPem: handle.secrets.pki.caCertPem }, (client) => client.query("CREATE TABLE wal_filler AS SELECT 1 AS x; SELECT pg_switch_wal()"));
            const archiving = () => processesOf(s3StateDir).filter((entry) => entry.command.includes("archive-push"));
            await waitUntil("the archiver to run archive-push", async () => archiving().length > 0, { timeoutMs: 30_000, intervalMs: 200 });
            const results = await localDown(s3StateDir);
            assert.match(results.find((entry) => entry.name === primary.name)!.result, /^killed; \d+ leftover process\(es\) killed$/, JSON.stringify(results));
            // SIGKILLed processes linger as zombies until init reaps them.
            await waitUntil("every process of the run to be gone", async () => processesOf(s3StateDir).length === 0 || JSON.stringify(processesOf(s3StateDir)), { timeoutMs: 5000, intervalMs: 100 });
        });
    });
});
