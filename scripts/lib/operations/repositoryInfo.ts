import { STANZA } from "../../../components/render";
import { NodeSeat } from "./nodeSeats";

export type BackupType = "full" | "diff" | "incr";

export interface BackupInfo {
    readonly label: string;
    readonly type: string;
    readonly startedAt: Date;
    readonly stoppedAt: Date;
    readonly databaseBytes: number;
    readonly repositoryBytes: number;
}

/**
 * The backups in `pgbackrest info --output=json`, oldest first; refused in words when the
 * repository (at `address`) holds no stanza of this cluster or reports a fault.
 */
export function backupsOfInfo(text: string, address: string, explain: (message: string) => Error): BackupInfo[] {
    const info = JSON.parse(text) as {
        name: string;
        status: { code: number; message: string };
        repo?: { status: { code: number; message: string } }[];
        backup: { label: string; type: string; timestamp: { start: number; stop: number }; info: { size: number; repository: { delta: number } } }[];
    }[];
    const stanza = info.find((entry) => entry.name === STANZA);
    if (stanza === undefined || stanza.status.code === 1) {
        throw new Error(`the repository at ${address} holds no stanza ${STANZA}${stanza ? ` (${stanza.status.message})` : ""}: a wrong repository, or no backup or archived WAL yet (npm run backup)`);
    }
    // 0: ok; 2: no valid backup yet. pgBackRest reports everything else here, with exit status 0.
    if (stanza.status.code !== 0 && stanza.status.code !== 2) {
        throw explain([stanza.status.message, ...(stanza.repo ?? []).map((repo) => repo.status.message)].join(": "));
    }
    return stanza.backup.map((backup) => ({
        label: backup.label, type: backup.type,
        startedAt: new Date(backup.timestamp.start * 1000), stoppedAt: new Date(backup.timestamp.stop * 1000),
        databaseBytes: backup.info.size, repositoryBytes: backup.info.repository.delta,
    }));
}

/** The repository's backups, oldest first, as the node `node` reads them. */
export async function repositoryBackups(node: NodeSeat): Promise<BackupInfo[]> {
    const info = await node.host.run(["/bin/bash", "-c", `. ${node.configDir}/service.env && . ${node.configDir}/cluster.env && HOME="$RUN_DIR" exec pgbackrest --config="$PGBACKREST_CONF" --stanza="$STANZA" info --output=json`], 60_000);
    if (info.code !== 0) throw new Error(`pgbackrest info failed on ${node.name} (${node.host.where}, exit ${info.code}): ${info.stderr.trim()}`);
    return backupsOfInfo(info.stdout, `the repository of ${node.name}`, (message) => new Error(message));
}
