import { X509Certificate } from "crypto";
import { stringify } from "yaml";
import { ROLE_NAMES } from "../../config";
import { renderAsset } from "./assets";
import { BACKUPS_TABLE, replicationSql, STATUS_SCHEMA } from "./bootstrapSql";
import { CA_CERT_FILE, PGPASS_FILE } from "./fileNames";
import { listenHostPort } from "./layoutPaths";
import { monitoringPgpassFile } from "./passwordFiles";
import { webServerTlsFiles } from "./tlsFiles";
import { withStartFiles } from "./startScript";
import { ClusterPasswords, RenderContext, RenderedFile, TlsMaterial } from "./types";

/** How postgres_exporter uses a column of a custom query. */
type ColumnUsage = "GAUGE" | "COUNTER" | "LABEL" | "DISCARD";

/** One column of a postgres_exporter custom query (queries.yaml). */
export const queryColumn = (name: string, usage: ColumnUsage, description: string) => ({ [name]: { usage, description } });

/** When a service's server certificate expires, as Unix seconds. */
export interface CertificateExpiry {
    readonly service: string;
    readonly expiresAt: number;
}

/** Every service's certificate expiry, from its TLS material (the certificates this deployment renders into the services' files). */
export function certificateExpiries(tls: Readonly<Record<string, TlsMaterial>>): CertificateExpiry[] {
    return Object.entries(tls).map(([service, material]) => ({ service, expiresAt: Math.floor(Date.parse(new X509Certificate(material.certPem).validTo) / 1000) }));
}

/** A constant table of the certificates' expiries as SQL: PostgreSQL cannot read a certificate's dates itself. */
function certificatesSql(certificates: readonly CertificateExpiry[]): string {
    if (certificates.length === 0) throw new Error("no certificate to report");
    if (certificates.some((certificate) => !/^[a-z0-9-]+$/.test(certificate.service) || !Number.isInteger(certificate.expiresAt))) throw new Error("a certificate's service name or expiry is malformed");
    const rows = certificates.map((certificate) => `('${certificate.service}', ${certificate.expiresAt})`).join(", ");
    return `SELECT service, expiry_timestamp_seconds FROM (VALUES ${rows}) AS certificates (service, expiry_timestamp_seconds)\n`;
}

/**
 * Custom queries (queries.yaml), their SQL from assets/sql. postgres_exporter has no time-based
 * replication lag, and the usual `now() - pg_last_xact_replay_timestamp()` reports growing lag on
 * an idle standby that is fully caught up; here lag is 0 whenever everything received has been
 * replayed. The replication query is the same SQL as the ha_status.replication() function. Also:
 * when the last backup of each type finished (the table backup.sh writes), and when each
 * service's certificate expires (as rendered for this deployment: the dates are constants here).
 */
export function renderExporterQueries(certificates: readonly CertificateExpiry[]): string {
    return stringify({
        pg_ha_standby: {
            query: renderAsset("sql/standby.sql", { STATUS_SCHEMA }),
            metrics: [
                queryColumn("in_recovery", "GAUGE", "1 on a standby, 0 on the primary"),
                queryColumn("replay_lag_seconds", "GAUGE", "Seconds since the last replayed transaction while WAL is still waiting to be replayed; 0 when caught up"),
                queryColumn("replay_lag_bytes", "GAUGE", "Bytes received but not yet replayed on this standby"),
                queryColumn("wal_receiver_streaming", "GAUGE", "1 while this standby streams from its upstream"),
                queryColumn("quorum_commit_as_configured", "GAUGE", "1 while synchronous_standby_names is postgresql.conf's; 0 when quorum commit was turned off (durability preferred with too few standbys)"),
            ],
        },
        pg_ha_replication: {
            query: `${replicationSql()}\n`,
            metrics: [
                queryColumn("application_name", "LABEL", "Standby's application_name"),
                queryColumn("state", "LABEL", "WAL sender state"),
                queryColumn("sync_state", "LABEL", "sync, quorum, potential or async"),
                queryColumn("slot_name", "LABEL", "Replication slot the standby streams through"),
                queryColumn("slot_active", "GAUGE", "1 while the slot is in use"),
                queryColumn("lag_bytes", "GAUGE", "Bytes of WAL the standby has not replayed yet, seen from the primary"),
                queryColumn("lag_seconds", "GAUGE", "replay_lag of pg_stat_replication in seconds (0 when idle)"),
            ],
        },
        pg_ha_backup: {
            query: `SELECT type, EXTRACT(EPOCH FROM finished_at) AS last_success_timestamp_seconds FROM ${STATUS_SCHEMA}.${BACKUPS_TABLE}\n`,
            metrics: [
                queryColumn("type", "LABEL", "pgBackRest backup type: full, diff or incr"),
                queryColumn("last_success_timestamp_seconds", "GAUGE", "Unix time the last successful backup of this type finished (backup.sh)"),
            ],
        },
        pg_ha_certificate: {
            query: certificatesSql(certificates),
            metrics: [
                queryColumn("service", "LABEL", "The service whose server certificate it is"),
                queryColumn("expiry_timestamp_seconds", "GAUGE", "Unix time the certificate expires (notAfter), as rendered for this deployment"),
            ],
        },
    }, { lineWidth: 0 });
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

/** postgres_exporter's files; `certificates` are every service's, for the certificate-expiry metric. */
export function renderExporterFiles(context: RenderContext, passwords: ClusterPasswords, tls: TlsMaterial, certificates: readonly CertificateExpiry[]): RenderedFile[] {
    const paths = context.layout.exporter();
    return withStartFiles({
        kind: "exporter",
        description: "Values of postgres_exporter for its start script.",
        paths,
        serviceUser: context.layout.serviceUser,
        files: [
            { name: "queries.yaml", content: renderExporterQueries(certificates), mode: 0o644, secret: false },
            monitoringPgpassFile(passwords),
            ...webServerTlsFiles(paths.runDir, tls),
        ],
        env: {
            EXPORTER: context.layout.exporterBinary,
            DATA_SOURCE_NAME: exporterDataSources(context),
            PGPASS_FILE,
            LISTEN_ADDRESS: listenHostPort(context.layout, context.topology.exporter.port),
            // With several servers, 0.11's bgwriter and database collectors emit duplicate series
            // and fail the whole scrape; the legacy default queries still cover both, per server.
            EXPORTER_FLAGS: ["--no-collector.bgwriter", "--no-collector.database"],
        },
    });
}
