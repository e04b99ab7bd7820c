#!/bin/bash
# Starts postgres_exporter in the foreground: the exporter scraping every PostgreSQL node, or the
# pool exporter asking pgpool for its backends. Installed by pg-ha-stack.
set -euo pipefail
umask 077
# shellcheck source=start-lib.sh
. "${BASH_SOURCE[0]%/*}/start-lib.sh"
prepare_run_dir "$0" "$@"

# No password: lib/pq reads it from PGPASSFILE, so it is in neither the environment nor the
# command line.
export DATA_SOURCE_NAME
export PGPASSFILE="$RUN_DIR/$PGPASS_FILE"
exec "$EXPORTER" --web.listen-address="$LISTEN_ADDRESS" \
    --web.config.file="$CONFIG_DIR/web-config.yml" --extend.query-path="$CONFIG_DIR/queries.yaml" \
    "${EXPORTER_FLAGS[@]}" --log.level=warn
