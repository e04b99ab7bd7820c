import { integerOption, parseCommandLine, requireOption, runMain } from "./lib/cli";
import { localSwitchover, SwitchoverRefused } from "./lib/local/switchover";

const USAGE = "npm run switchover -- --state-dir DIR --to NODE [--max-lag-bytes N]";

runMain(async () => {
    const args = parseCommandLine({ "state-dir": { type: "string" }, to: { type: "string" }, "max-lag-bytes": { type: "string" } }, USAGE);
    try {
        const result = await localSwitchover(requireOption(args["state-dir"], "state-dir", USAGE), requireOption(args.to, "to", USAGE), { maxLagBytes: integerOption(args["max-lag-bytes"], "max-lag-bytes") });
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
