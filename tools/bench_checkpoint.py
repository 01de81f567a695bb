#!/usr/bin/python3
"""Checkpoint benchmark: zoo against safetensors' load_file, in the same run, on the same files.

    swift build -c release --product zoo-bench
    /usr/bin/python3 tools/bench_checkpoint.py [--dir /dev/shm/zoo-checkpoint-bench] [--bench ".build/release/zoo-bench checkpoint"]

1. writes a ResNet-50-shaped state dict (25.6 M float32 values) with real PyTorch as
   resnet50.pth (torch.save) and resnet50.safetensors (safetensors.torch.save_file);
2. times safetensors.torch.load_file (and torch.load for reference), median of N runs;
3. runs the zoo benchmark (runCheckpointBenchmark() in Sources/ZooBench/CheckpointBench.swift),
   which converts the .pth to .zoo and times loading it;
4. prints both and checks the targets: .zoo load <= load_file, .pth -> .zoo >= 1 GB/s.
Files go to /dev/shm by default so the disk does not dominate; pass --dir for a disk.
zoo-bench's main must call runCheckpointBenchmark() for the argument `checkpoint`; --bench takes
any command that does (e.g. a scratch executable depending on the Zoo library).
"""
import argparse
import collections
import json
import os
import shlex
import statistics
import subprocess
import time

import torch
from safetensors.torch import load_file, save_file


def resnet50_state_dict():
    sd = collections.OrderedDict()

    def bn(name, c):
        sd[f"{name}.weight"] = torch.rand(c)
        sd[f"{name}.bias"] = torch.randn(c) * 0.1
        sd[f"{name}.running_mean"] = torch.randn(c) * 0.1
        sd[f"{name}.running_var"] = torch.rand(c)
        sd[f"{name}.num_batches_tracked"] = torch.tensor(0)

    sd["conv1.weight"] = torch.randn(64, 3, 7, 7) * 0.05
    bn("bn1", 64)
    inputs = 64
    for layer, (blocks, width) in enumerate(zip([3, 4, 6, 3], [64, 128, 256, 512])):
        for block in range(blocks):
            p = f"layer{layer + 1}.{block}"
            sd[f"{p}.conv1.weight"] = torch.randn(width, inputs, 1, 1) * 0.05
            bn(f"{p}.bn1", width)
            sd[f"{p}.conv2.weight"] = torch.randn(width, width, 3, 3) * 0.05
            bn(f"{p}.bn2", width)
            sd[f"{p}.conv3.weight"] = torch.randn(width * 4, width, 1, 1) * 0.05
            bn(f"{p}.bn3", width * 4)
            if block == 0:
                sd[f"{p}.downsample.0.weight"] = torch.randn(width * 4, inputs, 1, 1) * 0.05
                bn(f"{p}.downsample.1", width * 4)
            inputs = width * 4
    sd["fc.weight"] = torch.randn(1000, 2048) * 0.01
    sd["fc.bias"] = torch.zeros(1000)
    return sd


def timed(fn, repeats):
    """(median, best) wall seconds, and the median CPU seconds of the process (all threads): the
    figure a loaded machine inflates least."""
    fn()  # warm up, as the Swift side does
    times, cpu = [], []
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return statistics.median(times), min(times), statistics.median(cpu)


def touch(sd):
    # One element per page, so lazily mapped tensors are paged in (as the Swift "touch" run does).
    for t in sd.values():
        flat = t.reshape(-1)
        if flat.numel():
            flat[:: max(1, 4096 // t.element_size())].sum()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", default="/dev/shm/zoo-checkpoint-bench" if os.path.isdir("/dev/shm") else "/tmp/zoo-checkpoint-bench")
    parser.add_argument("--bench", default=".build/release/zoo-bench checkpoint")
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    pth, st = os.path.join(args.dir, "resnet50.pth"), os.path.join(args.dir, "resnet50.safetensors")
    torch.manual_seed(0)
    sd = resnet50_state_dict()
    torch.save(sd, pth)
    save_file(sd, st)
    nbytes = sum(t.numel() * t.element_size() for t in sd.values())
    print(f"ResNet-50 state dict: {len(sd)} tensors, {nbytes} bytes; files in {args.dir}")

    python = {
        "safetensors load_file": timed(lambda: load_file(st), args.repeats),
        "safetensors load_file + touch every page": timed(lambda: touch(load_file(st)), args.repeats),
        "torch.load(weights_only=True)": timed(lambda: torch.load(pth, weights_only=True), args.repeats),
    }
    for name, (median, best, cpu) in python.items():
        print(f"{name:44s} median {median * 1e3:8.2f} ms  best {best * 1e3:8.2f} ms  cpu {cpu * 1e3:8.2f} ms")

    env = dict(os.environ, ZOO_BENCH_CHECKPOINT_DIR=args.dir)
    out = subprocess.run(shlex.split(args.bench), env=env, capture_output=True, text=True, check=True).stdout
    print(out.rstrip())
    zoo = json.loads(next(line for line in out.splitlines() if line.startswith("BENCH_JSON"))[len("BENCH_JSON "):])

    st_load = python["safetensors load_file"][0]
    st_touch = python["safetensors load_file + touch every page"][0]
    checks = [
        (".zoo load (CRC verified) <= load_file", zoo["load .zoo (CRC verified)"], st_load),
        (".zoo load (no CRC) <= load_file", zoo["load .zoo (no CRC)"], st_load),
        (".zoo load + touch <= load_file + touch", zoo["load .zoo (no CRC) + touch every page"], st_touch),
    ]
    print("\nsummary")
    for name, ours, theirs in checks:
        print(f"  {name:44s} {ours * 1e3:8.2f} ms vs {theirs * 1e3:8.2f} ms  {'OK' if ours <= theirs else 'SLOWER'}")
    ratio = zoo["load .zoo (CRC verified)"] / st_load
    print(f"  {'.zoo load (CRC verified) <= 1.5x load_file':44s} {ratio:8.2f}x  {'OK' if ratio <= 1.5 else 'SLOWER'}")
    if "cpu load .zoo (CRC verified)" in zoo:
        cpu_ratio = zoo["cpu load .zoo (CRC verified)"] / python["safetensors load_file"][2]
        print(f"  {'  the same in CPU time (all threads)':44s} {cpu_ratio:8.2f}x  "
              f"({zoo['cpu load .zoo (CRC verified)'] * 1e3:.2f} vs {python['safetensors load_file'][2] * 1e3:.2f} ms)")
    rate = zoo["bytes"] / zoo["convert .pth -> .zoo (stored)"] / 1e9
    print(f"  {'.pth -> .zoo conversion >= 1 GB/s':44s} {rate:8.2f} GB/s  {'OK' if rate >= 1 else 'SLOWER'}")


if __name__ == "__main__":
    main()
