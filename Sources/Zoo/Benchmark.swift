import Foundation

/// `zoo bench`: a model's eval forward and (optionally) SGD training step, timed as medians after
/// warm-up, with throughput, achieved GFLOP/s, peak resident memory and the kernel path in use.
/// ```swift
/// let result = try ModelBenchmark(model: "resnet50", batch: 8, train: true).run()
/// print(result.forwardMilliseconds, result.trainStepMilliseconds ?? 0)
/// ```
public struct ModelBenchmark: Sendable {
    public enum DType: String, Sendable, CaseIterable {
        case float32 = "f32"
        case bfloat16 = "bf16"
    }

    public enum Failure: Error, CustomStringConvertible {
        case bfloat16Unsupported(String)
        case notAClassifier(String)

        public var description: String {
            switch self {
            case .bfloat16Unsupported(let why): "bfloat16 inference is not available: \(why)"
            case .notAClassifier(let name):
                "\(name) is not a classifier (no ClassifierModel head to train with --frozen)"
            }
        }
    }

    public var model: String
    public var batch = 8
    public var inputSize = 224
    public var train = false
    /// Train only the classifier (the rest frozen: no gradients, batch norms in eval mode).
    public var frozen = false
    public var threads: Int?
    public var dtype = DType.float32
    public var warmup = 2
    public var runs = 5

    public init(
        model: String, batch: Int = 8, inputSize: Int = 224, train: Bool = false, frozen: Bool = false,
        threads: Int? = nil, dtype: DType = .float32, warmup: Int = 2, runs: Int = 5
    ) {
        (self.model, self.batch, self.inputSize, self.train, self.frozen) = (model, batch, inputSize, train, frozen)
        (self.threads, self.dtype, self.warmup, self.runs) = (threads, dtype, warmup, runs)
    }

    public struct Result: Sendable {
        public let model: String
        public let batch: Int
        public let inputSize: Int
        public let threads: Int
        public let dtype: String
        public let forwardMilliseconds: Double
        public let trainStepMilliseconds: Double?
        public let imagesPerSecond: Double
        public let gflops: Double
        public let peakRSSMegabytes: Double
        public let backend: String

        /// One JSON object (the last line of `zoo bench --json`).
        public var json: String {
            func number(_ value: Double) -> String { String(format: "%.3f", value) }
            var fields = [
                "\"model\": \"\(model)\"", "\"batch\": \(batch)", "\"input_size\": \(inputSize)",
                "\"threads\": \(threads)", "\"dtype\": \"\(dtype)\"", "\"forward_ms\": \(number(forwardMilliseconds))",
            ]
            if let trainStepMilliseconds { fields.append("\"train_step_ms\": \(number(trainStepMilliseconds))") }
            fields += [
                "\"images_per_s\": \(number(imagesPerSecond))", "\"gflops\": \(number(gflops))",
                "\"peak_rss_mb\": \(number(peakRSSMegabytes))",
                "\"backend\": \"\(backend.replacingOccurrences(of: "\"", with: "'"))\"",
            ]
            return "{" + fields.joined(separator: ", ") + "}"
        }
    }

    /// Whether this CPU can run bfloat16 inference, and if not why.
    public static var bfloat16Support: (supported: Bool, reason: String) {
        guard let isa = KernelPath.oneDNNISA else { return (false, "oneDNN (libdnnl) is not available") }
        if isa.hasPrefix("avx512_core_bf16") || isa.hasPrefix("avx512_core_amx") { return (true, isa) }
        return (false, "this CPU has no AVX512_BF16 (oneDNN's instruction set here is \(isa))")
    }

    /// Throws unless this machine can run `dtype` (`zoo bench` and `zoo predict` call it first).
    public static func requireSupport(for dtype: DType) throws {
        guard dtype == .bfloat16 else { return }
        let support = bfloat16Support
        // bf16 kernels exist in oneDNN only for AVX512_BF16/AMX; elsewhere it would emulate them slowly.
        guard support.supported else { throw Failure.bfloat16Unsupported(support.reason) }
        throw Failure.bfloat16Unsupported("bf16 kernels are not wired into zoo yet (CPU: \(support.reason))")
    }

    public func run() throws -> Result {
        try Self.requireSupport(for: dtype)
        if let threads { KernelPath.threads = threads }
        let network = try createModel(model)
        var rng = RandomGenerator(seed: 0)
        let x = Tensor.normal([batch, 3, inputSize, inputSize], using: &rng)

        network.eval()
        var flops = 0.0
        let forward = Self.median(warmup: warmup, runs: runs) {
            _ = withNoGrad { network(x) }
        }
        flops = FlopCounter.measure { _ = withNoGrad { network(x) } }
        var step: Double?
        if train {
            network.train()
            if frozen {
                guard let classifier = network as? ClassifierModel else { throw Failure.notAClassifier(model) }
                _ = try network.freeze(matching: "*")
                _ = try network.unfreeze(matching: classifier.classifierName + ".*")
                // Frozen layers keep their batch norms in eval mode, as timm's FrozenBatchNorm2d.
                network.eval()
                for (name, module) in network.namedModules() where name.hasPrefix(classifier.classifierName) {
                    module.train()
                }
            }
            let labels = Tensor(indices: (0..<batch).map { $0 % 10 })
            let optimizer = SGD(parameters: network.trainableParameters(), lr: 0.01, momentum: 0.9, weightDecay: 1e-4)
            let body = {
                optimizer.zeroGrad()
                let loss = Loss.crossEntropy(network(x), labels)
                loss.backward()
                optimizer.step()
            }
            step = Self.median(warmup: warmup, runs: runs, body)
            flops = FlopCounter.measure(body)
        }
        let seconds = step ?? forward
        return Result(
            model: model, batch: batch, inputSize: inputSize, threads: KernelPath.threads, dtype: dtype.rawValue,
            forwardMilliseconds: forward * 1000, trainStepMilliseconds: step.map { $0 * 1000 },
            imagesPerSecond: Double(batch) / seconds, gflops: flops / seconds / 1e9,
            peakRSSMegabytes: Self.peakResidentMegabytes(), backend: KernelPath.summary)
    }

    static func median(warmup: Int, runs: Int, _ body: () -> Void) -> Double {
        for _ in 0..<warmup { body() }
        var times: [Double] = []
        for _ in 0..<Swift.max(runs, 1) {
            let start = DispatchTime.now().uptimeNanoseconds
            body()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        return times.sorted()[times.count / 2]
    }

    /// The process's peak resident set (getrusage's ru_maxrss), in MB.
    public static func peakResidentMegabytes() -> Double {
        var usage = rusage()
        #if os(Linux)
            getrusage(RUSAGE_SELF.rawValue, &usage)
            return Double(usage.ru_maxrss) / 1024  // kilobytes
        #else
            getrusage(RUSAGE_SELF, &usage)
            return Double(usage.ru_maxrss) / 1_048_576  // bytes
        #endif
    }
}
