import { ROLE_NAMES } from "../../config";
import { scriptFile } from "./assets";
import { conninfo } from "./confSyntax";
import { EnvValue } from "./envFile";
import { CA_CERT_FILE, FAILOVER_SCRIPT, FOLLOW_PRIMARY_SCRIPT, PROMOTE_CANDIDATE_FILE } from "./fileNames";
import { HEALTH_CHECK, LAG_DETACH_BYTES, SEARCH_PRIMARY_SECONDS } from "./pgpoolConf";
import { RenderContext, RenderedFile } from "./types";

/** Seconds follow_primary waits for a re-pointed standby to stream before leaving it detached. */
export const FOLLOW_WAIT_SECONDS = 30;

/**
 * Seconds a standby that streams has to replay what the primary had written when asked before it
 * is attached (see `follows` in cluster-lib.sh).
 */
export const FOLLOW_CHECK_SECONDS = 3;

/** Seconds failover.sh waits, in a planned switchover, for the primary to finish its clean shutdown. */
export const SWITCHOVER_SHUTDOWN_SECONDS = 30;

/** Seconds between two rounds of attach-backends.sh. */
export const ATTACH_CHECK_SECONDS = 2;

/**
 * Questions that attach-backends.sh asks again, one after another, when the primary that pgpool
 * holds up left one unanswered, before it detaches it (which runs failover.sh as a failed health
 * check would): as many as pgpool's health check retries. pgpool's check can stay stuck on a
 * primary frozen in the middle of its TLS handshake (a Docker drill paused the primary for 20 s
 * and pgpool never failed it over), so this watch runs beside it on every platform.
 */
export const PRIMARY_PROBE_RETRIES = HEALTH_CHECK.maxRetries;

/** Seconds one probe of that watch waits for the primary's answer: pgpool's health check timeout. */
export const PRIMARY_PROBE_SECONDS = HEALTH_CHECK.timeoutSeconds;

/** Seconds between that watch's unanswered question and its next: pgpool's health check retry delay. */
export const PRIMARY_PROBE_DELAY_SECONDS = HEALTH_CHECK.retryDelaySeconds;

/**
 * Seconds pgpool may hold another node, or none, for its primary before attach-backends.sh
 * corrects it: longer than a search for a primary (pgpool's own, after a failover, a failback or
 * its start, is left to end) and two rounds.
 */
export const POOL_VIEW_GRACE_SECONDS = SEARCH_PRIMARY_SECONDS + 2 * ATTACH_CHECK_SECONDS;

/**
 * Seconds before attach-backends.sh asks pgpool again for what it asked and pgpool has not done:
 * pgpool's main process may be in a search for a primary, handling nothing else, for that long.
 */
export const POOL_REQUEST_PATIENCE_SECONDS = SEARCH_PRIMARY_SECONDS + 5;

/** The planned switchover, run on the pgpool host by `npm run switchover` (see the asset). */
export const SWITCHOVER_SCRIPT = "switchover.sh";

/** The script beside pgpool that attaches backends which come up after it (see the asset). */
export const ATTACH_BACKENDS_SCRIPT = "attach-backends.sh";

/** The superuser conninfo the cluster scripts' `sql` helper adds a node's host and port to. */
export function adminConninfo(runDir: string, applicationName: string): string {
    return conninfo({ user: ROLE_NAMES.superuser, dbname: "postgres", sslmode: "verify-full", sslrootcert: `${runDir}/${CA_CERT_FILE}`, connect_timeout: 2, application_name: applicationName });
}

/** What failover.sh, follow_primary.sh and attach-backends.sh read from pgpool's service.env. */
export function failoverEnv(context: RenderContext): Record<string, EnvValue> {
    const paths = context.layout.pgpool();
    return {
        PSQL: `${context.layout.clientBinDir}/psql`,
        ADMIN_CONNINFO: adminConninfo(paths.runDir, "pg-ha-failover"),
        PROMOTE_CANDIDATE_FILE: `${paths.runDir}/${PROMOTE_CANDIDATE_FILE}`,
        FOLLOW_WAIT_SECONDS,
        FOLLOW_CHECK_SECONDS,
        ATTACH_CHECK_SECONDS,
        POOL_VIEW_GRACE_SECONDS,
        POOL_REQUEST_PATIENCE_SECONDS,
        PRIMARY_PROBE_RETRIES,
        PRIMARY_PROBE_SECONDS,
        PRIMARY_PROBE_DELAY_SECONDS,
        SWITCHOVER_SHUTDOWN_SECONDS,
        LAG_DETACH_BYTES,
        DURABILITY: context.config.durability.mode,
        DURABILITY_WAIT_SECONDS: context.config.durability.waitSeconds,
        PCP_BIN_DIR: context.layout.pcpBinDir,
        PCP_PORT: context.topology.pgpool.pcpPort,
        PCP_USER: ROLE_NAMES.pcpAdmin,
    };
}

/**
 * pgpool's failover_command and follow_primary_command (assets), the script that attaches
 * backends coming up after pgpool, and their helpers. No ssh:
 * everything is SQL over TLS, so the same scripts serve Docker, EC2 and the local run.
 */
export function failoverScriptFiles(): RenderedFile[] {
    return [scriptFile(FAILOVER_SCRIPT), scriptFile(FOLLOW_PRIMARY_SCRIPT), scriptFile(ATTACH_BACKENDS_SCRIPT), scriptFile(SWITCHOVER_SCRIPT), scriptFile("cluster-lib.sh", "cluster-lib.sh", false)];
}
