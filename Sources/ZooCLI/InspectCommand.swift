import ArgumentParser
import Zoo

struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "List a checkpoint's tensors with their dtypes, shapes and sizes."
    )

    @Argument(help: "A .zoo, PyTorch or safetensors file.") var file: String
    @Flag(help: "Check every entry's CRC-32 as well (reads all the bytes).") var verify = false
    @Flag(help: "Take EMA weights from training checkpoints that hold both.") var ema = false

    @OptionGroup(title: "Decompression limits") var readLimits: ReadLimitOptions

    func run() throws {
        readLimits.apply()
        let format = try Checkpoint.format(of: file)
        let checkpoint = try Checkpoint.load(file, options: LoadOptions(verifyChecksums: verify, preferEMA: ema))
        print("\(file): \(format.rawValue)")
        if let architecture = checkpoint.architecture {
            print("architecture: \(architecture)" + (checkpoint.tag.map { " (tag \($0))" } ?? ""))
        }
        if let config = checkpoint.config { print("default_cfg: \(config.serialized())") }
        for key in checkpoint.metadata.keys.sorted() { print("metadata \(key): \(checkpoint.metadata[key]!)") }
        if let training = checkpoint.training { print("training: \(training.serialized())") }
        let shapes = checkpoint.tensors.map { "[" + $0.tensor.shape.map(String.init).joined(separator: ", ") + "]" }
        let nameWidth = min(checkpoint.names.map(\.count).max() ?? 0, 60)
        let shapeWidth = min(shapes.map(\.count).max() ?? 0, 40)
        for ((name, tensor), shape) in zip(checkpoint.tensors, shapes) {
            print(
                "\(pad(name, nameWidth))  \(pad(tensor.dtype.rawValue, 8))  \(pad(shape, shapeWidth))  \(formatBytes(tensor.count * tensor.dtype.byteSize))"
            )
        }
        if let optimizer = checkpoint.optimizer { print("optimizer: \(optimizer.tensors.count) tensors") }
        print(
            "total: \(checkpoint.tensors.count) tensors, \(checkpoint.tensors.reduce(0) { $0 + $1.tensor.count }) values, \(formatBytes(checkpoint.byteCount))"
        )
    }
}

private func pad(_ text: String, _ width: Int) -> String {
    text.count < width ? text + String(repeating: " ", count: width - text.count) : text
}
