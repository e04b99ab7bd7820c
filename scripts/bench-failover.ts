import * as path from "path";
import { withThrowawayCluster } from "./lib/local/throwawayCluster";
import { integerOption, parseCommandLine, runMain } from "./lib/cli";
import { faultOption, formatDrillReport, runFailoverDrill } from "./lib/drill/failoverDrill";
import { median } from "./lib/stats";
import { progress } from "./lib/wait";

const USAGE = "npm run bench:failover -- [--drills 5] [--stall-ms N]";

/**
 * Failover drills one after another on one supervised local cluster: each kills (or, with
 * --stall-ms, freezes) whichever node is primary then, waits until it is back as a standby by
 * itself (its supervisor restarts it, its start script rewinds it) and verifies. Prints the median
 * and max RTO and largest write gap, the time until every node streams again, and the writes lost.
 */
runMain(async () => {
    const args = parseCommandLine({ drills: { type: "string" }, "stall-ms": { type: "string" } }, USAGE);
    const drills = integerOption(args.drills, "drills", { min: 1, max: 100 }) ?? 5;
    const fault = faultOption(args["stall-ms"]);
    await withThrowawayCluster("pg-ha-bench-failover-", async (stateDir) => {
        const rto: number[] = [];
        const gaps: number[] = [];
        const fenced: number[] = [];
        let ackedByStale = 0;
        const follow: number[] = [];
        const back: number[] = [];
        let lost = 0;
        let acknowledged = 0;
        for (let drill = 1; drill <= drills; drill++) {
            const report = await runFailoverDrill(path.join(stateDir, "outputs.json"), { fault, deadlineMs: fault.kind === "stall" ? fault.stallMs + 30_000 : undefined });
            const failedChecks = (report.verify ?? []).filter((result) => !result.passed);
            if (failedChecks.length > 0) throw new Error(`drill ${drill}: verify failed after rejoin\n${formatDrillReport(report)}`);
            rto.push(report.rtoMs);
            gaps.push(report.largestGapMs);
            if (report.staleFencedMs !== undefined) fenced.push(report.staleFencedMs);
            ackedByStale += report.ackedByStaleAfterThaw ?? 0;
            follow.push(report.followMs);
            back.push(report.backByItselfMs!);
            lost += report.lost.length;
            acknowledged += report.acknowledged;
            progress(`drill ${drill}/${drills}: ${report.killed} -> ${report.newPrimary}, RTO ${report.rtoMs} ms, largest gap ${report.largestGapMs} ms, back by itself after ${report.backByItselfMs} ms, lost ${report.lost.length} of ${report.acknowledged}`);
        }
        const faultText = fault.kind === "kill" ? "SIGKILL of the primary's postmaster" : `the primary's whole process tree frozen (SIGSTOP) for ${fault.stallMs} ms`;
        process.stdout.write([
            `failover drills: ${drills} on one cluster, synchronous replication ANY 1, ${faultText}`,
            `RTO (fault to first write on the new primary)  median ${median(rto)} ms, max ${Math.max(...rto)} ms`,
            `largest gap between acknowledged writes       median ${median(gaps)} ms, max ${Math.max(...gaps)} ms`,
            `standbys following and attached               median ${median(follow)} ms after the fault`,
            `failed primary back as a standby by itself    median ${median(back)} ms, max ${Math.max(...back)} ms after the fault (every node streaming, no human step)`,
            ...(fenced.length > 0 ? [`thawed primary shut down as stale             median ${median(fenced)} ms after the thaw, ${ackedByStale} writes acknowledged by it after the thaw`] : []),
            `acknowledged writes lost                      ${lost} of ${acknowledged}`,
            "",
        ].join("\n"));
    });
});
