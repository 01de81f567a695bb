// zoo-parity DIR ARCH...: the Swift half of tools/parity/sweep.py (run it through that script).
//
// For each ARCH, reads DIR/ARCH.weights.safetensors (timm's or torchvision's state dict) and
// DIR/ARCH.io.safetensors (`input`, `target`; metadata `first_conv`, `classifier`, `num_classes`),
// builds ARCH with `createModel(checkpointPath:)` (so the family's checkpoint filter runs), and
// writes DIR/ARCH.zoo.safetensors: eval `logits`, the train-mode `loss` and the gradients
// `grad.<first_conv>.weight` and `grad.<classifier>.weight`; metadata `keys` is the model's own
// state dict as JSON [[key, shape], ...]. A failure prints "ARCH: error" and moves on.
// `ROW=ARCH` reads and writes the files of ROW but builds ARCH: a torchvision model's state dict
// (row `tv.regnet_x_400mf`) loaded into its timm twin (`regnetx_004_tv`).
import Foundation
import Zoo

let arguments = CommandLine.arguments.dropFirst()
guard arguments.count >= 2 else {
    FileHandle.standardError.write(Data("usage: zoo-parity DIR ARCH...\n".utf8))
    exit(2)
}
let directory = URL(fileURLWithPath: arguments.first!)
var failures = 0

func run(_ argument: String) throws {
    let parts = argument.split(separator: "=", maxSplits: 1).map(String.init)
    let (row, arch) = (parts[0], parts.last!)
    let io = try Checkpoint.load(directory.appendingPathComponent("\(row).io.safetensors").path)
    func tensor(_ name: String) throws -> Tensor {
        guard let found = io.tensors.first(where: { $0.name == name }) else { throw ParityError.missing(name) }
        return found.tensor
    }
    let numClasses = Int(io.metadata["num_classes"] ?? "1000") ?? 1000
    let weights = directory.appendingPathComponent("\(row).weights.safetensors").path
    let model = try withoutWeightInitialization {
        // Fixed-size families (ViT, Swin) are checked at a small `img_size` the reference was built with.
        try createModel(
            arch, numClasses: numClasses, checkpointPath: weights, imgSize: io.metadata["img_size"].flatMap { Int($0) })
    }
    let keys = model.stateDict().map { "[\"\($0.0)\", \($0.1.shape)]" }.joined(separator: ", ")

    model.eval()
    let logits = withNoGrad { model(try! tensor("input")) }

    model.train()
    let trainLogits = model(try tensor("input"))
    let loss = Loss.crossEntropy(trainLogits, try tensor("target"))
    loss.backward()
    var outputs: [(name: String, tensor: Tensor)] = [("logits", logits), ("loss", loss.detach())]
    let parameters = Dictionary(model.namedParameters(), uniquingKeysWith: { first, _ in first })
    for prefix in [io.metadata["first_conv"], io.metadata["classifier"]].compactMap({ $0 }) {
        let key = "\(prefix).weight"
        guard let grad = parameters[key]?.grad else { throw ParityError.missing("gradient of \(key)") }
        outputs.append(("grad.\(key)", grad))
    }
    let result = Checkpoint(tensors: outputs, metadata: ["keys": "[\(keys)]"])
    try result.save(directory.appendingPathComponent("\(row).zoo.safetensors").path, format: .safetensors)
}

enum ParityError: Error, CustomStringConvertible {
    case missing(String)
    var description: String {
        switch self {
        case .missing(let what): "missing \(what)"
        }
    }
}

for argument in arguments.dropFirst() {
    let row = argument.split(separator: "=", maxSplits: 1).first.map(String.init) ?? argument
    do {
        try run(argument)
        print("\(row): ok")
    } catch {
        failures += 1
        print("\(row): error: \(error)")
    }
}
exit(failures == 0 ? 0 : 1)
