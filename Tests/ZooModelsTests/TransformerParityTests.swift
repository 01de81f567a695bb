import Foundation
import Testing
import ZooCheckpoint
import ZooModels
import ZooNN
import ZooRegistry
import ZooTensor

/// Small representatives of the transformer families against timm on the same random weights
/// (fixtures from tools/parity/make_transformer_fixtures.py): keys and shapes, eval logits within
/// 1e-4 of the largest, and one train-mode backward within 1e-3 relative on every parameter.
@Suite(.serialized)
struct TransformerParityTests {
    static let representatives = [
        "vit_tiny", "vit_clip_quickgelu", "vit_siglip_map", "vit_dinov2_reg", "vit_gap", "vit_rpn", "vit_18x2",
        "vit_giant_glu", "vit_dynamic", "vit_xp", "vit_pwee", "vit_dwee", "vit_dpwee", "deit_distilled", "deit3",
        "convnext_atto", "convnext_tiny", "convnext_tiny_hnf", "convnext_large_mlp", "convnext_atto_rms",
        "convnext_zepto_rms_ols", "convnext_nano_ols", "convnextv2_tiny", "convnextv2_atto", "test_convnext3",
        "swin_tiny", "swin_s3", "swin_img72", "swin_dynamic", "swin_always_partition",
    ]

    /// A representative's JSON: the architecture (`timm_name`, or `zoo_name` where the reference is
    /// torchvision's), the keyword arguments it was built with and the reference's state-dict table.
    struct Meta: Decodable {
        let name: String
        let kwargs: [String: JSONArg]
        let keys: [ParityFixtures.Manifest.KeyEntry]
        enum CodingKeys: String, CodingKey {
            case timmName = "timm_name"
            case zooName = "zoo_name"
            case kwargs, keys
        }
        init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            name = try c.decodeIfPresent(String.self, forKey: .timmName) ?? c.decode(String.self, forKey: .zooName)
            kwargs = try c.decode([String: JSONArg].self, forKey: .kwargs)
            keys = try c.decode([ParityFixtures.Manifest.KeyEntry].self, forKey: .keys)
        }
    }

    /// A timm keyword argument value as the fixture's JSON carries it.
    enum JSONArg: Decodable {
        case value(ModelArgValue)
        init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let b = try? c.decode(Bool.self) {
                self = .value(.bool(b))
            } else if let i = try? c.decode(Int.self) {
                self = .value(.int(i))
            } else if let d = try? c.decode(Double.self) {
                self = .value(.double(d))
            } else if let l = try? c.decode([Int].self) {
                self = .value(.ints(l))
            } else {
                self = .value(.string(try c.decode(String.self)))
            }
        }
        var value: ModelArgValue { if case .value(let v) = self { v } else { fatalError() } }
    }

    /// The representative's model, built by `build` with the fixture's arguments and no initialization.
    static func load(
        _ fixture: String, build: (String, ModelArgs) throws -> Module = TransformerFamilies.build
    ) throws -> (model: Module, meta: Meta) {
        let meta = try JSONDecoder().decode(Meta.self, from: Data(contentsOf: ParityFixtures.file("\(fixture).json")))
        let args = ModelArgs(extra: meta.kwargs.mapValues(\.value))
        let model = try withoutWeightInitialization { try build(meta.name, args) }
        return (model, meta)
    }

    @Test(arguments: representatives)
    func stateDictMatchesTimm(_ fixture: String) throws {
        let (model, meta) = try Self.load(fixture)
        ParityFixtures.expectStateDict(model, equals: meta.keys, fixture)
    }

    @Test(arguments: representatives)
    func logitsAndGradientsMatchTimm(_ fixture: String) throws {
        try ParityFixtures.expectLogitsAndGradientsMatch(try Self.load(fixture).model, fixture)
    }

    /// torchvision's models (built small from torchvision's classes) load strictly into their timm
    /// twins through the family filter and give torchvision's eval logits within 1e-4.
    @Test(arguments: ["tv_convnext", "tv_vit", "tv_swin"])
    func torchvisionCheckpointLoadsIntoTimmTwin(_ fixture: String) throws {
        let (model, _) = try Self.load(fixture)
        let weights = try Checkpoint.load(ParityFixtures.file("\(fixture).safetensors").path).tensors
        let filtered: [(name: String, tensor: Tensor)]
        if model is ConvNeXt {
            filtered = ConvNeXtVariants.checkpointFilter(weights)
        } else if model is SwinTransformer {
            filtered = TorchvisionCheckpoints.swin(weights)
        } else {
            filtered = TorchvisionCheckpoints.vit(weights)
        }
        let report = try model.loadStateDict(StateDict(filtered.map { ($0.name, $0.tensor) }))
        #expect(report.isComplete, "\(fixture): \(report)")
        model.eval()
        let io = try ParityFixtures.tensors("\(fixture).io.safetensors")
        let logits = withNoGrad { model(try! io["input"]) }
        let error = relativeError(logits, try io["logits"])
        print("parity \(fixture): torchvision logits relative error \(error)")
        #expect(error <= 1e-4, "\(fixture): logits differ from torchvision's by \(error)")
    }
}

/// Issue 14's names and cfgs against timm (fixture from tools/parity/make_cfg_fixtures.py): the
/// registry lists each pattern, with and without `pretrained`, as timm's `list_models` does, in timm's
/// order (kept to the modules zoo holds whole: every `vit_*` of vision_transformer, deit, convnext,
/// swin_transformer, swin_transformer_v2), and every listed tag's cfg, what `zoo info NAME --json`
/// prints as `pretrained_cfg`, is timm's `get_pretrained_cfg(NAME).to_dict()`.
struct TransformerRegistryTests {
    struct Fixture: Decodable {
        struct Listing: Decodable {
            let names: [String]
            let pretrained: [String]
        }
        let patterns: [String: Listing]
        let cfgs: [String: PretrainedCfg]
    }

    static let families = ["vision_transformer", "deit", "convnext", "swin_transformer", "swin_transformer_v2"]

    @Test(arguments: ["vit_*", "deit*", "convnext*", "swin_*"])
    func listsAndCfgsLikeTimm(_ pattern: String) throws {
        let fixture = try JSONDecoder().decode(
            Fixture.self, from: Data(contentsOf: ParityFixtures.file("timm_transformer_cfgs.json")))
        let timm = try #require(fixture.patterns[pattern])
        let registry = ModelRegistry.builtin()
        #expect(registry.list([pattern], families: Self.families) == timm.names)
        let tags = registry.list([pattern], families: Self.families, pretrained: true)
        #expect(tags == timm.pretrained)
        for name in timm.pretrained {
            let cfg = try #require(try registry.pretrainedCfg(for: name), "\(name) has no cfg")
            #expect(cfg == fixture.cfgs[name], "\(name): cfg differs from timm's")
        }
        print("registry \(pattern): \(timm.names.count) names, \(tags.count) tags, every cfg compared")
    }
}
