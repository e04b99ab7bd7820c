import { stringify } from "yaml";
import { ROLE_NAMES } from "../../config";
import { queryColumn } from "./exporterFiles";
import { CA_CERT_FILE, PGPASS_FILE } from "./fileNames";
import { listenHostPort } from "./layoutPaths";
import { monitoringPgpassFile } from "./passwordFiles";
import { withStartFiles } from "./startScript";
import { webServerTlsFiles } from "./tlsFiles";
import { ClusterPasswords, RenderContext, RenderedFile, TlsMaterial } from "./types";

/**
 * queries.yaml of the pool exporter: pgpool's SHOW POOL_NODES, every column of Pgpool-II 4.3's
 * answer named (postgres_exporter reads an unnamed text column as a number, fails and logs it on
 * every scrape). pgpool answers it itself, without a backend. Its status is text, so it is a
 * label: a backend pgpool detached shows as `status="down"` on `pg_ha_pool_nodes_lb_weight`.
 */
export function renderPoolExporterQueries(): string {
    return stringify({
        pg_ha_pool_nodes: {
            query: "SHOW POOL_NODES\n",
            metrics: [
                queryColumn("node_id", "LABEL", "pgpool's backend id: node<id> is the node's name"),
                queryColumn("hostname", "LABEL", "The backend's host"),
                queryColumn("port", "LABEL", "The backend's port"),
                queryColumn("status", "LABEL", "pgpool's status of the backend: up, waiting, down or unused"),
                queryColumn("pg_status", "LABEL", "Whether the backend answers pgpool's health check: up or down"),
                queryColumn("lb_weight", "GAUGE", "The backend's share of load-balanced reads"),
                queryColumn("role", "LABEL", "primary or standby, as pgpool sees it"),
                queryColumn("pg_role", "DISCARD", "The role the backend reports (unknown unless pgpool checks it)"),
                queryColumn("select_cnt", "COUNTER", "SELECTs pgpool sent to the backend"),
                queryColumn("load_balance_node", "DISCARD", "Whether this session's reads go to the backend"),
                queryColumn("replication_delay", "GAUGE", "Replication delay pgpool measured, in bytes"),
                queryColumn("replication_state", "DISCARD", "Empty unless pgpool's streaming check reads it"),
                queryColumn("replication_sync_state", "DISCARD", "Empty unless pgpool's streaming check reads it"),
                queryColumn("last_status_change", "DISCARD", "When pgpool last changed the backend's status"),
            ],
        },
    }, { lineWidth: 0 });
}

/**
 * The pool exporter's files: postgres_exporter with only the query above (no default metrics, no
 * settings), logging in to pgpool through the client gate over TLS as the monitoring role.
 */
export function renderPoolExporterFiles(context: RenderContext, passwords: ClusterPasswords, tls: TlsMaterial): RenderedFile[] {
    const paths = context.layout.poolExporter();
    const { pgpool, poolExporter } = context.topology;
    const caPath = `${paths.runDir}/${CA_CERT_FILE}`;
    return withStartFiles({
        kind: "exporter",
        description: "Values of the pool exporter (postgres_exporter asking pgpool) for its start script.",
        paths,
        serviceUser: context.layout.serviceUser,
        files: [
            { name: "queries.yaml", content: renderPoolExporterQueries(), mode: 0o644, secret: false },
            monitoringPgpassFile(passwords),
            ...webServerTlsFiles(paths.runDir, tls),
        ],
        env: {
            EXPORTER: context.layout.exporterBinary,
            DATA_SOURCE_NAME: `postgresql://${ROLE_NAMES.monitoring}@${pgpool.host}:${pgpool.port}/${context.config.databaseName}?sslmode=verify-full&sslrootcert=${caPath}&application_name=pg-ha-pool-exporter`,
            PGPASS_FILE,
            LISTEN_ADDRESS: listenHostPort(context.layout, poolExporter.port),
            EXPORTER_FLAGS: ["--disable-default-metrics", "--disable-settings-metrics", "--no-collector.bgwriter", "--no-collector.database"],
        },
    });
}
