import { withThrowawayCluster } from "./lib/local/throwawayCluster";
import { integerOption, parseCommandLine, runMain } from "./lib/cli";
import { parsePostgresUri } from "./lib/pg";
import { ClientAttempt, clientsAtOnce, openIdleSockets, percentile, timedClient } from "./lib/drill/clientFlood";
import { median } from "./lib/stats";
import { progress, sleep } from "./lib/wait";

const USAGE = "npm run bench:idle-clients -- [--runs 3] [--idle 100] [--clients 300]";

/**
 * Pgpool (behind its client gate) under clients that would hold its children: (1) `--idle` TCP
 * connections that never send a byte, then one real client's connect and first query; (2) `--clients` real clients at once,
 * their connect-and-query times and errors. Each run on the same local cluster, sockets closed in
 * between; prints medians over the runs.
 */
runMain(async () => {
    const args = parseCommandLine({ runs: { type: "string" }, idle: { type: "string" }, clients: { type: "string" } }, USAGE);
    const runs = integerOption(args.runs, "runs", { min: 1, max: 20 }) ?? 3;
    const idle = integerOption(args.idle, "idle", { min: 1, max: 2000 }) ?? 100;
    const clients = integerOption(args.clients, "clients", { min: 1, max: 2000 }) ?? 300;
    await withThrowawayCluster("pg-ha-bench-idle-", async (_stateDir, outputs) => {
        const target = parsePostgresUri(outputs.pgpoolConnectionString);
        const caPem = outputs.caCertificate;
        const behindIdle: ClientAttempt[] = [];
        const p90s: number[] = [];
        const medians: number[] = [];
        const failed: number[] = [];
        const errors = new Map<string, number>();
        for (let run = 1; run <= runs; run++) {
            const sockets = await openIdleSockets(target.host, target.port, idle);
            await sleep(500);
            const real = await timedClient(target, caPem, 60_000);
            behindIdle.push(real);
            for (const socket of sockets) socket.destroy();
            progress(`run ${run}/${runs}: with ${idle} idle sockets open, a client ${real.error === undefined ? "connected and queried" : `failed (${real.error})`} in ${real.ms} ms`);
            await sleep(2000);
            const attempts = await clientsAtOnce(target, caPem, clients, 60_000);
            const ok = attempts.filter((entry) => entry.error === undefined).map((entry) => entry.ms);
            for (const entry of attempts) if (entry.error !== undefined) errors.set(entry.error, (errors.get(entry.error) ?? 0) + 1);
            failed.push(attempts.length - ok.length);
            const all = attempts.map((entry) => entry.ms);
            p90s.push(percentile(all, 0.9));
            medians.push(median(all));
            progress(`run ${run}/${runs}: ${clients} clients at once: median ${median(all)} ms, p90 ${percentile(all, 0.9)} ms, ${attempts.length - ok.length} failed`);
            await sleep(2000);
        }
        process.stdout.write([
            `pgpool under held children: ${runs} runs on one local cluster`,
            `a client behind ${idle} idle sockets         median ${median(behindIdle.map((entry) => entry.ms))} ms, max ${Math.max(...behindIdle.map((entry) => entry.ms))} ms, ${behindIdle.filter((entry) => entry.error !== undefined).length} failed  (goal: under 2000 ms)`,
            `${clients} clients at once, connect + SELECT 1   median of medians ${median(medians)} ms, median p90 ${median(p90s)} ms, failed per run ${failed.join(", ")}  (goal: p90 under 5000 ms, or a clear refusal at once)`,
            ...[...errors.entries()].map(([message, count]) => `  error x${count}: ${message}`),
            "",
        ].join("\n"));
    });
});
