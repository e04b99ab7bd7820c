import { shellQuote } from "./confSyntax";
import { RenderedFile } from "./types";

/** A value of an environment file: a word, a list (a bash array) or a map (an associative array). */
export type EnvValue = string | number | readonly (string | number)[] | Readonly<Record<string, string>>;

/**
 * A bash file of read-only variables that the static scripts source: every value a script needs
 * that depends on the cluster or the host, quoted once, here.
 */
export function renderEnvFile(description: string, values: Readonly<Record<string, EnvValue>>, guard: string): string {
    const lines = [
        "# shellcheck shell=bash",
        `# ${description}`,
        "# Rendered by pg-ha-stack; edits are overwritten on the next deploy.",
        "# Sourced once however many libraries ask for it: its variables are read-only.",
        `[ -z "\${${guard}:-}" ] || return 0`,
        `readonly ${guard}=1`,
        "# shellcheck disable=SC2034 # each script uses some of these",
    ];
    for (const [name, value] of Object.entries(values)) {
        if (Array.isArray(value)) lines.push(`readonly ${name}=(${value.map((item) => shellQuote(String(item))).join(" ")})`);
        else if (typeof value === "object") lines.push(`declare -rA ${name}=(${Object.entries(value as Record<string, string>).map(([key, item]) => `[${key}]=${shellQuote(item)}`).join(" ")})`);
        else lines.push(`readonly ${name}=${shellQuote(String(value))}`);
    }
    return `${lines.join("\n")}\n`;
}

export const SERVICE_ENV_FILE = "service.env";
export const CLUSTER_ENV_FILE = "cluster.env";

/** An environment file as a file of a service; never secret (passwords stay in password files). */
export function envFile(name: string, description: string, values: Readonly<Record<string, EnvValue>>): RenderedFile {
    return { name, content: renderEnvFile(description, values, `PG_HA_${name.replace(/\W/g, "_").toUpperCase()}_SOURCED`), mode: 0o644, secret: false };
}
