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

/// max |actual − expected| / max |expected|: the error relative to the tensor's largest magnitude
/// (or to `scaleAtLeast` where that is larger).
func relativeError(_ actual: Tensor, _ expected: Tensor, scaleAtLeast floor: Float = 0) -> Float {
    precondition(actual.shape == expected.shape, "comparing \(actual.shape) with \(expected.shape)")
    let a = actual.toArray(), e = expected.toArray()
    if a.contains(where: \.isNaN) { return .infinity }
    let scale = e.reduce(floor) { max($0, abs($1)) }
    let worst = zip(a, e).reduce(0) { max($0, abs($1.0 - $1.1)) }
    return scale > 0 ? worst / scale : worst
}

extension ParityFixtures {
    /// Records an issue unless `model`'s state dict (keys, shapes, dtypes, in order) is timm's for `variant`.
    static func expectStateDictMatches(_ model: Module, _ variant: String) throws {
        expectStateDict(model, equals: try manifest(variant).keys, variant)
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

extension ParityFixtures {
    /// Records an issue unless `model`'s state dict (keys, shapes, dtypes, in order) is `keys`.
    static func expectStateDict(_ model: Module, equals keys: [Manifest.KeyEntry], _ label: String) {
        let ours = model.stateDict().map { key, tensor in
            Manifest.KeyEntry(key: key, shape: tensor.shape, dtype: tensor.dtype == .int64 ? "I64" : "F32")
        }
        #expect(ours.count == keys.count, "\(label): \(ours.count) entries, the reference has \(keys.count)")
        for (index, (mine, theirs)) in zip(ours, keys).enumerated() where mine != theirs {
            Issue.record("\(label) entry \(index): ours \(mine), the reference's \(theirs)")
            break
        }
    }

    /// A small representative against its reference on the same random weights (`<fixture>.safetensors`,
    /// `<fixture>.io.safetensors`): the weights load completely; the eval logits, and whatever features
    /// the fixture carries (ViT's forward_features, pre-logits and intermediates, ConvNeXt's and Swin's
    /// stage outputs), within 1e-4 of the largest; one train-mode step's loss, and each parameter's
    /// gradient within 1e-3 of its largest reference value, or of `gradientFloor` times the largest
    /// reference gradient where that is larger. `everyGradient`: every parameter has a reference gradient.
    static func expectLogitsAndGradientsMatch(
        _ model: Module, _ fixture: String, gradientFloor: Float = 0, everyGradient: Bool = false
    ) throws {
        let weights = try tensors("\(fixture).safetensors")
        let io = try tensors("\(fixture).io.safetensors")
        let report = try model.loadStateDict(weights.tensors)
        #expect(report.isComplete, "\(fixture): \(report)")
        model.eval()
        let x = try io["input"]
        let logits = withNoGrad { model(x) }
        let error = relativeError(logits, try io["logits"])
        print("parity \(fixture): eval logits relative error \(error)")
        #expect(error <= 1e-4, "\(fixture): logits differ from the reference's by \(error)")

        if let vit = model as? VisionTransformer, io.tensors["features"] != nil {
            let features = withNoGrad { vit.forwardFeatures(x) }
            #expect(relativeError(features, try io["features"]) <= 1e-4, "\(fixture) forward_features")
            let preLogits = withNoGrad { vit.forwardHead(features, preLogits: true) }
            #expect(relativeError(preLogits, try io["pre_logits"]) <= 1e-4, "\(fixture) forward_head(pre_logits)")
            let intermediates = withNoGrad { vit.forwardIntermediates(x, indices: [0, 1]) }
            for (i, t) in intermediates.enumerated() {
                #expect(relativeError(t, try io["intermediate.\(i)"]) <= 1e-4, "\(fixture) forward_intermediates[\(i)]")
            }
        }
        let stageOutputs =
            (model as? ConvNeXt).map { m in { m.forwardStages($0) } }
            ?? (model as? SwinTransformer).map { m in { m.forwardStages($0) } }
        if let stageOutputs {
            let stages = withNoGrad { stageOutputs(x) }
            for (i, t) in stages.enumerated() {
                #expect(relativeError(t, try io["stage.\(i)"]) <= 1e-4, "\(fixture) features_only stage \(i)")
            }
        }

        model.train()
        let target = try io["target"]
        let out = model(x)
        let picked = out.logSoftmax(dim: 1).gather(dim: 1, index: target.reshape([target.count, 1]))
        let loss = -(picked * (1 / Float(target.count))).sum()
        loss.backward()
        let expectedLoss = try io["loss"].item()
        #expect(
            abs(loss.item() - expectedLoss) <= 1e-3 * max(1, abs(expectedLoss)),
            "\(fixture): loss \(loss.item()) vs \(expectedLoss)")
        let references = io.tensors.filter { $0.key.hasPrefix("grad.") }
        let floor = gradientFloor * (references.values.map { $0.abs().max().item() }.max() ?? 0)
        var worst: Float = 0, compared = 0
        for (key, parameter) in model.namedParameters() {
            guard let expected = references["grad.\(key)"] else { continue }
            guard let grad = parameter.grad else {
                Issue.record("\(fixture): no gradient for \(key)")
                continue
            }
            let e = relativeError(grad, expected, scaleAtLeast: floor)
            worst = max(worst, e)
            compared += 1
            #expect(e <= 1e-3, "\(fixture): gradient of \(key) differs by \(e)")
        }
        if everyGradient {
            #expect(compared == model.namedParameters().count, "\(fixture): \(compared) gradients compared")
        }
        print("parity \(fixture): train gradients worst relative error \(worst)")
    }
}
