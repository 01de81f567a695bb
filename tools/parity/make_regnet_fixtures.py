#!/usr/bin/python3
"""Parity fixtures for the RegNet and DenseNet families, produced by real timm/torchvision/PyTorch.

CI keeps one representative per block kind (REPRESENTATIVES below); the sweep over every
architecture is tools/parity/sweep.py. For each representative, built with
`timm.create_model(name, pretrained=False)` under a fixed seed, norms given random affine weights and
running statistics (timm_fixture.randomize_norms):

  <name>.safetensors        the state dict (num_batches_tracked stays int64)
  <name>.io.safetensors     `input` [2, 3, S, S] and the eval-mode `logits` (computed in float64)
  <name>.json               timm's state-dict keys in order with shapes and dtypes, and feature_info
  <name>.train.safetensors  (TRAIN_STEP) `input`, `target`, `loss` of one train-mode step (float64),
                            `grad.<parameter>` for every parameter, and `grad32.<parameter>`:
                            PyTorch's own float32 gradients
  <name>.features.safetensors  (FEATURES) `map.<i>`: `create_model(name, features_only=True)` on
                            the same weights and input; its feature_info goes in <name>.json

And, for every architecture of timm's regnet module (no model is built, so the giants are cheap):

  regnet_stages.json        {name: [[width, depth, group size], ...]}: timm's `RegNet._get_stage_args`
                            for the variant's `RegNetCfg` (what `generate_regnet` and
                            `adjust_widths_groups_comp` make of it), drop path rate 0.1 per block

And for torchvision's models of these families (TORCHVISION, random weights as above):

  tv.<tv name>.pth             `torch.save(model.state_dict())`; DenseNet's with the `norm.1`-style
                               keys of torchvision's published files
  tv.<tv name>.io.safetensors  `input` [2, 3, 64, 64] and the eval-mode `logits` (float64)
  tv.<tv name>.json            the zoo architecture that loads it (written last)

Usage: /usr/bin/python3 tools/parity/make_regnet_fixtures.py [OUT_DIR] [--force] [--only NAME ...]
OUT_DIR defaults to $ZOO_PARITY_DIR, else <repo>/.cache/parity.
"""
import json
import os
import re
import sys
import time

import torch
import torch.nn.functional as F
import timm

from parity_common import is_current, parse_arguments
from timm_fixture import key_table, randomize_norms, save_contiguous

FIXTURE_VERSION = 2
SIZE = 64

# name: what it stands for
REPRESENTATIVES = {
    "regnetx_002": "RegNet-X: bottleneck without attention, strided 1x1 conv + norm shortcut",
    "regnety_002": "RegNet-Y: squeeze-excite after the grouped conv",
    "regnetz_005": "RegNet-Z: linear output, no shortcut on shape change, SiLU, final 1x1 conv, zero_init_last off",
    "regnetv_040": "RegNet-V: pre-activation blocks, bare conv stem and shortcut",
    "densenet121": "DenseNet: 7x7 stem, dense blocks, transitions",
    "densenetblur121d": "DenseNet: deep 3x3 stem, blur-pool stem",
}
TRAIN_STEP = ["regnety_002", "densenet121"]
FEATURES = ["regnety_002", "densenet121"]
# torchvision name: (zoo architecture loading its checkpoint, in CI)
TORCHVISION = {
    "regnet_y_400mf": ("regnety_004", True), "regnet_y_800mf": ("regnety_008_tv", False),
    "regnet_y_1_6gf": ("regnety_016", False), "regnet_y_3_2gf": ("regnety_032", False),
    "regnet_y_8gf": ("regnety_080_tv", False), "regnet_y_16gf": ("regnety_160", False),
    "regnet_y_32gf": ("regnety_320", False), "regnet_y_128gf": ("regnety_1280", False),
    "regnet_x_400mf": ("regnetx_004_tv", False), "regnet_x_800mf": ("regnetx_008", False),
    "regnet_x_1_6gf": ("regnetx_016", False), "regnet_x_3_2gf": ("regnetx_032", False),
    "regnet_x_8gf": ("regnetx_080", False), "regnet_x_16gf": ("regnetx_160", False),
    "regnet_x_32gf": ("regnetx_320", False),
    "densenet121": ("densenet121", True), "densenet161": ("densenet161", False),
    "densenet169": ("densenet169", False), "densenet201": ("densenet201", False),
}


def legacy_densenet_keys(state):
    """torchvision's published DenseNet files: `denselayer1.norm.1.weight` for `denselayer1.norm1.weight`."""
    pattern = re.compile(r"^(.*denselayer\d+\.(?:norm|relu|conv))([12])\.(weight|bias|running_mean|running_var)$")
    return {pattern.sub(r"\1.\2.\3", k): v for k, v in state.items()}


def quiet_preactivation_branches(model):
    """RegNet-V's pre-activation blocks have no norm after their branch and timm's zero_init_last does
    nothing for them, so with random norms each branch adds as much as the stream carries: after 22
    blocks PyTorch's own float32 logits stray 7% from float64 ones. Zeroing each branch's last norm
    (norm3) lets `randomize_norms` give it the small weight of a trained net's."""
    with torch.no_grad():
        for block in model.modules():
            if type(block).__name__ == "PreBottleneck":
                block.norm3.weight.zero_()


def make_variant(name, out_dir):
    torch.manual_seed(0)
    generator = torch.Generator().manual_seed(1)
    model = timm.create_model(name, pretrained=False)
    quiet_preactivation_branches(model)
    randomize_norms(model, generator, (4, 3, SIZE, SIZE))
    state = {k: v.clone() for k, v in model.state_dict().items()}
    x = torch.randn(2, 3, SIZE, SIZE, generator=generator)
    meta = {
        "fixture_version": FIXTURE_VERSION, "name": name, "input_size": SIZE,
        "timm_version": timm.__version__, "torch_version": torch.__version__,
        "keys": key_table(state),
        "feature_info": [{"num_chs": f["num_chs"], "reduction": f["reduction"], "module": f["module"]}
                         for f in model.feature_info],
    }
    if name in FEATURES:
        meta["features"] = make_features(name, state, x, out_dir)
    save_contiguous(state, os.path.join(out_dir, f"{name}.safetensors"))
    if name in TRAIN_STEP:
        make_train_step(name, model, state, generator, out_dir)
    model = model.double()
    with torch.no_grad():
        logits = model(x.double()).float()
    save_contiguous({"input": x, "logits": logits}, os.path.join(out_dir, f"{name}.io.safetensors"))
    with open(os.path.join(out_dir, f"{name}.json"), "w") as f:
        json.dump(meta, f, indent=0)


def make_features(name, state, x, out_dir):
    """timm's features_only model on the same weights: its maps and feature_info."""
    model = timm.create_model(name, pretrained=False, features_only=True)
    # features_only flattens DenseNet's `features` Sequential: `features_conv0` is `features.conv0`.
    own = model.state_dict()
    mapped = {k: state[k] if k in state else state[k.replace("_", ".", 1)] for k in own}
    model.load_state_dict(mapped, strict=True)
    model.eval()
    with torch.no_grad():
        maps = model.double()(x.double())
    save_contiguous({f"map.{i}": m.float() for i, m in enumerate(maps)},
                    os.path.join(out_dir, f"{name}.features.safetensors"))
    return {"feature_info": [{"num_chs": c, "reduction": r, "module": m} for c, r, m in zip(
        model.feature_info.channels(), model.feature_info.reduction(), model.feature_info.module_name())]}


def make_train_step(name, model, state, generator, out_dir):
    """One train-mode forward and backward from the saved weights, in float64 (the reference) and in
    float32 (`grad32.*`: how far PyTorch's own float32 rounding strays, train-mode norms over 4x4
    maps being ill-conditioned). Leaves the model in eval mode with the saved state."""
    x = torch.randn(4, 3, SIZE, SIZE, generator=generator)
    target = torch.randint(0, 1000, (4,), generator=generator)
    tensors = {"input": x, "target": target}
    for dtype, prefix in ((torch.float32, "grad32"), (torch.float64, "grad")):
        model.load_state_dict(state)
        model.to(dtype).train()
        model.zero_grad()
        loss = F.cross_entropy(model(x.to(dtype)), target)
        loss.backward()
        tensors.update({f"{prefix}.{k}": p.grad.detach().float().clone() for k, p in model.named_parameters()})
    tensors["loss"] = loss.detach().float().reshape([])
    model.float().load_state_dict(state)
    model.eval()
    save_contiguous(tensors, os.path.join(out_dir, f"{name}.train.safetensors"))


def make_torchvision(name, out_dir):
    import torchvision
    torch.manual_seed(0)
    generator = torch.Generator().manual_seed(1)
    model = getattr(torchvision.models, name)()
    randomize_norms(model, generator, (4, 3, SIZE, SIZE))
    state = {k: v.clone() for k, v in model.state_dict().items()}
    x = torch.randn(2, 3, SIZE, SIZE, generator=generator)
    with torch.no_grad():
        logits = model.double()(x.double()).float()
    if name.startswith("densenet"):
        state = legacy_densenet_keys(state)
    torch.save(state, os.path.join(out_dir, f"tv.{name}.pth"))
    save_contiguous({"input": x, "logits": logits}, os.path.join(out_dir, f"tv.{name}.io.safetensors"))
    with open(os.path.join(out_dir, f"tv.{name}.json"), "w") as f:
        json.dump({"fixture_version": FIXTURE_VERSION, "name": name, "zoo_architecture": TORCHVISION[name][0],
                   "torchvision_version": torchvision.__version__}, f)


def make_regnet_stages(out_dir):
    """timm's per-stage widths, depths, group sizes and drop-path rates of every RegNet variant."""
    from timm.models.regnet import RegNet, model_cfgs
    stages = {}
    for name in timm.list_models(module="regnet"):
        per_stage, _ = RegNet._get_stage_args(None, model_cfgs[name], drop_path_rate=0.1)
        stages[name] = [[s["out_chs"], s["depth"], s["group_size"], s["drop_path_rates"]] for s in per_stage]
    with open(os.path.join(out_dir, "regnet_stages.json"), "w") as f:
        json.dump({"fixture_version": FIXTURE_VERSION, "timm_version": timm.__version__, "stages": stages}, f)


def main():
    args = parse_arguments(__doc__, list(REPRESENTATIVES) + [f"tv.{n}" for n in TORCHVISION])
    torch.set_num_threads(2)
    names = args.only or [f"tv.{n}" for n, (_, ci) in TORCHVISION.items() if ci] + list(REPRESENTATIVES)
    if not args.only:
        make_regnet_stages(args.out_dir)
    for name in names:
        if not args.force and is_current(os.path.join(args.out_dir, f"{name}.json"), FIXTURE_VERSION):
            print(f"{name}: current", file=sys.stderr)
            continue
        start = time.time()
        if name.startswith("tv."):
            make_torchvision(name[3:], args.out_dir)
        else:
            make_variant(name, args.out_dir)
        print(f"{name}: written in {time.time() - start:.1f}s", file=sys.stderr)
    print(args.out_dir)


if __name__ == "__main__":
    main()
