import { parseCommandLine, runMain, stackOption } from "./lib/cli";
import { faultOption, formatDrillReport, runFailoverDrill } from "./lib/drill/failoverDrill";
import { runStackFailoverDrill } from "./lib/drill/stackFailoverDrill";
import { openRunningClusterOfOutputs } from "./lib/local/commandTarget";
import { nodeSeatsOf } from "./lib/operations/nodeSeats";
import { operationTarget } from "./lib/operations/operationTarget";
import { readOutputsFile, readPulumiOutputs } from "./lib/verify/outputsSource";

const USAGE = "npm run drill:failover -- (--outputs FILE | --stack NAME) [--stall-ms N] [--no-rejoin] [--json]";

runMain(async () => {
    const args = parseCommandLine({ outputs: { type: "string" }, stack: { type: "string" }, "stall-ms": { type: "string" }, "no-rejoin": { type: "boolean" }, json: { type: "boolean" } }, USAGE);
    const fault = faultOption(args["stall-ms"]);
    const target = operationTarget(args, USAGE, stackOption);
    let report;
    if (target.kind === "stack") {
        if (fault.kind === "stall" || args["no-rejoin"]) throw new Error("--stall-ms and --no-rejoin drive the local run only: on a stack the drill kills the primary's postmaster and waits until it is back as a standby");
        const outputs = args.outputs === undefined ? readPulumiOutputs(stackOption(args.stack)) : readOutputsFile(args.outputs);
        report = await runStackFailoverDrill(outputs, nodeSeatsOf(target.reach));
    } else {
        openRunningClusterOfOutputs(target.outputsFile);
        report = await runFailoverDrill(target.outputsFile, { rejoin: !args["no-rejoin"], fault, deadlineMs: fault.kind === "stall" ? fault.stallMs + 30_000 : undefined });
    }
    process.stdout.write(args.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatDrillReport(report)}\n`);
    const verified = report.verify === undefined || report.verify.every((result) => result.passed);
    return report.lost.length === 0 && verified && (report.ackedByStaleAfterThaw ?? 0) === 0 ? 0 : 1;
});
