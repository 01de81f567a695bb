#!/usr/bin/env bash
# Deliberate breakages the tests must catch (not part of CI; see docs/testing.md).
#
#   tools/mutants.sh [--full] [--all-failures] [tools/mutants/NAME.patch ...]
#
# Copies the working tree to a scratch folder ($ZOO_MUTANTS_DIR/tree, default .cache/mutants/tree;
# its own .build, kept between runs: only changed files are rewritten), runs the tests the mutants
# name on the unmodified copy (they must pass; skipped for tests that passed before on the same
# sources), then for each patch under tools/mutants/ (or those given, in that order; by default
# those editing the same file one after another): applies it, builds the test bundle and `zoo`,
# runs the tests its `# caught-by:` line names (every test with --full) until the first issue one
# of them records (a recorded issue fails its test; --all-failures runs them to the end and lists
# every failing test), reverts it. Prints a table of mutant | caught by | result and exits non-zero
# when a mutant survives, does not apply or build, times out, or fails no named test.
#
# Each patch starts with `# caught-by: Suite[/test]` (a `swift test --filter` regex) and a line
# saying what it breaks, then a `git diff` against the sources (applied with `git apply`).
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"
full=0
first=1
patches=()
for argument in "$@"; do
    case "$argument" in
        --full) full=1 ;;
        --all-failures) first=0 ;;
        -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
        *) patches+=("$(realpath "$argument")") ;;
    esac
done
if ((${#patches[@]} == 0)); then
    # Every patch, those editing the same file one after another: a file the last mutant reverted
    # is then recompiled once, together with the next mutant, instead of once more on its own.
    mapfile -t patches < <(for patch in "$repo"/tools/mutants/*.patch; do
        printf '%s\t%s\n' "$(sed -n 's|^+++ b/\([^\t]*\).*|\1|p' "$patch" | head -n 1)" "$patch"
    done | sort | cut -f 2)
fi
export ZOO_PARITY_DIR="${ZOO_PARITY_DIR:-$repo/.cache/parity}"
limit="${ZOO_TEST_TIMEOUT:-1500}"

scratch="${ZOO_MUTANTS_DIR:-$repo/.cache/mutants}/tree"
mkdir -p "$scratch"
# Bring the copy to the working tree's tracked and new files. Only files whose content differs are
# written (the others keep their modification times), so the kept .build rebuilds only what changed.
# (The .build holds absolute paths: keep the copy at one path.)
tree_hash="$({ git ls-files -z --cached --others --exclude-standard; if [[ -e Package.resolved ]]; then printf 'Package.resolved\0'; fi; } \
    | /usr/bin/python3 -c '
import hashlib, os, shutil, sys
scratch = sys.argv[1]
names = [n for n in sys.stdin.buffer.read().decode().split("\0") if n and os.path.isfile(n)]
wanted = set(names)
changed = 0
digest = hashlib.sha256()
for name in sorted(names):
    target = os.path.join(scratch, name)
    with open(name, "rb") as f:
        data = f.read()
    if not name.startswith(("docs/", "tools/mutants")):  # not seen by the tests
        digest.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
    try:
        with open(target, "rb") as f:
            if f.read() == data and os.stat(target).st_mode == os.stat(name).st_mode:
                continue
    except OSError:
        pass
    os.makedirs(os.path.dirname(target), exist_ok=True)
    if os.path.lexists(target):
        os.remove(target)
    shutil.copy2(name, target)
    os.utime(target)  # newer than any build product, whatever the source file says
    changed += 1
removed = 0
for root, dirs, files in os.walk(scratch):
    relative_root = os.path.relpath(root, scratch)
    if relative_root == ".":
        dirs[:] = [d for d in dirs if d != ".build"]
    for file in files:
        relative = os.path.normpath(os.path.join(relative_root, file))
        if relative not in wanted:
            os.remove(os.path.join(root, file))
            removed += 1
print(f"mutants: copy in {scratch}: {changed} files written, {removed} removed, {len(names) - changed} kept", file=sys.stderr)
print(digest.hexdigest())
' "$scratch")"
cd "$scratch"
# The copy may sit inside this repository (.cache): keep git from finding it, so `git apply` patches the copy.
export GIT_CEILING_DIRECTORIES="$(dirname "$scratch")"
log="$scratch/.build/mutants-logs"
mkdir -p "$log"

caught_by() { sed -n 's/^# caught-by: *//p' "$1" | head -n 1; }

run_tests() {  # run_tests FILTER LOGFILE [first]: swift test within the time limit; FILTER empty = everything.
    # With "first": stopped at the first issue a test records (that test fails), returning 3.
    local filter=("--filter" "$1")
    [[ -z "$1" ]] && filter=()
    if [[ "${3:-}" != first ]]; then
        timeout --kill-after=10 "$limit" swift test --skip-build "${filter[@]}" >"$2" 2>&1
        return
    fi
    # A session of its own, so the test runner and whatever it started (python, nginx, mpirun) stop together.
    setsid timeout --kill-after=10 "$limit" swift test --skip-build "${filter[@]}" >"$2" 2>&1 &
    local run=$!
    while kill -0 "$run" 2>/dev/null; do
        # Swift Testing: "✘ Test name(…) recorded an issue …" (a known issue reads "recorded a known issue").
        if grep -qsE '^✘ Test .*\) recorded an issue' "$2"; then
            kill -TERM -- "-$run" 2>/dev/null
            sleep 5
            kill -KILL -- "-$run" 2>/dev/null
            wait "$run" 2>/dev/null || true
            return 3
        fi
        sleep 1
    done
    wait "$run"
}

# Only what the tests run: the test bundle and the `zoo` command the CLI tests start (not zoo-bench,
# zoo-parity or the fuzzers: relinking those took two thirds of a mutant's build).
build() { { swift build --product zooPackageTests && swift build --product zoo; } >"$1" 2>&1; }

filters=()
for patch in "${patches[@]}"; do
    filter="$(caught_by "$patch")"
    [[ -n "$filter" ]] || { echo "$patch: no '# caught-by:' line" >&2; exit 2; }
    filters+=("$filter")
done
((full)) && filters=("")

echo "mutants: building the unmodified copy in $scratch" >&2
if ! build "$log/baseline-build.log"; then
    # Seen once after a merge changed a function's signature: test files calling it were not
    # recompiled by the incremental build (a link error). Recompile every Swift file once before
    # calling the tree broken.
    echo "mutants: the incremental build failed; once more with every Swift file recompiled" >&2
    find Sources Tests -name '*.swift' -exec touch {} +
    build "$log/baseline-build.log" || { echo "the unmodified tree does not build: $log/baseline-build.log" >&2; exit 2; }
fi
# The unmodified copy must pass every named test. A filter already seen passing on the same sources
# (tree_hash: every file but docs/ and the patches) is not run again.
passed="$log/baseline-passed"
touch "$passed"
pending=()
for filter in "${filters[@]}"; do
    grep -qxF "$tree_hash ${filter:-*}" "$passed" || pending+=("$filter")
done
if ((${#pending[@]} == 0)); then
    echo "mutants: baseline tests passed before on these same sources ($passed); not run again" >&2
else
    baseline_filter="$(IFS='|'; echo "${pending[*]}")"
    ((full)) && baseline_filter=""
    echo "mutants: baseline tests ${baseline_filter:+(--filter '$baseline_filter')}" >&2
    if ! run_tests "$baseline_filter" "$log/baseline-test.log"; then
        echo "the unmodified tree fails its tests; no mutant can be judged. See $log/baseline-test.log:" >&2
        grep -E "✘|error:" "$log/baseline-test.log" | head -n 20 >&2
        exit 2
    fi
    for filter in "${pending[@]}"; do echo "$tree_hash ${filter:-*}" >>"$passed"; done
fi

rows=()
survivors=0
for patch in "${patches[@]}"; do
    name="$(basename "$patch" .patch)"
    filter="$(caught_by "$patch")"
    start=$SECONDS
    if ! git apply "$patch" 2>"$log/$name-apply.log"; then
        result="DOES NOT APPLY"
        survivors=$((survivors + 1))
    else
        if ! build "$log/$name-build.log"; then
            result="DOES NOT BUILD"
            survivors=$((survivors + 1))
        else
            status=0
            run_tests "$( ((full)) || echo "$filter")" "$log/$name-test.log" "$( ((first)) && echo first)" || status=$?
            # Swift Testing's verdict lines: "✘ Test name(…) [with N test cases ]failed after …".
            failing="$(grep -E '^✘ Test .*\) (with [0-9]+ test cases? )?failed after' "$log/$name-test.log" \
                | sed -E 's/^✘ Test (.*\)) (with .*)?failed after.*/\1/' | sort -u || true)"
            count="$(grep -c . <<<"$failing" || true)"
            if ((status == 3)); then
                # "✘ Test name(…) recorded an issue [with 1 argument x → "case" ]at file:line: …"
                result="caught: $(grep -m 1 -E '^✘ Test .*\) recorded an issue' "$log/$name-test.log" \
                    | sed -E 's/^✘ Test (.*\)) recorded an issue (with [0-9]+ arguments? (.*) )?at [^ ]+:[0-9]+:[0-9]+: .*/\1 \3/; s/ +$//') (stopped at the first failure)"
            elif ((status == 0)); then
                result="SURVIVED"
                survivors=$((survivors + 1))
            elif ((status == 124 || status == 137)); then
                # Stopped by the time limit: the mutant's tests never finished, so nothing was judged.
                result="TIMED OUT after ${limit} s (not judged; ZOO_TEST_TIMEOUT raises the limit)"
                survivors=$((survivors + 1))
            elif ((count == 0)); then
                result="UNCLEAR: the tests failed without naming a failing test (see $log/$name-test.log)"
                survivors=$((survivors + 1))
            else
                result="caught: $count failing ($(head -n 3 <<<"$failing" | paste -sd ' ' -)$( ((count > 3)) && echo " …" || true))"
            fi
        fi
        git apply -R "$patch"
    fi
    echo "mutants: $name: $result ($((SECONDS - start)) s)" >&2
    rows+=("| $name | $filter | $result |")
done
# Leave the copy unmodified and built, so the next run starts from it.
build "$log/final-build.log" || true

echo
echo "| mutant | caught by | result |"
echo "|---|---|---|"
printf '%s\n' "${rows[@]}"
echo
echo "$((${#patches[@]} - survivors)) of ${#patches[@]} mutants caught$( ((full)) && echo " (full suite)")"
((survivors == 0))
