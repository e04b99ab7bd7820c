import { integerOption, parseCommandLine, requireOption, runMain } from "./lib/cli";
import { localRestore } from "./lib/local/backup";
import { openLocalClusterOfOutputs } from "./lib/local/cluster";

const USAGE = "npm run restore -- --outputs DIR/outputs.json --into NEW_DATA_DIR --port P [--target-time 2026-11-28T10:00:00Z]";

runMain(async () => {
    const args = parseCommandLine({ outputs: { type: "string" }, into: { type: "string" }, port: { type: "string" }, "target-time": { type: "string" } }, USAGE);
    const targetText = args["target-time"];
    const targetTime = targetText === undefined ? undefined : new Date(targetText);
    if (targetTime !== undefined && Number.isNaN(targetTime.getTime())) throw new Error(`--target-time must be a date and time such as 2026-11-28T10:00:00Z, got ${JSON.stringify(targetText)}`);
    const port = integerOption(requireOption(args.port, "port", USAGE), "port")!;
    const cluster = openLocalClusterOfOutputs(requireOption(args.outputs, "outputs", USAGE));
    const server = await localRestore(cluster, { targetTime, into: requireOption(args.into, "into", USAGE), port });
    process.stdout.write(`restored into ${server.dataDir} in ${(server.restoreMs / 1000).toFixed(1)} s; a standalone server runs on 127.0.0.1:${server.port} with the cluster's credentials and CA\n`);
    process.stdout.write(`stop it with: pg_ctl -D ${server.dataDir} -m fast stop (as ${cluster.serviceUser})\n`);
});
