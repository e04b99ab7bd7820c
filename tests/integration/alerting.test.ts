import * as assert from "assert";
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import { StackOutputs } from "../../components/render";
import { localBackup } from "../../scripts/lib/local/backup";
import { localBackupRepository, localDown, localUp, openLocalCluster, restartService } from "../../scripts/lib/local/cluster";
import { superuserOn } from "../../scripts/lib/local/pgpoolControl";
import { stopProcess } from "../../scripts/lib/local/processes";
import { withClient } from "../../scripts/lib/pg";
import { freePortBase } from "../../scripts/lib/ports";
import { prometheusAlertmanagers, prometheusAlerts, prometheusTargets } from "../../scripts/lib/prometheusApi";
import { waitUntil } from "../../scripts/lib/wait";

/** One alert as Alertmanager's webhook posts it. */
interface PostedAlert {
    readonly status: "firing" | "resolved";
    readonly labels: Record<string, string>;
}

/** Minutes archive_command must keep failing before it pages, in this test (the stack's default is 10). */
const ARCHIVE_FAILURE_MINUTES = 1;

/**
 * Monitoring end to end on the local run, as it starts Prometheus and Alertmanager beside the
 * cluster (the files every platform gets): Prometheus scrapes both exporters and node_exporter
 * over HTTPS with the cluster CA, holds no alert on a healthy cluster once a full backup exists, and pages through
 * Alertmanager's webhook (a receiver in this test, set as pg-ha:monitoring.webhookUrl) when a
 * standby stops and when archiving fails; the standby's alerts resolve when it is back.
 */
describe("alerting on real servers: the local run's Prometheus and Alertmanager", function () {
    this.timeout(900_000);
    let stateDir: string;
    let outputs: StackOutputs;
    const posted: { at: number; alerts: PostedAlert[] }[] = [];
    const receiver = http.createServer((request, response) => {
        const chunks: Buffer[] = [];
        request.on("data", (chunk: Buffer) => chunks.push(chunk));
        request.on("end", () => {
            posted.push({ at: Date.now(), alerts: (JSON.parse(Buffer.concat(chunks).toString("utf8")) as { alerts: PostedAlert[] }).alerts });
            response.end();
        });
    });
    const postedAt = (since: number, status: PostedAlert["status"], matches: (alert: PostedAlert) => boolean): number | undefined =>
        posted.find((post) => post.at >= since && post.alerts.some((alert) => alert.status === status && matches(alert)))?.at;
    let archiveDir: string | undefined;
    /** Sets the mode of every folder under `dir` (pgBackRest writes a segment into the deepest one). */
    const chmodFolders = (dir: string, mode: number): void => {
        for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) if (entry.isDirectory()) fs.chmodSync(path.join(entry.parentPath, entry.name), mode);
        fs.chmodSync(dir, mode);
    };

    before(async () => {
        await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
        const webhookPort = (receiver.address() as { port: number }).port;
        stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "pg-ha-alerting-"));
        outputs = await localUp({
            stateDir,
            portBase: await freePortBase(),
            configOverrides: { monitoring: { webhookUrl: `http://127.0.0.1:${webhookPort}/alerts`, archiveFailureMinutes: ARCHIVE_FAILURE_MINUTES } },
        });
        // PostgresFullBackupMissing waits (pending) for a cluster with no full backup: take one.
        await localBackup(openLocalCluster(stateDir), "full");
    });

    after(async () => {
        if (archiveDir !== undefined) chmodFolders(archiveDir, 0o750);
        receiver.close();
        if (stateDir !== undefined) {
            await localDown(stateDir);
            fs.rmSync(stateDir, { recursive: true, force: true });
        }
    });

    it("scrapes both exporters and every node's node_exporter over HTTPS verified with the cluster CA, and sends alerts to the cluster's Alertmanager", async () => {
        const nodes = openLocalCluster(stateDir).topology.nodes.length;
        const expected = [...Array<string>(nodes).fill("node_exporter"), "pool_exporter", "postgres_exporter"].join(",");
        await waitUntil("Prometheus's first scrape of every target", async () => {
            const targets = await prometheusTargets(outputs.prometheusUrl, outputs.caCertificate);
            const healthy = targets.filter((target) => target.health === "up").map((target) => target.job).sort();
            return healthy.join(",") === expected || (targets.map((target) => `${target.job} ${target.health} ${target.lastError}`).join("; ") || "no target yet");
        }, { timeoutMs: 90_000, intervalMs: 1000, isPermanent: () => false });
        assert.deepStrictEqual(await prometheusAlertmanagers(outputs.prometheusUrl, outputs.caCertificate), [`${outputs.alertmanagerUrl}/api/v2/alerts`]);
    });

    it("holds no alert at all, pending or firing, on a healthy cluster with a full backup", async () => {
        // Two evaluations after the first scrape: every rule has seen the cluster.
        await new Promise((resolve) => setTimeout(resolve, 35_000));
        const alerts = await prometheusAlerts(outputs.prometheusUrl, outputs.caCertificate);
        assert.deepStrictEqual(alerts.map((alert) => `${alert.name} ${alert.state} ${JSON.stringify(alert.labels)}`), []);
    });

    it("pages when a standby stops and when archiving fails; the standby's alerts resolve once it is back", async () => {
        const cluster = openLocalCluster(stateDir);
        const [primary, , standby] = cluster.topology.nodes;
        const record = cluster.state.services.find((service) => service.name === standby!.name)!;
        const stoppedAt = Date.now();
        await stopProcess(record.pid, "SIGINT", 20_000);
        const nodeDown = (alert: PostedAlert) => alert.labels.alertname === "PostgresNodeDown" && alert.labels.node === standby!.name;
        const detached = (alert: PostedAlert) => alert.labels.alertname === "PgpoolBackendDown" && alert.labels.node_id === String(standby!.index);
        await waitUntil(`PostgresNodeDown and PgpoolBackendDown for ${standby!.name} at the webhook`, async () =>
            (postedAt(stoppedAt, "firing", nodeDown) !== undefined && postedAt(stoppedAt, "firing", detached) !== undefined) || "not yet", { timeoutMs: 300_000, intervalMs: 1000 });

        const restartedAt = Date.now();
        restartService(stateDir, standby!.name);
        // Archiving breaks meanwhile: the repository's archive folders refuse the service user.
        archiveDir = path.join(localBackupRepository(stateDir), "archive");
        chmodFolders(archiveDir, 0o550);
        const brokenAt = Date.now();
        await withClient(superuserOn(cluster, primary!), { caPem: outputs.caCertificate }, async (client) => {
            await client.query("CREATE TABLE IF NOT EXISTS archive_probe (at timestamptz)");
            await client.query("INSERT INTO archive_probe VALUES (now())");
            await client.query("SELECT pg_switch_wal()");
        });
        const archiveFailing = (alert: PostedAlert) => alert.labels.alertname === "PostgresWalArchiveFailing" && alert.labels.server === `${primary!.host}:${primary!.port}`;
        await waitUntil("PostgresWalArchiveFailing at the webhook", async () => postedAt(brokenAt, "firing", archiveFailing) !== undefined || "not yet", { timeoutMs: 420_000, intervalMs: 1000 });
        chmodFolders(archiveDir, 0o750);
        archiveDir = undefined;
        await waitUntil(`the resolution of PostgresNodeDown and PgpoolBackendDown for ${standby!.name}`, async () =>
            (postedAt(restartedAt, "resolved", nodeDown) !== undefined && postedAt(restartedAt, "resolved", detached) !== undefined) || "not yet", { timeoutMs: 480_000, intervalMs: 1000 });

        const seconds = (from: number, to: number | undefined) => `${((to! - from) / 1000).toFixed(0)} s`;
        process.stderr.write([
            `      alerting: ${standby!.name} stopped -> PostgresNodeDown posted after ${seconds(stoppedAt, postedAt(stoppedAt, "firing", nodeDown))}, PgpoolBackendDown after ${seconds(stoppedAt, postedAt(stoppedAt, "firing", detached))} (rules for 1m, group_wait 30s)`,
            `      alerting: archiving broken -> PostgresWalArchiveFailing posted after ${seconds(brokenAt, postedAt(brokenAt, "firing", archiveFailing))} (for ${ARCHIVE_FAILURE_MINUTES}m here, 10m by default)`,
            `      alerting: ${standby!.name} restarted -> resolutions posted after ${seconds(restartedAt, postedAt(restartedAt, "resolved", nodeDown))} and ${seconds(restartedAt, postedAt(restartedAt, "resolved", detached))} (group_interval 5m)`,
        ].join("\n") + "\n");
    });
});
