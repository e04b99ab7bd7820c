#!/bin/bash
# pgbackrest-archive.sh WAL_PATH: PostgreSQL's archive_command. Installed by pg-ha-stack.
# Pushes one WAL segment into the repository with pgBackRest. When the push fails because the
# repository has no archive.info for the stanza yet, it creates the stanza (a no-op when it exists
# and matches this cluster) and pushes once more, so a new cluster starts archiving at its first
# segment on every platform without a separate setup step. Any other failure exits with
# pgBackRest's status: PostgreSQL keeps the segment and retries. Every call is bounded.
# (pgBackRest's backup command refuses an archive_command whose text lacks "pgbackrest".)
set -uo pipefail
# shellcheck source=service.env
. "${BASH_SOURCE[0]%/*}/service.env"
export PGPASSFILE="$RUN_DIR/$PGPASS_FILE"
export HOME="$RUN_DIR"
pgbackrest=(pgbackrest --config="$PGBACKREST_CONF" --stanza="$STANZA")
bounded=(timeout "$ARCHIVE_CALL_TIMEOUT_SECONDS")
wal=${1:?usage: pgbackrest-archive.sh WAL_PATH}
output=$("${bounded[@]}" "${pgbackrest[@]}" archive-push "$wal" 2>&1) && exit 0
status=$?
# Only a repository without this stanza is cured by creating it; its first attempt is expected.
case "$output" in
    *"unable to load info file"*"archive.info"*) ;;
    *) printf '%s\n' "$output" >&2; exit "$status" ;;
esac
"${bounded[@]}" "${pgbackrest[@]}" stanza-create || exit 1
exec "${bounded[@]}" "${pgbackrest[@]}" archive-push "$wal"
