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
