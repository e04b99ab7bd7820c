#!/usr/bin/env bash
# Installs what the tests need: the Debian packages of the real servers they run, and the npm
# dependencies. Safe to run again: it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

debian_packages=(postgresql-15 pgpool2 haproxy prometheus-postgres-exporter prometheus prometheus-alertmanager prometheus-node-exporter pgbackrest shellcheck cloud-init systemd openssl util-linux procps docker.io debootstrap)
missing=()
for package in "${debian_packages[@]}"; do
    dpkg-query -W -f '${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
    if [ "$(id -u)" != 0 ]; then
        echo "missing Debian packages: ${missing[*]}; install them with: sudo apt-get install -y ${missing[*]}" >&2
        exit 1
    fi
    echo "installing Debian packages: ${missing[*]}" >&2
    # The tests start their own servers on free ports: keep Debian from creating and starting a
    # default cluster on 5432.
    mkdir -p /etc/postgresql-common
    if [ ! -e /etc/postgresql-common/createcluster.conf ]; then
        echo "create_main_cluster = false" > /etc/postgresql-common/createcluster.conf
    fi
    # Nor start any server a package brings (Prometheus on 9090, Alertmanager on 9093, pgpool2, the
    # exporter) on a machine that runs systemd: the tests start their own. policy-rc.d says no to
    # every start.
    policy=""
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        policy=/usr/sbin/policy-rc.d
        trap 'rm -f "$policy"' EXIT
        printf '#!/bin/sh\nexit 101\n' > "$policy"
        chmod 755 "$policy"
    fi
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    echo "installing npm dependencies (npm ci)" >&2
    npm ci --no-audit --no-fund --loglevel=error
fi
