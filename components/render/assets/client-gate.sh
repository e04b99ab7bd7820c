#!/bin/bash
# client-gate.sh PGPOOL_PID: while pgpool runs, runs the client gate (HAProxy, GATE_CONF) on
# pgpool's client port, in front of pgpool on its loopback port. Started beside pgpool by its
# start script. Installed by pg-ha-stack.
# The gate holds sockets that connect and send nothing, so that they never take a pgpool child
# (each serves one client from its connect on). It opens the client port once pgpool has started,
# and is started again if it exits (1 s, doubling up to 30 s while it keeps failing); it gets
# SIGTERM when this script ends, which it does when pgpool does.
set -uo pipefail
readonly SCRIPT=client-gate
# shellcheck source=cluster-lib.sh
. "${BASH_SOURCE[0]%/*}/cluster-lib.sh"
readonly PGPOOL_PID=$1

# Waits with read on a pipe nobody writes to: no sleep process is left behind when it is killed.
exec {never}<> <(:)
pause() { read -r -t "$1" -u "$never" || true; }

# Whether pgpool listens on 127.0.0.1:PGPOOL_INTERNAL_PORT, read from the kernel's socket table:
# a probe connection would be an incomplete login in pgpool's log.
pgpool_listens() {
    local port_hex
    printf -v port_hex '%04X' "$PGPOOL_INTERNAL_PORT"
    grep -q "^ *[0-9]*: 0100007F:$port_hex 00000000:0000 0A" /proc/net/tcp
}

# Whether pgpool has finished starting: its PCP process, forked once its first search for the
# primary ends, answers. pgpool ignores the failover and failback requests its children make
# while it starts (a client whose session found a standby not up yet) and keeps them queued: a
# queue so filled left pgpool deaf to every later request, a switchover's and a failover's too
# (seen on Docker with every service started at once). So clients come in only after its start.
pgpool_started() {
    timeout 5 "$PCP_BIN_DIR/pcp_node_count" -h localhost -p "$PCP_PORT" -U "$PCP_USER" -w >/dev/null 2>&1
}

until pgpool_listens && pgpool_started; do
    kill -0 "$PGPOOL_PID" 2>/dev/null || exit 0
    pause 0.2
done

delay=1
while kill -0 "$PGPOOL_PID" 2>/dev/null; do
    started=$SECONDS
    setpriv --pdeathsig TERM -- "$GATE" -db -f "$CONFIG_DIR/$GATE_CONF" </dev/null
    code=$?
    kill -0 "$PGPOOL_PID" 2>/dev/null || break
    # A gate that ran a minute or more before it ended is restarted at once.
    [ $((SECONDS - started)) -ge 60 ] && delay=1
    log "the client gate exited (code $code); starting it again in $delay s"
    pause "$delay"
    delay=$((delay < 30 ? delay * 2 : 30))
done
