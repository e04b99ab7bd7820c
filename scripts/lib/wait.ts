/** Bounded polling: every wait in the scripts has a deadline and reports progress on stderr. */
export interface WaitOptions {
    readonly timeoutMs: number;
    readonly intervalMs?: number;
    /** Called before each retry; throw from it to stop waiting early (a process died, say). */
    readonly abortIf?: () => void;
    /** True for an error that waiting cannot cure. Defaults to {@link isPermanentError}. */
    readonly isPermanent?: (error: unknown) => boolean;
}

export class WaitTimeoutError extends Error {}

/** A wait given up early: its check failed in a way that another try cannot change. */
export class WaitAbandonedError extends Error {}

/**
 * SQLSTATEs that no retry cures: invalid authorization (class 28), an unknown database, missing
 * privileges, and a connection string or option the server rejects.
 */
const PERMANENT_SQLSTATE = /^(28...|3D000|42501|08P01|42704)$/;
/** System and TLS errors that stay until someone changes a file, a permission or a certificate. */
const PERMANENT_CODE = new Set([
    "EACCES", "EPERM", "EISDIR", "ENOTDIR", "EROFS",
    "ERR_TLS_CERT_ALTNAME_INVALID", "DEPTH_ZERO_SELF_SIGNED_CERT", "SELF_SIGNED_CERT_IN_CHAIN", "UNABLE_TO_VERIFY_LEAF_SIGNATURE", "CERT_HAS_EXPIRED",
]);
/** The same faults as a child process prints them (psql, pgBackRest, pg_ctl). */
const PERMANENT_TEXT = /could not change directory|Permission denied|password authentication failed|no pg_hba\.conf entry|certificate verify failed|command not found/i;

/** True for an error that will not go away by waiting: the wait stops and reports it at once. */
export function isPermanentError(error: unknown): boolean {
    const { code, syscall } = (error ?? {}) as { code?: unknown; syscall?: unknown };
    if (typeof code === "string" && (PERMANENT_CODE.has(code) || PERMANENT_SQLSTATE.test(code))) return true;
    // A program that is not installed; a file that is missing now may be there at the next try.
    if (code === "ENOENT" && typeof syscall === "string" && syscall.startsWith("spawn")) return true;
    return PERMANENT_TEXT.test(error instanceof Error ? error.message : String(error));
}

/**
 * Polls `check` until it returns true. A string return is the reason it is not ready yet, kept
 * for the timeout message, as is the last error a check threw. An error that waiting cannot cure
 * (see {@link WaitOptions.isPermanent}) ends the wait at once with that error.
 */
export async function waitUntil(description: string, check: () => Promise<boolean | string>, options: WaitOptions): Promise<number> {
    const started = Date.now();
    const deadline = started + options.timeoutMs;
    const isPermanent = options.isPermanent ?? isPermanentError;
    let lastReason = "";
    for (let attempt = 1; ; attempt++) {
        options.abortIf?.();
        try {
            const result = await check();
            if (result === true) return Date.now() - started;
            lastReason = result === false ? "" : result;
        } catch (error) {
            const message = error instanceof Error ? error.message : String(error);
            if (isPermanent(error)) {
                throw new WaitAbandonedError(`gave up waiting for ${description} after ${Date.now() - started} ms: ${message} (waiting will not change this)`);
            }
            lastReason = message;
        }
        if (Date.now() >= deadline) {
            throw new WaitTimeoutError(`timed out after ${options.timeoutMs} ms waiting for ${description}${lastReason ? `; last seen: ${lastReason}` : ""}`);
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
