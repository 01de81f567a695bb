import Foundation
import Testing
import ZooModels
import ZooNN
import ZooTensor

/// One representative per kind of ResNet stem, block, shortcut, attention, anti-aliasing and norm
/// against timm on the same weights and input (fixtures from tools/parity/make_resnet_fixtures.py,
/// whose REPRESENTATIVES list this mirrors; tools/parity/sweep.py checks every variant).
/// Serialized: the models need hundreds of MB each.
@Suite(.serialized)
struct ResNetParityTests {
    /// Fixture names: a variant, or `<variant>.l1111` for it with one block per stage.
    static let representatives = [
        "resnet18", "resnet10t", "resnet26d.l1111", "resnet50s.l1111", "resnext50_32x4d.l1111", "wide_resnet50_2.l1111",
        "seresnet34.l1111", "seresnext26t_32x4d", "ecaresnet26t", "ecaresnetlight.l1111", "ecaresnet50d_pruned",
        "resnetblur18", "resnetblur50d.l1111", "resnetaa34d.l1111", "resnetaa50.l1111", "resnet50_gn.l1111",
        "resnetrs50.l1111", "senet154.l1111",
    ]

    static func build(_ fixture: String) throws -> ResNet {
        let parts = fixture.split(separator: ".")
        var config = try #require(ResNetVariants.all[String(parts[0])], "unknown variant in \(fixture)")
        if parts.count > 1 { config.layers = parts[1].dropFirst().map { Int(String($0))! } }
        return withoutWeightInitialization { ResNet(config: config) }
    }

    /// timm: `model.state_dict()` keys, shapes and dtypes, in order.
    @Test(arguments: representatives)
    func stateDictMatchesTimm(fixture: String) throws {
        let manifest = try ParityFixtures.manifest(fixture)
        let model = try Self.build(fixture)
        let ours = model.stateDict().map { key, tensor in
            ParityFixtures.Manifest.KeyEntry(
                key: key, shape: tensor.shape, dtype: tensor.dtype == .int64 ? "I64" : "F32")
        }
        #expect(ours.count == manifest.keys.count)
        for (index, (mine, theirs)) in zip(ours, manifest.keys).enumerated() where mine != theirs {
            Issue.record("\(fixture) entry \(index): ours \(mine), timm's \(theirs)")
            break
        }
    }

    /// timm: `model.eval(); logits = model(x)`, x of [2, 3, 64, 64], within 1e-4 of the largest logit.
    @Test(arguments: representatives)
    func evalLogitsMatchTimm(fixture: String) throws {
        let weights = try ParityFixtures.tensors("\(fixture).safetensors")
        let io = try ParityFixtures.tensors("\(fixture).io.safetensors")
        let model = try Self.build(fixture)
        let report = try model.loadStateDict(weights.tensors)
        #expect(report.isComplete)
        model.eval()
        let logits = withNoGrad { model(try! io["input"]) }
        let error = relativeError(logits, try io["logits"])
        print("parity \(fixture): eval logits relative error \(error)")
        #expect(error <= 1e-4, "\(fixture): logits differ from timm's by \(error) of the largest logit")
    }

    /// timm in train mode: `loss = F.cross_entropy(model(x), target); loss.backward()`, then the
    /// running statistics and every parameter gradient, each within 1e-3 of its largest value (or
    /// twice PyTorch's own float32 error, where that is larger).
    @Test(arguments: representatives)
    func trainStepMatchesPyTorch(fixture: String) throws {
        let weights = try ParityFixtures.tensors("\(fixture).safetensors")
        let step = try ParityFixtures.tensors("\(fixture).train.safetensors")
        let model = try Self.build(fixture)
        try model.loadStateDict(weights.tensors)
        model.train()

        let logits = model(try step["input"])
        let target = try step["target"]
        // Cross entropy: −mean(log softmax at the target). Written as a scaled sum because gather's
        // backward misreads a non-contiguous incoming gradient (mean's broadcast one) in ZooTensor today.
        let picked = logits.logSoftmax(dim: 1).gather(dim: 1, index: target.reshape([target.count, 1]))
        let loss = -(picked * (1 / Float(target.count))).sum()
        loss.backward()

        let expectedLoss = try step["loss"].item()
        #expect(
            abs(loss.item() - expectedLoss) <= 1e-3 * abs(expectedLoss),
            "loss \(loss.item()) vs PyTorch's \(expectedLoss)")
        // Gradients are exact (float64) ones; where PyTorch's own float32 rounding strays past 1e-3
        // (train-mode norms over 2×2 maps in deep stages), twice its error is allowed.
        struct Floors: Decodable { let gradient_floor: [String: Double] }
        let floors = try JSONDecoder().decode(
            Floors.self, from: Data(contentsOf: ParityFixtures.file("\(fixture).json")))
        var worstBuffer: Float = 0, worstGradient: Float = 0
        for (key, buffer) in model.namedBuffers() {
            let expected = try step["after.\(key)"]
            if buffer.dtype == .int64 {
                #expect(buffer.toInts() == expected.toInts(), "\(key)")
                continue
            }
            let error = relativeError(buffer, expected)
            worstBuffer = max(worstBuffer, error)
            #expect(error <= 1e-3, "\(fixture): running statistic \(key) differs by \(error)")
        }
        for (key, parameter) in model.namedParameters() {
            guard let grad = parameter.grad else { Issue.record("\(fixture): no gradient for \(key)"); continue }
            let error = relativeError(grad, try step["grad.\(key)"])
            worstGradient = max(worstGradient, error)
            let tolerance = max(1e-3, 2 * Float(floors.gradient_floor[key] ?? 0))
            #expect(error <= tolerance, "\(fixture): gradient of \(key) differs by \(error)")
        }
        print(
            "parity \(fixture) train: loss \(loss.item()) vs \(expectedLoss), running stats \(worstBuffer), gradients \(worstGradient)"
        )
    }
}
