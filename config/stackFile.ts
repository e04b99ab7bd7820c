import * as fs from "fs";
import * as path from "path";
import { parseDocument } from "yaml";
import { parseStackConfig } from "./load";
import { PROJECT_ROOT } from "./projectRoot";
import { ClusterConfig } from "./types";

/** Pulumi.yaml as the Pulumi CLI reads it: the fields this project sets. */
export interface ProjectFile {
    readonly name: string;
    readonly runtime: string | { readonly name: string; readonly options?: Readonly<Record<string, unknown>> };
    readonly main?: string;
    readonly description?: string;
}

export function projectFilePath(): string {
    return path.join(PROJECT_ROOT, "Pulumi.yaml");
}

export function stackFilePath(stack: string): string {
    return path.join(PROJECT_ROOT, `Pulumi.${stack}.yaml`);
}

/**
 * Parses a YAML file the way the Pulumi CLI does: strict YAML 1.2 with unique keys, any error
 * (the first one, with its line and column) thrown with the file's name.
 */
export function readYamlFile(file: string): unknown {
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (error) {
        throw new Error(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (error as Error).message}`);
    }
    const document = parseDocument(text, { strict: true, uniqueKeys: true, prettyErrors: true });
    const problem = document.errors[0];
    if (problem !== undefined) throw new Error(`${file} is not valid YAML: ${problem.message.split("\n")[0]}`);
    return document.toJS();
}

/** Pulumi.yaml, parsed; its shape is checked by tests/unit/pulumiFiles.test.ts. */
export function readProjectFile(): ProjectFile {
    return readYamlFile(projectFilePath()) as ProjectFile;
}

/** The raw `config:` map of a stack file, keys still namespaced. */
export function readStackFileConfig(stack: string): Record<string, unknown> {
    const document = readYamlFile(stackFilePath(stack)) as { config?: Record<string, unknown> } | null;
    return document?.config ?? {};
}

/** Reads Pulumi.<stack>.yaml without the Pulumi engine, through the same loader as the program. */
export function loadStackFile(stack: string): ClusterConfig {
    return parseStackConfig(readStackFileConfig(stack));
}
