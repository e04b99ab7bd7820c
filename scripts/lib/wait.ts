/** Bounded polling: every wait in the scripts has a deadline and reports progress on stderr. */
export interface WaitOptions {
    readonly timeoutMs: number;
    readonly intervalMs?: number;
    /** Called before each retry; throw from it to stop waiting early (a process died, say). */
    readonly abortIf?: () => void;
}

export class WaitTimeoutError extends Error {}

/**
 * Polls `check` until it returns true. A string return is the reason it is not ready yet, kept
 * for the timeout message.
 */
export async function waitUntil(description: string, check: () => Promise<boolean | string>, options: WaitOptions): Promise<number> {
    const started = Date.now();
    const deadline = started + options.timeoutMs;
    let lastReason = "";
    for (let attempt = 1; ; attempt++) {
        options.abortIf?.();
        try {
            const result = await check();
            if (result === true) return Date.now() - started;
            lastReason = result === false ? "" : result;
        } catch (error) {
            lastReason = error instanceof Error ? error.message : String(error);
        }
        if (Date.now() >= deadline) {
            throw new WaitTimeoutError(`timed out after ${options.timeoutMs} ms waiting for ${description}${lastReason ? `: ${lastReason}` : ""}`);
        }
        await sleep(Math.min(options.intervalMs ?? 100, Math.max(1, deadline - Date.now())));
    }
}

export function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
}

/** One-line progress on stderr, so stdout stays for results. */
export function progress(message: string): void {
    process.stderr.write(`[${new Date().toISOString().slice(11, 23)}] ${message}\n`);
}
