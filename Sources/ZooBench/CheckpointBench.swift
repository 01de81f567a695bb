import Foundation
import Zoo

/// Checkpoint I/O on a ResNet-50-sized state dict (25.6 M values, 102 MB of float32):
/// `.pth → .zoo` conversion throughput and `.zoo` load time, in release builds.
///
/// Files live in `directory`, else `$ZOO_BENCH_CHECKPOINT_DIR`, else /dev/shm (so the disk does
/// not dominate). `tools/bench_checkpoint.py` writes `resnet50.pth` and `resnet50.safetensors`
/// there with real PyTorch, times safetensors' `load_file` in the same run, then calls this
/// (`zoo-bench checkpoint`); without those files this synthesizes `resnet50.pth` itself.
/// The last line printed is `BENCH_JSON {...}` for the script.
public func runCheckpointBenchmark(directory: String? = nil, repeats: Int = 7) {
    let environment = ProcessInfo.processInfo.environment
    let shm = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
    let directory = directory ?? environment["ZOO_BENCH_CHECKPOINT_DIR"] ?? shm + "/zoo-checkpoint-bench"
    do {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let pth = directory + "/resnet50.pth", zoo = directory + "/resnet50.zoo"
        if !FileManager.default.fileExists(atPath: pth) {
            print("synthesizing \(pth)")
            try syntheticResNet50().save(pth)
        }
        let bytes = try Checkpoint.load(pth).byteCount
        var results: [(String, Double)] = []
        func report(_ name: String, _ runs: [(wall: Double, cpu: Double)], throughput: Bool = false) {
            let sorted = runs.map(\.wall).sorted(), cpu = runs.map(\.cpu).sorted()[runs.count / 2]
            let median = sorted[sorted.count / 2]
            let rate = throughput ? String(format: "  %.2f GB/s", Double(bytes) / median / 1e9) : ""
            let padded = name.count < 44 ? name + String(repeating: " ", count: 44 - name.count) : name
            print(
                padded
                    + String(
                        format: " median %8.2f ms  best %8.2f ms  cpu %8.2f ms", median * 1e3, sorted[0] * 1e3,
                        cpu * 1e3)
                    + rate)
            results.append((name, median))
            results.append(("cpu " + name, cpu))
        }
        print("checkpoint benchmark: \(bytes) bytes of tensors, \(repeats) runs each, files in \(directory)")

        // Outputs are removed before each timed run: replacing an existing file would add the
        // kernel's freeing of the old one (~10 ms per 100 MB on tmpfs) to the conversion.
        let remove = { (path: String) -> () -> Void in { _ = try? FileManager.default.removeItem(atPath: path) } }
        report(
            "convert .pth -> .zoo (stored)",
            try time(repeats, before: remove(zoo)) { try convertCheckpoint(from: pth, to: zoo) }, throughput: true)
        report("load .zoo (CRC verified)", try time(repeats) { _ = try Checkpoint.load(zoo) })
        report(
            "load .zoo (no CRC)",
            try time(repeats) { _ = try Checkpoint.load(zoo, options: LoadOptions(verifyChecksums: false)) })
        report(
            "load .zoo (no CRC) + touch every page",
            try time(repeats) {
                touch(try Checkpoint.load(zoo, options: LoadOptions(verifyChecksums: false)))
            })
        report("load .pth (CRC verified)", try time(repeats) { _ = try Checkpoint.load(pth) })
        let safetensors = directory + "/resnet50.safetensors"
        if FileManager.default.fileExists(atPath: safetensors) {
            report("load .safetensors (zoo reader)", try time(repeats) { _ = try Checkpoint.load(safetensors) })
        }
        let packed = directory + "/resnet50-compressed.zoo"
        report(
            "convert .pth -> .zoo (--compress)",
            try time(max(1, repeats / 3), before: remove(packed)) {
                try convertCheckpoint(from: pth, to: packed, options: ConvertOptions(compress: true))
            }, throughput: true)
        report("load compressed .zoo", try time(max(1, repeats / 3)) { _ = try Checkpoint.load(packed) })
        let sizes = try [zoo, packed].map { try FileManager.default.attributesOfItem(atPath: $0)[.size] as! Int }
        print(
            "sizes: stored \(sizes[0]) bytes, compressed \(sizes[1]) bytes (\(String(format: "%.1f", 100 * Double(sizes[1]) / Double(sizes[0])))%)"
        )
        let json = JSONValue.object([("bytes", .int(bytes))] + results.map { ($0.0, JSONValue.double($0.1)) })
        print("BENCH_JSON " + json.serialized())
    } catch {
        print("checkpoint benchmark failed: \(error)")
    }
}

/// Wall and process CPU seconds (all threads; the figure a loaded machine inflates least) of each run.
private func time(_ repeats: Int, before: () -> Void = {}, _ body: () throws -> Void) throws -> [(
    wall: Double, cpu: Double
)] {
    before()
    try body()  // warm the page cache and the code
    return try (0..<repeats).map { _ in
        before()
        let start = DispatchTime.now().uptimeNanoseconds, startCPU = processCPUSeconds()
        try body()
        return (Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9, processCPUSeconds() - startCPU)
    }
}

private func processCPUSeconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}

/// Reads one byte per page of every tensor, so lazily mapped data is actually paged in.
private func touch(_ checkpoint: Checkpoint) {
    var sum: UInt8 = 0
    for (_, tensor) in checkpoint.tensors {
        let base = tensor.storage.bytes.assumingMemoryBound(to: UInt8.self)
        for offset in stride(from: 0, to: tensor.storage.byteCount, by: 4096) { sum &+= base[offset] }
    }
    if sum == 255 { print("", terminator: "") }
}

/// ResNet-50's state-dict keys and shapes (torchvision/timm naming), random values.
func syntheticResNet50() -> Checkpoint {
    var shapes: [(String, [Int])] = [("conv1.weight", [64, 3, 7, 7])]
    func batchNorm(_ name: String, _ channels: Int) {
        for suffix in ["weight", "bias", "running_mean", "running_var"] {
            shapes.append(("\(name).\(suffix)", [channels]))
        }
        shapes.append(("\(name).num_batches_tracked", []))
    }
    batchNorm("bn1", 64)
    var inputs = 64
    for (layer, (blocks, width)) in zip([3, 4, 6, 3], [64, 128, 256, 512]).enumerated() {
        for block in 0..<blocks {
            let prefix = "layer\(layer + 1).\(block)"
            shapes.append(("\(prefix).conv1.weight", [width, inputs, 1, 1])); batchNorm("\(prefix).bn1", width)
            shapes.append(("\(prefix).conv2.weight", [width, width, 3, 3])); batchNorm("\(prefix).bn2", width)
            shapes.append(("\(prefix).conv3.weight", [width * 4, width, 1, 1])); batchNorm("\(prefix).bn3", width * 4)
            if block == 0 {
                shapes.append(("\(prefix).downsample.0.weight", [width * 4, inputs, 1, 1]));
                batchNorm("\(prefix).downsample.1", width * 4)
            }
            inputs = width * 4
        }
    }
    shapes += [("fc.weight", [1000, 2048]), ("fc.bias", [1000])]
    var generator = SystemRandomNumberGenerator()
    return Checkpoint(
        tensors: shapes.map { name, shape in
            let count = shape.reduce(1, *)
            if name.hasSuffix("num_batches_tracked") { return (name, Tensor([0], shape: [], dtype: .int64)) }
            let values = (0..<count).map { _ in Float.random(in: -0.1...0.1, using: &generator) }
            return (name, Tensor(values, shape: shape))
        })
}
