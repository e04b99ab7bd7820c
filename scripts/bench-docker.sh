#!/usr/bin/env bash
# npm run bench:docker [-- RUNS]: the dev stack on this Docker engine from nothing (no container,
# volume or network; the images already built) to `verify` passing every check, RUNS times
# (default 3), and the median. Each run applies what the program registers through the
# engine-backed apply the tests use (tests/docker: no Pulumi CLI here), then removes all it made.
# Needs a running engine with the base image; the stack's published ports must be free.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
[[ "$runs" =~ ^[1-9][0-9]?$ ]] || { echo "usage: npm run bench:docker -- [RUNS 1..99]" >&2; exit 2; }
npx tsc -p .
node build/scripts/docker-preflight.js --stack dev
work=$(mktemp -d)
label=""
remove_run() {
    [ -n "$label" ] || return 0
    docker ps -aq --filter "label=pg-ha-test=$label" | xargs -r docker rm -f >/dev/null
    docker volume ls -q --filter "label=pg-ha-test=$label" | xargs -r docker volume rm >/dev/null
    docker network ls -q --filter "label=pg-ha-test=$label" | xargs -r docker network rm >/dev/null
}
trap 'remove_run; rm -rf "$work"' EXIT

# apply_and_verify NAME: one apply from nothing and one verify; prints the seconds it took.
apply_and_verify() {
    label="bench-$$-$1"
    printf '{"stack":"dev","config":{},"stateFile":"%s/state-%s.json","label":"%s"}' "$work" "$1" "$label" > "$work/request.json"
    local started ended
    started=$(date +%s.%N)
    node build/tests/docker/applyProcess.js "$work/request.json" "$work/result.json"
    node -e 'const fs = require("fs"); const r = JSON.parse(fs.readFileSync(process.argv[1], "utf8")); if (!r.ok) { console.error(r.error); process.exit(1); } fs.writeFileSync(process.argv[2], JSON.stringify(r.outputs), { mode: 0o600 });' "$work/result.json" "$work/outputs.json"
    node build/scripts/verify.js --outputs "$work/outputs.json" >/dev/null
    ended=$(date +%s.%N)
    remove_run
    label=""
    awk -v a="$started" -v b="$ended" 'BEGIN { print b - a }'
}

echo "warm-up run (builds the images when they are missing; not counted)" >&2
apply_and_verify warmup >/dev/null
times=()
for run in $(seq 1 "$runs"); do
    seconds=$(apply_and_verify "$run")
    printf 'run %d: %.1f s from nothing to verify passing every check\n' "$run" "$seconds" >&2
    times+=("$seconds")
done
median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
printf 'bench:docker: median of %d runs, nothing to verify passing every check: %.1f s\n' "$runs" "$median"
