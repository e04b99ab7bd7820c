import { PostgresEndpoint, ROLE_NAMES } from "../../config";
import { shellQuote } from "./confSyntax";
import { pgbackrestConfPath, STANZA } from "./pgbackrestConf";
import { PGPASS_FILE } from "./postgresqlConf";
import { RenderContext } from "./types";

/** pgBackRest's backup command refuses an archive_command whose text does not contain "pgbackrest". */
export const ARCHIVE_SCRIPT = "pgbackrest-archive.sh";
export const BACKUP_SCRIPT = "backup.sh";

/** Seconds backup.sh waits for its server to accept connections. */
export const SERVER_WAIT_SECONDS = 120;

/** backup.sh's exit status on a standby: nothing done, and systemd counts it as success. */
export const SKIPPED_ON_STANDBY = 3;

/** The environment and the pgbackrest command line both scripts share. */
function prelude(context: RenderContext, node: PostgresEndpoint): string[] {
    return [
        `readonly RUN_DIR=${shellQuote(context.layout.postgres(node.name).runDir)}`,
        `export PGPASSFILE="$RUN_DIR/${PGPASS_FILE}"`,
        "export HOME=\"$RUN_DIR\"",
        `pgbackrest=(pgbackrest --config=${shellQuote(pgbackrestConfPath(context, node))} --stanza=${STANZA})`,
    ];
}

/** archive_command of every node: `pgbackrest-archive.sh %p`. */
export function archiveCommand(context: RenderContext, node: PostgresEndpoint): string {
    return `${context.layout.postgres(node.name).configDir}/${ARCHIVE_SCRIPT} %p`;
}

/**
 * Seconds one pgBackRest call of the archive command may take. pgBackRest 2.45 keeps retrying an
 * S3 endpoint that refuses connections for over 6 minutes (measured); meanwhile the archiver is
 * stuck and a server shutdown waits for it. PostgreSQL retries a failed archive_command, so a
 * bounded attempt loses nothing.
 */
export const ARCHIVE_CALL_TIMEOUT_SECONDS = 120;

/**
 * `pgbackrest-archive.sh WAL_PATH`, PostgreSQL's archive_command: pushes one WAL segment into the
 * repository. When the push fails because the repository has no archive.info for the stanza yet,
 * it creates the stanza (a no-op when it exists and matches this cluster) and pushes once more,
 * so a new cluster starts archiving at its first segment on every platform without a separate
 * setup step. Any other failure exits with pgBackRest's status: PostgreSQL keeps the segment and
 * retries. Every call is bounded by ARCHIVE_CALL_TIMEOUT_SECONDS.
 */
export function renderArchiveScript(context: RenderContext, node: PostgresEndpoint): string {
    return [
        "#!/bin/bash",
        `# archive_command of ${node.name}: push one WAL segment with pgBackRest, creating the stanza on first use.`,
        "# Rendered by pg-ha-stack; edits are overwritten on the next deploy.",
        "set -uo pipefail",
        ...prelude(context, node),
        `bounded=(timeout ${ARCHIVE_CALL_TIMEOUT_SECONDS})`,
        "wal=${1:?usage: pgbackrest-archive.sh WAL_PATH}",
        "output=$(\"${bounded[@]}\" \"${pgbackrest[@]}\" archive-push \"$wal\" 2>&1) && exit 0",
        "status=$?",
        "printf '%s\\n' \"$output\" >&2",
        "# Only a repository without this stanza is cured by creating it.",
        "case \"$output\" in",
        "    *\"unable to load info file\"*\"archive.info\"*) ;;",
        "    *) exit \"$status\" ;;",
        "esac",
        "\"${bounded[@]}\" \"${pgbackrest[@]}\" stanza-create || exit 1",
        "exec \"${bounded[@]}\" \"${pgbackrest[@]}\" archive-push \"$wal\"",
        "",
    ].join("\n");
}

/**
 * `backup.sh full|diff|incr`, run on every node by the schedule (systemd timers on EC2, cron
 * with `docker exec` in dev) and by `npm run backup`: only the node that is primary right now acts;
 * a standby exits with SKIPPED_ON_STANDBY, so the schedule follows a failover by itself. The
 * primary makes sure the stanza exists (in case nothing was archived yet), then takes the backup.
 */
export function renderBackupScript(context: RenderContext, node: PostgresEndpoint): string {
    return [
        "#!/bin/bash",
        `# Backups of ${node.name}: taken only while it is the primary; a standby exits ${SKIPPED_ON_STANDBY}.`,
        "# Rendered by pg-ha-stack; run as the PostgreSQL user.",
        "set -euo pipefail",
        ...prelude(context, node),
        `readonly BIN_DIR=${shellQuote(context.layout.postgres(node.name).binDir)}`,
        "type=${1:-}",
        "case \"$type\" in",
        "    full|diff|incr) ;;",
        "    *) echo \"usage: backup.sh full|diff|incr\" >&2; exit 2 ;;",
        "esac",
        "log() { printf '%s pg-ha backup: %s\\n' \"$(date -u +%FT%T.%3NZ)\" \"$*\" >&2; }",
        // A timer that caught up at boot may fire before the server accepts connections.
        `for _ in $(seq 1 ${SERVER_WAIT_SECONDS / 2}); do`,
        `    "$BIN_DIR/pg_isready" -q -h "$RUN_DIR" -p ${node.port} && break`,
        "    sleep 2",
        "done",
        `in_recovery=$("$BIN_DIR/psql" -X -At -w -h "$RUN_DIR" -p ${node.port} -U ${ROLE_NAMES.superuser} -d postgres -c "SELECT pg_is_in_recovery()")`,
        "if [ \"$in_recovery\" != f ]; then",
        `    log "${node.name} is a standby: the primary takes the $type backup"`,
        `    exit ${SKIPPED_ON_STANDBY}`,
        "fi",
        "\"${pgbackrest[@]}\" stanza-create >&2",
        `log "taking a $type backup on ${node.name}"`,
        "\"${pgbackrest[@]}\" backup --type=\"$type\" >&2",
        `log "$type backup on ${node.name} done"`,
        "",
    ].join("\n");
}
