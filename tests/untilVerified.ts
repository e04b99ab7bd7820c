import { StackOutputs } from "../components/render";
import { verifyCluster } from "../scripts/lib/verify/verify";
import { waitUntil } from "../scripts/lib/wait";

/** How long {@link untilVerified} waits, and what it does between tries. */
export interface UntilVerifiedOptions {
    /** The bound on the wait. Defaults to 60 s: a scrape interval and an evaluation, with room. */
    readonly timeoutMs?: number;
    /** Pause between two runs of verify. Defaults to 1 s. */
    readonly intervalMs?: number;
    /** Run before each try, to watch the cluster while it recovers. Defaults to nothing. */
    readonly beforeEach?: () => Promise<void>;
}

/** verify's failed checks in words, or true when every check passes. */
export async function verifyFailures(outputs: StackOutputs): Promise<true | string> {
    const failed = (await verifyCluster(outputs, { onResult: () => undefined })).filter((result) => !result.passed);
    return failed.length === 0 || failed.map((result) => `${result.id}. ${result.figure}`).join("; ");
}

/**
 * Waits until every verify check passes after a recovery, and returns the milliseconds it took.
 * The cluster can be whole before check 8 agrees: it reads Prometheus's last scrape (up to one
 * 15 s interval old) and its alerts, and an alert that fired while a node was away for more than
 * a minute resolves only at the evaluation after a scrape that finds the node back.
 */
export function untilVerified(what: string, outputs: () => StackOutputs, options: UntilVerifiedOptions = {}): Promise<number> {
    return waitUntil(`verify 8/8 ${what}`, async () => {
        await options.beforeEach?.();
        return verifyFailures(outputs());
    }, { timeoutMs: options.timeoutMs ?? 60_000, intervalMs: options.intervalMs ?? 1000, isPermanent: () => false });
}
