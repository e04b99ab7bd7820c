#!/bin/bash
# Starts one PostgreSQL node in the foreground. Installed by pg-ha-stack.
# First start: node 0 initialises a new primary; any other node clones the primary through its
# own slot. Every start: a node about to run as primary first asks its peers, and refuses when
# one of them already is primary (a failover happened while it was down), so a restarted old
# primary never takes writes beside the new one; it must be rejoined.
set -euo pipefail
umask 077
# shellcheck source=start-lib.sh
. "${BASH_SOURCE[0]%/*}/start-lib.sh"
# shellcheck source=cluster.env
. "${BASH_SOURCE[0]%/*}/cluster.env"
prepare_run_dir "$0" "$@"

export PGPASSFILE="$RUN_DIR/$PGPASS_FILE"
port=${NODE_PORTS[$NODE_ID]}
slot=${NODE_SLOTS[$NODE_ID]}

initialise_primary() {
    log "initialising a new primary in $DATA_DIR"
    local staging="$DATA_DIR.bootstrap"
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

clone_replica() {
    log "cloning ${NODE_NAMES[$NODE_ID]} from ${NODE_HOSTS[0]}:${NODE_PORTS[0]} through slot $slot"
    local attempt slot_exists="" staging="$DATA_DIR.bootstrap" create_slot=(--create-slot)
    # The slot query fails until the primary answers: it is also the wait for the primary.
    for attempt in $(seq 1 "$PRIMARY_WAIT_SECONDS"); do
        if slot_exists=$("$BIN_DIR/psql" -X -At -w -d "host=${NODE_HOSTS[0]} port=${NODE_PORTS[0]} dbname=postgres $CLONE_CONNINFO" -c "SELECT count(*) FROM pg_replication_slots WHERE slot_name = '$slot'" 2>"$RUN_DIR/primary-wait.err"); then break; fi
        if [ "$attempt" = "$PRIMARY_WAIT_SECONDS" ]; then log "primary ${NODE_HOSTS[0]}:${NODE_PORTS[0]} did not answer within $PRIMARY_WAIT_SECONDS s: $(cat "$RUN_DIR/primary-wait.err")"; exit 1; fi
        sleep 1
    done
    rm -rf "$staging"
    if [ "$slot_exists" = 1 ]; then create_slot=(); fi
    # --no-sync: the clone's control file is not "shut down", so PostgreSQL fsyncs the whole
    # data directory before it starts recovery; syncing here as well only doubles the wait.
    "$BIN_DIR/pg_basebackup" -w -d "host=${NODE_HOSTS[0]} port=${NODE_PORTS[0]} dbname=replication $CLONE_CONNINFO" -D "$staging" \
        -X stream -S "$slot" "${create_slot[@]}" --checkpoint=fast --no-sync >&2
    touch "$staging/standby.signal"
    mv "$staging" "$DATA_DIR"
    log "${NODE_NAMES[$NODE_ID]} cloned"
}

# refuse_second_primary: exits when a peer already answers as primary.
refuse_second_primary() {
    local id
    for id in "${!NODE_NAMES[@]}"; do
        [ "$id" = "$NODE_ID" ] && continue
        if [ "$("$BIN_DIR/psql" -X -At -w -d "host=${NODE_HOSTS[$id]} port=${NODE_PORTS[$id]} $FENCE_CONNINFO" -c "SELECT pg_is_in_recovery()" 2>/dev/null)" = f ]; then
            log "refusing to start ${NODE_NAMES[$NODE_ID]} as a second primary: ${NODE_NAMES[$id]} is the primary now; rejoin ${NODE_NAMES[$NODE_ID]} as its standby (rejoin.sh $id) first"
            exit 1
        fi
    done
}

if [ ! -s "$DATA_DIR/PG_VERSION" ]; then
    if [ "$NODE_ID" = 0 ]; then initialise_primary; else clone_replica; fi
fi
if [ ! -f "$DATA_DIR/standby.signal" ]; then refuse_second_primary; fi
if [ -n "$PGBACKREST_CONF" ]; then install -d -m 700 "$RUN_DIR/pgbackrest"; fi
exec "$BIN_DIR/postgres" -D "$DATA_DIR" -c config_file="$CONFIG_DIR/postgresql.conf"
