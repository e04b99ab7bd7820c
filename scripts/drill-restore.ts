import * as os from "os";
import * as path from "path";
import { integerOption, parseCommandLine, requireOption, runMain } from "./lib/cli";
import { formatRestoreDrill, runRestoreDrill } from "./lib/drill/restoreDrill";
import { openLocalClusterOfOutputs } from "./lib/local/cluster";

const USAGE = "npm run drill:restore -- --outputs DIR/outputs.json [--port P] [--into DIR] [--keep]";

runMain(async () => {
    const args = parseCommandLine({ outputs: { type: "string" }, port: { type: "string" }, into: { type: "string" }, keep: { type: "boolean" } }, USAGE);
    const cluster = openLocalClusterOfOutputs(requireOption(args.outputs, "outputs", USAGE));
    const port = integerOption(args.port, "port") ?? cluster.topology.pgpool.port + 70;
    const into = args.into ?? path.join(os.tmpdir(), `pg-ha-restore-drill-${process.pid}`, "data");
    const report = await runRestoreDrill(cluster, { into, port, keep: args.keep });
    process.stdout.write(`${formatRestoreDrill(report)}\n`);
    return report.passed ? 0 : 1;
});
