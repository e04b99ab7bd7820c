import * as path from "path";
import { loadStackFile } from "../config/stackFile";
import { existingFileOption, parseCommandLine, requireOption, runMain, stackOption } from "./lib/cli";
import { runLogical } from "./lib/logicalDump";
import { checkLogicalTarget } from "./lib/logicalTarget";
import { readOutputsFile, readPulumiOutputs } from "./lib/verify/outputsSource";

const USAGE = "npm run load -- (--outputs FILE | --stack NAME) --file IN.dump [--clean]";

runMain(async () => {
    const args = parseCommandLine({ outputs: { type: "string" }, stack: { type: "string" }, file: { type: "string" }, clean: { type: "boolean" } }, USAGE);
    const file = existingFileOption(requireOption(args.file, "file", USAGE), "file", "give a dump that npm run dump wrote");
    const stack = stackOption(args.stack);
    const outputs = args.outputs ? readOutputsFile(path.resolve(args.outputs)) : readPulumiOutputs(args.stack);
    const postgresVersion = loadStackFile(stack).postgresVersion;
    await checkLogicalTarget("pg_restore", outputs, postgresVersion);
    await runLogical("pg_restore", outputs, postgresVersion, ["--no-owner", "--no-privileges", "--exit-on-error", ...(args.clean ? ["--clean", "--if-exists"] : []), file]);
    process.stderr.write(`loaded ${file} into the application database\n`);
});
