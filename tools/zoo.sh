#!/usr/bin/env bash
# Builds zoo in release mode (installing its C libraries when missing) and runs it:
#   tools/zoo.sh list "*resnet*"
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh build
# A statically linked Swift runtime halves start-up time (zoo list answers in ~20 ms instead of ~40).
swift build -c release --static-swift-stdlib --product zoo >&2
exec .build/release/zoo "$@"
