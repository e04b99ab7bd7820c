import { loadStackFile } from "../config/stackFile";
import { parseCommandLine, runMain, stackOption } from "./lib/cli";
import { dockerPreflight } from "./lib/docker/preflight";
import { progress } from "./lib/wait";

const USAGE = "node build/scripts/docker-preflight.js [--stack dev]";

runMain(async () => {
    const args = parseCommandLine({ stack: { type: "string" } }, USAGE);
    const stack = stackOption(args.stack);
    await dockerPreflight(loadStackFile(stack), stack);
    progress(`the Docker engine is ready for stack ${stack}: it answers, has the base image, and every published port is free`);
});
