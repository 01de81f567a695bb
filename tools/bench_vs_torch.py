#!/usr/bin/python3
"""zoo against PyTorch on the same models, batch, input size and threads, interleaved in one run.

    swift build -c release --product zoo
    /usr/bin/python3 tools/bench_vs_torch.py [--models resnet18 resnet50 ...] [--batch 8] [--threads 2]
                                             [--modes forward train frozen] [--rounds 3] [--runs 5]
                                             [--torch-waits default passive]

For each model and mode, alternates `zoo bench NAME --json` and the same measurement in PyTorch
(timm's model, random weights) `--rounds` times, each side in its own process (so each has its
own peak RSS), and prints the medians and the ratio zoo/PyTorch (below 1 means zoo is faster).
Modes: forward (eval, no grad), train (SGD step with momentum: forward, cross-entropy, backward,
update), frozen (the same step with only the classifier trainable, the backbone in eval mode).
Without --models it takes the most common member of every family zoo registers.
`zoo` restarts itself with idle OpenMP workers sleeping (OMP_WAIT_POLICY=passive, see
KernelPath.parkIdleWorkers); PyTorch is measured as it ships (`default`, spinning workers) and,
with `--torch-waits default passive` (the default), also with OMP_WAIT_POLICY=passive; the ratio
is against the better of the two. Each row ends with the load average when it finished.
"""
import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time

# The most common member of each family, as the issue names them; those zoo does not register yet are left out.
FAMILY_REPRESENTATIVES = ["resnet18", "resnet50", "mobilenetv3_large_100", "efficientnet_b0", "densenet121",
                          "convnext_tiny", "vit_small_patch16_224", "swin_tiny_patch4_window7_224"]


def torch_worker(args):
    import torch
    import timm

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = timm.create_model(args.model, pretrained=False)
    x = torch.randn(args.batch, 3, args.input_size, args.input_size)
    labels = torch.arange(args.batch) % 10

    def median(body):
        for _ in range(2):
            body()
        times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            body()
            times.append(time.perf_counter() - start)
        return statistics.median(times)

    result = {}
    if args.mode == "forward":
        model.eval()
        with torch.no_grad():
            result["ms"] = median(lambda: model(x)) * 1000
    else:
        model.train()
        if args.mode == "frozen":
            classifier = model.get_classifier()
            for p in model.parameters():
                p.requires_grad_(False)
            for p in classifier.parameters():
                p.requires_grad_(True)
            model.eval()
            classifier.train()
        params = [p for p in model.parameters() if p.requires_grad]
        optimizer = torch.optim.SGD(params, lr=0.01, momentum=0.9, weight_decay=1e-4)
        loss_fn = torch.nn.CrossEntropyLoss()

        def step():
            optimizer.zero_grad(set_to_none=True)
            loss_fn(model(x), labels).backward()
            optimizer.step()

        result["ms"] = median(step) * 1000
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result["torch"] = torch.__version__
    print(json.dumps(result))


def run_torch(model, mode, args, wait="default"):
    command = [sys.executable, __file__, "--torch-worker", "--model", model, "--mode", mode, "--batch", str(args.batch),
               "--input-size", str(args.input_size), "--threads", str(args.threads), "--runs", str(args.runs)]
    environment = dict(os.environ)
    environment.pop("OMP_WAIT_POLICY", None)
    if wait == "passive":
        environment["OMP_WAIT_POLICY"] = "passive"
    output = subprocess.run(command, check=True, capture_output=True, text=True, env=environment).stdout
    return json.loads(output.strip().splitlines()[-1])


def run_zoo(model, mode, args):
    command = args.zoo.split() + ["bench", model, "--batch", str(args.batch), "--input-size", str(args.input_size),
                                  "--threads", str(args.threads), "--runs", str(args.runs), "--json"]
    if mode != "forward":
        command.append("--train")
    if mode == "frozen":
        command.append("--frozen")
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    record = json.loads(output.strip().splitlines()[-1])
    return {"ms": record["forward_ms"] if mode == "forward" else record["train_step_ms"],
            "peak_rss_mb": record["peak_rss_mb"], "backend": record["backend"]}


def zoo_models(args):
    output = subprocess.run(args.zoo.split() + ["list"], check=True, capture_output=True, text=True).stdout
    names = set(output.split())
    return [name for name in FAMILY_REPRESENTATIVES if name in names]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--models", nargs="*")
    parser.add_argument("--modes", nargs="*", default=["forward", "train", "frozen"])
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--input-size", type=int, default=224)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--zoo", default=".build/release/zoo")
    parser.add_argument("--torch-waits", nargs="+", choices=["default", "passive"], default=["default", "passive"],
                        help="PyTorch's OpenMP wait policies to measure (the better one is the reference)")
    parser.add_argument("--torch-worker", action="store_true")
    parser.add_argument("--model")
    parser.add_argument("--mode")
    args = parser.parse_args()
    if args.torch_worker:
        return torch_worker(args)

    models = args.models or zoo_models(args)
    print(f"batch {args.batch}, {args.input_size}x{args.input_size}, {args.threads} threads, "
          f"{args.rounds} interleaved rounds of median-of-{args.runs}; load {os.getloadavg()[0]:.1f}")
    rows = []
    backend, torch_version = "", ""
    for model in models:
        for mode in args.modes:
            zoo_ms, zoo_rss = [], []
            torch_ms = {wait: [] for wait in args.torch_waits}
            torch_rss = {wait: [] for wait in args.torch_waits}
            for _ in range(args.rounds):
                z = run_zoo(model, mode, args)
                zoo_ms.append(z["ms"]); zoo_rss.append(z["peak_rss_mb"]); backend = z["backend"]
                for wait in args.torch_waits:
                    t = run_torch(model, mode, args, wait)
                    torch_ms[wait].append(t["ms"]); torch_rss[wait].append(t["peak_rss_mb"]); torch_version = t["torch"]
            medians = {wait: statistics.median(times) for wait, times in torch_ms.items()}
            best = min(medians, key=medians.get)
            row = (model, mode, statistics.median(zoo_ms), medians, best, statistics.median(zoo_rss),
                   statistics.median(torch_rss[best]), os.getloadavg()[0])
            rows.append(row)
            torch_text = "   ".join(f"PyTorch ({wait}) {ms:8.1f} ms" for wait, ms in medians.items())
            print(f"{model:24s} {mode:8s} zoo {row[2]:8.1f} ms   {torch_text}   zoo/best {row[2] / medians[best]:5.2f}x"
                  f"   peak RSS zoo {row[5]:6.0f} MB  PyTorch {row[6]:6.0f} MB   load {row[7]:.1f}", flush=True)
    print(f"zoo kernels: {backend}; PyTorch {torch_version}")
    waits = " | ".join(f"PyTorch {wait} ms" for wait in args.torch_waits)
    print(f"\n| model | work | zoo ms | {waits} | zoo/PyTorch (better) | zoo peak RSS MB | PyTorch peak RSS MB | load |")
    print("|---|---|---|" + "---|" * len(args.torch_waits) + "---|---|---|---|")
    for model, mode, z, medians, best, zr, tr, load in rows:
        times = " | ".join(f"{medians[wait]:.1f}" for wait in args.torch_waits)
        print(f"| {model} | {mode} | {z:.1f} | {times} | {z / medians[best]:.2f} | {zr:.0f} | {tr:.0f} | {load:.1f} |")

if __name__ == "__main__":
    main()
