#!/usr/bin/python3
"""`zoo info TAG --json` against timm's cfg for every pretrained tag of the architectures zoo promises.

The CI test (RegistryTests/cfgEqualsTimm) checks a sample of cfgs and make_manifests.py writes the
manifests from timm; this is the full end-to-end sweep the issues' "zoo info NAME --json equals
timm's cfg for every tag" asks for: it runs the zoo binary once per tag and compares its
`pretrained_cfg` with `get_pretrained_cfg(TAG).to_dict()` (tuples as lists; the label tables, which
a manifest does not carry, left out). Prints one line per mismatch and a summary; exits non-zero on
any mismatch.

    swift build -c release --product zoo
    /usr/bin/python3 tools/check_cfgs.py .build/release/zoo
"""
import json
import os
import subprocess
import sys

import timm
from timm.models import _registry

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures"))
from make_manifests import NOT_CARRIED  # noqa: E402
from make_registry_fixtures import CLAIMED, in_scope  # noqa: E402  (what zoo promises, as the CI fixture)


def timm_cfg(tag):
    cfg = _registry.get_pretrained_cfg(tag).to_dict()
    return {k: list(v) if isinstance(v, tuple) else v for k, v in cfg.items()
            if k not in NOT_CARRIED}


def main():
    zoo = sys.argv[1] if len(sys.argv) > 1 else ".build/release/zoo"
    checked, mismatched = 0, []
    for module in CLAIMED:
        for arch in timm.list_models(module=module):
            if not in_scope(module, arch):
                continue
            for tag in _registry._model_with_tags[arch]:
                run = subprocess.run([zoo, "info", tag, "--json"], capture_output=True, text=True, timeout=300)
                ours = json.loads(run.stdout).get("pretrained_cfg") if run.returncode == 0 else None
                checked += 1
                if ours != timm_cfg(tag):
                    mismatched.append(tag)
                    print(f"{tag}: differs" if ours is not None else f"{tag}: {run.stderr.strip()}", flush=True)
    print(f"{checked} tags of {len(CLAIMED)} modules: {checked - len(mismatched)} equal timm "
          f"{timm.__version__}'s cfg, {len(mismatched)} differ")
    sys.exit(1 if mismatched else 0)


if __name__ == "__main__":
    main()
