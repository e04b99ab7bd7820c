#!/bin/bash
# Starts one PostgreSQL node in the foreground, in its place in the cluster, by itself.
# Installed by pg-ha-stack; the same on Docker, EC2 and the local run.
# - No data: clone from the primary; node 0 initialises a new cluster when no peer is primary.
# - It was a primary: it first waits as long as pgpool takes to fail a primary over; then, if a
#   peer is primary, it rejoins as that peer's standby (pg_rewind, or a fresh clone). It never
#   runs as a second primary. (A restart of the primary is therefore always a failover.) When no
#   peer is primary yet but the archive holds a later timeline (every node restarting after a
#   failover), it waits for the promoted node and rejoins it rather than start as a stale primary.
# - It is a standby: it waits for a primary (a failover may be under way), then follows it
#   (re-pointed when it followed another node; never rewound, see rejoin_onto in node-lib.sh).
set -euo pipefail
umask 077
readonly SCRIPT=start
# shellcheck source=start-lib.sh
. "${BASH_SOURCE[0]%/*}/start-lib.sh"
prepare_run_dir "$0" "$@"
# shellcheck source=node-lib.sh
. "${BASH_SOURCE[0]%/*}/node-lib.sh"

export PGPASSFILE="$RUN_DIR/$PGPASS_FILE"

initialise_primary() {
    log "initialising a new primary in $DATA_DIR"
    local staging="$DATA_DIR.bootstrap" port=${NODE_PORTS[$NODE_ID]}
    rm -rf "$staging"
    "$BIN_DIR/initdb" -D "$staging" -U "$SUPERUSER" --pwfile="$RUN_DIR/$SUPERUSER_PASSWORD_FILE" \
        --auth-local=scram-sha-256 --auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 --data-checksums >&2
    "$BIN_DIR/pg_ctl" -D "$staging" -w -t 120 -l "$RUN_DIR/bootstrap.log" \
        -o "-c config_file=$CONFIG_DIR/postgresql.conf -c listen_addresses='' -c synchronous_standby_names='' -c archive_mode=off" start >&2
    "$BIN_DIR/psql" -X -q -v ON_ERROR_STOP=1 -h "$RUN_DIR" -p "$port" -U "$SUPERUSER" -d postgres -f "$RUN_DIR/$BOOTSTRAP_SQL_FILE" >&2
    "$BIN_DIR/pg_ctl" -D "$staging" -w -t 120 -m fast stop >&2
    rm -f "$RUN_DIR/$BOOTSTRAP_SQL_FILE" "$RUN_DIR/$SUPERUSER_PASSWORD_FILE"
    mv "$staging" "$DATA_DIR"
    log "primary initialised"
}

if [ ! -s "$DATA_DIR/PG_VERSION" ]; then
    if primary_id=$(find_primary "$NODE_ID"); then
        clone_from "$primary_id"
    elif [ "$NODE_ID" = 0 ]; then
        initialise_primary
    else
        primary_id=$(wait_for_primary) || exit 1
        clone_from "$primary_id"
    fi
elif [ ! -f "$DATA_DIR/standby.signal" ]; then
    # Crashed or stopped, pgpool may be promoting another node right now: only after as long as a
    # failover takes can the answer of the peers be trusted.
    log "$SELF was a primary: waiting $FAILOVER_WINDOW_SECONDS s (as long as pgpool takes to fail a primary over) before it decides how to start"
    sleep "$FAILOVER_WINDOW_SECONDS"
    if primary_id=$(find_primary "$NODE_ID"); then
        log "${NODE_NAMES[$primary_id]} is the primary now: $SELF rejoins as its standby instead of starting as a second primary"
        rejoin_onto "$primary_id"
    elif successor=$(archived_successor); then
        # Every node restarting at once after a failover: the promoted node is not up yet, and
        # this stale one must not take its place (its writes would fork from the acknowledged ones).
        log "the archive holds $successor: another node was promoted after $SELF was primary; $SELF waits for that primary instead of starting as a stale one"
        primary_id=$(wait_for_primary) || exit 1
        rejoin_onto "$primary_id"
    fi
elif primary_id=$(wait_for_primary); then
    # Re-pointed when it follows another node (a failover while it was down); never rewound
    # (see rejoin_onto). A standby that starts during a failover waits for the new primary
    # rather than follow a node that is gone or no longer primary.
    rejoin_onto "$primary_id"
else
    log "$SELF starts as a standby of the node it followed; no primary answered"
fi
if [ -n "$PGBACKREST_CONF" ]; then install -d -m 700 "$RUN_DIR/pgbackrest"; fi
# After a power loss the lock file names a PID that another process may hold now: PostgreSQL
# would then refuse to start, on every restart (seen on a booted host's standby).
remove_stale_lock || exit 1
exec "$BIN_DIR/postgres" -D "$DATA_DIR" -c config_file="$CONFIG_DIR/postgresql.conf"
