#!/usr/bin/python3
"""Parity fixtures for the EfficientNet / MobileNetV3 families, produced by real timm/PyTorch.

CI keeps one representative per block kind, padding mode, norm, attention and head (REPRESENTATIVES
below); the sweep over every architecture is tools/parity/sweep.py. For each representative: build
it with `timm.create_model(name, pretrained=False)` under a fixed seed, give every norm and layer
scale non-trivial values (batch norms get running statistics from a batch of noise, perturbed), and
save what the Swift tests compare against:

  <name>.safetensors      the state dict (num_batches_tracked stays int64)
  <name>.io.safetensors   `input` [2, 3, S, S] and the eval-mode `logits` (computed in float64)
  <name>.json             timm's state-dict keys in order, with shapes and dtypes, and feature_info;
                          for TRAIN_STEP models also "gradient_floor": per parameter, the error of
                          PyTorch's own float32 gradient against the float64 one (tests allow twice that)
  <name>.train.safetensors  (TRAIN_STEP models) `input`, `target`, `loss` of one train-mode step,
                          `after.<buffer>` running statistics and `grad.<parameter>` gradients,
                          computed in float64 from the float32 weights and input, stored as float32

And for torchvision's models of these families (TORCHVISION, random weights as above):

  tv.<tv name>.pth             `torch.save(model.state_dict())` of torchvision's model
  tv.<tv name>.io.safetensors  `input` [2, 3, 64, 64] and the eval-mode `logits` (float64)
  tv.<tv name>.json            the zoo architecture that loads it (written last)

Usage: /usr/bin/python3 tools/parity/make_efficientnet_fixtures.py [OUT_DIR] [--force] [--only NAME ...]
OUT_DIR defaults to $ZOO_PARITY_DIR, else <repo>/.cache/parity.
"""
import copy
import json
import os
import sys
import time

import torch
import torch.nn.functional as F
import timm
from safetensors.torch import save_file

from parity_common import is_current, parse_arguments
from timm_fixture import key_table

# 4: train-step references in float64, with per-parameter gradient floors.
FIXTURE_VERSION = 4

# name: (input size, what it stands for)
REPRESENTATIVES = {
    "efficientnet_b0": (64, "ds + ir blocks, squeeze-excite, SiLU, symmetric padding"),
    "tf_efficientnet_b0": (67, "TensorFlow 'SAME' padding (Conv2dSame) at an odd size"),
    "mixnet_s": (64, "MixedConv2d depthwise kernels, grouped 1x1 (a1.1/p1.1)"),
    "tf_mixnet_s": (65, "MixedConv2d with 'SAME' padding"),
    "efficientnet_cc_b0_4e": (64, "CondConv experts with routing"),
    "efficientnet_es": (64, "EdgeResidual with forced input channels"),
    "tf_efficientnetv2_b0": (64, "ConvBnAct with skip, EdgeResidual, 'SAME'"),
    "efficientnet_x_b3": (64, "space-to-depth"),
    "efficientnet_b0_gn": (64, "GroupNormAct"),
    "test_efficientnet_ln": (64, "LayerNormAct2d"),
    "test_efficientnet_evos": (64, "EvoNorm2dS0"),
    "efficientnet_b0_g16_evos": (64, "grouped depthwise (group size 16), divisor 16"),
    "gc_efficientnetv2_rw_t": (64, "GlobalContext attention"),
    "efficientnet_blur_b0": (64, "BlurPool anti-aliasing"),
    "efficientnet_b1_pruned": (64, "pruned widths"),
    "mobilenet_edgetpu_v2_xs": (64, "grouped EdgeResidual (gs)"),
    "mobilenetv1_100h": (64, "dsa blocks, ReLU6, head conv"),
    "mobilenetv2_050": (64, "fixed-width head, no SE"),
    "mobilenetv3_small_050": (64, "MobileNetV3 head, hard-swish, SE with forced ReLU and hard sigmoid"),
    "tf_mobilenetv3_small_minimal_100": (65, "MobileNetV3 minimal, 'SAME'"),
    "lcnet_050": (64, "LCNet"),
    "fbnetv3_b": (64, "SE from block input, divisible rounding 0.95"),
    "mobilenetv4_conv_small": (64, "UniversalInvertedResidual, head norm"),
    "mobilenetv4_conv_aa_medium": (64, "average-pool anti-aliasing in uir"),
    "mobilenetv4_hybrid_medium": (64, "multi-query attention, layer scale"),
}
# torchvision name: (zoo architecture loading its checkpoint, in CI)
TORCHVISION = {
    "efficientnet_b0": ("efficientnet_b0", True), "efficientnet_b1": ("efficientnet_b1", False),
    "efficientnet_b2": ("efficientnet_b2", False), "efficientnet_b3": ("efficientnet_b3", False),
    "efficientnet_b4": ("efficientnet_b4", False), "efficientnet_b5": ("tv_efficientnet_b5", False),
    "efficientnet_b6": ("tv_efficientnet_b6", False), "efficientnet_b7": ("tv_efficientnet_b7", False),
    "efficientnet_v2_s": ("efficientnet_v2_s", True), "efficientnet_v2_m": ("efficientnet_v2_m", False),
    "efficientnet_v2_l": ("efficientnet_v2_l", False), "mnasnet0_5": ("mnasnet_050", True),
    "mnasnet0_75": ("mnasnet_075", False), "mnasnet1_0": ("mnasnet_100", False), "mnasnet1_3": ("mnasnet1_3", True),
    "mobilenet_v2": ("mobilenetv2_100", True), "mobilenet_v3_large": ("mobilenet_v3_large", True),
    "mobilenet_v3_small": ("mobilenet_v3_small", True),
}
TRAIN_STEP = ["efficientnet_b0", "mobilenetv3_small_050", "mixnet_s", "efficientnet_cc_b0_4e",
              "mobilenetv4_hybrid_medium"]


_conv2d = F.conv2d


def _grouped_conv2d_float64(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """F.conv2d for float64 grouped convolutions as one batched matrix product over unfolded patches.

    PyTorch 1.13 has no float64 CPU kernel for grouped convolutions: it runs one small convolution per
    group, so a float64 step of a depthwise-heavy net takes minutes. The same sums in float64, in
    another order, are an equally exact reference."""
    if input.dtype != torch.float64 or groups == 1 or isinstance(padding, str) or input.dim() != 4:
        return _conv2d(input, weight, bias, stride, padding, dilation, groups)
    pair = torch.nn.modules.utils._pair
    stride, padding, dilation = pair(stride), pair(padding), pair(dilation)
    n, _, height, width = input.shape
    out_channels, group_channels, kh, kw = weight.shape
    out_h = (height + 2 * padding[0] - dilation[0] * (kh - 1) - 1) // stride[0] + 1
    out_w = (width + 2 * padding[1] - dilation[1] * (kw - 1) - 1) // stride[1] + 1
    patches = F.unfold(input, (kh, kw), dilation=dilation, padding=padding, stride=stride)
    patches = patches.view(n, groups, group_channels * kh * kw, out_h * out_w)
    kernels = weight.reshape(groups, out_channels // groups, group_channels * kh * kw)
    out = torch.einsum("ngkl,gok->ngol", patches, kernels).reshape(n, out_channels, out_h, out_w)
    return out if bias is None else out + bias.view(1, -1, 1, 1)


def _check_grouped_conv2d():
    generator = torch.Generator().manual_seed(0)
    for groups, stride, padding, dilation in [(6, 1, 1, 1), (3, 2, 2, 2), (6, (2, 1), (0, 1), 1)]:
        x = torch.randn(2, 6, 9, 8, generator=generator, dtype=torch.float64)
        w = torch.randn(12, 6 // groups, 3, 3, generator=generator, dtype=torch.float64)
        b = torch.randn(12, generator=generator, dtype=torch.float64)
        ours = _grouped_conv2d_float64(x, w, b, stride, padding, dilation, groups)
        assert torch.allclose(ours, _conv2d(x, w, b, stride, padding, dilation, groups), rtol=0, atol=1e-12)


_check_grouped_conv2d()
F.conv2d = _grouped_conv2d_float64  # nn.Conv2d and timm's layers look F.conv2d up at each call


def residual_last_norms(model):
    """The last norm of each block with a skip connection (timm's `has_skip`)."""
    last = set()
    for block in model.modules():
        if getattr(block, "has_skip", False):
            norm = getattr(block, "bn3", None) or getattr(block, "bn2", None) or getattr(block, "bn1", None)
            if getattr(norm, "weight", None) is not None:
                last.add(id(norm))
    return last


def randomize_norms(model, generator, size):
    """Random norm affine weights and layer scales; batch norms get running statistics from a batch
    of noise, then perturbed, so eval differs from train-mode normalization.

    The last norm of each residual branch gets a small weight, as trained nets have: with weights
    near 1 the branches of a deep, SE-gated net pile up until PyTorch's own float32 logits drift
    2e-3 from float64 ones (fbnetv3_b), more than the 1e-4 we test to."""
    from timm.layers import LayerScale2d
    norms = [m for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    last = residual_last_norms(model)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, (torch.nn.BatchNorm2d, torch.nn.GroupNorm, torch.nn.LayerNorm)) or \
                    type(m).__name__.startswith(("EvoNorm", "LayerNorm")):
                if getattr(m, "weight", None) is not None:
                    m.weight.uniform_(*((0.1, 0.3) if id(m) in last else (0.5, 1.5)), generator=generator)
                    m.bias.uniform_(-0.2, 0.2, generator=generator)
                if getattr(m, "v", None) is not None:
                    m.v.uniform_(0.5, 1.5, generator=generator)
            if isinstance(m, LayerScale2d):
                m.gamma.uniform_(0.3, 1.0, generator=generator)
        momenta = [bn.momentum for bn in norms]
        for bn in norms:
            bn.momentum = 1.0
        model.train()
        model(torch.randn(4, 3, size, size, generator=generator))
        for bn, momentum in zip(norms, momenta):
            bn.momentum = momentum
            std = bn.running_var.sqrt()
            bn.running_mean.add_(0.1 * std * torch.randn(bn.running_mean.shape, generator=generator))
            bn.running_var.mul_(torch.empty(bn.running_var.shape).uniform_(0.7, 1.4, generator=generator))
            bn.num_batches_tracked.fill_(int(torch.randint(1, 10_000, (1,), generator=generator)))
    model.eval()


def contiguous(tensors):
    return {k: v.detach().contiguous() for k, v in tensors.items()}


def make_variant(name, size, out_dir):
    torch.manual_seed(0)
    generator = torch.Generator().manual_seed(1)
    model = timm.create_model(name, pretrained=False)
    randomize_norms(model, generator, size)
    state = model.state_dict()
    x = torch.randn(2, 3, size, size, generator=generator)
    # The reference logits are float64: some of these nets (deep, SE-gated, random weights) lose
    # 1e-4 of the largest logit to float32 rounding in PyTorch itself, run to run.
    with torch.no_grad():
        logits = model.double()(x.double()).float()
    model.float()
    save_file(contiguous(state), os.path.join(out_dir, f"{name}.safetensors"))
    save_file({"input": x, "logits": logits.contiguous()}, os.path.join(out_dir, f"{name}.io.safetensors"))
    floor = make_train_step(name, model, generator, size, out_dir) if name in TRAIN_STEP else None
    meta = {
        "fixture_version": FIXTURE_VERSION,
        "name": name,
        "input_size": size,
        "timm_version": timm.__version__,
        "torch_version": torch.__version__,
        "max_abs_logit": float(logits.abs().max()),
        "keys": key_table(state),
        "feature_info": [{"num_chs": f["num_chs"], "reduction": f["reduction"], "module": f["module"]}
                         for f in model.feature_info],
    }
    if floor is not None:
        meta["gradient_floor"] = floor
    with open(os.path.join(out_dir, f"{name}.json"), "w") as f:
        json.dump(meta, f, indent=0)


def gradient_errors(grads, exact):
    """Per parameter, the tests' measure: max |grad - exact| over the larger of max |exact| and a
    thousandth of the largest exact gradient in the model."""
    floor = 1e-3 * max(g.abs().max().item() for g in exact.values())
    return {k: (grads[k].double() - g).abs().max().item() / max(g.abs().max().item(), floor)
            for k, g in exact.items()}


def make_train_step(name, model, generator, size, out_dir):
    """One train-mode forward and backward from the saved weights, in float64 (PyTorch's own float32
    gradients of mixnet_s stray past 1e-3 of exact ones on these weights, so a float32 reference would
    test agreement in rounding, not correctness); returns {parameter: PyTorch's float32 error}."""
    x = torch.randn(4, 3, size, size, generator=generator)
    target = torch.randint(0, 1000, (4,), generator=generator)
    exact_model = copy.deepcopy(model).double().train()
    model.train()
    F.cross_entropy(model(x), target).backward()
    loss = F.cross_entropy(exact_model(x.double()), target)
    exact_model.zero_grad()
    loss.backward()
    tensors = {"input": x, "target": target, "loss": loss.detach().float().reshape([])}
    tensors.update({f"after.{k}": v.float() if v.is_floating_point() else v for k, v in exact_model.named_buffers()})
    exact = {k: p.grad for k, p in exact_model.named_parameters()}
    tensors.update({f"grad.{k}": g.float() for k, g in exact.items()})
    save_file(contiguous(tensors), os.path.join(out_dir, f"{name}.train.safetensors"))
    return gradient_errors({k: p.grad for k, p in model.named_parameters()}, exact)


def make_torchvision(name, out_dir, size=64):
    import torchvision
    torch.manual_seed(0)
    generator = torch.Generator().manual_seed(1)
    model = getattr(torchvision.models, name)()
    randomize_norms(model, generator, size)
    x = torch.randn(2, 3, size, size, generator=generator)
    with torch.no_grad():
        logits = model.double()(x.double()).float()
    model.float()
    torch.save(model.state_dict(), os.path.join(out_dir, f"tv.{name}.pth"))
    save_file({"input": x, "logits": logits.contiguous()}, os.path.join(out_dir, f"tv.{name}.io.safetensors"))
    with open(os.path.join(out_dir, f"tv.{name}.json"), "w") as f:
        json.dump({"fixture_version": FIXTURE_VERSION, "name": name, "zoo_architecture": TORCHVISION[name][0],
                   "torchvision_version": torchvision.__version__}, f)


def main():
    args = parse_arguments(__doc__, list(REPRESENTATIVES) + [f"tv.{n}" for n in TORCHVISION])
    torch.set_num_threads(2)
    for name in args.only or [f"tv.{n}" for n, (_, ci) in TORCHVISION.items() if ci]:
        if not name.startswith("tv."):
            continue
        if not args.force and is_current(os.path.join(args.out_dir, f"{name}.json"), FIXTURE_VERSION):
            print(f"{name}: current", file=sys.stderr)
            continue
        start = time.time()
        make_torchvision(name[3:], args.out_dir)
        print(f"{name}: written in {time.time() - start:.1f}s", file=sys.stderr)
    for name in args.only or REPRESENTATIVES:
        if name.startswith("tv."):
            continue
        if not args.force and is_current(os.path.join(args.out_dir, f"{name}.json"), FIXTURE_VERSION):
            print(f"{name}: current", file=sys.stderr)
            continue
        start = time.time()
        make_variant(name, REPRESENTATIVES[name][0], args.out_dir)
        print(f"{name}: written in {time.time() - start:.1f}s", file=sys.stderr)
    print(args.out_dir)


if __name__ == "__main__":
    main()
