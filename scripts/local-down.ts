import * as fs from "fs";
import { localDown } from "./lib/local/cluster";
import { stateDirOption } from "./lib/local/state";
import { parseCommandLine, requireOption, runMain } from "./lib/cli";

const USAGE = "npm run local:down -- --state-dir DIR";

runMain(async () => {
    const args = parseCommandLine({ "state-dir": { type: "string" } }, USAGE);
    const stateDir = stateDirOption(requireOption(args["state-dir"], "state-dir", USAGE));
    if (!fs.existsSync(stateDir)) {
        process.stderr.write(`there is no state dir ${stateDir}: nothing to stop\n`);
        return;
    }
    const results = await localDown(stateDir);
    if (results.length === 0) process.stderr.write("nothing recorded in that state dir: nothing to stop\n");
    for (const { name, result } of results) process.stderr.write(`${name.padEnd(10)} ${result}\n`);
});
