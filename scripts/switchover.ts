import { integerOption, parseCommandLine, requireOption, runMain } from "./lib/cli";
import { stateDirOption } from "./lib/local/state";
import { localSwitchover, SwitchoverRefused } from "./lib/local/switchover";

const USAGE = "npm run switchover -- --state-dir DIR --to NODE [--max-lag-bytes N]";

runMain(async () => {
    const args = parseCommandLine({ "state-dir": { type: "string" }, to: { type: "string" }, "max-lag-bytes": { type: "string" } }, USAGE);
    const stateDir = stateDirOption(requireOption(args["state-dir"], "state-dir", USAGE));
    const target = requireOption(args.to, "to", USAGE);
    const maxLagBytes = integerOption(args["max-lag-bytes"], "max-lag-bytes");
    try {
        const result = await localSwitchover(stateDir, target, { maxLagBytes });
        process.stdout.write(`switched over from ${result.from} to ${result.to}: writes paused ${result.writeOutageMs} ms, ${result.from} rejoined as a standby; ${(result.durationMs / 1000).toFixed(1)} s in all\n`);
        return 0;
    } catch (error) {
        if (error instanceof SwitchoverRefused) {
            process.stderr.write(`switchover refused, nothing changed: ${error.message}\n`);
            return 2;
        }
        throw error;
    }
});
