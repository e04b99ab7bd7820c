#!/bin/bash
# Starts Pgpool-II in the foreground. Installed by pg-ha-stack.
set -euo pipefail
umask 077
# shellcheck source=start-lib.sh
. "${BASH_SOURCE[0]%/*}/start-lib.sh"
prepare_run_dir "$0" "$@"

# A pid file left by a pgpool that was killed names a pid that may be alive again (in a restarted
# container it is 1, this script, soon pgpool): pgpool would refuse to start ("pid file found").
pid_file="$RUN_DIR/$PGPOOL_PID_FILE"
if [ -f "$pid_file" ]; then
    pid=$(head -n 1 "$pid_file")
    if [ -n "$pid" ] && [ "$pid" != $$ ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = pgpool ]; then
        echo "pg-ha start: a pgpool (pid $pid) already runs with $pid_file: stop it first" >&2
        exit 1
    fi
    rm -f "$pid_file"
fi

export PCPPASSFILE="$RUN_DIR/$PCPPASS_FILE"
export PGPASSFILE="$RUN_DIR/$PGPASS_FILE"
# Backends that come up after pgpool (any boot order) are attached by this companion. Its parent
# is pgpool (this script's pid, kept through exec): it gets SIGTERM the moment pgpool exits.
setpriv --pdeathsig TERM -- "$CONFIG_DIR/attach-backends.sh" $$ </dev/null &
# Clients reach pgpool through the client gate, run the same way (it opens the client port once
# pgpool listens on its loopback port).
setpriv --pdeathsig TERM -- "$CONFIG_DIR/$GATE_SCRIPT" $$ </dev/null &
# -D: forget the node states of a previous run; health checks establish them afresh.
exec "$PGPOOL" -n -D -f "$CONFIG_DIR/pgpool.conf" -F "$RUN_DIR/pcp.conf" -a "$CONFIG_DIR/pool_hba.conf" -k "$RUN_DIR/$PGPOOL_KEY_FILE"
