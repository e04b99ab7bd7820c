import * as path from "path";
import { integerOption, parseCommandLine, requireOption, runMain, stackOption } from "./lib/cli";
import { stateDirOption } from "./lib/local/state";
import { localSwitchover } from "./lib/local/switchover";
import { HostUnreachable } from "./lib/operations/hostShell";
import { switchoverSeatOf } from "./lib/operations/nodeSeats";
import { operationTarget } from "./lib/operations/operationTarget";
import { SwitchoverRefused, switchoverThrough } from "./lib/operations/switchover";

const USAGE = "npm run switchover -- (--outputs FILE | --stack NAME | --state-dir DIR) --to NODE [--max-lag-bytes N]";

/** Seconds a stack's switchover waits for the former primary to follow (restarted by Docker or systemd, a 10 s wait, a rewind). */
const STACK_REJOIN_WAIT_SECONDS = 90;

runMain(async () => {
    const args = parseCommandLine({ outputs: { type: "string" }, "state-dir": { type: "string" }, stack: { type: "string" }, to: { type: "string" }, "max-lag-bytes": { type: "string" } }, USAGE);
    if (args["state-dir"] !== undefined && (args.stack !== undefined || args.outputs !== undefined)) throw new Error(`give one of --outputs, --stack and --state-dir; usage: ${USAGE}`);
    const toNode = requireOption(args.to, "to", USAGE);
    const maxLagBytes = integerOption(args["max-lag-bytes"], "max-lag-bytes");
    try {
        const target = args["state-dir"] === undefined ? operationTarget(args, USAGE, stackOption) : undefined;
        if (target?.kind === "stack") {
            const outcome = await switchoverThrough(switchoverSeatOf(target.reach), toNode, { maxLagBytes, rejoinWaitSeconds: STACK_REJOIN_WAIT_SECONDS });
            process.stdout.write(`switched over from ${outcome.from} to ${outcome.to}: writes paused ${outcome.writeOutageMs} ms; ${outcome.from} ${outcome.rejoined === "yes" ? "rejoined as a standby" : `has not rejoined yet (its supervisor restarts it and it rejoins by itself; npm run status shows it)`}\n`);
            return 0;
        }
        const stateDir = stateDirOption(target === undefined ? requireOption(args["state-dir"], "state-dir", USAGE) : path.dirname(path.resolve(target.outputsFile)));
        const result = await localSwitchover(stateDir, toNode, { maxLagBytes });
        process.stdout.write(`switched over from ${result.from} to ${result.to}: writes paused ${result.writeOutageMs} ms, ${result.from} rejoined as a standby; ${(result.durationMs / 1000).toFixed(1)} s in all\n`);
        return 0;
    } catch (error) {
        if (error instanceof SwitchoverRefused || error instanceof HostUnreachable) {
            process.stderr.write(`switchover refused, nothing changed: ${error.message}\n`);
            return 2;
        }
        throw error;
    }
});
