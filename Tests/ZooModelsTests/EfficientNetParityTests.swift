import Foundation
import Testing
import ZooCheckpoint
import ZooModels
import ZooNN
import ZooRegistry
import ZooTensor

/// One representative per block kind, padding mode, norm, attention and head of the EfficientNet and
/// MobileNetV3 families against timm on the same weights and input (fixtures from
/// tools/parity/make_efficientnet_fixtures.py; every architecture is in the sweep, docs/parity.md).
@Suite(.serialized)
struct EfficientNetParityTests {
    static let representatives = [
        "efficientnet_b0", "tf_efficientnet_b0", "mixnet_s", "tf_mixnet_s", "efficientnet_cc_b0_4e", "efficientnet_es",
        "tf_efficientnetv2_b0", "efficientnet_x_b3", "efficientnet_b0_gn", "test_efficientnet_ln",
        "test_efficientnet_evos", "efficientnet_b0_g16_evos", "gc_efficientnetv2_rw_t", "efficientnet_blur_b0",
        "efficientnet_b1_pruned", "mobilenet_edgetpu_v2_xs", "mobilenetv1_100h", "mobilenetv2_050",
        "mobilenetv3_small_050", "tf_mobilenetv3_small_minimal_100", "lcnet_050", "fbnetv3_b", "mobilenetv4_conv_small",
        "mobilenetv4_conv_aa_medium", "mobilenetv4_hybrid_medium",
    ]
    static let trainStep = [
        "efficientnet_b0", "mobilenetv3_small_050", "mixnet_s", "efficientnet_cc_b0_4e", "mobilenetv4_hybrid_medium",
    ]

    static func make(_ name: String, featuresOnly: Bool = false) throws -> Module {
        if MobileNetV3Variants.all[name] != nil { return try makeMobileNetV3(name, featuresOnly: featuresOnly) }
        return try makeEfficientNet(name, featuresOnly: featuresOnly)
    }

    /// timm: `model.state_dict()` keys, shapes and dtypes, in order.
    @Test(arguments: representatives)
    func stateDictMatchesTimm(variant: String) throws {
        try ParityFixtures.expectStateDictMatches(withoutWeightInitialization { try Self.make(variant) }, variant)
    }

    /// timm: `model.eval(); logits = model(x)`, within 1e-4 of the largest logit.
    @Test(arguments: representatives)
    func evalLogitsMatchTimm(variant: String) throws {
        let weights = try ParityFixtures.tensors("\(variant).safetensors")
        let io = try ParityFixtures.tensors("\(variant).io.safetensors")
        let model = try withoutWeightInitialization { try Self.make(variant) }
        let report = try model.loadStateDict(weights.tensors)
        #expect(report.isComplete)
        model.eval()
        let logits = withNoGrad { model(try! io["input"]) }
        let error = relativeError(logits, try io["logits"])
        print("parity \(variant): eval logits relative error \(error)")
        #expect(error <= 1e-4, "\(variant): logits differ from timm's by \(error) of the largest logit")
    }

    /// timm in train mode: `loss = F.cross_entropy(model(x), target); loss.backward()`: the loss, the
    /// running statistics after the step and every parameter gradient, within 1e-3 relative (or twice
    /// PyTorch's own float32 error, where that is larger). The references are float64.
    @Test(arguments: trainStep)
    func trainStepMatchesPyTorch(variant: String) throws {
        let weights = try ParityFixtures.tensors("\(variant).safetensors")
        let step = try ParityFixtures.tensors("\(variant).train.safetensors")
        let model = try withoutWeightInitialization { try Self.make(variant) }
        try model.loadStateDict(weights.tensors)
        model.train()
        let logits = model(try step["input"])
        let target = try step["target"]
        let picked = logits.logSoftmax(dim: 1).gather(dim: 1, index: target.reshape([target.count, 1]))
        let loss = -(picked * (1 / Float(target.count))).sum()
        loss.backward()
        let expectedLoss = try step["loss"].item()
        #expect(abs(loss.item() - expectedLoss) <= 1e-3 * abs(expectedLoss), "loss \(loss.item()) vs \(expectedLoss)")
        var worstBuffer: Float = 0, worstGradient: Float = 0
        for (key, buffer) in model.namedBuffers() {
            let expected = try step["after.\(key)"]
            if buffer.dtype == .int64 {
                #expect(buffer.toInts() == expected.toInts(), "\(key)")
                continue
            }
            let error = relativeError(buffer, expected)
            worstBuffer = max(worstBuffer, error)
            #expect(error <= 1e-3, "\(variant): running statistic \(key) differs by \(error)")
        }
        // Per parameter: how far PyTorch's own float32 gradient strays from the float64 reference.
        struct Floors: Decodable {
            let gradientFloor: [String: Double]
            enum CodingKeys: String, CodingKey { case gradientFloor = "gradient_floor" }
        }
        let floors = try JSONDecoder().decode(
            Floors.self, from: Data(contentsOf: ParityFixtures.file("\(variant).json")))
        // A batch norm's bias right before another (train-mode) batch norm gets a gradient that is
        // zero up to rounding in both frameworks, so each error is relative to at least a
        // thousandth of the largest gradient in the model.
        let expected = try model.namedParameters().map { key, _ in try step["grad.\(key)"] }
        let floor = 1e-3 * expected.map { $0.abs().max().item() }.max()!
        for ((key, parameter), reference) in zip(model.namedParameters(), expected) {
            guard let grad = parameter.grad else { Issue.record("\(variant): no gradient for \(key)"); continue }
            let scale = max(reference.abs().max().item(), floor)
            let error = (grad - reference).abs().max().item() / scale
            worstGradient = max(worstGradient, error)
            let tolerance = max(
                1e-3, 2 * Float(try #require(floors.gradientFloor[key], "\(variant): no floor for \(key)")))
            #expect(error <= tolerance, "\(variant): gradient of \(key) differs by \(error)")
        }
        print(
            "parity \(variant) train: loss \(loss.item()) vs \(expectedLoss), stats \(worstBuffer), grads \(worstGradient)"
        )
    }

    /// timm: `create_model(name, features_only=True)`: `feature_info` (channels, reduction, module) and
    /// the maps, which are the stage outputs of the full model on the same weights.
    @Test(arguments: ["efficientnet_b0", "mobilenetv3_small_050", "mobilenetv4_hybrid_medium", "efficientnet_x_b3"])
    func featureInfoMatchesTimm(variant: String) throws {
        struct Meta: Decodable {
            let featureInfo: [Entry]
            struct Entry: Decodable, Equatable { let numChs: Int, reduction: Int, module: String }
        }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        let meta = try decoder.decode(Meta.self, from: Data(contentsOf: ParityFixtures.file("\(variant).json")))
        let model = try withoutWeightInitialization { try Self.make(variant) }
        let backbone = try #require(model as? any FeatureExtracting)
        #expect(
            backbone.featureInfo.map { Meta.Entry(numChs: $0.channels, reduction: $0.reduction, module: $0.module) }
                == meta.featureInfo)
        try model.loadStateDict(try ParityFixtures.tensors("\(variant).safetensors").tensors)
        model.eval()
        let input = try ParityFixtures.tensors("\(variant).io.safetensors")["input"]
        let maps = withNoGrad { backbone.forwardIntermediates(input, indices: Array(backbone.featureInfo.indices)) }
        #expect(maps.map { $0.shape[1] } == meta.featureInfo.map(\.numChs))
        #expect(maps.map { input.shape[2] / $0.shape[2] } == meta.featureInfo.map(\.reduction))
        let features = withNoGrad { (model as! any ClassifierModel).forwardFeatures(input) }
        if variant.hasPrefix("mobilenetv") {  // no head conv before pooling: the last map is the features
            #expect(relativeError(maps.last!, features) == 0)
        }
    }

    static let torchvision = [
        "efficientnet_b0", "efficientnet_v2_s", "mnasnet0_5", "mnasnet1_3", "mobilenet_v2", "mobilenet_v3_large",
        "mobilenet_v3_small",
    ]

    /// torchvision: `torch.save(model.state_dict())` of a random model loads strictly into the zoo
    /// architecture docs/torchvision.md names, through its registered checkpoint filter, and gives
    /// torchvision's eval logits within 1e-4 of the largest.
    @Test(arguments: torchvision)
    func torchvisionCheckpointLoads(name: String) throws {
        let (architecture, error) = try ParityFixtures.torchvisionCheckpointError(name)
        print("parity torchvision \(name) as \(architecture): eval logits relative error \(error)")
        #expect(error <= 1e-4, "\(name): logits differ from torchvision's by \(error) of the largest logit")
    }
}
