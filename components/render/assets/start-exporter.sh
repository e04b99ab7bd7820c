#!/bin/bash
# Starts postgres_exporter in the foreground, scraping every PostgreSQL node. Installed by pg-ha-stack.
set -euo pipefail
umask 077
# shellcheck source=start-lib.sh
. "${BASH_SOURCE[0]%/*}/start-lib.sh"
prepare_run_dir "$0" "$@"

# Every node as one entry (exporter 0.11 splits only DATA_SOURCE_NAME on commas), so metrics keep
# flowing whichever node is primary. No password: lib/pq reads it from PGPASSFILE, so it is in
# neither the environment nor the command line.
export DATA_SOURCE_NAME
export PGPASSFILE="$RUN_DIR/$PGPASS_FILE"
# With several servers, 0.11's bgwriter and database collectors emit duplicate series and fail
# the whole scrape; the legacy default queries still cover both, per server.
exec "$EXPORTER" --web.listen-address="$LISTEN_ADDRESS" \
    --web.config.file="$CONFIG_DIR/web-config.yml" --extend.query-path="$CONFIG_DIR/queries.yaml" \
    --no-collector.bgwriter --no-collector.database --log.level=warn
