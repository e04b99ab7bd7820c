import { dateTimeOption, parseCommandLine, requireOption, runMain } from "./lib/cli";
import { localRestore } from "./lib/local/backup";
import { checkRestoreFolder, openRunningClusterOfOutputs, restorePortOption } from "./lib/local/commandTarget";

const USAGE = "npm run restore -- --outputs DIR/outputs.json --into NEW_DATA_DIR --port P [--target-time 2026-11-28T10:00:00Z]";

runMain(async () => {
    const args = parseCommandLine({ outputs: { type: "string" }, into: { type: "string" }, port: { type: "string" }, "target-time": { type: "string" } }, USAGE);
    const targetTime = dateTimeOption(args["target-time"], "target-time");
    if (targetTime !== undefined && targetTime.getTime() > Date.now()) {
        throw new Error(`--target-time ${args["target-time"]} is in the future: give a moment that has passed, or leave --target-time out to restore the latest state`);
    }
    const outputs = requireOption(args.outputs, "outputs", USAGE);
    const port = (await restorePortOption(requireOption(args.port, "port", USAGE), "port"))!;
    const into = checkRestoreFolder(requireOption(args.into, "into", USAGE), "into");
    const cluster = openRunningClusterOfOutputs(outputs);
    const server = await localRestore(cluster, { targetTime, into, port });
    process.stdout.write(`restored into ${server.dataDir} in ${(server.restoreMs / 1000).toFixed(1)} s; a standalone server runs on 127.0.0.1:${server.port} with the cluster's credentials and CA\n`);
    process.stdout.write(`stop it with: pg_ctl -D ${server.dataDir} -m fast stop (as ${cluster.serviceUser})\n`);
});
