#!/usr/bin/env bash
# Rebuilds zoo/, the embedded default zoo (zoo/README.md): the demo weights from
# tools/make_embedded_zoo.py, published as resnet10t.zoo_demo with deflate.
#   tools/make_embedded_zoo.sh
set -euo pipefail
cd "$(dirname "$0")/.."
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
/usr/bin/python3 tools/make_embedded_zoo.py "$scratch/resnet10t_zoo_demo.safetensors"
swift build --product zoo >&2
rm -rf zoo/resnet10t.zoo_demo zoo/index.json
.build/debug/zoo publish "$scratch/resnet10t_zoo_demo.safetensors" --zoo zoo --name resnet10t.zoo_demo --compress
