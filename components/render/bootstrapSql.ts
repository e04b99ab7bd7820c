import { ROLE_NAMES } from "../../config";
import { scramVerifier } from "./scramVerifier";
import { ClusterPasswords, RenderContext } from "./types";

function literal(value: string): string {
    return `'${value.replace(/'/g, "''")}'`;
}

/** Schema of the read-only health functions; `pg_` prefixes are reserved for the system. */
export const STATUS_SCHEMA = "ha_status";

/**
 * Replication health for roles without pg_monitor (the application role that connection strings
 * carry): SECURITY DEFINER functions that return only replication state, slots and lag.
 */
function replicationStatusFunctions(grantees: readonly string[]): string[] {
    return [
        `CREATE SCHEMA ${STATUS_SCHEMA};`,
        `REVOKE ALL ON SCHEMA ${STATUS_SCHEMA} FROM PUBLIC;`,
        `GRANT USAGE ON SCHEMA ${STATUS_SCHEMA} TO ${grantees.join(", ")};`,
        `CREATE FUNCTION ${STATUS_SCHEMA}.replication()`,
        "  RETURNS TABLE (application_name text, state text, sync_state text, slot_name text, slot_active boolean, lag_bytes numeric, replay_lag_seconds double precision)",
        "  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog AS $$",
        "    SELECT r.application_name::text, r.state::text, r.sync_state::text, s.slot_name::text, s.active,",
        "           CASE WHEN pg_is_in_recovery() THEN NULL ELSE pg_wal_lsn_diff(pg_current_wal_lsn(), r.replay_lsn) END,",
        "           COALESCE(EXTRACT(EPOCH FROM r.replay_lag), 0)::double precision",
        "    FROM pg_stat_replication r LEFT JOIN pg_replication_slots s ON s.active_pid = r.pid",
        "  $$;",
        `CREATE FUNCTION ${STATUS_SCHEMA}.wal_receiver()`,
        "  RETURNS TABLE (status text, slot_name text, sender_host text, sender_port integer)",
        "  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog AS $$",
        "    SELECT status::text, slot_name::text, sender_host::text, sender_port FROM pg_stat_wal_receiver",
        "  $$;",
        `REVOKE ALL ON ALL FUNCTIONS IN SCHEMA ${STATUS_SCHEMA} FROM PUBLIC;`,
        `GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA ${STATUS_SCHEMA} TO ${grantees.join(", ")};`,
    ];
}

/**
 * Session settings of the bootstrap: commits are local only (no replica exists yet to acknowledge
 * them), and neither pg_stat_statements nor the server log records a statement.
 */
const QUIET_SESSION = ["SET synchronous_commit = local;", "SET pg_stat_statements.track = 'none';", "SET log_statement = 'none';", "SET log_min_duration_statement = -1;"];

/** `CREATE ROLE name WITH options PASSWORD '<SCRAM verifier>'`: the password itself is never in SQL. */
function createRole(name: string, options: string, password: string): string {
    return `CREATE ROLE ${name} WITH ${options} PASSWORD ${literal(scramVerifier(name, password))};`;
}

/**
 * SQL the primary runs once, on its first start, as the superuser. Roles get SCRAM verifiers, not
 * passwords, so no view, log or statistics a monitoring role can read ever holds a password, and
 * the statements are not tracked at all; pg_stat_statements is emptied at the end all the same.
 */
export function renderBootstrapSql(context: RenderContext, passwords: ClusterPasswords): string {
    const { databaseName, appUser } = context.config;
    return [
        "-- Rendered by pg-ha-stack: roles, database and extensions of a new cluster.",
        ...QUIET_SESSION,
        createRole(ROLE_NAMES.replication, "LOGIN REPLICATION", passwords.replication),
        createRole(ROLE_NAMES.pgpoolCheck, "LOGIN", passwords.pgpoolCheck),
        `GRANT pg_monitor TO ${ROLE_NAMES.pgpoolCheck};`,
        createRole(ROLE_NAMES.monitoring, "LOGIN", passwords.monitoring),
        `GRANT pg_monitor TO ${ROLE_NAMES.monitoring};`,
        createRole(appUser, "LOGIN", passwords.app),
        `CREATE DATABASE ${databaseName} OWNER ${appUser};`,
        `REVOKE ALL ON DATABASE ${databaseName} FROM PUBLIC;`,
        `GRANT CONNECT ON DATABASE ${databaseName} TO ${ROLE_NAMES.monitoring}, ${ROLE_NAMES.pgpoolCheck};`,
        `\\connect ${databaseName}`,
        ...QUIET_SESSION,
        "CREATE EXTENSION IF NOT EXISTS pg_stat_statements;",
        ...replicationStatusFunctions([appUser, ROLE_NAMES.monitoring]),
        "SELECT pg_stat_statements_reset();",
        "",
    ].join("\n");
}
