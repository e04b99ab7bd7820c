#!/bin/bash
# install-packages.sh PACKAGE[=VERSION]...: the Debian bookworm packages of one host or image of
# pg-ha-stack (names and pins from config/packages.ts). A PostgreSQL major that Debian does not
# ship comes from the PostgreSQL apt repository, its key a file named by signed-by (no gpg on
# Debian's cloud and slim images); Pgpool-II and pgBackRest stay Debian's.
# Every download is retried: INSTALL_ATTEMPTS times (default 3), up to 30 s apart, so that a host
# booting before its route to the mirror works still gets its packages.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
[ $# -gt 0 ] || { echo "usage: install-packages.sh PACKAGE[=VERSION]..." >&2; exit 2; }
readonly PGDG_KEY=/usr/share/pg-ha/apt.postgresql.org.asc
attempts=${INSTALL_ATTEMPTS:-3}

retrying() {
    local attempt
    for attempt in $(seq 1 "$attempts"); do
        "$@" && return 0
        echo "pg-ha install: attempt $attempt of $attempts failed: $*" >&2
        [ "$attempt" -lt "$attempts" ] && sleep $((attempt < 6 ? attempt * 5 : 30))
    done
    echo "pg-ha install: gave up after $attempts attempts: $*" >&2
    return 1
}

# No default cluster on 5432 beside the stack's own.
mkdir -p /etc/postgresql-common
echo "create_main_cluster = false" > /etc/postgresql-common/createcluster.conf
# --error-on=any: an index that failed to download is an error, not a warning.
retrying apt-get update --error-on=any
missing=()
for spec in "$@"; do apt-cache show "${spec%%=*}" >/dev/null 2>&1 || missing+=("${spec%%=*}"); done
if [ ${#missing[@]} -gt 0 ]; then
    echo "pg-ha install: not in Debian bookworm: ${missing[*]}; adding the PostgreSQL apt repository" >&2
    [ -s "$PGDG_KEY" ] || { echo "pg-ha install: the PostgreSQL apt repository's key $PGDG_KEY is missing" >&2; exit 1; }
    echo "deb [signed-by=$PGDG_KEY] http://apt.postgresql.org/pub/repos/apt bookworm-pgdg main" > /etc/apt/sources.list.d/pgdg.list
    printf 'Package: pgpool2 libpgpool2 pgbackrest\nPin: release o=Debian\nPin-Priority: 1001\n' > /etc/apt/preferences.d/pg-ha-debian-packages
    retrying apt-get update --error-on=any
fi
retrying apt-get install -y --no-install-recommends "$@"
rm -rf /var/lib/apt/lists/*
id -u postgres >/dev/null 2>&1 || useradd --system --user-group --home-dir /var/lib/postgresql postgres
