#!/usr/bin/env bash
# Builds zoo in release mode (installing its C libraries when missing) and runs it:
#   tools/zoo.sh list "*resnet*"
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh build
# A statically linked Swift runtime halves start-up time (zoo list answers in ~20 ms instead of ~40).
swift build -c release --static-swift-stdlib --product zoo >&2
# OpenBLAS workers otherwise spin ~0.1 s after each GEMM, taking the cores our loops between GEMMs use.
export OPENBLAS_THREAD_TIMEOUT="${OPENBLAS_THREAD_TIMEOUT:-4}"
exec .build/release/zoo "$@"
