import * as os from "os";
import * as path from "path";
import { parseCommandLine, portOption, runMain, stackOption } from "./lib/cli";
import { formatRestoreDrill, restoreDrillThrough } from "./lib/drill/restoreDrill";
import { prepareCopyFolders } from "./lib/local/backup";
import { checkRestoreFolder, openRunningClusterOfOutputs, restorePortOption } from "./lib/local/commandTarget";
import { localNodeSeats } from "./lib/local/localSeats";
import { nodeSeatsOf } from "./lib/operations/nodeSeats";
import { operationTarget } from "./lib/operations/operationTarget";

const USAGE = "npm run drill:restore -- (--outputs FILE | --stack NAME) [--port P] [--into DIR] [--keep]";
/** Where the copy goes on a stack's primary host by default: beside the node's data directory, on its volume. */
const STACK_COPY_DIR = "/var/lib/postgresql/data";
/** The copy's port on a stack's primary host by default: PostgreSQL's own plus 100. */
const STACK_COPY_PORT = 5532;

runMain(async () => {
    const args = parseCommandLine({ outputs: { type: "string" }, stack: { type: "string" }, port: { type: "string" }, into: { type: "string" }, keep: { type: "boolean" } }, USAGE);
    portOption(args.port, "port", 1024);
    const target = operationTarget(args, USAGE, stackOption);
    let report;
    if (target.kind === "stack") {
        const into = args.into ?? path.posix.join(STACK_COPY_DIR, `restore-drill-${process.pid}`);
        if (!path.posix.isAbsolute(into)) throw new Error(`--into must be an absolute path on the primary's host, got ${JSON.stringify(into)}`);
        const port = portOption(args.port, "port", 1024) ?? STACK_COPY_PORT;
        report = await restoreDrillThrough(nodeSeatsOf(target.reach), { into, port, keep: args.keep });
    } else {
        const givenPort = await restorePortOption(args.port, "port");
        const into = checkRestoreFolder(args.into ?? path.join(os.tmpdir(), `pg-ha-restore-drill-${process.pid}`, "data"), "into");
        const cluster = openRunningClusterOfOutputs(target.outputsFile);
        const port = givenPort ?? (await restorePortOption(String(cluster.topology.pgpool.port + 70), "port"))!;
        prepareCopyFolders(cluster, into);
        report = await restoreDrillThrough(localNodeSeats(cluster), { into, port, keep: args.keep });
    }
    process.stdout.write(`${formatRestoreDrill(report)}\n`);
    return report.passed ? 0 : 1;
});
