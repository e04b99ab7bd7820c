import { openLocalCluster } from "../local/cluster";
import { appThroughPgpool, currentPrimary, superuserOn } from "../local/pgpoolControl";
import { localSwitchover, SwitchoverResult } from "../local/switchover";
import { sleep, waitUntil } from "../wait";
import { largestGap } from "./failoverDrill";
import { missingWrites, NumberedWriter } from "./writer";

export interface SwitchoverDrillOptions {
    /** Longest wait for the first write acknowledged after the switchover returned. */
    readonly ackDeadlineMs: number;
    /** Writes kept going after that one. */
    readonly afterMs: number;
}

export interface SwitchoverDrillReport {
    readonly result: SwitchoverResult;
    /** Largest time between two consecutive acknowledged writes: how long writes paused. */
    readonly largestGapMs: number;
    readonly acknowledged: number;
    /** Acknowledged ids missing on the primary afterwards. */
    readonly lost: number[];
}

/**
 * A planned switchover of a local run to `targetName` under a writer that inserts numbered rows
 * through pgpool from 1 s before it. Writes may still wait (for a standby to stream again) when
 * the switchover returns: the writer runs until a write is acknowledged after it, and `afterMs`
 * more, so that the pause is closed by a later write.
 */
export async function switchoverUnderWriter(stateDir: string, targetName: string, options: SwitchoverDrillOptions): Promise<SwitchoverDrillReport> {
    const cluster = openLocalCluster(stateDir);
    const caPem = cluster.secrets.pki.caCertPem;
    const writer = new NumberedWriter(appThroughPgpool(cluster), caPem);
    await writer.prepare();
    const result: SwitchoverResult = await writer.during(async () => {
        await sleep(1000);
        const switched = await localSwitchover(stateDir, targetName);
        const returnedAt = Date.now();
        await waitUntil("a write acknowledged after the switchover", async () => writer.acked.some((write) => write.at > returnedAt), { timeoutMs: options.ackDeadlineMs, intervalMs: 20 });
        await sleep(options.afterMs);
        return switched;
    });
    const lost = await missingWrites(superuserOn(cluster, await currentPrimary(cluster)), { caPem, database: cluster.config.databaseName }, writer.acked);
    return { result, largestGapMs: largestGap(writer.acked.map((write) => write.at)), acknowledged: writer.acked.length, lost };
}
