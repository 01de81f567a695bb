#!/usr/bin/python3
"""Parity fixtures for VGG, Inception-v3 and torchvision's AlexNet, SqueezeNet, GoogLeNet and
ShuffleNetV2, produced by real timm 1.0 / torchvision 0.14.

One CI representative per block kind, kept small (few classes, small inputs; VGG's pre-logits MLP
narrowed with timm's `mlp_ratio`); the sweep over every architecture at full width is
tools/parity/sweep.py. Each model is built under a fixed seed, its batch norms get random affine
weights and perturbed running statistics (timm_fixture.randomize_norms), and the expectations are
computed in float64 from the float32 weights.

timm models (REPRESENTATIVES):
  <name>.safetensors        the state dict
  <name>.io.safetensors     `input` [2, 3, S, S], eval `logits`, `map.<i>` the features_only maps
  <name>.json               keys and shapes in order, feature_info, the model kwargs
  inception_v3 also: `aux.input` [2, 3, 299, 299] with the eval-mode `aux.logits` and `aux.aux`
  (the auxiliary head runs only at 299, where Mixed_6e is 17×17).

torchvision models (TORCHVISION):
  tv.<name>.pth             `torch.save(model.state_dict())`
  tv.<name>.io.safetensors  `input`, eval `logits`; train-mode `train.logits` and `train.aux.<i>`
                            (GoogLeNet: aux1's then aux2's, as torchvision's tuple holds them)
  tv.<name>.json            the zoo architecture that loads it and its model arguments
  tv.transforms.json        each TRANSFORMS name's pretrained eval transform (crop, resize,
                            interpolation, mean, std), which zoo's cfg for the name must equal

Usage: /usr/bin/python3 tools/parity/make_classic_fixtures.py [OUT_DIR] [--force] [--only NAME ...]
"""
import json
import os
import sys
import time

import torch
import torchvision
import timm

from parity_common import is_current, parse_arguments
from timm_fixture import key_table, randomize_norms, save_contiguous

FIXTURE_VERSION = 2

# name: (input size, timm kwargs, what it stands for)
REPRESENTATIVES = {
    "vgg11_bn": (32, dict(num_classes=10, mlp_ratio=0.0625),
                 "conv + batch norm + ReLU stacks, max pools, ConvMlp pre-logits pooled up to 7×7, head.fc"),
    "inception_v3": (75, dict(num_classes=10, aux_logits=True),
                     "Inception A-E blocks, factorized 1×7/7×1 convs, auxiliary head (at 299)"),
}
# torchvision name: (input size, torchvision kwargs, zoo architecture, zoo model args)
TORCHVISION = {
    "alexnet": (64, dict(num_classes=10), "alexnet", {}),
    "squeezenet1_0": (64, dict(num_classes=10), "squeezenet1_0", {}),
    "squeezenet1_1": (64, dict(num_classes=10), "squeezenet1_1", {}),
    "googlenet": (64, dict(num_classes=10, aux_logits=True, transform_input=True, init_weights=True,
                           dropout_aux=0.0), "googlenet", {"dropout_aux": 0.0}),
    "shufflenet_v2_x0_5": (64, dict(num_classes=10), "shufflenet_v2_x0_5", {}),
    # VGG's classifier narrowed to 256 hidden units (timm's mlp_ratio 1/16): the checkpoint filter's
    # renames and reshapes at a twentieth of the size; full width is in the sweep.
    "vgg11": (32, dict(num_classes=10), "vgg11", {"mlp_ratio": 0.0625}),
}
# torchvision names zoo registers under torchvision's name, with torchvision's eval transform as cfg.
TRANSFORMS = ["alexnet", "googlenet", "shufflenet_v2_x0_5", "shufflenet_v2_x1_0", "shufflenet_v2_x1_5",
              "shufflenet_v2_x2_0", "squeezenet1_0", "squeezenet1_1"]


def transforms(out_dir):
    table = {}
    for name in TRANSFORMS:
        t = torchvision.models.get_model_weights(name).DEFAULT.transforms()
        table[name] = dict(crop_size=t.crop_size[0], resize_size=t.resize_size[0],
                           interpolation=t.interpolation.value, mean=list(t.mean), std=list(t.std))
    with open(os.path.join(out_dir, "tv.transforms.json"), "w") as f:
        json.dump({"fixture_version": FIXTURE_VERSION, "transforms": table,
                   "torchvision_version": torchvision.__version__}, f, indent=0)


def timm_variant(name, out_dir):
    size, kwargs, _ = REPRESENTATIVES[name]
    torch.manual_seed(0)
    generator = torch.Generator().manual_seed(1)
    model = timm.create_model(name, pretrained=False, **kwargs)
    # timm runs an auxiliary head in every forward, and it needs 299 input: norms measured there.
    norm_size = 299 if kwargs.get("aux_logits") else size
    randomize_norms(model, generator, (2, 3, norm_size, norm_size))
    state = model.state_dict()
    x = torch.randn(2, 3, size, size, generator=generator)
    tensors = {"input": x}
    with torch.no_grad():
        aux_model = model.double()
        plain = {k: v for k, v in kwargs.items() if k != "aux_logits"}
        double = timm.create_model(name, pretrained=False, **plain).double().eval()
        double.load_state_dict({k: v for k, v in aux_model.state_dict().items() if not k.startswith("AuxLogits.")})
        tensors["logits"] = double(x.double()).float()
        features = timm.create_model(name, pretrained=False, features_only=True,
                                     **plain).double().eval()
        # features_only flattens VGG's Sequential: its `features_0.weight` is the model's `features.0.weight`.
        source = double.state_dict()
        features.load_state_dict({k: source[k if k in source else k.replace("features_", "features.", 1)]
                                  for k in features.state_dict()})
        for index, feature in enumerate(features(x.double())):
            tensors[f"map.{index}"] = feature.float()
        feature_info = [dict(num_chs=f["num_chs"], reduction=f["reduction"], module=f["module"])
                        for f in features.feature_info.get_dicts()]
        if name == "inception_v3":
            # The auxiliary head needs Mixed_6e at 17×17: 299 input. timm runs it in eval mode too; eval
            # keeps the check well conditioned (train-mode norms over its 1×1 maps amplify rounding).
            aux_input = torch.randn(2, 3, 299, 299, generator=generator)
            aux_model.eval()
            logits, aux = aux_model(aux_input.double())
            tensors.update({"aux.input": aux_input, "aux.logits": logits.float(), "aux.aux": aux.float()})
    save_contiguous(state, os.path.join(out_dir, f"{name}.safetensors"))
    save_contiguous(tensors, os.path.join(out_dir, f"{name}.io.safetensors"))
    with open(os.path.join(out_dir, f"{name}.json"), "w") as f:
        json.dump({"fixture_version": FIXTURE_VERSION, "name": name, "input_size": size,
                   "kwargs": kwargs, "timm_version": timm.__version__, "keys": key_table(state),
                   "feature_info": feature_info}, f, indent=0)


def narrow_vgg_classifier(model, hidden):
    """torchvision's VGG with its first classifier Linear narrowed to `hidden` outputs."""
    classifier = model.classifier
    classifier[0] = torch.nn.Linear(classifier[0].in_features, hidden)
    classifier[3] = torch.nn.Linear(hidden, classifier[3].out_features)


def torchvision_variant(name, out_dir):
    size, kwargs, zoo_name, zoo_args = TORCHVISION[name]
    torch.manual_seed(0)
    generator = torch.Generator().manual_seed(1)
    model = getattr(torchvision.models, name)(**kwargs)
    if name.startswith("vgg"):
        narrow_vgg_classifier(model, int(4096 * zoo_args["mlp_ratio"]))
    for module in model.modules():  # dropout off: the train-mode outputs are deterministic
        if isinstance(module, torch.nn.Dropout):
            module.p = 0.0
    randomize_norms(model, generator, (2, 3, size, size))
    x = torch.randn(2, 3, size, size, generator=generator)
    torch.save(model.state_dict(), os.path.join(out_dir, f"tv.{name}.pth"))
    double = model.double()
    tensors = {"input": x}
    with torch.no_grad():
        tensors["logits"] = double(x.double()).float()
        double.train()
        out = double(x.double())
    if isinstance(out, tuple):
        tensors["train.logits"] = out[0].float()
        for index, aux in enumerate(out[1:]):
            tensors[f"train.aux.{index}"] = aux.float()
    else:
        tensors["train.logits"] = out.float()
    save_contiguous(tensors, os.path.join(out_dir, f"tv.{name}.io.safetensors"))
    with open(os.path.join(out_dir, f"tv.{name}.json"), "w") as f:
        json.dump({"fixture_version": FIXTURE_VERSION, "name": name, "zoo_architecture": zoo_name,
                   "model_args": zoo_args, "torchvision_version": torchvision.__version__}, f)


def main():
    names = list(REPRESENTATIVES) + [f"tv.{n}" for n in TORCHVISION] + ["tv.transforms"]
    args = parse_arguments(__doc__, names)
    torch.set_num_threads(2)
    for name in args.only or names:
        if not args.force and is_current(os.path.join(args.out_dir, f"{name}.json"), FIXTURE_VERSION):
            print(f"{name}: current", file=sys.stderr)
            continue
        start = time.time()
        if name == "tv.transforms":
            transforms(args.out_dir)
        elif name.startswith("tv."):
            torchvision_variant(name[3:], args.out_dir)
        else:
            timm_variant(name, args.out_dir)
        print(f"{name}: written in {time.time() - start:.1f}s", file=sys.stderr)
    print(args.out_dir)


if __name__ == "__main__":
    main()
