import { StackOutputs } from "../../../components/render";
import { NodeSeat } from "../operations/nodeSeats";
import { parsePostgresUri } from "../pg";
import { clusterState, isFollowing, NodeState } from "../status/clusterStatus";
import { CheckResult } from "../verify/types";
import { verifyCluster } from "../verify/verify";
import { progress, sleep, waitUntil } from "../wait";
import { FailoverDrillReport, largestGap } from "./failoverDrill";
import { missingWrites, NumberedWriter } from "./writer";

export interface StackFailoverDrillOptions {
    /** Writes before the kill. Defaults to 1500 ms. */
    readonly warmupMs?: number;
    /** Writes after the first one the new primary acknowledges. Defaults to 1000 ms. */
    readonly afterRecoveryMs?: number;
    /** Longest wait for writes to resume and for the followers. Defaults to 60 s. */
    readonly deadlineMs?: number;
    /** Longest wait for the killed node to come back as a standby by itself. Defaults to 180 s. */
    readonly rejoinDeadlineMs?: number;
}

/** The port clients reach `node` on: what the writer records of the server that acknowledged a write. */
const portOf = (node: NodeState): number => Number(node.endpoint.split(":").pop());

/**
 * The failover drill on a deployed stack, from its outputs: a writer inserts numbered rows through
 * pgpool, the primary's postmaster gets SIGKILL on its host through the operations seam (its
 * supervisor, Docker's restart policy or systemd, starts it again), and the drill measures, from
 * the moment of the kill by the host's clock (on EC2 the skew of two NTP clocks adds to it), what
 * the local drill does: writes resumed on another node, the largest gap, acknowledged writes
 * missing, the other standbys following, the killed node back as a standby with no human step,
 * and verify. Starts only on a healthy cluster.
 */
export async function runStackFailoverDrill(outputs: StackOutputs, nodes: readonly NodeSeat[], options: StackFailoverDrillOptions = {}): Promise<FailoverDrillReport> {
    const deadlineMs = options.deadlineMs ?? 60_000;
    const before = await clusterState(outputs);
    if (before.problems.length > 0) throw new Error(`the drill starts only on a healthy cluster; now: ${before.problems.join("; ")}`);
    const primary = before.nodes.find((node) => node.role === "primary")!;
    const seat = nodes.find((node) => node.name === primary.name);
    if (seat === undefined) throw new Error(`no host of the stack runs ${primary.name}`);

    const pgpool = parsePostgresUri(outputs.pgpoolConnectionString);
    const writer = new NumberedWriter(pgpool, outputs.caCertificate);
    await writer.prepare();
    let killedAt = 0;
    let recoveredAt: number | undefined;
    await writer.during(async () => {
        await sleep(options.warmupMs ?? 1500);
        // The moment of the kill by the host's clock, not by when the seam started the command.
        const kill = await seat.host.run(["/bin/bash", "-c", `. ${seat.configDir}/service.env && pid=$(head -n 1 "$DATA_DIR/postmaster.pid") && date +%s%3N && kill -KILL "$pid"`], 30_000);
        killedAt = Number(kill.stdout.trim());
        if (kill.code !== 0 || !Number.isFinite(killedAt)) throw new Error(`could not kill ${primary.name}'s postmaster on ${seat.host.where}: ${kill.stderr.trim()}`);
        progress(`killed ${primary.name}'s postmaster with SIGKILL on ${seat.host.where} after ${writer.acked.length} acknowledged writes`);
        await waitUntil("a write acknowledged by a new primary", async () => {
            recoveredAt = writer.acked.find((write) => write.at > killedAt && write.serverPort !== portOf(primary))?.at;
            return recoveredAt !== undefined;
        }, { timeoutMs: deadlineMs, intervalMs: 20 });
        await sleep(options.afterRecoveryMs ?? 1000);
    });
    const rtoMs = recoveredAt! - killedAt;
    let after = await clusterState(outputs);
    const newPrimary = after.nodes.find((node) => node.role === "primary" && node.name !== primary.name);
    if (newPrimary === undefined) throw new Error(`writes resumed ${rtoMs} ms after the kill but no other node answers as primary`);
    progress(`writes resumed on ${newPrimary.name} ${rtoMs} ms after the kill`);

    const survivors = before.nodes.filter((node) => node.name !== primary.name && node.name !== newPrimary.name).map((node) => node.name);
    await waitUntil("every surviving standby to follow the new primary", async () => {
        after = await clusterState(outputs);
        return survivors.every((name) => isFollowing(after.nodes.find((node) => node.name === name)));
    }, { timeoutMs: deadlineMs, intervalMs: 250 });
    const followMs = Date.now() - killedAt;
    const lost = await missingWrites(pgpool, { caPem: outputs.caCertificate }, writer.acked);

    await waitUntil(`${primary.name} to come back as a standby of ${newPrimary.name} by itself`, async () => {
        const state = await clusterState(outputs);
        return isFollowing(state.nodes.find((node) => node.name === primary.name)) || `${primary.name}: ${state.problems.join("; ") || "not yet"}`;
    }, { timeoutMs: options.rejoinDeadlineMs ?? 180_000, intervalMs: 250, isPermanent: () => false });
    const backByItselfMs = Date.now() - killedAt;
    progress(`${primary.name} streams from ${newPrimary.name} and is attached, ${backByItselfMs} ms after the kill, by itself`);
    return {
        killed: primary.name,
        newPrimary: newPrimary.name,
        fault: { kind: "kill" },
        rtoMs,
        largestGapMs: largestGap(writer.acked.map((write) => write.at)),
        acknowledged: writer.acked.length,
        ackedByKilledAfterKill: writer.acked.filter((write) => write.at > killedAt && write.serverPort === portOf(primary)).length,
        lost,
        followers: survivors,
        followMs,
        backByItselfMs,
        verify: await settledVerify(outputs),
    };
}

/** Longest wait for verify to pass once the node is back: Prometheus's view trails by a scrape. */
const VERIFY_SETTLE_MS = 60_000;

/** verify's results once every check passes, or its last results after VERIFY_SETTLE_MS. */
async function settledVerify(outputs: StackOutputs): Promise<CheckResult[]> {
    const deadline = Date.now() + VERIFY_SETTLE_MS;
    for (;;) {
        const results = await verifyCluster(outputs, { onResult: () => undefined });
        if (results.every((result) => result.passed) || Date.now() > deadline) return results;
        await sleep(2000);
    }
}
