import * as assert from "assert";
import { execFileSync, spawnSync } from "child_process";
import { X509Certificate } from "crypto";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { ROLE_NAMES } from "../../config";
import { PROJECT_ROOT } from "../../config/projectRoot";
import { StackOutputs, STACK_OUTPUT_KEYS } from "../../components/render";
import { localDown, localStatus, localUp, openLocalCluster } from "../../scripts/lib/local/cluster";
import { localBackup } from "../../scripts/lib/local/backup";
import { readSecrets, readState } from "../../scripts/lib/local/state";
import { stopProcess } from "../../scripts/lib/local/processes";
import { serviceUserName } from "../../scripts/lib/local/prerequisites";
import { parsePostgresUri, withClient } from "../../scripts/lib/pg";
import { ON_PRIMARY } from "../../scripts/lib/drill/writer";
import { formatTable, localPgpoolLog, verifyCluster } from "../../scripts/lib/verify/verify";
import { freePortBase } from "../../scripts/lib/ports";
import { httpsGet, metricSamples } from "../../scripts/lib/https";
import { METRICS } from "../../components/render/monitoring/metrics";

function readConfigNames(text: string): string[] {
    return text.split("\n").map((line) => /^\s*#?\s*([a-z_][\w.]*)\s*=/.exec(line)?.[1]).filter((name): name is string => name !== undefined);
}

/** `npm run status` as a user runs it, on the local run's outputs.json. */
function runStatus(stateDir: string, flags: string[]): { status: number | null; stdout: string; stderr: string } {
    const result = spawnSync("node", [path.join(PROJECT_ROOT, "build", "scripts", "status.js"), "--outputs", path.join(stateDir, "outputs.json"), ...flags], { encoding: "utf8", timeout: 30_000 });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("local run on real PostgreSQL, Pgpool-II and postgres_exporter", function () {
    this.timeout(180_000);
    let stateDir: string;
    let portBase: number;
    let outputs: StackOutputs;

    before(async () => {
        stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "pg-ha-it-"));
        portBase = await freePortBase();
        outputs = await localUp({ stateDir, portBase });
    });

    after(async () => {
        if (stateDir === undefined) return;
        await localDown(stateDir);
        fs.rmSync(stateDir, { recursive: true, force: true });
    });

    it("runs from a working folder the service user cannot enter, as a checkout in /root often is", () => {
        const probe = (dir: string) => spawnSync("setpriv", ["--reuid", serviceUserName(), "--regid", serviceUserName(), "--init-groups", "--", "test", "-x", dir]).status;
        assert.strictEqual(probe("/"), 0, "the probe itself works");
        assert.notStrictEqual(probe(process.cwd()), 0, `the service user can enter ${process.cwd()}: run the integration tests through npm test, which runs them from a 0700 folder`);
    });

    it("writes outputs.json with exactly the keys of the stack outputs, at mode 0600", () => {
        const file = path.join(stateDir, "outputs.json");
        assert.deepStrictEqual(Object.keys(JSON.parse(fs.readFileSync(file, "utf8"))).sort(), [...STACK_OUTPUT_KEYS].sort());
        assert.strictEqual(fs.statSync(file).mode & 0o777, 0o600);
        assert.strictEqual(outputs.pgpoolConnectionString.split("@")[1], `127.0.0.1:${portBase}/edufarm?sslmode=verify-full`);
        assert.match(outputs.pgpoolConnectionString, /^postgresql:\/\/edufarm_app:[A-Za-z0-9]{32}@/);
    });

    it("passes every verification check", async () => {
        const results = await verifyCluster(outputs, { pgpoolLogFile: localPgpoolLog(path.join(stateDir, "outputs.json")), onResult: () => undefined });
        process.stderr.write(`${formatTable(results)}\n`);
        assert.strictEqual(results.length, 8);
        for (const result of results) assert.ok(result.passed, `${result.id}. ${result.name}: ${result.figure}`);
    });

    it("exports every metric the alert rules and the dashboard take from the exporters, with the labels they use (a real scrape, after a backup)", async () => {
        const cluster = openLocalCluster(stateDir);
        const backup = await localBackup(cluster, "full");
        const scrape = await httpsGet(outputs.exporterMetricsUrl, outputs.caCertificate, 10_000);
        const poolScrape = await httpsGet(`https://127.0.0.1:${cluster.topology.poolExporter.port}/metrics`, outputs.caCertificate, 10_000);
        const nodeScrape = await httpsGet(`https://127.0.0.1:${cluster.topology.nodeExporters[0]!.port}/metrics`, outputs.caCertificate, 10_000);
        for (const answer of [scrape, poolScrape, nodeScrape]) assert.strictEqual(answer.status, 200);
        const bodies = { exporter: scrape.body, exporterQuery: scrape.body, poolExporterQuery: poolScrape.body, nodeExporter: nodeScrape.body };
        const missing: string[] = [];
        const fromExporter = Object.entries(METRICS);
        for (const [name, source] of fromExporter) {
            const samples = metricSamples(bodies[source.producer], name);
            if (samples.length === 0) missing.push(name);
            for (const label of source.labels) {
                if (samples.length > 0 && !samples.some((sample) => new RegExp(`[{,]${label}="`).test(sample.labels))) missing.push(`${name}{${label}}`);
            }
        }
        assert.deepStrictEqual(missing, [], "metrics or labels the rules and panels use, missing from the scrape");
        assert.ok(fromExporter.length >= 10, "the inventory names the exporter's metrics");
        // The values, not only the names: the backup just taken, each certificate's notAfter, pgpool's backends up.
        const fullBackup = metricSamples(scrape.body, "pg_ha_backup_last_success_timestamp_seconds").filter((sample) => sample.labels.includes('type="full"'));
        assert.strictEqual(fullBackup.length, cluster.topology.nodes.length, "every node reports the backup (replicated)");
        for (const sample of fullBackup) assert.ok(Math.abs(sample.value * 1000 - backup.backup.stoppedAt.getTime()) < 60_000, `backup end ${sample.value} vs ${backup.backup.stoppedAt.toISOString()}`);
        const certificates = metricSamples(scrape.body, "pg_ha_certificate_expiry_timestamp_seconds");
        for (const service of cluster.plan.services) {
            const expected = Date.parse(new X509Certificate(cluster.secrets.pki.certificates[service.name]!.certPem).validTo) / 1000;
            const reported = certificates.filter((sample) => sample.labels.includes(`service="${service.name}"`)).map((sample) => sample.value);
            assert.ok(reported.length > 0 && reported.every((value) => value === expected), `${service.name}: ${reported.join(", ")} vs ${expected}`);
        }
        const poolNodes = metricSamples(poolScrape.body, "pg_ha_pool_nodes_lb_weight");
        assert.deepStrictEqual(poolNodes.map((sample) => /status="(\w+)"/.exec(sample.labels)?.[1]).sort(), cluster.topology.nodes.map(() => "up"));
    });

    it("sends a SELECT through pgpool to the primary when it starts with the drills' ON_PRIMARY comment, and spreads one without it", async () => {
        const ca = outputs.caCertificate;
        const pgpool = parsePostgresUri(outputs.pgpoolConnectionString);
        const primaryPort = parsePostgresUri(outputs.primaryConnectionString).port;
        const portsOf = async (sql: string) => Promise.all(Array.from({ length: 12 }, () => withClient(pgpool, { caPem: ca }, async (client) => (await client.query<{ port: number }>(sql)).rows[0]!.port)));
        const hinted = await portsOf(`${ON_PRIMARY} SELECT inet_server_port() AS port`);
        const plain = await portsOf("SELECT inet_server_port() AS port");
        process.stderr.write(`12 sessions through pgpool: with the comment on ports ${[...new Set(hinted)].join(", ")}, without it on ${[...new Set(plain)].join(", ")}\n`);
        assert.deepStrictEqual([...new Set(hinted)], [primaryPort]);
        assert.ok(plain.some((port) => port !== primaryPort), "without the comment some sessions read from a standby (the comment is what routes)");
    });

    it("npm run status shows one primary, every standby streaming from it and attached in pgpool, as a table and as JSON", () => {
        const table = runStatus(stateDir, []);
        assert.strictEqual(table.status, 0, table.stdout + table.stderr);
        process.stderr.write(`${table.stdout}`);
        assert.match(table.stdout, /^node0\s+127\.0\.0\.1:\d+\s+primary\s/m);
        assert.match(table.stdout, /\nhealthy\n$/);
        const json = runStatus(stateDir, ["--json"]);
        assert.strictEqual(json.status, 0, json.stderr);
        const state = JSON.parse(json.stdout) as { healthy: boolean; nodes: { name: string; role: string; replication?: { state: string }; receiver?: { status: string }; pool?: { status: string; role: string } }[]; problems: string[] };
        assert.strictEqual(state.healthy, true);
        assert.deepStrictEqual(state.nodes.map((node) => [node.name, node.role, node.pool?.role]), [["node0", "primary", "primary"], ["node1", "standby", "standby"], ["node2", "standby", "standby"]]);
        for (const standby of state.nodes.slice(1)) {
            assert.strictEqual(standby.replication?.state, "streaming");
            assert.strictEqual(standby.receiver?.status, "streaming");
            assert.ok(["up", "waiting"].includes(standby.pool!.status));
        }
    });

    it("runs every service as an unprivileged user", () => {
        for (const service of localStatus(stateDir)) {
            assert.ok(service.running, `${service.name} runs`);
            assert.ok(service.serverPid !== undefined, `${service.name} has a server`);
            const uid = Number(/^Uid:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${service.serverPid}/status`, "utf8"))![1]);
            assert.notStrictEqual(uid, 0, `${service.name} runs as uid ${uid}`);
        }
    });

    it("keeps every secret file private to the service user", () => {
        for (const file of ["node0/run/server.key", "node1/run/pgpass", "pgpool/run/pool_passwd", "pgpool/run/pgpoolkey", "exporter/run/pgpass", "secrets.json"]) {
            assert.strictEqual(fs.statSync(path.join(stateDir, file)).mode & 0o077, 0, `${file} is readable by others`);
        }
        assert.ok(!fs.existsSync(path.join(stateDir, "node0/run/bootstrap.sql")), "bootstrap SQL is removed from the run folder after use");
    });

    it("lets no monitoring login read a password: not in statistics, activity, settings, logs or process lists", async () => {
        const secrets = readSecrets(stateDir)!;
        const state = readState(stateDir)!;
        const passwords = Object.entries(secrets.passwords);
        const found: string[] = [];
        const search = (where: string, text: string) => {
            for (const [name, password] of passwords) if (text.includes(password)) found.push(`the ${name} password in ${where}`);
        };
        const logins = [[ROLE_NAMES.monitoring, secrets.passwords.monitoring], [ROLE_NAMES.pgpoolCheck, secrets.passwords.pgpoolCheck]] as const;
        for (const [role, password] of logins) {
            for (const node of state.services.filter((service) => /^node\d+$/.test(service.name))) {
                await withClient({ host: "127.0.0.1", port: node.port, user: role, password, database: "edufarm" }, { caPem: secrets.pki.caCertPem }, async (client) => {
                    for (const sql of [
                        "SELECT string_agg(query, E'\\n') AS text FROM pg_stat_statements",
                        "SELECT string_agg(coalesce(query, ''), E'\\n') AS text FROM pg_stat_activity",
                        "SELECT string_agg(name || '=' || coalesce(setting, ''), E'\\n') AS text FROM pg_settings",
                        "SELECT string_agg(coalesce(application_name, '') || ' ' || coalesce(client_hostname, ''), E'\\n') AS text FROM pg_stat_replication",
                    ]) {
                        search(`${sql.split(" FROM ")[1]} on ${node.name} as ${role}`, (await client.query<{ text: string | null }>(sql)).rows[0]!.text ?? "");
                    }
                    assert.ok((await client.query("SELECT count(*) FROM pg_stat_statements")).rowCount === 1, "pg_stat_statements is readable: the search means something");
                });
            }
        }
        const logs = (dir: string): string[] => fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
            const full = path.join(dir, entry.name);
            return entry.isDirectory() ? logs(full) : /\.log$|log$/.test(entry.name) ? [full] : [];
        });
        const logFiles = logs(stateDir);
        assert.ok(logFiles.length >= 5, `found only ${logFiles.join(", ")}`);
        for (const file of logFiles) search(path.relative(stateDir, file), fs.readFileSync(file, "utf8"));
        for (const pid of fs.readdirSync("/proc").filter((name) => /^\d+$/.test(name))) {
            try {
                search(`the command line of pid ${pid}`, fs.readFileSync(`/proc/${pid}/cmdline`, "utf8"));
            } catch {
                // The process ended while we looked.
            }
        }
        assert.deepStrictEqual(found, []);
    });

    it("refuses a second local:up on a running cluster's state dir", async () => {
        await assert.rejects(localUp({ stateDir, portBase }), /the cluster in .* is still running \(node0 pid \d+/);
    });

    it("refuses to start when a port is taken, and starts nothing", async () => {
        const otherDir = fs.mkdtempSync(path.join(os.tmpdir(), "pg-ha-it-busy-"));
        const otherBase = await freePortBase();
        const blocker = net.createServer();
        await new Promise<void>((resolve) => blocker.listen(otherBase + 2, "127.0.0.1", resolve));
        try {
            await assert.rejects(localUp({ stateDir: otherDir, portBase: otherBase }), new RegExp(`port ${otherBase + 2} \\(node0\\) is already in use on 127.0.0.1`));
            assert.strictEqual(readState(otherDir), undefined, "no process was started");
            assert.deepStrictEqual(fs.readdirSync(otherDir), [], "nothing was written");
        } finally {
            blocker.close();
            fs.rmSync(otherDir, { recursive: true, force: true });
        }
    });

    it("renders pool_passwd exactly as pg_enc encrypts it", () => {
        const secrets = readSecrets(stateDir)!;
        const keyFile = path.join(stateDir, "pgpool", "run", "pgpoolkey");
        const printed = execFileSync("pg_enc", ["-k", keyFile, secrets.passwords.app], { encoding: "utf8" });
        const expected = /pool_passwd string: (AES\S+)/.exec(printed)![1];
        const line = fs.readFileSync(path.join(stateDir, "pgpool", "run", "pool_passwd"), "utf8").split("\n").find((entry) => entry.startsWith("edufarm_app:"));
        assert.strictEqual(line, `edufarm_app:${expected}`);
    });

    it("renders only pgpool.conf parameters that Pgpool-II 4.3 knows (it ignores unknown ones silently)", () => {
        const known = new Set(readConfigNames(fs.readFileSync("/etc/pgpool2/pgpool.conf", "utf8")).map((name) => name.replace(/\d+$/, "")));
        const rendered = readConfigNames(fs.readFileSync(path.join(stateDir, "pgpool", "config", "pgpool.conf"), "utf8"));
        const unknown = rendered.filter((name) => !known.has(name.replace(/\d+$/, "")));
        assert.deepStrictEqual(unknown, []);
    });

    it("renders only postgresql.conf parameters that the running server knows", async () => {
        const secrets = readSecrets(stateDir)!;
        const primary = new URL(outputs.primaryConnectionString);
        const known = await withClient({ host: primary.hostname, port: Number(primary.port), user: ROLE_NAMES.superuser, password: secrets.passwords.superuser, database: "postgres" },
            { caPem: outputs.caCertificate }, async (client) => new Set((await client.query<{ name: string }>("SELECT name FROM pg_settings")).rows.map((row) => row.name)));
        const rendered = readConfigNames(fs.readFileSync(path.join(stateDir, "node1", "config", "postgresql.conf"), "utf8"));
        assert.deepStrictEqual(rendered.filter((name) => !known.has(name)), []);
    });

    it("fails verification when a replica is down (the checks can fail)", async () => {
        const node2 = readState(stateDir)!.services.find((service) => service.name === "node2")!;
        assert.strictEqual(await stopProcess(node2.pid, "SIGINT", 20_000), "stopped");
        const results = await verifyCluster(outputs, { onResult: () => undefined, readSessions: 6, readYourWritesSessions: 2 });
        const failed = results.filter((result) => !result.passed).map((result) => result.id);
        for (const id of [1, 2, 6]) assert.ok(failed.includes(id), `check ${id} fails with node2 down: ${formatTable(results)}`);
        const status = runStatus(stateDir, ["--json"]);
        assert.strictEqual(status.status, 3, "status exits 3 on a degraded cluster");
        const state = JSON.parse(status.stdout) as { healthy: boolean; problems: string[] };
        assert.strictEqual(state.healthy, false);
        assert.ok(state.problems.some((problem) => problem.startsWith("node2 does not answer")), state.problems.join("; "));
    });

    it("reports every check within a bounded time with both replicas down, when writes wait for a standby that is not there", async () => {
        const node1 = readState(stateDir)!.services.find((service) => service.name === "node1")!;
        assert.strictEqual(await stopProcess(node1.pid, "SIGINT", 20_000), "stopped");
        const started = Date.now();
        const results = await verifyCluster(outputs, { onResult: () => undefined, readSessions: 6, readYourWritesSessions: 2 });
        const took = Date.now() - started;
        process.stderr.write(`verify with both replicas down: ${took} ms\n${formatTable(results)}\n`);
        assert.strictEqual(results.length, 8);
        assert.ok(took < 60_000, `verify took ${took} ms`);
        assert.match(results[3]!.figure, /not acknowledged within 15 s: the primary waits for a synchronous standby/);
        // The exporter still answers, and no alert fires yet (PostgresNodeDown waits a minute).
        assert.ok(results.every((result) => !result.passed || result.id === 7 || result.id === 8), formatTable(results));
    });

    it("local:down stops every process and is safe to run twice", async () => {
        const first = await localDown(stateDir);
        assert.deepStrictEqual(first.map((entry) => entry.name), ["prometheus", "alertmanager", "pool-exporter", "pgpool", "exporter", "node2", "node1", "node2-metrics", "node1-metrics", "node0-metrics", "node0"]);
        // The replicas were stopped by the tests before this one.
        assert.ok(first.filter((entry) => !["node1", "node2"].includes(entry.name)).every((entry) => entry.result === "stopped"), JSON.stringify(first));
        assert.ok(first.filter((entry) => ["node1", "node2"].includes(entry.name)).every((entry) => entry.result === "not running"), JSON.stringify(first));
        assert.ok(localStatus(stateDir).every((service) => !service.running));
        const second = await localDown(stateDir);
        assert.ok(second.every((entry) => entry.result === "not running"));
    });
});
