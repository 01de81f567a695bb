#!/usr/bin/python3
"""Fixtures for ZooData's eval transform and `zoo predict` on image files, against timm + PIL.

  image.photo.<name>.jpg      scikit-image's photographs (astronaut, coffee, chelsea, camera) as
                              full-size JPEGs written by PIL, plus rocket.jpg as the camera wrote it
  image.eval.<case>.<photo>.rgb
                              timm's `create_transform(**config)` on the decoded photo, stopped
                              before ToTensor: the uint8 pixels (HWC) the model would see
  image.eval.<case>.<photo>.npy
                              the whole transform's output [C, H, W] float32 (first case only)
  image.predict.resnet18.pth  a random resnet18 checkpoint (timm init, random batch-norm statistics)
  image.predict.resnet18.logits.npy
                              timm's pipeline on every photo: resolve_data_config({}, model) +
                              create_transform + model, logits [N, 1000] float32 in photo order
  image.json                  versions, cases (each with timm's resolved data config), photos

Usage: /usr/bin/python3 tools/parity/make_image_fixtures.py [OUT_DIR] [--force]
"""
import json
import os
import shutil
import sys
import zipfile

import numpy as np
import timm
import torch
from PIL import Image
from timm.data import create_transform, resolve_data_config
from timm.models import get_pretrained_cfg

from parity_common import is_current, parse_arguments

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures"))
import make_image_fixtures  # noqa: E402  (scikit-image's photographs, one home)

FIXTURE_VERSION = 1

# (case, pretrained cfg the data config is resolved from, overrides passed as timm's `args`)
CASES = [
    ("resnet50_a1", "resnet50.a1_in1k", {}),                    # center, bicubic, crop_pct 0.95
    ("resnet18_tv", "resnet18.tv_in1k", {}),                    # center, bilinear, crop_pct 0.875
    ("squash", "coat_lite_medium_384.in1k", {"input_size": (3, 224, 224)}),  # squash, bicubic, 1.0
    ("border", "deepseek_vit_412m.deepseek_v4_1_flash", {"input_size": (3, 224, 224)}),  # border, pad
    # non-square centre: ResizeKeepRatio by the shorter side's ratio, bicubic
    ("center_nonsquare", "resnet50.a1_in1k", {"input_size": (3, 160, 224), "crop_pct": 0.9}),
    ("squash_nonsquare", "vit_5b_patch16_sapiens2.fb", {"input_size": (3, 192, 256), "crop_pct": 0.8}),
]


def main():
    args = parse_arguments(__doc__)
    out = args.out_dir
    manifest_path = os.path.join(out, "image.json")
    if not args.force and is_current(manifest_path, FIXTURE_VERSION):
        print(f"{manifest_path}: current")
        return
    src = make_image_fixtures.photos()
    photos = []
    for name in ["astronaut", "coffee", "chelsea", "camera"]:
        path = os.path.join(out, f"image.photo.{name}.jpg")
        src[name].save(path, "JPEG", quality=90)
        photos.append(os.path.basename(path))
    wheel = [f for f in os.listdir(make_image_fixtures.CACHE) if f.endswith(".whl")][0]
    with zipfile.ZipFile(os.path.join(make_image_fixtures.CACHE, wheel)) as w:
        with open(os.path.join(out, "image.photo.rocket.jpg"), "wb") as f:
            f.write(w.read("skimage/data/rocket.jpg"))
    photos.append("image.photo.rocket.jpg")

    cases = []
    for index, (case, cfg_name, overrides) in enumerate(CASES):
        config = resolve_data_config(dict(overrides), pretrained_cfg=get_pretrained_cfg(cfg_name).to_dict())
        transform = create_transform(**config)
        before_tensor = transform.transforms[:-2]
        for photo in photos:
            image = Image.open(os.path.join(out, photo)).convert("RGB")
            pil = image
            for t in before_tensor:
                pil = t(pil)
            with open(os.path.join(out, f"image.eval.{case}.{photo}.rgb"), "wb") as f:
                f.write(pil.tobytes())
            if index == 0:
                np.save(os.path.join(out, f"image.eval.{case}.{photo}.npy"), transform(image).numpy().astype(np.float32))
        config = {k: list(v) if isinstance(v, tuple) else v for k, v in config.items()}
        cases.append({"case": case, "cfg": cfg_name, "config": config, "transform": repr(transform)})

    torch.manual_seed(0)
    model = timm.create_model("resnet18", pretrained=False).eval()
    generator = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for key, tensor in model.state_dict().items():
            if key.endswith("running_var"):
                tensor.uniform_(0.5, 1.5, generator=generator)
            elif key.endswith("running_mean") or key.endswith(".bias"):
                tensor.uniform_(-0.2, 0.2, generator=generator)
    torch.save(model.state_dict(), os.path.join(out, "image.predict.resnet18.pth"))
    config = resolve_data_config({}, model=model)
    transform = create_transform(**config)
    batch = torch.stack([transform(Image.open(os.path.join(out, p)).convert("RGB")) for p in photos])
    with torch.no_grad():
        logits = model(batch)
    np.save(os.path.join(out, "image.predict.resnet18.logits.npy"), logits.numpy().astype(np.float32))

    with open(manifest_path, "w") as f:
        json.dump({"fixture_version": FIXTURE_VERSION, "timm": timm.__version__, "torch": torch.__version__,
                   "pil": Image.__version__, "photos": photos, "cases": cases,
                   "predict": {"model": "resnet18", "config": {k: list(v) if isinstance(v, tuple) else v
                                                               for k, v in config.items()}}}, f, indent=1)
    print(f"{len(cases)} eval cases x {len(photos)} photos, predict logits {tuple(logits.shape)} in {out}")


if __name__ == "__main__":
    main()
