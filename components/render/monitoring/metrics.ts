import { Endpoint } from "../../../config";

/**
 * Who exports a metric: postgres_exporter 0.11.1 itself (the legacy default queries and pg_settings
 * of cmd/postgres_exporter, per server, since the start script turns the bgwriter and database
 * collectors off), the project's own queries (queries.yaml, renderExporterQueries), the pool
 * exporter's query of pgpool (renderPoolExporterQueries), or node_exporter 1.5 beside each node.
 */
export type MetricProducer = "exporter" | "exporterQuery" | "poolExporterQuery" | "nodeExporter";

/** One metric the alert rules or the dashboard read. */
export interface MetricSource {
    /** Who exports it. */
    readonly producer: MetricProducer;
    /** Where it comes from: the exporter's source, our query and column, or who is to add it. */
    readonly origin: string;
    /** Labels the rules and panels may select or group on, besides Prometheus's `job` and `instance`. */
    readonly labels: readonly string[];
}

/** postgres_exporter 0.11.1 adds this label to every series of a server: the DSN's `host:port`. */
const EXPORTER_SERVER_LABEL = "server";

const BUILTIN_MAPS = "postgres_exporter 0.11.1, cmd/postgres_exporter/postgres_exporter.go builtinMetricMaps";
const ourQuery = (query: string, column: string): string => `queries.yaml (renderExporterQueries): query ${query}, column ${column}`;

/**
 * Every metric name the alert rules and the dashboard use, and where each comes from. A test
 * parses every rule and panel expression and holds this list to exactly the names they use.
 */
export const METRICS = {
    pg_up: {
        producer: "exporter",
        origin: "postgres_exporter 0.11.1, Exporter.psqlUp: one series for the whole exporter, 0 only when no server of DATA_SOURCE_NAME answers",
        labels: [],
    },
    pg_static: {
        producer: "exporter",
        origin: "postgres_exporter 0.11.1, checkMapVersions: one series per server it reached in this scrape",
        labels: [EXPORTER_SERVER_LABEL, "version", "short_version"],
    },
    pg_settings_max_connections: {
        producer: "exporter",
        origin: "postgres_exporter 0.11.1, cmd/postgres_exporter/pg_setting.go: pg_settings_<name>, no unit suffix for a unitless setting",
        labels: [EXPORTER_SERVER_LABEL],
    },
    pg_stat_activity_count: {
        producer: "exporter",
        origin: `${BUILTIN_MAPS}[pg_stat_activity].count (sessions of a database, per state)`,
        labels: [EXPORTER_SERVER_LABEL, "datname", "state"],
    },
    pg_stat_database_xact_commit: {
        producer: "exporter",
        origin: `${BUILTIN_MAPS}[pg_stat_database].xact_commit (a counter)`,
        labels: [EXPORTER_SERVER_LABEL, "datid", "datname"],
    },
    pg_replication_slots_active: {
        producer: "exporter",
        origin: `${BUILTIN_MAPS}[pg_replication_slots].active`,
        labels: [EXPORTER_SERVER_LABEL, "slot_name", "database"],
    },
    pg_stat_replication_pg_current_wal_lsn_bytes: {
        producer: "exporter",
        origin: `${BUILTIN_MAPS}[pg_stat_replication].pg_current_wal_lsn_bytes (the primary's WAL position, one series per standby connected; its slot_name label holds the WAL sender's pid: pg_stat_replication has no slot_name column, and 0.11.1 then reads the first one)`,
        labels: [EXPORTER_SERVER_LABEL, "application_name", "client_addr", "state", "slot_name"],
    },
    pg_stat_archiver_archived_count: {
        producer: "exporter",
        origin: `${BUILTIN_MAPS}[pg_stat_archiver].archived_count (a counter)`,
        labels: [EXPORTER_SERVER_LABEL],
    },
    pg_stat_archiver_failed_count: {
        producer: "exporter",
        origin: `${BUILTIN_MAPS}[pg_stat_archiver].failed_count (a counter)`,
        labels: [EXPORTER_SERVER_LABEL],
    },
    pg_stat_archiver_last_archive_age: {
        producer: "exporter",
        origin: `${BUILTIN_MAPS}[pg_stat_archiver].last_archive_age (seconds since last_archived_time; NaN before the first)`,
        labels: [EXPORTER_SERVER_LABEL],
    },
    pg_ha_standby_in_recovery: {
        producer: "exporterQuery",
        origin: ourQuery("pg_ha_standby", "in_recovery"),
        labels: [EXPORTER_SERVER_LABEL],
    },
    pg_ha_standby_wal_receiver_streaming: {
        producer: "exporterQuery",
        origin: ourQuery("pg_ha_standby", "wal_receiver_streaming"),
        labels: [EXPORTER_SERVER_LABEL],
    },
    pg_ha_standby_quorum_commit_as_configured: {
        producer: "exporterQuery",
        origin: ourQuery("pg_ha_standby", "quorum_commit_as_configured"),
        labels: [EXPORTER_SERVER_LABEL],
    },
    pg_ha_replication_lag_bytes: {
        producer: "exporterQuery",
        origin: ourQuery("pg_ha_replication", "lag_bytes"),
        labels: [EXPORTER_SERVER_LABEL, "application_name", "state", "sync_state", "slot_name"],
    },
    pg_ha_replication_lag_seconds: {
        producer: "exporterQuery",
        origin: ourQuery("pg_ha_replication", "lag_seconds"),
        labels: [EXPORTER_SERVER_LABEL, "application_name", "state", "sync_state", "slot_name"],
    },
    pg_ha_pool_nodes_lb_weight: {
        producer: "poolExporterQuery",
        origin: "the pool exporter's queries.yaml (renderPoolExporterQueries): query pg_ha_pool_nodes, column lb_weight",
        labels: [EXPORTER_SERVER_LABEL, "node_id", "hostname", "port", "status", "pg_status", "role"],
    },
    pg_ha_backup_last_success_timestamp_seconds: {
        producer: "exporterQuery",
        origin: ourQuery("pg_ha_backup", "last_success_timestamp_seconds"),
        labels: [EXPORTER_SERVER_LABEL, "type"],
    },
    pg_ha_certificate_expiry_timestamp_seconds: {
        producer: "exporterQuery",
        origin: ourQuery("pg_ha_certificate", "expiry_timestamp_seconds"),
        labels: [EXPORTER_SERVER_LABEL, "service"],
    },
    node_filesystem_avail_bytes: {
        producer: "nodeExporter",
        origin: "node_exporter 1.5's filesystem collector beside each PostgreSQL node (its container mounts the data volume read-only on Docker)",
        labels: ["mountpoint", "device", "fstype"],
    },
    node_filesystem_size_bytes: {
        producer: "nodeExporter",
        origin: "node_exporter 1.5's filesystem collector beside each PostgreSQL node (its container mounts the data volume read-only on Docker)",
        labels: ["mountpoint", "device", "fstype"],
    },
} as const satisfies Record<string, MetricSource>;

export type MetricName = keyof typeof METRICS;

/** A metric's name, checked against the inventory when it compiles. */
export function metric(name: MetricName): string {
    return name;
}

/**
 * The `server` label postgres_exporter 0.11.1 gives a node's series: its parseFingerprint of the
 * DSN, `host:port`, with the host and port exporterDataSources connects to.
 */
export function exporterServerLabel(node: Endpoint): string {
    return `${node.host}:${node.port}`;
}
