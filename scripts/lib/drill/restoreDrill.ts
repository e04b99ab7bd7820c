import * as fs from "fs";
import { Client } from "pg";
import { localRestore } from "../local/backup";
import { LocalCluster } from "../local/cluster";
import { currentPrimary, superuserOn } from "../local/pgpoolControl";
import { ConnectionParts, withClient } from "../pg";
import { progress, waitUntil } from "../wait";

export interface TableComparison {
    readonly table: string;
    readonly sourceRows: number;
    readonly restoredRows: number;
    readonly sourceChecksum: string;
    readonly restoredChecksum: string;
}

export interface RestoreDrillReport {
    readonly pointInTime: Date;
    readonly restoreMs: number;
    readonly tables: readonly TableComparison[];
    readonly passed: boolean;
}

interface TableSummary {
    readonly rows: number;
    readonly checksum: string;
}

/** Row count and an order-independent checksum (sum of row hashes) of every table of the public schema. */
async function summarise(client: Client): Promise<Map<string, TableSummary>> {
    const tables = (await client.query<{ name: string }>("SELECT quote_ident(tablename) AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")).rows.map((row) => row.name);
    const summary = new Map<string, TableSummary>();
    for (const table of tables) {
        const row = (await client.query<{ rows: string; checksum: string | null }>(`SELECT count(*) AS rows, sum(hashtext(t::text)::bigint)::text AS checksum FROM ${table} t`)).rows[0]!;
        summary.set(table, { rows: Number(row.rows), checksum: row.checksum ?? "0" });
    }
    return summary;
}

/**
 * The restore drill: takes the source's tables in one repeatable-read snapshot, makes sure the WAL
 * up to that moment is archived, restores the repository to the snapshot's time into a scratch
 * server, and compares row counts and checksums table by table.
 */
export async function runRestoreDrill(cluster: LocalCluster, options: { readonly into: string; readonly port: number; readonly keep?: boolean }): Promise<RestoreDrillReport> {
    const primary = await currentPrimary(cluster);
    const parts: ConnectionParts = { ...superuserOn(cluster, primary), database: cluster.config.databaseName };
    const ca = cluster.secrets.pki.caCertPem;
    const { pointInTime, source } = await withClient(parts, { caPem: ca }, async (client) => {
        await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ");
        const at = new Date((await client.query<{ at: Date }>("SELECT now() AS at")).rows[0]!.at);
        const tables = await summarise(client);
        await client.query("COMMIT");
        return { pointInTime: at, source: tables };
    });
    await withClient(parts, { caPem: ca }, async (client) => {
        // Recovery to a time stops at the first commit after it; without one in the archive
        // PostgreSQL cannot tell it reached the target and refuses to finish.
        await client.query("SELECT txid_current()");
        const segment = (await client.query<{ segment: string }>("SELECT pg_walfile_name(pg_switch_wal()) AS segment")).rows[0]!.segment;
        await waitUntil(`WAL segment ${segment} to be archived`, async () =>
            ((await client.query<{ last: string | null }>("SELECT last_archived_wal AS last FROM pg_stat_archiver")).rows[0]!.last ?? "") >= segment, { timeoutMs: 60_000, intervalMs: 200 });
    });
    progress(`source summarised at ${pointInTime.toISOString()}: ${source.size} tables`);
    const restored = await localRestore(cluster, { targetTime: pointInTime, into: options.into, port: options.port }).catch((error: Error) => {
        if (!options.keep) {
            fs.rmSync(options.into, { recursive: true, force: true });
            fs.rmSync(`${options.into}.run`, { recursive: true, force: true });
        }
        throw error;
    });
    try {
        const copy = await withClient({ ...parts, host: "127.0.0.1", port: restored.port }, { caPem: ca }, summarise);
        const tables = [...source.entries()].map(([table, summary]): TableComparison => ({
            table, sourceRows: summary.rows, sourceChecksum: summary.checksum,
            restoredRows: copy.get(table)?.rows ?? -1, restoredChecksum: copy.get(table)?.checksum ?? "missing",
        }));
        const passed = tables.every((table) => table.sourceRows === table.restoredRows && table.sourceChecksum === table.restoredChecksum) && copy.size === source.size;
        return { pointInTime, restoreMs: restored.restoreMs, tables, passed };
    } finally {
        await restored.stop();
        if (!options.keep) {
            fs.rmSync(restored.dataDir, { recursive: true, force: true });
            fs.rmSync(`${restored.dataDir}.run`, { recursive: true, force: true });
        }
    }
}

export function formatRestoreDrill(report: RestoreDrillReport): string {
    const lines = report.tables.map((table) => `${table.table.padEnd(24)} rows ${String(table.sourceRows).padStart(9)} -> ${String(table.restoredRows).padStart(9)}  checksum ${table.sourceChecksum === table.restoredChecksum ? "equal" : `DIFFERS (${table.sourceChecksum} vs ${table.restoredChecksum})`}`);
    return [
        `restored to ${report.pointInTime.toISOString()} in ${(report.restoreMs / 1000).toFixed(1)} s (repository to a running copy)`,
        ...lines,
        `restore drill: ${report.passed ? "PASS" : "FAIL"}`,
    ].join("\n");
}
