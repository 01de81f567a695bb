import Foundation
import Testing
import ZooNN
import ZooTensor

/// Attention, interpolation, roll and the channel norms against PyTorch, forward and backward
/// (fixtures from tools/parity/make_transformer_fixtures.py, `transformer_ops.safetensors`).
@Suite struct TransformerOpsTests {
    static let fixture = Result { try ParityFixtures.tensors("transformer_ops.safetensors") }

    /// Case names in the fixture (`<case>.output`).
    static func cases() throws -> [String] {
        try fixture.get().tensors.keys.filter { $0.hasSuffix(".output") }.map { String($0.dropLast(".output".count)) }
            .sorted()
    }

    @Test(arguments: try cases())
    func matchesPyTorch(_ name: String) throws {
        let f = try Self.fixture.get()
        func leaf(_ key: String) throws -> Tensor {
            let t = try f["\(name).\(key)"].copy()
            t.requiresGrad = true
            return t
        }
        var leaves: [String: Tensor] = [:]
        let out: Tensor
        if name.hasPrefix("sdpa") {
            for key in ["q", "k", "v"] { leaves[key] = try leaf(key) }
            if f.tensors["\(name).bias"] != nil { leaves["bias"] = try leaf("bias") }
            out = Tensor.scaledDotProductAttention(leaves["q"]!, leaves["k"]!, leaves["v"]!, bias: leaves["bias"])
            // Without a graph another kernel runs (batch entries split over the cores, q/k/v read
            // through their strides, the output laid out heads-inside): the same values.
            let plain = withNoGrad {
                Tensor.scaledDotProductAttention(leaves["q"]!, leaves["k"]!, leaves["v"]!, bias: leaves["bias"])
            }
            let error = relativeError(plain, try f["\(name).output"])
            #expect(error <= 1e-5, "\(name) forward without a graph differs by \(error)")
        } else if name == "roll" {
            leaves["x"] = try leaf("x")
            out = leaves["x"]!.roll(shifts: [-1, 2], dims: [1, 2])
        } else if name.hasPrefix("interp_") {
            // interp_<mode>_<ac|hp>_<aa|plain>_<h>x<w>to<oh>x<ow>
            let parts = name.split(separator: "_")
            let sizes = parts[4].split(separator: "o").last!.split(separator: "x").map { Int($0)! }
            leaves["x"] = try leaf("x")
            out = leaves["x"]!.interpolate(
                size: (sizes[0], sizes[1]), mode: InterpolationMode(rawValue: String(parts[1]))!,
                alignCorners: parts[2] == "ac", antialias: parts[3] == "aa")
        } else {
            leaves["x"] = try leaf("x")
            let layer: Module
            switch name {
            case "layernorm2d": layer = LayerNorm2d(6, eps: 1e-6)
            case "rmsnorm": layer = RMSNorm(6)
            case "grn": layer = GlobalResponseNorm(6)
            default: Issue.record("unknown case \(name)"); return
            }
            for (key, parameter) in layer.namedParameters() {
                parameter.assign(try f["\(name).param.\(key)"])
                leaves["param.\(key)"] = parameter
            }
            out = layer(leaves["x"]!)
        }
        let forward = relativeError(out, try f["\(name).output"])
        #expect(forward <= 1e-5, "\(name) forward differs by \(forward)")
        out.backward(try f["\(name).upstream"])
        for (key, tensor) in leaves {
            guard let grad = tensor.grad else { Issue.record("\(name): no gradient for \(key)"); continue }
            let error = relativeError(grad, try f["\(name).grad.\(key)"])
            #expect(error <= 1e-5, "\(name) d\(key) differs by \(error)")
        }
    }

    /// Eval-mode attention keeps no [batch…, T, T] tensor: nothing is recorded and the output is
    /// the only allocation the size of its inputs (the scores live in one reused scratch block).
    @Test func evalAttentionRecordsNoGraph() {
        let q = Tensor.ones([2, 3, 5, 4])
        q.requiresGrad = true
        let out = withNoGrad { Tensor.scaledDotProductAttention(q, q, q) }
        #expect(out.gradFn == nil && out.shape == [2, 3, 5, 4])
    }
}
