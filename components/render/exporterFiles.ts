import { stringify } from "yaml";
import { ROLE_NAMES } from "../../config";
import { renderAsset } from "./assets";
import { replicationSql, STATUS_SCHEMA } from "./bootstrapSql";
import { CA_CERT_FILE, PGPASS_FILE, SERVER_CERT_FILE, SERVER_KEY_FILE } from "./fileNames";
import { renderPgpass } from "./passwordFiles";
import { withStartFiles } from "./startScript";
import { ClusterPasswords, RenderContext, RenderedFile, TlsMaterial } from "./types";

type Usage = "GAUGE" | "LABEL";
const metric = (name: string, usage: Usage, description: string) => ({ [name]: { usage, description } });

/**
 * Custom queries (queries.yaml), their SQL from assets/sql. postgres_exporter has no time-based
 * replication lag, and the usual `now() - pg_last_xact_replay_timestamp()` reports growing lag on
 * an idle standby that is fully caught up; here lag is 0 whenever everything received has been
 * replayed. The replication query is the same SQL as the ha_status.replication() function.
 */
export function renderExporterQueries(): string {
    return stringify({
        pg_ha_standby: {
            query: renderAsset("sql/standby.sql", { STATUS_SCHEMA }),
            metrics: [
                metric("in_recovery", "GAUGE", "1 on a standby, 0 on the primary"),
                metric("replay_lag_seconds", "GAUGE", "Seconds since the last replayed transaction while WAL is still waiting to be replayed; 0 when caught up"),
                metric("replay_lag_bytes", "GAUGE", "Bytes received but not yet replayed on this standby"),
                metric("wal_receiver_streaming", "GAUGE", "1 while this standby streams from its upstream"),
                metric("quorum_commit_as_configured", "GAUGE", "1 while synchronous_standby_names is postgresql.conf's; 0 when quorum commit was turned off (durability preferred with too few standbys)"),
            ],
        },
        pg_ha_replication: {
            query: `${replicationSql()}\n`,
            metrics: [
                metric("application_name", "LABEL", "Standby's application_name"),
                metric("state", "LABEL", "WAL sender state"),
                metric("sync_state", "LABEL", "sync, quorum, potential or async"),
                metric("slot_name", "LABEL", "Replication slot the standby streams through"),
                metric("slot_active", "GAUGE", "1 while the slot is in use"),
                metric("lag_bytes", "GAUGE", "Bytes of WAL the standby has not replayed yet, seen from the primary"),
                metric("lag_seconds", "GAUGE", "replay_lag of pg_stat_replication in seconds (0 when idle)"),
            ],
        },
    }, { lineWidth: 0 });
}

/** exporter-toolkit web config: serve /metrics over TLS with the node certificate. */
export function renderExporterWebConfig(runDir: string): string {
    return [
        "tls_server_config:",
        `  cert_file: ${runDir}/${SERVER_CERT_FILE}`,
        `  key_file: ${runDir}/${SERVER_KEY_FILE}`,
        "  min_version: TLS12",
        "",
    ].join("\n");
}

/**
 * Every node as one entry of DATA_SOURCE_NAME (exporter 0.11 splits only that variable on
 * commas), so metrics keep flowing whichever node is primary. No password: lib/pq reads it from
 * PGPASSFILE, so it is in neither the environment nor the command line.
 */
export function exporterDataSources(context: RenderContext): string {
    const caPath = `${context.layout.exporter().runDir}/${CA_CERT_FILE}`;
    return context.topology.nodes
        .map((node) => `postgresql://${ROLE_NAMES.monitoring}@${node.host}:${node.port}/${context.config.databaseName}?sslmode=verify-full&sslrootcert=${caPath}&application_name=pg-ha-exporter`)
        .join(",");
}

export function renderExporterFiles(context: RenderContext, passwords: ClusterPasswords, tls: TlsMaterial): RenderedFile[] {
    const paths = context.layout.exporter();
    const listenHost = context.layout.listenAddress === "*" ? "" : context.layout.listenAddress;
    return withStartFiles({
        kind: "exporter",
        description: "Values of postgres_exporter for its start script.",
        paths,
        serviceUser: context.layout.serviceUser,
        files: [
            { name: "queries.yaml", content: renderExporterQueries(), mode: 0o644, secret: false },
            { name: "web-config.yml", content: renderExporterWebConfig(paths.runDir), mode: 0o644, secret: false },
            { name: PGPASS_FILE, content: renderPgpass([{ user: ROLE_NAMES.monitoring, password: passwords.monitoring }]), mode: 0o600, secret: true },
            { name: CA_CERT_FILE, content: tls.caCertPem, mode: 0o644, secret: false },
            { name: SERVER_CERT_FILE, content: tls.certPem, mode: 0o644, secret: false },
            { name: SERVER_KEY_FILE, content: tls.keyPem, mode: 0o600, secret: true },
        ],
        env: {
            EXPORTER: context.layout.exporterBinary,
            DATA_SOURCE_NAME: exporterDataSources(context),
            PGPASS_FILE,
            LISTEN_ADDRESS: `${listenHost}:${context.topology.exporter.port}`,
        },
    });
}
