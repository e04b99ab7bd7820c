import * as path from "path";
import { localUp } from "./lib/local/cluster";
import { OUTPUTS_FILE } from "./lib/local/state";
import { integerOption, parseCommandLine, requireOption, runMain, stackOption } from "./lib/cli";
import { progress } from "./lib/wait";

const USAGE = "npm run local:up -- --state-dir DIR [--port-base N] [--stack dev] [--backup-repo posix|s3]";

runMain(async () => {
    const args = parseCommandLine({ "state-dir": { type: "string" }, "port-base": { type: "string" }, stack: { type: "string" }, "backup-repo": { type: "string" } }, USAGE);
    const repository = args["backup-repo"] ?? "posix";
    if (repository !== "posix" && repository !== "s3") throw new Error(`--backup-repo must be posix or s3, got ${JSON.stringify(repository)}; usage: ${USAGE}`);
    const stateDir = path.resolve(requireOption(args["state-dir"], "state-dir", USAGE));
    const stack = stackOption(args.stack);
    const portBase = integerOption(args["port-base"], "port-base", { min: 1024, max: 65000 });
    const started = Date.now();
    await localUp({ stateDir, portBase, stack, backupRepository: repository });
    progress(`cluster healthy after ${((Date.now() - started) / 1000).toFixed(1)} s; outputs in ${path.join(stateDir, OUTPUTS_FILE)}`);
});
