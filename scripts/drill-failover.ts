import { parseCommandLine, requireOption, runMain } from "./lib/cli";
import { faultOption, formatDrillReport, runFailoverDrill } from "./lib/drill/failoverDrill";
import { openRunningClusterOfOutputs } from "./lib/local/commandTarget";

const USAGE = "npm run drill:failover -- --outputs DIR/outputs.json [--stall-ms N] [--no-rejoin] [--json]";

runMain(async () => {
    const args = parseCommandLine({ outputs: { type: "string" }, "stall-ms": { type: "string" }, "no-rejoin": { type: "boolean" }, json: { type: "boolean" } }, USAGE);
    const outputs = requireOption(args.outputs, "outputs", USAGE);
    const fault = faultOption(args["stall-ms"]);
    openRunningClusterOfOutputs(outputs);
    const report = await runFailoverDrill(outputs, { rejoin: !args["no-rejoin"], fault, deadlineMs: fault.kind === "stall" ? fault.stallMs + 30_000 : undefined });
    process.stdout.write(args.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatDrillReport(report)}\n`);
    const verified = report.verify === undefined || report.verify.every((result) => result.passed);
    return report.lost.length === 0 && verified && (report.ackedByStaleAfterThaw ?? 0) === 0 ? 0 : 1;
});
