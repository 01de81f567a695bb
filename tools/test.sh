#!/usr/bin/env bash
# The whole test suite on a fresh Debian machine with the Swift toolchain: installs what the tests
# need (C libraries, Debian's PyTorch, timm, safetensors, nginx), makes the PyTorch parity
# fixtures that are too large to commit, then runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh test
export ZOO_PARITY_DIR="${ZOO_PARITY_DIR:-$PWD/.cache/parity}"
for script in tools/parity/make_*_fixtures.py; do
    [[ -e "$script" ]] && /usr/bin/python3 "$script" "$ZOO_PARITY_DIR"
done
swift build --build-tests
swift test --skip-build
