#!/bin/bash
# restore.sh into INTO PORT [TARGET_TIME] | summary [INTO PORT] | stop INTO | discard INTO
# Restores the cluster's backup repository into a new data directory, as a standalone copy beside
# the cluster; `npm run restore` and `npm run drill:restore` run it on the primary's host on every
# platform (a process of the local run, docker exec). Installed by pg-ha-stack; run as the
# PostgreSQL user.
#   into      on the primary only (a standby exits SKIPPED_ON_STANDBY): refuses, changing nothing
#             (exit 2), an INTO that is not an absolute path to an empty or new folder, a bad PORT
#             and a TARGET_TIME still to come; archives the WAL that holds TARGET_TIME (a commit
#             stamped after it, a WAL switch, the segment archived: recovery to a time stops at
#             the first commit after it); restores into INTO with archiving off (the copy never
#             pushes WAL into the live repository), starts it on PORT with its socket in INTO.run,
#             and waits until it has finished recovery. Prints "restored into=INTO port=PORT ms=N".
#   summary   prints "at <time>" then "<table>|<rows>|<checksum>" for every table of the public
#             schema of the database, in one repeatable-read snapshot taken at <time>: of this
#             node's server (on the primary only: a standby exits SKIPPED_ON_STANDBY), or of the
#             copy in INTO on PORT.
#   stop      stops the copy in INTO; discard stops it and removes INTO and INTO.run. Each prints
#             "stopped INTO" or "discarded INTO" when this host holds that copy, nothing when it
#             holds none, and refuses (exit 2) a folder that is not a copy, the node's own data first.
set -euo pipefail
readonly SCRIPT=restore
# shellcheck source=cluster-lib.sh
. "${BASH_SOURCE[0]%/*}/cluster-lib.sh"
export PGPASSFILE="$RUN_DIR/$PGPASS_FILE" HOME="$RUN_DIR"

readonly USAGE="usage: restore.sh into INTO PORT [TARGET_TIME] | summary [INTO PORT] | stop INTO | discard INTO"
readonly ARCHIVE_WAIT_SECONDS=180
readonly RECOVERY_WAIT_SECONDS=3600
refuse() { echo "restore refused, nothing changed: $*" >&2; exit 2; }

# node_psql ARGS...: psql as the superuser on this node's socket.
node_psql() { "$PSQL" -X -At -q -w -v ON_ERROR_STOP=1 -h "$RUN_DIR" -p "${NODE_PORTS[$NODE_ID]}" -U "$SUPERUSER" "$@"; }

# copy_psql INTO PORT ARGS...: psql as the superuser on the copy's socket.
copy_psql() {
    local into=$1 port=$2
    shift 2
    "$PSQL" -X -At -q -w -v ON_ERROR_STOP=1 -h "$into.run" -p "$port" -U "$SUPERUSER" "$@"
}

# archive_through TARGET_TIME: the WAL holding TARGET_TIME archived, with a commit after it.
archive_through() {
    local segment archived deadline=$((SECONDS + ARCHIVE_WAIT_SECONDS))
    sql "$NODE_ID" "SELECT txid_current()" >/dev/null
    segment=$(sql "$NODE_ID" "SELECT pg_walfile_name(pg_switch_wal())")
    log "waiting for ${NODE_NAMES[$NODE_ID]} to archive WAL segment $segment, which holds $1"
    until archived=$(sql "$NODE_ID" "SELECT coalesce(substr(last_archived_wal, 1, 24), '') FROM pg_stat_archiver") && [[ "$archived" > "$segment" || "$archived" = "$segment" ]]; do
        [ "$SECONDS" -lt "$deadline" ] || { log "WAL segment $segment was not archived within $ARCHIVE_WAIT_SECONDS s (last archived: ${archived:-nothing})"; exit 1; }
        sleep 0.2
    done
}

restore_into() {
    local into=${1:?$USAGE} port=${2:?$USAGE} target=${3:-} started_ms started target_args=(--type=default)
    started_ms=$(now_ms)
    [ "$(sql "$NODE_ID" "SELECT pg_is_in_recovery()")" = f ] || { log "${NODE_NAMES[$NODE_ID]} is a standby: the primary restores"; exit "$SKIPPED_ON_STANDBY"; }
    [[ "$into" = /* && "$into" != */ ]] || refuse "INTO must be an absolute path to a folder, got '$into'"
    [ ! -e "$into" ] || [ -z "$(ls -A "$into")" ] || refuse "$into is not empty: restore needs a new data directory"
    [ ! -e "$into.run" ] || [ -z "$(ls -A "$into.run")" ] || refuse "$into.run is not empty: it would hold the copy's socket and log"
    [[ "$port" =~ ^[0-9]{4,5}$ && "$port" -ge 1024 && "$port" -le 65535 ]] || refuse "PORT must be a number from 1024 to 65535, got '$port'"
    if [ -n "$target" ]; then
        [[ "$target" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}[T\ ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?(Z|[+-][0-9]{2})$ ]] || refuse "TARGET_TIME must be a time with its zone, like 2026-11-28T10:00:00Z, got '$target'"
        # pgBackRest picks the backup by this time only in the form 2026-11-28 10:00:00+00.
        target=${target/T/ }
        [[ "$target" != *Z ]] || target="${target%Z}+00"
        [ "$(sql "$NODE_ID" "SELECT '$target'::timestamptz > now()")" = f ] || refuse "the target time $target is in the future (${NODE_NAMES[$NODE_ID]}'s clock says $(sql "$NODE_ID" "SELECT now()")): a restore reaches only moments that have passed"
        archive_through "$target"
        target_args=(--type=time "--target=$target" --target-action=promote)
    fi
    mkdir -p "$into" "$into.run"
    chmod 0700 "$into" "$into.run"
    log "restoring ${target:-the latest state} into $into"
    pgbackrest --config="$PGBACKREST_CONF" --stanza="$STANZA" restore --pg1-path="$into" --archive-mode=off "${target_args[@]}" >&2
    # The node's settings with what makes it a standalone copy: its own port and socket, no
    # archiving, no standby to wait for, little memory beside the node; hot_standby off, so it
    # takes connections only once recovery is over and recovery never stops for a setting.
    "$BIN_DIR/pg_ctl" -D "$into" -l "$into.run/postgres.log" -W \
        -o "-c config_file=$CONFIG_DIR/postgresql.conf -c port=$port -c unix_socket_directories='$into.run' -c cluster_name=restored -c archive_mode=off -c synchronous_standby_names='' -c shared_buffers=128MB -c hot_standby=off" start >&2
    started=$SECONDS
    until [ "$(copy_psql "$into" "$port" -d postgres -c "SELECT pg_is_in_recovery()" 2>/dev/null)" = f ]; do
        sleep 0.2
        if ! "$BIN_DIR/pg_ctl" -D "$into" status >/dev/null; then
            log "the restored server stopped during recovery; last lines of $into.run/postgres.log:"
            tail -n 20 "$into.run/postgres.log" >&2
            exit 1
        fi
        [ $((SECONDS - started)) -lt "$RECOVERY_WAIT_SECONDS" ] || { log "the restored server did not finish recovery within $RECOVERY_WAIT_SECONDS s; it still runs (see $into.run/postgres.log)"; exit 1; }
        [ $(((SECONDS - started) % 30)) != 29 ] || log "recovering for $((SECONDS - started)) s"
    done
    echo "restored into=$into port=$port ms=$(($(now_ms) - started_ms))"
}

# The snapshot's time, then row count and an order-independent checksum (the sum of the rows'
# hashes) of every table of the public schema.
summary() {
    local run=(node_psql -d "$DATABASE")
    if [ $# = 0 ]; then
        [ "$(node_psql -d postgres -c "SELECT pg_is_in_recovery()")" = f ] || { log "${NODE_NAMES[$NODE_ID]} is a standby: the primary's tables are the source"; exit "$SKIPPED_ON_STANDBY"; }
    else
        [ -d "${1:?$USAGE}.run" ] || { echo "no restored copy in $1" >&2; exit 2; }
        run=(copy_psql "$1" "${2:?$USAGE}" -d "$DATABASE")
    fi
    "${run[@]}" -c "BEGIN ISOLATION LEVEL REPEATABLE READ" -c "SELECT 'at ' || to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')" -c "
        SELECT t.name || '|' || s.rows || '|' || s.checksum
        FROM (SELECT quote_ident(tablename) AS name FROM pg_tables WHERE schemaname = 'public') t,
        LATERAL (SELECT (xpath('/row/rows/text()', x))[1]::text AS rows, coalesce((xpath('/row/checksum/text()', x))[1]::text, '0') AS checksum
                 FROM query_to_xml(format('SELECT count(*) AS rows, sum(hashtext(r::text)::bigint) AS checksum FROM public.%s r', t.name), false, true, '') x) s
        ORDER BY t.name" -c "COMMIT"
}

stop_copy() {
    local into=${1:?$USAGE}
    [ -f "$into/postmaster.pid" ] || return 0
    "$BIN_DIR/pg_ctl" -D "$into" -m fast -w stop >&2
}

# is_copy INTO: true when INTO is a copy restore.sh made on this host, false when there is none;
# refuses anything else, the node's own data directory above all.
is_copy() {
    local into=${1:?$USAGE}
    [[ "$into" = /* && "$into" != */ ]] || refuse "INTO must be an absolute path to a folder, got '$into'"
    [[ "$DATA_DIR/" != "$into/"* ]] || refuse "$into holds ${NODE_NAMES[$NODE_ID]}'s own data directory: it is not a restored copy"
    [ -d "$into.run" ] && return 0
    [ ! -e "$into" ] || refuse "$into is not a restored copy (no $into.run beside it)"
    return 1
}

case "${1:-}" in
    into) shift; restore_into "$@" ;;
    summary) shift; summary "$@" ;;
    stop) if is_copy "${2:-}"; then stop_copy "$2"; echo "stopped $2"; fi ;;
    discard)
        if is_copy "${2:-}"; then
            stop_copy "$2"
            # Folders in a folder that is not the PostgreSQL user's (the local run's) stay, empty.
            rm -rf "$2" "$2.run" 2>/dev/null || { find "$2" "$2.run" -mindepth 1 -delete; log "emptied $2 and $2.run: the folder they are in is not this user's, so they stay"; }
            echo "discarded $2"
        fi
        ;;
    *) echo "$USAGE" >&2; exit 2 ;;
esac
