#!/bin/bash
# backup.sh full|diff|incr: a backup, taken only while this node is the primary; a standby exits
# with SKIPPED_ON_STANDBY (3), which the schedules count as success, so they follow a failover by
# themselves. Installed by pg-ha-stack; run as the PostgreSQL user by the schedules (systemd
# timers on EC2) and by `npm run backup`. The primary makes sure the stanza exists (in case
# nothing was archived yet), then takes the backup.
set -euo pipefail
# shellcheck source=service.env
. "${BASH_SOURCE[0]%/*}/service.env"
# shellcheck source=cluster.env
. "${BASH_SOURCE[0]%/*}/cluster.env"
export PGPASSFILE="$RUN_DIR/$PGPASS_FILE"
export HOME="$RUN_DIR"
pgbackrest=(pgbackrest --config="$PGBACKREST_CONF" --stanza="$STANZA")
type=${1:-}
case "$type" in
    full|diff|incr) ;;
    *) echo "usage: backup.sh full|diff|incr" >&2; exit 2 ;;
esac
name=${NODE_NAMES[$NODE_ID]}
log() { printf '%s pg-ha backup: %s\n' "$(date -u +%FT%T.%3NZ)" "$*" >&2; }
# A timer that caught up at boot may fire before the server accepts connections.
for _ in $(seq 1 $((SERVER_WAIT_SECONDS / 2))); do
    "$BIN_DIR/pg_isready" -q -h "$RUN_DIR" -p "${NODE_PORTS[$NODE_ID]}" && break
    sleep 2
done
in_recovery=$("$BIN_DIR/psql" -X -At -w -h "$RUN_DIR" -p "${NODE_PORTS[$NODE_ID]}" -U "$SUPERUSER" -d postgres -c "SELECT pg_is_in_recovery()")
if [ "$in_recovery" != f ]; then
    log "$name is a standby: the primary takes the $type backup"
    exit "$SKIPPED_ON_STANDBY"
fi
# stanza-create takes the archive lock, which the archiver's push of the moment may hold
# (pgBackRest's error 50): try again for up to 30 s.
for _ in $(seq 1 30); do
    status=0
    "${pgbackrest[@]}" stanza-create >&2 || status=$?
    [ "$status" = 50 ] || break
    log "the archive is locked by a push under way; trying stanza-create again"
    sleep 1
done
[ "$status" = 0 ] || exit "$status"
log "taking a $type backup on $name"
"${pgbackrest[@]}" backup --type="$type" >&2
# Its end, for the backup-age alerts: committed locally (no standby need acknowledge it, so a
# backup taken while the standbys are down is recorded), then replicated to them as any write.
"$BIN_DIR/psql" -X -q -w -v ON_ERROR_STOP=1 -h "$RUN_DIR" -p "${NODE_PORTS[$NODE_ID]}" -U "$SUPERUSER" -d "$DATABASE" \
    -c "SET synchronous_commit = local" \
    -c "INSERT INTO $BACKUPS_TABLE (type, finished_at) VALUES ('$type', now()) ON CONFLICT (type) DO UPDATE SET finished_at = excluded.finished_at"
log "$type backup on $name done"
