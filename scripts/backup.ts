import { parseCommandLine, runMain, stackOption } from "./lib/cli";
import { localBackup } from "./lib/local/backup";
import { openRunningClusterOfOutputs } from "./lib/local/commandTarget";
import { backupThrough } from "./lib/operations/backup";
import { nodeSeatsOf } from "./lib/operations/nodeSeats";
import { operationTarget } from "./lib/operations/operationTarget";
import { BackupInfo } from "./lib/operations/repositoryInfo";

const USAGE = "npm run backup -- (--outputs FILE | --stack NAME) [--type full|diff|incr]";

const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
const describe = (node: string, backup: BackupInfo, durationMs: number) =>
    `backup ${backup.label} (${backup.type}) taken on ${node} in ${(durationMs / 1000).toFixed(1)} s: database ${mb(backup.databaseBytes)} MB, stored ${mb(backup.repositoryBytes)} MB\n`;

runMain(async () => {
    const args = parseCommandLine({ outputs: { type: "string" }, stack: { type: "string" }, type: { type: "string" } }, USAGE);
    const type = args.type ?? "full";
    if (type !== "full" && type !== "diff" && type !== "incr") throw new Error(`--type must be full, diff or incr, got ${JSON.stringify(type)}`);
    const target = operationTarget(args, USAGE, stackOption);
    if (target.kind === "stack") {
        const result = await backupThrough(nodeSeatsOf(target.reach), type);
        for (const problem of result.unreachable) process.stderr.write(`${problem}\n`);
        process.stdout.write(describe(result.node, result.backup, result.durationMs));
        return;
    }
    const result = await localBackup(openRunningClusterOfOutputs(target.outputsFile), type);
    process.stdout.write(describe(result.node, result.backup, result.durationMs));
});
