#!/bin/bash
# pgpool failover_command: promote the most advanced standby when the primary fails.
# Installed by pg-ha-stack; runs on the pgpool host as pgpool's user. No ssh: everything is SQL
# over TLS, so the same script serves Docker, EC2 and the local run.
# pgpool.conf: failover_command = 'failover.sh %d %h %p %D %m %H %M %P %r %R %N %S'
# When the primary failed it promotes the standby that has received the most WAL (pgpool's %m is
# only the lowest live id), then re-points the other standbys at it. Quorum commit stays as
# configured; attach-backends.sh applies the durability policy when they do not come.
# It promotes nothing when the node pgpool took for its primary answers as a standby, or another
# node answers as primary: pgpool's view was wrong, and a promotion would make two primaries.
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

preferred=$lowest_live_id
if [ -s "$PROMOTE_CANDIDATE_FILE" ]; then
    preferred=$(<"$PROMOTE_CANDIDATE_FILE")
    rm -f "$PROMOTE_CANDIDATE_FILE"
    # A planned switchover shuts the primary down cleanly. Its client sessions break at once, so
    # pgpool may run this before the shutdown checkpoint has reached the standbys (seen under a
    # writer: the target was promoted without it and the switchover never saw it arrive). Wait
    # while the primary says it is shutting down: it exits only once its walsenders have sent
    # everything to the standbys that stream.
    deadline=$((SECONDS + SWITCHOVER_SHUTDOWN_SECONDS))
    while "${PSQL%/*}/pg_isready" -q -t 2 -h "${NODE_HOSTS[$failed_id]}" -p "${NODE_PORTS[$failed_id]}"; [ $? = 1 ] && [ "$SECONDS" -lt "$deadline" ]; do
        sleep 0.1
    done
fi

# Ask every node at once: the failed one whether it still answers as primary (a frozen one costs
# a connect timeout, which the others' answers do not wait for), the others how much WAL each has
# received.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sql "$failed_id" "SELECT pg_is_in_recovery()" >"$work/failed" 2>/dev/null &
failed_check=$!
standby_checks=()
for id in "${!NODE_NAMES[@]}"; do
    [ "$id" = "$failed_id" ] && continue
    {
        asked=$(now_ms)
        sql "$id" "SELECT CASE WHEN pg_is_in_recovery() THEN pg_wal_lsn_diff(COALESCE(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn()), '0/0')::bigint::text ELSE 'primary' END" > "$work/$id" 2>"$work/$id.err"
        echo $(($(now_ms) - asked)) > "$work/$id.ms"
    } &
    standby_checks+=($!)
done
wait "${standby_checks[@]}"
# A primary that is alive answers about as fast as the standbys did; half a second more for a busy one.
for _ in $(seq 1 5); do kill -0 "$failed_check" 2>/dev/null || break; sleep 0.1; done
# One that has not answered by now is frozen or gone: its psql is not waited for (nor its timeout).
kill "$failed_check" 2>/dev/null
# pgpool also runs this for a request it queued while the node was down and handles once the
# node is up again as its primary (a node booting late): a primary that answers has not failed,
# and promoting another would make two. Detached, it is attached again by attach-backends.sh.
case $(cat "$work/failed") in
    f) log "primary ${NODE_NAMES[$failed_id]} answers as primary: pgpool's request is stale or only its own connection failed; nothing promoted"
       exit 0 ;;
    t) log "${NODE_NAMES[$failed_id]} answers as a standby: pgpool took it for its primary wrongly; nothing promoted (attach-backends.sh corrects pgpool's view)"
       exit 0 ;;
esac
best_id=""
best_lsn=-1
for id in "${!NODE_NAMES[@]}"; do
    [ "$id" = "$failed_id" ] && continue
    lsn=$(cat "$work/$id" 2>/dev/null)
    if [ "$lsn" = primary ]; then
        # pgpool's view was wrong (see attach-backends.sh): promoting a standby would make two.
        log "${NODE_NAMES[$id]} answers as primary: pgpool took ${NODE_NAMES[$failed_id]} for its primary wrongly; nothing promoted"
        exit 0
    fi
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
# pg_promote(true) checks every 100 ms whether promotion has finished; this loop checks every 10 ms.
statements=("SELECT pg_promote(false)" "DO \$\$ BEGIN FOR attempt IN 1..3000 LOOP EXIT WHEN NOT pg_is_in_recovery(); PERFORM pg_sleep(0.01); END LOOP; END \$\$" "SELECT NOT pg_is_in_recovery()")
if ! result=$(SQL_TIMEOUT_SECONDS=40 sql "$best_id" "${statements[@]}" 2>&1) || [ "${result##*$'\n'}" != t ]; then
    log "promoting ${NODE_NAMES[$best_id]} failed: $result"
    exit 1
fi
log "${NODE_NAMES[$best_id]} is the new primary"
# Every other standby follows it now, in parallel: pgpool runs follow_primary.sh only after its
# search for the new primary, and commits wait for a standby meanwhile.
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
exit 0
