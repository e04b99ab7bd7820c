import { parseCommandLine, requireOption, runMain } from "./lib/cli";
import { localRejoin } from "./lib/local/rejoin";
import { stateDirOption } from "./lib/local/state";

const USAGE = "npm run rejoin -- --state-dir DIR --node NAME";

runMain(async () => {
    const args = parseCommandLine({ "state-dir": { type: "string" }, node: { type: "string" } }, USAGE);
    const stateDir = stateDirOption(requireOption(args["state-dir"], "state-dir", USAGE));
    const result = await localRejoin(stateDir, requireOption(args.node, "node", USAGE));
    process.stdout.write(`${result.node} rejoined as a standby of ${result.primary} in ${(result.durationMs / 1000).toFixed(1)} s\n`);
});
