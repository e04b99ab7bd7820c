import * as path from "path";
import { parseCommandLine, requireOption, runMain, stackOption } from "./lib/cli";
import { localRejoin } from "./lib/local/rejoin";
import { stateDirOption } from "./lib/local/state";
import { HostUnreachable } from "./lib/operations/hostShell";
import { nodeSeatsOf } from "./lib/operations/nodeSeats";
import { operationTarget } from "./lib/operations/operationTarget";
import { RejoinRefused, stackRejoin } from "./lib/operations/stackRejoin";
import { readOutputsFile, readPulumiOutputs } from "./lib/verify/outputsSource";

const USAGE = "npm run rejoin -- (--outputs FILE | --stack NAME | --state-dir DIR) --node NAME";

runMain(async () => {
    const args = parseCommandLine({ outputs: { type: "string" }, stack: { type: "string" }, "state-dir": { type: "string" }, node: { type: "string" } }, USAGE);
    if (args["state-dir"] !== undefined && (args.stack !== undefined || args.outputs !== undefined)) throw new Error(`give one of --outputs, --stack and --state-dir; usage: ${USAGE}`);
    const node = requireOption(args.node, "node", USAGE);
    const target = args["state-dir"] === undefined ? operationTarget(args, USAGE, stackOption) : undefined;
    if (target?.kind === "stack") {
        const outputs = args.outputs === undefined ? readPulumiOutputs(stackOption(args.stack)) : readOutputsFile(args.outputs);
        try {
            const result = await stackRejoin(outputs, nodeSeatsOf(target.reach), node);
            process.stdout.write(`${result.node} rejoined as a standby of ${result.primary} in ${(result.durationMs / 1000).toFixed(1)} s (restarted by its supervisor, rejoined by its start script)\n`);
            return 0;
        } catch (error) {
            if (!(error instanceof RejoinRefused || error instanceof HostUnreachable)) throw error;
            process.stderr.write(`rejoin refused, nothing changed: ${error.message}\n`);
            return 2;
        }
    }
    const stateDir = stateDirOption(target === undefined ? requireOption(args["state-dir"], "state-dir", USAGE) : path.dirname(path.resolve(target.outputsFile)));
    const result = await localRejoin(stateDir, node);
    process.stdout.write(`${result.node} rejoined as a standby of ${result.primary} in ${(result.durationMs / 1000).toFixed(1)} s\n`);
    return 0;
});
