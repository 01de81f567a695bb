#!/usr/bin/python3
"""Parity fixtures for the transformer engine pieces and the ViT, DeiT, ConvNeXt and Swin families,
produced by real PyTorch/timm.

  transformer_ops.safetensors   attention, interpolation, roll and the channel norms: for each case
                                `<case>.<input>`, `<case>.upstream`, `<case>.output`, `<case>.grad.<input>`
  <rep>.safetensors             a small representative's state dict (random weights, see `perturb`)
  <rep>.io.safetensors          `input`, eval `logits`; train step: `target`, `loss`, `grad.<parameter>`
  <rep>.json                    timm's keys/shapes/dtypes, the timm name and the model kwargs
  adapt_*.safetensors           load-time adaptation: a checkpoint saved at one size, the logits timm
                                gets after `create_model(..., pretrained=True)` at another

Torch 1.13 has no F.scaled_dot_product_attention: the attention reference is its definition,
softmax(q·kᵀ/√d + bias)·v, which is what timm runs on this torch (its non-fused path).

Usage: /usr/bin/python3 tools/parity/make_transformer_fixtures.py [OUT_DIR] [--force] [--only NAME ...]
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

FIXTURE_VERSION = 6

# CI representatives: (fixture name, timm name, kwargs shrinking it, input size). Each exercises a
# different option of its family; kwargs are timm's own keywords, the Swift test passes the same.
SMALL_VIT = dict(depth=2, img_size=32)
# Windows of 4 on a 16×16 patch grid: shifted windows and masks in the first two stages, a window
# clamped to the map in the last ones. Drop path off (timm's Swin default is 0.1).
SMALL_SWIN = dict(img_size=64, window_size=4, embed_dim=24, depths=[2, 2, 2, 1], num_heads=[2, 2, 4, 4], drop_path_rate=0.0)
SMALL_CNX = dict(depths=[1, 1, 2, 1], dims=[16, 32, 48, 64])
REPRESENTATIVES = [
    ("vit_tiny", "vit_tiny_patch16_224", SMALL_VIT, 32),
    ("vit_clip_quickgelu", "vit_base_patch16_clip_quickgelu_224", dict(SMALL_VIT, embed_dim=64, num_heads=4), 32),
    ("vit_siglip_map", "vit_base_patch16_siglip_224", dict(SMALL_VIT, embed_dim=64, num_heads=4), 32),
    ("vit_dinov2_reg", "vit_small_patch14_reg4_dinov2", dict(depth=2, img_size=28), 28),
    ("vit_gap", "vit_medium_patch16_gap_256", dict(SMALL_VIT, embed_dim=64, num_heads=4), 32),
    ("vit_rpn", "vit_base_patch16_rpn_224", dict(SMALL_VIT, embed_dim=64, num_heads=4), 32),
    ("vit_18x2", "vit_small_patch16_18x2_224", SMALL_VIT, 32),
    ("vit_giant_glu", "vit_giant_patch14_dinov2", dict(depth=2, img_size=28, embed_dim=96, num_heads=4), 28),
    ("vit_dynamic", "vit_tiny_patch16_224", dict(SMALL_VIT, dynamic_img_size=True), 48),
    # ParallelScalingBlock without a qkv bias (mlp_bias), qk-norm, RMS norm; with a qkv bias and layer scale.
    ("vit_xp", "vit_base_patch16_xp_224", dict(SMALL_VIT, embed_dim=64, num_heads=4), 32),
    ("vit_pwee", "vit_pwee_patch16_reg1_gap_256", dict(SMALL_VIT, embed_dim=64, num_heads=4), 32),
    # Differential attention in timm's Block, and in DiffParallelScalingBlock.
    ("vit_dwee", "vit_dwee_patch16_reg1_gap_256", dict(SMALL_VIT, embed_dim=64, num_heads=4), 32),
    ("vit_dpwee", "vit_dpwee_patch16_reg1_gap_256", dict(SMALL_VIT, embed_dim=64, num_heads=4), 32),
    ("deit_distilled", "deit_tiny_distilled_patch16_224", SMALL_VIT, 32),
    ("deit3", "deit3_small_patch16_224", SMALL_VIT, 32),
    ("convnext_atto", "convnext_atto", dict(depths=[1, 1, 2, 1]), 64),
    ("convnext_tiny", "convnext_tiny", SMALL_CNX, 64),
    ("convnext_tiny_hnf", "convnext_tiny_hnf", SMALL_CNX, 64),
    ("convnext_large_mlp", "convnext_large_mlp", dict(SMALL_CNX, head_hidden_size=24), 64),
    ("convnext_atto_rms", "convnext_atto_rms", dict(depths=[1, 1, 1, 1]), 64),
    ("convnext_zepto_rms_ols", "convnext_zepto_rms_ols", dict(depths=[1, 1, 1, 1]), 64),
    ("convnext_nano_ols", "convnext_nano_ols", dict(depths=[1, 1, 1, 1]), 64),
    ("convnextv2_tiny", "convnextv2_tiny", SMALL_CNX, 64),
    ("convnextv2_atto", "convnextv2_atto", dict(depths=[1, 1, 1, 1]), 64),
    # timm's smoke-test ConvNeXt: SiLU MLPs (act_layer) and a kernel size per stage.
    ("test_convnext3", "test_convnext3", {}, 64),
    ("swin_tiny", "swin_tiny_patch4_window7_224", SMALL_SWIN, 64),
    ("swin_s3", "swin_s3_tiny_224", dict(SMALL_SWIN, window_size=[2, 8, 4, 2]), 64),
    # img_size=72 keeps the windows of 4 on maps of 18, 9, 5, 3: padded windows and odd patch merging
    # (what timm's create_model(..., img_size=384) does to a window-7 Swin).
    ("swin_img72", "swin_tiny_patch4_window7_224", dict(SMALL_SWIN, img_size=72), 72),
    # dynamic_img_size: built at 64, run at 80 (maps 20, 10, 5, 3), shift masks made per input.
    ("swin_dynamic", "swin_tiny_patch4_window7_224", dict(SMALL_SWIN, dynamic_img_size=True), 80),
    # always_partition: windows of 4 kept on the 2×2 last map (padded, shifted).
    ("swin_always_partition", "swin_tiny_patch4_window7_224", dict(SMALL_SWIN, always_partition=True), 64),
]
NAMES = [r[0] for r in REPRESENTATIVES]


def perturb(model, generator):
    """Random weights around timm's init: zero-initialized biases, layer scales of 1e-5 and unit
    norms would hide mistakes, so every parameter moves by noise of its own size (at least 0.02)."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            scale = max(float(p.std()) if p.numel() > 1 else 0.0, 0.02)
            p.add_(torch.randn(p.shape, generator=generator) * scale)


def key_table(state_dict):
    dtypes = {torch.float32: "F32", torch.int64: "I64"}
    return [[k, list(v.shape), dtypes[v.dtype]] for k, v in state_dict.items()]


def contiguous(tensors):
    return {k: v.detach().contiguous() for k, v in tensors.items()}


def make_representative(fixture, name, kwargs, size, out_dir):
    torch.manual_seed(0)
    generator = torch.Generator().manual_seed(1)
    model = timm.create_model(name, pretrained=False, **kwargs)
    perturb(model, generator)
    model.eval()
    x = torch.randn(2, 3, size, size, generator=generator)
    with torch.no_grad():
        logits = model(x)
    tensors = {"input": x, "logits": logits}
    # One train-mode step (dropout and drop path are off in these kwargs, so it is deterministic).
    model.train()
    target = torch.randint(0, logits.shape[1], (2,), generator=generator)
    out = model(x)
    if isinstance(out, tuple):
        out = (out[0] + out[1]) / 2
    loss = F.cross_entropy(out, target)
    loss.backward()
    tensors.update({"target": target, "loss": loss.detach().reshape([])})
    tensors.update({f"grad.{k}": p.grad for k, p in model.named_parameters() if p.grad is not None})
    if hasattr(model, "forward_intermediates") and name.startswith("vit_"):
        model.eval()
        with torch.no_grad():
            inter = model.forward_intermediates(x, indices=[0, 1], intermediates_only=True)
        tensors.update({f"intermediate.{i}": t for i, t in enumerate(inter)})
        with torch.no_grad():
            feats = model.forward_features(x)
            tensors["features"] = feats
            tensors["pre_logits"] = model.forward_head(feats, pre_logits=True)
    convnext = "convnext" in name  # test_convnext* too
    if convnext or name.startswith("swin"):
        # features_only: timm's FeatureListNet returns each stage's output; the same walk here.
        model.eval()
        with torch.no_grad():
            y = model.stem(x) if convnext else model.patch_embed(x)
            for i, stage in enumerate(model.stages if convnext else model.layers):
                y = stage(y)
                tensors[f"stage.{i}"] = y
    save_file(contiguous(model.state_dict()), os.path.join(out_dir, f"{fixture}.safetensors"))
    save_file(contiguous(tensors), os.path.join(out_dir, f"{fixture}.io.safetensors"))
    meta = {
        "fixture_version": FIXTURE_VERSION, "name": fixture, "timm_name": name,
        "kwargs": dict(kwargs, num_classes=model.num_classes),
        "timm_version": timm.__version__, "torch_version": torch.__version__,
        "max_abs_logit": float(logits.abs().max()), "keys": key_table(model.state_dict()),
    }
    with open(os.path.join(out_dir, f"{fixture}.json"), "w") as f:
        json.dump(meta, f, indent=0)


# torchvision models built small with torchvision's own classes, and the timm twin's kwargs that
# give the same architecture: (fixture, timm name, timm kwargs, builder, input size).
def _tv_convnext():
    from torchvision.models.convnext import ConvNeXt, CNBlockConfig
    return ConvNeXt([CNBlockConfig(16, 32, 1), CNBlockConfig(32, 48, 1), CNBlockConfig(48, 64, 2), CNBlockConfig(64, None, 1)])


def _tv_vit():
    from torchvision.models.vision_transformer import VisionTransformer
    return VisionTransformer(image_size=32, patch_size=16, num_layers=2, num_heads=4, hidden_dim=64, mlp_dim=128)


def _tv_swin():
    from torchvision.models.swin_transformer import SwinTransformer
    # Three stages: torchvision pads a map smaller than the window where timm shrinks the window,
    # which agree only while every map is at least a window wide (as at 224 with windows of 7).
    return SwinTransformer(patch_size=[4, 4], embed_dim=24, depths=[2, 2, 2], num_heads=[2, 2, 4], window_size=[4, 4])


TORCHVISION = [
    ("tv_convnext", "convnext_tiny", SMALL_CNX, _tv_convnext, 64),
    ("tv_vit", "vit_base_patch16_224", dict(SMALL_VIT, embed_dim=64, num_heads=4, mlp_ratio=2.0), _tv_vit, 32),
    ("tv_swin", "swin_tiny_patch4_window7_224", dict(SMALL_SWIN, depths=[2, 2, 2], num_heads=[2, 2, 4]), _tv_swin, 64),
]


def make_torchvision(out_dir):
    """torchvision state dicts (random, perturbed weights) and torchvision's eval logits."""
    for fixture, name, kwargs, build, size in TORCHVISION:
        torch.manual_seed(0)
        generator = torch.Generator().manual_seed(4)
        model = build()
        perturb(model, generator)
        model.eval()
        x = torch.randn(2, 3, size, size, generator=generator)
        with torch.no_grad():
            logits = model(x)
        save_file(contiguous(model.state_dict()), os.path.join(out_dir, f"{fixture}.safetensors"))
        save_file(contiguous({"input": x, "logits": logits}), os.path.join(out_dir, f"{fixture}.io.safetensors"))
        with open(os.path.join(out_dir, f"{fixture}.json"), "w") as f:
            json.dump({"fixture_version": FIXTURE_VERSION, "name": fixture, "timm_name": name,
                       "kwargs": dict(kwargs, num_classes=1000), "keys": key_table(model.state_dict())}, f, indent=0)


def load_at_another_size(cases, out_dir):
    """(case, timm name, kwargs at save, kwargs at load, input size at load): the checkpoint saved
    as `adapt_<case>.checkpoint.safetensors`, and the `<case>.input`/`<case>.logits` timm gets after
    `create_model(..., pretrained=True)` with the load kwargs."""
    tensors = {}
    for case, name, save_kwargs, load_kwargs, size in cases:
        torch.manual_seed(0)
        generator = torch.Generator().manual_seed(2)
        model = timm.create_model(name, pretrained=False, **save_kwargs)
        perturb(model, generator)
        path = os.path.join(out_dir, f"adapt_{case}.checkpoint.safetensors")
        save_file(contiguous(model.state_dict()), path)
        loaded = timm.create_model(name, pretrained=True, pretrained_cfg_overlay=dict(file=path), **load_kwargs).eval()
        x = torch.randn(2, 3, size, size, generator=generator)
        with torch.no_grad():
            tensors[f"{case}.input"] = x
            tensors[f"{case}.logits"] = loaded(x)
    return tensors


# A Swin saved at 64 (windows of 4) built by timm for img_size=72 with windows of 6: resized bias tables,
# padded windows (maps 18, 9, 5, 3) and odd patch merging. In a file of its own, so adding it did not
# make every other transformer fixture stale.
SWIN_IMG_SIZE_CASES = [
    ("swin_img72_window6", "swin_tiny_patch4_window7_224", SMALL_SWIN, dict(SMALL_SWIN, img_size=72, window_size=6), 72),
]


# The "Done when" sizes themselves: a ViT saved at 224 loaded at 384 (a 14×14 → 24×24 position grid),
# and a Swin saved at 224 with windows of 7 loaded at 384 with windows of 12 (the `*_window12_384`
# fine-tunes' change: every bias table resized), narrow and shallow so they stay quick. A file of its own.
FULL_SIZE_SWIN = dict(embed_dim=24, depths=[2, 2, 2, 1], num_heads=[2, 2, 4, 4], drop_path_rate=0.0)
FULL_SIZE_CASES = [
    ("vit_img224to384", "vit_tiny_patch16_224", dict(depth=2), dict(depth=2, img_size=384), 384),
    ("swin_img224to384_window12", "swin_tiny_patch4_window7_224", FULL_SIZE_SWIN,
     dict(FULL_SIZE_SWIN, img_size=384, window_size=12), 384),
]


def make_adaptation(out_dir):
    """A checkpoint saved at one size, loaded by timm at another with pretrained=True."""
    tensors = {}
    cases = [
        # (case, timm name, kwargs at save, kwargs at load, input size at load)
        ("vit_img48", "vit_tiny_patch16_224", SMALL_VIT, dict(depth=2, img_size=48), 48),
        ("vit_patch8", "vit_tiny_patch16_224", SMALL_VIT, dict(depth=2, img_size=32, patch_size=8), 32),
        ("dinov2_img42", "vit_small_patch14_reg4_dinov2", dict(depth=2, img_size=28), dict(depth=2, img_size=42), 42),
        ("swin_window8", "swin_tiny_patch4_window7_224", SMALL_SWIN, dict(SMALL_SWIN, window_size=8), 64),
    ]
    tensors.update(load_at_another_size(cases, out_dir))
    # `zoo convert --arch vit_tiny_patch16_224 --img-size 64`: a full-size checkpoint at 224 and
    # the pos_embed timm's loader makes of it at 64 (a 4x4 grid).
    torch.manual_seed(0)
    full = timm.create_model("vit_tiny_patch16_224", pretrained=False)
    path = os.path.join(out_dir, "adapt_cli_vit_tiny.checkpoint.safetensors")
    save_file(contiguous(full.state_dict()), path)
    loaded = timm.create_model("vit_tiny_patch16_224", pretrained=True, pretrained_cfg_overlay=dict(file=path), img_size=64)
    tensors["cli_vit_tiny.pos_embed"] = loaded.pos_embed
    save_file(contiguous(tensors), os.path.join(out_dir, "adapt_transformers.safetensors"))


def op_cases():
    """Engine pieces: inputs, upstream gradient, output and input gradients, by case."""
    g = torch.Generator().manual_seed(3)

    def randn(*shape):
        return torch.randn(*shape, generator=g)

    def attention(q, k, v, bias=None):
        scores = q @ k.transpose(-2, -1) / q.shape[-1] ** 0.5
        if bias is not None:
            scores = scores + bias
        return scores.softmax(-1) @ v

    cases = {
        "sdpa_plain": (lambda q, k, v: attention(q, k, v), dict(q=randn(2, 3, 5, 4), k=randn(2, 3, 7, 4), v=randn(2, 3, 7, 6))),
        "sdpa_bias": (lambda q, k, v, bias: attention(q, k, v, bias),
                      dict(q=randn(2, 3, 6, 4), k=randn(2, 3, 6, 4), v=randn(2, 3, 6, 4), bias=randn(1, 3, 6, 6))),
        # Swin's layout: [batch, windows, heads, T, D] with a per-window mask broadcast over heads.
        "sdpa_window_mask": (lambda q, k, v, bias: attention(q, k, v, bias),
                             dict(q=randn(2, 4, 2, 9, 4), k=randn(2, 4, 2, 9, 4), v=randn(2, 4, 2, 9, 4), bias=randn(4, 1, 9, 9))),
        "roll": (lambda x: torch.roll(x, shifts=(-1, 2), dims=(1, 2)), dict(x=randn(2, 5, 6, 3))),
    }
    for mode in ["bilinear", "bicubic"]:
        for align in [False, True]:
            for (h, w), size in [((5, 7), (9, 4)), ((8, 8), (3, 5))]:
                for aa in [False, True]:
                    if aa and align:
                        continue  # timm never combines them; PyTorch allows it, covered below once
                    name = f"interp_{mode}_{'ac' if align else 'hp'}_{'aa' if aa else 'plain'}_{h}x{w}to{size[0]}x{size[1]}"
                    cases[name] = ((lambda mode, align, size, aa: lambda x: F.interpolate(
                        x, size=size, mode=mode, align_corners=align, antialias=aa))(mode, align, size, aa),
                        dict(x=randn(2, 3, h, w)))
    out = {}
    for name, (fn, inputs) in cases.items():
        leaves = {k: v.clone().requires_grad_(True) for k, v in inputs.items()}
        y = fn(**leaves)
        upstream = randn(*y.shape)
        y.backward(upstream)
        for k, v in inputs.items():
            out[f"{name}.{k}"] = v
            out[f"{name}.grad.{k}"] = leaves[k].grad
        out[f"{name}.upstream"] = upstream
        out[f"{name}.output"] = y
    # Channel norms as timm's layers compute them, with random affine parameters.
    from timm.layers import LayerNorm2d, RmsNorm
    from timm.layers.grn import GlobalResponseNorm
    for name, layer, shape in [("layernorm2d", LayerNorm2d(6), (2, 6, 4, 5)), ("rmsnorm", RmsNorm(6), (2, 5, 6)),
                               ("grn", GlobalResponseNorm(6, channels_last=True), (2, 4, 5, 6))]:
        with torch.no_grad():
            for p in layer.parameters():
                p.copy_(randn(*p.shape))
        x = randn(*shape).requires_grad_(True)
        y = layer(x)
        upstream = randn(*y.shape)
        y.backward(upstream)
        out[f"{name}.x"] = x.detach()
        out[f"{name}.upstream"] = upstream
        out[f"{name}.output"] = y
        out[f"{name}.grad.x"] = x.grad
        for k, p in layer.named_parameters():
            out[f"{name}.param.{k}"] = p.detach()
            out[f"{name}.grad.param.{k}"] = p.grad
    return out


def main():
    args = parse_arguments(__doc__, NAMES)
    torch.set_num_threads(2)
    marker = os.path.join(args.out_dir, "transformer_ops.json")
    if args.force or not is_current(marker, FIXTURE_VERSION):
        save_file(contiguous(op_cases()), os.path.join(args.out_dir, "transformer_ops.safetensors"))
        make_adaptation(args.out_dir)
        make_torchvision(args.out_dir)
        with open(marker, "w") as f:
            json.dump({"fixture_version": FIXTURE_VERSION}, f)
    # Adaptation cases added later, each in a file of its own with its own marker.
    for stem, cases in (("adapt_swin_img_size", SWIN_IMG_SIZE_CASES), ("adapt_full_size", FULL_SIZE_CASES)):
        case_marker = os.path.join(args.out_dir, f"{stem}.json")
        if args.force or not is_current(case_marker, FIXTURE_VERSION):
            save_file(contiguous(load_at_another_size(cases, args.out_dir)),
                      os.path.join(args.out_dir, f"{stem}.safetensors"))
            with open(case_marker, "w") as f:
                json.dump({"fixture_version": FIXTURE_VERSION}, f)
    for fixture, name, kwargs, size in REPRESENTATIVES:
        if args.only and fixture not in args.only:
            continue
        if not args.force and is_current(os.path.join(args.out_dir, f"{fixture}.json"), FIXTURE_VERSION):
            print(f"{fixture}: current", file=sys.stderr)
            continue
        start = time.time()
        make_representative(fixture, name, kwargs, size, args.out_dir)
        print(f"{fixture}: written in {time.time() - start:.1f}s", file=sys.stderr)
    print(args.out_dir)


if __name__ == "__main__":
    main()
