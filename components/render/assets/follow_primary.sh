#!/bin/bash
# pgpool follow_primary_command: re-point one standby at the new primary and re-attach it.
# Installed by pg-ha-stack; runs on the pgpool host as pgpool's user, for every node but the new
# primary. pgpool.conf: follow_primary_command = 'follow_primary.sh %d %h %p %D %m %H %M %P %r %R'
# Creates the standby's slot on the new primary first (else the standby loops on "replication
# slot does not exist"), re-points it by ALTER SYSTEM and reload, waits until it follows the new
# primary (streams and replays, see `follows`), then re-attaches it to pgpool.
set -uo pipefail
readonly SCRIPT=follow_primary
# shellcheck source=cluster-lib.sh
. "${BASH_SOURCE[0]%/*}/cluster-lib.sh"

node_id=$1
new_primary_id=$5
# %m is pgpool's new main node, the lowest live id: it is the primary only when that node is.
# Re-point to the node that answers as primary, never to one pgpool merely lists first.
# No node to skip: the pgpool host is none of them.
if id=$(find_primary "") && [ "$id" != "$new_primary_id" ]; then
    log "pgpool named ${NODE_NAMES[$new_primary_id]}; ${NODE_NAMES[$id]} is the node that answers as primary"
    new_primary_id=$id
fi
[ "$node_id" = "$new_primary_id" ] && exit 0
name=${NODE_NAMES[$node_id]}
primary=${NODE_NAMES[$new_primary_id]}

if ! in_recovery=$(sql "$node_id" "SELECT pg_is_in_recovery()" 2>&1); then
    log "$name does not answer ($in_recovery); it stays detached until it is rejoined"
    exit 0
fi
if [ "$in_recovery" != t ]; then
    log "$name is not a standby (a former primary?); it stays detached: rejoin it with pg_rewind"
    exit 0
fi
# failover.sh re-pointed every reachable standby already; this covers one that was not reachable.
if ! output=$(repoint "$node_id" "$new_primary_id" 2>&1); then
    log "could not re-point $name at $primary: $output"
    exit 1
fi
deadline=$((SECONDS + FOLLOW_WAIT_SECONDS))
until follows "$new_primary_id" "$node_id"; do
    if [ "$SECONDS" -ge "$deadline" ]; then log "$name did not follow $primary within $FOLLOW_WAIT_SECONDS s; it stays detached (attach-backends.sh attaches it once it does)"; exit 1; fi
    sleep 0.1
done
pool_node attach "$node_id" "it streams from $primary and replays its WAL" || exit 1
exit 0
