#!/usr/bin/python3
"""timm's answers for issue 14's "Done when" on names and cfgs, for every pretrained tag of the
transformer families (ViT, DeiT, ConvNeXt, Swin), into OUT_DIR/timm_transformer_cfgs.json:

  patterns   for each of "vit_*", "deit*", "convnext*", "swin_*": timm.list_models(P) and
             timm.list_models(P, pretrained=True) in timm's order, kept to the modules zoo promises
             in full (every `vit_*` of vision_transformer, deit, convnext, swin_transformer,
             swin_transformer_v2), and the names timm lists from other modules (`vit_*` of
             vision_transformer_hybrid, _relpos, eva, ...), for the record
  cfgs       get_pretrained_cfg(name).to_dict() of every pretrained tag those lists name: what
             `zoo info NAME --json` prints as `pretrained_cfg`

Usage: /usr/bin/python3 tools/parity/make_cfg_fixtures.py [OUT_DIR] [--force]
"""
import json
import os
import sys

import timm
from timm.models import _registry

from parity_common import is_current, parse_arguments

FIXTURE_VERSION = 1
PATTERNS = ["vit_*", "deit*", "convnext*", "swin_*"]
MODULES = ["vision_transformer", "deit", "convnext", "swin_transformer", "swin_transformer_v2"]


def in_scope(name):
    """What zoo promises (tools/fixtures/make_registry_fixtures.py's scope): of vision_transformer
    its `vit_*`, the other modules whole."""
    arch = _registry.get_arch_name(name)
    module = _registry._model_to_module.get(arch)
    return module in MODULES and (module != "vision_transformer" or arch.startswith("vit_"))


def main():
    args = parse_arguments(__doc__)
    out = os.path.join(args.out_dir, "timm_transformer_cfgs.json")
    if not args.force and is_current(out, FIXTURE_VERSION):
        print(f"{out}: current", file=sys.stderr)
        return
    patterns, cfgs = {}, {}
    for pattern in PATTERNS:
        names = timm.list_models(pattern)
        tags = timm.list_models(pattern, pretrained=True)
        patterns[pattern] = dict(names=[n for n in names if in_scope(n)], pretrained=[n for n in tags if in_scope(n)],
                                 other_modules=[n for n in names if not in_scope(n)])
        for name in patterns[pattern]["pretrained"]:
            cfg = _registry.get_pretrained_cfg(name).to_dict()
            cfgs[name] = {k: list(v) if isinstance(v, tuple) else v for k, v in cfg.items()}
    with open(out, "w") as f:
        json.dump(dict(fixture_version=FIXTURE_VERSION, timm_version=timm.__version__, patterns=patterns,
                       cfgs=cfgs), f, indent=0)
    print(f"{out}: {len(cfgs)} cfgs", file=sys.stderr)


if __name__ == "__main__":
    main()
