import { SWITCHOVER_SHUTDOWN_SECONDS } from "../../../components/render";
import { SwitchoverSeat } from "./nodeSeats";

/** Thrown when a switchover is refused before anything changed. */
export class SwitchoverRefused extends Error {}

export interface SwitchoverOutcome {
    readonly from: string;
    readonly to: string;
    /** The primary's shutdown to pgpool sending writes to the new primary. */
    readonly writeOutageMs: number;
    /** Whether the former primary was seen following the new one ("not-waited" when not asked to wait). */
    readonly rejoined: "yes" | "no" | "not-waited";
}

export interface SwitchoverRequest {
    /** Refuse when the target's replay is further behind than this. Defaults to 16 MB. */
    readonly maxLagBytes?: number;
    /** Seconds to wait for the former primary to follow the new one; 0 waits not. Defaults to 0. */
    readonly rejoinWaitSeconds?: number;
}

/**
 * The planned switchover to `target`, by switchover.sh on the pgpool host (the same script on
 * every platform; see the asset): refused in words (SwitchoverRefused) when a check fails.
 */
export async function switchoverThrough(seat: SwitchoverSeat, target: string, request: SwitchoverRequest = {}): Promise<SwitchoverOutcome> {
    const maxLagBytes = request.maxLagBytes ?? 16 * 1024 * 1024;
    const rejoinWaitSeconds = request.rejoinWaitSeconds ?? 0;
    const timeoutMs = (4 * SWITCHOVER_SHUTDOWN_SECONDS + rejoinWaitSeconds) * 1000;
    const result = await seat.host.run(["/bin/bash", seat.script, target, String(maxLagBytes), String(rejoinWaitSeconds)], timeoutMs);
    const refusal = /switchover refused, nothing changed: (.*)/.exec(result.stderr);
    if (result.code === 2 && refusal !== null) throw new SwitchoverRefused(refusal[1]!);
    const done = /^switched from=(\S+) to=(\S+) writes_paused_ms=(\d+) rejoined=(yes|no|not-waited)$/m.exec(result.stdout);
    if (result.code !== 0 || done === null) {
        throw new Error(`the switchover failed on ${seat.host.where} (exit ${result.code}):\n${`${result.stderr}${result.stdout}`.trim().split("\n").slice(-20).join("\n")}`);
    }
    return { from: done[1]!, to: done[2]!, writeOutageMs: Number(done[3]), rejoined: done[4] as SwitchoverOutcome["rejoined"] };
}
