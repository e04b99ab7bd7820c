import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { localDown, localUp } from "./lib/local/cluster";
import { integerOption, parseCommandLine, runMain } from "./lib/cli";
import { median } from "./lib/stats";
import { verifyCluster } from "./lib/verify/verify";
import { progress } from "./lib/wait";
import { freePortBase } from "./lib/ports";

const USAGE = "npm run bench:startup -- [--runs 5]";

/** Time from nothing (empty state dir) to a passing verify, over several full runs. */
runMain(async () => {
    const args = parseCommandLine({ runs: { type: "string" } }, USAGE);
    const runs = integerOption(args.runs, "runs", { min: 1, max: 100 }) ?? 5;
    const upTimes: number[] = [];
    const totalTimes: number[] = [];
    const checkTimes = new Map<string, number[]>();
    for (let run = 1; run <= runs; run++) {
        const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "pg-ha-bench-"));
        try {
            const portBase = await freePortBase();
            const started = Date.now();
            const outputs = await localUp({ stateDir, portBase });
            const up = Date.now() - started;
            const results = await verifyCluster(outputs, { onResult: () => undefined });
            const total = Date.now() - started;
            const failed = results.filter((result) => !result.passed);
            if (failed.length > 0) throw new Error(`run ${run}: verify failed: ${failed.map((result) => `${result.id}. ${result.figure}`).join("; ")}`);
            for (const result of results) checkTimes.set(`${result.id}. ${result.name}`, [...(checkTimes.get(`${result.id}. ${result.name}`) ?? []), result.durationMs]);
            upTimes.push(up);
            totalTimes.push(total);
            progress(`run ${run}/${runs}: healthy after ${(up / 1000).toFixed(2)} s, verify passed after ${(total / 1000).toFixed(2)} s`);
        } finally {
            await localDown(stateDir);
            fs.rmSync(stateDir, { recursive: true, force: true });
        }
    }
    const line = (label: string, values: number[]) => `${label.padEnd(30)} median ${(median(values) / 1000).toFixed(2)} s  (min ${(Math.min(...values) / 1000).toFixed(2)}, max ${(Math.max(...values) / 1000).toFixed(2)}, ${values.length} runs)`;
    process.stdout.write(`${line("nothing -> cluster healthy", upTimes)}\n${line("nothing -> verify passes", totalTimes)}\n`);
    for (const [check, times] of checkTimes) process.stdout.write(`  verify ${check.padEnd(48)} median ${median(times)} ms\n`);
    process.stdout.write(`goal 10 s: ${median(totalTimes) <= 10_000 ? "met" : "missed"}; the seed's advice was to sleep 60 s\n`);
});
