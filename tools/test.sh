#!/usr/bin/env bash
# The whole test suite on a fresh Debian machine with the Swift toolchain: installs what the tests
# need (C libraries, Debian's PyTorch, timm, safetensors, nginx), makes the PyTorch parity
# fixtures that are too large to commit, then runs every test.
#
# It can fail but never hang: past ZOO_TEST_TIMEOUT seconds (default 1500) of `swift test` a
# watchdog stops the run, names the tests still running, and exits 124. Arguments go to
# `swift test` (e.g. `tools/test.sh --filter DownloadTests`).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh test
export ZOO_PARITY_DIR="${ZOO_PARITY_DIR:-$PWD/.cache/parity}"
for script in tools/parity/make_*_fixtures.py; do
    [[ -e "$script" ]] && /usr/bin/python3 "$script" "$ZOO_PARITY_DIR"
done
# SwiftPM 6.3's incremental build can leave client files compiled against a public signature that
# changed (seen as undefined references at link time): one clean debug build before giving up.
if ! swift build --build-tests; then
    echo "tools/test.sh: the build failed; once more from a clean debug build" >&2
    rm -rf .build/*/debug
    swift build --build-tests
fi

limit="${ZOO_TEST_TIMEOUT:-1500}"
events="$(mktemp -t zoo-test-events.XXXXXX)"
trap 'rm -f "$events"' EXIT
# Its own session, so the watchdog can find swift test and every process under it (the test
# runner sits in a process group of its own, but stays in the session).
setsid swift test --skip-build --experimental-event-stream-output "$events" "$@" &
run=$!
signal_session() {  # signal_session SIGNAL: every process whose session is the run's
    local stat rest state ppid pgrp sid
    for stat_file in /proc/[0-9]*/stat; do
        stat="$(<"$stat_file")" 2>/dev/null || continue
        rest="${stat##*) }"
        read -r state ppid pgrp sid _ <<<"$rest"
        [[ "$sid" == "$run" ]] && kill "-$1" "${stat%% *}" 2>/dev/null
    done
    return 0
}
waited=0
while kill -0 "$run" 2>/dev/null && ((waited < limit)); do
    sleep 1
    waited=$((waited + 1))
done
if kill -0 "$run" 2>/dev/null; then
    echo "tools/test.sh: the tests ran past ZOO_TEST_TIMEOUT=${limit}s; stopping them." >&2
    signal_session TERM
    sleep 5
    signal_session KILL
    wait "$run" 2>/dev/null || true
    # Swift Testing's event stream: one JSON record a line; a test started and never ended is hung.
    /usr/bin/python3 - "$events" >&2 <<'PY' || echo "(no event stream to name the tests from: $events)" >&2
import json, sys
running = {}
for line in open(sys.argv[1], errors="replace"):
    try:
        record = json.loads(line)
    except ValueError:
        continue
    if record.get("kind") != "event":
        continue
    event = record.get("payload", {})
    test, kind = event.get("testID"), event.get("kind")
    if kind == "testStarted":
        running[test] = running.get(test, 0) + 1
    elif kind in ("testEnded", "testSkipped") and test in running:
        running[test] -= 1
        if not running[test]:
            del running[test]
# A suite is "running" while its tests are: name the innermost.
hung = [t for t in running if not any(other.startswith(t + "/") for other in running)]
print("tests still running when stopped:" if hung else "no test was running (stuck outside a test?)")
for test in hung:
    print("  " + test)
PY
    exit 124
fi
wait "$run"
