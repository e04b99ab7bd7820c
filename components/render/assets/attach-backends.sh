#!/bin/bash
# attach-backends.sh PGPOOL_PID: while pgpool runs, attaches every backend it has down that is
# healthy and in its place. Started beside pgpool by its start script. Installed by pg-ha-stack.
# pgpool detaches a backend that is not up when it starts and, with auto_failback, re-attaches
# only a standby that streams from a primary it knows: a cluster whose hosts boot in another
# order (pgpool first, a node late, an engine or a host restarting everything at once) would stay
# without its primary or its standbys for good. Every ATTACH_CHECK_SECONDS this attaches:
# - a node that answers as primary, when pgpool has no primary up and no other node answers as
#   primary (two primaries: neither is attached, and that is logged);
# - a node that answers as a standby and streams from the primary through its own slot.
# A node detached on purpose (pcp_detach_node) is attached again only if it is healthy and in its
# place, as auto_failback would.
set -uo pipefail
readonly SCRIPT=attach-backends
# shellcheck source=cluster-lib.sh
. "${BASH_SOURCE[0]%/*}/cluster-lib.sh"
readonly PGPOOL_PID=$1

# pgpool's view of a node: "<status> <role>", status 3 being down.
pool_view() {
    local fields
    read -r -a fields < <("$PCP_BIN_DIR/pcp_node_info" -h localhost -p "$PCP_PORT" -U "$PCP_USER" -w -n "$1" 2>/dev/null) || return 1
    echo "${fields[2]} ${fields[6]}"
}

attach() {
    if output=$("$PCP_BIN_DIR/pcp_attach_node" -h localhost -p "$PCP_PORT" -U "$PCP_USER" -w -n "$1" 2>&1); then
        log "${NODE_NAMES[$1]} attached to pgpool: $2"
    else
        log "pcp_attach_node ${NODE_NAMES[$1]} failed: $output"
    fi
}

# Waits with read on a pipe nobody writes to: no sleep process is left behind when it is killed.
exec {never}<> <(:)
while kill -0 "$PGPOOL_PID" 2>/dev/null; do
    read -r -t "$ATTACH_CHECK_SECONDS" -u "$never" || true
    declare -A status=() role=()
    pool_has_primary=false
    for id in "${!NODE_NAMES[@]}"; do
        view=$(pool_view "$id") || continue 2
        status[$id]=${view% *}
        role[$id]=${view#* }
        [ "${status[$id]}" != 3 ] && [ "${role[$id]}" = primary ] && pool_has_primary=true
    done
    answering_primaries=()
    for id in "${!NODE_NAMES[@]}"; do
        [ "$(sql "$id" "SELECT pg_is_in_recovery()" 2>/dev/null)" = f ] && answering_primaries+=("$id")
    done
    if [ ${#answering_primaries[@]} -gt 1 ]; then
        log "more than one node answers as primary (${answering_primaries[*]}): none is attached until one is a standby"
        continue
    fi
    primary=${answering_primaries[0]:-}
    [ -n "$primary" ] || continue
    if [ "${status[$primary]}" = 3 ] && [ "$pool_has_primary" = false ]; then
        attach "$primary" "it is the only node that answers as primary, and pgpool had none"
        continue
    fi
    for id in "${!NODE_NAMES[@]}"; do
        [ "$id" != "$primary" ] && [ "${status[$id]}" = 3 ] && streams_from "$primary" "$id" && attach "$id" "it streams from ${NODE_NAMES[$primary]}"
    done
done
