#!/usr/bin/python3
"""Parity sweep: every registered architecture against timm (or torchvision) on random weights.

For each architecture in Sources/ZooRegistry/Families.swift, its family's hooks (FAMILIES below)
build the reference model with random weights and randomized norm statistics
(timm_fixture.randomize_norms), write its state dict and an input, and record

  * the eval-mode logits,
  * one train-mode step (cross entropy on random targets): the gradients of the first convolution
    and the classifier weights (the cfg's first_conv and classifier);

then `zoo-parity` (Sources/ZooParity, the Swift half) loads the same state dict through
`createModel(checkpointPath:)` — the family's checkpoint filter included — and computes the same.
An architecture passes when zoo's state-dict keys and shapes equal the reference's (in order), the
eval logits are within 1e-4 of the largest logit's magnitude, and both gradients within 1e-3
relative (max |difference| / max |reference|).

Writes docs/parity.md (one row per architecture with its worst errors) and exits non-zero when any
architecture fails or is not checked (a family without hooks, an error on either side).

Usage:
  swift build -c release --product zoo-parity
  /usr/bin/python3 tools/parity/sweep.py [--family F ...] [--only ARCH ...] [--binary PATH] [--out docs/parity.md]

`--family`/`--only` check a subset and then write to --out only when it is given explicitly.
Adding a family: a `Family` row in FAMILIES with its input size and, when the reference is not
`timm.create_model(name)`, a `build` hook (and `reference_keys` when zoo's keys are another
model's, e.g. a torchvision checkpoint loaded into timm's twin).
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from typing import Callable, Optional

import torch
import torch.nn.functional as F
from safetensors.torch import load_file

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from timm_fixture import key_table, randomize_norms, relative_error, save_contiguous  # noqa: E402
from make_manifests import registered_architectures  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LOGIT_TOLERANCE = 1e-4
GRAD_TOLERANCE = 1e-3


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
    # Input sizes per architecture where the family default does not fit.
    input_sizes: dict = field(default_factory=dict)
    # The key table zoo's model must have; default: the reference's own state dict.
    reference_keys: Optional[Callable] = None
    # The `img_size` both sides build a fixed-size model for (ViT, Swin), or None.
    img_size: Optional[Callable] = None
    # (first conv prefix, classifier prefix) in zoo's model when its keys are another model's
    # (a torchvision checkpoint loaded into timm's twin); default: the reference's.
    zoo_heads: Optional[Callable] = None
    # The zoo architecture that loads the reference's state dict when it is not the row's own name
    # (torchvision's regnet_x_400mf loads into timm's regnetx_004_tv): zoo-parity gets ROW=ARCH.
    # Also `tv.vgg11`: torchvision's vgg11 checkpoint loaded into timm's vgg11, next to timm's row.
    zoo_arch: Optional[Callable] = None


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
    model = timm_model(name)
    with torch.no_grad():
        for block in model.modules():
            if getattr(block, "has_skip", False):
                norm = getattr(block, "bn3", None) or getattr(block, "bn2", None) or getattr(block, "bn1", None)
                if getattr(norm, "weight", None) is not None:
                    norm.weight.zero_()
    return model


def swinv2_img_size(name):
    """Half the cfg's size: windows clamp to the small maps of the last stages, as timm does."""
    import re
    return int(re.search(r"_(\d+)$", name).group(1)) // 2


# torchvision architectures the sweep checks, by hook family: their names are torchvision's, so
# they are not in Families.swift (registered_architectures); zoo registers them as "torchvision".
TORCHVISION_SWEPT = {
    "torchvision_swin_v2": ["swin_v2_t", "swin_v2_s", "swin_v2_b"],
    "torchvision_maxvit": ["maxvit_t"],
    # No timm twin: registered under torchvision's names with torchvision's keys.
    "torchvision_classic": ["alexnet", "googlenet", "shufflenet_v2_x0_5", "shufflenet_v2_x1_0", "shufflenet_v2_x1_5",
                            "shufflenet_v2_x2_0", "squeezenet1_0", "squeezenet1_1"],
    # Loaded into timm's architecture of the same name (rows `tv.NAME`, zoo architecture NAME).
    "torchvision_timm_twin": [f"tv.{name}" for name in ["vgg11", "vgg11_bn", "vgg13", "vgg13_bn", "vgg16", "vgg16_bn",
                                                         "vgg19", "vgg19_bn", "inception_v3"]],
}


def regnet_model(name):
    """timm's model with RegNet-V's pre-activation branches quieted as a trained net's are: no norm
    follows them and timm's zero_init_last skips them, so with random norms the stream doubles block
    after block and PyTorch's own float32 logits stray 7% from float64 ones. Zeroing each branch's
    norm3 lets `randomize_norms` give it a small weight."""
    model = timm_model(name)
    with torch.no_grad():
        for block in model.modules():
            if type(block).__name__ == "PreBottleneck":
                block.norm3.weight.zero_()
    return model


# torchvision models that load into their timm twin (docs/torchvision.md): zoo registers no name for
# them, so their rows are `tv.<name>` (densenet121 is also timm's row) checked on the twin.
TORCHVISION_TWINS = {
    "regnet_y_400mf": "regnety_004", "regnet_y_800mf": "regnety_008_tv", "regnet_y_1_6gf": "regnety_016",
    "regnet_y_3_2gf": "regnety_032", "regnet_y_8gf": "regnety_080_tv", "regnet_y_16gf": "regnety_160",
    "regnet_y_32gf": "regnety_320", "regnet_y_128gf": "regnety_1280",
    "regnet_x_400mf": "regnetx_004_tv", "regnet_x_800mf": "regnetx_008", "regnet_x_1_6gf": "regnetx_016",
    "regnet_x_3_2gf": "regnetx_032", "regnet_x_8gf": "regnetx_080", "regnet_x_16gf": "regnetx_160",
    "regnet_x_32gf": "regnetx_320",
    "densenet121": "densenet121", "densenet161": "densenet161", "densenet169": "densenet169",
    "densenet201": "densenet201",
}
TORCHVISION_SWEPT["torchvision_regnet"] = [f"tv.{n}" for n in TORCHVISION_TWINS if n.startswith("regnet")]
TORCHVISION_SWEPT["torchvision_densenet"] = [f"tv.{n}" for n in TORCHVISION_TWINS if n.startswith("densenet")]


def torchvision_row_model(row):
    return torchvision_model(row.split(".", 1)[1])


def torchvision_twin(row):
    return TORCHVISION_TWINS[row.split(".", 1)[1]]


def twin_keys(row):
    return key_table(timm_model(torchvision_twin(row)).state_dict())


def twin_family(first_conv, classifier, twin_heads):
    """Hooks of a torchvision family whose models load into their timm twins."""
    return Family(
        input_size=64, build=torchvision_row_model, heads=lambda row, model: (first_conv, classifier),
        reference_keys=twin_keys, zoo_heads=lambda row: twin_heads, zoo_arch=torchvision_twin)


TORCHVISION_SWIN_V2_TWINS = {"swin_v2_t": "swinv2_tiny_window8_256", "swin_v2_s": "swinv2_small_window8_256",
                             "swin_v2_b": "swinv2_base_window8_256"}


def torchvision_model(name):
    import torchvision
    return getattr(torchvision.models, name)()


def swin_v2_twin_keys(name):
    """timm's twin at 256: torchvision pads maps smaller than its window where timm shrinks the
    window, so the two agree only where every stage's map is at least 8 wide (256 input)."""
    import timm
    return key_table(timm.create_model(TORCHVISION_SWIN_V2_TWINS[name], pretrained=False).state_dict())


def classic_torchvision_model(row):
    """torchvision's model (row `NAME` or `tv.NAME`) with random weights as its constructor makes them
    and dropout off (its rates are not timm's defaults: a train step would not be deterministic).
    GoogLeNet as its pretrained weights run it (transform_input); Inception-v3 keeps its auxiliary
    head's weights in the checkpoint, but the head does not run: it needs a 299 input."""
    import torchvision
    name = row.removeprefix("tv.")
    kwargs = {"transform_input": True, "init_weights": True} if name == "googlenet" else {}
    if name == "inception_v3":
        kwargs = {"init_weights": True}
    model = getattr(torchvision.models, name)(**kwargs)
    for module in model.modules():
        if isinstance(module, torch.nn.Dropout):
            module.p = 0.0
    if name == "inception_v3":
        model.AuxLogits.forward = lambda x: None
    return model


def classic_torchvision_heads(row, model):
    name = row.removeprefix("tv.")
    if name.startswith("vgg") or name == "alexnet":
        return "features.0", "classifier.6"
    if name.startswith("squeezenet"):
        return "features.0", "classifier.1"
    if name == "googlenet":
        return "conv1.conv", "fc"
    if name == "inception_v3":
        return "Conv2d_1a_3x3.conv", "fc"
    return "conv1.0", "fc"  # shufflenet_v2


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
    "torchvision_swin_v2": Family(
        build=torchvision_model, heads=lambda name, model: ("features.0.0", "head"), img_size=lambda name: 256,
        reference_keys=swin_v2_twin_keys, zoo_heads=lambda name: ("patch_embed.proj", "head.fc")),
    "torchvision_classic": Family(input_size=64, build=classic_torchvision_model, heads=classic_torchvision_heads),
    # VGG's torchvision classifier is timm's `head.fc` after the checkpoint filter; zoo's keys are
    # timm's model's (Inception-v3's without the auxiliary head, as `createModel` builds it).
    "torchvision_timm_twin": Family(
        input_size=64, input_sizes={"tv.inception_v3": 96}, build=classic_torchvision_model,
        heads=classic_torchvision_heads,
        reference_keys=lambda row: key_table(timm_model(row.removeprefix("tv.")).state_dict()),
        zoo_heads=lambda row: ("features.0", "head.fc") if row.startswith("tv.vgg") else ("Conv2d_1a_3x3.conv", "fc"),
        zoo_arch=lambda row: row.removeprefix("tv.")),
    # torchvision's MaxViT needs every block's map a whole number of 7×7 partitions: 224.
    "torchvision_maxvit": Family(
        build=torchvision_model, heads=lambda name, model: ("stem.0.0", "classifier.5"), img_size=lambda name: 224),
    "torchvision_regnet": twin_family("stem.0", "fc", ("stem.conv", "head.fc")),
    "torchvision_densenet": twin_family("features.conv0", "classifier", ("features.conv0", "classifier")),
}


@dataclass
class Result:
    arch: str
    family: str
    keys: str = "-"
    logits: float = float("nan")
    first_conv: float = float("nan")
    classifier: float = float("nan")
    # PyTorch's own float32 gradient error against float64 (the larger of the two gradients).
    floor: float = float("nan")
    error: str = ""
    seconds: float = 0.0

    @property
    def grad_tolerance(self):
        """1e-3, or twice PyTorch's own float32 error where rounding alone exceeds it (ill-conditioned
        train-mode norms over tiny maps): no float32 implementation can do better than rounding."""
        return max(GRAD_TOLERANCE, 2 * self.floor) if self.floor == self.floor else GRAD_TOLERANCE

    @property
    def passed(self):
        return (not self.error and self.keys == "equal" and self.logits <= LOGIT_TOLERANCE
                and self.first_conv <= self.grad_tolerance and self.classifier <= self.grad_tolerance)


def prepare(arch, family, hooks, work):
    """Reference side: weights, input, target, logits, gradients. Returns the expected tensors."""
    torch.manual_seed(0)
    generator = torch.Generator().manual_seed(1)
    model = hooks.build(arch)
    size = hooks.img_size(arch) if hooks.img_size else hooks.input_sizes.get(arch, hooks.input_size)
    in_chans = 3
    randomize_norms(model, generator, (2, in_chans, size, size))
    first, classifier = hooks.heads(arch, model)
    state = model.state_dict()
    num_classes = state[f"{classifier}.weight"].shape[0]
    x = torch.randn(2, in_chans, size, size, generator=generator)
    target = torch.randint(0, num_classes, (2,), generator=generator)
    # PyTorch's own float32 step: how far float32 rounding alone strays from the exact gradients.
    model.train()
    model.zero_grad()
    out32 = model(x)
    F.cross_entropy(out32[0] if isinstance(out32, tuple) else out32, target).backward()
    # Only the two gradients compared, and the rest freed: the largest RegNets hold 0.6-1.3 G parameters.
    wanted = {f"{first}.weight", f"{classifier}.weight"}
    grads32 = {k: p.grad.clone() for k, p in model.named_parameters() if k in wanted and p.grad is not None}
    model.zero_grad(set_to_none=True)
    del out32
    model.eval()
    # Expectations in float64 from the float32 weights: PyTorch's own float32 gradients of deep
    # stages can stray 1e-1 from exact ones, which would test agreement in rounding, not correctness.
    state = {k: v.clone() for k, v in state.items()}
    model = model.double()
    with torch.no_grad():
        logits = model(x.double()).float()
    model.train()
    model.zero_grad()
    out = model(x.double())
    out = out[0] if isinstance(out, tuple) else out  # aux heads in training
    loss = F.cross_entropy(out, target)
    loss.backward()
    params = dict(model.named_parameters())
    zoo_first, zoo_classifier = hooks.zoo_heads(arch) if hooks.zoo_heads else (first, classifier)
    expected = {
        "logits": logits, "loss": loss.detach().float(),
        f"grad.{zoo_first}.weight": params[f"{first}.weight"].grad.float(),
        f"grad.{zoo_classifier}.weight": params[f"{classifier}.weight"].grad.float(),
    }
    for prefix, zoo_prefix in ((first, zoo_first), (classifier, zoo_classifier)):
        key = f"{prefix}.weight"
        expected[f"floor.{zoo_prefix}.weight"] = relative_error(grads32[key].double(), params[key].grad)
    keys = hooks.reference_keys(arch) if hooks.reference_keys else key_table(state)
    save_contiguous(state, os.path.join(work, f"{arch}.weights.safetensors"))
    first, classifier = zoo_first, zoo_classifier
    metadata = {"first_conv": first, "classifier": classifier, "num_classes": str(num_classes)}
    if hooks.img_size:
        metadata["img_size"] = str(hooks.img_size(arch))
    save_contiguous({"input": x, "target": target}, os.path.join(work, f"{arch}.io.safetensors"), metadata=metadata)
    return expected, [[k, s] for k, s, _ in keys], (first, classifier)


def compare(result, expected, reference_keys, heads, work):
    out_path = os.path.join(work, f"{result.arch}.zoo.safetensors")
    if not os.path.exists(out_path):
        result.error = result.error or "zoo-parity wrote no output"
        return
    from safetensors import safe_open
    with safe_open(out_path, "pt") as f:
        metadata = f.metadata() or {}
    ours = load_file(out_path)
    zoo_keys = json.loads(metadata.get("keys", "[]"))
    if zoo_keys == reference_keys:
        result.keys = "equal"
    else:
        mismatch = next((i for i, (a, b) in enumerate(zip(zoo_keys, reference_keys)) if a != b), min(len(zoo_keys), len(reference_keys)))
        ours_at = zoo_keys[mismatch] if mismatch < len(zoo_keys) else None
        theirs_at = reference_keys[mismatch] if mismatch < len(reference_keys) else None
        result.keys = f"differ at {mismatch}: {ours_at} vs {theirs_at}"
    result.logits = relative_error(ours["logits"], expected["logits"])
    first, classifier = heads
    result.first_conv = relative_error(ours[f"grad.{first}.weight"], expected[f"grad.{first}.weight"])
    result.classifier = relative_error(ours[f"grad.{classifier}.weight"], expected[f"grad.{classifier}.weight"])
    result.floor = max(expected[f"floor.{first}.weight"], expected[f"floor.{classifier}.weight"])


def run_chunk(chunk, binary, work, results):
    """chunk: [(arch, family)]; fills results[arch]."""
    prepared = {}
    for arch, family in chunk:
        start = time.time()
        result = results[arch]
        try:
            prepared[arch] = prepare(arch, family, FAMILIES[family], work)
        except Exception as error:  # the reference itself failed: record, keep sweeping
            result.error = f"reference: {type(error).__name__}: {error}"
        result.seconds = time.time() - start
    names = list(prepared)
    if names:
        start = time.time()
        # A row checked on another zoo architecture is passed as ROW=ARCH.
        hooks = dict(chunk)
        arguments = [f"{a}={FAMILIES[hooks[a]].zoo_arch(a)}" if FAMILIES[hooks[a]].zoo_arch else a for a in names]
        process = subprocess.run([binary, work] + arguments, capture_output=True, text=True)
        for line in process.stdout.splitlines():
            arch, _, status = line.partition(": ")
            if arch in results and status != "ok":
                results[arch].error = status
        if process.returncode not in (0, 1):
            for arch in names:
                results[arch].error = results[arch].error or f"zoo-parity exited {process.returncode}: {process.stderr[-300:]}"
        per_arch = (time.time() - start) / len(names)
        for arch in names:
            expected, keys, heads = prepared[arch]
            compare(results[arch], expected, keys, heads, work)
            results[arch].seconds += per_arch
    for name in os.listdir(work):
        os.remove(os.path.join(work, name))


def format_error(value):
    return "-" if value != value else f"{value:.1e}"


def write_report(results, path, command):
    failed = [r for r in results if not r.passed]
    lines = [
        "# Parity sweep",
        "",
        "Every registered architecture against its reference (timm, or torchvision) on random weights with",
        "randomized norm statistics: state-dict keys and shapes, eval logits (relative to the largest",
        f"logit, tolerance {LOGIT_TOLERANCE:g}), and the train-mode gradients of the first convolution and the",
        f"classifier weights (relative to their largest value, tolerance {GRAD_TOLERANCE:g}).",
        "",
        f"Made by `{command}` (after `swift build -c release --product zoo-parity`) with timm "
        f"{__import__('timm').__version__}, torch {torch.__version__}.",
        "",
        f"**{len(results) - len(failed)} of {len(results)} pass.**",
        "",
        "Gradients pass within 1e-3, or within twice PyTorch's own float32 error where float32 rounding",
        "alone strays further from the float64 reference (column \"torch f32\"; train-mode norms over 2×2",
        "maps in deep stages amplify rounding).",
        "",
        "| architecture | family | keys | logits | first conv grad | classifier grad | torch f32 | result |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        status = "pass" if r.passed else ("FAIL: " + (r.error or "tolerance")).replace("|", "/")[:160]
        lines.append(f"| {r.arch} | {r.family} | {r.keys.replace('|', '/')} | {format_error(r.logits)} | "
                     f"{format_error(r.first_conv)} | {format_error(r.classifier)} | {format_error(r.floor)} | {status} |")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--family", nargs="+", help="only these families")
    parser.add_argument("--only", nargs="+", help="only these architectures")
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build", "release", "zoo-parity"))
    parser.add_argument("--out", help="report path (default docs/parity.md for a full sweep)")
    parser.add_argument("--chunk", type=int, default=6, help="architectures per zoo-parity run")
    args = parser.parse_args()
    if not os.path.exists(args.binary):
        sys.exit(f"{args.binary} is missing: run `swift build -c release --product zoo-parity` first")
    torch.set_num_threads(2)

    registered = [(arch, family) for family, names in registered_architectures().items() for arch in names]
    registered += [(arch, family) for family, names in TORCHVISION_SWEPT.items() for arch in names]
    selected = [(a, f) for a, f in registered
                if (not args.family or f in args.family) and (not args.only or a in args.only)]
    if args.only and len(selected) != len(args.only):
        known = {a for a, _ in registered}
        sys.exit(f"not registered: {', '.join(a for a in args.only if a not in known)}")
    full = not args.family and not args.only
    out = args.out or (os.path.join(ROOT, "docs", "parity.md") if full else None)

    results = {arch: Result(arch, family) for arch, family in selected}
    unchecked = [(a, f) for a, f in selected if f not in FAMILIES]
    for arch, family in unchecked:
        results[arch].error = f"no sweep hooks for family {family}"
    checkable = [(a, f) for a, f in selected if f in FAMILIES]
    command = "/usr/bin/python3 tools/parity/sweep.py" + "".join(
        f" --{k} {' '.join(v)}" for k, v in (("family", args.family), ("only", args.only)) if v)
    for arch, _ in checkable:
        results[arch].error = "not run"
    work = tempfile.mkdtemp(prefix="zoo-parity-")
    try:
        for start in range(0, len(checkable), args.chunk):
            chunk = checkable[start:start + args.chunk]
            for arch, _ in chunk:
                results[arch].error = ""
            run_chunk(chunk, args.binary, work, results)
            if out:  # rewritten after every chunk, so an interrupted sweep still reports what it checked
                write_report([results[a] for a, _ in selected], out, command)
            for arch, _ in chunk:
                r = results[arch]
                print(f"{arch:28} {'pass' if r.passed else 'FAIL'}  keys {r.keys[:40]:12} logits {format_error(r.logits)} "
                      f"grads {format_error(r.first_conv)} {format_error(r.classifier)} {r.error[:100]} ({r.seconds:.0f}s)",
                      flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    ordered = [results[a] for a, _ in selected]
    if out:
        write_report(ordered, out, command)
        print(f"wrote {out}")
    failed = [r.arch for r in ordered if not r.passed]
    print(f"{len(ordered) - len(failed)} of {len(ordered)} pass" + (f"; failing: {' '.join(failed)}" if failed else ""))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
