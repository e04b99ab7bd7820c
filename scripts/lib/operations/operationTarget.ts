import * as fs from "fs";
import * as path from "path";
import { readState } from "../local/state";
import { readOutputsFile } from "../verify/outputsSource";
import { outputsReach, stackReach, StackReach } from "./nodeSeats";

/** What an operation acts on: a local run (by its outputs.json, opened once the command's own options are checked), or a deployed stack's hosts. */
export type OperationTarget =
    | { readonly kind: "local"; readonly outputsFile: string }
    | { readonly kind: "stack"; readonly reach: StackReach };

/**
 * What `--stack NAME` or `--outputs FILE` names (exactly one of them): a stack's hosts; or, for
 * --outputs, the local run whose outputs.json it is (a state.json beside it), else a deployed
 * stack's saved outputs (`pulumi stack output --json --show-secrets > FILE`) by their hostAccess.
 */
export function operationTarget(options: { readonly stack?: string; readonly outputs?: string }, usage: string, stackName: (value: string) => string): OperationTarget {
    if ((options.outputs === undefined) === (options.stack === undefined)) throw new Error(`give --outputs (a local run's outputs.json, or a stack's saved outputs) or --stack (a deployed stack); usage: ${usage}`);
    if (options.stack !== undefined) return { kind: "stack", reach: stackReach(stackName(options.stack)) };
    const file = path.resolve(options.outputs!);
    const isFile = fs.existsSync(file) && fs.statSync(file).isFile();
    if (!isFile || readState(path.dirname(file)) !== undefined) return { kind: "local", outputsFile: options.outputs! };
    const outputs = readOutputsFile(file);
    // Neither a local run's (no state.json beside it) nor a stack's that says where its hosts are:
    // opening it as a local run says so.
    if (outputs.hostAccess === undefined) return { kind: "local", outputsFile: options.outputs! };
    return { kind: "stack", reach: outputsReach(outputs, file) };
}
