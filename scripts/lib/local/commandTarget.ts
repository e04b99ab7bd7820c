import * as fs from "fs";
import * as path from "path";
import { PGPOOL_SERVICE } from "../../../config";
import { checkUsableFolder, existingFileOption, portOption } from "../cli";
import { LocalCluster, openLocalClusterOfOutputs, S3_SERVICE } from "./cluster";
import { checkPortFree } from "./prerequisites";
import { assertServicesRunning, LocalState, OUTPUTS_FILE, readState } from "./state";

/**
 * The local cluster whose outputs.json --outputs names, refused in words when the file is not
 * there or not a local run's, and when the services a command needs are not running: pgpool, at
 * least one PostgreSQL node and, with an S3 repository, the S3 server.
 */
export function openRunningClusterOfOutputs(value: string): LocalCluster & { readonly state: LocalState } {
    const candidate = path.resolve(value);
    const inFolder = path.join(candidate, OUTPUTS_FILE);
    const hint = fs.existsSync(inFolder) ? `pass ${inFolder}` : `pass the ${OUTPUTS_FILE} in the state dir of a local run (npm run local:up -- --state-dir DIR writes DIR/${OUTPUTS_FILE})`;
    const file = existingFileOption(value, "outputs", hint);
    // A cluster that is down is refused from its state alone, before anything else is looked up.
    const recorded = readState(path.dirname(file));
    if (recorded !== undefined) assertServicesRunning(path.dirname(file), recorded, { all: [PGPOOL_SERVICE] });
    const cluster = openLocalClusterOfOutputs(file);
    assertServicesRunning(cluster.stateDir, cluster.state, {
        all: [PGPOOL_SERVICE, ...(cluster.backupRepository === "s3" ? [S3_SERVICE] : [])],
        oneOf: cluster.topology.nodes.map((node) => node.name),
    });
    return cluster;
}

/** A folder a restore may fill: absent or empty, and one that can be made; nothing is created. */
export function checkRestoreFolder(value: string, option: string): string {
    const dir = path.resolve(value);
    if (fs.existsSync(dir)) {
        if (!fs.statSync(dir).isDirectory()) throw new Error(`--${option} ${dir} is a file: give a new folder for the restored data directory`);
        if (fs.readdirSync(dir).length > 0) throw new Error(`--${option} ${dir} is not empty: restore needs a new (or empty) data directory`);
    }
    checkUsableFolder(dir, `--${option}`);
    return dir;
}

/** The port a restored server is to listen on: 1024..65535 (it runs as an ordinary user) and free now. */
export async function restorePortOption(value: string | undefined, option: string): Promise<number | undefined> {
    const port = portOption(value, option, 1024);
    if (port !== undefined) await checkPortFree(port, "restored server").catch(() => { throw new Error(`--${option} ${port} is already in use on 127.0.0.1: choose a free port`); });
    return port;
}
