import Foundation
import Testing
import ZooCheckpoint
import ZooModels
import ZooNN
import ZooRegistry
import ZooTensor

/// One representative per block kind of the RegNet and DenseNet families against timm on the same
/// weights and input, and torchvision's checkpoints of both (fixtures from
/// tools/parity/make_regnet_fixtures.py; every architecture is in the sweep, tools/parity/sweep.py).
@Suite(.serialized)
struct RegNetDenseNetParityTests {
    static let representatives = [
        "regnetx_002", "regnety_002", "regnetz_005", "regnetv_040", "densenet121", "densenetblur121d",
    ]

    static func make(_ name: String) throws -> Module {
        try withoutWeightInitialization {
            RegNetVariants.all[name] != nil ? try makeRegNet(name) : try makeDenseNet(name)
        }
    }

    static func meta<T: Decodable>(_ name: String, as type: T.Type) throws -> T {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(T.self, from: Data(contentsOf: ParityFixtures.file(name)))
    }

    struct Info: Decodable, Equatable { let numChs: Int, reduction: Int, module: String }

    struct Stages: Decodable {
        let stages: [String: [Stage]]
        struct Stage: Decodable {
            let width: Int, depth: Int, groupSize: Int, dropPathRates: [Float]
            init(from decoder: Decoder) throws {
                var row = try decoder.unkeyedContainer()
                (width, depth, groupSize) = (
                    try row.decode(Int.self), try row.decode(Int.self), try row.decode(Int.self)
                )
                dropPathRates = try row.decode([Float].self)
            }
        }
    }

    /// timm's `RegNet._get_stage_args` for every variant (float32 width generation, rounding to
    /// groups, torchvision's rounding for `_tv`), the giants included, without building any model.
    @Test func stagesMatchTimmForEveryVariant() throws {
        let expected = try Self.meta("regnet_stages.json", as: Stages.self).stages
        #expect(Set(expected.keys) == Set(RegNetVariants.names))
        for name in RegNetVariants.names {
            let ours = RegNetVariants.all[name]!.stages()
            let theirs = try #require(expected[name])
            #expect(ours.map(\.width) == theirs.map(\.width), "\(name): widths")
            #expect(ours.map(\.depth) == theirs.map(\.depth), "\(name): depths")
            #expect(ours.map(\.groupSize) == theirs.map(\.groupSize), "\(name): group sizes")
        }
        // Drop path per block, linear over all blocks (timm's calculate_drop_path_rates, stagewise).
        let model = try withoutWeightInitialization { try makeRegNet("regnety_002", dropPathRate: 0.1) }
        let rates = [model.s1, model.s2, model.s3, model.s4].flatMap(\.blocks).map {
            ($0 as! RegNetBottleneck).dropPath?.p ?? 0
        }
        let timmRates = try #require(expected["regnety_002"]).flatMap(\.dropPathRates)
        #expect(rates.count == timmRates.count)
        for (ours, theirs) in zip(rates, timmRates) { #expect(abs(ours - theirs) <= 1e-6) }
    }

    /// timm: `model.state_dict()` keys, shapes and dtypes, in order.
    @Test(arguments: representatives)
    func stateDictMatchesTimm(variant: String) throws {
        try ParityFixtures.expectStateDictMatches(try Self.make(variant), variant)
    }

    /// timm: `model.eval(); logits = model(x)` (float64), within 1e-4 of the largest logit.
    @Test(arguments: representatives)
    func evalLogitsMatchTimm(variant: String) throws {
        let model = try Self.make(variant)
        let report = try model.loadStateDict(try ParityFixtures.tensors("\(variant).safetensors").tensors)
        #expect(report.isComplete)
        model.eval()
        let io = try ParityFixtures.tensors("\(variant).io.safetensors")
        let logits = withNoGrad { model(try! io["input"]) }
        let error = relativeError(logits, try io["logits"])
        print("parity \(variant): eval logits relative error \(error)")
        #expect(error <= 1e-4, "\(variant): logits differ from timm's by \(error) of the largest logit")
    }

    /// timm in train mode (float64): `F.cross_entropy(model(x), target).backward()`: the loss and every
    /// parameter's gradient within 1e-3 of that tensor's largest (at least a thousandth of the model's
    /// largest), or within twice PyTorch's own float32 error where rounding alone strays further
    /// (train-mode norms over DenseNet's 4×4 maps), as the sweep judges.
    @Test(arguments: ["regnety_002", "densenet121"])
    func trainStepMatchesTimm(variant: String) throws {
        let model = try Self.make(variant)
        try model.loadStateDict(try ParityFixtures.tensors("\(variant).safetensors").tensors)
        let step = try ParityFixtures.tensors("\(variant).train.safetensors")
        model.train()
        let target = try step["target"]
        let picked = model(try step["input"]).logSoftmax(dim: 1).gather(
            dim: 1, index: target.reshape([target.count, 1]))
        let loss = -(picked * (1 / Float(target.count))).sum()
        loss.backward()
        let expectedLoss = try step["loss"].item()
        #expect(abs(loss.item() - expectedLoss) <= 1e-4 * abs(expectedLoss), "loss \(loss.item()) vs \(expectedLoss)")
        let expected = try model.namedParameters().map { key, _ in try step["grad.\(key)"] }
        let floor = 1e-3 * expected.map { $0.abs().max().item() }.max()!
        var worst: Float = 0
        for ((key, parameter), reference) in zip(model.namedParameters(), expected) {
            guard let grad = parameter.grad else { Issue.record("\(variant): no gradient for \(key)"); continue }
            let scale = max(reference.abs().max().item(), floor)
            let error = (grad - reference).abs().max().item() / scale
            let torchError = (try step["grad32.\(key)"] - reference).abs().max().item() / scale
            worst = max(worst, error)
            #expect(
                error <= max(1e-3, 2 * torchError),
                "\(variant): gradient of \(key) differs by \(error) (PyTorch's float32: \(torchError))")
        }
        print("parity \(variant) train: loss \(loss.item()) vs \(expectedLoss), worst gradient \(worst)")
    }

    /// timm: `create_model(name, features_only=True)` on the same weights: `feature_info` and every map.
    @Test(arguments: ["regnety_002", "densenet121"])
    func featuresOnlyMatchesTimm(variant: String) throws {
        struct Meta: Decodable {
            let featureInfo: [Info]
            let features: Features
            struct Features: Decodable { let featureInfo: [Info] }
        }
        let meta = try Self.meta("\(variant).json", as: Meta.self)
        let weights = try ParityFixtures.tensors("\(variant).safetensors")
        let backbone = try #require(try Self.make(variant) as? any FeatureExtracting & ClassifierModel)
        backbone.resetClassifier(numClasses: 0)
        let extractor = FeatureExtractor(backbone, outIndices: Array(backbone.featureInfo.indices))
        let info = extractor.featureInfo.map { Info(numChs: $0.channels, reduction: $0.reduction, module: $0.module) }
        #expect(info == meta.features.featureInfo)
        #expect(info == meta.featureInfo)
        let classifier = backbone.classifierName + "."
        let report = try extractor.loadStateDict(weights.tensors.filter { !$0.key.hasPrefix(classifier) })
        #expect(report.isComplete)
        extractor.eval()
        let input = try ParityFixtures.tensors("\(variant).io.safetensors")["input"]
        let maps = withNoGrad { extractor.features(input) }
        let expected = try ParityFixtures.tensors("\(variant).features.safetensors")
        #expect(maps.count == meta.features.featureInfo.count)
        for (index, map) in maps.enumerated() {
            let theirs = try expected["map.\(index)"]
            #expect(map.shape == theirs.shape, "\(variant) map \(index)")
            guard map.shape == theirs.shape else { continue }
            let error = relativeError(map, theirs)
            #expect(error <= 1e-4, "\(variant): feature map \(index) differs from timm's by \(error)")
        }
    }

    /// torchvision: `torch.save(model.state_dict())` of a random model (DenseNet's with the keys of its
    /// published files) loads strictly into the zoo architecture docs/torchvision.md names, through
    /// its registered checkpoint filter, and gives torchvision's eval logits within 1e-4 of the largest.
    @Test(arguments: ["regnet_y_400mf", "densenet121"])
    func torchvisionCheckpointLoads(name: String) throws {
        let (architecture, error) = try ParityFixtures.torchvisionCheckpointError(name)
        print("parity torchvision \(name) as \(architecture): eval logits relative error \(error)")
        #expect(error <= 1e-4, "\(name): logits differ from torchvision's by \(error) of the largest logit")
    }
}
