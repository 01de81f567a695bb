#!/usr/bin/env bash
# House style check with the toolchain's formatter (.swift-format at the top states the style).
#   tools/lint.sh            every Swift file under Sources/ and Tests/
#   tools/lint.sh FILE ...   just these (e.g. `tools/lint.sh $(git diff --name-only main -- '*.swift')`)
#   tools/lint.sh --fix ...  rewrite the files in the house style instead of reporting
set -euo pipefail
cd "$(dirname "$0")/.."
mode=(lint --strict)
if [[ "${1:-}" == "--fix" ]]; then mode=(format --in-place); shift; fi
files=("$@")
if ((${#files[@]} == 0)); then
    # The generated manifests file is data in Swift clothing: it is left as the generator writes it.
    mapfile -t files < <(git ls-files 'Sources/*.swift' 'Tests/*.swift' | grep -v '/BuiltinManifests.swift$')
fi
swift format "${mode[@]}" --configuration .swift-format "${files[@]}"
