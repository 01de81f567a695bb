import ArgumentParser
import Foundation
import Zoo

extension ModelBenchmark.DType: ExpressibleByArgument {}

/// `zoo bench NAME [--batch B] [--input-size S] [--train] [--frozen] [--threads T] [--dtype f32|bf16] [--json]`.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Time a model's eval forward (and with --train an SGD step) on random input.",
        discussion: """
            Builds the model with random weights, warms up, and prints the median time per batch, \
            images/s, achieved GFLOP/s, peak resident memory and the kernel path in use. \
            ZOO_CONV=gemm selects the plain GEMM path instead of oneDNN.
            """
    )

    @Argument(help: "architecture, such as resnet50.")
    var name: String

    @Option(help: "Images per batch.")
    var batch = 8

    @Option(help: "Height and width of the input images.")
    var inputSize = 224

    @Flag(help: "Also time a full SGD step (forward, cross-entropy, backward, update) in train mode.")
    var train = false

    @Flag(help: "With --train, train only the classifier (the backbone frozen).")
    var frozen = false

    @Option(help: "Threads for convolutions, GEMMs and zoo's loops (default: one per core).")
    var threads: Int?

    @Option(help: "Arithmetic: f32, or bf16 where the CPU has AVX512_BF16.")
    var dtype = ModelBenchmark.DType.float32

    @Option(help: "Timed runs (the median is printed).")
    var runs = 5

    @Flag(help: "End with one JSON object on the last line.")
    var json = false

    func validate() throws {
        guard batch > 0, inputSize > 0, runs > 0 else {
            throw ValidationError("--batch, --input-size and --runs must be positive")
        }
        if let threads, threads <= 0 { throw ValidationError("--threads must be positive") }
        if frozen && !train { throw ValidationError("--frozen needs --train") }
    }

    func run() throws {
        let benchmark = ModelBenchmark(
            model: name, batch: batch, inputSize: inputSize, train: train, frozen: frozen,
            threads: threads, dtype: dtype, runs: runs)
        let result: ModelBenchmark.Result
        do {
            result = try benchmark.run()
        } catch let failure as ModelBenchmark.Failure {
            throw ValidationError(failure.description)
        }
        func ms(_ value: Double) -> String { String(format: "%.1f ms", value) }
        print(
            "\(result.model), batch \(result.batch), \(result.inputSize)x\(result.inputSize), \(result.threads) threads, \(result.dtype)"
        )
        print("  eval forward      \(ms(result.forwardMilliseconds)) (median of \(runs))")
        if let step = result.trainStepMilliseconds {
            print("  SGD step\(frozen ? " (frozen)" : "")   \(ms(step)) (median of \(runs))")
        }
        print(
            String(
                format: "  %.1f images/s, %.1f GFLOP/s, peak RSS %.0f MB", result.imagesPerSecond, result.gflops,
                result.peakRSSMegabytes))
        print("  kernels: \(result.backend)")
        if json { print(result.json) }
    }
}
