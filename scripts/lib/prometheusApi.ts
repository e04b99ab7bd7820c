import { httpsGet } from "./https";

/** One scrape target as Prometheus's /api/v1/targets reports it. */
export interface PrometheusTarget {
    readonly job: string;
    readonly url: string;
    readonly health: "up" | "down" | "unknown";
    readonly lastError: string;
}

/** One alert as Prometheus's /api/v1/alerts reports it: pending (waiting out its `for`) or firing. */
export interface PrometheusAlert {
    readonly name: string;
    readonly state: "pending" | "firing";
    readonly labels: Readonly<Record<string, string>>;
}

async function apiData<T>(baseUrl: string, apiPath: string, caPem: string, timeoutMs: number): Promise<T> {
    const response = await httpsGet(`${baseUrl}${apiPath}`, caPem, timeoutMs);
    if (response.status !== 200) throw new Error(`${baseUrl}${apiPath} answered HTTP ${response.status}`);
    return (JSON.parse(response.body) as { data: T }).data;
}

/** Prometheus's active scrape targets, over TLS verified against the cluster CA. */
export async function prometheusTargets(baseUrl: string, caPem: string, timeoutMs = 5000): Promise<PrometheusTarget[]> {
    type Active = { labels: { job: string }; scrapeUrl: string; health: PrometheusTarget["health"]; lastError: string };
    const data = await apiData<{ activeTargets: Active[] }>(baseUrl, "/api/v1/targets?state=active", caPem, timeoutMs);
    return data.activeTargets.map((target) => ({ job: target.labels.job, url: target.scrapeUrl, health: target.health, lastError: target.lastError }));
}

/** The alerts Prometheus holds now, pending or firing. */
export async function prometheusAlerts(baseUrl: string, caPem: string, timeoutMs = 5000): Promise<PrometheusAlert[]> {
    type Alert = { labels: Record<string, string>; state: PrometheusAlert["state"] };
    const data = await apiData<{ alerts: Alert[] }>(baseUrl, "/api/v1/alerts", caPem, timeoutMs);
    return data.alerts.map((alert) => ({ name: alert.labels.alertname ?? "", state: alert.state, labels: alert.labels }));
}

/** The Alertmanagers Prometheus sends alerts to. */
export async function prometheusAlertmanagers(baseUrl: string, caPem: string, timeoutMs = 5000): Promise<string[]> {
    const data = await apiData<{ activeAlertmanagers: { url: string }[] }>(baseUrl, "/api/v1/alertmanagers", caPem, timeoutMs);
    return data.activeAlertmanagers.map((alertmanager) => alertmanager.url);
}
