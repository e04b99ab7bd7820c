import { shellQuote } from "./confSyntax";
import { renderClusterShellLib } from "./clusterShell";
import { RenderContext } from "./types";

export const FAILOVER_SCRIPT = "failover.sh";
export const FOLLOW_PRIMARY_SCRIPT = "follow_primary.sh";
/** A node id written here by a switchover: failover promotes it when it has all the WAL the others have. */
export const PROMOTE_CANDIDATE_FILE = "promote-candidate";
/** Seconds follow_primary waits for a re-pointed standby to stream before leaving it detached. */
export const FOLLOW_WAIT_SECONDS = 30;

function header(description: string): string[] {
    return [
        "#!/bin/bash",
        `# ${description}`,
        "# Rendered by pg-ha-stack; runs on the pgpool host as pgpool's user. No ssh: everything is SQL",
        "# over TLS, so the same script serves Docker, EC2 and the local run.",
        "set -uo pipefail",
    ];
}

/**
 * pgpool's failover_command: `failover.sh %d %h %p %D %m %H %M %P %r %R %N %S`. When the primary
 * failed it promotes the standby that has received the most WAL (pgpool's %m is only the lowest
 * live id), after turning synchronous replication off on it so that its commits do not wait for
 * a standby that has not followed yet; follow_primary turns it back on.
 */
export function renderFailoverScript(context: RenderContext): string {
    const runDir = context.layout.pgpool().runDir;
    return [
        ...header("pgpool failover_command: promote the most advanced standby when the primary fails."),
        "readonly SCRIPT=failover",
        `readonly RUN_DIR=${shellQuote(runDir)}`,
        ...renderClusterShellLib(context, runDir, context.layout.clientBinDir),
        "",
        "failed_id=$1",
        "lowest_live_id=$5",
        "old_primary_id=$8",
        "if [ \"$failed_id\" != \"$old_primary_id\" ]; then",
        "    log \"standby ${NODE_NAMES[$failed_id]} detached; the primary is unchanged\"",
        "    exit 0",
        "fi",
        "",
        "preferred=$lowest_live_id",
        `if [ -s "$RUN_DIR/${PROMOTE_CANDIDATE_FILE}" ]; then preferred=$(cat "$RUN_DIR/${PROMOTE_CANDIDATE_FILE}"); rm -f "$RUN_DIR/${PROMOTE_CANDIDATE_FILE}"; fi`,
        "",
        "# Ask every other node, in parallel, how much WAL it has received.",
        "work=$(mktemp -d)",
        "trap 'rm -rf \"$work\"' EXIT",
        "for id in \"${!NODE_NAMES[@]}\"; do",
        "    [ \"$id\" = \"$failed_id\" ] && continue",
        "    {",
        "        asked=$(now_ms)",
        "        sql \"$id\" \"SELECT CASE WHEN pg_is_in_recovery() THEN pg_wal_lsn_diff(COALESCE(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn()), '0/0')::bigint END\" > \"$work/$id\" 2>\"$work/$id.err\"",
        "        echo $(($(now_ms) - asked)) > \"$work/$id.ms\"",
        "    } &",
        "done",
        "wait",
        "best_id=\"\"",
        "best_lsn=-1",
        "for id in \"${!NODE_NAMES[@]}\"; do",
        "    [ \"$id\" = \"$failed_id\" ] && continue",
        "    lsn=$(cat \"$work/$id\" 2>/dev/null)",
        "    log \"${NODE_NAMES[$id]} answered in $(cat \"$work/$id.ms\") ms: received ${lsn:-nothing}\"",
        "    if [ -z \"$lsn\" ]; then log \"${NODE_NAMES[$id]} is not a reachable standby: $(cat \"$work/$id.err\" 2>/dev/null)\"; continue; fi",
        "    if [ \"$lsn\" -gt \"$best_lsn\" ] || { [ \"$lsn\" -eq \"$best_lsn\" ] && [ \"$id\" = \"$preferred\" ]; }; then",
        "        best_id=$id",
        "        best_lsn=$lsn",
        "    fi",
        "done",
        "if [ -z \"$best_id\" ]; then",
        "    log \"primary ${NODE_NAMES[$failed_id]} failed and no standby answered: nothing promoted\"",
        "    exit 1",
        "fi",
        "",
        "log \"primary ${NODE_NAMES[$failed_id]} failed; promoting ${NODE_NAMES[$best_id]}, which has received WAL up to byte $best_lsn\"",
        "statements=()",
        "if [ \"$SYNCHRONOUS_REPLICAS\" -gt 0 ]; then",
        "    statements+=(\"ALTER SYSTEM SET synchronous_standby_names = ''\" \"SELECT pg_reload_conf()\")",
        "fi",
        "# pg_promote(true) checks every 100 ms whether promotion has finished; this loop checks every 10 ms.",
        "statements+=(\"SELECT pg_promote(false)\" \"DO \\$\\$ BEGIN FOR attempt IN 1..3000 LOOP EXIT WHEN NOT pg_is_in_recovery(); PERFORM pg_sleep(0.01); END LOOP; END \\$\\$\" \"SELECT NOT pg_is_in_recovery()\")",
        "if ! result=$(sql \"$best_id\" \"${statements[@]}\" 2>&1) || [ \"${result##*$'\\n'}\" != t ]; then",
        "    log \"promoting ${NODE_NAMES[$best_id]} failed: $result\"",
        "    exit 1",
        "fi",
        "log \"${NODE_NAMES[$best_id]} is the new primary\"",
        "exit 0",
        "",
    ].join("\n");
}

/**
 * pgpool's follow_primary_command: `follow_primary.sh %d %h %p %D %m %H %M %P %r %R`, run for every
 * node but the new primary. Creates the standby's slot on the new primary first (else the standby
 * loops on "replication slot does not exist"), re-points it by ALTER SYSTEM and reload, waits until
 * the new primary streams to it, restores quorum commit, then re-attaches it to pgpool.
 */
export function renderFollowPrimaryScript(context: RenderContext): string {
    const pgpool = context.layout.pgpool();
    return [
        ...header("pgpool follow_primary_command: re-point one standby at the new primary and re-attach it."),
        "readonly SCRIPT=follow_primary",
        `readonly PCP_ATTACH=${shellQuote(`${context.layout.pcpBinDir}/pcp_attach_node`)}`,
        `readonly PCP_PORT=${context.topology.pgpool.pcpPort}`,
        ...renderClusterShellLib(context, pgpool.runDir, context.layout.clientBinDir),
        "",
        "node_id=$1",
        "new_primary_id=$5",
        "[ \"$node_id\" = \"$new_primary_id\" ] && exit 0",
        "name=${NODE_NAMES[$node_id]}",
        "primary=${NODE_NAMES[$new_primary_id]}",
        "",
        "if ! in_recovery=$(sql \"$node_id\" \"SELECT pg_is_in_recovery()\" 2>&1); then",
        "    log \"$name does not answer ($in_recovery); it stays detached until it is rejoined\"",
        "    exit 0",
        "fi",
        "if [ \"$in_recovery\" != t ]; then",
        "    log \"$name is not a standby (a former primary?); it stays detached: rejoin it with pg_rewind\"",
        "    exit 0",
        "fi",
        "if ! output=$(ensure_slot \"$new_primary_id\" \"$node_id\" 2>&1); then",
        "    log \"could not create slot ${NODE_SLOTS[$node_id]} on $primary: $output\"",
        "    exit 1",
        "fi",
        "conninfo=${UPSTREAM_CONNINFO[$node_id:$new_primary_id]}",
        "if ! output=$(sql \"$node_id\" \"ALTER SYSTEM SET primary_conninfo = '$conninfo'\" \"ALTER SYSTEM SET primary_slot_name = '${NODE_SLOTS[$node_id]}'\" \"SELECT pg_reload_conf()\" 2>&1); then",
        "    log \"could not re-point $name at $primary: $output\"",
        "    exit 1",
        "fi",
        `for attempt in $(seq 1 ${FOLLOW_WAIT_SECONDS * 10}); do`,
        "    streams_from \"$new_primary_id\" \"$node_id\" && break",
        `    if [ "$attempt" = ${FOLLOW_WAIT_SECONDS * 10} ]; then log "$name did not stream from $primary within ${FOLLOW_WAIT_SECONDS} s; it stays detached"; exit 1; fi`,
        "    sleep 0.1",
        "done",
        "log \"$name streams from $primary\"",
        "if [ \"$SYNCHRONOUS_REPLICAS\" -gt 0 ]; then",
        "    sql \"$new_primary_id\" \"ALTER SYSTEM RESET synchronous_standby_names\" \"SELECT pg_reload_conf()\" >/dev/null || log \"could not restore synchronous_standby_names on $primary\"",
        "fi",
        "if ! output=$(\"$PCP_ATTACH\" -h localhost -p \"$PCP_PORT\" -U pcpadmin -w -n \"$node_id\" 2>&1); then",
        "    log \"pcp_attach_node $name failed: $output\"",
        "    exit 1",
        "fi",
        "log \"$name attached to pgpool\"",
        "exit 0",
        "",
    ].join("\n");
}
