import { parseCommandLine, requireOption, runMain } from "./lib/cli";
import { localBackup } from "./lib/local/backup";
import { openRunningClusterOfOutputs } from "./lib/local/commandTarget";

const USAGE = "npm run backup -- --outputs DIR/outputs.json [--type full|diff|incr]";

runMain(async () => {
    const args = parseCommandLine({ outputs: { type: "string" }, type: { type: "string" } }, USAGE);
    const type = args.type ?? "full";
    if (type !== "full" && type !== "diff" && type !== "incr") throw new Error(`--type must be full, diff or incr, got ${JSON.stringify(type)}`);
    const cluster = openRunningClusterOfOutputs(requireOption(args.outputs, "outputs", USAGE));
    const result = await localBackup(cluster, type);
    const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
    process.stdout.write(`backup ${result.backup.label} (${result.backup.type}) taken on ${result.node} in ${(result.durationMs / 1000).toFixed(1)} s: database ${mb(result.backup.databaseBytes)} MB, stored ${mb(result.backup.repositoryBytes)} MB\n`);
});
