import { ROLE_NAMES } from "../../config";
import { assetText, renderAsset } from "./assets";
import { scramVerifier } from "./scramVerifier";
import { ClusterPasswords, RenderContext } from "./types";

/** Schema of the read-only health functions; `pg_` prefixes are reserved for the system. */
export const STATUS_SCHEMA = "ha_status";

/** Table of STATUS_SCHEMA holding when the last successful backup of each type finished. */
export const BACKUPS_TABLE = "backups";

/** SQL of each standby's replication state, slot and lag as the primary sees it: the status function's body and an exporter query. */
export function replicationSql(): string {
    return assetText("sql/replication.sql").trim();
}

/**
 * Session settings of the bootstrap: commits are local only (no replica exists yet to acknowledge
 * them), and neither pg_stat_statements nor the server log records a statement.
 */
const QUIET_SESSION = ["SET synchronous_commit = local;", "SET pg_stat_statements.track = 'none';", "SET log_statement = 'none';", "SET log_min_duration_statement = -1;"].join("\n");

/**
 * SQL the primary runs once, on its first start, as the superuser (assets/sql/bootstrap.sql).
 * Names are validated identifiers; passwords appear only as SCRAM verifiers.
 */
export function renderBootstrapSql(context: RenderContext, passwords: ClusterPasswords): string {
    const { databaseName, appUser } = context.config;
    return renderAsset("sql/bootstrap.sql", {
        QUIET_SESSION,
        REPLICATION_ROLE: ROLE_NAMES.replication,
        REPLICATION_VERIFIER: scramVerifier(ROLE_NAMES.replication, passwords.replication),
        PGPOOL_CHECK_ROLE: ROLE_NAMES.pgpoolCheck,
        PGPOOL_CHECK_VERIFIER: scramVerifier(ROLE_NAMES.pgpoolCheck, passwords.pgpoolCheck),
        MONITORING_ROLE: ROLE_NAMES.monitoring,
        MONITORING_VERIFIER: scramVerifier(ROLE_NAMES.monitoring, passwords.monitoring),
        APP_ROLE: appUser,
        APP_VERIFIER: scramVerifier(appUser, passwords.app),
        DATABASE: databaseName,
        STATUS_SCHEMA,
        BACKUPS_TABLE,
        REPLICATION_SQL: replicationSql(),
    });
}
