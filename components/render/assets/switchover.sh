#!/bin/bash
# switchover.sh TARGET [MAX_LAG_BYTES] [REJOIN_WAIT_SECONDS]: a planned switchover to the standby
# TARGET with no data loss. Runs on the pgpool host as pgpool's user; `npm run switchover` runs it
# there on every platform (a process of the local run, docker exec). Installed by pg-ha-stack.
# Refuses, changing nothing (exit 2), an unknown node, the primary itself, a node pgpool has down,
# and a standby that does not stream through its slot or is more than MAX_LAG_BYTES (16 MB) behind.
# Then it names TARGET to failover.sh, shuts the primary down cleanly (a fast shutdown: its
# walsenders send all WAL first), waits until TARGET has received it, detaches the primary from
# pgpool (failover.sh promotes TARGET) and waits until pgpool sends writes to TARGET. The former
# primary's supervisor (Docker's restart policy, systemd, the local run's) starts it again and its
# start script rejoins it as TARGET's standby; with REJOIN_WAIT_SECONDS it waits for that too.
# Prints one line: "switched from=node0 to=node1 writes_paused_ms=N rejoined=yes|no|not-waited".
set -uo pipefail
readonly SCRIPT=switchover
# shellcheck source=cluster-lib.sh
. "${BASH_SOURCE[0]%/*}/cluster-lib.sh"
export HOME="$RUN_DIR" PGPASSFILE="$RUN_DIR/$PGPASS_FILE" PCPPASSFILE="$RUN_DIR/$PCPPASS_FILE"

refuse() { echo "switchover refused, nothing changed: $*" >&2; exit 2; }
fail() { log "$*"; exit 1; }

# wait_for WHAT COMMAND...: true once COMMAND succeeds, within SWITCHOVER_SHUTDOWN_SECONDS.
wait_for() {
    local what=$1 deadline=$((SECONDS + SWITCHOVER_SHUTDOWN_SECONDS))
    shift
    until "$@"; do
        [ "$SECONDS" -lt "$deadline" ] || fail "gave up after $SWITCHOVER_SHUTDOWN_SECONDS s waiting for $what"
        sleep 0.1
    done
}

target_name=${1:?usage: switchover.sh TARGET [MAX_LAG_BYTES] [REJOIN_WAIT_SECONDS]}
max_lag=${2:-16777216}
rejoin_wait=${3:-0}
target=""
for id in "${!NODE_NAMES[@]}"; do [ "${NODE_NAMES[$id]}" = "$target_name" ] && target=$id; done
[ -n "$target" ] || refuse "no node $target_name in this cluster (nodes: ${NODE_NAMES[*]})"
mapfile -t answering < <(primaries "")
[ ${#answering[@]} = 1 ] || refuse "${#answering[@]} nodes answer as primary; a switchover needs exactly one"
primary=${answering[0]% *}
timeline=${answering[0]#* }
primary_name=${NODE_NAMES[$primary]}
[ "$primary" != "$target" ] || refuse "$target_name is already the primary"
view=$(pool_view "$target") || refuse "pgpool does not answer (pcp_node_info)"
[ "${view% *}" != 3 ] || refuse "$target_name is down in pgpool; rejoin it before switching over to it"
lag=$(lag_bytes "$primary" "$target")
{ [ -n "$lag" ] && streams_from "$primary" "$target"; } || refuse "$target_name is not streaming from $primary_name through its slot"
[ "$lag" -le "$max_lag" ] || refuse "$target_name is $lag bytes behind $primary_name (more than $max_lag); wait for it to catch up"

echo "$target" > "$PROMOTE_CANDIDATE_FILE"
trap 'rm -f "$PROMOTE_CANDIDATE_FILE"' EXIT
written=$(sql "$primary" "SELECT pg_current_wal_lsn()") || fail "$primary_name did not answer"
log "checks passed; shutting $primary_name down cleanly so that $target_name receives all of its WAL"
stopped_at=$(now_ms)
fence "$primary" "$timeline" || fail "$primary_name still answers as primary after the shutdown request"
# pg_isready: 0 accepting, 1 rejecting (shutting down), 2 no response (gone).
gone() { "${PSQL%/*}/pg_isready" -q -t 2 -h "${NODE_HOSTS[$primary]}" -p "${NODE_PORTS[$primary]}"; [ $? = 2 ]; }
wait_for "$primary_name to stop" gone
# pgpool may have failed it over already (the sessions the shutdown broke); the target then is primary.
received() { [ "$(sql "$target" "SELECT NOT pg_is_in_recovery() OR pg_last_wal_receive_lsn() > '$written'" 2>/dev/null)" = t ]; }
wait_for "$target_name to receive $primary_name's shutdown checkpoint (after $written)" received
pool_node detach "$primary" "switchover to $target_name" || true
routed() { case $(pool_view "$target") in "1 primary" | "2 primary") return 0 ;; *) return 1 ;; esac; }
wait_for "pgpool to send writes to $target_name" routed
paused_ms=$(($(now_ms) - stopped_at))
log "$target_name is the primary; writes paused $paused_ms ms"
rejoined=not-waited
if [ "$rejoin_wait" -gt 0 ]; then
    rejoined=no
    deadline=$((SECONDS + rejoin_wait))
    while [ "$SECONDS" -lt "$deadline" ]; do
        if follows "$target" "$primary"; then rejoined=yes; break; fi
        sleep 0.5
    done
    log "$primary_name rejoined as $target_name's standby: $rejoined (waited up to $rejoin_wait s)"
fi
echo "switched from=$primary_name to=$target_name writes_paused_ms=$paused_ms rejoined=$rejoined"
