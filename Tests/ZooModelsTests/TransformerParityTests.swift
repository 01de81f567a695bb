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
        "convnext_zepto_rms_ols", "convnext_nano_ols", "convnextv2_tiny", "convnextv2_atto", "test_convnext3", "swin_tiny", "swin_s3",
        "swin_img72", "swin_dynamic", "swin_always_partition",
    ]

    struct Meta: Decodable {
        let timm_name: String
        let kwargs: [String: JSONArg]
        let keys: [ParityFixtures.Manifest.KeyEntry]
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

    static func load(_ fixture: String) throws -> (model: Module, meta: Meta) {
        let meta = try JSONDecoder().decode(Meta.self, from: Data(contentsOf: ParityFixtures.file("\(fixture).json")))
        let args = ModelArgs(extra: meta.kwargs.mapValues(\.value))
        let model = try withoutWeightInitialization { try TransformerFamilies.build(meta.timm_name, args: args) }
        return (model, meta)
    }

    @Test(arguments: representatives)
    func stateDictMatchesTimm(_ fixture: String) throws {
        let (model, meta) = try Self.load(fixture)
        let ours = model.stateDict().map { key, tensor in
            ParityFixtures.Manifest.KeyEntry(
                key: key, shape: tensor.shape, dtype: tensor.dtype == .int64 ? "I64" : "F32")
        }
        #expect(ours.count == meta.keys.count, "\(fixture): \(ours.count) keys vs timm's \(meta.keys.count)")
        for (index, (mine, theirs)) in zip(ours, meta.keys).enumerated() where mine != theirs {
            Issue.record("\(fixture) entry \(index): ours \(mine), timm's \(theirs)")
            break
        }
    }

    @Test(arguments: representatives)
    func logitsAndGradientsMatchTimm(_ fixture: String) throws {
        let (model, _) = try Self.load(fixture)
        let weights = try ParityFixtures.tensors("\(fixture).safetensors")
        let io = try ParityFixtures.tensors("\(fixture).io.safetensors")
        let report = try model.loadStateDict(weights.tensors)
        #expect(report.isComplete)
        model.eval()
        let x = try io["input"]
        let logits = withNoGrad { model(x) }
        let error = relativeError(logits, try io["logits"])
        print("parity \(fixture): eval logits relative error \(error)")
        #expect(error <= 1e-4, "\(fixture): logits differ from timm's by \(error)")

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
        var worst: Float = 0
        for (key, parameter) in model.namedParameters() {
            guard let expected = io.tensors["grad.\(key)"] else { continue }
            guard let grad = parameter.grad else { Issue.record("\(fixture): no gradient for \(key)"); continue }
            let e = relativeError(grad, expected)
            worst = max(worst, e)
            #expect(e <= 1e-3, "\(fixture): gradient of \(key) differs by \(e)")
        }
        print("parity \(fixture): train gradients worst relative error \(worst)")
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
