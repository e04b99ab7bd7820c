#!/bin/bash
# Starts Prometheus in the foreground: it scrapes postgres_exporter over HTTPS, evaluates the alert
# rules and sends alerts to Alertmanager over HTTPS. Installed by pg-ha-stack.
set -euo pipefail
umask 077
# shellcheck source=start-lib.sh
. "${BASH_SOURCE[0]%/*}/start-lib.sh"
prepare_run_dir "$0" "$@"

# The collector works harder before the memory budget is reached, rather than the kernel killing it.
export GOMEMLIMIT="$GO_MEMORY_LIMIT"
exec "$PROMETHEUS" --config.file="$RUN_DIR/prometheus.yml" --web.config.file="$RUN_DIR/web-config.yml" \
    --web.listen-address="$LISTEN_ADDRESS" --storage.tsdb.path="$DATA_DIR" \
    --storage.tsdb.retention.time="$RETENTION_TIME" --storage.tsdb.retention.size="$RETENTION_SIZE" \
    --log.level=warn
