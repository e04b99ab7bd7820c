#!/bin/bash
# supervise.sh PID_FILE ARMED_FILE STOP_SIGNAL COMMAND...: the local run's supervisor of one
# service, as systemd (Restart=always) and Docker's restart policy are on the stacks. Runs COMMAND
# (the service's start script, which execs the server: the pid stays the server's) and writes its
# pid to PID_FILE; whenever it exits, kills what it left in its process group (pgpool's children
# hold its port, as systemd kills a unit's cgroup) and starts it again after 1 s, doubling up to
# 30 s while it keeps exiting within a minute of its start. Until ARMED_FILE exists (local:up
# makes it once the service is ready), an exit ends this script with the command's code instead,
# so that a service that cannot start fails local:up with its log. SIGTERM or SIGINT: sends
# STOP_SIGNAL to the command, waits for it to end, and exits.
set -uo pipefail
readonly pid_file=$1 armed_file=$2 stop_signal=$3
shift 3
# Job control: COMMAND gets a process group of its own (its leftovers can be killed together)
# and keeps SIGINT, which background commands of a script otherwise ignore.
set -m
stopping=false
child=
stop() {
    stopping=true
    if [ -n "$child" ]; then kill -s "$stop_signal" "$child" 2>/dev/null; fi
}
trap stop TERM INT
# Waits with read on a pipe nobody writes to: no sleep process is left behind when it is killed.
exec {never}<> <(:)
delay=1
while :; do
    started=$SECONDS
    "$@" </dev/null &
    child=$!
    printf '%s\n' "$child" >"$pid_file.new" && mv -f "$pid_file.new" "$pid_file"
    # wait returns early when a trapped signal arrives, and at once while the command is stopped
    # (SIGSTOP, under job control): look again shortly, until it has ended.
    while :; do
        wait "$child"
        code=$?
        kill -0 "$child" 2>/dev/null || break
        read -r -t 0.2 -u "$never" || true
    done
    kill -KILL -- "-$child" 2>/dev/null
    child=
    $stopping && exit 0
    [ -e "$armed_file" ] || exit "$code"
    [ $((SECONDS - started)) -ge 60 ] && delay=1
    printf '%(%FT%T)TZ pg-ha supervise: %s exited (code %s); starting it again in %s s\n' -1 "$*" "$code" "$delay" >&2
    read -r -t "$delay" -u "$never" || true
    $stopping && exit 0
    delay=$((delay < 30 ? delay * 2 : 30))
done
