#!/usr/bin/env bash
# Median wall time of `zoo list "*resnet*"` (release build) against timm's list_models.
#
#   tools/bench_list.sh [--static-stdlib] [RUNS]    # RUNS defaults to 30
#
# --static-stdlib links the Swift runtime and Foundation into the binary, which halves the
# start-up time (most of a `zoo list` is the dynamic loader resolving Swift library symbols).
# Uses hyperfine when installed, else a loop timing each run with `date +%s%N`.
set -euo pipefail
cd "$(dirname "$0")/.."
build_flags=()
if [[ "${1:-}" == "--static-stdlib" ]]; then build_flags+=(--static-swift-stdlib); shift; fi
runs="${1:-30}"

swift build -c release --product zoo "${build_flags[@]}" >&2
zoo_cmd=(.build/release/zoo list "*resnet*")
timm_cmd=(/usr/bin/python3 -c "import timm; timm.list_models('*resnet*')")

# Prints "median min" of `runs` timed runs of the command given, in milliseconds. The minimum is
# the figure least disturbed by other work on the machine.
median_ms() {
    if command -v hyperfine >/dev/null; then
        local export_file
        export_file="$(mktemp)"
        hyperfine --warmup 3 --runs "$runs" --style none --export-json "$export_file" -- "$(printf '%q ' "$@")" >/dev/null
        /usr/bin/python3 -c "import json,sys; r = json.load(open(sys.argv[1]))['results'][0]; print('%.1f %.1f' % (r['median'] * 1000, r['min'] * 1000))" "$export_file"
        rm -f "$export_file"
    else
        "$@" >/dev/null 2>&1 || true # warm the file cache
        local times=() start end
        for _ in $(seq "$runs"); do
            start=$(date +%s%N)
            "$@" >/dev/null
            end=$(date +%s%N)
            times+=($(( (end - start) / 1000 )))
        done
        printf '%s\n' "${times[@]}" | sort -n | awk '{ t[NR] = $1 } END {
            m = (NR % 2) ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2; printf "%.1f %.1f\n", m / 1000, t[1] / 1000 }'
    fi
}

read -r zoo_ms zoo_min < <(median_ms "${zoo_cmd[@]}")
read -r timm_ms timm_min < <(median_ms "${timm_cmd[@]}")
tool=$(command -v hyperfine >/dev/null && echo hyperfine || echo "date loop")
echo "$runs runs each ($tool${build_flags:+, ${build_flags[*]}}), load average$(uptime | sed 's/.*load average//'):"
echo "                                      median      min"
printf '  zoo list "*resnet*" (release)   %8.1f ms %6.1f ms\n' "$zoo_ms" "$zoo_min"
printf "  timm.list_models('*resnet*')    %8.1f ms %6.1f ms\n" "$timm_ms" "$timm_min"
awk -v z="$zoo_ms" -v t="$timm_ms" 'BEGIN { printf "  timm / zoo (medians)            %8.0fx\n", t / z }'
