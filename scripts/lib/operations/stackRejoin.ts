import { StackOutputs } from "../../../components/render";
import { clusterState, followingOrWhy } from "../status/clusterStatus";
import { waitUntil } from "../wait";
import { NodeSeat } from "./nodeSeats";

/** Thrown when a rejoin is refused before anything changed. */
export class RejoinRefused extends Error {}

export interface StackRejoinResult {
    readonly node: string;
    readonly primary: string;
    readonly durationMs: number;
}

/** Longest wait for the node to stream again: its supervisor's restart, the start script's rewind or clone. */
const REJOIN_WAIT_MS = 300_000;

/**
 * Rejoins a node of a deployed stack as a standby of the current primary: stops its server with a
 * fast shutdown through the operations seam, and its supervisor (Docker's restart policy,
 * systemd) starts it again, so its start script does what it does at every start: a rewind when
 * its history forked from the primary's, a fresh clone when the WAL it needs is gone, a new
 * upstream. Refuses, changing nothing, an unknown node and the one primary; waits until the node
 * streams from the primary and pgpool has it up.
 */
export async function stackRejoin(outputs: StackOutputs, nodes: readonly NodeSeat[], nodeName: string): Promise<StackRejoinResult> {
    const started = Date.now();
    const seat = nodes.find((node) => node.name === nodeName);
    if (seat === undefined) throw new RejoinRefused(`no node ${nodeName} in this stack (nodes: ${nodes.map((node) => node.name).join(", ")})`);
    const before = await clusterState(outputs);
    const primaries = before.nodes.filter((node) => node.role === "primary");
    const pooled = before.nodes.find((node) => node.pool?.role === "primary");
    // With two primaries, the one pgpool does not send writes to is the stale one to rejoin.
    const primary = primaries.length === 1 ? primaries[0]! : primaries.find((node) => node.name === pooled?.name);
    if (primary === undefined) throw new RejoinRefused(`no primary to rejoin: ${before.problems.join("; ")}`);
    if (primary.name === nodeName) throw new RejoinRefused(`${nodeName} is the primary: switch over first (npm run switchover) to rejoin it`);
    // Asked, not awaited: in a container the server's end ends the container, and the command with it (137).
    const stop = await seat.host.run(["/bin/bash", "-c", `. ${seat.configDir}/service.env && if "$BIN_DIR/pg_ctl" -D "$DATA_DIR" status >/dev/null; then exec "$BIN_DIR/pg_ctl" -D "$DATA_DIR" -m fast -W stop; fi`], 120_000);
    if (stop.code !== 0 && stop.code !== 137) throw new Error(`could not stop ${nodeName}'s server on ${seat.host.where} (exit ${stop.code}): ${stop.stderr.trim()}`);
    await waitUntil(`${nodeName} to stream from ${primary.name} with pgpool having it up`, async () => followingOrWhy(await clusterState(outputs), nodeName), { timeoutMs: REJOIN_WAIT_MS, intervalMs: 1000, isPermanent: () => false });
    return { node: nodeName, primary: primary.name, durationMs: Date.now() - started };
}
