import * as fs from "fs";
import * as path from "path";
import { PGPOOL_SERVICE } from "../../../config";
import { REJOIN_SCRIPT } from "../../../components/render";
import { progress, waitUntil } from "../wait";
import { openLocalCluster, restartService, streamingReplicas } from "./cluster";
import { serviceDir, serviceLogFile } from "./layout";
import { currentPrimary, poolNodes, superuserOn } from "./pgpoolControl";
import { isSameProcess, stopProcess } from "./processes";
import { runAsServiceUser } from "./serviceUser";
import { assertServicesRunning, readState } from "./state";

export interface RejoinResult {
    readonly node: string;
    readonly primary: string;
    readonly durationMs: number;
}

/**
 * Brings a node of a local cluster back as a standby of the current primary: stops it if it runs
 * (a former primary that came back would be a false primary), runs its rendered rejoin.sh
 * (pg_rewind for a former primary, a new upstream only for a standby), starts it, waits until it streams and until pgpool has attached it again.
 */
export async function localRejoin(stateDir: string, nodeName: string, timeoutMs = 60_000): Promise<RejoinResult> {
    const started = Date.now();
    // A cluster that is down is refused from its state alone, before anything else is looked up.
    const recorded = readState(path.resolve(stateDir));
    if (recorded !== undefined) assertServicesRunning(path.resolve(stateDir), recorded, { all: [PGPOOL_SERVICE] });
    const cluster = openLocalCluster(stateDir);
    const node = cluster.topology.nodes.find((candidate) => candidate.name === nodeName);
    if (node === undefined) throw new Error(`no node ${nodeName} in this cluster (nodes: ${cluster.topology.nodes.map((candidate) => candidate.name).join(", ")})`);
    // pgpool names the primary to rewind onto, and some other node must be running to be it.
    assertServicesRunning(cluster.stateDir, cluster.state, { all: [PGPOOL_SERVICE], oneOf: cluster.topology.nodes.filter((candidate) => candidate !== node).map((candidate) => candidate.name) });
    const primary = await currentPrimary(cluster);
    if (primary.name === node.name) throw new Error(`${node.name} is the primary: nothing to rejoin`);
    const record = cluster.state.services.find((service) => service.name === node.name);
    if (record !== undefined && isSameProcess(record.pid, record.startTime)) {
        progress(`stopping ${node.name} (pid ${record.pid}) before it rejoins`);
        await stopProcess(record.pid, "SIGINT", 30_000);
    }
    const configDir = cluster.context.layout.postgres(node.name).configDir;
    progress(`rejoining ${node.name} onto ${primary.name}`);
    const rejoinLog = path.join(serviceDir(cluster.stateDir, node.name), "rejoin.log");
    try {
        const output = await runAsServiceUser(cluster.serviceUser, cluster.owner !== undefined, ["/bin/bash", path.join(configDir, REJOIN_SCRIPT), String(primary.index)], timeoutMs);
        fs.appendFileSync(rejoinLog, `${output.stderr}${output.stdout}`);
    } catch (error) {
        fs.appendFileSync(rejoinLog, `${(error as Error).message}\n`);
        throw error;
    }

    const logFile = serviceLogFile(cluster.stateDir, node.name);
    const process = restartService(cluster.stateDir, node.name);
    await waitUntil(`${node.name} to stream from ${primary.name}`, async () => (await streamingReplicas(superuserOn(cluster, primary), cluster.secrets.pki.caCertPem)).has(node.name), {
        timeoutMs,
        abortIf: () => { if (process.exitCode() !== undefined) throw new Error(`${node.name} exited while starting; see ${logFile}`); },
    });
    // attach-backends.sh attaches a standby that follows the primary; attaching it here as well
    // would restart pgpool's children twice.
    await waitUntil(`pgpool to attach ${node.name} again`, async () => (await poolNodes(cluster)).some((entry) => entry.nodeId === node.index && entry.status === "up"), { timeoutMs });
    progress(`${node.name} streams from ${primary.name} and is attached to pgpool`);
    return { node: node.name, primary: primary.name, durationMs: Date.now() - started };
}
