import { loadStackFile, readStackFileConfig } from "../config/stackFile";
import { integerOption, parseCommandLine, runMain, stackOption } from "./lib/cli";
import { estimateMonthlyCost, formatCost } from "./lib/cost";

const USAGE = "npm run cost -- --stack prod [--backup-gb N] [--nat-gb N]";

runMain(async () => {
    const args = parseCommandLine({ stack: { type: "string" }, "backup-gb": { type: "string" }, "nat-gb": { type: "string" } }, USAGE);
    const stack = stackOption(args.stack, "prod");
    const options = { backupGb: integerOption(args["backup-gb"], "backup-gb"), natGb: integerOption(args["nat-gb"], "nat-gb") };
    const lines = estimateMonthlyCost(loadStackFile(stack), options);
    const region = readStackFileConfig(stack)["aws:region"];
    process.stdout.write(`${formatCost(lines, typeof region === "string" ? region : undefined)}\n`);
});
