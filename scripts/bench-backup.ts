import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { localBackup, localRestore } from "./lib/local/backup";
import { localDown, localUp, openLocalCluster } from "./lib/local/cluster";
import { currentPrimary, superuserOn } from "./lib/local/pgpoolControl";
import { integerOption, parseCommandLine, runMain } from "./lib/cli";
import { PGBENCH, runPgbench } from "./lib/pgbench";
import { withClient } from "./lib/pg";
import { progress } from "./lib/wait";
import { freePortBase } from "../tests/integration/ports";

const USAGE = "npm run bench:backup -- [--scale 20] [--repo posix|s3]";

/** Backup and restore times for a pgbench database of a few hundred MB, on a fresh local cluster. */
runMain(async () => {
    const args = parseCommandLine({ scale: { type: "string" }, repo: { type: "string" } }, USAGE);
    const scale = integerOption(args.scale, "scale") ?? 20;
    const repo = args.repo ?? "posix";
    if (repo !== "posix" && repo !== "s3") throw new Error(`--repo must be posix or s3, got ${JSON.stringify(repo)}`);
    const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "pg-ha-bench-backup-"));
    try {
        const base = await freePortBase();
        await localUp({ stateDir, portBase: base, backupRepository: repo });
        const cluster = openLocalCluster(stateDir);
        const primary = await currentPrimary(cluster);
        const parts = { ...superuserOn(cluster, primary), database: cluster.config.databaseName };
        const caFile = path.join(stateDir, "bench-ca.crt");
        fs.writeFileSync(caFile, cluster.secrets.pki.caCertPem);
        progress(`loading pgbench data at scale ${scale}`);
        await runPgbench(PGBENCH(cluster.config.postgresVersion), parts, caFile, ["-i", "-s", String(scale), "-q"]).catch((error: Error) => {
            if (!/no tps in pgbench output/.test(error.message)) throw error;
        });
        const size = await withClient(parts, { caPem: cluster.secrets.pki.caCertPem }, async (client) => Number((await client.query<{ bytes: string }>("SELECT pg_database_size(current_database()) AS bytes")).rows[0]!.bytes));
        const backup = await localBackup(cluster);
        const restored = await localRestore(cluster, { into: path.join(stateDir, "restore", "data"), port: base + 60 });
        await restored.stop();
        const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(0);
        process.stdout.write([
            `pgbench scale ${scale}: database ${mb(size)} MB, cluster ${mb(backup.backup.databaseBytes)} MB; repository ${repo}`,
            `full backup   ${(backup.durationMs / 1000).toFixed(1)} s (stored ${mb(backup.backup.repositoryBytes)} MB, lz4)`,
            `restore       ${(restored.restoreMs / 1000).toFixed(1)} s (repository to a running standalone copy, WAL replayed)`,
            "",
        ].join("\n"));
    } finally {
        await localDown(stateDir);
        fs.rmSync(stateDir, { recursive: true, force: true });
    }
});
