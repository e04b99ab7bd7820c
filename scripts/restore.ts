import * as path from "path";
import { dateTimeOption, parseCommandLine, portOption, requireOption, runMain, stackOption } from "./lib/cli";
import { localRestore } from "./lib/local/backup";
import { checkRestoreFolder, openRunningClusterOfOutputs, restorePortOption } from "./lib/local/commandTarget";
import { localNodeSeats } from "./lib/local/localSeats";
import { nodeSeatsOf } from "./lib/operations/nodeSeats";
import { operationTarget } from "./lib/operations/operationTarget";
import { endCopies, RestoreRefused, restoreThrough } from "./lib/operations/restore";

const USAGE = "npm run restore -- (--outputs FILE | --stack NAME) (--into NEW_DATA_DIR --port P [--target-time 2026-11-28T10:00:00Z] | --stop DIR | --discard DIR)";

runMain(async () => {
    const args = parseCommandLine({
        outputs: { type: "string" }, stack: { type: "string" }, into: { type: "string" }, port: { type: "string" }, "target-time": { type: "string" },
        stop: { type: "string" }, discard: { type: "string" },
    }, USAGE);
    const ending = args.stop !== undefined ? "stop" : args.discard !== undefined ? "discard" : undefined;
    if (ending !== undefined) {
        if (args.stop !== undefined && args.discard !== undefined) throw new Error(`give --stop or --discard, not both; usage: ${USAGE}`);
        if (args.into !== undefined || args.port !== undefined || args["target-time"] !== undefined) throw new Error(`--${ending} ends a copy made before: give it without --into, --port and --target-time; usage: ${USAGE}`);
        const target = operationTarget(args, USAGE, stackOption);
        const given = (args.stop ?? args.discard)!;
        const dir = target.kind === "stack" ? given : path.resolve(given);
        if (!path.posix.isAbsolute(dir)) throw new Error(`--${ending} must be the copy's absolute path on its host, got ${JSON.stringify(given)}`);
        const nodes = target.kind === "stack" ? nodeSeatsOf(target.reach) : localNodeSeats(openRunningClusterOfOutputs(target.outputsFile));
        try {
            const ended = await endCopies(nodes, dir, ending);
            for (const problem of ended.unreachable) process.stderr.write(`${problem}\n`);
            if (ended.nodes.length === 0) throw new RestoreRefused(`no host of the cluster holds a restored copy in ${dir}`);
            process.stdout.write(`${ending === "stop" ? "stopped" : "stopped and removed"} the restored copy in ${dir} on ${ended.nodes.join(", ")}\n`);
            return 0;
        } catch (error) {
            if (!(error instanceof RestoreRefused)) throw error;
            process.stderr.write(`restore refused, nothing changed: ${error.message}\n`);
            return 2;
        }
    }
    const targetTime = dateTimeOption(args["target-time"], "target-time");
    if (targetTime !== undefined && targetTime.getTime() > Date.now()) {
        throw new Error(`--target-time ${args["target-time"]} is in the future: give a moment that has passed, or leave --target-time out to restore the latest state`);
    }
    requireOption(args.into, "into", USAGE);
    portOption(requireOption(args.port, "port", USAGE), "port", 1024);
    const target = operationTarget(args, USAGE, stackOption);
    const how = (dir: string) => `stop it with: npm run restore -- ${args.stack !== undefined ? `--stack ${args.stack}` : `--outputs ${args.outputs}`} --stop ${dir} (--discard also removes it)\n`;
    if (target.kind === "stack") {
        // A path and a port on the primary's host, not on this machine.
        const into = args.into!;
        if (!path.posix.isAbsolute(into)) throw new Error(`--into must be an absolute path on the primary's host, such as /var/lib/postgresql/data/restored, got ${JSON.stringify(into)}`);
        const port = portOption(args.port, "port", 1024)!;
        const copy = await restoreThrough(nodeSeatsOf(target.reach), { into, port, targetTime: targetTime?.toISOString() });
        process.stdout.write(`restored into ${copy.dataDir} on ${copy.node.name} (${copy.node.host.where}) in ${(copy.restoreMs / 1000).toFixed(1)} s; a standalone server runs there on port ${copy.port} with the cluster's credentials and certificates\n`);
        process.stdout.write(how(copy.dataDir));
        return 0;
    }
    const port = (await restorePortOption(args.port, "port"))!;
    const into = checkRestoreFolder(args.into!, "into");
    const cluster = openRunningClusterOfOutputs(target.outputsFile);
    const server = await localRestore(cluster, { targetTime, into, port });
    process.stdout.write(`restored into ${server.dataDir} in ${(server.restoreMs / 1000).toFixed(1)} s; a standalone server runs on 127.0.0.1:${server.port} with the cluster's credentials and CA\n`);
    process.stdout.write(how(server.dataDir));
    return 0;
});
