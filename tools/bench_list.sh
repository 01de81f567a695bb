#!/usr/bin/env bash
# Median wall time of `zoo list PATTERN` (release build) against timm's list_models.
#
#   tools/bench_list.sh [--static-stdlib] [--scratch-path DIR] [--pattern P] [RUNS]
#
# PATTERN defaults to "*" (every registered architecture: the issue's figure), RUNS to 30.
# --static-stdlib links the Swift runtime and Foundation into the binary, as tools/zoo.sh builds
# it, which halves the start-up time (most of a `zoo list` is the dynamic loader resolving Swift
# library symbols). --scratch-path builds in DIR instead of .build (keep a static build apart).
# Uses hyperfine when installed (it also reports the CPU time, the figure a loaded machine does
# not inflate), else a loop timing each run with `date +%s%N`.
set -euo pipefail
cd "$(dirname "$0")/.."
build_flags=()
scratch=.build
pattern="*"
while [[ $# -gt 0 ]]; do
    case "$1" in
        --static-stdlib) build_flags+=(--static-swift-stdlib); shift ;;
        --scratch-path) scratch="$2"; shift 2 ;;
        --pattern) pattern="$2"; shift 2 ;;
        *) break ;;
    esac
done
runs="${1:-30}"

swift build -c release --product zoo --scratch-path "$scratch" "${build_flags[@]}" >&2
zoo_cmd=("$scratch/release/zoo" list "$pattern")
timm_cmd=(/usr/bin/python3 -c "import timm, sys; timm.list_models(sys.argv[1])" "$pattern")

# Prints "median min" of `runs` timed runs of the command given, in milliseconds. The minimum is
# the figure least disturbed by other work on the machine.
median_ms() {
    if command -v hyperfine >/dev/null; then
        local export_file
        export_file="$(mktemp)"
        hyperfine -N --warmup 3 --runs "$runs" --style none --export-json "$export_file" -- "$(printf '%q ' "$@")" >/dev/null
        /usr/bin/python3 -c "import json,sys; r = json.load(open(sys.argv[1]))['results'][0]; print('%.1f %.1f %.1f' % (r['median'] * 1000, r['min'] * 1000, (r['user'] + r['system']) * 1000))" "$export_file"
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
            m = (NR % 2) ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2; printf "%.1f %.1f -\n", m / 1000, t[1] / 1000 }'
    fi
}

read -r zoo_ms zoo_min zoo_cpu < <(median_ms "${zoo_cmd[@]}")
read -r timm_ms timm_min timm_cpu < <(median_ms "${timm_cmd[@]}")
tool=$(command -v hyperfine >/dev/null && echo hyperfine || echo "date loop")
names=$("${zoo_cmd[@]}" | wc -l)
echo "$runs runs each ($tool${build_flags:+, ${build_flags[*]}}), $names names, load average$(uptime | sed 's/.*load average//'):"
echo "                                          median      min   CPU (user+sys, mean)"
printf '  zoo list "%s" (release)%*s %8.1f ms %6.1f ms %6s ms\n' "$pattern" $((9 - ${#pattern})) "" "$zoo_ms" "$zoo_min" "$zoo_cpu"
printf "  timm.list_models('%s')%*s %8.1f ms %6.1f ms %6s ms\n" "$pattern" $((10 - ${#pattern})) "" "$timm_ms" "$timm_min" "$timm_cpu"
awk -v z="$zoo_ms" -v t="$timm_ms" 'BEGIN { printf "  timm / zoo (medians)                %8.0fx\n", t / z }'
