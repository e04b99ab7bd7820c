import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { gunzipSync } from "zlib";
import { backupTimerName, hostServiceUnit, ServiceHost, StackOutputs } from "../../components/render";
import { AckedWrite, missingWrites, NumberedWriter } from "../../scripts/lib/drill/writer";
import { parsePostgresUri, withClient } from "../../scripts/lib/pg";
import { sleep, waitUntil } from "../../scripts/lib/wait";
import { untilVerified } from "../untilVerified";
import { randomBytes } from "crypto";
import { SSMClient } from "@aws-sdk/client-ssm";
import { formatRestoreDrill, restoreDrillThrough } from "../../scripts/lib/drill/restoreDrill";
import { backupThrough } from "../../scripts/lib/operations/backup";
import { HostUnreachable } from "../../scripts/lib/operations/hostShell";
import { nodeSeatsOf, reachOf, switchoverSeatOf } from "../../scripts/lib/operations/nodeSeats";
import { switchoverThrough } from "../../scripts/lib/operations/switchover";
import { startRunCommandEmulator } from "./runCommandEmulator";
import { formatDrillReport } from "../../scripts/lib/drill/failoverDrill";
import { runStackFailoverDrill } from "../../scripts/lib/drill/stackFailoverDrill";
import { stackRejoin } from "../../scripts/lib/operations/stackRejoin";
import { BootHarness, ensureHostImage, linkLocalAddress } from "./bootHarness";
import { docker } from "./dockerCli";
import { ProdHost, renderProdHosts, shortName } from "./prodHosts";

/** Seconds a first boot may take: packages from Debian's mirror, then initdb or a clone. */
const FIRST_BOOT_SECONDS = 900;

/**
 * The prod stack's EC2 hosts booted for real: the prod program under mocks gives each instance's
 * user data, and the boot harness boots it in a systemd container with cloud-init (see
 * bootHarness.ts). The hosts must become a healthy cluster from their user data alone.
 */
describe("the prod hosts booted from their user data (cloud-init, systemd, emulated AWS)", function () {
    this.timeout(1_800_000);
    let harness: BootHarness;
    let outputs: StackOutputs;
    const figures: string[] = [];
    const nodes = () => harness.prod.hosts.filter((host) => host.volumeId !== undefined);
    const front = () => harness.host("front");

    /** The node answering as primary, by its direct connection string. */
    const primaryHost = async (): Promise<ProdHost> => {
        const uris = [outputs.primaryConnectionString, ...outputs.replicaConnectionStrings];
        for (const uri of uris) {
            const parts = parsePostgresUri(uri);
            const primary = await withClient(parts, { caPem: outputs.caCertificate, connectTimeoutMs: 1000 }, async (client) => (await client.query<{ primary: boolean }>("SELECT NOT pg_is_in_recovery() AS primary")).rows[0]!.primary).catch(() => false);
            if (primary) return harness.prod.hosts.find((host) => host.name === parts.host)!;
        }
        throw new Error("no node answers as primary");
    };

    /** A node's PostgreSQL port (each node has its own, as in the outputs). */
    const portOf = (node: ProdHost): number => parsePostgresUri([outputs.primaryConnectionString, ...outputs.replicaConnectionStrings].find((uri) => parsePostgresUri(uri).host === node.name)!).port;

    const pgpool = () => parsePostgresUri(outputs.pgpoolConnectionString);

    /**
     * Kills the primary's host under a writer through pgpool (after `warmupMs` of writes), waits
     * for a write acknowledged by another node, writes `afterMs` more, and stops the writer.
     */
    const killUnderWriter = async (primary: ProdHost, timing: { warmupMs: number; afterMs: number }): Promise<{ writer: NumberedWriter; killedAt: number; resumedAt: number }> => {
        const primaryPort = portOf(primary);
        const writer = new NumberedWriter(pgpool(), outputs.caCertificate);
        await writer.prepare();
        let killedAt = 0;
        // Each node has its own port: a write the killed primary acknowledged says so.
        const byAnother = (write: AckedWrite) => write.at > killedAt && write.serverPort !== primaryPort;
        await writer.during(async () => {
            await sleep(timing.warmupMs);
            killedAt = Date.now();
            await docker(["kill", harness.containerOf(primary)]);
            await waitUntil(`a write acknowledged by another node after ${primary.name}'s host died`, async () => writer.acked.some(byAnother), { timeoutMs: 120_000, intervalMs: 100 });
            await sleep(timing.afterMs);
        });
        return { writer, killedAt, resumedAt: writer.acked.find(byAnother)!.at };
    };

    before(async () => {
        const work = fs.mkdtempSync(path.join(os.tmpdir(), "pg-ha-prod-hosts-"));
        const prod = await renderProdHosts(path.join(work, "hosts.json"));
        fs.rmSync(work, { recursive: true, force: true });
        outputs = prod.outputs as StackOutputs;
        harness = new BootHarness(prod, await ensureHostImage());
        await harness.start();
        for (const host of prod.hosts) await harness.create(host);
        const started = Date.now();
        await Promise.all(prod.hosts.map((host) => harness.startHost(host)));
        process.stderr.write(`booting ${prod.hosts.length} hosts at once from their user data\n`);
        const booted = await Promise.all(prod.hosts.map(async (host) => {
            const status = await harness.cloudInitStatus(host, FIRST_BOOT_SECONDS);
            return `${shortName(host)} ${((Date.now() - started) / 1000).toFixed(0)} s (${status.status})`;
        }));
        figures.push(`cloud-init finished: ${booted.join(", ")}`);
    });

    let failures = 0;
    afterEach(async function () {
        if (this.currentTest?.state === "failed") process.stderr.write(`journals saved: ${(await harness.saveJournals(`failure${++failures}`)).join(", ")}\n`);
    });

    after(async () => {
        process.stderr.write(`${figures.join("\n")}\n`);
        await harness?.close();
    });

    it("user data holds no password, key or pool key: every secret value is only in the secret store", () => {
        const secrets = harness.prod.generatedSecrets;
        assert.ok(secrets.length > 10, "the program generated passwords and keys");
        for (const host of harness.prod.hosts) {
            const userData = gunzipSync(Buffer.from(host.userDataBase64, "base64")).toString("utf8");
            for (const secret of secrets) assert.ok(!userData.includes(secret), `${host.name}'s user data holds a generated password or key`);
        }
    });

    it("every host ends cloud-init with status done, no error and no failed systemd unit", async () => {
        for (const host of harness.prod.hosts) {
            const status = await harness.cloudInitStatus(host, 60);
            assert.deepStrictEqual(status, { status: "done", errors: [] }, `${host.name}: ${(await harness.bootLog(host)).split("\n").filter((line) => /pg-ha|rror/.test(line)).slice(-20).join("\n")}`);
            assert.deepStrictEqual(await harness.failedUnits(host), [], `${host.name} has failed units`);
        }
    });

    it("each host read its own secrets through its instance role (IMDSv2), and no other host's", async () => {
        const log = await harness.emulatorLog();
        for (const host of harness.prod.hosts) {
            const asked = log.filter((entry) => entry.service === "ssm" && entry.ip === host.ip);
            assert.ok(asked.length > 0 && asked.every((entry) => entry.status === 200 && entry.name!.startsWith(host.parameterPrefix)), `${host.name}: ${JSON.stringify(asked)}`);
            assert.ok(log.some((entry) => entry.service === "imds" && entry.ip === linkLocalAddress(host) && entry.method === "PUT" && entry.status === 200), `${host.name} took an IMDSv2 token`);
        }
    });

    it("passes all eight verify checks from the stack outputs (names of the private zone)", async () => {
        const took = await untilVerified("after the first boot", () => outputs, { timeoutMs: 300_000, intervalMs: 2000 });
        figures.push(`first boot: verify 8/8 ${(took / 1000).toFixed(0)} s after cloud-init finished everywhere`);
    });

    it("archives WAL and takes a full backup into the S3 bucket from the host that is primary, with the role's credentials", async () => {
        const primary = await primaryHost();
        const unit = backupTimerName(shortName(primary), "full").replace(/\.timer$/, ".service");
        const backup = await harness.exec(primary, ["systemctl", "start", unit], 600_000);
        assert.strictEqual(backup.code, 0, `the full backup failed: ${backup.stderr}\n${(await harness.exec(primary, ["journalctl", "-u", unit, "--no-pager"])).stdout}`);
        const keys = harness.bucketKeys();
        assert.ok(keys.some((key) => /\/archive\/[^/]+\/15-1\/[0-9A-F]{16}\/[0-9A-F]{24}-[0-9a-f]{40}/.test(key)), `a WAL segment in the bucket: ${keys.join(", ")}`);
        assert.ok(keys.some((key) => /\/backup\/[^/]+\/\d{8}-\d{6}F\/backup\.manifest$/.test(key)), `a full backup in the bucket: ${keys.join(", ")}`);
        const bucket = (await harness.emulatorLog()).filter((entry) => entry.service === "s3" && entry.path.startsWith(`/${harness.prod.backupBucket}/`));
        assert.ok(bucket.length > 0 && bucket.every((entry) => nodes().some((node) => node.ip === entry.ip)), "only nodes touch the bucket");
    });

    it("runs the operations from the stack's outputs through SSM Run Command on the hosts: a backup, a point-in-time restore drill beside the primary, a switchover under a writer, the failover drill, a rejoin; refuses an instance whose agent does not answer, running nothing", async () => {
        const hosts = (outputs as StackOutputs).hostInstances!;
        // The instances of hostAccess are those of hostInstances: the emulated agents run in their containers.
        const containers = new Map(Object.entries(hosts).map(([host, instance]) => [instance.instanceId, harness.containerOf(harness.host(host))]));
        const runCommand = await startRunCommandEmulator((instanceId) => containers.get(instanceId), harness.prod.accountId);
        try {
            // Throwaway credentials made now: the emulator checks that the call is signed, as SSM does.
            const client = new SSMClient({ region: harness.prod.region, endpoint: runCommand.url, credentials: { accessKeyId: `AKIA${randomBytes(8).toString("hex").toUpperCase()}`, secretAccessKey: randomBytes(20).toString("base64") } });
            const access = (outputs as StackOutputs).hostAccess!;
            const reach = reachOf(access, { ssm: client });
            const primary = shortName(await primaryHost());
            const backup = await backupThrough(nodeSeatsOf(reach), "full");
            assert.strictEqual(backup.node, primary);
            assert.strictEqual(backup.backup.type, "full");
            await withClient(pgpool(), { caPem: outputs.caCertificate }, (client) => client.query("CREATE TABLE IF NOT EXISTS ssm_rows (id int); INSERT INTO ssm_rows SELECT generate_series(1, 300)"));
            const drill = await restoreDrillThrough(nodeSeatsOf(reach), { into: "/var/lib/postgresql/data/restore-drill", port: 5532 });
            assert.ok(drill.passed && drill.node === primary && drill.tables.some((table) => table.table === "ssm_rows" && table.restoredRows === 300), formatRestoreDrill(drill));

            const target = nodes().map(shortName).find((name) => name !== primary)!;
            const writer = new NumberedWriter(pgpool(), outputs.caCertificate);
            await writer.prepare();
            const outcome = await writer.during(async () => {
                await sleep(2000);
                const switched = await switchoverThrough(switchoverSeatOf(reach), target, { rejoinWaitSeconds: 120 });
                await sleep(2000);
                return switched;
            });
            const lost = await missingWrites(pgpool(), { caPem: outputs.caCertificate }, writer.acked);
            assert.ok(writer.acked.length > 0, "the writer had no write acknowledged");
            assert.deepStrictEqual(lost, []);
            assert.deepStrictEqual([outcome.from, outcome.to, outcome.rejoined], [primary, target, "yes"]);
            assert.strictEqual(shortName(await primaryHost()), target);

            const gone = reachOf({ ...access, services: { ...access.services, pgpool: { ...access.services.pgpool!, instanceId: "i-0000000000000dead" } as ServiceHost } }, { ssm: client });
            const before = runCommand.sent.length;
            await assert.rejects(switchoverThrough(switchoverSeatOf(gone), primary), (error: Error) => error instanceof HostUnreachable && /instance i-0000000000000dead, through SSM Run Command\) cannot be reached/.test(error.message));
            assert.strictEqual(runCommand.sent.length, before, "nothing was run");
            assert.ok(runCommand.sent.length >= 6 && runCommand.sent.every((sent) => sent.commands[0]!.startsWith("runuser -u 'postgres' -- '/bin/bash' ")), `every command ran as the PostgreSQL user: ${runCommand.sent.map((sent) => sent.commands[0]).join("; ")}`);
            await untilVerified("after the switchover through SSM", () => outputs, { timeoutMs: 180_000, intervalMs: 2000 });
            const failover = await runStackFailoverDrill(outputs, nodeSeatsOf(reach));
            assert.deepStrictEqual(failover.lost, []);
            assert.ok(failover.killed === target && failover.backByItselfMs !== undefined, formatDrillReport(failover));
            for (const check of failover.verify!) assert.ok(check.passed, `${check.id}. ${check.name}: ${check.figure}`);
            const rejoined = await stackRejoin(outputs, nodeSeatsOf(reach), primary === failover.newPrimary ? target : primary);
            assert.strictEqual(rejoined.primary, failover.newPrimary);
            figures.push(`through SSM Run Command: backup ${backup.backup.label} on ${backup.node} in ${(backup.durationMs / 1000).toFixed(1)} s; restore drill on ${drill.node} (${drill.tables.length} tables equal) restored in ${(drill.restoreMs / 1000).toFixed(1)} s; switchover ${outcome.from} -> ${outcome.to}: writes paused ${outcome.writeOutageMs} ms, ${writer.acked.length} acknowledged, 0 lost, ${outcome.from} rejoined by itself; drill:failover killed ${failover.killed}: writes resumed on ${failover.newPrimary} after ${failover.rtoMs} ms, 0 of ${failover.acknowledged} lost, back as a standby by itself ${failover.backByItselfMs} ms after the kill; rejoin of ${rejoined.node} (systemd restarted it) streaming again after ${rejoined.durationMs} ms`);
        } finally {
            await runCommand.close();
        }
        await untilVerified("after the drills through SSM", () => outputs, { timeoutMs: 180_000, intervalMs: 2000 });
    });

    it("a replica host restarted keeps its data on its volume and streams again", async () => {
        const primary = await primaryHost();
        const replica = nodes().find((host) => host.name !== primary.name)!;
        const marker = `restart-${Date.now()}`;
        await withClient(pgpool(), { caPem: outputs.caCertificate }, (client) => client.query(`CREATE TABLE IF NOT EXISTS boot_marker (note text); INSERT INTO boot_marker VALUES ('${marker}')`));
        const restarted = Date.now();
        await docker(["restart", "-t", "60", harness.containerOf(replica)]);
        const took = await untilVerified(`after ${replica.name} restarted`, () => outputs, { timeoutMs: 180_000, intervalMs: 2000 });
        const direct = parsePostgresUri([outputs.primaryConnectionString, ...outputs.replicaConnectionStrings].find((uri) => parsePostgresUri(uri).host === replica.name)!);
        const rows = await withClient(direct, { caPem: outputs.caCertificate }, async (client) => (await client.query("SELECT 1 FROM boot_marker WHERE note = $1", [marker])).rowCount);
        assert.strictEqual(rows, 1, "the restarted replica has the row written before its restart");
        const mount = await harness.exec(replica, ["findmnt", "-n", "-o", "SOURCE", "/var/lib/postgresql/data"]);
        figures.push(`${replica.name} restarted: verify 8/8 ${((Date.now() - restarted) / 1000).toFixed(0)} s after the restart began (${(took / 1000).toFixed(0)} s of waiting); data on ${mount.stdout.trim()}`);
    });

    it("converges whatever order every host boots again in: the front host 45 s before the nodes, the replicas 45 s after the rest", async () => {
        const orders: [string, (primary: ProdHost) => ProdHost[][]][] = [
            ["the front host 45 s before the nodes", () => [[front()], nodes()]],
            ["the replicas 45 s after the rest", (primary) => [[front(), primary], nodes().filter((host) => host !== primary)]],
        ];
        for (const [order, wavesFor] of orders) {
            const waves = wavesFor(await primaryHost());
            await Promise.all(harness.prod.hosts.map((host) => docker(["stop", "-t", "60", harness.containerOf(host)])));
            for (const [i, wave] of waves.entries()) {
                if (i > 0) await sleep(45_000);
                await Promise.all(wave.map((host) => harness.startHost(host)));
            }
            const started = Date.now();
            await untilVerified(`after booting ${order}`, () => outputs, { timeoutMs: 300_000, intervalMs: 2000 });
            for (const host of harness.prod.hosts) assert.deepStrictEqual(await harness.failedUnits(host), [], `${host.name} has failed units`);
            figures.push(`every host booted again, ${order}: verify 8/8 ${((Date.now() - started) / 1000).toFixed(0)} s after the last start`);
        }
    });

    it("fails over when the primary's host dies under a writer: no acknowledged write lost; the host boots again as a standby", async () => {
        const primary = await primaryHost();
        const { writer, killedAt, resumedAt } = await killUnderWriter(primary, { warmupMs: 3000, afterMs: 2000 });
        const lost = await missingWrites(pgpool(), { caPem: outputs.caCertificate }, writer.acked);
        assert.deepStrictEqual(lost, [], "acknowledged writes missing after the failover");
        const newPrimary = await primaryHost();
        assert.notStrictEqual(newPrimary.name, primary.name);
        const restarted = Date.now();
        await docker(["start", harness.containerOf(primary)]);
        await untilVerified(`after ${primary.name} booted again`, () => outputs, { timeoutMs: 300_000, intervalMs: 2000 });
        for (const host of harness.prod.hosts) assert.deepStrictEqual(await harness.failedUnits(host), [], `${host.name} has failed units`);
        figures.push(`failover: ${writer.acked.length} acknowledged writes, ${lost.length} lost, writes resumed ${resumedAt - killedAt} ms after ${primary.name}'s host died; it booted again and verify passed 8/8 ${((Date.now() - restarted) / 1000).toFixed(0)} s after its start`);
    });

    it("keeps the promoted node as primary when every host loses power right after a failover and boots again, the stale former primary first: it waits and rejoins, no acknowledged write lost", async () => {
        const stale = await primaryHost();
        const histories = () => harness.bucketKeys().filter((key) => key.endsWith(".history")).length;
        const historiesBefore = histories();
        const { writer } = await killUnderWriter(stale, { warmupMs: 2000, afterMs: 0 });
        const promoted = await primaryHost();
        // The promotion's timeline history reaches the archive right after it (archive_command).
        const archivedIn = await waitUntil("the promotion's history file in the bucket", async () => histories() > historiesBefore || "not yet", { timeoutMs: 60_000, intervalMs: 250 });
        // Power lost everywhere: the promoted node dies before its first checkpoint on the new
        // timeline, so its control file still names the old one (its pg_wal has the history file).
        await Promise.all(harness.prod.hosts.filter((host) => host !== stale).map((host) => docker(["kill", harness.containerOf(host)])));
        // The stale one first, the rest once it has decided: no peer answers when it does.
        await harness.startHost(stale);
        await waitUntil(`${stale.name} to decide how to start`, async () => /the archive holds [0-9A-F]{8}\.history: another node was promoted after/.test(await harness.run(stale, ["journalctl", "-b", "-u", hostServiceUnit(shortName(stale)), "--no-pager"])) || "not yet", { timeoutMs: 120_000, intervalMs: 1000, isPermanent: () => false });
        const started = Date.now();
        await Promise.all(harness.prod.hosts.filter((host) => host !== stale).map((host) => harness.startHost(host)));
        await untilVerified("after every host restarted right after a failover", () => outputs, { timeoutMs: 300_000, intervalMs: 2000 });
        assert.strictEqual((await primaryHost()).name, promoted.name, "the promoted node is the primary again");
        assert.deepStrictEqual(await missingWrites(pgpool(), { caPem: outputs.caCertificate }, writer.acked), [], "acknowledged writes lost");
        for (const node of nodes()) {
            const journal = await harness.run(node, ["journalctl", "-u", hostServiceUnit(shortName(node)), "--no-pager"]);
            assert.doesNotMatch(journal, /cannot tell whether another node was promoted/, `${node.name} could not ask the archive`);
        }
        figures.push(`every host killed right after a failover and booted again (history archived ${archivedIn} ms after the check began): ${promoted.name} primary again, ${stale.name} rejoined, verify 8/8 ${((Date.now() - started) / 1000).toFixed(0)} s after the others started, 0 of ${writer.acked.length} acknowledged writes lost`);
    });

    it("a replaced host waits for the secret store, starting nothing, and boots when it answers", async () => {
        const primary = await primaryHost();
        const replica = nodes().find((host) => host.name !== primary.name)!;
        const container = harness.containerOf(replica);
        await harness.secretStore(false);
        try {
            // A replacement instance: a new container (first boot again) on the same volume.
            await docker(["rm", "-f", container]);
            await harness.create(replica);
            await harness.startHost(replica);
            await waitUntil(`${replica.name} to report the secret store unreachable`, async () => (await harness.bootLog(replica)).includes("the secret store does not answer"), { timeoutMs: 300_000, intervalMs: 2000 });
            const running = await harness.exec(replica, ["pgrep", "-c", "postgres"]);
            assert.strictEqual(running.stdout.trim(), "0", "no PostgreSQL process runs before the secrets are there");
            const line = (await harness.bootLog(replica)).split("\n").find((candidate) => candidate.includes("the secret store does not answer"))!;
            assert.match(line, /retrying in 10 s, nothing starts until it does/);
        } finally {
            await harness.secretStore(true);
        }
        const status = await harness.cloudInitStatus(replica, FIRST_BOOT_SECONDS);
        assert.deepStrictEqual(status, { status: "done", errors: [] });
        await untilVerified(`after ${replica.name} got its secrets`, () => outputs, { timeoutMs: 300_000, intervalMs: 2000 });
    });

    it("a node host without its data volume never starts PostgreSQL on the root disk, and its log says why", async () => {
        const primary = await primaryHost();
        const replica = nodes().find((host) => host.name !== primary.name)!;
        await docker(["rm", "-f", harness.containerOf(replica)]);
        await harness.create(replica, { volume: false });
        await harness.startHost(replica);
        await waitUntil(`${replica.name} to wait for its data volume`, async () => (await harness.bootLog(replica)).includes("waiting up to"), { timeoutMs: FIRST_BOOT_SECONDS * 1000, intervalMs: 2000 });
        const unit = hostServiceUnit(shortName(replica));
        const start = await harness.exec(replica, ["systemctl", "start", unit]);
        assert.notStrictEqual(start.code, 0, "the unit refuses to start without the mount");
        const journal = (await harness.exec(replica, ["journalctl", "-u", unit, "--no-pager"])).stdout;
        assert.match(journal, /the data volume is not mounted at \/var\/lib\/postgresql\/data: \S+ does not start on the root disk/);
        assert.match(await harness.bootLog(replica), /waiting up to \d+ s for the data volume \/dev\/disk\/by-id\/nvme-Amazon_Elastic_Block_Store_vol0[0-9a-f]+ to be attached; PostgreSQL does not start without it/);
        assert.strictEqual((await harness.run(replica, ["find", "/", "-xdev", "-name", "PG_VERSION"])).trim(), "", "no cluster on the root disk");
        assert.strictEqual((await harness.exec(replica, ["pgrep", "-c", "postgres"])).stdout.trim(), "0");
    });
});
