import * as path from "path";
import { PGPOOL_SERVICE } from "../../../config";
import { SWITCHOVER_SCRIPT } from "../../../components/render";
import { localHost } from "../operations/hostShell";
import { SwitchoverRefused, switchoverThrough } from "../operations/switchover";
import { openLocalCluster } from "./cluster";
import { localRejoin } from "./rejoin";
import { isSupervised, readState, servicesNotRunning } from "./state";

export { SwitchoverRefused } from "../operations/switchover";

export interface SwitchoverOptions {
    /** Refuse when the target's replay is further behind than this. Defaults to 16 MB. */
    readonly maxLagBytes?: number;
    /** Deadline for the former primary to rejoin. Defaults to 60 s. */
    readonly timeoutMs?: number;
}

export interface SwitchoverResult {
    readonly from: string;
    readonly to: string;
    /** Old primary stopped to new primary taking writes through pgpool. */
    readonly writeOutageMs: number;
    readonly durationMs: number;
}

/**
 * Planned switchover on a local run, with no data loss: switchover.sh on the pgpool host, as on
 * every platform (see the asset), after the local checks that the services it needs run. The
 * former primary rejoins as a standby: by itself when supervised (its supervisor starts it again,
 * its start script rejoins), else through localRejoin.
 */
export async function localSwitchover(stateDir: string, targetName: string, options: SwitchoverOptions = {}): Promise<SwitchoverResult> {
    const started = Date.now();
    const timeoutMs = options.timeoutMs ?? 60_000;
    // A cluster that is down is refused from its state alone, before anything else is looked up.
    const recorded = readState(path.resolve(stateDir));
    const down = recorded === undefined ? undefined : servicesNotRunning(path.resolve(stateDir), recorded, { all: [PGPOOL_SERVICE] });
    if (down !== undefined) throw new SwitchoverRefused(down);
    const cluster = openLocalCluster(stateDir);
    const target = cluster.topology.nodes.find((node) => node.name === targetName);
    if (target === undefined) throw new SwitchoverRefused(`no node ${targetName} in this cluster (nodes: ${cluster.topology.nodes.map((node) => node.name).join(", ")})`);
    const notRunning = servicesNotRunning(cluster.stateDir, cluster.state, { all: [PGPOOL_SERVICE, target.name] });
    if (notRunning !== undefined) throw new SwitchoverRefused(notRunning);
    const supervised = isSupervised(cluster.state);
    const seat = { host: localHost(cluster.serviceUser, cluster.owner !== undefined), script: path.join(cluster.context.layout.pgpool().configDir, SWITCHOVER_SCRIPT) };
    const outcome = await switchoverThrough(seat, targetName, { maxLagBytes: options.maxLagBytes, rejoinWaitSeconds: supervised ? Math.ceil(timeoutMs / 1000) : 0 });
    if (!supervised) await localRejoin(stateDir, outcome.from, timeoutMs);
    else if (outcome.rejoined !== "yes") throw new Error(`${outcome.from} did not rejoin as ${outcome.to}'s standby within ${timeoutMs} ms (see its log)`);
    return { from: outcome.from, to: outcome.to, writeOutageMs: outcome.writeOutageMs, durationMs: Date.now() - started };
}
