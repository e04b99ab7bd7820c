import { switchoverUnderWriter } from "./lib/drill/switchoverDrill";
import { integerOption, parseCommandLine, runMain } from "./lib/cli";
import { openLocalCluster } from "./lib/local/cluster";
import { withThrowawayCluster } from "./lib/local/throwawayCluster";
import { currentPrimary } from "./lib/local/pgpoolControl";
import { median } from "./lib/stats";
import { progress } from "./lib/wait";

const USAGE = "npm run bench:switchover -- [--runs 5]";

/**
 * Planned switchovers one after another on one local cluster, each under a writer that inserts
 * numbered rows through pgpool: each moves the primary to the next node, and the bench measures
 * the largest gap between two acknowledged writes across it (writes paused) and the acknowledged
 * writes missing afterwards. Prints the median and max pause and the writes lost.
 */
runMain(async () => {
    const args = parseCommandLine({ runs: { type: "string" } }, USAGE);
    const runs = integerOption(args.runs, "runs", { min: 1, max: 50 }) ?? 5;
    await withThrowawayCluster("pg-ha-bench-switchover-", async (stateDir) => {
        const cluster = openLocalCluster(stateDir);
        const pauses: number[] = [];
        const outages: number[] = [];
        let lost = 0;
        let acknowledged = 0;
        for (let run = 1; run <= runs; run++) {
            const primary = await currentPrimary(cluster);
            const target = cluster.topology.nodes[(primary.index + 1) % cluster.topology.nodes.length]!;
            const { result, largestGapMs, lost: missing, acknowledged: acked } = await switchoverUnderWriter(stateDir, target.name, { ackDeadlineMs: 60_000, afterMs: 1000 });
            pauses.push(largestGapMs);
            outages.push(result.writeOutageMs);
            lost += missing.length;
            acknowledged += acked;
            progress(`switchover ${run}/${runs}: ${result.from} -> ${result.to}, writes paused ${largestGapMs} ms (primary stopped to pgpool routing to ${result.to}: ${result.writeOutageMs} ms), lost ${missing.length} of ${acked}`);
        }
        process.stdout.write([
            `switchovers: ${runs} on one cluster, under a writer through pgpool, synchronous replication ANY 1`,
            `writes paused (largest gap between acknowledged writes)  median ${median(pauses)} ms, max ${Math.max(...pauses)} ms  (goal: median 1500 ms or less)`,
            `primary stopped to pgpool routing writes to the target    median ${median(outages)} ms`,
            `acknowledged writes lost                                  ${lost} of ${acknowledged}`,
            "",
        ].join("\n"));
    });
});
