# shellcheck shell=bash
# Helpers of the failover, follow-primary and rejoin scripts, with what they read: cluster.env
# (the node table) and service.env (this host's paths and admin conninfo). Installed by pg-ha-stack.
# shellcheck source=service.env
. "${BASH_SOURCE[0]%/*}/service.env"
# shellcheck source=cluster.env
. "${BASH_SOURCE[0]%/*}/cluster.env"

# Milliseconds since the epoch without a fork: on a busy host during failover every fork counts.
now_ms() { local t=${EPOCHREALTIME/./}; echo $((t / 1000)); }
log() { printf '%(%FT%T)TZ pg-ha %s: %s\n' -1 "$SCRIPT" "$*" >&2; }

# sql NODE_ID SQL...: runs each statement as the superuser on that node; prints unaligned rows.
# Fails after SQL_TIMEOUT_SECONDS (default 10): a node frozen while it answers never replies, and
# libpq's connect_timeout covers only the connection.
sql() {
    local id=$1
    shift
    local commands=()
    for statement in "$@"; do commands+=(-c "$statement"); done
    timeout -k 1 "${SQL_TIMEOUT_SECONDS:-10}" "$PSQL" -X -At -q -v ON_ERROR_STOP=1 -d "host=${NODE_HOSTS[$id]} port=${NODE_PORTS[$id]} $ADMIN_CONNINFO" "${commands[@]}"
}

# On a primary, the timeline it writes on as the 8 hex digits its WAL file names begin with.
readonly TIMELINE_HEX_SQL="substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8)"
# The timeline a node writes on when it is a primary, 0 when it is a standby: a node promoted
# after another writes on a later timeline than the one it left behind.
readonly PRIMARY_TIMELINE_SQL="SELECT CASE WHEN pg_is_in_recovery() THEN 0 ELSE ('x' || $TIMELINE_HEX_SQL)::bit(32)::int END"

# answers [SKIP_ID]: "<id> <timeline>" of every node (other than SKIP_ID) that answers at all:
# the timeline it writes on as a primary, 0 as a standby; latest timeline first, standbys last.
# Asked in parallel: a frozen node costs one connect timeout.
answers() {
    local id work
    work=$(mktemp -d) || return 1
    for id in "${!NODE_NAMES[@]}"; do
        [ "$id" = "${1:-}" ] && continue
        sql "$id" "$PRIMARY_TIMELINE_SQL" >"$work/$id" 2>/dev/null &
    done
    wait
    for id in "${!NODE_NAMES[@]}"; do
        local timeline
        timeline=$(cat "$work/$id" 2>/dev/null) || continue
        [[ $timeline =~ ^[0-9]+$ ]] && echo "$id $timeline"
    done | sort -k2,2nr
    rm -rf "$work"
}

# primaries [SKIP_ID]: those of `answers` that answer as primary, latest timeline first.
primaries() {
    answers "${1:-}" | awk '$2 > 0'
}

# find_primary [SKIP_ID]: prints the id of the node (other than SKIP_ID) that answers as primary;
# fails when none does. When two answer, the one on the later timeline is the primary (the other
# is a former primary that was frozen or cut off while a standby was promoted); two on the same
# timeline cannot be told apart, and none is named.
find_primary() {
    local found=()
    mapfile -t found < <(primaries "${1:-}")
    [ ${#found[@]} -gt 0 ] || return 1
    if [ ${#found[@]} -gt 1 ] && [ "${found[0]#* }" = "${found[1]#* }" ]; then
        log "more than one node answers as primary on timeline ${found[0]#* } (${found[*]%% *}): none is taken for the primary"
        return 1
    fi
    echo "${found[0]% *}"
}

# fence ID TIMELINE: shuts a stale primary down (fast) from SQL as its superuser, whatever host it runs on:
# its supervisor starts it again, and its start script finds the primary and rejoins it as a
# standby. The connection ends with the server, so success is read from the node itself.
fence() {
    # Only if it still answers as primary on that timeline (it may have restarted since it was asked).
    sql "$1" "DO \$\$ BEGIN IF ($PRIMARY_TIMELINE_SQL) = $2 THEN EXECUTE format('COPY (SELECT 1) TO PROGRAM %L', 'kill -INT \"\$(head -n 1 \"' || current_setting('data_directory') || '/postmaster.pid\")\"'); END IF; END \$\$" >/dev/null 2>&1
    for _ in $(seq 1 50); do
        [ "$(sql "$1" "SELECT pg_is_in_recovery()" 2>/dev/null)" = f ] || return 0
        sleep 0.1
    done
    return 1
}

# ensure_slot PRIMARY_ID STANDBY_ID: the standby's slot on the primary, created when missing or
# made anew when it was invalidated (it held more than max_slot_wal_keep_size for a standby that
# was away): an invalidated slot can no longer be streamed from.
ensure_slot() {
    sql "$1" "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '${NODE_SLOTS[$2]}' AND wal_status = 'lost' AND NOT active" \
        "SELECT pg_create_physical_replication_slot('${NODE_SLOTS[$2]}') WHERE NOT EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = '${NODE_SLOTS[$2]}')" >/dev/null
}

# streams_from PRIMARY_ID STANDBY_ID: true once the primary streams to the standby through its own slot.
streams_from() {
    local streaming
    streaming=$(sql "$1" "$STREAMING_STANDBYS_SQL" 2>/dev/null) || return 1
    [[ $'\n'"$streaming"$'\n' == *$'\n'"${NODE_NAMES[$2]}"$'\n'* ]]
}

# follows PRIMARY_ID STANDBY_ID: true when the standby streams from the primary through its own
# slot and, within FOLLOW_CHECK_SECONDS, itself answers that it has replayed all the primary had
# written when first asked: on the primary's timeline and advancing (a frozen standby that the
# primary still lists as streaming does not answer).
follows() {
    local written deadline=$((SECONDS + FOLLOW_CHECK_SECONDS))
    streams_from "$1" "$2" || return 1
    written=$(sql "$1" "SELECT pg_current_wal_lsn()" 2>/dev/null) || return 1
    until [ "$(SQL_TIMEOUT_SECONDS=2 sql "$2" "SELECT pg_last_wal_replay_lsn() >= '$written'" 2>/dev/null)" = t ]; do
        [ "$SECONDS" -lt "$deadline" ] || return 1
        sleep 0.2
    done
}

# lag_bytes PRIMARY_ID STANDBY_ID: bytes of WAL the standby has not replayed, as the primary sees
# it; nothing when it does not stream from it.
lag_bytes() {
    sql "$1" "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::bigint FROM pg_stat_replication WHERE application_name = '${NODE_NAMES[$2]}' AND state = 'streaming'" 2>/dev/null
}

# pool_node attach|detach|promote ID REASON: pcp_attach_node, pcp_detach_node, or pcp_promote_node
# (without its switchover option: pgpool only takes the node for its primary, nothing is promoted
# in PostgreSQL) for one node, logged with the reason (or with pcp's words when it fails, and then
# fails too). pcp answers once pgpool has queued the request, not once it has handled it.
pool_node() {
    local output outcome
    case $1 in
        attach) outcome="attached to pgpool" ;;
        detach) outcome="detached from pgpool" ;;
        promote) outcome="taken by pgpool for its primary" ;;
    esac
    if output=$("$PCP_BIN_DIR/pcp_$1_node" -h localhost -p "$PCP_PORT" -U "$PCP_USER" -w -n "$2" 2>&1); then
        log "${NODE_NAMES[$2]} $outcome: $3"
    else
        log "pcp_$1_node ${NODE_NAMES[$2]} failed: $output"
        return 1
    fi
}

# pool_view ID: pgpool's view of a node, "<status> <role>" (status 1 waiting, 2 up, 3 down).
pool_view() {
    local fields
    read -r -a fields < <("$PCP_BIN_DIR/pcp_node_info" -h localhost -p "$PCP_PORT" -U "$PCP_USER" -w -n "$1" 2>/dev/null) || return 1
    echo "${fields[2]} ${fields[6]}"
}

# repoint STANDBY_ID PRIMARY_ID: a running standby streams from the primary through its own slot
# (created there when missing) from its next connection on: ALTER SYSTEM and a reload.
repoint() {
    ensure_slot "$2" "$1" || return 1
    sql "$1" "ALTER SYSTEM SET primary_conninfo = '${UPSTREAM_CONNINFO[$1:$2]}'" "ALTER SYSTEM SET primary_slot_name = '${NODE_SLOTS[$1]}'" "SELECT pg_reload_conf()" >/dev/null
}

# keep_quorum PRIMARY_ID: quorum commit on the primary as configured, whatever brought its
# standbys back. With DURABILITY=required it is always on (postgresql.conf's
# synchronous_standby_names): turned back on wherever it was turned off. With preferred, it is
# turned off once fewer than SYNCHRONOUS_REPLICAS standbys have streamed from this primary for
# DURABILITY_WAIT_SECONDS in a row (logged; the exporter's quorum metric pages), and on again once
# enough stream. Called every round of attach-backends.sh, which keeps QUORUM_SHORT (the primary
# and since when it has had too few).
QUORUM_SHORT=""
keep_quorum() {
    [ "$SYNCHRONOUS_REPLICAS" -gt 0 ] || return 0
    local on streaming count
    on=$(sql "$1" "SELECT current_setting('synchronous_standby_names') <> ''" 2>/dev/null) || return 0
    streaming=$(sql "$1" "$STREAMING_STANDBYS_SQL" 2>/dev/null) || return 0
    count=$(grep -c . <<<"$streaming")
    if [ "$count" -ge "$SYNCHRONOUS_REPLICAS" ] || [ "$DURABILITY" = required ]; then
        QUORUM_SHORT=""
        if [ "$on" = f ] && sql "$1" "ALTER SYSTEM RESET synchronous_standby_names" "SELECT pg_reload_conf()" >/dev/null; then
            log "quorum commit back on on ${NODE_NAMES[$1]}: $count standbys stream from it (durability $DURABILITY)"
        fi
        return 0
    fi
    [ "$on" = t ] || return 0
    # In milliseconds: whole SECONDS would let a 5 s wait end after 4 s.
    [ "${QUORUM_SHORT%% *}" = "$1" ] || QUORUM_SHORT="$1 $(now_ms)"
    [ $(($(now_ms) - ${QUORUM_SHORT#* })) -ge $((DURABILITY_WAIT_SECONDS * 1000)) ] || return 0
    if sql "$1" "ALTER SYSTEM SET synchronous_standby_names = ''" "SELECT pg_reload_conf()" >/dev/null; then
        log "only $count of the $SYNCHRONOUS_REPLICAS standbys quorum commit needs have streamed from ${NODE_NAMES[$1]} for $DURABILITY_WAIT_SECONDS s: durability is preferred, so its commits no longer wait for a standby until enough stream again"
    fi
}
