import { ROLE_NAMES } from "../../config";
import { renderPgpass } from "./passwordFiles";
import { CA_CERT_FILE, PGPASS_FILE, SERVER_CERT_FILE, SERVER_KEY_FILE } from "./postgresqlConf";
import { shellQuote } from "./confSyntax";
import { renderStartScript, START_SCRIPT } from "./startScript";
import { ClusterPasswords, RenderContext, RenderedFile, TlsMaterial } from "./types";

/**
 * Custom queries. postgres_exporter has no time-based replication lag, and the usual
 * `now() - pg_last_xact_replay_timestamp()` reports growing lag on an idle standby that is fully
 * caught up; here lag is 0 whenever everything received has been replayed.
 */
export const EXPORTER_QUERIES = `pg_ha_standby:
  query: |
    SELECT
      CASE WHEN pg_is_in_recovery() THEN 1 ELSE 0 END AS in_recovery,
      CASE
        WHEN NOT pg_is_in_recovery() THEN 0
        WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn() THEN 0
        ELSE GREATEST(0, EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()))
      END AS replay_lag_seconds,
      CASE
        WHEN NOT pg_is_in_recovery() THEN 0
        ELSE COALESCE(pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn()), 0)
      END AS replay_lag_bytes,
      (SELECT count(*) FROM pg_stat_wal_receiver WHERE status = 'streaming') AS wal_receiver_streaming
  metrics:
    - in_recovery:
        usage: "GAUGE"
        description: "1 on a standby, 0 on the primary"
    - replay_lag_seconds:
        usage: "GAUGE"
        description: "Seconds since the last replayed transaction while WAL is still waiting to be replayed; 0 when caught up"
    - replay_lag_bytes:
        usage: "GAUGE"
        description: "Bytes received but not yet replayed on this standby"
    - wal_receiver_streaming:
        usage: "GAUGE"
        description: "1 while this standby streams from its upstream"
pg_ha_replication:
  query: |
    SELECT application_name, state,
      COALESCE(pg_wal_lsn_diff(CASE WHEN pg_is_in_recovery() THEN replay_lsn ELSE pg_current_wal_lsn() END, replay_lsn), 0) AS lag_bytes,
      COALESCE(EXTRACT(EPOCH FROM replay_lag), 0) AS lag_seconds
    FROM pg_stat_replication
  metrics:
    - application_name:
        usage: "LABEL"
        description: "Standby's application_name"
    - state:
        usage: "LABEL"
        description: "WAL sender state"
    - lag_bytes:
        usage: "GAUGE"
        description: "Bytes of WAL the standby has not replayed yet, seen from the primary"
    - lag_seconds:
        usage: "GAUGE"
        description: "replay_lag of pg_stat_replication in seconds (0 when idle)"
`;

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
    const files: RenderedFile[] = [
        { name: "queries.yaml", content: EXPORTER_QUERIES, mode: 0o644, secret: false },
        { name: "web-config.yml", content: renderExporterWebConfig(paths.runDir), mode: 0o644, secret: false },
        { name: PGPASS_FILE, content: renderPgpass([{ user: ROLE_NAMES.monitoring, password: passwords.monitoring }]), mode: 0o600, secret: true },
        { name: CA_CERT_FILE, content: tls.caCertPem, mode: 0o644, secret: false },
        { name: SERVER_CERT_FILE, content: tls.certPem, mode: 0o644, secret: false },
        { name: SERVER_KEY_FILE, content: tls.keyPem, mode: 0o600, secret: true },
    ];
    const script = renderStartScript({
        description: "Starts postgres_exporter in the foreground, scraping every PostgreSQL node.",
        paths,
        serviceUser: context.layout.serviceUser,
        files,
        variables: { EXPORTER: context.layout.exporterBinary },
        body: [
            `export DATA_SOURCE_NAME=${shellQuote(exporterDataSources(context))}`,
            "export PGPASSFILE=\"$RUN_DIR/" + PGPASS_FILE + "\"",
            // With several servers, 0.11's bgwriter and database collectors emit duplicate series
            // and fail the whole scrape; the legacy default queries still cover both, per server.
            `exec "$EXPORTER" --web.listen-address=${listenHost}:${context.topology.exporter.port} \\`,
            "    --web.config.file=\"$CONFIG_DIR/web-config.yml\" --extend.query-path=\"$CONFIG_DIR/queries.yaml\" \\",
            "    --no-collector.bgwriter --no-collector.database --log.level=warn",
        ],
    });
    return [...files, { name: START_SCRIPT, content: script, mode: 0o755, secret: false }];
}
