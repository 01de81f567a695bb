#!/usr/bin/env bash
# Median wall time of `zoo list "*resnet*"` (release build) against timm's list_models.
#
#   tools/bench_list.sh [RUNS]      # RUNS defaults to 30
#
# Uses hyperfine when installed, else a loop timing each run with `date +%s%N`.
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-30}"

swift build -c release --product zoo >&2
zoo_cmd=(.build/release/zoo list "*resnet*")
timm_cmd=(/usr/bin/python3 -c "import timm; timm.list_models('*resnet*')")

# Prints the median of `runs` timed runs of the command given, in milliseconds.
median_ms() {
    if command -v hyperfine >/dev/null; then
        local export_file
        export_file="$(mktemp)"
        hyperfine --warmup 3 --runs "$runs" --style none --export-json "$export_file" -- "$(printf '%q ' "$@")" >/dev/null
        /usr/bin/python3 -c "import json,sys; print('%.1f' % (json.load(open(sys.argv[1]))['results'][0]['median'] * 1000))" "$export_file"
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
            m = (NR % 2) ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2; printf "%.1f\n", m / 1000 }'
    fi
}

zoo_ms=$(median_ms "${zoo_cmd[@]}")
timm_ms=$(median_ms "${timm_cmd[@]}")
tool=$(command -v hyperfine >/dev/null && echo hyperfine || echo "date loop")
echo "median of $runs runs ($tool):"
echo "  zoo list \"*resnet*\" (release)      ${zoo_ms} ms"
echo "  timm.list_models('*resnet*') python ${timm_ms} ms"
awk -v z="$zoo_ms" -v t="$timm_ms" 'BEGIN { printf "  timm / zoo                         %.0fx\n", t / z }'
