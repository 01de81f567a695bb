#!/usr/bin/python3
"""torchvision's side of `zoo-bench loader`: images/s of a DataLoader over an ImageFolder of JPEG
photos with decode + RandomResizedCrop(224) + RandomHorizontalFlip + ToTensor + Normalize, batch
64, shuffled, one worker process per core. Prints one line: `torchvision_images_per_second N`.

    /usr/bin/python3 tools/bench_loader.py DIR            # measure (zoo-bench loader runs this)
    /usr/bin/python3 tools/bench_loader.py --make DIR     # write the photo folder first

The folder: 512 JPEGs (quality 90, 400-640 px a side) cut from scikit-image's photographs, in 4
classes (tools/fixtures/make_image_fixtures.py fetches them).
"""
import os
import random
import sys
import time

import torch
import torchvision
from torchvision import transforms


def make(root):
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures"))
    import make_image_fixtures
    photos = make_image_fixtures.photos()
    rng = random.Random(0)
    for index in range(512):
        name = list(photos)[index % len(photos)]
        image = photos[name].convert("RGB")
        scale = rng.uniform(0.8, 1.25)
        image = image.resize((int(image.width * scale), int(image.height * scale)))
        w, h = image.size
        cw, ch = rng.randint(int(w * 0.8), w), rng.randint(int(h * 0.8), h)
        x, y = rng.randint(0, w - cw), rng.randint(0, h - ch)
        folder = os.path.join(root, name)
        os.makedirs(folder, exist_ok=True)
        image.crop((x, y, x + cw, y + ch)).save(os.path.join(folder, f"{index:04d}.jpg"), quality=90)


def measure(root):
    torch.set_num_threads(1)
    transform = transforms.Compose([
        transforms.RandomResizedCrop(224), transforms.RandomHorizontalFlip(), transforms.ToTensor(),
        transforms.Normalize((0.485, 0.456, 0.406), (0.229, 0.224, 0.225))])
    dataset = torchvision.datasets.ImageFolder(root, transform=transform)
    loader = torch.utils.data.DataLoader(dataset, batch_size=64, shuffle=True, num_workers=os.cpu_count(),
                                         persistent_workers=True)
    for _ in loader:  # warm-up: worker start-up and the page cache
        pass
    rates = []
    for _ in range(3):
        start = time.perf_counter()
        count = sum(len(labels) for _, labels in loader)
        rates.append(count / (time.perf_counter() - start))
    print(f"torchvision_images_per_second {sorted(rates)[1]:.1f}")


if __name__ == "__main__":
    if sys.argv[1] == "--make":
        make(sys.argv[2])
    else:
        measure(sys.argv[1])
