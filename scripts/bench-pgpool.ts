import * as fs from "fs";
import * as path from "path";
import { loadStackFile } from "../config/stackFile";
import { withThrowawayCluster } from "./lib/local/throwawayCluster";
import { integerOption, parseCommandLine, runMain } from "./lib/cli";
import { parsePostgresUri } from "./lib/pg";
import { PGBENCH, runPgbench } from "./lib/pgbench";
import { median } from "./lib/stats";
import { progress } from "./lib/wait";

const USAGE = "npm run bench:pgpool -- [--runs 3] [--seconds 10] [--clients 8] [--scale 10]";

interface Mode {
    readonly name: string;
    readonly args: readonly string[];
    readonly goal: number;
}

/**
 * pgbench select-only through pgpool against the same run straight to the primary, then the same
 * with a new connection per transaction (-C); runs alternate so drift hits both sides alike.
 */
runMain(async () => {
    const args = parseCommandLine({ runs: { type: "string" }, seconds: { type: "string" }, clients: { type: "string" }, scale: { type: "string" } }, USAGE);
    const runs = integerOption(args.runs, "runs", { min: 1, max: 100 }) ?? 3;
    const seconds = integerOption(args.seconds, "seconds", { min: 1, max: 3600 }) ?? 10;
    const clients = integerOption(args.clients, "clients", { min: 1, max: 1000 }) ?? 8;
    const scale = integerOption(args.scale, "scale", { min: 1, max: 10_000 }) ?? 10;
    const pgbench = PGBENCH(loadStackFile("dev").postgresVersion);
    await withThrowawayCluster("pg-ha-bench-", async (stateDir, outputs) => {
        const caFile = path.join(stateDir, "bench-ca.crt");
        fs.writeFileSync(caFile, outputs.caCertificate);
        const direct = parsePostgresUri(outputs.primaryConnectionString);
        const pooled = parsePostgresUri(outputs.pgpoolConnectionString);
        progress(`initialising pgbench tables at scale ${scale}`);
        await runPgbench(pgbench, direct, caFile, ["-i", "-s", String(scale), "-q"]).catch((error: Error) => {
            if (!/tps/.test(error.message)) throw error; // -i reports no tps: a clean exit is enough
        });
        const modes: Mode[] = [
            { name: "select-only", args: ["-n", "-S", "-T", String(seconds), "-c", String(clients), "-j", "2"], goal: 0.5 },
            { name: "select-only, reconnect each transaction (-C)", args: ["-n", "-S", "-C", "-T", String(seconds), "-c", String(clients), "-j", "2"], goal: 1.0 },
        ];
        const lines: string[] = [];
        for (const mode of modes) {
            // A warm-up through pgpool, so that every child has its backend connections cached.
            await runPgbench(pgbench, pooled, caFile, [...mode.args.map((arg) => (arg === String(seconds) ? "3" : arg))]);
            const tps = { direct: [] as number[], pgpool: [] as number[] };
            for (let run = 1; run <= runs; run++) {
                for (const [target, parts] of [["direct", direct], ["pgpool", pooled]] as const) {
                    const result = await runPgbench(pgbench, parts, caFile, mode.args);
                    tps[target].push(result.tps);
                    progress(`${mode.name} run ${run}/${runs} ${target}: ${result.tps.toFixed(0)} tps`);
                }
            }
            const ratio = median(tps.pgpool) / median(tps.direct);
            lines.push(`${mode.name.padEnd(46)} direct median ${median(tps.direct).toFixed(0).padStart(6)} tps, pgpool median ${median(tps.pgpool).toFixed(0).padStart(6)} tps, ratio ${ratio.toFixed(2)} (goal ${mode.goal.toFixed(1)}: ${ratio >= mode.goal ? "met" : "missed"})`);
        }
        process.stdout.write(`pgbench: ${clients} clients, 2 threads, ${seconds} s per run, ${runs} alternating runs per side, scale ${scale}, TLS verify-full everywhere\n${lines.join("\n")}\n`);
    });
});
