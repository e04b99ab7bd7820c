import * as path from "path";
import { parseCommandLine, requireOption, runMain, stackOption } from "./lib/cli";
import { readOutputsFile, readPulumiOutputs } from "./lib/verify/outputsSource";
import { formatTable, localPgpoolLog, verifyCluster } from "./lib/verify/verify";

const USAGE = "npm run verify -- [--outputs FILE | --stack NAME] [--json]";

runMain(async () => {
    const args = parseCommandLine({ outputs: { type: "string" }, stack: { type: "string" }, json: { type: "boolean" } }, USAGE);
    if (args.outputs !== undefined && args.stack !== undefined) throw new Error(`give --outputs or --stack, not both; usage: ${USAGE}`);
    const file = args.outputs === undefined ? undefined : path.resolve(requireOption(args.outputs, "outputs", USAGE));
    const outputs = file === undefined ? readPulumiOutputs(args.stack === undefined ? undefined : stackOption(args.stack)) : readOutputsFile(file);
    const results = await verifyCluster(outputs, { pgpoolLogFile: file === undefined ? undefined : localPgpoolLog(file) });
    process.stdout.write(args.json ? `${JSON.stringify({ passed: results.every((r) => r.passed), checks: results }, null, 2)}\n` : `${formatTable(results)}\n`);
    return results.every((result) => result.passed) ? 0 : 1;
});
