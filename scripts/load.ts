import * as path from "path";
import { loadStackFile } from "../config/stackFile";
import { parseCommandLine, requireOption, runMain } from "./lib/cli";
import { runLogical } from "./lib/logicalDump";
import { readOutputsFile, readPulumiOutputs } from "./lib/verify/outputsSource";

const USAGE = "npm run load -- (--outputs FILE | --stack NAME) --file IN.dump [--clean]";

runMain(async () => {
    const args = parseCommandLine({ outputs: { type: "string" }, stack: { type: "string" }, file: { type: "string" }, clean: { type: "boolean" } }, USAGE);
    const outputs = args.outputs ? readOutputsFile(path.resolve(args.outputs)) : readPulumiOutputs(args.stack);
    const file = path.resolve(requireOption(args.file, "file", USAGE));
    await runLogical("pg_restore", outputs, loadStackFile(args.stack ?? "dev").postgresVersion, ["--no-owner", "--no-privileges", "--exit-on-error", ...(args.clean ? ["--clean", "--if-exists"] : []), file]);
    process.stderr.write(`loaded ${file} into the application database\n`);
});
