#!/usr/bin/env bash
# Runs every test of pg-ha-stack: type-check, unit tests, each stack under Pulumi mocks in its own
# process, the integration tests on real PostgreSQL, Pgpool-II and postgres_exporter, then the dev
# stack on a real Docker engine (started here when none answers, and stopped again), and the prod
# stack's hosts booted from their user data on that engine.
# Installs what the tests need first. Ends with one line: "tests: N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-test-deps.sh

echo "== type-check and build (tsc, strict)"
rm -rf build
npx tsc -p .

passed=0
failed=0
repo=$PWD
mocha="$repo/node_modules/.bin/mocha"
log=$(mktemp)
# Every group's failure reports, repeated at the end: CI shows only the tail of the output.
failures=$(mktemp)
# The real-server tests run from a folder only root may enter, as a user's checkout in /root
# often is: nothing run as the service user may depend on the working folder.
unenterable=$(mktemp -d)
chmod 0700 "$unenterable"
started_dockerd=""
dockerd_log=$(mktemp)

# Removes what the real-engine tests may have left (they remove their own; this is the net under
# them), then stops the engine if this script started it.
finish() {
    if docker info >/dev/null 2>&1; then
        docker ps -aq --filter label=pg-ha-test | xargs -r docker rm -f >/dev/null
        docker volume ls -q --filter label=pg-ha-test | xargs -r docker volume rm >/dev/null
        docker network ls -q --filter label=pg-ha-test | xargs -r docker network rm >/dev/null
    fi
    # The boot harness's data volumes (loop devices on files in its temporary folders).
    losetup -nO NAME,BACK-FILE | awk '$2 ~ /\/pg-ha-boot-/ {print $1}' | xargs -r -n1 losetup -d || true
    if [ -n "$started_dockerd" ]; then
        kill "$started_dockerd" 2>/dev/null || true
        wait "$started_dockerd" 2>/dev/null || true
    fi
    rm -f "$log" "$failures" "$dockerd_log"
    rmdir "$unenterable"
}
trap finish EXIT

# One mocha process per group, so each stack's program runs in a process of its own. The exit
# guard ends a group whose process a test left running after its last test (exit code 1).
run_group() {
    local title=$1
    shift
    echo "== $title"
    local status=0
    "$mocha" --reporter spec --require "$repo/build/tests/exitGuard.js" "$@" 2>&1 | tee "$log" || status=$?
    local group_passed group_failed
    group_passed=$(grep -Eo '^ +[0-9]+ passing' "$log" | grep -Eo '[0-9]+' || echo 0)
    group_failed=$(grep -Eo '^ +[0-9]+ failing' "$log" | grep -Eo '[0-9]+' || echo 0)
    if [ "$status" != 0 ] && [ "$group_failed" = 0 ]; then group_failed=1; fi
    if [ "$group_failed" != 0 ]; then
        {
            echo "-- $title: $group_failed failed (exit $status)"
            # mocha's report of each failure follows its "N failing" line; without one (a
            # group that ended before its report), the last lines it printed.
            if grep -Eq '^ +[0-9]+ failing' "$log"; then
                sed -n '/^ \+[0-9]\+ failing/,$p' "$log" | head -c 6000
            else
                tail -n 20 "$log"
            fi
        } >>"$failures"
    fi
    if [ "$group_passed" = 0 ] && [ "$group_failed" = 0 ]; then
        echo "$title ran no test" >&2
        group_failed=1
    fi
    passed=$((passed + group_passed))
    failed=$((failed + group_failed))
}

run_group "unit tests" 'build/tests/unit/**/*.test.js'
run_group "dev stack under mocks" build/tests/stacks/dev.test.js
run_group "prod stack under mocks" build/tests/stacks/prod.test.js
run_group "bad config under mocks" build/tests/stacks/badConfig.test.js
cd "$unenterable"
run_group "real servers (local run, verify)" --timeout 300000 "$repo/build/tests/integration/**/*.test.js"
cd "$repo"

echo "== a Docker engine and the base image"
if ! docker info >/dev/null 2>&1; then
    /usr/sbin/dockerd >"$dockerd_log" 2>&1 &
    started_dockerd=$!
    for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 0.5; done
    docker info >/dev/null 2>&1 || { echo "dockerd did not answer within 30 s; its log:" >&2; tail -20 "$dockerd_log" >&2; exit 1; }
    echo "started dockerd (pid $started_dockerd)"
fi
bash scripts/docker-base-image.sh debian:bookworm-slim
cd "$unenterable"
run_group "dev stack on a real Docker engine" --timeout 900000 "$repo/build/tests/docker/**/*.test.js"
run_group "prod hosts booted from their user data (systemd containers, cloud-init, emulated AWS)" --timeout 1800000 "$repo/build/tests/boot/**/*.test.js"
cd "$repo"

echo
if [ -s "$failures" ]; then
    echo "== the failures again"
    cat "$failures"
    echo
fi
echo "tests: $passed passed, $failed failed"
[ "$failed" = 0 ]
