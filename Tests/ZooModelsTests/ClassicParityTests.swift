import Foundation
import Testing
import ZooCheckpoint
import ZooModels
import ZooNN
import ZooRegistry
import ZooTensor

/// VGG and Inception-v3 against timm, and torchvision's AlexNet, SqueezeNet, GoogLeNet, ShuffleNetV2
/// and a VGG checkpoint against torchvision, on the same weights and input (fixtures from
/// tools/parity/make_classic_fixtures.py; every architecture at full width is in the sweep).
@Suite(.serialized)
struct ClassicParityTests {
    static let timmRepresentatives = ["vgg11_bn", "inception_v3"]
    static let torchvision = [
        "alexnet", "squeezenet1_0", "squeezenet1_1", "googlenet", "shufflenet_v2_x0_5", "vgg11",
    ]

    struct TimmMeta: Decodable {
        let kwargs: Kwargs
        let keys: [ParityFixtures.Manifest.KeyEntry]
        let featureInfo: [Info]
        struct Kwargs: Decodable { let numClasses: Int, mlpRatio: Double? }
        struct Info: Decodable { let numChs: Int, reduction: Int, module: String }
    }

    static let snakeCaseDecoder = {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return decoder
    }()

    static func timmMeta(_ name: String) throws -> TimmMeta {
        try snakeCaseDecoder.decode(TimmMeta.self, from: Data(contentsOf: ParityFixtures.file("\(name).json")))
    }

    /// The registered builder, as `createModel` calls it, with parameters left for a checkpoint.
    static func build(_ name: String, _ args: ModelArgs) throws -> Module {
        BuiltinModels.register()
        let architecture = try ModelRegistry.shared.resolve(name).architecture
        return try withoutWeightInitialization { try architecture.builder!(args) }
    }

    static func timmModel(_ name: String, auxLogits: Bool = false) throws -> Module {
        let kwargs = try timmMeta(name).kwargs
        var args = ModelArgs(numClasses: kwargs.numClasses)
        if let ratio = kwargs.mlpRatio { args.extra["mlp_ratio"] = .double(ratio) }
        if auxLogits { args.extra["aux_logits"] = true }
        return try build(name, args)
    }

    /// A checkpoint's tensors as `createModel` hands them to the model: the family's filter, then
    /// the model's own adaptation (dropping an auxiliary head it was built without).
    static func load(_ tensors: [(name: String, tensor: Tensor)], into model: Module, name: String) throws {
        var tensors = tensors
        if let filter = try ModelRegistry.shared.resolve(name).architecture.checkpointFilter {
            tensors = filter(tensors)
        }
        if let adapting = model as? any CheckpointAdapting { tensors = adapting.adaptCheckpoint(tensors) }
        let report = try model.loadStateDict(StateDict(tensors.map { ($0.name, $0.tensor) }))
        #expect(report.isComplete, "\(name): \(report)")
    }

    static func fixtureTensors(_ file: String) throws -> [(name: String, tensor: Tensor)] {
        try Checkpoint.load(ParityFixtures.file(file).path).tensors
    }

    /// timm: `model.state_dict()` keys and shapes, in order (Inception-v3 with its auxiliary head).
    @Test(arguments: timmRepresentatives)
    func stateDictMatchesTimm(name: String) throws {
        let expected = try Self.timmMeta(name).keys
        let model = try Self.timmModel(name, auxLogits: name == "inception_v3")
        let ours = model.stateDict().map { key, tensor in
            ParityFixtures.Manifest.KeyEntry(
                key: key, shape: tensor.shape, dtype: tensor.dtype == .int64 ? "I64" : "F32")
        }
        #expect(ours.count == expected.count, "\(name): \(ours.count) entries, timm has \(expected.count)")
        for (index, (mine, theirs)) in zip(ours, expected).enumerated() where mine != theirs {
            Issue.record("\(name) entry \(index): ours \(mine), timm's \(theirs)")
            break
        }
    }

    /// timm: `model.eval(); model(x)` within 1e-4 of the largest logit (Inception-v3 without its
    /// auxiliary head, from a checkpoint that has one: the head's tensors are dropped on load).
    @Test(arguments: timmRepresentatives)
    func evalLogitsMatchTimm(name: String) throws {
        let model = try Self.timmModel(name)
        try Self.load(try Self.fixtureTensors("\(name).safetensors"), into: model, name: name)
        model.eval()
        let io = try ParityFixtures.tensors("\(name).io.safetensors")
        let logits = withNoGrad { model(try! io["input"]) }
        let error = relativeError(logits, try io["logits"])
        print("parity \(name): eval logits relative error \(error)")
        #expect(error <= 1e-4, "\(name): logits differ from timm's by \(error) of the largest logit")
    }

    /// timm's `features_only=True`: the same maps, and `feature_info` equal to timm's.
    @Test(arguments: timmRepresentatives)
    func featureMapsAndInfoMatchTimm(name: String) throws {
        let meta = try Self.timmMeta(name)
        let model = try Self.timmModel(name)
        try Self.load(try Self.fixtureTensors("\(name).safetensors"), into: model, name: name)
        let backbone = FeatureExtractor(try #require(model as? any FeatureExtracting), outIndices: [])
        let all = FeatureExtractor(backbone.backbone, outIndices: Array(backbone.backbone.featureInfo.indices))
        #expect(
            all.featureInfo
                == meta.featureInfo.map { FeatureInfo(channels: $0.numChs, reduction: $0.reduction, module: $0.module) }
        )
        all.eval()
        let io = try ParityFixtures.tensors("\(name).io.safetensors")
        let maps = withNoGrad { all.features(try! io["input"]) }
        #expect(maps.count == meta.featureInfo.count)
        for (index, map) in maps.enumerated() {
            let theirs = try io["map.\(index)"]
            #expect(map.shape == theirs.shape, "\(name) map \(index)")
            guard map.shape == theirs.shape else { continue }
            let error = relativeError(map, theirs)
            #expect(error <= 1e-4, "\(name): feature map \(index) differs from timm's by \(error)")
        }
    }

    /// timm's `inception_v3(aux_logits=True)` at 299: `(logits, aux)`, which timm returns in eval mode too.
    @Test func inceptionAuxiliaryHeadMatchesTimm() throws {
        let model = try #require(try Self.timmModel("inception_v3", auxLogits: true) as? InceptionV3)
        try Self.load(try Self.fixtureTensors("inception_v3.safetensors"), into: model, name: "inception_v3")
        model.eval()
        let io = try ParityFixtures.tensors("inception_v3.io.safetensors")
        let (logits, auxiliary) = withNoGrad { model.forwardWithAuxiliary(try! io["aux.input"]) }
        #expect(auxiliary.count == 1)
        #expect(relativeError(logits, try io["aux.logits"]) <= 1e-4)
        if let aux = auxiliary.first {
            let error = relativeError(aux, try io["aux.aux"])
            #expect(error <= 1e-4, "auxiliary logits differ from timm's by \(error)")
        }
    }

    /// timm's `create_model(name, num_classes=7, in_chans=1)`, `forward_head(pre_logits=True)` and
    /// `reset_classifier(3)`: shapes through each model's head API (weights as built, at small inputs).
    @Test(arguments: [
        ("vgg11_bn", 32, 4096), ("inception_v3", 75, 2048), ("googlenet", 64, 1024), ("alexnet", 64, 4096),
        ("squeezenet1_1", 64, 512), ("shufflenet_v2_x0_5", 64, 1024),
    ])
    func headAPIFollowsClassesAndChannels(name: String, size: Int, preLogitsWidth: Int) throws {
        var args = ModelArgs(numClasses: 7, inChans: 1)
        if name.hasPrefix("vgg") { args.extra["mlp_ratio"] = 0.0625 }
        let model = try #require(try Self.build(name, args) as? any ClassifierModel)
        model.eval()
        let x = Tensor.zeros([2, 1, size, size])
        let features = withNoGrad { model.forwardFeatures(x) }
        #expect(withNoGrad { model.forwardHead(features) }.shape == [2, 7])
        #expect(withNoGrad { model.forwardHead(features, preLogits: true) }.shape == [2, preLogitsWidth])
        model.resetClassifier(numClasses: 3)
        #expect(withNoGrad { model(x) }.shape == [2, 3])
        #expect(model.stateDict()["\(model.classifierName).weight"]?.shape.first == 3)
    }

    /// The cfg of each name registered with torchvision's keys is its weights' eval transform
    /// (`Weights.DEFAULT.transforms()`): resize to crop ÷ crop_pct, crop, interpolation, mean, std.
    @Test func torchvisionCfgsAreTorchvisionsEvalTransforms() throws {
        struct Transform: Decodable {
            let cropSize: Int, resizeSize: Int, interpolation: String, mean: [Double], std: [Double]
        }
        struct Table: Decodable { let transforms: [String: Transform] }
        let table = try Self.snakeCaseDecoder.decode(
            Table.self, from: Data(contentsOf: ParityFixtures.file("tv.transforms.json")))
        BuiltinModels.register()
        #expect(Set(table.transforms.keys) == Set(TorchvisionClassicVariants.names))
        for (name, transform) in table.transforms {
            let cfg = try #require(try ModelRegistry.shared.pretrainedCfg(for: name), "\(name) has no cfg")
            #expect(cfg.inputSize == [3, transform.cropSize, transform.cropSize], "\(name)")
            #expect(Int((Double(transform.cropSize) / cfg.cropPct).rounded(.down)) == transform.resizeSize, "\(name)")
            #expect(cfg.interpolation == transform.interpolation, "\(name)")
            #expect(cfg.mean == transform.mean && cfg.std == transform.std, "\(name)")
        }
    }

    /// torchvision: `torch.save(model.state_dict())` loads strictly into the zoo architecture of
    /// docs/torchvision.md; eval logits and train-mode outputs (auxiliary heads included) match.
    @Test(arguments: torchvision)
    func torchvisionCheckpointLoads(name: String) throws {
        struct Meta: Decodable { let zooArchitecture: String, modelArgs: [String: Double] }
        let meta = try Self.snakeCaseDecoder.decode(
            Meta.self, from: Data(contentsOf: ParityFixtures.file("tv.\(name).json")))
        let model = try Self.build(
            meta.zooArchitecture, ModelArgs(numClasses: 10, extra: meta.modelArgs.mapValues { .double($0) }))
        try Self.load(try Self.fixtureTensors("tv.\(name).pth"), into: model, name: meta.zooArchitecture)
        let io = try ParityFixtures.tensors("tv.\(name).io.safetensors")
        model.eval()
        let logits = withNoGrad { model(try! io["input"]) }
        let error = relativeError(logits, try io["logits"])
        print("parity torchvision \(name) as \(meta.zooArchitecture): eval logits relative error \(error)")
        #expect(error <= 1e-4, "\(name): eval logits differ from torchvision's by \(error) of the largest logit")

        model.train()
        let (trainLogits, auxiliary) = withNoGrad {
            (model as? any AuxiliaryClassifying)?.forwardWithAuxiliary(try! io["input"]) ?? (
                model(try! io["input"]), []
            )
        }
        #expect(relativeError(trainLogits, try io["train.logits"]) <= 1e-4, "\(name): train-mode logits")
        let expectedAux = try (0..<auxiliary.count).map { try io["train.aux.\($0)"] }
        #expect(io.tensors.keys.filter { $0.hasPrefix("train.aux.") }.count == auxiliary.count)
        for (index, (ours, theirs)) in zip(auxiliary, expectedAux).enumerated() {
            let auxError = relativeError(ours, theirs)
            #expect(auxError <= 1e-4, "\(name): auxiliary output \(index) differs by \(auxError)")
        }
    }
}
