#!/bin/bash
# Starts Pgpool-II in the foreground. Installed by pg-ha-stack.
set -euo pipefail
umask 077
# shellcheck source=start-lib.sh
. "${BASH_SOURCE[0]%/*}/start-lib.sh"
prepare_run_dir "$0" "$@"

export PCPPASSFILE="$RUN_DIR/$PCPPASS_FILE"
export PGPASSFILE="$RUN_DIR/$PGPASS_FILE"
# Backends that come up after pgpool (any boot order) are attached by this companion. Its parent
# is pgpool (this script's pid, kept through exec): it gets SIGTERM the moment pgpool exits.
setpriv --pdeathsig TERM -- "$CONFIG_DIR/attach-backends.sh" $$ </dev/null &
# -D: forget the node states of a previous run; health checks establish them afresh.
exec "$PGPOOL" -n -D -f "$CONFIG_DIR/pgpool.conf" -F "$RUN_DIR/pcp.conf" -a "$CONFIG_DIR/pool_hba.conf" -k "$RUN_DIR/$PGPOOL_KEY_FILE"
