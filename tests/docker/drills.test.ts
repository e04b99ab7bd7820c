import * as assert from "assert";
import { StackOutputs } from "../../components/render";
import { DRILL_TABLE, missingWrites, NumberedWriter } from "../../scripts/lib/drill/writer";
import { parsePostgresUri, withClient } from "../../scripts/lib/pg";
import { verifyCluster } from "../../scripts/lib/verify/verify";
import { sleep, waitUntil } from "../../scripts/lib/wait";
import { containerLogs, withLogsOnFailure } from "./engine";
import { ApplyResult } from "./engineApply";
import { container, devStackOnEngine } from "./devStackOnEngine";

/**
 * Failover and growth of the dev stack in containers, on a stack of their own (the drills change
 * which node is primary and how many there are).
 */
describe("drills of the dev stack on a real Docker engine", function () {
    this.timeout(900_000);
    const stack = devStackOnEngine();
    const { docker } = stack;
    const outputs = () => stack.outputs();
    const apply = stack.apply;

    /** The node of the stack's outputs that answers as primary. */
    const primaryNode = async (names: readonly string[]): Promise<string> => {
        const ca = outputs().caCertificate;
        const uris = [outputs().primaryConnectionString, ...outputs().replicaConnectionStrings];
        for (const [i, uri] of uris.entries()) {
            const primary = await withClient(parsePostgresUri(uri), { caPem: ca, connectTimeoutMs: 1000 }, async (client) => (await client.query<{ primary: boolean }>("SELECT NOT pg_is_in_recovery() AS primary")).rows[0]!.primary).catch(() => false);
            if (primary) return names[i]!;
        }
        throw new Error("no node answers as primary");
    };

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
        const lost = await missingWrites(pgpool, { caPem: ca }, writer.acked);
        const rejoinStarted = Date.now();
        await withLogsOnFailure(docker, ["node0", "node1", "node2", "pgpool"].map(container), () => waitUntil("node0 back as a standby, attached, verify 7/7", async () => {
            mostPrimaries = Math.max(mostPrimaries, await primaries());
            const failed = (await verifyCluster(outputs(), { onResult: () => undefined })).filter((result) => !result.passed);
            return failed.length === 0 || failed.map((result) => `${result.id}. ${result.figure}`).join("; ");
        }, { timeoutMs: 180_000, intervalMs: 500, isPermanent: () => false }));
        const after = await node0.inspect();
        process.stderr.write(`docker failover: ${writer.acked.length} acknowledged writes, ${lost.length} lost; writes resumed on port ${resumed.serverPort} ${resumed.at - killedAt} ms after the kill; largest gap ${Math.max(...gaps)} ms; node0 restarted by Docker ${Date.parse(after.State.StartedAt) - killedAt} ms after the kill, ${Date.parse(after.State.StartedAt) < resumed.at ? "before" : "after"} the promotion ended (restarts ${before.RestartCount} -> ${after.RestartCount}) and verify 7/7 ${Date.now() - rejoinStarted} ms after writes resumed; most primaries at once ${mostPrimaries}\n`);
        const node0Log = (await containerLogs(docker, container("node0"), 200_000)).split("\n").filter((line) => line.includes("pg-ha start:"));
        assert.deepStrictEqual(lost, []);
        assert.ok(after.RestartCount > before.RestartCount, "Docker restarted the crashed container");

        assert.ok(node0Log.some((line) => line.includes("rewinding node0")) && !node0Log.some((line) => line.includes("cannot be rewound")), `node0 was rewound, not cloned afresh:\n${node0Log.join("\n")}`);
        assert.strictEqual(mostPrimaries, 1, "never two primaries");
        const node0InRecovery = await withClient(nodes[0]!, { caPem: ca }, async (client) => (await client.query<{ standby: boolean }>("SELECT pg_is_in_recovery() AS standby")).rows[0]!.standby);
        assert.strictEqual(node0InRecovery, true, "node0 came back as a standby");
    });

    it("fails a paused primary container over (docker pause: the freezer, as a VM pause), shuts it down when it thaws, and Docker brings it back as a standby", async () => {
        const ca = outputs().caCertificate;
        const pgpool = parsePostgresUri(outputs().pgpoolConnectionString);
        const names = ["node0", "node1", "node2"];
        const nodes = [outputs().primaryConnectionString, ...outputs().replicaConnectionStrings].map(parsePostgresUri);
        const frozenName = await primaryNode(names);
        const frozen = nodes[names.indexOf(frozenName)]!;
        const target = docker.getContainer(container(frozenName));
        const before = await target.inspect();
        const writer = new NumberedWriter(pgpool, ca);
        await writer.prepare();
        writer.start();
        await sleep(2000);
        const pausedAt = Date.now();
        await target.pause();
        let thawedAt: number;
        try {
            await waitUntil("writes to resume on another node", async () => writer.acked.some((write) => write.at > pausedAt && write.serverPort !== frozen.port) || "not yet", { timeoutMs: 20_000, intervalMs: 100 });
        } finally {
            await sleep(Math.max(0, pausedAt + 20_000 - Date.now()));
            await target.unpause();
            thawedAt = Date.now();
        }
        await sleep(2000);
        await writer.stop();
        const resumed = writer.acked.find((write) => write.at > pausedAt && write.serverPort !== frozen.port)!;
        const lost = await missingWrites(pgpool, { caPem: ca }, writer.acked);
        const ackedByStale = writer.acked.filter((write) => write.at >= thawedAt && write.serverPort === frozen.port).length;
        await withLogsOnFailure(docker, [...names, "pgpool"].map(container), () => waitUntil(`${frozenName} back as a standby, verify 7/7`, async () => {
            const failed = (await verifyCluster(outputs(), { onResult: () => undefined })).filter((result) => !result.passed);
            return failed.length === 0 || failed.map((result) => `${result.id}. ${result.figure}`).join("; ");
        }, { timeoutMs: 180_000, intervalMs: 1000, isPermanent: () => false }));
        const after = await target.inspect();
        const pgpoolLog = await containerLogs(docker, container("pgpool"), 500_000);
        process.stderr.write(`docker pause: ${frozenName} paused 20 s; writes resumed ${resumed.at - pausedAt} ms after the pause; ${writer.acked.length} acknowledged, ${lost.length} lost, ${ackedByStale} by ${frozenName} after its thaw; restarts ${before.RestartCount} -> ${after.RestartCount}; verify 7/7 ${Date.now() - thawedAt} ms after the thaw\n`);
        assert.ok(resumed.at - pausedAt < 10_000, `writes resumed ${resumed.at - pausedAt} ms after the pause`);
        assert.deepStrictEqual(lost, []);
        assert.strictEqual(ackedByStale, 0, "the thawed primary acknowledged writes");
        assert.match(pgpoolLog, new RegExp(`${frozenName} answers as primary on timeline \\d+, behind node\\d's \\d+: a stale former primary`));
        assert.ok(after.RestartCount > before.RestartCount, "Docker restarted the container after the stale primary was shut down");
        const inRecovery = await withClient(frozen, { caPem: ca }, async (client) => (await client.query<{ standby: boolean }>("SELECT pg_is_in_recovery() AS standby")).rows[0]!.standby);
        assert.strictEqual(inRecovery, true, `${frozenName} came back as a standby`);
    });

    it("converges whatever order its containers start in: pgpool 45 s before the nodes, the replicas 45 s after the rest, everything at once", async () => {
        const nodes = ["node0", "node1", "node2"];
        const front = ["pgpool", "exporter"];
        // Waves of containers started 45 s apart (as the EC2 boot findings had it), given which node is the primary.
        const orders: [string, (primary: string) => string[][]][] = [
            ["pgpool and the exporter 45 s before the nodes", () => [front, nodes]],
            ["the replicas 45 s after the rest", (primary) => [[primary, ...front], nodes.filter((node) => node !== primary)]],
            ["everything at once (an engine or a host restarting)", () => [[...nodes, ...front]]],
        ];
        const figures: string[] = [];
        for (const [order, wavesFor] of orders) {
            const waves = wavesFor(await primaryNode(nodes));
            await Promise.all([...nodes, ...front].map((service) => docker.getContainer(container(service)).stop({ t: 30 })));
            for (const [i, wave] of waves.entries()) {
                if (i > 0) await sleep(45_000);
                await Promise.all(wave.map((service) => docker.getContainer(container(service)).start()));
            }
            const took = await withLogsOnFailure(docker, [...nodes, "pgpool"].map(container), () => waitUntil(`verify 7/7 after starting ${order}`, async () => {
                const failed = (await verifyCluster(outputs(), { onResult: () => undefined })).filter((result) => !result.passed);
                return failed.length === 0 || failed.map((result) => `${result.id}. ${result.figure}`).join("; ");
            }, { timeoutMs: 120_000, intervalMs: 1000, isPermanent: () => false }));
            figures.push(`${order}: verify 7/7 ${(took / 1000).toFixed(1)} s after the last start`);
        }
        process.stderr.write(`boot orders:\n  ${figures.join("\n  ")}\n`);
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
        const lost = await missingWrites(pgpool, { caPem: ca }, writer.acked);
        const gaps = writer.acked.slice(1).map((write, i) => write.at - writer.acked[i]!.at);
        const node3 = parsePostgresUri(scaled.replicaConnectionStrings[2]!);
        const onNode3 = await withClient(node3, { caPem: ca }, async (client) => Number((await client.query<{ count: string }>(`SELECT count(*) FROM ${DRILL_TABLE}`)).rows[0]!.count));
        process.stderr.write(`replicas 2 -> 3: verify 7/7 ${took} ms after the apply; ${writer.acked.length} acknowledged writes, ${lost.length} lost, largest gap ${Math.max(...gaps)} ms; node3 holds ${onNode3} rows\n`);
        assert.deepStrictEqual(lost, []);
        assert.ok(onNode3 >= writer.acked.length, "node3 has every acknowledged row");
    });

});
