import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { StackOutputs } from "../../../components/render";
import { readUserJson } from "../cli";
import { assertStackOutputs, OUTPUTS_HINT } from "./verify";

/** Reads outputs from a file (the local run's outputs.json or a saved `pulumi stack output --json --show-secrets`). */
export function readOutputsFile(file: string): StackOutputs {
    const inFolder = path.join(file, "outputs.json");
    const hint = fs.existsSync(inFolder) && fs.statSync(file).isDirectory() ? `pass ${inFolder}` : OUTPUTS_HINT;
    return assertStackOutputs(readUserJson(file, "outputs file", hint), file);
}

/** Longest `pulumi stack output` may take: it only reads the backend's state. */
const PULUMI_TIMEOUT_MS = 120_000;

/** Asks the Pulumi CLI for the selected (or named) stack's outputs, secrets shown. */
export function readPulumiOutputs(stack?: string): StackOutputs {
    const args = ["stack", "output", "--json", "--show-secrets", "--non-interactive", ...(stack ? ["--stack", stack] : [])];
    const command = `pulumi ${args.join(" ")}`;
    const result = spawnSync("pulumi", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: PULUMI_TIMEOUT_MS });
    if ((result.error as NodeJS.ErrnoException | undefined)?.code === "ENOENT") throw new Error("the pulumi CLI is not installed (or not on PATH): install it, or pass --outputs FILE with the stack's outputs");
    if ((result.error as NodeJS.ErrnoException | undefined)?.code === "ETIMEDOUT") throw new Error(`${command} gave no answer within ${PULUMI_TIMEOUT_MS / 1000} s: check pulumi login, or pass --outputs FILE`);
    if (result.error !== undefined) throw new Error(`could not run pulumi (${result.error.message}); pass --outputs FILE instead`);
    if (result.status !== 0) throw new Error(`${command} failed: ${result.stderr.trim().split("\n").filter((line) => line.trim() !== "").slice(-1)[0] ?? `exit ${result.status}`}; check the stack and pulumi login, or pass --outputs FILE`);
    let value: unknown;
    try {
        value = JSON.parse(result.stdout);
    } catch {
        throw new Error(`${command} printed no JSON: check the stack and pulumi login, or pass --outputs FILE`);
    }
    return assertStackOutputs(value, command);
}
