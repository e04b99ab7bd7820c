import { spawnSync } from "child_process";
import { parseCommandLine, runMain, stackOption } from "./lib/cli";
import { stackReach, switchoverSeatOf } from "./lib/operations/nodeSeats";
import { describeStep, rollingPlan, RollStep } from "./lib/operations/rollingReplacement";
import { switchoverThrough } from "./lib/operations/switchover";
import { clusterState, followingOrWhy } from "./lib/status/clusterStatus";
import { readPulumiOutputs } from "./lib/verify/outputsSource";
import { progress, waitUntil } from "./lib/wait";
import { StackOutputs } from "../components/render";

const USAGE = "npm run roll -- [--stack prod] [--replace] [--dry-run]";
/** How long a replaced node may take to stream again: a first boot installs packages, then clones or rewinds. */
const STANDBY_WAIT_MS = 30 * 60_000;
/** Seconds the switchover waits for the former primary to follow. */
const REJOIN_WAIT_SECONDS = 120;

/** Runs one step; throws, with what is done and what to do, when it fails. */
async function runStep(step: RollStep, outputs: StackOutputs, stack: string): Promise<void> {
    switch (step.kind) {
        case "replace":
        case "apply-rest": {
            const result = spawnSync(step.argv[0]!, step.argv.slice(1), { stdio: "inherit" });
            if (result.error !== undefined) throw result.error;
            if (result.status !== 0) throw new Error(`${step.argv.slice(0, 5).join(" ")} exited ${result.status}`);
            return;
        }
        case "await-standby":
            await waitUntil(`${step.node} to stream from the primary with pgpool having it up`, async () => followingOrWhy(await clusterState(outputs), step.node), { timeoutMs: STANDBY_WAIT_MS, intervalMs: 5000, isPermanent: () => false });
            return;
        case "switchover": {
            const outcome = await switchoverThrough(switchoverSeatOf(stackReach(stack)), step.to, { rejoinWaitSeconds: REJOIN_WAIT_SECONDS });
            progress(`switched over from ${outcome.from} to ${outcome.to}: writes paused ${outcome.writeOutageMs} ms`);
        }
    }
}

/**
 * A rolling replacement of a prod stack's hosts (a new AMI, changed files): each standby's host
 * replaced alone and awaited until it streams, a switchover, then the former primary's host, then
 * the rest (see rollingPlan). Starts only on a healthy cluster; stops at the first failed step.
 */
runMain(async () => {
    const args = parseCommandLine({ stack: { type: "string" }, replace: { type: "boolean" }, "dry-run": { type: "boolean" } }, USAGE);
    const stack = stackOption(args.stack, "prod");
    const outputs = readPulumiOutputs(stack);
    if (outputs.hostInstances === undefined) {
        throw new Error(`--stack ${stack} has no hostInstances output: its services are not hosts of their own (the dev stack's containers: pulumi up replaces them), or an older version of this program deployed it (run pulumi up once)`);
    }
    const state = await clusterState(outputs);
    if (state.problems.length > 0) throw new Error(`a rolling replacement starts only on a healthy cluster; now: ${state.problems.join("; ")}`);
    const primary = state.nodes.find((node) => node.role === "primary")!.name;
    const plan = rollingPlan({ stack, hosts: outputs.hostInstances, nodes: state.nodes.map((node) => node.name), primary, force: args.replace === true });
    process.stdout.write(`rolling replacement of ${stack} (primary now ${primary}):\n${plan.map((step, i) => `  ${i + 1}. ${describeStep(step)}`).join("\n")}\n`);
    if (args["dry-run"]) return 0;
    for (const [i, step] of plan.entries()) {
        progress(`step ${i + 1}/${plan.length}: ${describeStep(step)}`);
        try {
            await runStep(step, outputs, stack);
        } catch (error) {
            throw new Error(`step ${i + 1} (${describeStep(step)}) failed: ${(error as Error).message}. ${i === 0 ? "No step is done" : `Steps 1-${i} are done`}; fix the cause and run npm run roll again (hosts already replaced have nothing left to change)`);
        }
    }
    process.stdout.write(`rolling replacement of ${stack} done: ${plan.length} steps\n`);
    return 0;
});
