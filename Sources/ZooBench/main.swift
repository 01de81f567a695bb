import Foundation
import Zoo

// zoo-bench: prints medians and ratios. Build with -c release; never run as a test.
//   zoo-bench conv          conv2d on ResNet-50 layer shapes vs sgemm (docs/benchmarks.md)
//   zoo-bench checkpoint    .pth → .zoo conversion and .zoo loading (tools/bench_checkpoint.py adds safetensors)
//   zoo-bench model         resnet50 forward at batch 8 (tools/bench_model.py adds PyTorch)
//   zoo-bench hub           a 100 MB pull from nginx on loopback: download, SHA-256, conversion
//   zoo-bench distributed   data-parallel train steps under mpirun (tools/bench_distributed.sh)
//   zoo-bench attention     eval-mode attention at ViT-S/16's shape: fused kernel vs unfused, time and peak memory
//   zoo-bench loader [DIR]  image loader (decode + RandomResizedCrop + flip) vs torchvision (tools/bench_loader.py)
// OpenBLAS's and OpenMP's idle workers spin after each GEMM or primitive, taking the cores the
// loops between them run on; the libraries read how long only when they load, so this restarts
// the program with them told to sleep (unless the environment says otherwise).
// The core zoo chose for OpenBLAS is in OPENBLAS_CORETYPE now; the restarted program chooses again.
if !KernelPath.idleWorkerSettings(ProcessInfo.processInfo.environment).isEmpty
    && KernelPath.blasCoreChosenByOpenBLAS != KernelPath.blasCore
{
    unsetenv("OPENBLAS_CORETYPE")
}
KernelPath.parkIdleWorkers()

let suites: [String: () -> Void] = [
    "conv": { ConvBench.run() },
    "checkpoint": { runCheckpointBenchmark() },
    "model": { ModelBench.run() },
    "hub": { HubBench.run() },
    "distributed": { DistributedBench.run() },
    "attention": { AttentionBench.run() },
    "loader": { LoaderBench.run() },
]
let arguments = Array(CommandLine.arguments.dropFirst())
for name in arguments.isEmpty ? ["conv"] : arguments.prefix(arguments.first == "loader" ? 1 : arguments.count) {
    guard let suite = suites[name] else {
        FileHandle.standardError.write(
            "zoo-bench: unknown suite '\(name)' (known: \(suites.keys.sorted().joined(separator: ", ")))\n".data(
                using: .utf8)!)
        exit(2)
    }
    suite()
}
