import { ROLE_NAMES } from "../../config";
import { ClusterPasswords, RenderContext } from "./types";

function literal(value: string): string {
    return `'${value.replace(/'/g, "''")}'`;
}

/**
 * SQL the primary runs once, on its first start, as the superuser. Commits are local only:
 * no replica exists yet to acknowledge them.
 */
export function renderBootstrapSql(context: RenderContext, passwords: ClusterPasswords): string {
    const { databaseName, appUser } = context.config;
    return [
        "-- Rendered by pg-ha-stack: roles, database and extensions of a new cluster.",
        "SET synchronous_commit = local;",
        `CREATE ROLE ${ROLE_NAMES.replication} WITH LOGIN REPLICATION PASSWORD ${literal(passwords.replication)};`,
        `CREATE ROLE ${ROLE_NAMES.pgpoolCheck} WITH LOGIN PASSWORD ${literal(passwords.pgpoolCheck)};`,
        `GRANT pg_monitor TO ${ROLE_NAMES.pgpoolCheck};`,
        `CREATE ROLE ${ROLE_NAMES.monitoring} WITH LOGIN PASSWORD ${literal(passwords.monitoring)};`,
        `GRANT pg_monitor TO ${ROLE_NAMES.monitoring};`,
        `CREATE ROLE ${appUser} WITH LOGIN PASSWORD ${literal(passwords.app)};`,
        `CREATE DATABASE ${databaseName} OWNER ${appUser};`,
        `REVOKE ALL ON DATABASE ${databaseName} FROM PUBLIC;`,
        `GRANT CONNECT ON DATABASE ${databaseName} TO ${ROLE_NAMES.monitoring}, ${ROLE_NAMES.pgpoolCheck};`,
        `\\connect ${databaseName}`,
        "SET synchronous_commit = local;",
        "CREATE EXTENSION IF NOT EXISTS pg_stat_statements;",
        "",
    ].join("\n");
}
