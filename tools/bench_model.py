#!/usr/bin/python3
"""Whole-model forward: zoo against PyTorch on this machine, same shapes, same session.

    swift build -c release --product zoo-bench
    /usr/bin/python3 tools/bench_model.py

Prints the median forward time of resnet18 and resnet50 (eval, batch 8, 3x224x224) for PyTorch
(torchvision's models, torch.no_grad, one thread per core) and for zoo (zoo-bench model), and the
ratio torch/zoo (above 1 means zoo is faster).
"""
import json
import os
import statistics
import subprocess
import time

import torch
import torchvision


def torch_median(model, x, runs=5):
    with torch.no_grad():
        model(x)
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            model(x)
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def main():
    # Same cores for both: Debian's torch may start with one OpenMP thread.
    torch.set_num_threads(os.cpu_count())
    torch.manual_seed(0)
    x = torch.randn(8, 3, 224, 224)
    reference = {}
    for name in ["resnet18", "resnet50"]:
        model = getattr(torchvision.models, name)().eval()
        reference[name] = torch_median(model, x)
    output = subprocess.run([".build/release/zoo-bench", "model"], check=True, capture_output=True, text=True).stdout
    ours = {}
    for line in output.splitlines():
        if line.startswith("BENCH_JSON "):
            record = json.loads(line[len("BENCH_JSON "):])
            ours[record["model"]] = record["seconds"]
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    for name in reference:
        t, z = reference[name], ours.get(name)
        print(f"{name:10s} PyTorch {t * 1000:8.1f} ms   zoo {z * 1000:8.1f} ms   PyTorch/zoo {t / z:4.2f}x")


if __name__ == "__main__":
    main()
