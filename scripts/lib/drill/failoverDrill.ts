import * as path from "path";
import { StackOutputs } from "../../../components/render";
import { openLocalCluster, streamingReplicas } from "../local/cluster";
import { currentPrimary, poolNodes, superuserOn } from "../local/pgpoolControl";
import { isSameProcess } from "../local/processes";
import { localRejoin } from "../local/rejoin";
import { readOutputsFile } from "../verify/outputsSource";
import { formatTable, verifyCluster } from "../verify/verify";
import { CheckResult } from "../verify/types";
import { progress, sleep, waitUntil } from "../wait";
import { missingWrites, NumberedWriter } from "./writer";

export interface FailoverDrillOptions {
    /** Writes before the kill. Defaults to 1500 ms. */
    readonly warmupMs?: number;
    /** Writes after the first one the new primary acknowledges. Defaults to 1000 ms. */
    readonly afterRecoveryMs?: number;
    /** Longest wait for recovery and for the followers. Defaults to 30 s. */
    readonly deadlineMs?: number;
    /** Rejoin the killed primary with pg_rewind and run verify. Defaults to true. */
    readonly rejoin?: boolean;
}

export interface FailoverDrillReport {
    readonly killed: string;
    readonly newPrimary: string;
    /** Kill to the first write acknowledged by another node, through pgpool. */
    readonly rtoMs: number;
    readonly acknowledged: number;
    /** Writes the killed primary's orphaned backends still acknowledged after the kill. */
    readonly ackedByKilledAfterKill: number;
    /** Acknowledged ids missing on the new primary. */
    readonly lost: number[];
    readonly followers: string[];
    /** Kill to every surviving standby streaming from the new primary and up in pgpool. */
    readonly followMs: number;
    readonly rejoinMs?: number;
    readonly verify?: CheckResult[];
}

/**
 * The failover drill on a local run: a writer inserts numbered rows through pgpool, the primary's
 * postmaster gets SIGKILL, and the drill measures how long writes stop, which acknowledged ids the
 * new primary lacks, whether the other standbys follow it, then rejoins the old primary and runs
 * verify.
 */
export async function runFailoverDrill(outputsFile: string, options: FailoverDrillOptions = {}): Promise<FailoverDrillReport> {
    const stateDir = path.dirname(path.resolve(outputsFile));
    const outputs: StackOutputs = readOutputsFile(outputsFile);
    const cluster = openLocalCluster(stateDir);
    const deadlineMs = options.deadlineMs ?? 30_000;
    const primary = await currentPrimary(cluster);
    const record = cluster.state.services.find((service) => service.name === primary.name);
    if (record === undefined || !isSameProcess(record.pid, record.startTime)) throw new Error(`the primary ${primary.name} is not a process this state dir started`);

    const { topology, config, secrets } = cluster;
    const writer = new NumberedWriter({ host: topology.pgpool.host, port: topology.pgpool.port, user: config.appUser, password: secrets.passwords.app, database: config.databaseName }, secrets.pki.caCertPem);
    await writer.prepare();
    writer.start();
    await sleep(options.warmupMs ?? 1500);
    const killedAt = Date.now();
    process.kill(record.pid, "SIGKILL");
    progress(`killed ${primary.name} (postmaster pid ${record.pid}) with SIGKILL after ${writer.acked.length} acknowledged writes`);
    let recoveredAt: number | undefined;
    try {
        await waitUntil("a write acknowledged by a new primary", async () => {
            recoveredAt = writer.acked.find((write) => write.at > killedAt && write.serverPort !== primary.port)?.at;
            return recoveredAt !== undefined;
        }, { timeoutMs: deadlineMs, intervalMs: 20 });
        await sleep(options.afterRecoveryMs ?? 1000);
    } finally {
        await writer.stop();
    }
    const rtoMs = recoveredAt! - killedAt;
    const newPrimary = await currentPrimary(cluster);
    progress(`writes resumed on ${newPrimary.name} ${rtoMs} ms after the kill`);

    const survivors = topology.nodes.filter((node) => node.index !== primary.index && node.index !== newPrimary.index);
    await waitUntil("every surviving standby to follow the new primary", async () => {
        const streaming = await streamingReplicas(superuserOn(cluster, newPrimary), secrets.pki.caCertPem);
        const states = await poolNodes(cluster);
        return survivors.every((node) => streaming.has(node.name) && states.some((state) => state.nodeId === node.index && state.status !== "down"));
    }, { timeoutMs: deadlineMs });
    const followMs = Date.now() - killedAt;

    const lost = await missingWrites(superuserOn(cluster, newPrimary), { caPem: secrets.pki.caCertPem, database: config.databaseName }, writer.acked);
    const report: FailoverDrillReport = {
        killed: primary.name,
        newPrimary: newPrimary.name,
        rtoMs,
        acknowledged: writer.acked.length,
        ackedByKilledAfterKill: writer.acked.filter((write) => write.at > killedAt && write.serverPort === primary.port).length,
        lost,
        followers: survivors.map((node) => node.name),
        followMs,
    };
    if (options.rejoin === false) return report;
    const rejoin = await localRejoin(stateDir, primary.name, deadlineMs);
    const verify = await verifyCluster(outputs, { onResult: () => undefined });
    return { ...report, rejoinMs: rejoin.durationMs, verify };
}

export function formatDrillReport(report: FailoverDrillReport): string {
    const lines = [
        `killed primary            ${report.killed} (SIGKILL of the postmaster)`,
        `new primary               ${report.newPrimary}`,
        `RTO                       ${report.rtoMs} ms (kill to the first write the new primary acknowledged through pgpool)`,
        `acknowledged writes       ${report.acknowledged} (${report.ackedByKilledAfterKill} by the killed primary's orphaned backends after the kill)`,
        `lost acknowledged writes  ${report.lost.length}${report.lost.length ? `: ids ${report.lost.slice(0, 20).join(", ")}` : ""}`,
        `followers                 ${report.followers.join(", ") || "none"} stream from ${report.newPrimary} and are attached, ${report.followMs} ms after the kill`,
    ];
    if (report.rejoinMs !== undefined) lines.push(`rejoin                    ${report.killed} rewound and streaming in ${report.rejoinMs} ms`);
    if (report.verify !== undefined) lines.push("", formatTable(report.verify));
    return lines.join("\n");
}
