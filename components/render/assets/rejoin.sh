#!/bin/bash
# rejoin.sh PRIMARY_ID: make this node (a former primary, or a standby left behind) a standby of
# the current primary, with its server stopped: a former primary by pg_rewind, or a fresh clone
# when it cannot be rewound; a standby by a new upstream only. Starting the server (start.sh) then brings it up streaming. start.sh does the same by
# itself when it finds another primary; this is the step on its own. Installed by pg-ha-stack;
# run as the PostgreSQL user.
set -euo pipefail
readonly SCRIPT=rejoin
# shellcheck source=node-lib.sh
. "${BASH_SOURCE[0]%/*}/node-lib.sh"
export PGPASSFILE="$RUN_DIR/$PGPASS_FILE"
export HOME="$RUN_DIR"

primary_id=${1:?usage: rejoin.sh PRIMARY_NODE_ID}
if [ "$primary_id" = "$NODE_ID" ]; then log "$SELF is the primary: nothing to rejoin"; exit 1; fi
if "$BIN_DIR/pg_ctl" -D "$DATA_DIR" status >/dev/null 2>&1; then log "stop $SELF first: pg_rewind needs the server down"; exit 1; fi
if [ "$(sql "$primary_id" "SELECT pg_is_in_recovery()")" != f ]; then log "${NODE_NAMES[$primary_id]} is not a primary"; exit 1; fi
rejoin_onto "$primary_id"
