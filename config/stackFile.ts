import * as fs from "fs";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { parseClusterConfig, projectKeys } from "./load";
import { PROJECT_ROOT } from "./projectRoot";
import { ClusterConfig } from "./types";


export function stackFilePath(stack: string): string {
    return path.join(PROJECT_ROOT, `Pulumi.${stack}.yaml`);
}

/** The raw `config:` map of a stack file, keys still namespaced. */
export function readStackFileConfig(stack: string): Record<string, unknown> {
    const file = stackFilePath(stack);
    const document = parseYaml(fs.readFileSync(file, "utf8")) as { config?: Record<string, unknown> } | null;
    return document?.config ?? {};
}

/** Reads Pulumi.<stack>.yaml without the Pulumi engine, through the same loader as the program. */
export function loadStackFile(stack: string): ClusterConfig {
    return parseClusterConfig(projectKeys(readStackFileConfig(stack)));
}
