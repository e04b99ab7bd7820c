import { spawnSync } from "child_process";
import * as fs from "fs";
import { StackOutputs } from "../../../components/render";
import { assertStackOutputs } from "./verify";

/** Reads outputs from a file (the local run's outputs.json or a saved `pulumi stack output --json --show-secrets`). */
export function readOutputsFile(file: string): StackOutputs {
    if (!fs.existsSync(file)) throw new Error(`no outputs file at ${file}`);
    return assertStackOutputs(JSON.parse(fs.readFileSync(file, "utf8")), file);
}

/** Asks the Pulumi CLI for the selected (or named) stack's outputs, secrets shown. */
export function readPulumiOutputs(stack?: string): StackOutputs {
    const args = ["stack", "output", "--json", "--show-secrets", ...(stack ? ["--stack", stack] : [])];
    const result = spawnSync("pulumi", args, { encoding: "utf8" });
    if (result.error !== undefined) throw new Error(`could not run pulumi (${result.error.message}); pass --outputs FILE instead`);
    if (result.status !== 0) throw new Error(`pulumi ${args.join(" ")} failed: ${result.stderr.trim()}`);
    return assertStackOutputs(JSON.parse(result.stdout), `pulumi ${args.join(" ")}`);
}
