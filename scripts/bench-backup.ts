import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { BackupResult, localBackup, localRestore } from "./lib/local/backup";
import { localDown, localUp, openLocalCluster } from "./lib/local/cluster";
import { currentPrimary, superuserOn } from "./lib/local/pgpoolControl";
import { integerOption, parseCommandLine, runMain } from "./lib/cli";
import { PGBENCH, runPgbench } from "./lib/pgbench";
import { withClient } from "./lib/pg";
import { median } from "./lib/stats";
import { progress } from "./lib/wait";
import { freePortBase } from "./lib/ports";

const USAGE = "npm run bench:backup -- [--scale 20] [--repo posix|s3] [--runs 3]";

/**
 * Backup and restore times for a pgbench database of a few hundred MB, on a fresh local cluster:
 * `runs` full backups, each restored into a new folder, medians printed with the range.
 */
runMain(async () => {
    const args = parseCommandLine({ scale: { type: "string" }, repo: { type: "string" }, runs: { type: "string" } }, USAGE);
    const scale = integerOption(args.scale, "scale", { min: 1, max: 10_000 }) ?? 20;
    const runs = integerOption(args.runs, "runs", { min: 1, max: 20 }) ?? 3;
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
        const backups: BackupResult[] = [];
        const restoreMs: number[] = [];
        for (let run = 1; run <= runs; run++) {
            progress(`run ${run} of ${runs}`);
            backups.push(await localBackup(cluster, "full"));
            const restored = await localRestore(cluster, { into: path.join(stateDir, "restore", `run${run}`, "data"), port: base + 60 });
            restoreMs.push(restored.restoreMs);
            await restored.stop();
            fs.rmSync(path.join(stateDir, "restore", `run${run}`), { recursive: true, force: true });
        }
        const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(0);
        const seconds = (values: readonly number[]) => `${(median(values) / 1000).toFixed(1)} s (min ${(Math.min(...values) / 1000).toFixed(1)}, max ${(Math.max(...values) / 1000).toFixed(1)})`;
        const last = backups[backups.length - 1]!.backup;
        process.stdout.write([
            `pgbench scale ${scale}: database ${mb(size)} MB, cluster ${mb(last.databaseBytes)} MB; repository ${repo}; medians of ${runs} runs`,
            `full backup   ${seconds(backups.map((backup) => backup.durationMs))}, stored ${mb(last.repositoryBytes)} MB with lz4`,
            `restore       ${seconds(restoreMs)}, repository to a running standalone copy, WAL replayed`,
            "",
        ].join("\n"));
    } finally {
        await localDown(stateDir);
        fs.rmSync(stateDir, { recursive: true, force: true });
    }
});
