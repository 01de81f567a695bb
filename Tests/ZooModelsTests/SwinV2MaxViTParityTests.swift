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

    static let representatives = [
        "swinv2_small", "swinv2_pad_pretrained", "swinv2_dynamic", "swinv2_always_partition", "tv_maxvit_small",
    ]

    /// torchvision's MaxViT has no timm twin: its fixture is built under torchvision's name.
    static func load(_ fixture: String) throws -> (model: Module, meta: TransformerParityTests.Meta) {
        try TransformerParityTests.load(fixture) { name, args in
            name == "maxvit_t"
                ? try MaxViTVariants.make(name, args: args) : try TransformerFamilies.build(name, args: args)
        }
    }

    @Test(arguments: representatives)
    func stateDictMatchesReference(_ fixture: String) throws {
        let (model, meta) = try Self.load(fixture)
        ParityFixtures.expectStateDict(model, equals: meta.keys, fixture)
    }

    /// A gradient that is zero in exact arithmetic (MBConv's pre-norm bias: a constant shift that
    /// the 1×1 conv carries into a train-mode batch norm, which removes it) is rounding noise on
    /// both sides: errors are relative to at least 1e-4 of the largest reference gradient.
    @Test(arguments: representatives)
    func logitsAndGradientsMatchReference(_ fixture: String) throws {
        try ParityFixtures.expectLogitsAndGradientsMatch(
            try Self.load(fixture).model, fixture, gradientFloor: 1e-4, everyGradient: true)
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
