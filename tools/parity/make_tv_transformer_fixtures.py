#!/usr/bin/python3
"""Parity fixtures for SwinV2 (timm's swin_transformer_v2 and torchvision's swin_v2_*) and
torchvision's MaxViT, produced by real PyTorch/timm/torchvision.

  tvt_ops.safetensors           cosine attention with a logit scale, L2 normalization, SwinV2's
                                continuous position bias: `<case>.<input>`, `<case>.upstream`,
                                `<case>.output`, `<case>.grad.<input>`
  <rep>.safetensors / .io / .json   small representatives with a train-mode step, as
                                make_transformer_fixtures.py writes them (timm's swinv2 at small
                                kwargs; torchvision's MaxVit class at a small config)
  tv_swin_v2_t.*, tv_maxvit_t.* the real torchvision architectures (random weights): state dict, one
                                photo through torchvision's eval transform (`input`), torchvision's eval
                                logits (float32, and float64 for reference)

Usage: /usr/bin/python3 tools/parity/make_tv_transformer_fixtures.py [OUT_DIR] [--force] [--only NAME ...]
"""
import json
import os
import sys
import time

import torch
import torch.nn.functional as F
import timm
import torchvision
from safetensors.torch import save_file

from parity_common import is_current, parse_arguments

FIXTURE_VERSION = 4

SMALL_V2 = dict(img_size=64, window_size=4, embed_dim=24, depths=[2, 2, 2, 1], num_heads=[2, 2, 4, 4], drop_path_rate=0.0)


def _small_maxvit():
    from torchvision.models.maxvit import MaxVit
    # 32 px: stem to 16, blocks at 8 and 4, partitions of 2 (window and grid attention both mix).
    return MaxVit(input_size=(32, 32), stem_channels=8, partition_size=2, block_channels=[8, 16], block_layers=[1, 2],
                  head_dim=4, stochastic_depth_prob=0.0, num_classes=10)


# (fixture, zoo name, kwargs for zoo's builder, how to build the reference, input size, batch)
REPRESENTATIVES = [
    ("swinv2_small", "swinv2_tiny_window8_256", SMALL_V2, None, 64, 2),
    # Windows of 6 on 16/8 maps: padding to whole windows; pretrained windows scale the bias MLP's inputs.
    ("swinv2_pad_pretrained", "swinv2_base_window12to16_192to256",
     dict(SMALL_V2, window_size=6, embed_dim=16, depths=[2, 2, 1, 1], num_heads=[2, 2, 2, 2]), None, 64, 2),
    # v1's windows, shared: dynamic_img_size built at 64, run at 80 (maps 20/10/5/3: padded windows,
    # shift masks made per input); always_partition keeps windows of 4 on the 2×2 last map.
    ("swinv2_dynamic", "swinv2_tiny_window8_256", dict(SMALL_V2, dynamic_img_size=True), None, 80, 2),
    ("swinv2_always_partition", "swinv2_tiny_window8_256", dict(SMALL_V2, always_partition=True), None, 64, 2),
    ("tv_maxvit_small", "maxvit_t", dict(input_size=32, stem_channels=8, partition_size=2, block_channels=[8, 16],
                                          block_layers=[1, 2], head_dim=4, stochastic_depth_prob=0.0),
     _small_maxvit, 32, 2),
]
# The photo the full models classify: through torchvision's own eval transform of their weights.
PHOTO = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                     "Tests", "ZooDataTests", "Fixtures", "decode-chelsea_420_q90.jpg")
FULL = [
    # (fixture, zoo name, torchvision builder, the weights whose transform prepares the photo)
    ("tv_swin_v2_t", "swin_v2_t", lambda: torchvision.models.swin_v2_t(),
     lambda: torchvision.models.Swin_V2_T_Weights.IMAGENET1K_V1),
    ("tv_maxvit_t", "maxvit_t", lambda: torchvision.models.maxvit_t(),
     lambda: torchvision.models.MaxVit_T_Weights.IMAGENET1K_V1),
]
NAMES = [r[0] for r in REPRESENTATIVES] + [f[0] for f in FULL]


def perturb(model, generator, floor=0.02):
    """Every parameter moves by noise of its own size (at least `floor`): zero biases and unit
    norms would hide mistakes."""
    with torch.no_grad():
        for _, p in model.named_parameters():
            scale = max(float(p.std()) if p.numel() > 1 else 0.0, floor)
            p.add_(torch.randn(p.shape, generator=generator) * scale)


def randomize_batch_norms(model, generator):
    """Running statistics away from 0/1, so eval mode really uses them."""
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.copy_(0.1 * torch.randn(m.running_mean.shape, generator=generator))
                m.running_var.copy_(torch.empty(m.running_var.shape).uniform_(0.5, 1.5, generator=generator))


def key_table(state_dict):
    dtypes = {torch.float32: "F32", torch.int64: "I64"}
    return [[k, list(v.shape), dtypes[v.dtype]] for k, v in state_dict.items()]


def contiguous(tensors):
    return {k: v.detach().contiguous() for k, v in tensors.items()}


def op_cases():
    g = torch.Generator().manual_seed(5)

    def randn(*shape):
        return torch.randn(*shape, generator=g)

    def cosine_attention(q, k, v, logit_scale, bias):
        # timm's swin_transformer_v2 WindowAttention.forward, from the split q, k, v on.
        attn = F.normalize(q, dim=-1) @ F.normalize(k, dim=-1).transpose(-2, -1)
        attn = attn * torch.clamp(logit_scale, max=torch.log(torch.tensor(1. / 0.01))).exp()
        return (attn + bias).softmax(-1) @ v

    # One logit scale above the clamp (log 100 ≈ 4.6): its gradient must be zero.
    scales = torch.tensor([2.3, 5.0, 0.5]).reshape(3, 1, 1)
    cases = {
        "normalize": (lambda x: F.normalize(x, dim=-1), dict(x=randn(2, 3, 5))),
        "cosine_attention": (cosine_attention, dict(q=randn(2, 4, 3, 9, 5), k=randn(2, 4, 3, 9, 5),
                                                   v=randn(2, 4, 3, 9, 5), logit_scale=scales,
                                                   bias=randn(4, 3, 9, 9))),
    }
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
    # Stochastic depth as torchvision's MaxViT runs it ("row" mode, training): per sample all
    # zero or all 1/(1−p). Random, so the Swift test compares the distribution, not the draws.
    from torchvision.ops import stochastic_depth
    out["stochastic_depth.p"] = torch.tensor(0.3)
    out["stochastic_depth.output"] = stochastic_depth(torch.ones(4000, 3, 2, 2), 0.3, "row", True)
    # SwinV2's bias table: 16·sigmoid(cpb_mlp(coords)) for a 3×4 window pretrained at 5×5, and
    # the gradients of the MLP's weights.
    from timm.models.swin_transformer_v2 import WindowAttention
    attn = WindowAttention(8, window_size=(3, 4), num_heads=2, pretrained_window_size=(5, 5))
    with torch.no_grad():
        for p in attn.cpb_mlp.parameters():
            p.copy_(randn(*p.shape) * 0.5)
    table = attn.cpb_mlp(attn.relative_coords_table).view(-1, 2)
    bias = 16 * torch.sigmoid(table[attn.relative_position_index.view(-1)].view(12, 12, -1).permute(2, 0, 1))
    upstream = randn(*bias.shape)
    bias.backward(upstream)
    out["cpb.coords"] = attn.relative_coords_table.reshape(-1, 2)
    out["cpb.upstream"] = upstream
    out["cpb.output"] = bias.detach()
    for k, p in attn.cpb_mlp.named_parameters():
        out[f"cpb.param.{k}"] = p.detach()
        out[f"cpb.grad.{k}"] = p.grad
    return out


def make_representative(fixture, name, kwargs, build, size, batch, out_dir):
    torch.manual_seed(0)
    generator = torch.Generator().manual_seed(1)
    model = build() if build else timm.create_model(name, pretrained=False, **kwargs)
    # The small MaxVit's attention is near uniform at small weights (a wrong score scale moves its
    # logits by 1e-6): weights of 0.2 make every attention matter (the same mistake: 6e-3).
    perturb(model, generator, floor=0.2 if build else 0.02)
    randomize_batch_norms(model, generator)
    model.eval()
    x = torch.randn(batch, 3, size, size, generator=generator)
    with torch.no_grad():
        logits = model(x)
    tensors = {"input": x, "logits": logits}
    # Saved before the train step, whose batch norms update their running statistics.
    state = {k: v.clone() for k, v in model.state_dict().items()}
    model.train()
    target = torch.randint(0, logits.shape[1], (batch,), generator=generator)
    loss = F.cross_entropy(model(x), target)
    loss.backward()
    tensors.update({"target": target, "loss": loss.detach().reshape([])})
    tensors.update({f"grad.{k}": p.grad for k, p in model.named_parameters() if p.grad is not None})
    if build is None:
        model.eval()
        with torch.no_grad():
            y = model.patch_embed(x)
            for i, stage in enumerate(model.layers):
                y = stage(y)
                tensors[f"stage.{i}"] = y
    save_file(contiguous(state), os.path.join(out_dir, f"{fixture}.safetensors"))
    save_file(contiguous(tensors), os.path.join(out_dir, f"{fixture}.io.safetensors"))
    meta = {"fixture_version": FIXTURE_VERSION, "name": fixture, "zoo_name": name,
            "kwargs": dict(kwargs, num_classes=logits.shape[1]), "max_abs_logit": float(logits.abs().max()),
            "timm_version": timm.__version__, "torch_version": torch.__version__,
            "torchvision_version": torchvision.__version__, "keys": key_table(state)}
    with open(os.path.join(out_dir, f"{fixture}.json"), "w") as f:
        json.dump(meta, f, indent=0)


def make_full(fixture, name, build, weights, out_dir):
    """A torchvision architecture as torchvision builds it: random weights (torchvision's init,
    perturbed at 0.01 so no bias stays zero), one photo through the weights' eval transform (PIL),
    torchvision's eval logits."""
    from PIL import Image
    torch.manual_seed(0)
    generator = torch.Generator().manual_seed(2)
    model = build()
    perturb(model, generator, floor=0.01)
    randomize_batch_norms(model, generator)
    model.eval()
    x = weights().transforms()(Image.open(PHOTO).convert("RGB")).unsqueeze(0)
    with torch.no_grad():
        logits = model(x)
        logits64 = model.double()(x.double())
    model.float()
    state = model.state_dict()
    save_file(contiguous(state), os.path.join(out_dir, f"{fixture}.safetensors"))
    save_file(contiguous({"input": x, "logits": logits, "logits64": logits64.float()}),
              os.path.join(out_dir, f"{fixture}.io.safetensors"))
    drift = float((logits.double() - logits64).abs().max() / logits64.abs().max())
    meta = {"fixture_version": FIXTURE_VERSION, "name": fixture, "zoo_name": name,
            "torchvision_float32_error": drift, "torch_version": torch.__version__,
            "torchvision_version": torchvision.__version__, "keys": key_table(state)}
    with open(os.path.join(out_dir, f"{fixture}.json"), "w") as f:
        json.dump(meta, f, indent=0)


def main():
    args = parse_arguments(__doc__, NAMES)
    torch.set_num_threads(2)
    marker = os.path.join(args.out_dir, "tvt_ops.json")
    if args.force or not is_current(marker, FIXTURE_VERSION):
        save_file(contiguous(op_cases()), os.path.join(args.out_dir, "tvt_ops.safetensors"))
        with open(marker, "w") as f:
            json.dump({"fixture_version": FIXTURE_VERSION}, f)
    jobs = [(r[0], lambda r=r: make_representative(*r, args.out_dir)) for r in REPRESENTATIVES]
    jobs += [(f[0], lambda f=f: make_full(*f, args.out_dir)) for f in FULL]
    for fixture, make in jobs:
        if args.only and fixture not in args.only:
            continue
        if not args.force and is_current(os.path.join(args.out_dir, f"{fixture}.json"), FIXTURE_VERSION):
            print(f"{fixture}: current", file=sys.stderr)
            continue
        start = time.time()
        make()
        print(f"{fixture}: written in {time.time() - start:.1f}s", file=sys.stderr)
    print(args.out_dir)


if __name__ == "__main__":
    main()
