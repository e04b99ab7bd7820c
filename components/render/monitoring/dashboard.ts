import { PROMETHEUS_DATASOURCE } from "./grafanaProvisioning";
import { metric } from "./metrics";
import { MonitoringInput } from "./types";

/** One query of a panel, with its legend (`{{label}}` is Grafana's template). */
interface PanelQuery {
    readonly expr: string;
    readonly legend: string;
}

/** A time series panel; a threshold draws the alert's line (red above it, or below it with `below`). */
interface PanelSpec {
    readonly title: string;
    readonly description: string;
    /** A Grafana unit id: bytes, s, percentunit, ops, none. */
    readonly unit: string;
    readonly queries: readonly PanelQuery[];
    readonly threshold?: { readonly value: number; readonly below?: boolean };
}

const RATE_WINDOW = "5m";
const PANEL_HEIGHT = 8;
const PANEL_WIDTH = 12;

function panels(input: MonitoringInput): PanelSpec[] {
    const { settings, dataMountPoint } = input;
    const dataVolume = `{mountpoint=${JSON.stringify(dataMountPoint)}}`;
    return [
        {
            title: "Replication lag (bytes)",
            description: "WAL each replica has not replayed yet, seen from the primary; the line is pg-ha:monitoring.lagBytes.",
            unit: "bytes",
            queries: [{ expr: `max by (application_name) (${metric("pg_ha_replication_lag_bytes")})`, legend: "{{application_name}}" }],
            threshold: { value: settings.lagBytes },
        },
        {
            title: "Replication lag (seconds)",
            description: "Replay lag of each replica, 0 when idle; the line is pg-ha:monitoring.lagSeconds.",
            unit: "s",
            queries: [{ expr: `max by (application_name) (${metric("pg_ha_replication_lag_seconds")})`, legend: "{{application_name}}" }],
            threshold: { value: settings.lagSeconds },
        },
        {
            title: "Connections vs max_connections",
            description: "Sessions on each node, beside its max_connections.",
            unit: "none",
            queries: [
                { expr: `sum by (server) (${metric("pg_stat_activity_count")})`, legend: "{{server}} in use" },
                { expr: metric("pg_settings_max_connections"), legend: "{{server}} max_connections" },
            ],
        },
        {
            title: "Transactions per second",
            description: `Commits per second on each node, over ${RATE_WINDOW}.`,
            unit: "ops",
            queries: [{ expr: `sum by (server) (rate(${metric("pg_stat_database_xact_commit")}[${RATE_WINDOW}]))`, legend: "{{server}}" }],
        },
        {
            title: "pgpool backends by status",
            description: "How many backends pgpool's SHOW POOL_NODES has up, waiting (up, no session yet) and down.",
            unit: "none",
            queries: [{ expr: `count by (status) (${metric("pg_ha_pool_nodes_lb_weight")})`, legend: "{{status}}" }],
        },
        {
            title: "WAL archiving",
            description: `Segments archived and archive_command failures per second, over ${RATE_WINDOW}.`,
            unit: "ops",
            queries: [
                { expr: `sum by (server) (rate(${metric("pg_stat_archiver_archived_count")}[${RATE_WINDOW}]))`, legend: "{{server}} archived" },
                { expr: `sum by (server) (rate(${metric("pg_stat_archiver_failed_count")}[${RATE_WINDOW}]))`, legend: "{{server}} failed" },
            ],
        },
        {
            title: "Backup age",
            description: "Time since the last successful backup of each type.",
            unit: "s",
            queries: [{ expr: `time() - max by (type) (${metric("pg_ha_backup_last_success_timestamp_seconds")})`, legend: "{{type}}" }],
        },
        {
            title: "Data disk free",
            description: "Share of each node's data volume still free; the line is pg-ha:monitoring.diskFreeRatio.",
            unit: "percentunit",
            queries: [{ expr: `${metric("node_filesystem_avail_bytes")}${dataVolume} / ${metric("node_filesystem_size_bytes")}${dataVolume}`, legend: "{{instance}}" }],
            threshold: { value: settings.diskFreeRatio, below: true },
        },
    ];
}

function thresholds(threshold: PanelSpec["threshold"]) {
    if (threshold === undefined) return {};
    const [under, over] = threshold.below === true ? ["red", "green"] : ["green", "red"];
    return {
        thresholds: { mode: "absolute", steps: [{ color: under, value: null }, { color: over, value: threshold.value }] },
        custom: { thresholdsStyle: { mode: "line" } },
    };
}

function panel(spec: PanelSpec, index: number) {
    return {
        id: index + 1,
        type: "timeseries",
        title: spec.title,
        description: spec.description,
        datasource: PROMETHEUS_DATASOURCE,
        gridPos: { h: PANEL_HEIGHT, w: PANEL_WIDTH, x: (index % 2) * PANEL_WIDTH, y: Math.floor(index / 2) * PANEL_HEIGHT },
        fieldConfig: { defaults: { unit: spec.unit, ...thresholds(spec.threshold) }, overrides: [] },
        options: { legend: { showLegend: true, displayMode: "list", placement: "bottom" }, tooltip: { mode: "multi", sort: "none" } },
        targets: spec.queries.map((query, queryIndex) => ({
            refId: String.fromCharCode("A".charCodeAt(0) + queryIndex),
            datasource: PROMETHEUS_DATASOURCE,
            expr: query.expr,
            legendFormat: query.legend,
        })),
    };
}

/** The Grafana dashboard of the cluster (JSON), for Grafana's file provisioning. */
export function renderGrafanaDashboard(input: MonitoringInput): string {
    return `${JSON.stringify({
        uid: "pg-ha-cluster",
        title: "pg-ha: PostgreSQL HA cluster",
        tags: ["pg-ha"],
        timezone: "browser",
        schemaVersion: 39,
        version: 1,
        editable: false,
        refresh: "30s",
        time: { from: "now-6h", to: "now" },
        templating: { list: [] },
        annotations: { list: [] },
        panels: panels(input).map(panel),
    }, null, 2)}\n`;
}
