# shellcheck shell=bash
# Sourced by every start script, with the service's service.env. Installed by pg-ha-stack.
# Copies keys and password files into a private run folder, mode 0600 and owned by the service
# user (libpq, PostgreSQL and pgpool reject keys and password files others can read), then drops
# root with setpriv by running the start script again as the service user.
# shellcheck source=service.env
. "${BASH_SOURCE[0]%/*}/service.env"

# prepare_run_dir START_SCRIPT [ARGS...]: returns as the service user, with the run folder ready.
prepare_run_dir() {
    [ "${PG_HA_RUN_PREPARED:-}" = 1 ] && return 0
    local owner=() service_group="" dir
    if [ "$(id -u)" = 0 ]; then
        service_group=$(id -gn "$SERVICE_USER")
        owner=(-o "$SERVICE_USER" -g "$service_group")
    fi
    # One install per mode: where starting a process is slow, every fork counts.
    install -d -m 700 "${owner[@]}" "$RUN_DIR"
    for dir in "${WRITABLE_DIRS[@]}"; do install -d -m 750 "${owner[@]}" "$dir"; done
    if [ ${#PRIVATE_FILES[@]} -gt 0 ]; then install -m 600 "${owner[@]}" -t "$RUN_DIR" "${PRIVATE_FILES[@]/#/$CONFIG_DIR/}"; fi
    if [ ${#PUBLIC_FILES[@]} -gt 0 ]; then install -m 644 "${owner[@]}" -t "$RUN_DIR" "${PUBLIC_FILES[@]/#/$CONFIG_DIR/}"; fi
    if [ ${#owner[@]} -gt 0 ]; then
        export PG_HA_RUN_PREPARED=1
        # Root's HOME stays set across setpriv, and libpq treats an unreadable
        # ~/.postgresql/postgresql.crt as fatal: give the service user a home it owns.
        export HOME="$RUN_DIR"
        exec setpriv --reuid="$SERVICE_USER" --regid="$service_group" --init-groups -- /bin/bash "$@"
    fi
}
