import { postgresTuningFor, PostgresEndpoint, ROLE_NAMES } from "../../config";
import { conninfo, renderSettings } from "./confSyntax";
import { ARCHIVE_SCRIPT, CA_CERT_FILE, PGPASS_FILE, SERVER_CERT_FILE, SERVER_KEY_FILE } from "./fileNames";
import { RenderContext } from "./types";


/**
 * archive_timeout: a quiet primary that wrote anything still closes its WAL segment within this
 * long, bounding what an archive restore can miss (and how stale the archive may be).
 */
export const ARCHIVE_TIMEOUT_SECONDS = 60;

/** A standby's slot is its name with this suffix (the streaming check's SQL matches on it too). */
export const SLOT_SUFFIX = "_slot";

/** The replication slot a replica streams through, on whichever node is primary. */
export function replicationSlotName(nodeName: string): string {
    return `${nodeName}${SLOT_SUFFIX}`;
}

/**
 * `ANY k (node0, node1, ...)` over every node: a node never counts itself, so the same value stays
 * right on whichever node is primary after a failover. Empty when synchronous replication is off.
 */
export function synchronousStandbyNames(context: RenderContext): string {
    const count = context.config.synchronousReplicas;
    if (count === 0) return "";
    return `ANY ${count} (${context.topology.nodes.map((node) => node.name).join(", ")})`;
}

/** archive_command of every node: `pgbackrest-archive.sh %p`. */
export function archiveCommand(context: RenderContext, node: PostgresEndpoint): string {
    return `${context.layout.postgres(node.name).configDir}/${ARCHIVE_SCRIPT} %p`;
}

/** How a standby reaches `upstream`: TLS verified against the cluster CA, password from its pgpass. */
export function primaryConninfo(context: RenderContext, standbyName: string, upstream: PostgresEndpoint): string {
    const paths = context.layout.postgres(standbyName);
    return conninfo({
        host: upstream.host,
        port: upstream.port,
        user: ROLE_NAMES.replication,
        passfile: `${paths.runDir}/${PGPASS_FILE}`,
        application_name: standbyName,
        sslmode: "verify-full",
        sslrootcert: `${paths.runDir}/${CA_CERT_FILE}`,
        connect_timeout: 2,
    });
}

/** postgresql.conf for one node. Nodes differ only in name, port, paths and initial upstream. */
export function renderPostgresqlConf(context: RenderContext, node: PostgresEndpoint): string {
    const { config, topology } = context;
    const paths = context.layout.postgres(node.name);
    const tuning = postgresTuningFor(config.nodeSizing, config.pool);
    const primary = topology.nodes[0];
    const replication: Record<string, string | number | boolean> = {
        wal_level: "replica",
        max_wal_senders: 10,
        max_replication_slots: 10,
        wal_keep_size: `${tuning.walKeepSizeMb}MB`,
        max_slot_wal_keep_size: `${tuning.maxSlotWalKeepSizeMb}MB`,
        hot_standby: true,
        hot_standby_feedback: true,
        // pg_rewind needs hint bits in WAL to bring a failed primary back as a standby.
        wal_log_hints: true,
        wal_receiver_status_interval: "1s",
        wal_receiver_timeout: "10s",
        // A standby whose primary died waits this long between attempts, and a promote request
        // arriving meanwhile waits it out too: at the default 5 s every failover took 5 s longer.
        wal_retrieve_retry_interval: "200ms",
        wal_sender_timeout: "10s",
        synchronous_standby_names: synchronousStandbyNames(context),
        synchronous_commit: "on",
    };
    if (context.backup !== undefined) {
        replication.archive_mode = true;
        replication.archive_command = archiveCommand(context, node);
        replication.archive_timeout = `${ARCHIVE_TIMEOUT_SECONDS}s`;
    }
    if (node.index !== 0 && primary !== undefined) {
        replication.primary_conninfo = primaryConninfo(context, node.name, primary);
        replication.primary_slot_name = replicationSlotName(node.name);
    }
    return renderSettings(`postgresql.conf for ${node.name}`, [
        ["Connections", {
            listen_addresses: context.layout.listenAddress,
            port: node.port,
            cluster_name: node.name,
            unix_socket_directories: paths.runDir,
            max_connections: tuning.maxConnections,
            superuser_reserved_connections: tuning.superuserReservedConnections,
            hba_file: `${paths.configDir}/pg_hba.conf`,
            ident_file: `${paths.configDir}/pg_ident.conf`,
        }],
        ["Memory, from the node budget", {
            shared_buffers: `${tuning.sharedBuffersMb}MB`,
            effective_cache_size: `${tuning.effectiveCacheSizeMb}MB`,
            maintenance_work_mem: `${tuning.maintenanceWorkMemMb}MB`,
            work_mem: `${tuning.workMemMb}MB`,
            wal_buffers: "16MB",
        }],
        ["Replication", replication],
        ["TLS and authentication", {
            ssl: true,
            ssl_cert_file: `${paths.runDir}/${SERVER_CERT_FILE}`,
            ssl_key_file: `${paths.runDir}/${SERVER_KEY_FILE}`,
            ssl_ca_file: `${paths.runDir}/${CA_CERT_FILE}`,
            ssl_min_protocol_version: "TLSv1.2",
            password_encryption: "scram-sha-256",
        }],
        ["Statistics and logging", {
            shared_preload_libraries: "pg_stat_statements",
            "pg_stat_statements.track": "all",
            logging_collector: false,
            log_destination: "stderr",
            log_line_prefix: "%m [%p] %q%u@%d ",
            log_min_duration_statement: 1000,
            log_checkpoints: true,
        }],
    ]);
}
