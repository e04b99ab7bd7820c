import * as assert from "assert";
import * as fs from "fs";
import * as http from "http";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { alertmanagerConfigFile, alertRules, monitoringInput, renderAlertRules, renderPrometheusConfig } from "../../components/render";
import { METRICS } from "../../components/render/monitoring/metrics";
import { localDown, localUp, openLocalCluster, restartService } from "../../scripts/lib/local/cluster";
import { startDetached, stopProcess, StartedProcess } from "../../scripts/lib/local/processes";
import { freePortBase } from "../../scripts/lib/ports";
import { waitUntil } from "../../scripts/lib/wait";

/** One alert as Alertmanager's webhook posts it. */
interface PostedAlert {
    readonly status: "firing" | "resolved";
    readonly labels: Record<string, string>;
}

function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = net.createServer().listen(0, "127.0.0.1", () => {
            const { port } = server.address() as net.AddressInfo;
            server.close(() => resolve(port));
        }).on("error", reject);
    });
}

async function getJson<T>(url: string): Promise<T> {
    const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
    if (!response.ok) throw new Error(`${url} answered ${response.status}`);
    return (await response.json()) as T;
}

/**
 * Monitoring end to end on the local run: Prometheus and Alertmanager from Debian, with the rendered
 * prometheus.yml, rules file and alertmanager.yml, run as the service user beside the cluster; a
 * webhook receiver in the test. Prometheus must scrape the exporter over HTTPS with the cluster CA,
 * fire nothing on a healthy cluster (but the alerts whose metrics have no producer yet), and page
 * when a standby stops, then resolve when it is back.
 */
describe("alerting on real servers: Prometheus, Alertmanager and the rendered files", function () {
    this.timeout(900_000);
    let stateDir: string;
    let work: string;
    let prometheusUrl: string;
    const servers: StartedProcess[] = [];
    const posted: { at: number; alerts: PostedAlert[] }[] = [];
    const receiver = http.createServer((request, response) => {
        const chunks: Buffer[] = [];
        request.on("data", (chunk: Buffer) => chunks.push(chunk));
        request.on("end", () => {
            posted.push({ at: Date.now(), alerts: (JSON.parse(Buffer.concat(chunks).toString("utf8")) as { alerts: PostedAlert[] }).alerts });
            response.end();
        });
    });
    /** Alerts whose rule reads a metric nobody produces yet (see Not built yet): they fire, or can never fire. */
    let unproduced: Set<string>;

    before(async () => {
        stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "pg-ha-alerting-"));
        await localUp({ stateDir, portBase: await freePortBase() });
        const cluster = openLocalCluster(stateDir);
        const input = monitoringInput(cluster.config, cluster.topology, "/");
        const planned = Object.entries(METRICS).filter(([, source]) => source.producer === "planned").map(([name]) => name);
        unproduced = new Set(alertRules(input).filter((rule) => planned.some((name) => rule.expr.includes(name))).map((rule) => rule.alert));

        work = fs.mkdtempSync(path.join(os.tmpdir(), "pg-ha-monitoring-"));
        const [prometheusPort, alertmanagerPort, webhookPort] = [await freePort(), await freePort(), await freePort()];
        await new Promise<void>((resolve) => receiver.listen(webhookPort, "127.0.0.1", resolve));
        const exporterHost = new URL(JSON.parse(fs.readFileSync(path.join(stateDir, "outputs.json"), "utf8")).exporterMetricsUrl).hostname;
        fs.writeFileSync(path.join(work, "ca.crt"), cluster.secrets.pki.caCertPem);
        fs.writeFileSync(path.join(work, "rules.yml"), renderAlertRules(input));
        fs.writeFileSync(path.join(work, "prometheus.yml"), renderPrometheusConfig({
            rulesFile: path.join(work, "rules.yml"),
            caFile: path.join(work, "ca.crt"),
            exporter: cluster.topology.exporter,
            exporterServerName: exporterHost,
            alertmanager: { host: "127.0.0.1", port: alertmanagerPort },
        }));
        const alertmanagerYml = alertmanagerConfigFile(`http://127.0.0.1:${webhookPort}/alerts`);
        fs.writeFileSync(path.join(work, alertmanagerYml.name), alertmanagerYml.content, { mode: alertmanagerYml.mode });
        for (const dir of ["tsdb", "alertmanager"]) fs.mkdirSync(path.join(work, dir));
        // The servers run as the service user, as the cluster's do.
        const owner = cluster.owner;
        if (owner !== undefined) {
            for (const entry of ["", "ca.crt", "rules.yml", "prometheus.yml", alertmanagerYml.name, "tsdb", "alertmanager"]) fs.chownSync(path.join(work, entry), owner.uid, owner.gid);
        }
        const asServiceUser = owner === undefined ? [] : ["setpriv", "--reuid", cluster.serviceUser, "--regid", cluster.serviceUser, "--init-groups", "--"];
        servers.push(startDetached([...asServiceUser, "prometheus-alertmanager", `--config.file=${path.join(work, alertmanagerYml.name)}`, `--storage.path=${path.join(work, "alertmanager")}`,
            `--web.listen-address=127.0.0.1:${alertmanagerPort}`, "--cluster.listen-address="], path.join(work, "alertmanager.log")));
        servers.push(startDetached([...asServiceUser, "prometheus", `--config.file=${path.join(work, "prometheus.yml")}`, `--storage.tsdb.path=${path.join(work, "tsdb")}`,
            `--web.listen-address=127.0.0.1:${prometheusPort}`], path.join(work, "prometheus.log")));
        prometheusUrl = `http://127.0.0.1:${prometheusPort}`;
    });

    after(async () => {
        for (const server of servers) await stopProcess(server.pid, "SIGTERM", 10_000);
        receiver.close();
        if (stateDir !== undefined) {
            await localDown(stateDir);
            fs.rmSync(stateDir, { recursive: true, force: true });
        }
        if (work !== undefined) fs.rmSync(work, { recursive: true, force: true });
    });

    it("Prometheus scrapes postgres_exporter over HTTPS, verifying its certificate with the cluster CA (the rendered tls_config)", async () => {
        type Targets = { data: { activeTargets: { labels: { job: string }; health: string; lastError: string }[] } };
        await waitUntil("Prometheus's scrape of the exporter", async () => {
            const targets = (await getJson<Targets>(`${prometheusUrl}/api/v1/targets`)).data.activeTargets.filter((target) => target.labels.job === "postgres_exporter");
            return (targets.length === 1 && targets[0]!.health === "up") || (targets.map((target) => `${target.health} ${target.lastError}`).join("; ") || "no target yet");
        }, { timeoutMs: 90_000, intervalMs: 1000, isPermanent: () => false });
    });

    it("fires nothing on a healthy cluster, but the alerts on metrics that have no producer yet", async () => {
        type Alerts = { data: { alerts: { labels: { alertname: string }; state: string }[] } };
        // Two evaluations after the first scrape: every rule has seen the cluster.
        await new Promise((resolve) => setTimeout(resolve, 35_000));
        const alerts = (await getJson<Alerts>(`${prometheusUrl}/api/v1/alerts`)).data.alerts;
        assert.deepStrictEqual(alerts.filter((alert) => !unproduced.has(alert.labels.alertname)).map((alert) => `${alert.labels.alertname} ${alert.state}`), []);
    });

    it("pages through Alertmanager's webhook when a standby stops, and resolves when it is back", async () => {
        const cluster = openLocalCluster(stateDir);
        const standby = cluster.topology.nodes[2]!;
        const record = cluster.state.services.find((service) => service.name === standby.name)!;
        const stoppedAt = Date.now();
        await stopProcess(record.pid, "SIGINT", 20_000);
        const about = (alert: PostedAlert, status: string) => alert.status === status && alert.labels.alertname === "PostgresNodeDown" && alert.labels.node === standby.name;
        const fired = await waitUntil(`PostgresNodeDown for ${standby.name} at the webhook`, async () => posted.some((post) => post.alerts.some((alert) => about(alert, "firing"))) || "not yet", { timeoutMs: 300_000, intervalMs: 1000 });
        const restartedAt = Date.now();
        restartService(stateDir, standby.name);
        const resolved = await waitUntil(`the resolution of PostgresNodeDown for ${standby.name}`, async () => posted.some((post) => post.at > restartedAt && post.alerts.some((alert) => about(alert, "resolved"))) || "not yet", { timeoutMs: 480_000, intervalMs: 1000 });
        process.stderr.write(`alerting: PostgresNodeDown for ${standby.name} posted ${((restartedAt - stoppedAt) / 1000).toFixed(0)} s after its stop (rule for 1m, group_wait 30s; waited ${(fired / 1000).toFixed(0)} s), resolved ${(resolved / 1000).toFixed(0)} s after its restart (group_interval 5m)\n`);
    });
});
