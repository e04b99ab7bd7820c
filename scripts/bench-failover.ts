import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { localDown, localUp } from "./lib/local/cluster";
import { integerOption, parseCommandLine, runMain } from "./lib/cli";
import { formatDrillReport, runFailoverDrill } from "./lib/drill/failoverDrill";
import { median } from "./lib/stats";
import { progress } from "./lib/wait";
import { freePortBase } from "./lib/ports";

const USAGE = "npm run bench:failover -- [--drills 5]";

/**
 * Failover drills one after another on one local cluster: each kills whichever node is primary
 * then, rewinds it back in and verifies. Prints median and max RTO and the writes lost in all.
 */
runMain(async () => {
    const args = parseCommandLine({ drills: { type: "string" } }, USAGE);
    const drills = integerOption(args.drills, "drills", { min: 1, max: 100 }) ?? 5;
    const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "pg-ha-bench-failover-"));
    try {
        await localUp({ stateDir, portBase: await freePortBase() });
        const rto: number[] = [];
        const follow: number[] = [];
        let lost = 0;
        let acknowledged = 0;
        for (let drill = 1; drill <= drills; drill++) {
            const report = await runFailoverDrill(path.join(stateDir, "outputs.json"));
            const failedChecks = (report.verify ?? []).filter((result) => !result.passed);
            if (failedChecks.length > 0) throw new Error(`drill ${drill}: verify failed after rejoin\n${formatDrillReport(report)}`);
            rto.push(report.rtoMs);
            follow.push(report.followMs);
            lost += report.lost.length;
            acknowledged += report.acknowledged;
            progress(`drill ${drill}/${drills}: ${report.killed} -> ${report.newPrimary}, RTO ${report.rtoMs} ms, lost ${report.lost.length} of ${report.acknowledged}`);
        }
        process.stdout.write([
            `failover drills: ${drills} on one cluster, synchronous replication ANY 1, SIGKILL of the primary's postmaster`,
            `RTO (kill to first write on the new primary)  median ${median(rto)} ms, max ${Math.max(...rto)} ms  (targets: median <= 1500, max <= 3000)`,
            `standbys following and attached               median ${median(follow)} ms after the kill`,
            `acknowledged writes lost                      ${lost} of ${acknowledged}`,
            "",
        ].join("\n"));
    } finally {
        await localDown(stateDir);
        fs.rmSync(stateDir, { recursive: true, force: true });
    }
});
