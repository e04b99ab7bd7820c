import { shellQuote } from "./confSyntax";
import { RenderedFile, ServicePaths } from "./types";

export const START_SCRIPT = "start.sh";

export interface StartScriptInput {
    readonly description: string;
    readonly paths: ServicePaths;
    /** OS user the service runs as; the script drops to it when started as root. */
    readonly serviceUser: string;
    /** Files of the service, to sort into private (0600) and public copies in the run folder. */
    readonly files: readonly RenderedFile[];
    /** Shell variables the body uses, set before it. */
    readonly variables: Readonly<Record<string, string>>;
    /** Folders outside the run folder the service writes to (a posix backup repository), created owned by the service user. Defaults to none. */
    readonly writableDirs?: readonly string[];
    /** The service's own steps; must end by exec'ing the server in the foreground. */
    readonly body: readonly string[];
}

/**
 * A bash script that starts one service the same way in a container, on a VM and on the local
 * run: copies secrets into a private run folder with mode 0600 owned by the service user (libpq,
 * PostgreSQL and pgpool reject keys and password files others can read), drops root with setpriv,
 * then runs the body, which execs the server so that its pid is the script's.
 */
export function renderStartScript(input: StartScriptInput): string {
    // Scripts run from the config folder; only data files need private copies.
    const files = input.files.filter((file) => file.name !== START_SCRIPT && (file.mode & 0o111) === 0);
    const copy = (secret: boolean, mode: string): string[] => {
        const names = files.filter((file) => file.secret === secret).map((file) => `"$CONFIG_DIR"/${shellQuote(file.name)}`);
        return names.length === 0 ? [] : [`    install -m ${mode} "\${owner[@]}" -t "$RUN_DIR" ${names.join(" ")}`];
    };
    const variables = Object.entries({
        CONFIG_DIR: input.paths.configDir,
        RUN_DIR: input.paths.runDir,
        SERVICE_USER: input.serviceUser,
        ...input.variables,
    }).map(([name, value]) => `readonly ${name}=${shellQuote(value)}`);
    return [
        "#!/bin/bash",
        `# ${input.description}`,
        "# Rendered by pg-ha-stack; edits are overwritten on the next deploy.",
        "set -euo pipefail",
        "umask 077",
        ...variables,
        "",
        "log() { printf '%s pg-ha start: %s\\n' \"$(date -u +%FT%T.%3NZ)\" \"$*\" >&2; }",
        "",
        // One install per mode: where starting a process is slow, every fork counts.
        "if [ \"${PG_HA_RUN_PREPARED:-}\" != 1 ]; then",
        "    owner=()",
        "    if [ \"$(id -u)\" = 0 ]; then",
        "        service_group=$(id -gn \"$SERVICE_USER\")",
        "        owner=(-o \"$SERVICE_USER\" -g \"$service_group\")",
        "    fi",
        "    install -d -m 700 \"${owner[@]}\" \"$RUN_DIR\"",
        ...(input.writableDirs ?? []).map((dir) => `    install -d -m 750 "\${owner[@]}" ${shellQuote(dir)}`),
        ...copy(true, "600"),
        ...copy(false, "644"),
        "    if [ ${#owner[@]} -gt 0 ]; then",
        "        export PG_HA_RUN_PREPARED=1",
        // Root's HOME stays set across setpriv, and libpq treats an unreadable
        // ~/.postgresql/postgresql.crt as fatal: give the service user a home it owns.
        "        export HOME=\"$RUN_DIR\"",
        "        exec setpriv --reuid=\"$SERVICE_USER\" --regid=\"$service_group\" --init-groups -- /bin/bash \"$0\" \"$@\"",
        "    fi",
        "fi",
        "",
        ...input.body,
        "",
    ].join("\n");
}
