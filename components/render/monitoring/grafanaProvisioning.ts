import { stringify } from "yaml";

/** The Prometheus data source every panel of the dashboard queries, by uid. */
export const PROMETHEUS_DATASOURCE = { type: "prometheus", uid: "pg-ha-prometheus" } as const;

/** Grafana's provisioning/datasources file: the Prometheus the alert rules run in. */
export function renderGrafanaDatasources(prometheusUrl: string): string {
    return stringify({
        apiVersion: 1,
        datasources: [{
            name: "Prometheus",
            ...PROMETHEUS_DATASOURCE,
            access: "proxy",
            url: prometheusUrl,
            isDefault: true,
            editable: false,
        }],
    });
}

/** Grafana's provisioning/dashboards file: load the dashboard JSON files in `dashboardsPath`. */
export function renderGrafanaDashboardProvider(dashboardsPath: string): string {
    return stringify({
        apiVersion: 1,
        providers: [{
            name: "pg-ha",
            orgId: 1,
            folder: "pg-ha",
            type: "file",
            disableDeletion: true,
            allowUiUpdates: false,
            options: { path: dashboardsPath },
        }],
    });
}
