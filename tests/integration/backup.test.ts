import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { runFailoverDrill } from "../../scripts/lib/drill/failoverDrill";
import { listBackups, localBackup, localRestore, RestoredServer } from "../../scripts/lib/local/backup";
import { localDown, localUp, openLocalCluster } from "../../scripts/lib/local/cluster";
import { currentPrimary, superuserOn } from "../../scripts/lib/local/pgpoolControl";
import { withClient } from "../../scripts/lib/pg";
import { sleep } from "../../scripts/lib/wait";
import { freePortBase } from "./ports";

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

    it("creates the stanza when the cluster starts: the repository answers with no backup yet", async () => {
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

    it("refuses a target time before the first backup, and a data directory that is not empty, touching nothing", async () => {
        const before = (await currentPrimary(cluster())).name;
        await assert.rejects(localRestore(cluster(), { targetTime: new Date(Date.now() - 24 * 3600 * 1000), into: restoreDir("early"), port: restorePort }), /no backup ends before .*: the first one ended at/);
        assert.ok(!fs.existsSync(restoreDir("early")), "nothing was created");
        await assert.rejects(localRestore(cluster(), { into: restoreDir("point"), port: restorePort }), /is not empty: restore needs a new data directory/);
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
});
