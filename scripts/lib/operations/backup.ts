import * as path from "path";
import { BACKUP_SCRIPT, SKIPPED_ON_STANDBY } from "../../../components/render";
import { HostUnreachable } from "./hostShell";
import { NodeSeat } from "./nodeSeats";
import { BackupInfo, BackupType, repositoryBackups } from "./repositoryInfo";

export interface StackBackupResult {
    readonly node: string;
    readonly backup: BackupInfo;
    readonly durationMs: number;
    /** Nodes that could not be reached, with why (the backup was taken on another). */
    readonly unreachable: readonly string[];
}

/** The longest a backup may take through the seam. */
const BACKUP_TIMEOUT_MS = 3_600_000;

/**
 * Takes a `type` backup on a deployed stack: each node's backup.sh in turn (the script its
 * schedules run), which takes it on the primary and exits SKIPPED_ON_STANDBY on a standby; then
 * the repository's list, read on that node.
 */
export async function backupThrough(nodes: readonly NodeSeat[], type: BackupType): Promise<StackBackupResult> {
    const started = Date.now();
    const unreachable: string[] = [];
    for (const node of nodes) {
        let result;
        try {
            result = await node.host.run(["/bin/bash", path.posix.join(node.configDir, BACKUP_SCRIPT), type], BACKUP_TIMEOUT_MS);
        } catch (error) {
            if (!(error instanceof HostUnreachable)) throw error;
            unreachable.push(error.message);
            continue;
        }
        if (result.code === SKIPPED_ON_STANDBY) continue;
        if (result.code !== 0) throw new Error(`backup.sh ${type} failed on ${node.name} (${node.host.where}, exit ${result.code}):\n${result.stderr.trim().split("\n").slice(-15).join("\n")}`);
        const backups = await repositoryBackups(node);
        return { node: node.name, backup: backups[backups.length - 1]!, durationMs: Date.now() - started, unreachable };
    }
    throw new Error(`no node took the backup: none answered as primary${unreachable.length > 0 ? ` (${unreachable.join("; ")})` : ""}`);
}
