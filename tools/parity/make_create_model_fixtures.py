#!/usr/bin/python3
"""Fixtures for `createModel` parity with timm's `create_model(..., pretrained=True)`.

For each variant (resnet18: first conv `conv1`; resnet50d: deep stem, first conv `conv1.0`):

  create_model.<name>.pth
      a random 1000-class, 3-channel checkpoint: `torch.save(model.state_dict())`
  create_model.<name>.classes<N>_chans<C>.safetensors
      the state dict of `timm.create_model(name, pretrained=True, num_classes=N, in_chans=C,
      pretrained_cfg_overlay=dict(file=<the .pth>))` for
        N=10,   C=1  classifier dropped, first conv summed over RGB
        N=10,   C=5  classifier dropped, first conv repeated and scaled by 3/5
        N=1000, C=3  strict load, the checkpoint unchanged
  create_model.resnet18.torchvision.pth
      torchvision's `resnet18()` state dict: its keys are timm's, so the resnet family needs no
      checkpoint filter and this file loads strictly
  create_model.<name>.json
      fixture version, timm and torch versions, the cases written (written last: marks completion)

A dropped classifier is freshly initialized in timm, so only its shape is comparable.

Usage: /usr/bin/python3 tools/parity/make_create_model_fixtures.py [OUT_DIR] [--force]
OUT_DIR defaults to $ZOO_PARITY_DIR, else <repo>/.cache/parity. Existing fixtures made by the
same FIXTURE_VERSION are kept unless --force.
"""
import json
import os
import sys
import time

import torch
import timm
import torchvision
from safetensors.torch import save_file

from parity_common import is_current, parse_arguments

# Bump when what the fixtures contain changes, so stale folders are rebuilt.
FIXTURE_VERSION = 2

VARIANTS = ["resnet18", "resnet50d"]
CASES = [(10, 1), (10, 5), (1000, 3)]  # (num_classes, in_chans)


def case_file(name, num_classes, in_chans):
    return f"create_model.{name}.classes{num_classes}_chans{in_chans}.safetensors"


def random_checkpoint(name, path):
    """Every float tensor random, so no adapted or copied value can pass by coincidence."""
    torch.manual_seed(0)
    model = timm.create_model(name, pretrained=False)
    generator = torch.Generator().manual_seed(1)
    state = model.state_dict()
    with torch.no_grad():
        for key, tensor in state.items():
            if not tensor.is_floating_point():
                tensor.fill_(int(torch.randint(1, 10_000, (1,), generator=generator)))
            elif key.endswith("running_var"):
                tensor.uniform_(0.5, 1.5, generator=generator)
            else:
                tensor.normal_(0, 0.1, generator=generator)
    torch.save(state, path)


def make_variant(name, out_dir):
    checkpoint = os.path.join(out_dir, f"create_model.{name}.pth")
    random_checkpoint(name, checkpoint)
    cases = []
    for num_classes, in_chans in CASES:
        model = timm.create_model(name, pretrained=True, num_classes=num_classes, in_chans=in_chans,
                                  pretrained_cfg_overlay=dict(file=checkpoint))
        state = {k: v.detach().contiguous() for k, v in model.state_dict().items()}
        save_file(state, os.path.join(out_dir, case_file(name, num_classes, in_chans)))
        cases.append({"num_classes": num_classes, "in_chans": in_chans,
                      "file": case_file(name, num_classes, in_chans),
                      "first_conv": model.pretrained_cfg["first_conv"],
                      "classifier": model.pretrained_cfg["classifier"]})
    if name == "resnet18":
        torch.manual_seed(2)
        torch.save(torchvision.models.resnet18().state_dict(),
                   os.path.join(out_dir, "create_model.resnet18.torchvision.pth"))
    meta = {
        "fixture_version": FIXTURE_VERSION,
        "name": name,
        "timm_version": timm.__version__,
        "torch_version": torch.__version__,
        "checkpoint": os.path.basename(checkpoint),
        "cases": cases,
    }
    with open(os.path.join(out_dir, f"create_model.{name}.json"), "w") as f:
        json.dump(meta, f, indent=1)


def main():
    args = parse_arguments(__doc__)
    torch.set_num_threads(2)
    for name in VARIANTS:
        if not args.force and is_current(os.path.join(args.out_dir, f"create_model.{name}.json"), FIXTURE_VERSION):
            print(f"{name}: current", file=sys.stderr)
            continue
        start = time.time()
        make_variant(name, args.out_dir)
        print(f"{name}: written in {time.time() - start:.1f}s", file=sys.stderr)
    print(args.out_dir)


if __name__ == "__main__":
    main()
