#!/usr/bin/env bash
# Checks that .pth files zoo writes load bit-identically with torch.load(weights_only=True) in
# PyTorch 2.x (the test suite checks Debian's 1.13). Not part of tools/test.sh: PyTorch 2.x from
# PyPI brings ~5 GB of CUDA wheels. Usage: tools/check_torch2.sh [VENV_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${1:-.venv-torch2}"
[[ -x "$venv/bin/python" ]] || python3 -m venv "$venv"
"$venv/bin/python" -c "import torch" 2>/dev/null || "$venv/bin/pip" install -q torch numpy
swift build --product zoo >&2
out="$(mktemp -d)"
for name in every_dtype_zip every_dtype_legacy nested_state_dict folder_name; do
    .build/debug/zoo convert "Tests/ZooCheckpointTests/Fixtures/$name.pth" "$out/$name.zoo" >/dev/null
    .build/debug/zoo convert "$out/$name.zoo" "$out/$name.roundtrip.pth" >/dev/null
done
for python in /usr/bin/python3 "$venv/bin/python"; do
    "$python" - "$out" <<'PY'
import sys, torch
out = sys.argv[1]
failed = False
for name in ["every_dtype_zip", "every_dtype_legacy", "nested_state_dict", "folder_name"]:
    ours = torch.load(f"{out}/{name}.roundtrip.pth", weights_only=True)
    original = torch.load(f"Tests/ZooCheckpointTests/Fixtures/{name}.pth", weights_only=False)
    if isinstance(original, dict) and isinstance(original.get("state_dict"), dict):
        original = original["state_dict"]
    for key, value in original.items():
        if not isinstance(value, torch.Tensor):
            continue
        mine = ours[key.removeprefix("module.")]
        same = (value.dtype == mine.dtype and value.shape == mine.shape and
                torch.equal(value.contiguous().reshape(-1).view(torch.uint8), mine.contiguous().reshape(-1).view(torch.uint8)))
        if not same:
            failed = True
            print(f"torch {torch.__version__}: {name}: {key} differs")
    print(f"torch {torch.__version__}: {name}: {len(ours)} tensors {'FAILED' if failed else 'identical'}")
sys.exit(1 if failed else 0)
PY
done
rm -rf "$out"
