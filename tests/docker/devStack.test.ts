import * as assert from "assert";
import { spawn } from "child_process";
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import Docker from "dockerode";
import { parseClusterConfig } from "../../config";
import { loadStackFile } from "../../config/stackFile";
import { StackOutputs } from "../../components/render";
import { dockerPreflight } from "../../scripts/lib/docker/preflight";
import { parsePostgresUri, withClient } from "../../scripts/lib/pg";
import { formatTable, verifyCluster } from "../../scripts/lib/verify/verify";
import { sleep, waitUntil } from "../../scripts/lib/wait";
import { DRILL_TABLE, NumberedWriter } from "../../scripts/lib/drill/writer";
import { containerLogs, engine, removeLabelled, TEST_LABEL } from "./engine";
import { ApplyResult } from "./engineApply";

/** Lines that a healthy start must not print: errors, panics, failed authentication. */
const NOISE = /\bERROR\b|\bFATAL\b|\bPANIC\b|level=error|authentication failed/;

describe("the dev stack on a real Docker engine", function () {
    this.timeout(900_000);
    const docker = engine();
    const label = `run-${process.pid}-${randomBytes(3).toString("hex")}`;
    let work: string;
    let first: ApplyResult;
    let firstMs: number;

    /** One `pulumi up` of the dev stack on the engine, in a process of its own (the program runs once per process). */
    const apply = (config: Record<string, unknown> = {}): Promise<ApplyResult & { ms: number }> => new Promise((resolve, reject) => {
        const request = path.join(work, "request.json");
        const result = path.join(work, "result.json");
        fs.writeFileSync(request, JSON.stringify({ stack: "dev", config, stateFile: path.join(work, "state.json"), label }));
        const started = Date.now();
        const child = spawn(process.execPath, [path.join(__dirname, "applyProcess.js"), request, result], { stdio: ["ignore", "inherit", "inherit"] });
        child.on("close", (code) => {
            const answer = JSON.parse(fs.readFileSync(result, "utf8")) as { ok: boolean; error?: string } & ApplyResult;
            if (code !== 0 || !answer.ok) reject(new Error(`apply failed: ${answer.error ?? `exit ${code}`}`));
            else resolve({ ...answer, ms: Date.now() - started });
        });
    });
    const container = (service: string) => `pg-ha-dev-${service}`;
    const outputs = () => first.outputs as unknown as StackOutputs;

    before(async () => {
        work = fs.mkdtempSync(path.join(os.tmpdir(), "pg-ha-docker-"));
        await dockerPreflight(loadStackFile("dev"), "dev", docker);
        const result = await apply();
        first = result;
        firstMs = result.ms;
        process.stderr.write(`apply from nothing: ${(firstMs / 1000).toFixed(1)} s\n  ${result.actions.join("\n  ")}\n`);
    });

    after(async () => {
        const removed = await removeLabelled(docker, label);
        process.stderr.write(`removed ${removed.length} objects of this run: ${removed.join(", ")}\n`);
        const left = await docker.listContainers({ all: true, filters: { label: [`${TEST_LABEL}=${label}`] } });
        if (work !== undefined) fs.rmSync(work, { recursive: true, force: true });
        assert.deepStrictEqual(left, [], "nothing of this run is left on the engine");
    });

    it("creates every container from nothing, healthy, with no error in any log", async () => {
        for (const service of ["node0", "node1", "node2", "pgpool", "exporter"]) {
            const state = (await docker.getContainer(container(service)).inspect()).State;
            assert.strictEqual(state.Health?.Status, "healthy", `${service}: ${state.Status}`);
            const noise = (await containerLogs(docker, container(service), 500)).split("\n").filter((line) => NOISE.test(line));
            assert.deepStrictEqual(noise, [], `${service} logged errors on a healthy start`);
        }
    });

    it("passes all seven verify checks from the stack outputs, on the published host ports", async () => {
        const results = await verifyCluster(outputs(), { onResult: () => undefined });
        process.stderr.write(`${formatTable(results)}\n`);
        assert.strictEqual(results.length, 7);
        for (const result of results) assert.ok(result.passed, `${result.id}. ${result.name}: ${result.figure}`);
    });

    it("is deterministic: a second apply with the same secrets replaces nothing, its inputs byte for byte the same", async () => {
        const again = await apply();
        assert.deepStrictEqual(again.actions, []);
        for (const [name, entry] of Object.entries(first.containers)) {
            assert.strictEqual(again.containers[name]?.id, entry.id, `${name} kept`);
            assert.strictEqual(again.containers[name]?.digest, entry.digest, `${name}: same inputs`);
        }
    });

    it("keeps pgpool quiet under its health checks: a minute of them logs no error and drops no pooled connection", async () => {
        const pgpool = docker.getContainer(container("pgpool"));
        const before = (await containerLogs(docker, container("pgpool"), 10_000)).split("\n").length;
        const pid = (await pgpool.inspect()).State.Pid;
        await new Promise((resolve) => setTimeout(resolve, 60_000));
        const state = (await pgpool.inspect()).State;
        assert.strictEqual(state.Pid, pid, "pgpool was not restarted");
        const log = state.Health?.Log ?? [];
        assert.ok(log.length >= 5 && log.every((check) => check.ExitCode === 0), `health checks ran and passed: ${JSON.stringify(log.map((check) => check.ExitCode))}`);
        const lines = (await containerLogs(docker, container("pgpool"), 10_000)).split("\n");
        assert.deepStrictEqual(lines.slice(before - 1).filter((line) => NOISE.test(line) || /WARNING/.test(line)), []);
    });

    it("keeps a replaced container's data: node1 removed and applied again comes back on its volume and streams", async () => {
        const pgpool = parsePostgresUri(outputs().pgpoolConnectionString);
        const ca = outputs().caCertificate;
        await withClient(pgpool, { caPem: ca }, async (client) => {
            await client.query("CREATE TABLE IF NOT EXISTS docker_marker (id int PRIMARY KEY)");
            await client.query("INSERT INTO docker_marker SELECT generate_series(1, 500) ON CONFLICT DO NOTHING");
        });
        const volumes = (await docker.listVolumes()).Volumes!.map((volume) => volume.Name).sort();
        await docker.getContainer(container("node1")).remove({ force: true });
        const again = await apply();
        assert.deepStrictEqual(again.actions, ["created container pg-ha-dev-node1"]);
        assert.deepStrictEqual((await docker.listVolumes()).Volumes!.map((volume) => volume.Name).sort(), volumes, "no volume made or lost");
        const replica = parsePostgresUri(outputs().replicaConnectionStrings[0]!);
        const count = await withClient(replica, { caPem: ca }, async (client) => Number((await client.query<{ count: string }>("SELECT count(*) FROM docker_marker")).rows[0]!.count));
        assert.strictEqual(count, 500);
        // pgpool detached node1 while it was gone and attaches it again once it streams.
        const took = await waitUntil("verify to pass with node1 back", async () => {
            const failed = (await verifyCluster(outputs(), { onResult: () => undefined })).filter((result) => !result.passed);
            return failed.length === 0 || failed.map((result) => `${result.id}. ${result.figure}`).join("; ");
        }, { timeoutMs: 60_000, intervalMs: 1000 });
        process.stderr.write(`node1 replaced: attached again and verify 7/7 ${took} ms after the apply\n`);
    });

    it("fails over in containers: the primary's server killed under a writer loses no acknowledged write, and Docker's restart brings it back as a standby by itself", async () => {
        const ca = outputs().caCertificate;
        const pgpool = parsePostgresUri(outputs().pgpoolConnectionString);
        const nodes = [outputs().primaryConnectionString, ...outputs().replicaConnectionStrings].map(parsePostgresUri);
        const primaries = async () => (await Promise.all(nodes.map((node) => withClient(node, { caPem: ca, connectTimeoutMs: 500 }, async (client) =>
            (await client.query<{ primary: boolean }>("SELECT NOT pg_is_in_recovery() AS primary")).rows[0]!.primary).catch(() => false)))).filter(Boolean).length;
        const writer = new NumberedWriter(pgpool, ca);
        await writer.prepare();
        writer.start();
        await sleep(3000);
        const node0 = docker.getContainer(container("node0"));
        const before = await node0.inspect();
        // docker kill is a manual stop (no restart); a crash is the server's own process dying.
        const killedAt = Date.now();
        process.kill(before.State.Pid, "SIGKILL");
        let mostPrimaries = 0;
        await waitUntil("writes to resume on another node", async () => {
            mostPrimaries = Math.max(mostPrimaries, await primaries());
            const last = writer.acked[writer.acked.length - 1];
            return (last !== undefined && last.at > killedAt && last.serverPort !== nodes[0]!.port) || "not yet";
        }, { timeoutMs: 60_000, intervalMs: 100 });
        await sleep(2000);
        await writer.stop();
        const resumed = writer.acked.find((write) => write.at > killedAt && write.serverPort !== nodes[0]!.port)!;
        const gaps = writer.acked.slice(1).map((write, i) => write.at - writer.acked[i]!.at);
        const present = await withClient(pgpool, { caPem: ca }, async (client) => new Set((await client.query<{ id: string }>(`SELECT id FROM ${DRILL_TABLE}`)).rows.map((row) => Number(row.id))));
        const lost = writer.acked.filter((write) => !present.has(write.id)).map((write) => write.id);
        const rejoinStarted = Date.now();
        await waitUntil("node0 back as a standby, attached, verify 7/7", async () => {
            mostPrimaries = Math.max(mostPrimaries, await primaries());
            const failed = (await verifyCluster(outputs(), { onResult: () => undefined })).filter((result) => !result.passed);
            return failed.length === 0 || failed.map((result) => `${result.id}. ${result.figure}`).join("; ");
        }, { timeoutMs: 180_000, intervalMs: 500, isPermanent: () => false }).catch(async (error: Error) => {
            for (const service of ["node0", "node1", "node2", "pgpool"]) process.stderr.write(`--- ${service}\n${await containerLogs(docker, container(service), 40)}\n`);
            throw error;
        });
        const after = await node0.inspect();
        process.stderr.write(`docker failover: ${writer.acked.length} acknowledged writes, ${lost.length} lost; writes resumed on port ${resumed.serverPort} ${resumed.at - killedAt} ms after the kill; largest gap ${Math.max(...gaps)} ms; node0 restarted by Docker (restarts ${before.RestartCount} -> ${after.RestartCount}) and verify 7/7 ${Date.now() - rejoinStarted} ms after writes resumed; most primaries at once ${mostPrimaries}\n`);
        assert.deepStrictEqual(lost, []);
        assert.ok(after.RestartCount > before.RestartCount, "Docker restarted the crashed container");
        assert.strictEqual(mostPrimaries, 1, "never two primaries");
        const node0InRecovery = await withClient(nodes[0]!, { caPem: ca }, async (client) => (await client.query<{ standby: boolean }>("SELECT pg_is_in_recovery() AS standby")).rows[0]!.standby);
        assert.strictEqual(node0InRecovery, true, "node0 came back as a standby");
    });

    it("grows from 2 to 3 replicas with one config key, under a writer: the new container clones and streams, pgpool routes to it, nothing is lost", async () => {
        const ca = outputs().caCertificate;
        const pgpool = parsePostgresUri(outputs().pgpoolConnectionString);
        const writer = new NumberedWriter(pgpool, ca);
        await writer.prepare();
        writer.start();
        await sleep(2000);
        let grown: ApplyResult & { ms: number };
        try {
            grown = await apply({ "pg-ha:replicas": 3 });
            await sleep(3000);
        } finally {
            await writer.stop();
        }
        process.stderr.write(`replicas 2 -> 3: apply ${(grown.ms / 1000).toFixed(1)} s\n  ${grown.actions.join("\n  ")}\n`);
        const scaled = grown.outputs as unknown as StackOutputs;
        assert.strictEqual(scaled.replicaConnectionStrings.length, 3);
        assert.ok(grown.actions.includes("created volume pg-ha-dev-node3-data") && grown.actions.includes("created container pg-ha-dev-node3"), grown.actions.join("; "));
        const took = await waitUntil("verify to pass with three replicas", async () => {
            const failed = (await verifyCluster(scaled, { onResult: () => undefined })).filter((result) => !result.passed);
            return failed.length === 0 || failed.map((result) => `${result.id}. ${result.figure}`).join("; ");
        }, { timeoutMs: 120_000, intervalMs: 1000, isPermanent: () => false });
        const present = await withClient(pgpool, { caPem: ca }, async (client) => new Set((await client.query<{ id: string }>(`SELECT id FROM ${DRILL_TABLE}`)).rows.map((row) => Number(row.id))));
        const lost = writer.acked.filter((write) => !present.has(write.id)).map((write) => write.id);
        const gaps = writer.acked.slice(1).map((write, i) => write.at - writer.acked[i]!.at);
        const node3 = parsePostgresUri(scaled.replicaConnectionStrings[2]!);
        const onNode3 = await withClient(node3, { caPem: ca }, async (client) => Number((await client.query<{ count: string }>(`SELECT count(*) FROM ${DRILL_TABLE}`)).rows[0]!.count));
        process.stderr.write(`replicas 2 -> 3: verify 7/7 ${took} ms after the apply; ${writer.acked.length} acknowledged writes, ${lost.length} lost, largest gap ${Math.max(...gaps)} ms; node3 holds ${onNode3} rows\n`);
        assert.deepStrictEqual(lost, []);
        assert.ok(onNode3 >= writer.acked.length, "node3 has every acknowledged row");
    });

    describe("refuses bad input before anything is created", () => {
        const noneCreated = async () => assert.deepStrictEqual((await docker.listVolumes({ filters: { name: ["pg-ha-other-"] } })).Volumes ?? [], []);

        it("no engine answering: names the fix", async () => {
            const dead = new Docker({ socketPath: path.join(work, "no-engine.sock") });
            await assert.rejects(dockerPreflight(loadStackFile("dev"), "other", dead), /^Error: no Docker engine answers at .*: start the Docker engine/);
        });

        it("a host port already taken by another program: names the port and the fix", async () => {
            const server = net.createServer();
            await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
            const port = (server.address() as net.AddressInfo).port;
            try {
                const config = parseClusterConfig({ ports: { pgpool: port, primary: port + 2, metrics: port + 5, pcp: port + 6 } });
                await assert.rejects(dockerPreflight(config, "other", docker), new RegExp(`port ${port} \\(pgpool, published by the dev stack\\) is already in use on 127\\.0\\.0\\.1; free it`));
            } finally {
                server.close();
            }
            await noneCreated();
        });

        it("a missing base image: names how to get it", async () => {
            await assert.rejects(dockerPreflight(parseClusterConfig({ docker: { baseImage: "debian:bookworm-not-here" } }), "other", docker),
                /the base image debian:bookworm-not-here \(pg-ha:docker.baseImage\) is not on the Docker engine: pull it .* make it with scripts\/docker-base-image.sh/);
            await noneCreated();
        });
    });
});
