import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { localDown, localUp } from "./lib/local/cluster";
import { integerOption, parseCommandLine, runMain } from "./lib/cli";
import { faultOption, formatDrillReport, runFailoverDrill } from "./lib/drill/failoverDrill";
import { median } from "./lib/stats";
import { progress } from "./lib/wait";
import { freePortBase } from "./lib/ports";

const USAGE = "npm run bench:failover -- [--drills 5] [--stall-ms N]";

/**
 * Failover drills one after another on one local cluster: each kills (or, with --stall-ms,
 * freezes) whichever node is primary then, rewinds it back in and verifies. Prints the median and
 * max RTO and largest write gap, and the writes lost in all.
 */
runMain(async () => {
    const args = parseCommandLine({ drills: { type: "string" }, "stall-ms": { type: "string" } }, USAGE);
    const drills = integerOption(args.drills, "drills", { min: 1, max: 100 }) ?? 5;
    const fault = faultOption(args["stall-ms"]);
    const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "pg-ha-bench-failover-"));
    try {
        await localUp({ stateDir, portBase: await freePortBase() });
        const rto: number[] = [];
        const gaps: number[] = [];
        const fenced: number[] = [];
        let ackedByStale = 0;
        const follow: number[] = [];
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
            lost += report.lost.length;
            acknowledged += report.acknowledged;
            progress(`drill ${drill}/${drills}: ${report.killed} -> ${report.newPrimary}, RTO ${report.rtoMs} ms, largest gap ${report.largestGapMs} ms, lost ${report.lost.length} of ${report.acknowledged}`);
        }
        const faultText = fault.kind === "kill" ? "SIGKILL of the primary's postmaster" : `the primary's whole process tree frozen (SIGSTOP) for ${fault.stallMs} ms`;
        process.stdout.write([
            `failover drills: ${drills} on one cluster, synchronous replication ANY 1, ${faultText}`,
            `RTO (fault to first write on the new primary)  median ${median(rto)} ms, max ${Math.max(...rto)} ms`,
            `largest gap between acknowledged writes       median ${median(gaps)} ms, max ${Math.max(...gaps)} ms`,
            `standbys following and attached               median ${median(follow)} ms after the fault`,
            ...(fenced.length > 0 ? [`thawed primary shut down as stale             median ${median(fenced)} ms after the thaw, ${ackedByStale} writes acknowledged by it after the thaw`] : []),
            `acknowledged writes lost                      ${lost} of ${acknowledged}`,
            "",
        ].join("\n"));
    } finally {
        await localDown(stateDir);
        fs.rmSync(stateDir, { recursive: true, force: true });
    }
});
