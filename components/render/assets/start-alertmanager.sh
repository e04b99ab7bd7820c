#!/bin/bash
# Starts Alertmanager in the foreground, alone (no gossip with peers): it receives Prometheus's
# alerts over HTTPS and notifies the receiver of alertmanager.yml. Installed by pg-ha-stack.
set -euo pipefail
umask 077
# shellcheck source=start-lib.sh
. "${BASH_SOURCE[0]%/*}/start-lib.sh"
prepare_run_dir "$0" "$@"

export GOMEMLIMIT="$GO_MEMORY_LIMIT"
# Its silences and notification log live in the run folder: a restart forgets silences.
exec "$ALERTMANAGER" --config.file="$RUN_DIR/$CONFIG_FILE" --web.config.file="$RUN_DIR/web-config.yml" \
    --web.listen-address="$LISTEN_ADDRESS" --cluster.listen-address= --storage.path="$RUN_DIR" \
    --log.level=warn
