import { PostgresEndpoint, ROLE_NAMES } from "../../config";
import { scriptFile } from "./assets";
import { backupEnv } from "./backupScripts";
import { renderBootstrapSql } from "./bootstrapSql";
import { clusterEnvFile } from "./clusterEnv";
import { conninfo } from "./confSyntax";
import { adminConninfo } from "./failoverScripts";
import {
    ARCHIVE_SCRIPT, BACKUP_SCRIPT, BOOTSTRAP_SQL_FILE, CA_CERT_FILE, PGBACKREST_CONF_FILE, PGPASS_FILE, REJOIN_SCRIPT, RESTORE_SCRIPT, SERVER_CERT_FILE,
    SERVER_KEY_FILE, SUPERUSER_PASSWORD_FILE,
} from "./fileNames";
import { renderPgpass } from "./passwordFiles";
import { renderPgHbaConf } from "./pgHba";
import { renderPgbackrestConf } from "./pgbackrestConf";
import { failoverWindowSeconds } from "./pgpoolConf";
import { renderPostgresqlConf } from "./postgresqlConf";
import { withStartFiles } from "./startScript";
import { ClusterPasswords, RenderContext, RenderedFile, TlsMaterial } from "./types";

/** application_name of pg_basebackup's connections while it clones `nodeName`. */
export function cloneApplicationName(nodeName: string): string {
    return `${nodeName}_clone`;
}

/** Seconds a replica waits for the primary on its first start before giving up (and being restarted). */
export const PRIMARY_WAIT_SECONDS = 300;

/** What start-postgres.sh and rejoin.sh (assets) read from a node's service.env. */
function nodeEnv(context: RenderContext, node: PostgresEndpoint) {
    const paths = context.layout.postgres(node.name);
    const caPath = `${paths.runDir}/${CA_CERT_FILE}`;
    return {
        NODE_ID: node.index,
        DATA_DIR: paths.dataDir,
        BIN_DIR: paths.binDir,
        SUPERUSER: ROLE_NAMES.superuser,
        PGPASS_FILE,
        BOOTSTRAP_SQL_FILE,
        SUPERUSER_PASSWORD_FILE,
        PRIMARY_WAIT_SECONDS,
        // Not the standby's own name: pg_stat_replication must not mistake the clone's WAL stream
        // for the standby streaming.
        CLONE_CONNINFO: conninfo({ user: ROLE_NAMES.replication, application_name: cloneApplicationName(node.name), sslmode: "verify-full", sslrootcert: caPath, connect_timeout: 2 }),
        FAILOVER_WINDOW_SECONDS: failoverWindowSeconds(),
        PSQL: `${paths.binDir}/psql`,
        ADMIN_CONNINFO: adminConninfo(paths.runDir, "pg-ha-rejoin"),
        REWIND_CONNINFO: conninfo({ user: ROLE_NAMES.superuser, dbname: "postgres", sslmode: "verify-full", sslrootcert: caPath, connect_timeout: 5 }),
        ...backupEnv(context, node),
    };
}

/** Every file a PostgreSQL node needs. */
export function renderPostgresNodeFiles(
    context: RenderContext, node: PostgresEndpoint, passwords: ClusterPasswords, tls: TlsMaterial,
): RenderedFile[] {
    const isInitialPrimary = node.index === 0;
    const files: RenderedFile[] = [
        { name: "postgresql.conf", content: renderPostgresqlConf(context, node), mode: 0o644, secret: false },
        { name: "pg_hba.conf", content: renderPgHbaConf(context), mode: 0o644, secret: false },
        { name: "pg_ident.conf", content: "# No user name maps: every login authenticates with SCRAM.\n", mode: 0o644, secret: false },
        { name: CA_CERT_FILE, content: tls.caCertPem, mode: 0o644, secret: false },
        { name: SERVER_CERT_FILE, content: tls.certPem, mode: 0o644, secret: false },
        { name: SERVER_KEY_FILE, content: tls.keyPem, mode: 0o600, secret: true },
        {
            name: PGPASS_FILE,
            content: renderPgpass([
                { user: ROLE_NAMES.superuser, password: passwords.superuser },
                { user: ROLE_NAMES.replication, password: passwords.replication },
            ]),
            mode: 0o600,
            secret: true,
        },
        clusterEnvFile(context),
        scriptFile("cluster-lib.sh", "cluster-lib.sh", false),
        scriptFile("node-lib.sh", "node-lib.sh", false),
        scriptFile(REJOIN_SCRIPT),
    ];
    if (context.backup !== undefined) {
        // S3 keys of a shared key pair would be in it.
        const secret = context.backup.repository.type === "s3" && context.backup.repository.keyType === "shared";
        files.push(
            { name: PGBACKREST_CONF_FILE, content: renderPgbackrestConf(context, node, context.backup.repository, context.backup.retentionDays), mode: secret ? 0o600 : 0o644, secret },
            scriptFile(ARCHIVE_SCRIPT),
            scriptFile(BACKUP_SCRIPT),
            scriptFile(RESTORE_SCRIPT),
        );
    }
    if (isInitialPrimary) {
        files.push(
            { name: BOOTSTRAP_SQL_FILE, content: renderBootstrapSql(context, passwords), mode: 0o600, secret: true },
            { name: SUPERUSER_PASSWORD_FILE, content: `${passwords.superuser}\n`, mode: 0o600, secret: true },
        );
    }
    return withStartFiles({
        kind: "postgres",
        description: `Values of PostgreSQL ${node.name} (${isInitialPrimary ? "initial primary" : "replica"}) for its start, rejoin and backup scripts.`,
        paths: context.layout.postgres(node.name),
        serviceUser: context.layout.serviceUser,
        files,
        env: nodeEnv(context, node),
        writableDirs: context.backup?.repository.type === "posix" ? [context.backup.repository.path] : [],
    });
}
