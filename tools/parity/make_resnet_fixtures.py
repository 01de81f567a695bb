#!/usr/bin/python3
"""Parity fixtures for the ResNet family, produced by real timm/PyTorch.

One representative per kind of stem, block, shortcut, attention, anti-aliasing and norm (the
parity sweep, tools/parity/sweep.py, covers every architecture; CI runs these). A representative
is a timm variant, at full depth or with one block per stage (`<variant>.l1111`: timm's
`ResNet` class with the variant's model_args and layers=(1, 1, 1, 1)), built under a fixed seed,
its norms randomized (timm_fixture.randomize_norms). Written for each:

  <name>.safetensors        the state dict (num_batches_tracked stays int64)
  <name>.io.safetensors     `input` [2, 3, 64, 64] and the eval-mode `logits`

Expected values (logits, loss, statistics, gradients) are computed in float64 from the float32
weights and input, then stored as float32.
  <name>.train.safetensors  one train-mode step from those weights: `input` [2, 3, 64, 64],
                            `target`, `loss` (cross entropy), `after.<buffer>` for every buffer
                            after the step and `grad.<parameter>` for every parameter gradient
  <name>.json               timm's state-dict keys in order, with shapes and dtypes, and
                            "gradient_floor": per parameter, the relative error of PyTorch's own
                            float32 gradient against the float64 one (tests allow twice that)
  resnet18.features.safetensors  `map.<i>`: timm's features_only maps at FEATURE_INDICES; the
                            JSON's "features" holds out_indices and timm's feature_info

Usage: /usr/bin/python3 tools/parity/make_resnet_fixtures.py [OUT_DIR] [--force] [--only NAME ...]
OUT_DIR defaults to $ZOO_PARITY_DIR, else <repo>/.cache/parity. Existing fixtures made by the
same FIXTURE_VERSION are kept unless --force.
"""
import copy
import json
import os
import sys
import time

import torch
import torch.nn.functional as F
import timm
import timm.models.resnet as timm_resnet

from parity_common import is_current, parse_arguments
from timm_fixture import POOL_TIE_GAP, key_table, max_pool_near_tie, randomize_norms, relative_error, save_contiguous

# Bump when what the fixtures contain changes, so stale folders are rebuilt.
FIXTURE_VERSION = 7

# (fixture name, what it stands for). `.l1111` = one block per stage.
REPRESENTATIVES = [
    ("resnet18", "7×7 stem, basic block, strided 1×1 shortcut"),
    ("resnet10t", "tiered deep stem, average-pool shortcut"),
    ("resnet26d.l1111", "deep stem, bottleneck, average-pool shortcut"),
    ("resnet50s.l1111", "deep stem of 64, strided 1×1 shortcut"),
    ("resnext50_32x4d.l1111", "grouped 3×3 (32 groups)"),
    ("wide_resnet50_2.l1111", "base width 128"),
    ("seresnet34.l1111", "SE in a basic block"),
    ("seresnext26t_32x4d", "SE in a grouped bottleneck"),
    ("ecaresnet26t", "ECA"),
    ("ecaresnetlight.l1111", "7×7 stem with average-pool shortcut"),
    ("ecaresnet50d_pruned", "pruned widths"),
    ("resnetblur18", "blur pool in a basic block and the stem"),
    ("resnetblur50d.l1111", "blur pool in a bottleneck"),
    ("resnetaa34d.l1111", "average-pool anti-aliasing in a basic block"),
    ("resnetaa50.l1111", "average-pool anti-aliasing in a bottleneck and the stem"),
    ("resnet50_gn.l1111", "group norm"),
    ("resnetrs50.l1111", "conv stem pool, SE of ratio 1/4"),
    ("senet154.l1111", "halved first width, 3×3 strided shortcut, 64 groups"),
]
NAMES = [name for name, _ in REPRESENTATIVES]
INPUT_SIZE = 64  # small enough to keep the suite fast; every variant still ends at a 2×2 map


def model_args(variant):
    """The keyword arguments timm's entry point passes to ResNet (captured, not retyped)."""
    captured = {}

    def capture(name, pretrained=False, **kwargs):
        captured.update(kwargs)
        raise StopIteration

    original = timm_resnet._create_resnet
    timm_resnet._create_resnet = capture
    try:
        getattr(timm_resnet, variant)()
    except StopIteration:
        pass
    finally:
        timm_resnet._create_resnet = original
    return captured


def build(name):
    variant, _, depth = name.partition(".")
    if not depth:
        return timm.create_model(variant, pretrained=False)
    args = model_args(variant)
    args["layers"] = tuple(int(d) for d in depth[1:])
    return timm_resnet.ResNet(**args)


def make_fixture(name, out_dir):
    torch.manual_seed(0)
    generator = torch.Generator().manual_seed(1)
    model = build(name)
    randomize_norms(model, generator, (4, 3, INPUT_SIZE, INPUT_SIZE))
    state = model.state_dict()
    x = torch.randn(2, 3, INPUT_SIZE, INPUT_SIZE, generator=generator)
    save_contiguous(state, os.path.join(out_dir, f"{name}.safetensors"))
    # The expectations come from the same weights in float64: PyTorch's own float32 gradients of
    # deep stages stray up to 2e-1 from exact ones (train-mode norms over 2×2 maps amplify rounding),
    # so a float32 reference would test agreement in rounding, not correctness.
    model32 = copy.deepcopy(model)
    model = model.double()
    with torch.no_grad():
        logits = model(x.double()).float()
    save_contiguous({"input": x, "logits": logits}, os.path.join(out_dir, f"{name}.io.safetensors"))
    floor = make_train_step(name, model, model32, generator, out_dir)
    features = make_features(state, x, out_dir) if name == "resnet18" else None
    meta = {
        "fixture_version": FIXTURE_VERSION,
        "name": name,
        "timm_version": timm.__version__,
        "torch_version": torch.__version__,
        "parameter_count": sum(p.numel() for p in model.parameters()),
        "max_abs_logit": float(logits.abs().max()),
        "keys": key_table(state),
        # Per parameter: how far PyTorch's own float32 gradient strays from the float64 one.
        "gradient_floor": floor,
    }
    if features:
        meta["features"] = features
    # Written last: its presence with the right version marks a complete fixture.
    with open(os.path.join(out_dir, f"{name}.json"), "w") as f:
        json.dump(meta, f, indent=0)


FEATURE_INDICES = (0, 2, 4)


def make_features(state, x, out_dir):
    """timm's `features_only=True, out_indices=FEATURE_INDICES` on the same weights (no head): the
    maps (float64, stored float32) in resnet18.features.safetensors; returns its feature_info."""
    model = timm.create_model("resnet18", features_only=True, out_indices=FEATURE_INDICES)
    model.load_state_dict({k: v for k, v in state.items() if not k.startswith("fc.")})
    model = model.double().eval()
    with torch.no_grad():
        maps = model(x.double())
    save_contiguous({f"map.{i}": m.float() for i, m in enumerate(maps)},
                    os.path.join(out_dir, "resnet18.features.safetensors"))
    return {"out_indices": list(FEATURE_INDICES), "feature_info": model.feature_info.get_dicts(keys=("num_chs", "reduction", "module"))}


def make_train_step(name, model, model32, generator, out_dir):
    """One train-mode forward and backward from the saved weights (the model is left in train mode),
    in float64; returns {parameter: relative error of PyTorch's float32 gradient against it}."""
    model.train()
    # Drawn again while a max-pool window holds a near-tie (see POOL_TIE_GAP): its float64
    # gradient would not be the one any float32 implementation can be held to.
    while True:
        x = torch.randn(2, 3, INPUT_SIZE, INPUT_SIZE, generator=generator)
        target = torch.randint(0, 1000, (2,), generator=generator)
        if max_pool_near_tie(copy.deepcopy(model), x.double()) >= POOL_TIE_GAP:
            break
    model32.train()
    F.cross_entropy(model32(x), target).backward()
    loss = F.cross_entropy(model(x.double()), target)
    model.zero_grad()
    loss.backward()
    tensors = {"input": x, "target": target, "loss": loss.detach().float().reshape([])}
    state = model.state_dict()
    tensors.update({f"after.{k}": v.float() if v.is_floating_point() else v
                    for k, v in model.named_buffers() if k in state})
    tensors.update({f"grad.{k}": p.grad.float() for k, p in model.named_parameters()})
    save_contiguous(tensors, os.path.join(out_dir, f"{name}.train.safetensors"))
    exact = dict(model.named_parameters())
    return {k: relative_error(p.grad.double(), exact[k].grad) for k, p in model32.named_parameters()}


def main():
    args = parse_arguments(__doc__, NAMES)
    torch.set_num_threads(2)
    for name in args.only or NAMES:
        if not args.force and is_current(os.path.join(args.out_dir, f"{name}.json"), FIXTURE_VERSION):
            print(f"{name}: current", file=sys.stderr)
            continue
        start = time.time()
        make_fixture(name, args.out_dir)
        print(f"{name}: written in {time.time() - start:.1f}s", file=sys.stderr)
    print(args.out_dir)


if __name__ == "__main__":
    main()
