import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import { PostgresEndpoint } from "../../../config";
import {
    BACKUP_SCRIPT, BackupRepository, CA_CERT_FILE, PGPASS_FILE, pgbackrestConfPath, renderPgHbaConf, renderPostgresqlConf, RenderContext, SERVER_CERT_FILE, SERVER_KEY_FILE,
    SKIPPED_ON_STANDBY, STANZA,
} from "../../../components/render";
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

export type BackupType = "full" | "diff" | "incr";

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

export interface BackupInfo {
    readonly label: string;
    readonly type: string;
    readonly startedAt: Date;
    readonly stoppedAt: Date;
    readonly databaseBytes: number;
    readonly repositoryBytes: number;
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
    const info = JSON.parse(text) as {
        name: string;
        status: { code: number; message: string };
        repo?: { status: { code: number; message: string } }[];
        backup: { label: string; type: string; timestamp: { start: number; stop: number }; info: { size: number; repository: { delta: number } } }[];
    }[];
    const stanza = info.find((entry) => entry.name === STANZA);
    if (stanza === undefined || stanza.status.code === 1) {
        throw new Error(`the repository at ${repositoryAddress(repository)} holds no stanza ${STANZA}${stanza ? ` (${stanza.status.message})` : ""}: a wrong repository, or no backup or archived WAL yet (npm run backup)`);
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

/** Seconds a restore waits for the WAL holding its target to reach the repository. */
const ARCHIVE_WAIT_MS = 180_000;

/** The segment part of an archived file's name (a .partial or .backup suffix stripped); undefined for a .history file. */
function segmentOf(walFileName: string | null): string | undefined {
    return /^[0-9A-F]{24}/.exec(walFileName ?? "")?.[0];
}

/**
 * Makes the WAL that holds `moment` reachable from the repository, or refuses a moment still to
 * come. Recovery to a time stops at the first commit after it and fails ("recovery ended before
 * configured recovery target was reached") when the archived WAL holds none, and the segment being
 * written is archived only when it fills or archive_timeout passes. So: a commit stamped now (an
 * xid and nothing else), a WAL switch, and a wait until that segment is archived.
 */
export async function archiveThrough(cluster: LocalCluster, primary: PostgresEndpoint, moment: Date): Promise<void> {
    await withClient(superuserOn(cluster, primary), { caPem: cluster.secrets.pki.caCertPem }, async (client) => {
        const now = (await client.query<{ now: Date }>("SELECT now()")).rows[0]!.now;
        if (moment.getTime() > now.getTime()) {
            throw new Error(`the target time ${moment.toISOString()} is in the future (${primary.name}'s clock says ${now.toISOString()}): a restore reaches only moments that have passed`);
        }
        await client.query("SELECT txid_current()");
        const segment = (await client.query<{ segment: string }>("SELECT pg_walfile_name(pg_switch_wal()) AS segment")).rows[0]!.segment;
        progress(`waiting for ${primary.name} to archive WAL segment ${segment}, which holds ${moment.toISOString()}`);
        await waitUntil(`${primary.name} to archive WAL segment ${segment}`, async () => {
            const row = (await client.query<{ last_archived_wal: string | null; last_failed_wal: string | null }>("SELECT last_archived_wal, last_failed_wal FROM pg_stat_archiver")).rows[0]!;
            const archived = segmentOf(row.last_archived_wal);
            return (archived !== undefined && archived >= segment)
                || `last archived: ${row.last_archived_wal ?? "nothing"}${row.last_failed_wal ? `, last failed: ${row.last_failed_wal} (see ${serviceLogFile(cluster.stateDir, primary.name)})` : ""}`;
        }, { timeoutMs: ARCHIVE_WAIT_MS, intervalMs: 200 });
    });
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
 * Restores the repository into a new data directory and starts it as a standalone server on
 * 127.0.0.1:port with the cluster's credentials and CA. Refuses, touching nothing, when the target
 * folder is not empty or the target time is in the future or before the first backup ended. A
 * recent target's WAL is archived first (see {@link archiveThrough}). The copy runs with archiving
 * off, so it never pushes WAL into the live repository.
 */
export async function localRestore(cluster: LocalCluster, options: RestoreOptions): Promise<RestoredServer> {
    const started = Date.now();
    const dataDir = path.resolve(options.into);
    if (fs.existsSync(dataDir) && fs.readdirSync(dataDir).length > 0) throw new Error(`${dataDir} is not empty: restore needs a new data directory`);
    const source = await currentPrimary(cluster);
    const backups = await listBackups(cluster, source);
    if (backups.length === 0) throw new Error("the repository holds no backup yet: take one with npm run backup");
    if (options.targetTime !== undefined && options.targetTime.getTime() < backups[0]!.stoppedAt.getTime()) {
        throw new Error(`no backup ends before ${options.targetTime.toISOString()}: the first one ended at ${backups[0]!.stoppedAt.toISOString()}`);
    }
    if (options.targetTime !== undefined) await archiveThrough(cluster, source, options.targetTime);
    const runDir = `${dataDir}.run`;
    fs.mkdirSync(path.dirname(dataDir), { recursive: true, mode: 0o755 });
    for (const dir of [dataDir, runDir]) {
        fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
        if (cluster.owner) fs.chownSync(dir, cluster.owner.uid, cluster.owner.gid);
    }
    if (cluster.owner) checkReachable(dataDir, cluster.serviceUser);
    const target = options.targetTime === undefined ? ["--type=default"] : ["--type=time", `--target=${options.targetTime.toISOString().replace("T", " ").replace("Z", "+00")}`, "--target-action=promote"];
    progress(`restoring ${options.targetTime ? `to ${options.targetTime.toISOString()}` : "the latest state"} into ${dataDir}`);
    await pgbackrest(cluster, source, ["restore", `--pg1-path=${dataDir}`, "--archive-mode=off", ...target]);

    // A standalone server: one node, no standbys to wait for, no archiving, the source's TLS files.
    const restored: PostgresEndpoint = { name: "restored", index: 0, host: "127.0.0.1", port: options.port };
    const sourcePaths = cluster.context.layout.postgres(source.name);
    const context: RenderContext = {
        config: { ...cluster.config, synchronousReplicas: 0 },
        topology: { ...cluster.topology, nodes: [restored] },
        layout: { ...cluster.context.layout, postgres: () => ({ configDir: runDir, runDir, dataDir, binDir: sourcePaths.binDir }) },
    };
    const write = (name: string, content: string, mode: number) => {
        fs.writeFileSync(path.join(runDir, name), content, { mode });
        if (cluster.owner) fs.chownSync(path.join(runDir, name), cluster.owner.uid, cluster.owner.gid);
    };
    write("postgresql.conf", renderPostgresqlConf(context, restored), 0o600);
    write("pg_hba.conf", renderPgHbaConf(context), 0o600);
    write("pg_ident.conf", "", 0o600);
    for (const name of [CA_CERT_FILE, SERVER_CERT_FILE, SERVER_KEY_FILE]) write(name, fs.readFileSync(path.join(sourcePaths.runDir, name), "utf8"), 0o600);
    const pgCtl = path.join(sourcePaths.binDir, "pg_ctl");
    await runAsServiceUser(cluster.serviceUser, cluster.owner !== undefined, [pgCtl, "-D", dataDir, "-l", path.join(runDir, "postgres.log"), "-w", "-t", "600", "-o", `-c config_file=${path.join(runDir, "postgresql.conf")}`, "start"], 620_000);
    await waitUntil("the restored server to finish recovery", async () => {
        const output = await runAsServiceUser(cluster.serviceUser, cluster.owner !== undefined, [path.join(sourcePaths.binDir, "psql"), "-X", "-At", "-h", runDir, "-p", String(options.port), "-U", "postgres", "-d", "postgres", "-c", "SELECT pg_is_in_recovery()"], 10_000, { PGPASSFILE: path.join(sourcePaths.runDir, PGPASS_FILE) });
        return output.stdout.trim() === "f" || `pg_is_in_recovery() answered ${JSON.stringify(output.stdout.trim())}`;
    }, {
        timeoutMs: 600_000,
        intervalMs: 200,
        abortIf: () => {
            if (!fs.existsSync(path.join(dataDir, "postmaster.pid"))) throw new Error(`the restored server stopped during recovery; last lines of ${path.join(runDir, "postgres.log")}:\n${logTail(path.join(runDir, "postgres.log"))}`);
        },
    });
    return {
        dataDir,
        port: options.port,
        restoreMs: Date.now() - started,
        stop: async () => { await runAsServiceUser(cluster.serviceUser, cluster.owner !== undefined, [pgCtl, "-D", dataDir, "-m", "fast", "-w", "stop"]); },
    };
}
