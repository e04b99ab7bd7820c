#!/bin/bash
# attach-backends.sh PGPOOL_PID: while pgpool runs, attaches every backend it has down that is
# healthy and in its place. Started beside pgpool by its start script. Installed by pg-ha-stack.
# pgpool detaches a backend that is not up when it starts and never attaches it by itself
# (auto_failback is off, see below): a cluster whose hosts boot in another order (pgpool first, a
# node late, an engine or a host restarting everything at once) would stay without its primary or
# its standbys for good. Every ATTACH_CHECK_SECONDS it:
# - shuts down a stale primary: a node that answers as primary on an earlier timeline than another
#   (frozen or cut off while a standby was promoted); its supervisor restarts it and its start
#   script rejoins it as a standby. Two primaries on one timeline: neither is attached, logged;
# - attaches the node that answers as primary when pgpool has no primary up;
# - corrects pgpool's view when, for POOL_VIEW_GRACE_SECONDS, it holds another node or none for
#   its primary (pgpool looks for a primary only on a failover or a failback, for
#   SEARCH_PRIMARY_SECONDS: one that ended before the primary was up leaves it without one for
#   good): the node that answers as primary is attached when pgpool has it down (pgpool searches
#   again), else pcp_promote_node, pgpool's own way of taking a node for its primary, which
#   promotes nothing in PostgreSQL;
# - attaches a standby that follows the primary: streams through its own slot and replays what
#   the primary writes (`follows`), never on one sample of "streaming" (pgpool's auto_failback is
#   off for that reason). A node detached on purpose (pcp_detach_node) is attached again only if
#   it is healthy and in its place;
# - detaches a standby more than LAG_DETACH_BYTES behind, so that pgpool sends it no reads, and
#   attaches it again once it follows (pgpool's own delay_threshold needs its replication check
#   worker, which is off: it blocks failover on a frozen node);
# - keeps quorum commit as configured, whatever brought the standbys back (keep_quorum);
# - detaches a node pgpool holds up once it has left as many questions in a row unanswered as
#   pgpool's health check would (still_answers), which runs failover.sh, and ends the sessions
#   waiting on it: pgpool's own health check can stay stuck on a node frozen in the middle of its
#   TLS handshake, and then never fails a primary over nor detaches a standby (whose sessions
#   wait on it until it thaws).
# Every query here gives up after PRIMARY_PROBE_SECONDS: a node that froze while this round asks
# it holds the round up no longer than that.
# pgpool's main process handles one request at a time, and a search for a primary holds it up to
# SEARCH_PRIMARY_SECONDS: a request is not repeated for a node whose state in pgpool has not
# changed since, before POOL_REQUEST_PATIENCE_SECONDS (else the queue fills with copies).
set -uo pipefail
readonly SCRIPT=attach-backends
# shellcheck source=cluster-lib.sh
. "${BASH_SOURCE[0]%/*}/cluster-lib.sh"
readonly PGPOOL_PID=$1
export SQL_TIMEOUT_SECONDS=$PRIMARY_PROBE_SECONDS

declare -A requested=() last_view=()
# request attach|detach|promote ID REASON: pool_node, unless the same request for that node was
# made within POOL_REQUEST_PATIENCE_SECONDS and pgpool's view of the node is the same since.
request() {
    local key="$1 $2"
    if [ -n "${requested[$key]:-}" ] && [ $((SECONDS - ${requested[$key]})) -lt "$POOL_REQUEST_PATIENCE_SECONDS" ]; then return 0; fi
    requested[$key]=$SECONDS
    pool_node "$@" || unset "requested[$key]"
}
# Since when (ms) pgpool's primary (none when empty) has differed from the node that answers as
# primary: "<answering> <pgpool's> <since>".
view_mismatch=""

# still_answers ID SINCE_MS: after a question that a node pgpool holds up left unanswered (asked
# at SINCE_MS), asks it again up to PRIMARY_PROBE_RETRIES times, PRIMARY_PROBE_DELAY_SECONDS
# apart, each given PRIMARY_PROBE_SECONDS, as pgpool's health check does: true once it answers.
# When none is answered, it is detached (pcp_detach_node, which runs failover.sh: a primary is
# failed over, a standby only leaves pgpool's view until it follows again), the sessions waiting on
# it are ended, and this fails.
still_answers() {
    local id=$1 since=$2 view silent
    for _ in $(seq 1 "$PRIMARY_PROBE_RETRIES"); do
        read -r -t "$PRIMARY_PROBE_DELAY_SECONDS" -u "$never" || true
        sql "$id" "SELECT 1" >/dev/null 2>&1 && return 0
        kill -0 "$PGPOOL_PID" 2>/dev/null || return 0
    done
    silent="it has answered none of $((PRIMARY_PROBE_RETRIES + 1)) questions in $(($(now_ms) - since)) ms"
    if [ "$id" = "$pool_primary" ]; then
        request detach "$id" "pgpool holds it up as its primary, but $silent (pgpool's health check has not failed it over yet); failover.sh promotes the most advanced standby" || return 1
    else
        request detach "$id" "pgpool holds it up as a standby, but $silent (pgpool's health check has not detached it yet): sessions that read from it would wait on it; it is attached again once it follows" || return 1
    fi
    # pgpool restarts its children after a failed health check, not always after pcp_detach_node:
    # a session waiting on the frozen node would wait until it thaws. Each look at pgpool's view
    # of a frozen node costs a connect timeout (pcp_node_info pings the node).
    local deadline=$(($(now_ms) + 3000))
    until view=$(pool_view "$id") && [ "${view% *}" = 3 ] || [ "$(now_ms)" -ge "$deadline" ]; do sleep 0.1; done
    end_sessions_on "$id"
    return 1
}

# end_sessions_on ID: ends every pgpool child that serves a client through a connection to node
# ID (SIGQUIT, as pgpool's own failover restarts its children); pgpool starts new ones, and
# their clients reconnect. pcp_proc_info can list a slot with PID 0 (seen in CI during a
# failover): never signalled, since kill 0 means this script's own process group.
end_sessions_on() {
    local pids=()
    mapfile -t pids < <("$PCP_BIN_DIR/pcp_proc_info" -v -a -h localhost -p "$PCP_PORT" -U "$PCP_USER" -w 2>/dev/null |
        awk -F' *: *' -v id="$1" '/^Connected/ { connected = $2 } /^PID/ { pid = $2 } /^Backend ID/ { backend = $2 }
            /^Status/ { if (connected == 1 && backend == id && pid > 0) print pid }' | sort -u)
    [ ${#pids[@]} -gt 0 ] || return 0
    kill -QUIT "${pids[@]}" 2>/dev/null
    log "ended the ${#pids[@]} pgpool sessions that had a connection to ${NODE_NAMES[$1]} (children ${pids[*]}): their clients reconnect"
}

# Waits with read on a pipe nobody writes to: no sleep process is left behind when it is killed.
exec {never}<> <(:)
while kill -0 "$PGPOOL_PID" 2>/dev/null; do
    read -r -t "$ATTACH_CHECK_SECONDS" -u "$never" || true
    declare -A status=() role=()
    pool_primary=""
    for id in "${!NODE_NAMES[@]}"; do
        view=$(pool_view "$id") || continue 2
        status[$id]=${view% *}
        role[$id]=${view#* }
        [ "${status[$id]}" != 3 ] && [ "${role[$id]}" = primary ] && pool_primary=$id
        # Its state in pgpool changed: pgpool handled what was asked, or something else happened.
        if [ "${last_view[$id]:-}" != "$view" ]; then unset "requested[attach $id]" "requested[detach $id]" "requested[promote $id]"; fi
        last_view[$id]=$view
    done
    asked_ms=$(now_ms)
    mapfile -t answered < <(answers "")
    answering=()
    for entry in "${answered[@]}"; do [ "${entry#* }" = 0 ] || answering+=("$entry"); done
    # Every node pgpool holds up, its primary first, has answered, or is asked again (still_answers);
    # one that answers a retry is not asked again in this round.
    for id in $pool_primary "${!NODE_NAMES[@]}"; do
        [ "${status[$id]}" = 3 ] || [[ " ${answered[*]%% *} " == *" $id "* ]] && continue
        still_answers "$id" "$asked_ms" || continue 2
        answered+=("$id")
    done
    [ ${#answering[@]} -gt 0 ] || continue
    primary=${answering[0]% *}
    timeline=${answering[0]#* }
    if [ ${#answering[@]} -gt 1 ] && [ "${answering[1]#* }" = "$timeline" ]; then
        log "more than one node answers as primary on timeline $timeline (${answering[*]%% *}): none is attached until one is a standby"
        continue
    fi
    for stale in "${answering[@]:1}"; do
        log "${NODE_NAMES[${stale% *}]} answers as primary on timeline ${stale#* }, behind ${NODE_NAMES[$primary]}'s $timeline: a stale former primary; shutting it down so that it rejoins as a standby"
        fence "${stale% *}" "${stale#* }" || log "${NODE_NAMES[${stale% *}]} still answers as primary after the shutdown request"
    done
    if [ "${status[$primary]}" = 3 ] && [ -z "$pool_primary" ]; then
        request attach "$primary" "it is the node that answers as primary, and pgpool had none"
        continue
    fi
    if [ "$pool_primary" = "$primary" ]; then
        view_mismatch=""
    else
        [ "${view_mismatch% *}" = "$primary $pool_primary" ] || view_mismatch="$primary $pool_primary $(now_ms)"
        held_ms=$(($(now_ms) - ${view_mismatch##* }))
        if [ "$held_ms" -ge $((POOL_VIEW_GRACE_SECONDS * 1000)) ]; then
            held=${pool_primary:+${NODE_NAMES[$pool_primary]}}
            reason="it answers as primary, and pgpool has held ${held:-no node} for its primary for $((held_ms / 1000)) s"
            if [ "${status[$primary]}" = 3 ]; then request attach "$primary" "$reason"; else request promote "$primary" "$reason"; fi
        fi
    fi
    keep_quorum "$primary"
    for id in "${!NODE_NAMES[@]}"; do
        [ "$id" = "$primary" ] && continue
        lag=$(lag_bytes "$primary" "$id")
        lagging=false
        [ -n "$lag" ] && [ "$lag" -gt "$LAG_DETACH_BYTES" ] && lagging=true
        if [ "${status[$id]}" = 3 ]; then
            [ "$lagging" = false ] && follows "$primary" "$id" && request attach "$id" "it streams from ${NODE_NAMES[$primary]} and replays its WAL"
        elif [ "$lagging" = true ]; then
            request detach "$id" "it is $lag bytes behind ${NODE_NAMES[$primary]} (over $LAG_DETACH_BYTES): no reads go to it until it catches up"
        fi
    done
done
