#!/bin/bash
# Starts node_exporter in the foreground beside a PostgreSQL node: the host's filesystems (the
# data volume's free space among them), memory and CPU, over HTTPS. Installed by pg-ha-stack.
set -euo pipefail
umask 077
# shellcheck source=start-lib.sh
. "${BASH_SOURCE[0]%/*}/start-lib.sh"
prepare_run_dir "$0" "$@"

# No textfile collector: nothing writes one (backup and certificate ages come from postgres_exporter).
exec "$NODE_EXPORTER" --web.listen-address="$LISTEN_ADDRESS" --web.config.file="$RUN_DIR/web-config.yml" \
    --no-collector.textfile --log.level=warn
