import * as os from "os";
import * as path from "path";
import { parseCommandLine, requireOption, runMain } from "./lib/cli";
import { formatRestoreDrill, runRestoreDrill } from "./lib/drill/restoreDrill";
import { checkRestoreFolder, openRunningClusterOfOutputs, restorePortOption } from "./lib/local/commandTarget";

const USAGE = "npm run drill:restore -- --outputs DIR/outputs.json [--port P] [--into DIR] [--keep]";

runMain(async () => {
    const args = parseCommandLine({ outputs: { type: "string" }, port: { type: "string" }, into: { type: "string" }, keep: { type: "boolean" } }, USAGE);
    const outputs = requireOption(args.outputs, "outputs", USAGE);
    const givenPort = await restorePortOption(args.port, "port");
    const into = checkRestoreFolder(args.into ?? path.join(os.tmpdir(), `pg-ha-restore-drill-${process.pid}`, "data"), "into");
    const cluster = openRunningClusterOfOutputs(outputs);
    const port = givenPort ?? (await restorePortOption(String(cluster.topology.pgpool.port + 70), "port"))!;
    const report = await runRestoreDrill(cluster, { into, port, keep: args.keep });
    process.stdout.write(`${formatRestoreDrill(report)}\n`);
    return report.passed ? 0 : 1;
});
