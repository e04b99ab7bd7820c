import { NodeSeat } from "../operations/nodeSeats";
import { copySummary, endCopy, primarySummary, RestoredCopy, restoreThrough, RestoreRefused } from "../operations/restore";
import { progress } from "../wait";

export interface TableComparison {
    readonly table: string;
    readonly sourceRows: number;
    readonly restoredRows: number;
    readonly sourceChecksum: string;
    readonly restoredChecksum: string;
}

export interface RestoreDrillReport {
    /** The node whose host ran the restored copy: the primary. */
    readonly node: string;
    readonly pointInTime: string;
    readonly restoreMs: number;
    readonly tables: readonly TableComparison[];
    readonly passed: boolean;
}

export interface RestoreDrillOptions {
    /** The copy's data directory on the primary's host (an absolute path there). */
    readonly into: string;
    readonly port: number;
    /** Leave the copy running (else it is stopped and removed). Defaults to false. */
    readonly keep?: boolean;
}

/**
 * The restore drill, through the seam on any platform: the primary's tables in one
 * repeatable-read snapshot (restore.sh summary), the repository restored to the snapshot's time
 * beside it (restore.sh into, which archives the WAL up to that time first), and row counts and
 * checksums compared table by table.
 */
export async function restoreDrillThrough(nodes: readonly NodeSeat[], options: RestoreDrillOptions): Promise<RestoreDrillReport> {
    const { node, summary: source } = await primarySummary(nodes);
    progress(`${node.name}'s tables summarised at ${source.at}: ${source.tables.size} tables; restoring to that moment`);
    let copy: RestoredCopy;
    try {
        copy = await restoreThrough([node], { into: options.into, port: options.port, targetTime: source.at });
    } catch (error) {
        // A refusal changed nothing; after any other failure the partial copy goes, unless kept.
        if (!(error instanceof RestoreRefused) && !options.keep) await endCopy({ node, dataDir: options.into }, "discard").catch(() => undefined);
        throw error;
    }
    try {
        const restored = await copySummary(copy);
        const tables = [...source.tables.entries()].map(([table, summary]): TableComparison => ({
            table, sourceRows: summary.rows, sourceChecksum: summary.checksum,
            restoredRows: restored.tables.get(table)?.rows ?? -1, restoredChecksum: restored.tables.get(table)?.checksum ?? "missing",
        }));
        const passed = tables.every((table) => table.sourceRows === table.restoredRows && table.sourceChecksum === table.restoredChecksum) && restored.tables.size === source.tables.size;
        return { node: node.name, pointInTime: source.at, restoreMs: copy.restoreMs, tables, passed };
    } finally {
        if (!options.keep) await endCopy(copy, "discard");
    }
}

export function formatRestoreDrill(report: RestoreDrillReport): string {
    const lines = report.tables.map((table) => `${table.table.padEnd(24)} rows ${String(table.sourceRows).padStart(9)} -> ${String(table.restoredRows).padStart(9)}  checksum ${table.sourceChecksum === table.restoredChecksum ? "equal" : `DIFFERS (${table.sourceChecksum} vs ${table.restoredChecksum})`}`);
    return [
        `restored to ${report.pointInTime} in ${(report.restoreMs / 1000).toFixed(1)} s (repository to a running copy beside ${report.node})`,
        ...lines,
        `restore drill: ${report.passed ? "PASS" : "FAIL"}`,
    ].join("\n");
}
