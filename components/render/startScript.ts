import { scriptFile } from "./assets";
import { EnvValue, envFile, SERVICE_ENV_FILE } from "./envFile";
import { START_SCRIPT } from "./fileNames";
import { RenderedFile, ServicePaths } from "./types";

/** Which start script (an asset) a kind of service runs. */
export type StartKind = "postgres" | "pgpool" | "exporter" | "prometheus" | "alertmanager" | "node-exporter";

/** Data files the start script copies into the run folder: not scripts, not environment files. */
function isDataFile(file: RenderedFile): boolean {
    return (file.mode & 0o111) === 0 && !file.name.endsWith(".sh") && !file.name.endsWith(".env");
}

export interface ServiceStartInput {
    readonly kind: StartKind;
    readonly description: string;
    readonly paths: ServicePaths;
    /** OS user the service runs as; the start script drops to it when started as root. */
    readonly serviceUser: string;
    /** The service's own files. */
    readonly files: readonly RenderedFile[];
    /** What the service's scripts read from service.env besides the paths. */
    readonly env: Readonly<Record<string, EnvValue>>;
    /** Folders outside the run folder the service writes to (a posix backup repository), created owned by the service user. Defaults to none. */
    readonly writableDirs?: readonly string[];
}

/**
 * A service's files with what starts it the same way in a container, on a VM and on the local
 * run: service.env (paths, the data files to copy, the service's values), start-lib.sh and the
 * kind's start script as start.sh. The start script copies secrets into a private run folder with
 * mode 0600 owned by the service user, drops root with setpriv, then execs the server so that
 * its pid is the script's.
 */
export function withStartFiles(input: ServiceStartInput): RenderedFile[] {
    const data = input.files.filter(isDataFile);
    const env = envFile(SERVICE_ENV_FILE, input.description, {
        CONFIG_DIR: input.paths.configDir,
        RUN_DIR: input.paths.runDir,
        SERVICE_USER: input.serviceUser,
        PRIVATE_FILES: data.filter((file) => file.secret).map((file) => file.name),
        PUBLIC_FILES: data.filter((file) => !file.secret).map((file) => file.name),
        WRITABLE_DIRS: input.writableDirs ?? [],
        ...input.env,
    });
    return [...input.files, env, scriptFile("start-lib.sh", "start-lib.sh", false), scriptFile(`start-${input.kind}.sh`, START_SCRIPT)];
}
