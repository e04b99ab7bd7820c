#!/usr/bin/env bash
# Deploys the dev stack to the local Docker engine: installs npm dependencies, uses a Pulumi
# state backend in .pulumi-state/ (a local file backend, no account), selects or creates the
# dev stack and runs pulumi up. Needs the Pulumi CLI and a running Docker engine.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v pulumi >/dev/null || { echo "the Pulumi CLI is not installed: see https://www.pulumi.com/docs/install/" >&2; exit 1; }
[ -d node_modules ] || npm ci --no-audit --no-fund
npx tsc -p .
# Before anything is created: the engine answers (API 1.41 or later), the base image is there,
# every published port is free.
node build/scripts/docker-preflight.js --stack dev

state_dir="$PWD/.pulumi-state"
mkdir -p "$state_dir"
export PULUMI_BACKEND_URL="file://$state_dir"
if [ -z "${PULUMI_CONFIG_PASSPHRASE:-}" ] && [ -z "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]; then
    # A passphrase of this checkout's own, kept beside the state it protects (both are gitignored).
    passphrase_file="$state_dir/passphrase"
    if [ ! -s "$passphrase_file" ]; then
        (umask 077 && head -c 32 /dev/urandom | base64 > "$passphrase_file")
    fi
    export PULUMI_CONFIG_PASSPHRASE_FILE="$passphrase_file"
fi

pulumi stack select dev 2>/dev/null || pulumi stack init dev --secrets-provider passphrase
pulumi up --stack dev --yes "$@"
echo "deployed; check it with: npm run verify -- --stack dev (with PULUMI_BACKEND_URL=$PULUMI_BACKEND_URL)" >&2
