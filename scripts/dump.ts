import * as path from "path";
import { loadStackFile } from "../config/stackFile";
import { parseCommandLine, requireOption, runMain } from "./lib/cli";
import { runLogical } from "./lib/logicalDump";
import { readOutputsFile, readPulumiOutputs } from "./lib/verify/outputsSource";

const USAGE = "npm run dump -- (--outputs FILE | --stack NAME) --file OUT.dump";

runMain(async () => {
    const args = parseCommandLine({ outputs: { type: "string" }, stack: { type: "string" }, file: { type: "string" } }, USAGE);
    const outputs = args.outputs ? readOutputsFile(path.resolve(args.outputs)) : readPulumiOutputs(args.stack);
    const file = path.resolve(requireOption(args.file, "file", USAGE));
    await runLogical("pg_dump", outputs, loadStackFile(args.stack ?? "dev").postgresVersion, ["--format=custom", "--no-owner", "--no-privileges", `--file=${file}`]);
    process.stderr.write(`dumped the application database to ${file}\n`);
});
