#!/usr/bin/python3
"""zoo against PyTorch on the same models, batch, input size and threads, interleaved in one run.

    swift build -c release --product zoo
    /usr/bin/python3 tools/bench_vs_torch.py [--models resnet18 resnet50 ...] [--batch 8] [--threads 2]
                                             [--modes forward train frozen] [--rounds 3] [--runs 5]

For each model and mode, alternates `zoo bench NAME --json` and the same measurement in PyTorch
(timm's model, random weights) `--rounds` times, each side in its own process (so each has its
own peak RSS), and prints the medians and the ratio zoo/PyTorch (below 1 means zoo is faster).
Modes: forward (eval, no grad), train (SGD step with momentum: forward, cross-entropy, backward,
update), frozen (the same step with only the classifier trainable, the backbone in eval mode).
Without --models it takes the most common member of every family zoo registers.
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
                          "convnext_tiny", "vit_small_patch16_224"]


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


def run_torch(model, mode, args):
    command = [sys.executable, __file__, "--torch-worker", "--model", model, "--mode", mode, "--batch", str(args.batch),
               "--input-size", str(args.input_size), "--threads", str(args.threads), "--runs", str(args.runs)]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
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
            zoo_ms, torch_ms, zoo_rss, torch_rss = [], [], [], []
            for _ in range(args.rounds):
                z = run_zoo(model, mode, args)
                t = run_torch(model, mode, args)
                zoo_ms.append(z["ms"]); zoo_rss.append(z["peak_rss_mb"]); backend = z["backend"]
                torch_ms.append(t["ms"]); torch_rss.append(t["peak_rss_mb"]); torch_version = t["torch"]
            row = (model, mode, statistics.median(zoo_ms), statistics.median(torch_ms),
                   statistics.median(zoo_rss), statistics.median(torch_rss))
            rows.append(row)
            print(f"{model:24s} {mode:8s} zoo {row[2]:8.1f} ms   PyTorch {row[3]:8.1f} ms   zoo/PyTorch {row[2] / row[3]:5.2f}x"
                  f"   peak RSS zoo {row[4]:6.0f} MB  PyTorch {row[5]:6.0f} MB", flush=True)
    print(f"zoo kernels: {backend}; PyTorch {torch_version}")
    print("\n| model | work | zoo ms | PyTorch ms | zoo/PyTorch | zoo peak RSS MB | PyTorch peak RSS MB |")
    print("|---|---|---|---|---|---|---|")
    for model, mode, z, t, zr, tr in rows:
        print(f"| {model} | {mode} | {z:.1f} | {t:.1f} | {z / t:.2f} | {zr:.0f} | {tr:.0f} |")


if __name__ == "__main__":
    main()
