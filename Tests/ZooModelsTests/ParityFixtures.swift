import Foundation
import Testing
import ZooCheckpoint
import ZooModels
import ZooNN
import ZooRegistry
import ZooTensor

/// Where the PyTorch-made fixtures live: `$ZOO_PARITY_DIR`, else `<repo>/.cache/parity`.
/// They are too large to commit; `tools/parity/make_resnet_fixtures.py` makes them.
enum ParityFixtures {
    static let directory: URL = {
        if let path = ProcessInfo.processInfo.environment["ZOO_PARITY_DIR"], !path.isEmpty {
            return URL(fileURLWithPath: path)
        }
        // This file is <repo>/Tests/ZooModelsTests/ParityFixtures.swift.
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return repo.appendingPathComponent(".cache/parity")
    }()

    /// The fixture file, or an error telling how to make it (a missing fixture fails, never skips).
    static func file(_ name: String) throws -> URL {
        let url = directory.appendingPathComponent(name)
        guard FileManager.default.fileExists(atPath: url.path) else { throw FixtureError.notGenerated(url) }
        return url
    }

    static func tensors(_ name: String) throws -> SafetensorsFixture {
        try SafetensorsFixture(contentsOf: file(name))
    }

    /// timm's state-dict table for a variant: keys in order, with shapes and dtypes.
    struct Manifest: Decodable {
        let name: String
        let keys: [KeyEntry]
        struct KeyEntry: Decodable, Equatable {
            let key: String, shape: [Int], dtype: String
            init(key: String, shape: [Int], dtype: String) { (self.key, self.shape, self.dtype) = (key, shape, dtype) }
            init(from decoder: Decoder) throws {
                var row = try decoder.unkeyedContainer()
                self.init(
                    key: try row.decode(String.self), shape: try row.decode([Int].self),
                    dtype: try row.decode(String.self))
            }
        }
    }

    static func manifest(_ variant: String) throws -> Manifest {
        try JSONDecoder().decode(Manifest.self, from: Data(contentsOf: file("\(variant).json")))
    }
}

enum FixtureError: Error, CustomStringConvertible {
    case notGenerated(URL)
    case malformed(URL, String)
    case missingTensor(String)

    var description: String {
        switch self {
        case .notGenerated(let url):
            "parity fixture \(url.path) is missing: run `/usr/bin/python3 tools/parity/make_resnet_fixtures.py` "
                + "from the repository root (or set ZOO_PARITY_DIR to a folder it filled) before `swift test`"
        case let .malformed(url, reason): "fixture \(url.path) is malformed: \(reason)"
        case .missingTensor(let name): "fixture has no tensor \"\(name)\""
        }
    }
}

/// max |actual − expected| / max |expected|: the error relative to the tensor's largest magnitude.
func relativeError(_ actual: Tensor, _ expected: Tensor) -> Float {
    precondition(actual.shape == expected.shape, "comparing \(actual.shape) with \(expected.shape)")
    let a = actual.toArray(), e = expected.toArray()
    if a.contains(where: \.isNaN) { return .infinity }
    let scale = e.reduce(0) { max($0, abs($1)) }
    let worst = zip(a, e).reduce(0) { max($0, abs($1.0 - $1.1)) }
    return scale > 0 ? worst / scale : worst
}

extension ParityFixtures {
    /// Records an issue unless `model`'s state dict (keys, shapes, dtypes, in order) is timm's for `variant`.
    static func expectStateDictMatches(_ model: Module, _ variant: String) throws {
        let manifest = try manifest(variant)
        let ours = model.stateDict().map { key, tensor in
            Manifest.KeyEntry(key: key, shape: tensor.shape, dtype: tensor.dtype == .int64 ? "I64" : "F32")
        }
        #expect(ours.count == manifest.keys.count, "\(variant): \(ours.count) entries, timm has \(manifest.keys.count)")
        for (index, (mine, theirs)) in zip(ours, manifest.keys).enumerated() where mine != theirs {
            Issue.record("\(variant) entry \(index): ours \(mine), timm's \(theirs)")
            break
        }
    }

    /// torchvision's random `tv.<name>.pth` loaded strictly into the zoo architecture its `tv.<name>.json`
    /// names, through that architecture's registered checkpoint filter: the eval logits' error against
    /// torchvision's (relative to the largest logit).
    static func torchvisionCheckpointError(_ name: String) throws -> (architecture: String, error: Float) {
        struct Meta: Decodable { let zooArchitecture: String }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        let meta = try decoder.decode(Meta.self, from: Data(contentsOf: file("tv.\(name).json")))
        BuiltinModels.register()
        let architecture = try ModelRegistry.shared.resolve(meta.zooArchitecture).architecture
        let model = try withoutWeightInitialization { try architecture.builder!(ModelArgs()) }
        let filter = try #require(architecture.checkpointFilter, "\(meta.zooArchitecture) has no checkpoint filter")
        let tensors = filter(try Checkpoint.load(file("tv.\(name).pth").path).tensors)
        let report = try model.loadStateDict(StateDict(tensors.map { ($0.name, $0.tensor) }))
        #expect(report.isComplete)
        model.eval()
        let io = try ParityFixtures.tensors("tv.\(name).io.safetensors")
        let logits = withNoGrad { model(try! io["input"]) }
        return (meta.zooArchitecture, relativeError(logits, try io["logits"]))
    }
}
