#!/bin/bash
# rejoin.sh PRIMARY_ID: make this node (a former primary, or a standby left behind) a standby of
# the current primary. Installed by pg-ha-stack; run as the PostgreSQL user with the server
# stopped. Creates its slot there, rewinds the data directory with pg_rewind (which runs crash
# recovery first when the server was killed), drops the slots the node held as primary, and
# points it at the primary. Starting the server (start.sh) then brings it up streaming.
set -euo pipefail
readonly SCRIPT=rejoin
# shellcheck source=cluster-lib.sh
. "${BASH_SOURCE[0]%/*}/cluster-lib.sh"
export PGPASSFILE="$RUN_DIR/$PGPASS_FILE"
export HOME="$RUN_DIR"

primary_id=${1:?usage: rejoin.sh PRIMARY_NODE_ID}
if [ "$primary_id" = "$NODE_ID" ]; then log "${NODE_NAMES[$NODE_ID]} is the primary: nothing to rejoin"; exit 1; fi
if "$BIN_DIR/pg_ctl" -D "$DATA_DIR" status >/dev/null 2>&1; then log "stop ${NODE_NAMES[$NODE_ID]} first: pg_rewind needs the server down"; exit 1; fi
if [ "$(sql "$primary_id" "SELECT pg_is_in_recovery()")" != f ]; then log "${NODE_NAMES[$primary_id]} is not a primary"; exit 1; fi
ensure_slot "$primary_id" "$NODE_ID"
# A new primary's end-of-recovery checkpoint is spread out; until it ends, its control file
# still names the old timeline and pg_rewind would answer "no rewind required".
sql "$primary_id" "CHECKPOINT" >/dev/null
log "rewinding ${NODE_NAMES[$NODE_ID]} to ${NODE_NAMES[$primary_id]}'s timeline"
"$BIN_DIR/pg_rewind" -D "$DATA_DIR" --source-server="host=${NODE_HOSTS[$primary_id]} port=${NODE_PORTS[$primary_id]} $REWIND_CONNINFO" >&2
# Slots this node kept as primary would hold WAL here for standbys that no longer use them.
find "$DATA_DIR/pg_replslot" -mindepth 1 -maxdepth 1 -exec rm -rf {} +
# pg_rewind copied the source's postgresql.auto.conf: keep all but the upstream and quorum settings.
auto="$DATA_DIR/postgresql.auto.conf"
grep -vE '^(primary_conninfo|primary_slot_name|synchronous_standby_names) ' "$auto" > "$auto.new" || true
printf "primary_conninfo = '%s'\nprimary_slot_name = '%s'\n" "${UPSTREAM_CONNINFO[$NODE_ID:$primary_id]}" "${NODE_SLOTS[$NODE_ID]}" >> "$auto.new"
mv "$auto.new" "$auto"
touch "$DATA_DIR/standby.signal"
log "${NODE_NAMES[$NODE_ID]} rewound; starting it makes it stream from ${NODE_NAMES[$primary_id]}"
