import Foundation
import Testing
import ZooCheckpoint
import ZooModels
import ZooNN
import ZooRegistry
import ZooTensor

/// SwinV2 (timm's `swin_transformer_v2`) and torchvision's MaxViT against PyTorch on the same random
/// weights (fixtures from tools/parity/make_tv_transformer_fixtures.py): the engine pieces forward and
/// backward, and small representatives' keys, eval logits (1e-4 of the largest) and one train-mode
/// backward (1e-3 relative on every parameter's gradient).
@Suite(.serialized)
struct SwinV2MaxViTParityTests {
    static let ops = "tvt_ops.safetensors"

    @Test func l2NormalizeMatchesPyTorch() throws {
        let f = try ParityFixtures.tensors(Self.ops)
        let x = try f["normalize.x"].detach()
        x.requiresGrad = true
        let y = x.l2Normalized()
        #expect(relativeError(y, try f["normalize.output"]) <= 1e-5)
        (y * (try f["normalize.upstream"])).sum().backward()
        #expect(relativeError(x.grad!, try f["normalize.grad.x"]) <= 1e-5)
    }

    /// timm's cosine attention: normalized q·k, logit scale clamped at log 100 (one head above it,
    /// so its gradient is zero), additive bias; every input's gradient.
    @Test func cosineAttentionMatchesPyTorch() throws {
        let f = try ParityFixtures.tensors(Self.ops)
        let names = ["q", "k", "v", "logit_scale", "bias"]
        let inputs = try names.map { name -> Tensor in
            let t = try f["cosine_attention.\(name)"].detach()
            t.requiresGrad = true
            return t
        }
        let y = Tensor.cosineAttention(inputs[0], inputs[1], inputs[2], logitScale: inputs[3], bias: inputs[4])
        let error = relativeError(y, try f["cosine_attention.output"])
        #expect(error <= 1e-5, "cosine attention output differs by \(error)")
        (y * (try f["cosine_attention.upstream"])).sum().backward()
        for (name, input) in zip(names, inputs) {
            let e = relativeError(input.grad!, try f["cosine_attention.grad.\(name)"])
            #expect(e <= 1e-5, "cosine attention gradient of \(name) differs by \(e)")
        }
    }

    /// SwinV2's continuous position bias for a 3×4 window pretrained at 5×5: the log-spaced
    /// coordinates, 16·sigmoid of the MLP at each pair's offset, and the MLP's weight gradients.
    @Test func continuousPositionBiasMatchesTimm() throws {
        let f = try ParityFixtures.tensors(Self.ops)
        let coords = SwinV2Positions.coordsTable(window: (3, 4), pretrainedWindow: (5, 5))
        #expect(relativeError(coords, try f["cpb.coords"]) <= 1e-6)
        let cpb = Sequential(Linear(2, 512), ReLU(), Linear(512, 2, bias: false))
        try cpb.loadStateDict(
            StateDict([
                ("0.weight", try f["cpb.param.0.weight"]), ("0.bias", try f["cpb.param.0.bias"]),
                ("2.weight", try f["cpb.param.2.weight"]),
            ]))
        let index = Tensor(indices: SwinWindows.relativePositionIndex((3, 4)))
        let bias = cpb(coords).indexSelect(dim: 0, index: index).reshape([12, 12, 2]).permute(2, 0, 1).sigmoid() * 16
        #expect(relativeError(bias, try f["cpb.output"]) <= 1e-5)
        (bias * (try f["cpb.upstream"])).sum().backward()
        for (key, parameter) in cpb.namedParameters() {
            let e = relativeError(parameter.grad!, try f["cpb.grad.\(key)"])
            #expect(e <= 1e-5, "position-bias MLP gradient of \(key) differs by \(e)")
        }
    }

    struct Meta: Decodable {
        let zooName: String
        let kwargs: [String: TransformerParityTests.JSONArg]
        let keys: [ParityFixtures.Manifest.KeyEntry]
        enum CodingKeys: String, CodingKey {
            case zooName = "zoo_name"
            case kwargs, keys
        }
    }

    static let representatives = ["swinv2_small", "swinv2_pad_pretrained", "tv_maxvit_small"]

    static func load(_ fixture: String) throws -> (model: Module, meta: Meta) {
        let meta = try JSONDecoder().decode(Meta.self, from: Data(contentsOf: ParityFixtures.file("\(fixture).json")))
        let args = ModelArgs(extra: meta.kwargs.mapValues(\.value))
        let model: Module = try withoutWeightInitialization {
            meta.zooName == "maxvit_t"
                ? try MaxViTVariants.make(meta.zooName, args: args)
                : try makeSwinTransformerV2(meta.zooName, args: args)
        }
        return (model, meta)
    }

    @Test(arguments: representatives)
    func stateDictMatchesReference(_ fixture: String) throws {
        let (model, meta) = try Self.load(fixture)
        let ours = model.stateDict().map { key, tensor in
            ParityFixtures.Manifest.KeyEntry(
                key: key, shape: tensor.shape, dtype: tensor.dtype == .int64 ? "I64" : "F32")
        }
        #expect(ours.count == meta.keys.count, "\(fixture): \(ours.count) keys vs \(meta.keys.count)")
        for (index, (mine, theirs)) in zip(ours, meta.keys).enumerated() where mine != theirs {
            Issue.record("\(fixture) entry \(index): ours \(mine), reference \(theirs)")
            break
        }
    }

    @Test(arguments: representatives)
    func logitsAndGradientsMatchReference(_ fixture: String) throws {
        let (model, _) = try Self.load(fixture)
        let weights = try ParityFixtures.tensors("\(fixture).safetensors")
        let io = try ParityFixtures.tensors("\(fixture).io.safetensors")
        // timm's non-persistent buffers are not in its state dict; torchvision's index buffer is.
        let report = try model.loadStateDict(weights.tensors)
        #expect(report.isComplete, "\(fixture): \(report)")
        model.eval()
        let x = try io["input"]
        let logits = withNoGrad { model(x) }
        let error = relativeError(logits, try io["logits"])
        print("parity \(fixture): eval logits relative error \(error)")
        #expect(error <= 1e-4, "\(fixture): logits differ by \(error)")
        if let swin = model as? SwinTransformerV2 {
            let stages = withNoGrad { swin.forwardStages(x) }
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
        #expect(abs(loss.item() - expectedLoss) <= 1e-3 * max(1, abs(expectedLoss)), "\(fixture): loss")
        // A gradient that is zero in exact arithmetic (MBConv's pre-norm bias: a constant shift that
        // the 1×1 conv carries into a train-mode batch norm, which removes it) is rounding noise on
        // both sides: errors are relative to at least 1e-4 of the largest reference gradient.
        let floor = 1e-4 * io.tensors.filter { $0.key.hasPrefix("grad.") }.values.map { $0.abs().max().item() }.max()!
        var worst: Float = 0, compared = 0
        for (key, parameter) in model.namedParameters() {
            guard let expected = io.tensors["grad.\(key)"] else { continue }
            guard let grad = parameter.grad else {
                Issue.record("\(fixture): no gradient for \(key)")
                continue
            }
            let scale = max(expected.abs().max().item(), floor)
            let e = (grad - expected).abs().max().item() / scale
            worst = max(worst, e)
            compared += 1
            #expect(e <= 1e-3, "\(fixture): gradient of \(key) differs by \(e)")
        }
        #expect(compared == model.namedParameters().count, "\(fixture): \(compared) gradients compared")
        print("parity \(fixture): train gradients worst relative error \(worst)")
    }
}

/// Stochastic depth (MaxViT's `StochasticDepth(p, "row")`, timm's `DropPath`) against torchvision's
/// `stochastic_depth` on the same input: each sample all zero or all scaled by torchvision's factor,
/// the kept fraction within 5 standard deviations of torchvision's draw, the gradient masked alike,
/// the identity in eval mode.
struct StochasticDepthTests {
    @Test func matchesTorchvisionRowMode() throws {
        let f = try ParityFixtures.tensors(SwinV2MaxViTParityTests.ops)
        let p = try f["stochastic_depth.p"].item()
        let reference = try f["stochastic_depth.output"]
        let rows = reference.shape[0]
        let perRow = reference.count / rows
        func keptRows(_ t: Tensor) -> (kept: Int, values: Set<Float>, uniform: Bool) {
            let a = t.toArray()
            var kept = 0, values = Set<Float>(), uniform = true
            for r in 0..<rows {
                let row = a[(r * perRow)..<((r + 1) * perRow)]
                uniform = uniform && row.allSatisfy { $0 == row.first! }
                values.insert(row.first!)
                if row.first! != 0 { kept += 1 }
            }
            return (kept, values, uniform)
        }
        let theirs = keptRows(reference)
        let x = Tensor.ones(reference.shape)
        x.requiresGrad = true
        let layer = DropPath(p)
        layer.train()
        let y = layer(x)
        let ours = keptRows(y)
        #expect(ours.uniform && theirs.uniform)
        #expect(ours.values == theirs.values, "values \(ours.values) vs torchvision's \(theirs.values)")
        let sigma = (Double(rows) * Double(p) * Double(1 - p)).squareRoot()
        #expect(
            abs(Double(ours.kept - theirs.kept)) <= 5 * sigma * 2.squareRoot(),
            "kept \(ours.kept) of \(rows) rows vs torchvision's \(theirs.kept)")
        y.sum().backward()
        #expect(x.grad!.toArray() == y.detach().toArray(), "the gradient is the same mask")
        layer.eval()
        #expect(layer(x).toArray() == x.toArray())
    }
}
