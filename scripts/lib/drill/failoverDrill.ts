import * as path from "path";
import { StackOutputs } from "../../../components/render";
import { PostgresEndpoint } from "../../../config";
import { LocalCluster, openLocalCluster, streamingReplicas } from "../local/cluster";
import { answersAsPrimary, appThroughPgpool, currentPrimary, poolNodes, superuserOn } from "../local/pgpoolControl";
import { descendantsOf } from "../local/processes";
import { isSupervised, serverPidOf } from "../local/state";
import { localRejoin } from "../local/rejoin";
import { readOutputsFile } from "../verify/outputsSource";
import { formatTable, verifyCluster } from "../verify/verify";
import { CheckResult } from "../verify/types";
import { integerOption } from "../cli";
import { progress, sleep, waitUntil } from "../wait";
import { missingWrites, NumberedWriter } from "./writer";

export interface FailoverDrillOptions {
    /** Writes before the kill. Defaults to 1500 ms. */
    readonly warmupMs?: number;
    /** Writes after the first one the new primary acknowledges. Defaults to 1000 ms. */
    readonly afterRecoveryMs?: number;
    /** Longest wait for recovery and for the followers. Defaults to 30 s. */
    readonly deadlineMs?: number;
    /**
     * Bring the failed primary back as a standby, then run verify: on a supervised local run its
     * supervisor restarts it and it rejoins by itself (the drill waits and measures); on an
     * unsupervised one the drill runs `npm run rejoin`'s code. Defaults to true.
     */
    readonly rejoin?: boolean;
    /**
     * What happens to the primary: SIGKILL of its postmaster (a crash), or SIGSTOP of its whole
     * process tree for `stallMs` and SIGCONT after (a VM pause, a long I/O stall). Defaults to kill.
     */
    readonly fault?: DrillFault;
}

export type DrillFault = { readonly kind: "kill" } | { readonly kind: "stall"; readonly stallMs: number };

/** The fault of `--stall-ms N` (1..600000 ms), or a kill without it. */
export function faultOption(stallMs: string | undefined): DrillFault {
    const ms = integerOption(stallMs, "stall-ms", { min: 1, max: 600_000 });
    return ms === undefined ? { kind: "kill" } : { kind: "stall", stallMs: ms };
}

export interface FailoverDrillReport {
    readonly killed: string;
    readonly newPrimary: string;
    readonly fault: DrillFault;
    /** Kill to the first write acknowledged by another node, through pgpool. */
    readonly rtoMs: number;
    /** Largest time between two consecutive acknowledged writes across the fault. */
    readonly largestGapMs: number;
    readonly acknowledged: number;
    /** Writes the killed primary's orphaned backends still acknowledged after the kill. */
    readonly ackedByKilledAfterKill: number;
    /** A stall: writes the old primary acknowledged after it was thawed (must be none). */
    readonly ackedByStaleAfterThaw?: number;
    /** A stall: thaw to the old primary no longer answering as primary (shut down as stale). */
    readonly staleFencedMs?: number;
    /** Acknowledged ids missing on the new primary. */
    readonly lost: number[];
    readonly followers: string[];
    /** Kill to every surviving standby streaming from the new primary and up in pgpool. */
    readonly followMs: number;
    /** Unsupervised: how long `npm run rejoin` took. */
    readonly rejoinMs?: number;
    /** Supervised: fault to the failed node streaming from the new primary and attached, with no human step. */
    readonly backByItselfMs?: number;
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
    const serverPid = record === undefined ? undefined : serverPidOf(record);
    if (serverPid === undefined) throw new Error(`the primary ${primary.name} is not a process this state dir started`);

    const { topology, config, secrets } = cluster;
    const writer = new NumberedWriter(appThroughPgpool(cluster), secrets.pki.caCertPem);
    await writer.prepare();
    const fault = options.fault ?? { kind: "kill" };
    let killedAt = 0;
    let thawed: Promise<number | undefined> = Promise.resolve(undefined);
    let recoveredAt: number | undefined;
    let thawedAt: number | undefined;
    try {
        await writer.during(async () => {
            await sleep(options.warmupMs ?? 1500);
            killedAt = Date.now();
            if (fault.kind === "kill") {
                process.kill(serverPid, "SIGKILL");
                progress(`killed ${primary.name} (postmaster pid ${serverPid}) with SIGKILL after ${writer.acked.length} acknowledged writes`);
            } else {
                thawed = stallProcessTree(serverPid, fault.stallMs);
                progress(`froze ${primary.name} (postmaster pid ${serverPid} and its children) with SIGSTOP for ${fault.stallMs} ms after ${writer.acked.length} acknowledged writes`);
            }
            await waitUntil("a write acknowledged by a new primary", async () => {
                recoveredAt = writer.acked.find((write) => write.at > killedAt && write.serverPort !== primary.port)?.at;
                return recoveredAt !== undefined;
            }, { timeoutMs: deadlineMs, intervalMs: 20 });
            await sleep(options.afterRecoveryMs ?? 1000);
        });
    } finally {
        thawedAt = await thawed;
    }
    const rtoMs = recoveredAt! - killedAt;
    const newPrimary = await currentPrimary(cluster);
    progress(`writes resumed on ${newPrimary.name} ${rtoMs} ms after the fault`);
    let staleFencedMs: number | undefined;
    if (thawedAt !== undefined) {
        await waitUntil(`${primary.name}, thawed, to stop answering as primary`, async () => !(await answersAsPrimary(cluster, primary)), { timeoutMs: deadlineMs, intervalMs: 100 });
        staleFencedMs = Date.now() - thawedAt;
        progress(`${primary.name} shut down as a stale primary ${staleFencedMs} ms after the thaw`);
    }

    const survivors = topology.nodes.filter((node) => node.index !== primary.index && node.index !== newPrimary.index);
    await waitUntil("every surviving standby to follow the new primary", () => streamAndAreAttached(cluster, newPrimary, survivors), { timeoutMs: deadlineMs });
    const followMs = Date.now() - killedAt;

    const lost = await missingWrites(superuserOn(cluster, newPrimary), { caPem: secrets.pki.caCertPem, database: config.databaseName }, writer.acked);
    const report: FailoverDrillReport = {
        killed: primary.name,
        newPrimary: newPrimary.name,
        fault,
        rtoMs,
        largestGapMs: largestGap(writer.acked.map((write) => write.at)),
        acknowledged: writer.acked.length,
        ackedByKilledAfterKill: writer.acked.filter((write) => write.at > killedAt && write.serverPort === primary.port).length,
        ...(thawedAt === undefined ? {} : { ackedByStaleAfterThaw: writer.acked.filter((write) => write.at >= thawedAt && write.serverPort === primary.port).length, staleFencedMs }),
        lost,
        followers: survivors.map((node) => node.name),
        followMs,
    };
    if (options.rejoin === false) return report;
    if (isSupervised(cluster.state)) {
        await waitUntil(`${primary.name} to come back as a standby of ${newPrimary.name} by itself`, () => streamAndAreAttached(cluster, newPrimary, [primary]), { timeoutMs: Math.max(deadlineMs, SELF_REJOIN_DEADLINE_MS), intervalMs: 100 });
        const backByItselfMs = Date.now() - killedAt;
        progress(`${primary.name} streams from ${newPrimary.name} and is attached, ${backByItselfMs} ms after the fault, by itself`);
        return { ...report, backByItselfMs, verify: await verifyCluster(outputs, { onResult: () => undefined }) };
    }
    const rejoin = await localRejoin(stateDir, primary.name, deadlineMs);
    const verify = await verifyCluster(outputs, { onResult: () => undefined });
    return { ...report, rejoinMs: rejoin.durationMs, verify };
}

/** Whether every one of `standbys` streams from `primary` and pgpool has it up. */
async function streamAndAreAttached(cluster: LocalCluster, primary: PostgresEndpoint, standbys: readonly PostgresEndpoint[]): Promise<boolean> {
    const streaming = await streamingReplicas(superuserOn(cluster, primary), cluster.secrets.pki.caCertPem);
    const states = await poolNodes(cluster);
    return standbys.every((node) => streaming.has(node.name) && states.some((state) => state.nodeId === node.index && state.status !== "down"));
}

/**
 * Longest wait for a failed primary to come back by itself: its supervisor's restart, its wait
 * out of the failover window, a rewind and its start, then attach-backends.sh's next round.
 */
const SELF_REJOIN_DEADLINE_MS = 90_000;

/** SIGSTOP to a process and every process below it, SIGCONT to the same ones after `stallMs`; resolves to the time of the thaw. */
export async function stallProcessTree(pid: number, stallMs: number): Promise<number> {
    const frozen = [pid, ...descendantsOf(pid).map((child) => child.pid)].filter((id) => signal(id, "SIGSTOP"));
    await sleep(stallMs);
    // One that is gone meanwhile (pgpool or a script may have killed it) has nothing to thaw.
    for (const id of frozen) signal(id, "SIGCONT");
    return Date.now();
}

/** Sends a signal; false when the process is gone (a backend may end between listing and signalling). */
function signal(pid: number, name: NodeJS.Signals): boolean {
    try {
        process.kill(pid, name);
        return true;
    } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ESRCH") return false;
        throw error;
    }
}

/** The longest interval between consecutive times (sorted ascending); 0 with fewer than two. */
export function largestGap(times: readonly number[]): number {
    let largest = 0;
    for (let index = 1; index < times.length; index++) largest = Math.max(largest, times[index]! - times[index - 1]!);
    return largest;
}

export function formatDrillReport(report: FailoverDrillReport): string {
    const faultText = report.fault.kind === "kill" ? "SIGKILL of the postmaster" : `SIGSTOP of the postmaster and its children for ${report.fault.stallMs} ms`;
    const lines = [
        `failed primary            ${report.killed} (${faultText})`,
        `new primary               ${report.newPrimary}`,
        `RTO                       ${report.rtoMs} ms (fault to the first write the new primary acknowledged through pgpool)`,
        `largest write gap         ${report.largestGapMs} ms (between two consecutive acknowledged writes)`,
        `acknowledged writes       ${report.acknowledged} (${report.ackedByKilledAfterKill} by the failed primary's backends after the fault${report.ackedByStaleAfterThaw === undefined ? "" : `, ${report.ackedByStaleAfterThaw} after its thaw`})`,
        `lost acknowledged writes  ${report.lost.length}${report.lost.length ? `: ids ${report.lost.slice(0, 20).join(", ")}` : ""}`,
        `followers                 ${report.followers.join(", ") || "none"} stream from ${report.newPrimary} and are attached, ${report.followMs} ms after the kill`,
    ];
    if (report.staleFencedMs !== undefined) lines.push(`stale primary             ${report.killed} shut down ${report.staleFencedMs} ms after the thaw (attach-backends.sh)`);
    if (report.rejoinMs !== undefined) lines.push(`rejoin                    ${report.killed} rewound and streaming in ${report.rejoinMs} ms`);
    if (report.backByItselfMs !== undefined) lines.push(`back by itself            ${report.killed} restarted by its supervisor, streaming from ${report.newPrimary} and attached ${report.backByItselfMs} ms after the fault`);
    if (report.verify !== undefined) lines.push("", formatTable(report.verify));
    return lines.join("\n");
}
