// zoo-parity: the Swift half of tools/parity/sweep.py (run it through that script).
//
// `zoo-parity --list` prints every registered architecture that has a builder, one
// `family<TAB>name` a line, in natural order of names: the set the sweep must check.
//
// `zoo-parity DIR ROW[=ARCH]...`: for each ROW, reads DIR/ROW.weights.safetensors (timm's or
// torchvision's state dict) and DIR/ROW.io.safetensors (`input`, `target`; metadata `model` (the
// name to build, default ROW), `first_conv`, `classifier` (zoo's parameter prefixes; absent: no
// gradients), `num_classes`, `img_size`, `freeze` ("1": only those two parameters get gradients,
// which halves the memory of the giant models)), builds the model with
// `createModel(checkpointPath:)` (so the family's checkpoint filter runs and the load is strict),
// and writes DIR/ROW.zoo.safetensors: eval `logits`, the train-mode `loss` and the gradients
// `grad.<first_conv>.weight` and `grad.<classifier>.weight`; metadata `keys` is the model's own
// state dict as JSON [[key, shape], ...]. A failure prints "ROW: error: ..." and moves on.
import Foundation
import Zoo

let arguments = Array(CommandLine.arguments.dropFirst())
if arguments == ["--list"] {
    BuiltinModels.register()
    for architecture in Zoo.registry.architectures where architecture.builder != nil {
        print("\(architecture.family)\t\(architecture.name)")
    }
    exit(0)
}
guard arguments.count >= 2 else {
    FileHandle.standardError.write(Data("usage: zoo-parity --list | zoo-parity DIR ROW...\n".utf8))
    exit(2)
}
let directory = URL(fileURLWithPath: arguments[0])
var failures = 0

func run(_ argument: String) throws {
    // `ROW=ARCH` (older sweeps) builds ARCH from ROW's files, as metadata `model` does.
    let parts = argument.split(separator: "=", maxSplits: 1).map(String.init)
    let row = parts[0]
    let io = try Checkpoint.load(directory.appendingPathComponent("\(row).io.safetensors").path)
    func tensor(_ name: String) throws -> Tensor {
        guard let found = io.tensors.first(where: { $0.name == name }) else { throw ParityError.missing(name) }
        return found.tensor
    }
    let numClasses = Int(io.metadata["num_classes"] ?? "1000") ?? 1000
    let weights = directory.appendingPathComponent("\(row).weights.safetensors").path
    let model = try withoutWeightInitialization {
        // Fixed-size families (ViT, Swin) are checked at a small `img_size` the reference was built with.
        // No dropout or drop path: the reference's train step runs without them too.
        try createModel(
            parts.count == 2 ? parts[1] : io.metadata["model"] ?? row, numClasses: numClasses, dropRate: 0, checkpointPath: weights,
            imgSize: io.metadata["img_size"].flatMap { Int($0) }, dropPathRate: 0)
    }
    let keys = model.stateDict().map { "[\"\($0.0)\", \($0.1.shape)]" }.joined(separator: ", ")

    model.eval()
    let logits = withNoGrad { model(try! tensor("input")) }
    var outputs: [(name: String, tensor: Tensor)] = [("logits", logits)]

    let heads = [io.metadata["first_conv"], io.metadata["classifier"]].compactMap { $0 }
    if !heads.isEmpty {
        if io.metadata["freeze"] == "1" {
            try model.freeze(matching: "*")
            for prefix in heads { try model.unfreeze(matching: prefix) }
        }
        model.train()
        let trainLogits = model(try tensor("input"))
        let loss = Loss.crossEntropy(trainLogits, try tensor("target"))
        loss.backward()
        outputs.append(("loss", loss.detach()))
        let parameters = Dictionary(model.namedParameters(), uniquingKeysWith: { first, _ in first })
        for prefix in heads {
            let key = "\(prefix).weight"
            guard let grad = parameters[key]?.grad else { throw ParityError.missing("gradient of \(key)") }
            outputs.append(("grad.\(key)", grad))
        }
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
    let row = String(argument.split(separator: "=", maxSplits: 1).first ?? Substring(argument))
    do {
        try run(argument)
        print("\(row): ok")
    } catch {
        failures += 1
        print("\(row): error: \(error)")
    }
}
exit(failures == 0 ? 0 : 1)
