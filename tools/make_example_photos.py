#!/usr/bin/env python3
"""Writes examples/photos/{train,val}/CLASS/N.jpg: a small three-class image set for the README's
fine-tuning run, made from the photographs the repository already ships as decoder fixtures
(scikit-image's astronaut, chelsea the cat and coffee, Tests/ZooDataTests/Fixtures). Each image is
a random crop (30-70% of the side, any aspect near square) of its class's photo, randomly
flipped, resized to 112x112 and saved as JPEG quality 90; train and validation crops come from
different random draws. Deterministic (seeded), so a rerun writes the same files.

Run with Debian's PIL:  /usr/bin/python3 tools/make_example_photos.py
"""
import os
import random
import shutil

from PIL import Image

ROOT = os.path.join(os.path.dirname(__file__), "..")
SOURCES = {
    "astronaut": "decode-astronaut_422_q85.jpg",
    "cat": "decode-chelsea_420_q90.jpg",
    "coffee": "decode-coffee_444_q75.jpg",
}
COUNTS = {"train": 16, "val": 6}
SIDE = 112


def main():
    out = os.path.join(ROOT, "examples", "photos")
    shutil.rmtree(out, ignore_errors=True)
    rng = random.Random(0)
    for split, count in COUNTS.items():
        for name, file in SOURCES.items():
            photo = Image.open(os.path.join(ROOT, "Tests", "ZooDataTests", "Fixtures", file)).convert("RGB")
            folder = os.path.join(out, split, name)
            os.makedirs(folder)
            for index in range(count):
                side = rng.uniform(0.3, 0.7) * min(photo.size)
                width, height = side * rng.uniform(0.85, 1.15), side
                left = rng.uniform(0, photo.width - width)
                top = rng.uniform(0, photo.height - height)
                crop = photo.crop((round(left), round(top), round(left + width), round(top + height)))
                if rng.random() < 0.5:
                    crop = crop.transpose(Image.FLIP_LEFT_RIGHT)
                crop.resize((SIDE, SIDE), Image.BICUBIC).save(os.path.join(folder, f"{index}.jpg"), quality=90)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
