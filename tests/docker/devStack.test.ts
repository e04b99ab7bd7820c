import * as assert from "assert";
import * as net from "net";
import * as path from "path";
import Docker from "dockerode";
import { parseClusterConfig } from "../../config";
import { loadStackFile } from "../../config/stackFile";
import { dockerPreflight } from "../../scripts/lib/docker/preflight";
import { parsePostgresUri, withClient } from "../../scripts/lib/pg";
import { formatTable, verifyCluster } from "../../scripts/lib/verify/verify";
import { untilVerified } from "../untilVerified";
import { containerLogs, withLogsOnFailure } from "./engine";
import { container, devStackOnEngine } from "./devStackOnEngine";

/** Lines that a healthy start must not print: errors, panics, failed authentication. */
const NOISE = /\bERROR\b|\bFATAL\b|\bPANIC\b|level=error|authentication failed/;

describe("the dev stack on a real Docker engine", function () {
    this.timeout(900_000);
    const stack = devStackOnEngine();
    const { docker } = stack;
    const outputs = () => stack.outputs();
    const apply = stack.apply;

    it("creates every container from nothing, healthy, with no error in any log", async () => {
        for (const service of ["node0", "node1", "node2", "pgpool", "exporter"]) {
            const state = (await docker.getContainer(container(service)).inspect()).State;
            assert.strictEqual(state.Health?.Status, "healthy", `${service}: ${state.Status}`);
            const noise = (await containerLogs(docker, container(service), 500)).split("\n").filter((line) => NOISE.test(line));
            assert.deepStrictEqual(noise, [], `${service} logged errors on a healthy start`);
        }
    });

    it("passes all eight verify checks from the stack outputs, on the published host ports", async () => {
        const results = await verifyCluster(outputs(), { onResult: () => undefined });
        process.stderr.write(`${formatTable(results)}\n`);
        assert.strictEqual(results.length, 8);
        for (const result of results) assert.ok(result.passed, `${result.id}. ${result.name}: ${result.figure}`);
    });

    it("is deterministic: a second apply with the same secrets replaces nothing, its inputs byte for byte the same", async () => {
        const again = await apply();
        assert.deepStrictEqual(again.actions, []);
        for (const [name, entry] of Object.entries(stack.first().containers)) {
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
        const took = await withLogsOnFailure(docker, ["node0", "node1", "pgpool"].map(container), () => untilVerified("with node1 back", outputs));
        process.stderr.write(`node1 replaced: attached again and verify 8/8 ${took} ms after the apply\n`);
    });

    describe("refuses bad input before anything is created", () => {
        const noneCreated = async () => assert.deepStrictEqual((await docker.listVolumes({ filters: { name: ["pg-ha-other-"] } })).Volumes ?? [], []);

        it("no engine answering: names the fix", async () => {
            const dead = new Docker({ socketPath: path.join(stack.work(), "no-engine.sock") });
            await assert.rejects(dockerPreflight(loadStackFile("dev"), "other", dead), /^Error: no Docker engine answers at .*: start the Docker engine/);
        });

        it("a host port already taken by another program: names the port and the fix", async () => {
            const server = net.createServer();
            await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
            const port = (server.address() as net.AddressInfo).port;
            try {
                // Every published port away from the dev stack's, which runs meanwhile.
                const config = parseClusterConfig({ ports: { pgpool: port, primary: port + 2, metrics: port + 5, pcp: port + 6, prometheus: port + 7, alertmanager: port + 8, poolMetrics: port + 9, nodeMetrics: port + 10 } });
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
