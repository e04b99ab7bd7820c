import { StackOutputs } from "../../../components/render";
import { ConnectionParts } from "../pg";

/** One row of the verification table. */
export interface CheckResult {
    readonly id: number;
    readonly name: string;
    readonly passed: boolean;
    /** The measured figure behind the verdict, for people. */
    readonly figure: string;
    readonly durationMs: number;
}

/** What every check needs: the outputs, parsed, and where to find pgpool's log if known. */
export interface VerifyTarget {
    readonly outputs: StackOutputs;
    readonly pgpool: ConnectionParts;
    readonly primary: ConnectionParts;
    readonly replicas: readonly ConnectionParts[];
    readonly caPem: string;
    /** pgpool's log, when the outputs came from a local run; quoted when pgpool refuses a login. */
    readonly pgpoolLogFile?: string;
    /**
     * Endpoints (host:port) that did not answer within the connect timeout in this run, with what
     * to report: later checks fail at once on them instead of waiting out the timeout again.
     */
    readonly unanswered: Map<string, string>;
}

/** Thresholds from the seed: a replica further behind than either fails check 6. */
export const LAG_LIMITS = { bytes: 100 * 1024 * 1024, seconds: 60 } as const;
