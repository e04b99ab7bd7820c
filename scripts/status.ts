import * as path from "path";
import { parseCommandLine, requireOption, runMain, stackOption } from "./lib/cli";
import { clusterState, formatClusterState } from "./lib/status/clusterStatus";
import { readOutputsFile, readPulumiOutputs } from "./lib/verify/outputsSource";

const USAGE = "npm run status -- [--outputs FILE | --stack NAME] [--json]";

/** Prints the cluster's state (table, or JSON with --json); exits 0 when healthy, 3 otherwise. */
runMain(async () => {
    const args = parseCommandLine({ outputs: { type: "string" }, stack: { type: "string" }, json: { type: "boolean" } }, USAGE);
    if (args.outputs !== undefined && args.stack !== undefined) throw new Error(`give --outputs or --stack, not both; usage: ${USAGE}`);
    const outputs = args.outputs === undefined
        ? readPulumiOutputs(args.stack === undefined ? undefined : stackOption(args.stack))
        : readOutputsFile(path.resolve(requireOption(args.outputs, "outputs", USAGE)));
    const state = await clusterState(outputs);
    process.stdout.write(args.json ? `${JSON.stringify({ healthy: state.problems.length === 0, ...state }, null, 2)}\n` : `${formatClusterState(state)}\n`);
    return state.problems.length === 0 ? 0 : 3;
});
