import * as fs from "fs";
import * as path from "path";
import { loadStackFile } from "../config/stackFile";
import { checkUsableFolder, parseCommandLine, requireOption, runMain, stackOption } from "./lib/cli";
import { runLogical } from "./lib/logicalDump";
import { checkLogicalTarget } from "./lib/logicalTarget";
import { readOutputsFile, readPulumiOutputs } from "./lib/verify/outputsSource";

const USAGE = "npm run dump -- (--outputs FILE | --stack NAME) --file OUT.dump";

runMain(async () => {
    const args = parseCommandLine({ outputs: { type: "string" }, stack: { type: "string" }, file: { type: "string" } }, USAGE);
    const file = path.resolve(requireOption(args.file, "file", USAGE));
    if (fs.existsSync(file) && fs.statSync(file).isDirectory()) throw new Error(`--file ${file} is a folder: give the name of the dump file to write`);
    if (!fs.existsSync(path.dirname(file))) throw new Error(`--file ${file} cannot be written: the folder ${path.dirname(file)} does not exist; create it first or choose another`);
    checkUsableFolder(path.dirname(file), "the folder of --file");
    const stack = stackOption(args.stack);
    const outputs = args.outputs ? readOutputsFile(path.resolve(args.outputs)) : readPulumiOutputs(args.stack);
    const postgresVersion = loadStackFile(stack).postgresVersion;
    await checkLogicalTarget("pg_dump", outputs, postgresVersion);
    await runLogical("pg_dump", outputs, postgresVersion, ["--format=custom", "--no-owner", "--no-privileges", `--file=${file}`]);
    process.stderr.write(`dumped the application database to ${file}\n`);
});
