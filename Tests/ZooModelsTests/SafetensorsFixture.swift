import Foundation
import ZooCheckpoint
import ZooTensor

/// A parity fixture file, read with ZooCheckpoint's safetensors reader.
struct SafetensorsFixture {
    let tensors: [String: Tensor]

    init(contentsOf url: URL) throws {
        let checkpoint = try Checkpoint.load(url.path)
        tensors = Dictionary(uniqueKeysWithValues: checkpoint.tensors.map { ($0.name, $0.tensor) })
    }

    subscript(name: String) -> Tensor {
        get throws {
            guard let tensor = tensors[name] else { throw FixtureError.missingTensor(name) }
            return tensor
        }
    }
}
