import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import { PostgresEndpoint } from "../../../config";
import { BACKUP_SCRIPT, BackupRepository, PGPASS_FILE, pgbackrestConfPath, SKIPPED_ON_STANDBY, STANZA } from "../../../components/render";
import { localNodeSeat } from "./localSeats";
import { BackupInfo, backupsOfInfo, BackupType } from "../operations/repositoryInfo";
import { endCopy, restoreThrough, RestoreRefused } from "../operations/restore";
import { withClient } from "../pg";
import { progress, waitUntil } from "../wait";
import { LocalCluster } from "./localCluster";
import { currentPrimary, superuserOn } from "./pgpoolControl";
import { checkReachable } from "./prerequisites";
import { serviceLogFile } from "./layout";
import { logTail } from "./processes";
import { CommandFailedError, runAsServiceUser } from "./serviceUser";

/** Runs pgBackRest as the service user with a node's rendered configuration. */
export async function pgbackrest(cluster: LocalCluster, node: PostgresEndpoint, args: readonly string[], timeoutMs = 600_000): Promise<string> {
    const runDir = cluster.context.layout.postgres(node.name).runDir;
    return (await runAsServiceUser(cluster.serviceUser, cluster.owner !== undefined, ["pgbackrest", `--config=${pgbackrestConfPath(cluster.context, node)}`, `--stanza=${STANZA}`, ...args], timeoutMs, {
        PGPASSFILE: path.join(runDir, PGPASS_FILE), HOME: runDir,
    })).stdout;
}

/** True when something accepts a TCP connection at host:port within the deadline. */
function answersTcp(host: string, port: number, timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
        const socket = net.connect({ host, port });
        const done = (answer: boolean) => { socket.destroy(); resolve(answer); };
        socket.setTimeout(timeoutMs, () => done(false));
        socket.once("connect", () => done(true));
        socket.once("error", () => done(false));
    });
}

/**
 * Runs a node's rendered backup.sh, the script the schedules run on Docker and EC2: on the
 * primary it makes sure the stanza exists and takes a `type` backup; on a standby it exits
 * SKIPPED_ON_STANDBY and does nothing.
 */
export async function runBackupScript(cluster: LocalCluster, node: PostgresEndpoint, type: BackupType): Promise<void> {
    await runAsServiceUser(cluster.serviceUser, cluster.owner !== undefined, [path.join(cluster.context.layout.postgres(node.name).configDir, BACKUP_SCRIPT), type], 600_000);
}

/**
 * Closes the primary's current WAL segment and waits until PostgreSQL has archived it. Its
 * archive_command (pgbackrest-archive.sh) creates the stanza on the way, as on Docker and EC2, so a
 * cluster that passes this can be backed up and restored. A failed attempt is reported with the
 * end of the server log.
 */
export async function archiveFirstSegment(cluster: LocalCluster, primary: PostgresEndpoint, timeoutMs: number): Promise<void> {
    const log = serviceLogFile(cluster.stateDir, primary.name);
    // One session for the switch and the polling: every new TLS session costs the busy cores a backend start.
    await withClient(superuserOn(cluster, primary), { caPem: cluster.secrets.pki.caCertPem }, async (client) => {
        await client.query("SELECT pg_switch_wal()");
        let failed = false;
        await waitUntil(`${primary.name} to archive its first WAL segment (and create the backup stanza)`, async () => {
            const row = (await client.query<{ archived: string; failed: string }>("SELECT archived_count AS archived, failed_count AS failed FROM pg_stat_archiver")).rows[0]!;
            failed = Number(row.failed) > 0;
            return Number(row.archived) > 0 || "nothing archived yet";
        }, {
            timeoutMs,
            intervalMs: 200,
            abortIf: () => {
                if (failed) throw new Error(`archiving WAL into the backup repository failed; last lines of ${log}:\n${logTail(log)}`);
            },
        });
    });
}

/** Where the repository is, in words for an error message. */
function repositoryAddress(repository: BackupRepository): string {
    return repository.type === "posix" ? repository.path : `https://${repository.endpoint}${repository.port ? `:${repository.port}` : ""}/${repository.bucket}/${repository.path}`;
}

/** pgBackRest's error text, turned into what the user has to fix where we recognise it. */
function explainRepositoryError(repository: BackupRepository, message: string): Error {
    if (repository.type === "s3" && /NoSuchBucket/.test(message)) {
        return new Error(`the backup bucket ${repository.bucket} does not exist at https://${repository.endpoint}${repository.port ? `:${repository.port}` : ""} (S3 answered NoSuchBucket)`);
    }
    if (repository.type === "s3" && /unable to connect|Connection refused|HostConnectError|timeout/i.test(message)) {
        return new Error(`the backup repository at ${repositoryAddress(repository)} does not answer: ${message}`);
    }
    return new Error(message);
}

/** pgBackRest retries an unreachable S3 endpoint for minutes; a TCP probe answers in seconds. */
async function probeRepository(repository: BackupRepository): Promise<void> {
    if (repository.type === "s3" && !(await answersTcp(repository.endpoint, repository.port ?? 443, 3000))) {
        throw explainRepositoryError(repository, `no TCP connection to ${repository.endpoint}:${repository.port ?? 443} within 3 s (unable to connect)`);
    }
}

function repositoryOf(cluster: LocalCluster): BackupRepository {
    const repository = cluster.context.backup?.repository;
    if (repository === undefined) throw new Error("this cluster has no backup repository");
    return repository;
}

/** The repository's backups, oldest first. */
export async function listBackups(cluster: LocalCluster, node: PostgresEndpoint): Promise<BackupInfo[]> {
    const repository = repositoryOf(cluster);
    const explain = (message: string): Error => explainRepositoryError(repository, message);
    await probeRepository(repository);
    const text = await pgbackrest(cluster, node, ["info", "--output=json"]).catch((error: Error) => { throw explain(error.message.split("\n").slice(-1)[0] ?? error.message); });
    return backupsOfInfo(text, repositoryAddress(repository), explain);
}

export interface BackupResult {
    readonly node: string;
    readonly backup: BackupInfo;
    readonly durationMs: number;
}

/**
 * Takes a backup now on whichever node is primary, with that node's backup.sh (pgBackRest makes it
 * a full one when none exists yet).
 */
export async function localBackup(cluster: LocalCluster, type: BackupType = "full"): Promise<BackupResult> {
    const started = Date.now();
    const primary = await currentPrimary(cluster);
    const repository = repositoryOf(cluster);
    await probeRepository(repository);
    progress(`taking a ${type} backup on ${primary.name}`);
    await runBackupScript(cluster, primary, type).catch((error: Error) => {
        if (error instanceof CommandFailedError && error.exitCode === SKIPPED_ON_STANDBY) throw new Error(`${primary.name} became a standby before its backup started (a failover?): run the backup again`);
        throw explainRepositoryError(repository, error.message);
    });
    const backups = await listBackups(cluster, primary);
    return { node: primary.name, backup: backups[backups.length - 1]!, durationMs: Date.now() - started };
}

export interface RestoreOptions {
    /** Recover to this moment; the latest archived WAL when absent. */
    readonly targetTime?: Date;
    /** A new, empty (or absent) data directory. */
    readonly into: string;
    readonly port: number;
}

export interface RestoredServer {
    readonly dataDir: string;
    readonly port: number;
    readonly restoreMs: number;
    /** Stops the restored server. */
    stop(): Promise<void>;
}

/**
 * Makes the copy's data folder and its run folder (socket, log) for the service user, who may not
 * create folders where the user asked for the copy. Returns the folders it made.
 */
export function prepareCopyFolders(cluster: LocalCluster, dataDir: string): string[] {
    const created = [dataDir, `${dataDir}.run`].filter((dir) => !fs.existsSync(dir));
    const parent = path.dirname(dataDir);
    const firstMade = fs.mkdirSync(parent, { recursive: true, mode: 0o755 });
    // Folders made here are the service user's, so that it can remove the copy again.
    for (let dir = parent; firstMade !== undefined && cluster.owner !== undefined; dir = path.dirname(dir)) {
        fs.chownSync(dir, cluster.owner.uid, cluster.owner.gid);
        if (dir === firstMade) break;
    }
    for (const dir of created) {
        fs.mkdirSync(dir, { mode: 0o700 });
        if (cluster.owner) fs.chownSync(dir, cluster.owner.uid, cluster.owner.gid);
    }
    if (cluster.owner) checkReachable(dataDir, cluster.serviceUser);
    return created;
}

/**
 * Restores the repository into a new data directory and starts it as a standalone server on
 * 127.0.0.1:port with the cluster's credentials and CA, by the primary's restore.sh (the script
 * `npm run restore` runs on every platform). Refuses, touching nothing, when the target folder is
 * not empty, the target time is in the future or before the first backup ended, or the repository
 * does not answer (in words for S3).
 */
export async function localRestore(cluster: LocalCluster, options: RestoreOptions): Promise<RestoredServer> {
    const dataDir = path.resolve(options.into);
    if (fs.existsSync(dataDir) && fs.readdirSync(dataDir).length > 0) throw new Error(`${dataDir} is not empty: restore needs a new data directory`);
    if (options.targetTime !== undefined && options.targetTime.getTime() > Date.now()) {
        throw new Error(`the target time ${options.targetTime.toISOString()} is in the future: a restore reaches only moments that have passed`);
    }
    const source = await currentPrimary(cluster);
    await listBackups(cluster, source);
    const created = prepareCopyFolders(cluster, dataDir);
    const copy = await restoreThrough([localNodeSeat(cluster, source)], { into: dataDir, port: options.port, targetTime: options.targetTime?.toISOString() }).catch((error: Error) => {
        if (error instanceof RestoreRefused) for (const dir of created) fs.rmSync(dir, { recursive: true, force: true });
        throw error;
    });
    return { dataDir, port: copy.port, restoreMs: copy.restoreMs, stop: () => endCopy(copy, "stop") };
}
