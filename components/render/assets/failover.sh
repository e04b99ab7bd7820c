#!/bin/bash
# pgpool failover_command: promote the most advanced standby when the primary fails.
# Installed by pg-ha-stack; runs on the pgpool host as pgpool's user. No ssh: everything is SQL
# over TLS, so the same script serves Docker, EC2 and the local run.
# pgpool.conf: failover_command = 'failover.sh %d %h %p %D %m %H %M %P %r %R %N %S'
# When the primary failed it promotes the standby that has received the most WAL (pgpool's %m is
# only the lowest live id), after turning synchronous replication off on it so that its commits
# do not wait for a standby that has not followed yet; follow_primary.sh turns it back on.
set -uo pipefail
readonly SCRIPT=failover
# shellcheck source=cluster-lib.sh
. "${BASH_SOURCE[0]%/*}/cluster-lib.sh"

failed_id=$1
lowest_live_id=$5
old_primary_id=$8
if [ "$failed_id" != "$old_primary_id" ]; then
    log "standby ${NODE_NAMES[$failed_id]} detached; the primary is unchanged"
    exit 0
fi

# pgpool also runs this for a request it queued while the node was down and handles once the
# node is up again as its primary (a node booting late): a primary that answers has not failed,
# and promoting another would make two. Detached, it is attached again by attach-backends.sh.
if [ "$(sql "$failed_id" "SELECT pg_is_in_recovery()" 2>/dev/null)" = f ]; then
    log "primary ${NODE_NAMES[$failed_id]} answers as primary: pgpool's request is stale or only its own connection failed; nothing promoted"
    exit 0
fi

preferred=$lowest_live_id
if [ -s "$PROMOTE_CANDIDATE_FILE" ]; then preferred=$(<"$PROMOTE_CANDIDATE_FILE"); rm -f "$PROMOTE_CANDIDATE_FILE"; fi

# Ask every other node, in parallel, how much WAL it has received.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for id in "${!NODE_NAMES[@]}"; do
    [ "$id" = "$failed_id" ] && continue
    {
        asked=$(now_ms)
        sql "$id" "SELECT CASE WHEN pg_is_in_recovery() THEN pg_wal_lsn_diff(COALESCE(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn()), '0/0')::bigint END" > "$work/$id" 2>"$work/$id.err"
        echo $(($(now_ms) - asked)) > "$work/$id.ms"
    } &
done
wait
best_id=""
best_lsn=-1
for id in "${!NODE_NAMES[@]}"; do
    [ "$id" = "$failed_id" ] && continue
    lsn=$(cat "$work/$id" 2>/dev/null)
    log "${NODE_NAMES[$id]} answered in $(cat "$work/$id.ms") ms: received ${lsn:-nothing}"
    if [ -z "$lsn" ]; then log "${NODE_NAMES[$id]} is not a reachable standby: $(cat "$work/$id.err" 2>/dev/null)"; continue; fi
    if [ "$lsn" -gt "$best_lsn" ] || { [ "$lsn" -eq "$best_lsn" ] && [ "$id" = "$preferred" ]; }; then
        best_id=$id
        best_lsn=$lsn
    fi
done
if [ -z "$best_id" ]; then
    log "primary ${NODE_NAMES[$failed_id]} failed and no standby answered: nothing promoted"
    exit 1
fi

log "primary ${NODE_NAMES[$failed_id]} failed; promoting ${NODE_NAMES[$best_id]}, which has received WAL up to byte $best_lsn"
statements=()
if [ "$SYNCHRONOUS_REPLICAS" -gt 0 ]; then
    statements+=("ALTER SYSTEM SET synchronous_standby_names = ''" "SELECT pg_reload_conf()")
fi
# pg_promote(true) checks every 100 ms whether promotion has finished; this loop checks every 10 ms.
statements+=("SELECT pg_promote(false)" "DO \$\$ BEGIN FOR attempt IN 1..3000 LOOP EXIT WHEN NOT pg_is_in_recovery(); PERFORM pg_sleep(0.01); END LOOP; END \$\$" "SELECT NOT pg_is_in_recovery()")
if ! result=$(sql "$best_id" "${statements[@]}" 2>&1) || [ "${result##*$'\n'}" != t ]; then
    log "promoting ${NODE_NAMES[$best_id]} failed: $result"
    exit 1
fi
log "${NODE_NAMES[$best_id]} is the new primary"
# Every other standby follows it now, in parallel. pgpool runs follow_primary.sh for the standbys
# it detached, but its auto_failback may re-attach one first (on a replication state it read
# before the failover), and pgpool then never runs follow_primary.sh for it: it would stay on
# the failed primary for good.
for id in "${!NODE_NAMES[@]}"; do
    [ "$id" = "$failed_id" ] || [ "$id" = "$best_id" ] && continue
    {
        if [ "$(sql "$id" "SELECT pg_is_in_recovery()" 2>/dev/null)" != t ]; then
            log "${NODE_NAMES[$id]} is not a reachable standby: follow_primary.sh or its own restart brings it back"
        elif output=$(repoint "$id" "$best_id" 2>&1); then
            log "${NODE_NAMES[$id]} re-pointed at ${NODE_NAMES[$best_id]}"
        else
            log "could not re-point ${NODE_NAMES[$id]} at ${NODE_NAMES[$best_id]}: $output"
        fi
    } &
done
wait
# Quorum commit comes back as soon as enough standbys stream, whichever path brought them back;
# pgpool does not wait for it (stdout and stderr stay pgpool's log).
restore_quorum "$best_id" </dev/null &
disown
exit 0
