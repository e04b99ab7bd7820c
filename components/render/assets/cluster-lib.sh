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
sql() {
    local id=$1
    shift
    local commands=()
    for statement in "$@"; do commands+=(-c "$statement"); done
    "$PSQL" -X -At -q -v ON_ERROR_STOP=1 -d "host=${NODE_HOSTS[$id]} port=${NODE_PORTS[$id]} $ADMIN_CONNINFO" "${commands[@]}"
}

# find_primary [SKIP_ID]: prints the id of the node (other than SKIP_ID) that answers as primary;
# fails when none does.
find_primary() {
    local id
    for id in "${!NODE_NAMES[@]}"; do
        [ "$id" = "${1:-}" ] && continue
        if [ "$(sql "$id" "SELECT pg_is_in_recovery()" 2>/dev/null)" = f ]; then
            echo "$id"
            return 0
        fi
    done
    return 1
}

# ensure_slot PRIMARY_ID STANDBY_ID: the standby's slot on the primary, created when missing.
ensure_slot() {
    sql "$1" "SELECT pg_create_physical_replication_slot('${NODE_SLOTS[$2]}') WHERE NOT EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = '${NODE_SLOTS[$2]}')" >/dev/null
}

# streams_from PRIMARY_ID STANDBY_ID: true once the primary streams to the standby through its own slot.
streams_from() {
    local streaming
    streaming=$(sql "$1" "$STREAMING_STANDBYS_SQL" 2>/dev/null) || return 1
    [[ $'\n'"$streaming"$'\n' == *$'\n'"${NODE_NAMES[$2]}"$'\n'* ]]
}

# repoint STANDBY_ID PRIMARY_ID: a running standby streams from the primary through its own slot
# (created there when missing) from its next connection on: ALTER SYSTEM and a reload.
repoint() {
    ensure_slot "$2" "$1" || return 1
    sql "$1" "ALTER SYSTEM SET primary_conninfo = '${UPSTREAM_CONNINFO[$1:$2]}'" "ALTER SYSTEM SET primary_slot_name = '${NODE_SLOTS[$1]}'" "SELECT pg_reload_conf()" >/dev/null
}

# restore_quorum PRIMARY_ID: once as many standbys stream from the primary as quorum commit
# needs (within FOLLOW_WAIT_SECONDS), its commits wait for them again (failover.sh turned it off).
restore_quorum() {
    [ "$SYNCHRONOUS_REPLICAS" -gt 0 ] || return 0
    local streaming
    for _ in $(seq 1 $((FOLLOW_WAIT_SECONDS * 10))); do
        streaming=$(sql "$1" "$STREAMING_STANDBYS_SQL" 2>/dev/null) || streaming=""
        if [ -n "$streaming" ] && [ "$(wc -l <<<"$streaming")" -ge "$SYNCHRONOUS_REPLICAS" ]; then
            sql "$1" "ALTER SYSTEM RESET synchronous_standby_names" "SELECT pg_reload_conf()" >/dev/null && { log "quorum commit restored on ${NODE_NAMES[$1]}"; return 0; }
        fi
        sleep 0.1
    done
    log "fewer than $SYNCHRONOUS_REPLICAS standbys stream from ${NODE_NAMES[$1]} after $FOLLOW_WAIT_SECONDS s: quorum commit stays off until follow_primary.sh restores it"
    return 1
}
