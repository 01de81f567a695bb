#!/usr/bin/python3
"""Parity sweep: every registered architecture against timm (or torchvision) on random weights.

For each architecture zoo registers (`zoo-parity --list`), its family's hooks (FAMILIES below)
build the reference model with random weights and randomized norm statistics
(timm_fixture.randomize_norms), write its state dict and an input, and record

  * the eval-mode logits,
  * one train-mode step (cross entropy on random targets): the gradients of the first convolution
    and the classifier weights (the cfg's first_conv and classifier), in float64 from the float32
    weights;

then `zoo-parity` (Sources/ZooParity, the Swift half) loads the same state dict through
`createModel(checkpointPath:)` — the family's checkpoint filter included, strictly — and computes
the same. An architecture passes when zoo's state-dict keys and shapes equal the reference's (in
order), the eval logits are within 1e-4 of the largest logit's magnitude, and both gradients within
1e-3 relative (max |difference| / max |reference|). The torchvision rows (`tv:NAME`, TORCHVISION
below) load torchvision's own state dict into the zoo model that claims it and check the same.

Made for ~500 architectures on a shared machine:
  * results are cached per row in .cache/parity-sweep/results/ROW.json, keyed by a hash of the
    zoo-parity binary and of the sweep's inputs (these scripts, timm/torch/torchvision versions): a
    rerun checks only rows whose key changed or that did not pass; an interrupted sweep resumes;
  * every row runs in child processes (the reference, then zoo-parity), one at a time, under
    `nice -n 10`, each wait bounded by --timeout seconds per row;
  * memory: the reference keeps only float64 weights (no float32 copy, gradients only for the two
    parameters checked), the two halves never run at once, and a row whose estimated need exceeds
    the memory available is not started: it is reported as unchecked ("needs N GiB") and the sweep
    exits non-zero. Children get oom_score_adj 1000, so the kernel kills them before anyone else.
docs/parity.md is generated from the cache (`--report` rewrites it without running anything).

Usage:
  swift build -c release --product zoo-parity
  /usr/bin/python3 tools/parity/sweep.py [--family F ...] [--only ROW ...] [--timeout S] [--report]

The full sweep (no --family/--only) writes docs/parity.md; a subset writes it only with --out.
Exits non-zero when any selected row fails or is unchecked (no hooks, timeout, memory, error).
Adding a family: a `Family` row in FAMILIES with its input size and, when the reference is not
`timm.create_model(name)`, a `build` hook (and `reference_keys` when zoo's keys are another
model's, e.g. a torchvision model registered under torchvision's name with timm's keys).
"""
import argparse
import collections
import datetime
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from typing import Callable, Optional

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LOGIT_TOLERANCE = 1e-4
GRAD_TOLERANCE = 1e-3
# Above this many parameters both sides compute gradients for the two checked parameters only.
FREEZE_ABOVE = 200_000_000
# Memory kept free for everyone else on the machine when deciding whether a row may start.
MEMORY_MARGIN = 2 << 30
GIB = 1 << 30


# MARK: reference models (run in the child process `sweep.py --reference`)

def timm_model(name):
    import timm
    return timm.create_model(name, pretrained=False)


def timm_heads(name, model):
    cfg = model.pretrained_cfg
    first, classifier = cfg["first_conv"], cfg["classifier"]
    first = first[0] if isinstance(first, (list, tuple)) else first
    classifier = classifier[0] if isinstance(classifier, (list, tuple)) else classifier
    return first, classifier


@dataclass
class Family:
    """Per-family hooks of the sweep."""
    # Input height and width: small, but every map the architecture makes stays at least 1×1.
    input_size: int = 64
    # Builds the reference model with fresh random weights (seeded by the caller).
    build: Callable = timm_model
    # (first conv prefix, classifier prefix) of the reference model, for the gradients.
    heads: Callable = timm_heads
    # (first conv prefix, classifier prefix) of zoo's model when its keys are not the reference's.
    zoo_heads: Optional[Callable] = None
    # Input sizes per architecture where the family default does not fit.
    input_sizes: dict = field(default_factory=dict)
    # The key table zoo's model must have; default: the reference's own state dict.
    reference_keys: Optional[Callable] = None
    # The `img_size` both sides build a fixed-size model for (ViT, Swin), or None.
    img_size: Optional[Callable] = None


def vit_img_size(name):
    """Two patches a side: the smallest grid every ViT/DeiT option (registers, MAP head) runs on."""
    import re
    return 2 * int(re.search(r"patch(\d+)", name).group(1)) if "patch" in name else 32


def swin_img_size(name):
    """Half the cfg's size: every stage's map is still a whole number of (clamped) windows."""
    return 192 if "window12" in name else 112


def transformer_model(img_size):
    """timm's model at `img_size` with 1000 classes (DINOv2's cfgs have none) and no drop path."""
    def build(name):
        import timm
        return timm.create_model(name, pretrained=False, num_classes=1000, img_size=img_size(name), drop_path_rate=0.0)
    return build


def efficientnet_model(name):
    """timm's model with the last norm of every residual branch zeroed, so `randomize_norms` gives it
    the small weight of a trained net (these families don't zero-initialize it): with weights near 1
    the SE-gated branches of FBNetV3 or EfficientNet-X pile up until PyTorch's own float32 logits
    drift 2e-3 from float64 ones."""
    import torch
    model = timm_model(name)
    with torch.no_grad():
        for block in model.modules():
            if getattr(block, "has_skip", False):
                norm = getattr(block, "bn3", None) or getattr(block, "bn2", None) or getattr(block, "bn1", None)
                if getattr(norm, "weight", None) is not None:
                    norm.weight.zero_()
    return model


def regnet_model(name):
    """timm's model with RegNet-V's pre-activation branches quieted as a trained net's are: no norm
    follows them and timm's zero_init_last skips them, so with random norms the stream doubles block
    after block and PyTorch's own float32 logits stray 7% from float64 ones. Zeroing each branch's
    norm3 lets `randomize_norms` give it a small weight."""
    import torch
    model = timm_model(name)
    with torch.no_grad():
        for block in model.modules():
            if type(block).__name__ == "PreBottleneck":
                block.norm3.weight.zero_()
    return model


def torchvision_model(tv_name, **kwargs):
    """torchvision's model; as `efficientnet_model`, the last batch norm of every residual branch of
    its inverted-residual blocks is zeroed first, so it gets the small weight of a trained net."""
    import torch
    import torchvision
    model = torchvision.models.get_model(tv_name, **kwargs)
    with torch.no_grad():
        for block in model.modules():
            if getattr(block, "use_res_connect", False) or getattr(block, "apply_residual", False):
                norms = [m for m in block.modules() if isinstance(m, torch.nn.BatchNorm2d)]
                if norms:
                    norms[-1].weight.zero_()
    return model


# The family "torchvision": architectures only torchvision has, registered under torchvision's name
# (`tv_` where timm uses it) with timm's module tree; their keys are their timm twin's.
def tv_name(name):
    return name[3:] if name.startswith("tv_") else name


def tv_family_twin(name):
    """The timm model whose key table the torchvision-only architecture has."""
    import timm
    from timm.models import efficientnet, mobilenetv3
    twins = {"efficientnet_v2_s": "efficientnetv2_s", "efficientnet_v2_m": "efficientnetv2_m",
             "efficientnet_v2_l": "efficientnetv2_l", "mobilenet_v3_large": "mobilenetv3_large_100",
             "mobilenet_v3_small": "mobilenetv3_small_100"}
    if name == "mnasnet1_3":
        return efficientnet._gen_mnasnet_b1("mnasnet_b1", 1.3)
    if name.startswith("tv_efficientnet_b"):
        return timm.create_model(name[3:])
    return timm.create_model(twins[name])


def tv_family_keys(name):
    from timm_fixture import key_table
    return key_table(tv_family_twin(name).state_dict())


def tv_mobile_heads(name, model):
    if name.startswith("mnasnet"):
        return "layers.0", "classifier.1"
    return "features.0.0", ("classifier.3" if name.startswith("mobilenet_v3") else "classifier.1")


def swinv2_img_size(name):
    """Half the cfg's size: windows clamp to the small maps of the last stages, as timm does."""
    import re
    return int(re.search(r"(\d+)$", name).group(1)) // 2  # swinv2_base_window12to16_192to256: 128


TORCHVISION_SWIN_V2_TWINS = {"swin_v2_t": "swinv2_tiny_window8_256", "swin_v2_s": "swinv2_small_window8_256",
                             "swin_v2_b": "swinv2_base_window8_256"}


def swin_v2_twin_keys(name):
    """timm's twin at 256: torchvision pads maps smaller than its window where timm shrinks the
    window, so the two agree only where every stage's map is at least 8 wide (256 input)."""
    import timm
    from timm_fixture import key_table
    return key_table(timm.create_model(TORCHVISION_SWIN_V2_TWINS[name], pretrained=False).state_dict())


def fixed_heads(first, classifier):
    return lambda name, model: (first, classifier)


_TV_MOBILE = Family(
    input_size=64, build=lambda name: torchvision_model(tv_name(name)), heads=tv_mobile_heads,
    zoo_heads=lambda name: ("conv_stem", "classifier"), reference_keys=tv_family_keys)

# The family "torchvision" (architectures only torchvision has, under its names): hooks per name.
TORCHVISION_ARCHITECTURES = {
    **{name: _TV_MOBILE for name in (
        "tv_efficientnet_b5", "tv_efficientnet_b6", "tv_efficientnet_b7", "efficientnet_v2_s", "efficientnet_v2_m",
        "efficientnet_v2_l", "mnasnet1_3", "mobilenet_v3_large", "mobilenet_v3_small")},
    **{name: Family(
        build=torchvision_model, heads=fixed_heads("features.0.0", "head"), img_size=lambda name: 256,
        reference_keys=swin_v2_twin_keys, zoo_heads=lambda name: ("patch_embed.proj", "head.fc"))
       for name in TORCHVISION_SWIN_V2_TWINS},
    # torchvision's MaxViT needs every block's map a whole number of 7×7 partitions: 224.
    "maxvit_t": Family(build=torchvision_model, heads=fixed_heads("stem.0.0", "classifier.5"), input_size=224),
    # torchvision's module trees and keys (TorchvisionClassic.swift).
    "alexnet": Family(build=torchvision_model, heads=fixed_heads("features.0", "classifier.6")),
    # zoo builds googlenet as the pretrained checkpoint needs it: aux heads, transformed input.
    "googlenet": Family(build=lambda name: torchvision_model(name, aux_logits=True, transform_input=True,
                                                             init_weights=True),
                        heads=fixed_heads("conv1.conv", "fc")),
    **{f"shufflenet_v2_{s}": Family(build=torchvision_model, heads=fixed_heads("conv1.0", "fc"))
       for s in ("x0_5", "x1_0", "x1_5", "x2_0")},
    **{f"squeezenet1_{v}": Family(build=torchvision_model, heads=fixed_heads("features.0", "classifier.1"))
       for v in "01"},
}


def hooks_for(row, family):
    """The row's hooks, or None when the sweep has none for it."""
    if family == "torchvision":
        return TORCHVISION_ARCHITECTURES.get(row)
    return FAMILIES.get(family)


FAMILIES = {
    "vision_transformer": Family(build=transformer_model(vit_img_size), img_size=vit_img_size),
    "deit": Family(build=transformer_model(vit_img_size), img_size=vit_img_size),
    "convnext": Family(input_size=64),
    "swin_transformer": Family(build=transformer_model(swin_img_size), img_size=swin_img_size),
    "resnet": Family(input_size=64),
    "efficientnet": Family(input_size=64, build=efficientnet_model),
    "mobilenetv3": Family(input_size=64, build=efficientnet_model),
    "regnet": Family(input_size=64, build=regnet_model),
    "densenet": Family(input_size=64),
    # The 2×2 maps at 64 are average-pooled up to the 7×7 the head's pre-logits convolution takes.
    "vgg": Family(input_size=64),
    "inception_v3": Family(input_size=96),
    "swin_transformer_v2": Family(build=transformer_model(swinv2_img_size), img_size=swinv2_img_size),
}


@dataclass
class TorchvisionCheckpoint:
    """A torchvision classification model whose state dict a zoo model loads (docs/torchvision.md)."""
    zoo: Optional[str]  # the zoo name that loads it; None: none yet (reported unchecked)
    heads: tuple = ()  # torchvision's (first conv, classifier) prefixes; () checks logits only
    zoo_heads: tuple = ()  # zoo's
    input_size: int = 64
    img_size: Optional[int] = None  # a fixed-size zoo model built at this size (ViT)
    kwargs: dict = field(default_factory=dict)  # torchvision builder arguments
    no_aux: bool = False  # the auxiliary head is kept but does not run (Inception-v3 below 299)


_EFF = (("features.0.0", "classifier.1"), ("conv_stem", "classifier"))
_MV3 = (("features.0.0", "classifier.3"), ("conv_stem", "classifier"))
_MNAS = (("layers.0", "classifier.1"), ("conv_stem", "classifier"))
_RES = (("conv1", "fc"), ("conv1", "fc"))
_CNX = (("features.0.0", "classifier.2"), ("stem.0", "head.fc"))
_SWIN = (("features.0.0", "head"), ("patch_embed.proj", "head.fc"))
_VIT = (("conv_proj", "heads.head"), ("patch_embed.proj", "head"))
_DENSE = (("features.conv0", "classifier"), ("features.conv0", "classifier"))
_REG = (("stem.0", "fc"), ("stem.conv", "head.fc"))
_VGG = (("features.0", "classifier.6"), ("features.0", "head.fc"))
_INC = (("Conv2d_1a_3x3.conv", "fc"), ("Conv2d_1a_3x3.conv", "fc"))


def _tv(zoo, heads, **extra):
    return TorchvisionCheckpoint(zoo, heads[0], heads[1], **extra)


# Every torchvision 0.14 classification model (torchvision.models.list_models()), by the zoo name
# that loads its checkpoint. Families landing later replace their None. AS_ROW: zoo registers the
# model under torchvision's name (`tv_` prefixed where timm has it) in the family "torchvision", built
# from torchvision's model by TORCHVISION_ARCHITECTURES: its architecture row is the check.
AS_ROW = TorchvisionCheckpoint("(architecture row)")
TV_PREFIXED = ("efficientnet_b5", "efficientnet_b6", "efficientnet_b7")
TORCHVISION = {
    "alexnet": AS_ROW,
    **{f"convnext_{s}": _tv(f"convnext_{s}", _CNX) for s in ("tiny", "small", "base", "large")},
    **{f"densenet{d}": _tv(f"densenet{d}", _DENSE) for d in (121, 161, 169, 201)},
    **{f"efficientnet_b{i}": _tv(f"efficientnet_b{i}", _EFF) for i in range(5)},
    **{f"efficientnet_b{i}": AS_ROW for i in range(5, 8)},
    **{f"efficientnet_v2_{s}": AS_ROW for s in "sml"},
    "googlenet": AS_ROW,
    # The checkpoint keeps the auxiliary head's weights, but the head does not run (it needs a 299 input).
    "inception_v3": _tv("inception_v3", _INC, input_size=96, kwargs={"init_weights": True}, no_aux=True),
    "maxvit_t": AS_ROW,
    "mnasnet0_5": _tv("mnasnet_050", _MNAS), "mnasnet0_75": _tv("mnasnet_075", _MNAS),
    "mnasnet1_0": _tv("mnasnet_100", _MNAS), "mnasnet1_3": AS_ROW,
    "mobilenet_v2": _tv("mobilenetv2_100", _EFF),
    "mobilenet_v3_large": AS_ROW, "mobilenet_v3_small": AS_ROW,
    **{f"regnet_{k}": _tv(twin, _REG) for k, twin in (
        ("y_400mf", "regnety_004"), ("y_800mf", "regnety_008_tv"), ("y_1_6gf", "regnety_016"),
        ("y_3_2gf", "regnety_032"), ("y_8gf", "regnety_080_tv"), ("y_16gf", "regnety_160"),
        ("y_32gf", "regnety_320"), ("y_128gf", "regnety_1280"), ("x_400mf", "regnetx_004_tv"),
        ("x_800mf", "regnetx_008"), ("x_1_6gf", "regnetx_016"), ("x_3_2gf", "regnetx_032"), ("x_8gf", "regnetx_080"),
        ("x_16gf", "regnetx_160"), ("x_32gf", "regnetx_320"))},
    **{n: _tv(n, _RES) for n in ("resnet18", "resnet34", "resnet50", "resnet101", "resnet152", "resnext50_32x4d",
                                 "resnext101_32x8d", "resnext101_64x4d", "wide_resnet50_2", "wide_resnet101_2")},
    **{f"shufflenet_v2_{s}": AS_ROW for s in ("x0_5", "x1_0", "x1_5", "x2_0")},
    "squeezenet1_0": AS_ROW, "squeezenet1_1": AS_ROW,
    # 224: every stage a whole number of 7×7 windows, so torchvision's padding and timm's clamping agree.
    "swin_t": _tv("swin_tiny_patch4_window7_224", _SWIN, input_size=224),
    "swin_s": _tv("swin_small_patch4_window7_224", _SWIN, input_size=224),
    "swin_b": _tv("swin_base_patch4_window7_224", _SWIN, input_size=224),
    **{f"swin_v2_{s}": AS_ROW for s in "tsb"},
    **{n: _tv(n, _VGG) for n in ("vgg11", "vgg11_bn", "vgg13", "vgg13_bn", "vgg16", "vgg16_bn", "vgg19", "vgg19_bn")},
    "vit_b_16": _tv("vit_base_patch16_224", _VIT, input_size=32, img_size=32, kwargs={"image_size": 32}),
    "vit_b_32": _tv("vit_base_patch32_224", _VIT, input_size=64, img_size=64, kwargs={"image_size": 64}),
    "vit_l_16": _tv("vit_large_patch16_224", _VIT, input_size=32, img_size=32, kwargs={"image_size": 32}),
    "vit_l_32": _tv("vit_large_patch32_224", _VIT, input_size=64, img_size=64, kwargs={"image_size": 64}),
    "vit_h_14": _tv("vit_huge_patch14_224", _VIT, input_size=28, img_size=28, kwargs={"image_size": 28}),
}


def available_memory():
    """MemAvailable of /proc/meminfo, in bytes."""
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    return 0


def reference_memory_need(parameters):
    """Bytes the reference needs beyond its float32 model once built: the serialized state dict
    (4 per parameter, briefly) and the float64 copy (8, while the float32 one is freed tensor by
    tensor), rounded up; activations at these input sizes are small next to the giants' weights."""
    return parameters * 6


def zoo_memory_need(parameters, frozen):
    """Bytes zoo-parity needs: the checkpoint read (4 per parameter), the model (4), gradients (4)
    unless only the two checked weights get them."""
    return parameters * (8 if frozen else 12)


def prepare(row, family, work):
    """Reference side, in its own process: writes ROW.weights/io/expected.safetensors and ROW.meta.json."""
    import torch
    import torch.nn.functional as F
    from timm_fixture import POOL_TIE_GAP, key_table, max_pool_near_tie, randomize_norms, relative_error, save_contiguous
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
    torch.manual_seed(0)
    generator = torch.Generator().manual_seed(1)
    metadata = {}
    if row.startswith("tv:"):
        spec = TORCHVISION[row[3:]]
        model = torchvision_model(row[3:], **spec.kwargs)
        if spec.no_aux:
            model.AuxLogits.forward = lambda x: None
        size, (first, classifier), zoo_heads = spec.input_size, spec.heads or (None, None), spec.zoo_heads
        metadata["model"] = spec.zoo
        if spec.img_size:
            metadata["img_size"] = str(spec.img_size)
        keys = None  # torchvision's layout: the strict load is the check
    else:
        hooks = hooks_for(row, family)
        model = hooks.build(row)
        size = hooks.img_size(row) if hooks.img_size else hooks.input_sizes.get(row, hooks.input_size)
        first, classifier = hooks.heads(row, model)
        zoo_heads = hooks.zoo_heads(row) if hooks.zoo_heads else (first, classifier)
        if hooks.img_size:
            metadata["img_size"] = str(hooks.img_size(row))
        keys = hooks.reference_keys(row) if hooks.reference_keys else None
    # The train step must be deterministic: no dropout, drop path or stochastic depth (torchvision's
    # EfficientNets have both by default; zoo-parity builds with dropRate and dropPathRate 0).
    for module in model.modules():
        if isinstance(module, torch.nn.modules.dropout._DropoutNd):
            module.p = 0.0
        if hasattr(module, "drop_prob"):
            module.drop_prob = 0.0
        if type(module).__name__ == "StochasticDepth":
            module.p = 0.0
    parameters = sum(p.numel() for p in model.parameters())
    need = reference_memory_need(parameters)
    if need + MEMORY_MARGIN > available_memory():
        return {"unchecked": f"the reference needs ~{need / GIB:.1f} GiB more than its float32 model, "
                             f"{available_memory() / GIB:.1f} GiB available", "parameters": parameters}
    freeze = parameters > FREEZE_ABOVE
    in_chans = 3
    randomize_norms(model, generator, (2, in_chans, size, size))
    state = model.state_dict()
    if keys is None and not row.startswith("tv:"):
        keys = key_table(state)
    num_classes = state[f"{classifier}.weight"].shape[0] if classifier else 1000
    x = torch.randn(2, in_chans, size, size, generator=generator)
    # A train-step input with a near-tie in a max-pool window tests rounding, not zoo: draw another.
    model.train()
    for _ in range(10):
        if max_pool_near_tie(model, x) > POOL_TIE_GAP:
            break
        x = torch.randn(2, in_chans, size, size, generator=generator)
    model.eval()
    target = torch.randint(0, num_classes, (2,), generator=generator)
    checked = [p for p in (first, classifier) if p]
    with torch.no_grad():
        for prefix in (first, classifier):
            weight = state.get(f"{prefix}.weight") if prefix else None
            if weight is not None and bool((weight == 0).all()):  # zero-initialized heads give zero logits
                weight.normal_(0, 0.02, generator=generator)
    if freeze:
        for name, p in model.named_parameters():
            p.requires_grad_(any(name == f"{prefix}.weight" for prefix in checked))
    grads32 = {}
    if checked:
        # PyTorch's own float32 step: how far float32 rounding alone strays from the exact gradients.
        model.train()
        model.zero_grad()
        out32 = model(x)
        F.cross_entropy(out32[0] if isinstance(out32, tuple) else out32, target).backward()
        grads32 = {k: p.grad.clone() for k, p in model.named_parameters() if p.grad is not None}
        model.zero_grad(set_to_none=True)
    # Saved after the train step, whose batch norms updated their running statistics.
    save_contiguous(state, os.path.join(work, f"{file_stem(row)}.weights.safetensors"))
    del state
    model.eval()
    # Expectations in float64 from the float32 weights: PyTorch's own float32 gradients of deep
    # stages can stray 1e-1 from exact ones, which would test agreement in rounding, not correctness.
    # PyTorch's own float32 eval logits: how far float32 rounding alone strays from the float64 ones
    # (the logits' counterpart of the gradients' `floor`).
    with torch.no_grad():
        logits32 = model(x)
    model = model.double()
    with torch.no_grad():
        logits64 = model(x.double())
    logit_floor = relative_error(logits32.double(), logits64)
    expected = {"logits": logits64.float()}
    del logits32
    if checked:
        model.train()
        out = model(x.double())
        out = out[0] if isinstance(out, tuple) else out  # aux heads in training
        loss = F.cross_entropy(out, target)
        loss.backward()
        params = dict(model.named_parameters())
        expected["loss"] = loss.detach().float()
        floor = 0.0
        for role, prefix in (("first_conv", first), ("classifier", classifier)):
            key = f"{prefix}.weight"
            expected[f"grad.{role}"] = params[key].grad.float()
            floor = max(floor, relative_error(grads32[key].double(), params[key].grad))
        metadata["first_conv"], metadata["classifier"] = zoo_heads
        if freeze:
            metadata["freeze"] = "1"
    else:
        floor = float("nan")
    metadata["num_classes"] = str(num_classes)
    save_contiguous({"input": x, "target": target}, os.path.join(work, f"{file_stem(row)}.io.safetensors"),
                    metadata=metadata)
    save_contiguous(expected, os.path.join(work, f"{file_stem(row)}.expected.safetensors"))
    return {"parameters": parameters, "keys": [[k, s] for k, s, _ in keys] if keys is not None else None,
            "floor": floor, "logit_floor": logit_floor, "zoo_heads": list(zoo_heads) if checked else []}


# Float32 variants `float32_spread` runs: PyTorch's own train step with another memory layout, and at
# inputs one float32 ulp away (each element its next float up or down, at random).
SPREAD_PERTURBED_INPUTS = 2


def reference_from_files(row, family, work):
    """The reference model of a row rebuilt from the state dict `prepare` wrote (dropout off), and
    its (first conv, classifier) prefixes."""
    import torch
    from safetensors.torch import load_file
    stem = file_stem(row)
    if row.startswith("tv:"):
        spec = TORCHVISION[row[3:]]
        model = torchvision_model(row[3:], **spec.kwargs)
        if spec.no_aux:
            model.AuxLogits.forward = lambda x: None
        first, classifier = spec.heads
    else:
        hooks = hooks_for(row, family)
        model = hooks.build(row)
        first, classifier = hooks.heads(row, model)
    # As prepare does (its source is part of every row's cache key, so it keeps its own copy).
    for module in model.modules():
        if isinstance(module, torch.nn.modules.dropout._DropoutNd):
            module.p = 0.0
        if hasattr(module, "drop_prob"):
            module.drop_prob = 0.0
        if type(module).__name__ == "StochasticDepth":
            module.p = 0.0
    model.load_state_dict(load_file(os.path.join(work, f"{stem}.weights.safetensors")), strict=True)
    return model, (first, classifier)


def float32_spread(row, family, work):
    """Reference side of a row whose gradients missed the bar, in its own process, from the files
    `prepare` wrote: how far PyTorch's own float32 train step strays from the float64 gradients when
    nothing but rounding changes (channels-last layout; inputs one ulp away). At 64 pixels, train-mode
    norms over 2×2 maps and ReLU/max-pool decisions within rounding of their kink make some deep
    networks' first-conv gradients jump by 1e-3..3e-2 under such changes, where one float32 sample
    (prepare's `floor`) may happen to land next to the float64 value. Returns {"spread": worst
    relative error over the variants and both gradients, "variants": {name: [first, classifier]}}."""
    import torch
    import torch.nn.functional as F
    from safetensors.torch import load_file
    from timm_fixture import relative_error
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
    stem = file_stem(row)
    model, (first, classifier) = reference_from_files(row, family, work)
    io = load_file(os.path.join(work, f"{stem}.io.safetensors"))
    expected = load_file(os.path.join(work, f"{stem}.expected.safetensors"))
    x, target = io["input"], io["target"]

    def step(x, channels_last=False):
        variant = model.to(memory_format=torch.channels_last) if channels_last else model
        x = x.contiguous(memory_format=torch.channels_last) if channels_last else x
        variant.train()
        variant.zero_grad(set_to_none=True)
        out = variant(x)
        F.cross_entropy(out[0] if isinstance(out, tuple) else out, target).backward()
        params = dict(variant.named_parameters())
        return [relative_error(params[f"{prefix}.weight"].grad.double(), expected[f"grad.{role}"].double())
                for role, prefix in (("first_conv", first), ("classifier", classifier))]

    # "as prepared" repeats prepare's own float32 step (its `floor`): the rebuilt model is the same.
    variants = {"as prepared": step(x), "channels_last": step(x, channels_last=True)}
    model.to(memory_format=torch.contiguous_format)
    generator = torch.Generator().manual_seed(2)
    for n in range(SPREAD_PERTURBED_INPUTS):
        up = torch.randint(0, 2, x.shape, generator=generator).bool()
        neighbour = torch.where(up, torch.nextafter(x, torch.tensor(float("inf"))),
                                torch.nextafter(x, torch.tensor(float("-inf"))))
        variants[f"input ulp {n}"] = step(neighbour)
    measured = {"spread": max(max(v) for v in variants.values()), "variants": variants}
    measured["flips"] = decision_flips(model, x, target, expected, (first, classifier), work, row)
    measured["recheck"] = batch_recheck_files(model, (first, classifier), work, row)
    return measured


# The batch of the second train step (`batch_recheck_files`).
RECHECK_BATCH = 8


def batch_recheck_files(model, heads, work, row):
    """A second train step at batch RECHECK_BATCH, for rows still off after `decision_flips`: with
    batch 2, a train-mode batch norm after global pooling (MobileNetV4's norm_head) normalizes two
    values per channel, so its gradient scales with 1/|a − b| and PyTorch's own float32 classifier
    gradient strays 3e-3 from float64; eight values make it well-conditioned. Writes ROW.batch.*
    (the same weights, a new input and target, float64 gradients) for zoo-parity; returns the stem
    and PyTorch's float32 error there (the floor of that check)."""
    import copy
    import torch
    import torch.nn.functional as F
    from safetensors import safe_open
    from timm_fixture import relative_error, save_contiguous
    stem = file_stem(row)
    with safe_open(os.path.join(work, f"{stem}.io.safetensors"), "pt") as f:
        metadata = dict(f.metadata(), model=f.metadata().get("model", row))  # the stem is not a model name
        shape = f.get_tensor("input").shape
    generator = torch.Generator().manual_seed(3)
    x = torch.randn((RECHECK_BATCH,) + tuple(shape[1:]), generator=generator)
    target = torch.randint(0, int(metadata.get("num_classes", "1000")), (RECHECK_BATCH,), generator=generator)

    def step(model, x):
        model.train()
        model.zero_grad(set_to_none=True)
        out = model(x)
        F.cross_entropy(out[0] if isinstance(out, tuple) else out, target).backward()
        params = dict(model.named_parameters())
        return [params[f"{prefix}.weight"].grad.detach().clone() for prefix in heads]

    grads32 = step(model, x)
    grads64 = step(copy.deepcopy(model).double(), x.double())
    floor = max(relative_error(a.double(), b) for a, b in zip(grads32, grads64))
    recheck = f"{stem}.batch"
    weights = os.path.join(work, f"{recheck}.weights.safetensors")
    if not os.path.exists(weights):
        os.symlink(f"{stem}.weights.safetensors", weights)
    save_contiguous({"input": x, "target": target}, os.path.join(work, f"{recheck}.io.safetensors"), metadata=metadata)
    save_contiguous({"grad.first_conv": grads64[0].float(), "grad.classifier": grads64[1].float()},
                    os.path.join(work, f"{recheck}.expected.safetensors"))
    return {"stem": recheck, "batch": RECHECK_BATCH, "floor": floor}


# A ReLU input closer to its kink than this (relative to its channel's largest magnitude) is within
# float32 rounding of it: zoo's float32 forward (~1e-6 from float64) may put it on the other side.
# The closest KINK_CANDIDATES are tried: resnext50d_32x4d at 64 pixels has 83 inputs within KINK_GAP,
# and the two decisions PyTorch's own channels-last float32 step takes the other way (which move
# the first conv's gradient by 2e-2) are the 10th and 14th closest.
KINK_GAP = 1e-5
KINK_CANDIDATES = 32


def decision_flips(model, x, target, expected, heads, work, row, stem=None):
    """The float64 gradients with ReLU decisions that lie within rounding of their kink taken the
    other way, the one float32 rounding can take: a single flip in a deep 2×2 map moves the first
    conv's gradient by up to 1e-2 (ecaresnext50t_32x4d: one element of layer3.4's bn2 output at
    1.4e-6 of its channel's 2.9, zoo 1.5e-3 off float64, 3e-6 off once the flip is taken). Takes each
    of the KINK_CANDIDATES closest inputs (gap < KINK_GAP) alone, then adds the helpful ones in order
    of their help while zoo's error falls; returns {"candidates": n, "flipped": [...], "first_conv", "classifier"}: zoo's
    gradient errors against the float64 gradients of the best set (the same bar applies)."""
    import copy
    import torch
    import torch.nn.functional as F
    from safetensors.torch import load_file
    from timm_fixture import relative_error
    meta = json.load(open(os.path.join(work, f"{file_stem(row)}.meta.json")))
    ours = load_file(os.path.join(work, f"{stem or file_stem(row)}.zoo.safetensors"))
    zoo = [ours[f"grad.{prefix}.weight"].double() for prefix in meta["zoo_heads"]]
    reference = copy.deepcopy(model).double()
    activations = [m for m in reference.modules() if isinstance(m, (torch.nn.ReLU, torch.nn.ReLU6))]
    for module in activations:
        module.inplace = False
    flips = {}  # (module index, call) -> flat indices whose derivative is taken the other way
    candidates = []

    def hook(module, inputs, output):
        key = (index[id(module)], calls[id(module)])
        calls[id(module)] += 1
        if recording:
            value = inputs[0].detach()
            scale = value.abs().amax(dim=[d for d in range(value.dim()) if d != 1], keepdim=True).clamp_min(1e-30)
            gaps = (value.abs() / scale).flatten()
            if isinstance(module, torch.nn.ReLU6):
                gaps = torch.minimum(gaps, ((value - 6).abs() / scale).flatten())
            near = (gaps < KINK_GAP).nonzero().flatten()
            candidates.extend((float(gaps[i]), key, int(i)) for i in near)
        if key not in flips:
            return None
        value = inputs[0]
        positions = torch.zeros(value.numel(), dtype=value.dtype)
        positions[flips[key]] = 1.0
        positions = positions.view_as(value)
        if isinstance(module, torch.nn.ReLU6):
            active = (value > 0) & (value < 6)
        else:
            active = value > 0
        delta = torch.where(active, -positions, positions)  # derivative 1 -> 0 and 0 -> 1
        return output + (value - value.detach()) * delta

    index = {id(m): i for i, m in enumerate(activations)}
    handles = [m.register_forward_hook(hook) for m in activations]

    def gradients(flip_set):
        nonlocal calls
        calls = {id(m): 0 for m in activations}
        flips.clear()
        for _, key, position in flip_set:
            flips.setdefault(key, []).append(position)
        reference.train()
        reference.zero_grad(set_to_none=True)
        out = reference(x.double())
        F.cross_entropy(out[0] if isinstance(out, tuple) else out, target).backward()
        params = dict(reference.named_parameters())
        return [relative_error(ours, params[f"{prefix}.weight"].grad) for ours, prefix in zip(zoo, heads)]

    calls = {}
    recording = True
    base = gradients([])
    recording = False
    candidates.sort()
    candidates = candidates[:KINK_CANDIDATES]
    # Each candidate alone, then the helpful ones added in order of their help while the error falls.
    singles = sorted((max(errors), errors, candidate) for candidate in candidates
                     for errors in [gradients([candidate])])
    best, best_set = base, []
    for worst, errors, candidate in singles:
        if worst >= max(base):
            break
        trial = best_set + [candidate]
        errors = errors if not best_set else gradients(trial)
        if max(errors) >= max(best):
            break
        best, best_set = errors, trial
    for handle in handles:
        handle.remove()
    return {"candidates": len(candidates), "flipped": [[gap, list(key), position] for gap, key, position in best_set],
            "first_conv": best[0], "classifier": best[1]}


# MARK: the driver

def file_stem(row):
    return row.replace(":", "-")


def float32_bar(bar, float32_error):
    """A check's bar: `bar`, or twice PyTorch's own float32 error against the float64 reference where
    float32 rounding alone strays further (NaN: not measured). One rule for logits and gradients."""
    return max(bar, 2 * float32_error) if float32_error == float32_error else bar


@dataclass
class Result:
    row: str
    family: str
    status: str = "unchecked"  # pass | fail | unchecked
    keys: str = "-"
    logits: float = float("nan")
    first_conv: float = float("nan")
    classifier: float = float("nan")
    # PyTorch's own float32 gradient error against float64 (the larger of the two gradients).
    floor: float = float("nan")
    # PyTorch's own float32 eval-logit error against float64 (prepare's `logit_floor`).
    logit_floor: float = float("nan")
    # Rows whose gradients missed the bar: PyTorch's float32 spread (`float32_spread`), worst variant.
    spread: float = float("nan")
    spread_variants: dict = field(default_factory=dict)
    # Their float64 gradients with ReLU decisions within rounding of the kink taken the other way
    # (`decision_flips`): {"candidates", "flipped", "first_conv", "classifier"}.
    flips: dict = field(default_factory=dict)
    # And, when still off, the same weights' train step at batch RECHECK_BATCH: {"batch", "first_conv",
    # "classifier", "floor"}.
    recheck: dict = field(default_factory=dict)
    error: str = ""
    seconds: float = 0.0
    reference_seconds: float = 0.0  # of `seconds`, the reference child's
    parameters: int = 0
    peak_rss_mb: int = 0  # the larger child's
    key: str = ""  # cache key: binary + inputs
    build: str = ""  # short hash of the zoo-parity binary
    checked_at: str = ""

    @property
    def grad_tolerance(self):
        """1e-3, or twice PyTorch's own float32 error where rounding alone exceeds it (ill-conditioned
        train-mode norms over tiny maps): no float32 implementation can do better than rounding. The
        float32 error is prepare's one sample (PyTorch's further float32 variants, `spread`, are
        reported but do not widen the bar)."""
        return float32_bar(GRAD_TOLERANCE, self.floor)

    @property
    def logit_tolerance(self):
        """1e-4, or twice PyTorch's own float32 eval-logit error, by the gradients' rule: deep
        torchvision ResNets (no zero-initialized last norm, so 33 undamped residual branches) make
        PyTorch's own float32 logits stray 1.4e-4 from float64 at random weights."""
        return float32_bar(LOGIT_TOLERANCE, self.logit_floor)

    def gradient_ways(self):
        """The ways the gradients pass that hold, in `judge`'s order: within the bar, within it of the
        float64 gradients with near-kink decisions flipped, or the well-conditioned batch-8 step within
        1e-3 (or twice PyTorch's float32 error there)."""
        recheck = self.recheck
        bar = float32_bar(GRAD_TOLERANCE, recheck.get("floor", float("nan")))
        ways = {
            "within": self.first_conv <= self.grad_tolerance and self.classifier <= self.grad_tolerance,
            "flipped": bool(self.flips) and max(self.flips["first_conv"], self.flips["classifier"]) <= self.grad_tolerance,
            "rechecked": bool(recheck) and (max(recheck["first_conv"], recheck["classifier"]) <= bar or (
                "flips" in recheck and max(recheck["flips"]["first_conv"], recheck["flips"]["classifier"]) <= bar)),
        }
        return [way for way, holds in ways.items() if holds]

    @property
    def passed_by(self):
        """How a passing row passed: the issues' bars as they stand, or the first of `gradient_ways`
        (rows without checked gradients have NaN there and pass on keys and logits)."""
        grads = [g for g in (self.first_conv, self.classifier) if g == g]
        if self.logits <= LOGIT_TOLERANCE and all(g <= GRAD_TOLERANCE for g in grads):
            return "the bars as they stand"
        way = (self.gradient_ways() or ["within"])[0]
        return {"within": "a bar widened by PyTorch's float32 error", "flipped": "near-kink decisions flipped",
                "rechecked": "the batch-8 step"}[way]

    def judge(self, grads_checked):
        if self.error:
            return
        ok = self.keys in ("equal", "strict load") and self.logits <= self.logit_tolerance
        if grads_checked:
            ok = ok and bool(self.gradient_ways())
        self.status = "pass" if ok else "fail"
        if not ok:
            self.error = "tolerance" if self.keys in ("equal", "strict load") else "keys"


def sha256_file(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def inputs_hash(row, family):
    """What the reference side of a row depends on: `prepare` and the helpers it calls, the row's
    hooks, timm_fixture.py and the reference libraries' versions (not the driver or the report code,
    so improving those keeps the cache)."""
    import inspect
    import timm
    import torch
    import torchvision
    digest = hashlib.sha256()
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "timm_fixture.py"), "rb") as f:
        digest.update(f.read())
    for function in (prepare, timm_model, timm_heads, torchvision_model, file_stem):
        digest.update(inspect.getsource(function).encode())
    if row.startswith("tv:"):
        digest.update(repr(TORCHVISION[row[3:]]).encode())
    elif hooks_for(row, family):
        for name, value in sorted(vars(hooks_for(row, family)).items()):
            try:
                source = inspect.getsource(value) if callable(value) else repr(value)
            except (OSError, TypeError):
                source = repr(value.__code__.co_code) + repr(value.__code__.co_consts)
            digest.update(f"{name}={source}".encode())
    digest.update(f"{timm.__version__} {torch.__version__} {torchvision.__version__}".encode())
    return digest.hexdigest()


def lower_priority():
    """In each child: nice 10 (the cores are shared) and first in line for the OOM killer."""
    os.nice(10)
    try:
        with open("/proc/self/oom_score_adj", "w") as f:
            f.write("1000")
    except OSError:
        pass


def run_bounded(command, timeout, threads=1):
    """Runs `command` in its own process group; returns (exit code or None on timeout, stdout, peak RSS MB).
    One thread by default: on cores shared with others, OpenMP's spinning threads waste most of a share."""
    environment = dict(os.environ, OMP_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS=str(threads),
                       ZOO_THREADS=str(threads), OMP_WAIT_POLICY="PASSIVE")
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               start_new_session=True, preexec_fn=lower_priority, env=environment)
    deadline = time.time() + timeout
    output = []
    import selectors
    selector = selectors.DefaultSelector()
    selector.register(process.stdout, selectors.EVENT_READ)
    status = None
    try:
        while True:
            remaining = deadline - time.time()
            if remaining <= 0:
                os.killpg(process.pid, signal.SIGKILL)
                break
            if selector.select(timeout=min(remaining, 1.0)):
                chunk = process.stdout.readline()
                if chunk:
                    output.append(chunk)
                    continue
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                output.append(process.stdout.read())
                return (os.waitstatus_to_exitcode(status), "".join(output), usage.ru_maxrss // 1024)
    except BaseException:
        os.killpg(process.pid, signal.SIGKILL)
        os.wait4(process.pid, 0)
        raise
    _, status, usage = os.wait4(process.pid, 0)
    return None, "".join(output), usage.ru_maxrss // 1024


def check_row(row, family, binary, script, work, timeout, threads):
    """Runs one row: the reference child, then zoo-parity; returns its Result."""
    from safetensors import safe_open
    from safetensors.torch import load_file
    from timm_fixture import relative_error
    result = Result(row, family)
    start = time.time()
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    meta_path = os.path.join(work, f"{file_stem(row)}.meta.json")
    code, output, rss = run_bounded(
        [sys.executable, script, "--reference", row, "--family-of", family, "--work", work],
        timeout, threads)
    result.peak_rss_mb = rss
    result.reference_seconds = time.time() - start
    if code is None:
        result.error = f"timeout: the reference took over {timeout:.0f} s"
        return finish(result, start)
    if code != 0 or not os.path.exists(meta_path):
        result.error = "reference: " + (output.strip().splitlines() or [f"exited {code}"])[-1][:300]
        if code == -9:
            result.error = f"reference killed (out of memory? peak {rss} MB)"
        return finish(result, start)
    meta = json.load(open(meta_path))
    result.parameters = meta["parameters"]
    if "unchecked" in meta:
        result.error = f"memory: {meta['unchecked']}"
        return finish(result, start)
    need = zoo_memory_need(result.parameters, frozen=result.parameters > FREEZE_ABOVE or not meta["zoo_heads"])
    if need + MEMORY_MARGIN > available_memory():
        result.error = f"memory: zoo needs ~{need / GIB:.1f} GiB, {available_memory() / GIB:.1f} GiB available"
        return finish(result, start)
    remaining = timeout - (time.time() - start)
    code, output, rss = run_bounded([binary, work, file_stem(row)], max(remaining, 1), threads)
    result.peak_rss_mb = max(result.peak_rss_mb, rss)
    if code is None:
        result.error = f"timeout: zoo took over the remaining {remaining:.0f} s of {timeout:.0f} s"
        return finish(result, start)
    status = next((line.partition(": ")[2] for line in output.splitlines()
                   if line.startswith(file_stem(row) + ": ")), None)
    if status != "ok":
        result.error = f"zoo: {status}" if status else f"zoo-parity exited {code}: {output.strip()[-300:]}"
        if code == -9:
            result.error = f"zoo-parity killed (out of memory? peak {rss} MB)"
        return finish(result, start)
    out_path = os.path.join(work, f"{file_stem(row)}.zoo.safetensors")
    with safe_open(out_path, "pt") as f:
        zoo_keys = json.loads((f.metadata() or {}).get("keys", "[]"))
    ours = load_file(out_path)
    expected = load_file(os.path.join(work, f"{file_stem(row)}.expected.safetensors"))
    reference_keys = meta["keys"]
    if reference_keys is None:
        result.keys = "strict load"
    elif zoo_keys == reference_keys:
        result.keys = "equal"
    else:
        at = next((i for i, (a, b) in enumerate(zip(zoo_keys, reference_keys)) if a != b),
                  min(len(zoo_keys), len(reference_keys)))
        ours_at = zoo_keys[at] if at < len(zoo_keys) else None
        theirs_at = reference_keys[at] if at < len(reference_keys) else None
        result.keys = f"differ at {at}: {ours_at} vs {theirs_at}"
    result.logits = relative_error(ours["logits"], expected["logits"])
    result.logit_floor = meta.get("logit_floor", float("nan"))
    heads = meta["zoo_heads"]
    if heads:
        result.first_conv = relative_error(ours[f"grad.{heads[0]}.weight"], expected["grad.first_conv"])
        result.classifier = relative_error(ours[f"grad.{heads[1]}.weight"], expected["grad.classifier"])
        result.floor = meta["floor"]
    result.judge(bool(heads))
    if (result.status == "fail" and result.keys in ("equal", "strict load") and result.logits <= result.logit_tolerance
            and result.parameters <= FREEZE_ABOVE):
        # Only the gradients missed: measure how far PyTorch's own float32 step strays here (not for
        # the frozen giants: the measurement trains every weight, in float64 too).
        remaining = timeout - (time.time() - start)
        code, output, rss = run_bounded([sys.executable, script, "--spread", row, "--family-of", family,
                                         "--work", work], max(remaining, 1), threads)
        spread_path = os.path.join(work, f"{file_stem(row)}.spread.json")
        if code == 0 and os.path.exists(spread_path):
            measured = json.load(open(spread_path))
            result.spread, result.spread_variants = measured["spread"], measured["variants"]
            result.flips = measured["flips"]
            result.status, result.error = "unchecked", ""
            result.judge(True)
            if result.status == "fail":
                result.recheck = run_recheck(binary, work, measured["recheck"], meta["zoo_heads"], timeout - (
                    time.time() - start), threads)
                if "error" in result.recheck:
                    result.error = "tolerance; batch recheck: " + result.recheck.pop("error")
                else:
                    result.status, result.error = "unchecked", ""
                    result.judge(True)
                if result.status == "fail" and "batch" in result.recheck:
                    code, output, _ = run_bounded([sys.executable, script, "--recheck-flips", row, "--family-of", family,
                                                   "--work", work], max(timeout - (time.time() - start), 1), threads)
                    flips_path = os.path.join(work, f"{file_stem(row)}.batch.flips.json")
                    if code == 0 and os.path.exists(flips_path):
                        result.recheck["flips"] = json.load(open(flips_path))
                        result.status, result.error = "unchecked", ""
                        result.judge(True)
        else:
            result.error = "tolerance; float32 spread: " + (output.strip().splitlines() or [f"exited {code}"])[-1][:200]
    return finish(result, start)


def recheck_flips(row, family, work):
    """`decision_flips` for the batch recheck's files (after zoo-parity ran on them)."""
    import torch
    from safetensors.torch import load_file
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
    model, heads = reference_from_files(row, family, work)
    stem = f"{file_stem(row)}.batch"
    io = load_file(os.path.join(work, f"{stem}.io.safetensors"))
    expected = load_file(os.path.join(work, f"{stem}.expected.safetensors"))
    return decision_flips(model, io["input"], io["target"], expected, heads, work, row, stem=stem)


def run_recheck(binary, work, recheck, zoo_heads, remaining, threads):
    """zoo-parity on the files `batch_recheck_files` wrote; zoo's gradient errors there."""
    from safetensors.torch import load_file
    from timm_fixture import relative_error
    stem = recheck["stem"]
    code, output, _ = run_bounded([binary, work, stem], max(remaining, 1), threads)
    if code != 0:
        return {"error": output.strip()[-200:] or f"exited {code}"}
    ours = load_file(os.path.join(work, f"{stem}.zoo.safetensors"))
    expected = load_file(os.path.join(work, f"{stem}.expected.safetensors"))
    return {"batch": recheck["batch"], "floor": recheck["floor"],
            "first_conv": relative_error(ours[f"grad.{zoo_heads[0]}.weight"], expected["grad.first_conv"]),
            "classifier": relative_error(ours[f"grad.{zoo_heads[1]}.weight"], expected["grad.classifier"])}


def finish(result, start):
    result.seconds = time.time() - start
    if result.error and result.status == "unchecked" and not result.error.startswith(("memory", "timeout")):
        result.status = "fail"
    return result


def selected_rows(binary, families, only):
    """[(row, family)]: zoo's registered architectures, then the torchvision checkpoint rows."""
    listing = subprocess.run([binary, "--list"], capture_output=True, text=True, timeout=120)
    if listing.returncode != 0:
        sys.exit(f"{binary} --list failed: {listing.stdout}{listing.stderr}")
    rows = [tuple(reversed(line.split("\t"))) for line in listing.stdout.splitlines() if "\t" in line]
    # Families.swift order (timm's), then the rest by name.
    from make_manifests import registered_architectures
    order = {a: i for i, a in enumerate(a for names in registered_architectures().values() for a in names)}
    rows.sort(key=lambda r: (order.get(r[0], len(order)), r[0]))
    rows += [(f"tv:{name}", "torchvision checkpoint") for name, spec in TORCHVISION.items() if spec is not AS_ROW]
    chosen = [(r, f) for r, f in rows if (not families or f in families) and (not only or r in only)]
    if only and len(chosen) != len(only):
        known = {r for r, _ in rows}
        sys.exit(f"not registered: {', '.join(r for r in only if r not in known)}")
    return chosen


def cost_guess(row, cached):
    """Seconds a row is likely to take: its last run's, else a guess from the size words in its name."""
    if cached and cached.seconds:
        return cached.seconds
    import re
    words = {"2560": 600, "1280": 300, "so400m": 250, "intern300m": 200, "so150m2": 100, "so150m": 100, "gigantic": 2000, "giant": 1200, "giantopt": 1200, "huge": 600, "l2": 600, "xxl": 300, "xl": 200,
             "large": 150, "420": 400, "350": 300, "270": 250, "269d": 250, "200": 200, "200d": 200, "201d": 200,
             "senet154": 200, "b8": 200, "b7": 150, "152": 120, "101": 80, "base": 80, "b6": 100, "b5": 80}
    return max([60] + [v for k, v in words.items() if re.search(rf"(^|_|[a-z]){k}($|_|[a-z0-9])", row)])


def spread(rows, cache):
    """Cheap rows first and the families taken in turn: a time-boxed sweep then covers as many rows
    and as many kinds of block as it can, and finds each family's failures early."""
    by_family = {}
    # Within a tier, cheapest first (stable: registry order among equals).
    for row, family in sorted(rows, key=lambda r: (cost_guess(r[0], load_cached(cache, r[0])) > 150,
                                                   cost_guess(r[0], load_cached(cache, r[0])))):
        by_family.setdefault((cost_guess(row, load_cached(cache, row)) > 150, family), []).append((row, family))
    ordered = []
    for tier in (False, True):
        queues = [q for (t, _), q in by_family.items() if t == tier]
        while any(queues):
            ordered += [q.pop(0) for q in queues if q]
    return ordered


def load_cached(cache, row):
    path = os.path.join(cache, "results", f"{file_stem(row)}.json")
    if not os.path.exists(path):
        return None
    try:
        return Result(**json.load(open(path)))
    except (ValueError, TypeError):
        return None


def store(cache, result):
    path = os.path.join(cache, "results", f"{file_stem(result.row)}.json")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path + ".tmp", "w") as f:
        json.dump(asdict(result), f, indent=1)
    os.replace(path + ".tmp", path)


def format_error(value):
    return "-" if value != value else f"{value:.1e}"


# The commits the sweep's frozen zoo-parity binaries were built from (`--binary` keeps one across
# merges of main, so a merge does not invalidate every row), by sha256 prefix as in the build column.
BUILD_COMMITS = {
    "2873863919e2": "af669e6 (the sweep branch with main merged, 2026-12-06 10:19 UTC; built 10:22)",
    "650be0d0088b": "c38cd50 (main, 2026-12-06 13:57 UTC; built 14:25 in the sweep worktree)",
    "1709007d14c8": "8dc15ae (main, 2026-12-06 16:02 UTC; a clean clone built at 16:30)",
}


def write_report(rows, cache, path, command, current_key):
    """docs/parity.md from the cache: one line per row, its latest result (and the build it came from)."""
    import timm
    import torch
    results = []
    for row, family in rows:
        cached = load_cached(cache, row)
        results.append(cached if cached else Result(row, family, error="not run yet"))
    current = [r for r in results if r.key == current_key(r.row)]
    passed = [r for r in results if r.status == "pass"]
    failed = [r for r in results if r.status == "fail"]
    unchecked = [r for r in results if r.status == "unchecked"]
    builds = sorted({r.build for r in results if r.build})
    widened_logits = [r for r in results if r.logit_floor == r.logit_floor and r.logit_floor > LOGIT_TOLERANCE]
    lines = [
        "# Parity sweep",
        "",
        "Every registered architecture against its reference (timm, or torchvision) on random weights with",
        "randomized norm statistics: state-dict keys and shapes, eval logits (relative to the largest",
        f"logit, tolerance {LOGIT_TOLERANCE:g}), and the train-mode gradients of the first convolution and the",
        f"classifier weights (relative to their largest value, tolerance {GRAD_TOLERANCE:g}). The `tv:` rows load",
        "torchvision's own state dict into the zoo model named in the keys column (strictly) and check the same.",
        "",
        f"Generated from the sweep's cache by `{command}` (after `swift build -c release --product zoo-parity`;",
        "`--report` regenerates this file without running anything) with timm "
        f"{timm.__version__}, torch {torch.__version__}. A row shows its latest result; the build column is the",
        "zoo-parity binary it was checked with (sha256 prefix).",
        "",
        *[f"Build {build} was made from commit {BUILD_COMMITS[build]}." for build in builds if build in BUILD_COMMITS],
        "",
        f"**{len(passed)} of {len(results)} pass, {len(failed)} fail, {len(unchecked)} unchecked** "
        f"({len(current)} checked with the current build {current_key.build}; builds seen: {', '.join(builds) or '-'}).",
        "",
        "How the passes were reached: " + ", ".join(
            f"{n} by {way}" for way, n in collections.Counter(r.passed_by for r in passed).most_common()) + ".",
        "",
        "Gradients pass within 1e-3, or within twice PyTorch's own float32 error where float32 rounding",
        "alone strays further from the float64 reference (column \"torch f32\"; train-mode norms over 2×2",
        "maps in deep stages amplify rounding). Rows above 200M parameters compute gradients for the two",
        "checked weights only (both sides), to fit in memory.",
        "",
        "Logits pass within 1e-4 of the largest logit, or by the same rule within twice PyTorch's own",
        "float32 error (column \"torch f32 logits\": PyTorch's float32 eval logits against float64, measured",
        "in every row; one function, `float32_bar`, widens both bars). Where PyTorch's own float32 logits",
        "stray more than 1e-4, zoo's float32 logits stray about as far (the bar allows twice): "
        + (", ".join(f"{r.row} PyTorch {format_error(r.logit_floor)}, zoo {format_error(r.logits)}"
                     for r in widened_logits) or "(no row yet)") + ".",
        "These are the deep torchvision ResNets: torchvision does not zero-initialize a block's last batch",
        "norm, so with random weights and norms every bottleneck branch adds its full share of rounding",
        "to the residual stream. Measured on tv:resnet101 (one thread, sweep weights): PyTorch's float32",
        "error against float64 grows block by block, 9.1e-7 after layer1.0, 1.0e-5 after layer3.0, 6.8e-5",
        "after layer3.22, 1.9e-4 after layer4.1 and 1.4e-4 at the logits, while the stream's largest value",
        "stays within 8..34 (nothing overflows or cancels); zoo's logits there are 1.35e-4 off. timm's",
        "ResNets zero-initialize that norm (zero_init_last), so randomized statistics give their branches",
        "small weights and the same depth costs them little (resnext101_32x8d: PyTorch 2.9e-6).",
        "",
        "Some deep networks' train-mode gradients at these small inputs sit next to a jump: a ReLU input",
        "within float32 rounding of its kink (relative gap under 1e-5 of its channel's largest value) routes",
        "or drops the whole gradient of that element, and in a 2×2 map of a deep stage with batch 2 one",
        "element carries 1/8 of a batch-norm channel. Whichever side float32 rounding puts it on, the",
        "first-conv gradient then moves by 1e-3..3e-2 while logits and classifier stay within 1e-5. This is",
        "what the 15 rows failing on the first conv's gradient alone (1.5e-3..2.9e-2) showed: in",
        "ecaresnext50t_32x4d every gradient from the head down to layer3.4's bn2 matches float64 to 4e-6,",
        "and from there down it is 2e-3 off, because one element of layer3.4's bn2 output lies 1.4e-6 from",
        "zero (its channel's largest is 2.9): float64 keeps it, zoo's float32 drops it; with that one",
        "decision flipped, zoo's first-conv gradient is 3.8e-6 from float64. The same rounding moves",
        "PyTorch's own float32 gradients: resnet101d's is 2.3e-5 from float64 in the default layout and",
        "5.1e-3 channels-last; regnety_080_tv's float64 gradient itself moves 5.6e-3 when the input moves",
        "by a float32 ulp. A row whose gradients miss the bar is therefore measured once more, by",
        "`float32_spread` and `decision_flips` in tools/parity/sweep.py: the float64 gradients are",
        f"recomputed with each of the {KINK_CANDIDATES} ReLU inputs closest to their kink (gap < {KINK_GAP:g}) taken the other way,",
        "then with the helpful ones together, and the row passes when zoo's gradients are within the same",
        "bar (1e-3, or twice the one float32 sample) of one of these. Rows still off get one more train",
        "step on the same weights at batch 8 (`batch_recheck_files`): with batch 2 a train-mode batch norm",
        "after global pooling (MobileNetV4's norm_head) normalizes two values per channel and its gradient",
        "scales with 1/|a − b|, so PyTorch's own float32 classifier gradient is 3e-3 off there; the row",
        "passes when zoo is within 1e-3 (or twice PyTorch's float32 error at batch 8) of float64 at batch 8.",
        "PyTorch's float32 step channels-last and at two inputs one ulp away is measured and listed, but",
        "widens nothing. Keys and logits keep their bars.",
        "",
        "Memory: every row is checked against a float64 reference. The largest architecture registered,",
        "vit_gigantic_patch14_* (1.84B parameters), needs about 18 GiB for the reference (float32 model",
        "plus float64 copy, 10 bytes a parameter) and 15 GiB for zoo with only the two checked weights",
        "trainable (8 bytes a parameter), so no row needs more than 24 GiB; a row that finds less memory",
        "free than it needs when it starts is reported unchecked (\"memory: ...\"), never skipped silently.",
        "",
    ]
    not_run = [r for r in unchecked if r.error == "not run yet"]
    if failed or unchecked:
        lines += ["Not passing:", ""]
        for r in failed + [r for r in unchecked if r.error != "not run yet"]:
            lines.append(f"- {r.row} ({r.family}): {r.status}: {(r.error or 'tolerance')[:200]}")
        if not_run:
            lines.append(f"- {len(not_run)} rows not run yet (by family: " + ", ".join(
                f"{f} {n}" for f, n in sorted(collections.Counter(r.family for r in not_run).items())) + ")")
        lines.append("")
    measured = [r for r in results if r.spread_variants]
    if measured:
        lines += ["Rows whose gradients missed the bar at first: PyTorch's float32 error per variant (first conv,",
                  "classifier, against float64), zoo's, and zoo's against the float64 gradients with the best set",
                  "of near-kink ReLU decisions flipped:", ""]
        for r in measured:
            variants = "; ".join(f"{name} {format_error(first)}, {format_error(classifier)}"
                                 for name, (first, classifier) in r.spread_variants.items())
            flips = r.flips or {}
            flipped = (f"; float64 with {len(flips['flipped'])} of {flips['candidates']} near-kink decisions "
                       f"flipped (gaps {', '.join(format_error(f[0]) for f in flips['flipped']) or '-'}): zoo "
                       f"{format_error(flips['first_conv'])}, {format_error(flips['classifier'])}") if flips else ""
            recheck = r.recheck or {}
            rechecked = (f"; at batch {recheck['batch']}: zoo {format_error(recheck['first_conv'])}, "
                         f"{format_error(recheck['classifier'])}, PyTorch float32 {format_error(recheck['floor'])}"
                         ) if "batch" in recheck else ""
            if "flips" in recheck:
                rechecked += (f"; there with {len(recheck['flips']['flipped'])} near-kink decisions flipped: zoo "
                              f"{format_error(recheck['flips']['first_conv'])}, "
                              f"{format_error(recheck['flips']['classifier'])}")
            lines.append(f"- {r.row}: {variants}; zoo {format_error(r.first_conv)}, {format_error(r.classifier)}"
                         f"{flipped}{rechecked}: {r.status}")
        lines.append("")
    as_rows = [n if n not in TV_PREFIXED else f"{n} (as tv_{n})" for n, spec in TORCHVISION.items() if spec is AS_ROW]
    lines += [f"torchvision models zoo registers under torchvision's name (family `torchvision`), checked by their "
              f"architecture row against torchvision's own model: {', '.join(as_rows)}.", ""]
    lines += [
        "| architecture | family | keys | logits | torch f32 logits | first conv grad | classifier grad | torch f32 | time "
        "| build | result |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        status = r.status if r.status == "pass" else (f"{r.status.upper()}: " + (r.error or "tolerance"))
        status = status.replace("|", "/")[:120]
        keys = r.keys.replace("|", "/")
        if r.row.startswith("tv:") and r.row[3:] in TORCHVISION and TORCHVISION[r.row[3:]].zoo:
            keys = f"{keys} → {TORCHVISION[r.row[3:]].zoo}"
        seconds = f"{r.seconds:.0f} s" if r.seconds else "-"
        torch_f32 = format_error(r.floor) + (f" / {format_error(r.spread)}" if r.spread == r.spread else "")
        lines.append(f"| {r.row} | {r.family} | {keys} | {format_error(r.logits)} | {format_error(r.logit_floor)} | "
                     f"{format_error(r.first_conv)} | "
                     f"{format_error(r.classifier)} | {torch_f32} | {seconds} | {r.build or '-'} | {status} |")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return passed, failed, unchecked


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--family", nargs="+", help="only these families ('torchvision checkpoint': the tv: rows)")
    parser.add_argument("--only", nargs="+", help="only these rows (architectures, or tv:NAME)")
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build", "release", "zoo-parity"))
    parser.add_argument("--out", help="report path (default docs/parity.md for a full sweep)")
    parser.add_argument("--cache", default=os.path.join(ROOT, ".cache", "parity-sweep"))
    parser.add_argument("--timeout", type=float, default=900, help="seconds per row, both halves (default 900)")
    parser.add_argument("--threads", type=int, default=1, help="threads of each child (default 1)")
    parser.add_argument("--report", action="store_true", help="only rewrite the report from the cache")
    parser.add_argument("--force", action="store_true", help="check again rows that passed with this build")
    parser.add_argument("--skip-failed", action="store_true", help="don't retry rows that failed with this build")
    parser.add_argument("--first", nargs="+", default=[],
                        help="check these rows (of those to check) before all others, e.g. the never-checked ones")
    # The reference child.
    parser.add_argument("--reference", help=argparse.SUPPRESS)
    parser.add_argument("--family-of", help=argparse.SUPPRESS)
    parser.add_argument("--spread", help=argparse.SUPPRESS)
    parser.add_argument("--recheck-flips", help=argparse.SUPPRESS)
    parser.add_argument("--work", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.recheck_flips:
        measured = recheck_flips(args.recheck_flips, args.family_of, args.work)
        with open(os.path.join(args.work, f"{file_stem(args.recheck_flips)}.batch.flips.json"), "w") as f:
            json.dump(measured, f)
        return
    if args.spread:
        measured = float32_spread(args.spread, args.family_of, args.work)
        with open(os.path.join(args.work, f"{file_stem(args.spread)}.spread.json"), "w") as f:
            json.dump(measured, f)
        return
    if args.reference:
        meta = prepare(args.reference, args.family_of, args.work)
        with open(os.path.join(args.work, f"{file_stem(args.reference)}.meta.json"), "w") as f:
            json.dump(meta, f)
        return

    if not os.path.exists(args.binary):
        sys.exit(f"{args.binary} is missing: run `swift build -c release --product zoo-parity` first")
    # A private copy: a rebuild during the sweep must not change the binary half-way.
    binary_sha = sha256_file(args.binary)
    binary = os.path.join(args.cache, "bin", f"zoo-parity-{binary_sha[:12]}")
    if not os.path.exists(binary):
        os.makedirs(os.path.dirname(binary), exist_ok=True)
        shutil.copy2(args.binary, binary + ".tmp")
        os.replace(binary + ".tmp", binary)
    # And of the scripts: the reference children run this snapshot, whatever is edited meanwhile.
    scripts = os.path.join(args.cache, "bin", "scripts-" + hashlib.sha256(b"".join(
        open(os.path.join(os.path.dirname(os.path.abspath(__file__)), name), "rb").read()
        for name in ("sweep.py", "timm_fixture.py"))).hexdigest()[:12])
    if not os.path.exists(scripts):
        shutil.copytree(os.path.dirname(os.path.abspath(__file__)), scripts + ".tmp", dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("__pycache__"))
        shutil.copy2(os.path.join(ROOT, "tools", "make_manifests.py"), scripts + ".tmp")
        os.replace(scripts + ".tmp", scripts)

    rows = selected_rows(binary, args.family, args.only)
    families = dict(rows)
    if set(args.first) - set(families):
        sys.exit(f"--first: not among the selected rows: {' '.join(sorted(set(args.first) - set(families)))}")
    keys = {row: hashlib.sha256(f"{row} {binary_sha} {inputs_hash(row, families[row])}".encode()).hexdigest()[:16]
            for row, _ in rows}

    def current_key(row):
        return keys.get(row)
    current_key.build = binary_sha[:12]
    full = not args.family and not args.only
    out = args.out or (os.path.join(ROOT, "docs", "parity.md") if full else None)
    command = "/usr/bin/python3 tools/parity/sweep.py" + "".join(
        f" --{k} {' '.join(v)}" for k, v in (("family", args.family), ("only", args.only)) if v)

    if not args.report:
        # One sweep per cache: two would share (and delete) each other's work folder.
        import fcntl
        os.makedirs(args.cache, exist_ok=True)
        lock = open(os.path.join(args.cache, "lock"), "w")
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            sys.exit(f"another sweep is running on {args.cache}")
        todo, retry = [], []
        for row, family in rows:
            cached = load_cached(args.cache, row)
            if cached and cached.key == current_key(row) and not args.force:
                if cached.status == "pass" or args.skip_failed:
                    continue
                retry.append((row, family))
            else:
                todo.append((row, family))
        print(f"{len(rows)} rows: {len(rows) - len(todo) - len(retry)} cached, {len(todo)} to check, "
              f"{len(retry)} to retry (build {binary_sha[:12]})", flush=True)
        work = os.path.join(args.cache, "work")
        # --first rows lead (their order `spread`'s: cheap before costly), then the rest as usual.
        first = set(args.first)
        todo = spread([r for r in todo + retry if r[0] in first], args.cache) + spread(
            [r for r in todo if r[0] not in first], args.cache)
        retry = spread([r for r in retry if r[0] not in first], args.cache)
        for n, (row, family) in enumerate(todo + retry, 1):
            if not row.startswith("tv:") and not hooks_for(row, family):
                result = Result(row, family, error=f"no sweep hooks for family {family}")
            elif row.startswith("tv:") and not TORCHVISION[row[3:]].zoo:
                result = Result(row, family, error="no zoo model loads this torchvision checkpoint yet")
            else:
                result = check_row(row, family, binary, os.path.join(scripts, "sweep.py"), work, args.timeout,
                                   args.threads)
            result.key, result.build = current_key(row), binary_sha[:12]
            result.checked_at = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M")
            store(args.cache, result)
            shutil.rmtree(work, ignore_errors=True)
            print(f"[{n}/{len(todo) + len(retry)}] {row:36} {result.status:9} keys {result.keys[:40]:12} "
                  f"logits {format_error(result.logits)} grads {format_error(result.first_conv)} "
                  f"{format_error(result.classifier)} {result.error[:120]} ({result.seconds:.0f}s, reference "
                  f"{result.reference_seconds:.0f}s, "
                  f"{result.peak_rss_mb} MB)", flush=True)
            if out and n % 10 == 0:  # an interrupted sweep still leaves a report
                write_report(rows, args.cache, out, command, current_key)

    results = [load_cached(args.cache, row) or Result(row, family, error="not run yet") for row, family in rows]
    if out:
        write_report(rows, args.cache, out, command, current_key)
        print(f"wrote {out}")
    stale = [r.row for r in results if r.key != current_key(r.row)]
    failed = [r.row for r in results if r.status == "fail"]
    unchecked = [r.row for r in results if r.status == "unchecked"]
    print(f"{len(results) - len(failed) - len(unchecked)} of {len(results)} pass, {len(unchecked)} unchecked, "
          f"{len(stale)} not checked with this build" + (f"; failing: {' '.join(failed)}" if failed else ""))
    sys.exit(1 if failed or unchecked or stale else 0)


if __name__ == "__main__":
    main()
