#!/usr/bin/env bash
# Builds zoo in release mode (installing its C libraries when missing) and runs it:
#   tools/zoo.sh list "*resnet*"
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh build
swift build -c release --product zoo >&2
exec .build/release/zoo "$@"
