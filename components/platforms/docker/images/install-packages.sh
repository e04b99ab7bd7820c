#!/bin/bash
# install-packages.sh PACKAGE[=VERSION]...: the Debian bookworm packages of one image of
# pg-ha-stack (names and pins from config/packages.ts, as build arguments). A PostgreSQL major
# that Debian does not ship comes from the PostgreSQL apt repository, its key kept as a file and
# named by signed-by (slim images have no gpg); Pgpool-II and pgBackRest stay Debian's.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
[ $# -gt 0 ] || { echo "usage: install-packages.sh PACKAGE[=VERSION]..." >&2; exit 2; }
# No default cluster on 5432 beside the stack's own.
mkdir -p /etc/postgresql-common
echo "create_main_cluster = false" > /etc/postgresql-common/createcluster.conf
apt-get update
missing=()
for spec in "$@"; do apt-cache show "${spec%%=*}" >/dev/null 2>&1 || missing+=("${spec%%=*}"); done
if [ ${#missing[@]} -gt 0 ]; then
    echo "not in Debian bookworm: ${missing[*]}; adding the PostgreSQL apt repository" >&2
    apt-get install -y --no-install-recommends curl ca-certificates
    install -d /usr/share/postgresql-common/pgdg
    curl -fsSL -o /usr/share/postgresql-common/pgdg/apt.postgresql.org.asc https://www.postgresql.org/media/keys/ACCC4CF8.asc
    echo "deb [signed-by=/usr/share/postgresql-common/pgdg/apt.postgresql.org.asc] https://apt.postgresql.org/pub/repos/apt bookworm-pgdg main" > /etc/apt/sources.list.d/pgdg.list
    printf 'Package: pgpool2 libpgpool2 pgbackrest\nPin: release o=Debian\nPin-Priority: 1001\n' > /etc/apt/preferences.d/pg-ha-debian-packages
    apt-get update
fi
apt-get install -y --no-install-recommends "$@"
rm -rf /var/lib/apt/lists/*
id -u postgres >/dev/null 2>&1 || useradd --system --user-group --home-dir /var/lib/postgresql postgres
