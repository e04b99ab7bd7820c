import { prometheusAlerts, prometheusTargets } from "../prometheusApi";
import { explainHttpsFailure, Verdict } from "./checks";
import { VerifyTarget } from "./types";

/** How long each question to Prometheus may take. */
export const PROMETHEUS_TIMEOUT_MS = 5000;

/**
 * How long the check waits for targets Prometheus has not listed or scraped yet (health
 * "unknown"): a Prometheus just started lists them within seconds and scrapes each within one
 * interval (15 s).
 */
export const FIRST_SCRAPE_WAIT_MS = 20_000;

/** The scrape jobs the stack's prometheus.yml has: node_exporter beside each node and both postgres_exporters. */
export const SCRAPE_JOBS = ["node_exporter", "pool_exporter", "postgres_exporter"] as const;

/**
 * Check 8: the cluster's Prometheus scrapes every target of its jobs (SCRAPE_JOBS, over TLS)
 * and no alert fires. Alerts still pending (waiting out their `for`) are named, not failed.
 * Bounded: at most FIRST_SCRAPE_WAIT_MS plus two questions' timeouts.
 */
export async function checkMonitoring(target: VerifyTarget): Promise<Verdict> {
    try {
        return await prometheusVerdict(target);
    } catch (error) {
        throw explainHttpsFailure(error, target.outputs.prometheusUrl, "Prometheus");
    }
}

async function prometheusVerdict(target: VerifyTarget): Promise<Verdict> {
    const { prometheusUrl } = target.outputs;
    const deadline = Date.now() + FIRST_SCRAPE_WAIT_MS;
    let targets = await prometheusTargets(prometheusUrl, target.caPem, PROMETHEUS_TIMEOUT_MS);
    const unscraped = (list: readonly { job: string; health: string }[]) => list.some((scrape) => scrape.health === "unknown") || SCRAPE_JOBS.some((job) => !list.some((scrape) => scrape.job === job));
    while (unscraped(targets) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 1000));
        targets = await prometheusTargets(prometheusUrl, target.caPem, PROMETHEUS_TIMEOUT_MS);
    }
    const alerts = await prometheusAlerts(prometheusUrl, target.caPem, PROMETHEUS_TIMEOUT_MS);
    const problems: string[] = [];
    const jobs = new Set(targets.map((scrape) => scrape.job));
    const missing = SCRAPE_JOBS.filter((job) => !jobs.has(job));
    if (missing.length > 0) problems.push(`no target of ${missing.join(", ")}`);
    for (const scrape of targets.filter((candidate) => candidate.health !== "up")) problems.push(`${scrape.job} ${scrape.url} ${scrape.health}${scrape.lastError === "" ? "" : `: ${scrape.lastError}`}`);
    const firing = alerts.filter((alert) => alert.state === "firing");
    if (firing.length > 0) problems.push(`firing: ${firing.map((alert) => `${alert.name}${alert.labels.node === undefined ? "" : ` ${alert.labels.node}`}`).join(", ")}`);
    const pending = alerts.filter((alert) => alert.state === "pending").map((alert) => alert.name);
    const up = targets.filter((scrape) => scrape.health === "up").length;
    const figure = `${up}/${targets.length} targets up, ${firing.length} firing${pending.length === 0 ? "" : `, pending: ${[...new Set(pending)].join(", ")}`}`;
    return problems.length === 0 ? { passed: true, figure } : { passed: false, figure: `${problems.join("; ")} (${figure})` };
}
