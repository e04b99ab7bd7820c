import { PostgresEndpoint, ROLE_NAMES } from "../../config";
import { renderBootstrapSql } from "./bootstrapSql";
import { conninfo, shellQuote } from "./confSyntax";
import { renderPgpass } from "./passwordFiles";
import { renderPgHbaConf } from "./pgHba";
import {
    CA_CERT_FILE, PGPASS_FILE, renderPostgresqlConf, replicationSlotName, SERVER_CERT_FILE, SERVER_KEY_FILE,
} from "./postgresqlConf";
import { ARCHIVE_SCRIPT, BACKUP_SCRIPT, renderArchiveScript, renderBackupScript } from "./backupScripts";
import { PGBACKREST_CONF_FILE, renderPgbackrestConf } from "./pgbackrestConf";
import { REJOIN_SCRIPT, renderRejoinScript } from "./rejoinScript";
import { renderStartScript, START_SCRIPT } from "./startScript";
import { ClusterPasswords, RenderContext, RenderedFile, TlsMaterial } from "./types";

export const BOOTSTRAP_SQL_FILE = "bootstrap.sql";
export const SUPERUSER_PASSWORD_FILE = "superuser.password";

/** application_name of pg_basebackup's connections while it clones `nodeName`. */
export function cloneApplicationName(nodeName: string): string {
    return `${nodeName}_clone`;
}

/** Seconds a replica waits for the primary on its first start before giving up (and being restarted). */
export const PRIMARY_WAIT_SECONDS = 300;

function primaryBody(node: PostgresEndpoint): string[] {
    return [
        "if [ ! -s \"$DATA_DIR/PG_VERSION\" ]; then",
        "    log \"initialising a new primary in $DATA_DIR\"",
        "    staging=\"$DATA_DIR.bootstrap\"",
        "    rm -rf \"$staging\"",
        "    \"$BIN_DIR/initdb\" -D \"$staging\" -U " + ROLE_NAMES.superuser + " --pwfile=\"$RUN_DIR/" + SUPERUSER_PASSWORD_FILE + "\" \\",
        "        --auth-local=scram-sha-256 --auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 --data-checksums >&2",
        "    \"$BIN_DIR/pg_ctl\" -D \"$staging\" -w -t 120 -l \"$RUN_DIR/bootstrap.log\" \\",
        "        -o \"-c config_file=$CONFIG_DIR/postgresql.conf -c listen_addresses='' -c synchronous_standby_names='' -c archive_mode=off\" start >&2",
        `    "$BIN_DIR/psql" -X -q -v ON_ERROR_STOP=1 -h "$RUN_DIR" -p ${node.port} -U ${ROLE_NAMES.superuser} -d postgres -f "$RUN_DIR/${BOOTSTRAP_SQL_FILE}" >&2`,
        "    \"$BIN_DIR/pg_ctl\" -D \"$staging\" -w -t 120 -m fast stop >&2",
        "    rm -f \"$RUN_DIR/" + BOOTSTRAP_SQL_FILE + "\" \"$RUN_DIR/" + SUPERUSER_PASSWORD_FILE + "\"",
        "    mv \"$staging\" \"$DATA_DIR\"",
        "    log \"primary initialised\"",
        "fi",
    ];
}

function replicaBody(context: RenderContext, node: PostgresEndpoint): string[] {
    const primary = context.topology.nodes[0];
    if (primary === undefined) throw new Error("a replica needs a primary in the topology");
    const slot = replicationSlotName(node.name);
    const connection = (database: string): string => conninfo({
        host: primary.host,
        port: primary.port,
        user: ROLE_NAMES.replication,
        dbname: database,
        // Not the standby's own name: pg_stat_replication must not mistake the clone's WAL
        // stream for the standby streaming.
        application_name: cloneApplicationName(node.name),
        sslmode: "verify-full",
        sslrootcert: `${context.layout.postgres(node.name).runDir}/${CA_CERT_FILE}`,
        connect_timeout: 2,
    });
    return [
        "if [ ! -s \"$DATA_DIR/PG_VERSION\" ]; then",
        `    log "cloning ${node.name} from ${primary.host}:${primary.port} through slot ${slot}"`,
        // The slot query fails until the primary answers: it is also the wait for the primary.
        `    for attempt in $(seq 1 ${PRIMARY_WAIT_SECONDS}); do`,
        `        if slot_exists=$("$BIN_DIR/psql" -X -At -w -d ${shellQuote(connection("postgres"))} -c "SELECT count(*) FROM pg_replication_slots WHERE slot_name = '${slot}'" 2>"$RUN_DIR/primary-wait.err"); then break; fi`,
        `        if [ "$attempt" = ${PRIMARY_WAIT_SECONDS} ]; then log "primary ${primary.host}:${primary.port} did not answer within ${PRIMARY_WAIT_SECONDS} s: $(cat "$RUN_DIR/primary-wait.err")"; exit 1; fi`,
        "        sleep 1",
        "    done",
        "    staging=\"$DATA_DIR.bootstrap\"",
        "    rm -rf \"$staging\"",
        "    create_slot=(--create-slot)",
        "    if [ \"$slot_exists\" = 1 ]; then create_slot=(); fi",
        `    "$BIN_DIR/pg_basebackup" -w -d ${shellQuote(connection("replication"))} -D "$staging" \\`,
        // --no-sync: the clone's control file is not "shut down", so PostgreSQL fsyncs the whole
        // data directory before it starts recovery; syncing here as well only doubles the wait.
        `        -X stream -S ${slot} "\${create_slot[@]}" --checkpoint=fast --no-sync >&2`,
        "    touch \"$staging/standby.signal\"",
        "    mv \"$staging\" \"$DATA_DIR\"",
        `    log "${node.name} cloned"`,
        "fi",
    ];
}

/**
 * Fencing on start: a node about to run as primary (no standby.signal) first asks its peers; when
 * one of them already is primary (a failover happened while this node was down), it refuses to
 * start, so a restarted old primary never takes writes beside the new one. It must be rejoined.
 */
function splitBrainGuard(context: RenderContext, node: PostgresEndpoint): string[] {
    const peers = context.topology.nodes.filter((peer) => peer.index !== node.index);
    const caPath = `${context.layout.postgres(node.name).runDir}/${CA_CERT_FILE}`;
    return [
        "if [ ! -f \"$DATA_DIR/standby.signal\" ]; then",
        ...peers.map((peer) => {
            const peerConninfo = conninfo({ host: peer.host, port: peer.port, user: ROLE_NAMES.replication, dbname: "postgres", sslmode: "verify-full", sslrootcert: caPath, connect_timeout: 2, application_name: `${node.name}_fence` });
            return [
                `    if [ "$("$BIN_DIR/psql" -X -At -w -d ${shellQuote(peerConninfo)} -c "SELECT pg_is_in_recovery()" 2>/dev/null)" = f ]; then`,
                `        log "refusing to start ${node.name} as a second primary: ${peer.name} is the primary now; rejoin ${node.name} as its standby (rejoin.sh ${peer.index}) first"`,
                "        exit 1",
                "    fi",
            ].join("\n");
        }),
        "fi",
    ];
}

/** Every file a PostgreSQL node needs, the start script last. */
export function renderPostgresNodeFiles(
    context: RenderContext, node: PostgresEndpoint, passwords: ClusterPasswords, tls: TlsMaterial,
): RenderedFile[] {
    const paths = context.layout.postgres(node.name);
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
    ];
    if (context.backup !== undefined) {
        // S3 keys of a shared key pair would be in it.
        const secret = context.backup.repository.type === "s3" && context.backup.repository.keyType === "shared";
        files.push({
            name: PGBACKREST_CONF_FILE,
            content: renderPgbackrestConf(context, node, context.backup.repository, context.backup.retentionDays),
            mode: secret ? 0o600 : 0o644,
            secret,
        });
    }
    if (isInitialPrimary) {
        files.push(
            { name: BOOTSTRAP_SQL_FILE, content: renderBootstrapSql(context, passwords), mode: 0o600, secret: true },
            { name: SUPERUSER_PASSWORD_FILE, content: `${passwords.superuser}\n`, mode: 0o600, secret: true },
        );
    }
    const script = renderStartScript({
        description: `Starts PostgreSQL ${node.name} (${isInitialPrimary ? "initial primary" : "replica"}).`,
        paths,
        serviceUser: context.layout.serviceUser,
        files,
        variables: { DATA_DIR: paths.dataDir, BIN_DIR: paths.binDir },
        writableDirs: context.backup?.repository.type === "posix" ? [context.backup.repository.path] : [],
        body: [
            "export PGPASSFILE=\"$RUN_DIR/" + PGPASS_FILE + "\"",
            ...(isInitialPrimary ? primaryBody(node) : replicaBody(context, node)),
            ...splitBrainGuard(context, node),
            ...(context.backup !== undefined ? ["install -d -m 700 \"$RUN_DIR/pgbackrest\""] : []),
            "exec \"$BIN_DIR/postgres\" -D \"$DATA_DIR\" -c config_file=\"$CONFIG_DIR/postgresql.conf\"",
        ],
    });
    return [
        ...files,
        ...(context.backup !== undefined ? [
            { name: ARCHIVE_SCRIPT, content: renderArchiveScript(context, node), mode: 0o755, secret: false },
            { name: BACKUP_SCRIPT, content: renderBackupScript(context, node), mode: 0o755, secret: false },
        ] : []),
        { name: REJOIN_SCRIPT, content: renderRejoinScript(context, node), mode: 0o755, secret: false },
        { name: START_SCRIPT, content: script, mode: 0o755, secret: false },
    ];
}
