import { PostgresEndpoint } from "../../config";
import { BACKUPS_TABLE, STATUS_SCHEMA } from "./bootstrapSql";
import { EnvValue } from "./envFile";
import { pgbackrestConfPath, STANZA } from "./pgbackrestConf";
import { RenderContext } from "./types";

/** Seconds backup.sh waits for its server to accept connections. */
export const SERVER_WAIT_SECONDS = 120;

/** backup.sh's exit status on a standby: nothing done, and systemd counts it as success. */
export const SKIPPED_ON_STANDBY = 3;

/**
 * Seconds one pgBackRest call of the archive command may take. pgBackRest 2.45 keeps retrying an
 * S3 endpoint that refuses connections for over 6 minutes (measured); meanwhile the archiver is
 * stuck and a server shutdown waits for it. PostgreSQL retries a failed archive_command, so a
 * bounded attempt loses nothing.
 */
export const ARCHIVE_CALL_TIMEOUT_SECONDS = 120;

/** What backup.sh, pgbackrest-archive.sh and start-postgres.sh's archive check (assets) read from a node's service.env; empty paths without backups. */
export function backupEnv(context: RenderContext, node: PostgresEndpoint): Record<string, EnvValue> {
    return {
        PGBACKREST_CONF: context.backup === undefined ? "" : pgbackrestConfPath(context, node),
        STANZA,
        ARCHIVE_CALL_TIMEOUT_SECONDS,
        SERVER_WAIT_SECONDS,
        SKIPPED_ON_STANDBY,
        DATABASE: context.config.databaseName,
        BACKUPS_TABLE: `${STATUS_SCHEMA}.${BACKUPS_TABLE}`,
    };
}
