#!/usr/bin/python3
"""Parity fixtures for the ResNet family, produced by real timm/PyTorch.

For each variant: build it with `timm.create_model(name, pretrained=False)` under a fixed seed,
give every batch norm non-trivial statistics, and save what the Swift tests compare against:

  <name>.safetensors      the state dict (num_batches_tracked stays int64)
  <name>.io.safetensors   `input` [2, 3, 64, 64] and the eval-mode `logits`
  <name>.json             timm's state-dict keys in order, with shapes and dtypes

For resnet18 also a train-mode step (batch statistics), in resnet18.train.safetensors:
`input` [4, 3, 64, 64], `target` (int64), `loss` (cross entropy), `after.<buffer>` for every
running statistic after the step and `grad.<parameter>` for every parameter gradient.

Usage: /usr/bin/python3 tools/parity/make_resnet_fixtures.py [OUT_DIR] [--force] [--only NAME ...]
OUT_DIR defaults to $ZOO_PARITY_DIR, else <repo>/.cache/parity. Existing fixtures made by the
same FIXTURE_VERSION are kept unless --force.
"""
import json
import os
import sys
import time

import torch
import torch.nn.functional as F
import timm
from safetensors.torch import save_file

from parity_common import is_current, parse_arguments

# Bump when what the fixtures contain changes, so stale folders are rebuilt.
FIXTURE_VERSION = 2

VARIANTS = [
    "resnet10t", "resnet18", "resnet26", "resnet34", "resnet50", "resnet50d",
    "resnet101", "resnet152", "resnext50_32x4d", "resnext101_32x8d",
    "wide_resnet50_2", "wide_resnet101_2",
]
INPUT_SIZE = 64  # small enough to keep the suite fast; every variant still ends at a 2×2 map
LAST_NORM_WEIGHT = (0.1, 0.3)


def randomize_batch_norms(model, generator):
    """Random affine weights, then running statistics taken from one batch of noise and perturbed.

    Statistics measured on real activations keep deep nets from exploding or collapsing in eval,
    and the perturbation keeps eval different from train-mode normalization. The last norm of each
    residual branch gets a small weight, as in trained ResNets (timm zero-initializes it): with
    weights near 1 a 50-block stage sums 50 branches' float32 rounding, and PyTorch's own float32
    logits drift 2.5e-4 from float64 ones — more than the 1e-4 we test to.
    """
    norms = [m for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    last_in_branch = {id(block.bn3 if hasattr(block, "bn3") else block.bn2)
                      for block in model.modules() if hasattr(block, "zero_init_last")}
    with torch.no_grad():
        for bn in norms:
            low, high = (LAST_NORM_WEIGHT if id(bn) in last_in_branch else (0.5, 1.5))
            bn.weight.uniform_(low, high, generator=generator)
            bn.bias.uniform_(-0.2, 0.2, generator=generator)
        momenta = [bn.momentum for bn in norms]
        for bn in norms:
            bn.momentum = 1.0  # running stats := this batch's stats
        model.train()
        model(torch.randn(4, 3, INPUT_SIZE, INPUT_SIZE, generator=generator))
        for bn, momentum in zip(norms, momenta):
            bn.momentum = momentum
            std = bn.running_var.sqrt()
            bn.running_mean.add_(0.1 * std * torch.randn(bn.running_mean.shape, generator=generator))
            bn.running_var.mul_(torch.empty(bn.running_var.shape).uniform_(0.7, 1.4, generator=generator))
            bn.num_batches_tracked.fill_(int(torch.randint(1, 10_000, (1,), generator=generator)))
    model.eval()


def key_table(state_dict):
    dtypes = {torch.float32: "F32", torch.int64: "I64"}
    return [[k, list(v.shape), dtypes[v.dtype]] for k, v in state_dict.items()]


def contiguous(tensors):
    return {k: v.detach().contiguous() for k, v in tensors.items()}


def make_variant(name, out_dir):
    torch.manual_seed(0)
    generator = torch.Generator().manual_seed(1)
    model = timm.create_model(name, pretrained=False)
    randomize_batch_norms(model, generator)
    state = model.state_dict()
    x = torch.randn(2, 3, INPUT_SIZE, INPUT_SIZE, generator=generator)
    with torch.no_grad():
        logits = model(x)
    save_file(contiguous(state), os.path.join(out_dir, f"{name}.safetensors"))
    save_file({"input": x, "logits": logits.contiguous()}, os.path.join(out_dir, f"{name}.io.safetensors"))
    if name == "resnet18":
        make_train_step(model, generator, out_dir)
    meta = {
        "fixture_version": FIXTURE_VERSION,
        "name": name,
        "timm_version": timm.__version__,
        "torch_version": torch.__version__,
        "parameter_count": sum(p.numel() for p in model.parameters()),
        "max_abs_logit": float(logits.abs().max()),
        "keys": key_table(state),
    }
    # Written last: its presence with the right version marks a complete fixture.
    with open(os.path.join(out_dir, f"{name}.json"), "w") as f:
        json.dump(meta, f, indent=0)


def make_train_step(model, generator, out_dir):
    """One train-mode forward and backward from the saved weights (the model is left in train mode)."""
    model.train()
    x = torch.randn(4, 3, INPUT_SIZE, INPUT_SIZE, generator=generator)
    target = torch.randint(0, 1000, (4,), generator=generator)
    loss = F.cross_entropy(model(x), target)
    model.zero_grad()
    loss.backward()
    tensors = {"input": x, "target": target, "loss": loss.detach().reshape([])}
    tensors.update({f"after.{k}": v for k, v in model.named_buffers()})
    tensors.update({f"grad.{k}": p.grad for k, p in model.named_parameters()})
    save_file(contiguous(tensors), os.path.join(out_dir, "resnet18.train.safetensors"))


def main():
    args = parse_arguments(__doc__, VARIANTS)
    torch.set_num_threads(2)
    for name in args.only or VARIANTS:
        if not args.force and is_current(os.path.join(args.out_dir, f"{name}.json"), FIXTURE_VERSION):
            print(f"{name}: current", file=sys.stderr)
            continue
        start = time.time()
        make_variant(name, args.out_dir)
        print(f"{name}: written in {time.time() - start:.1f}s", file=sys.stderr)
    print(args.out_dir)


if __name__ == "__main__":
    main()
