import Testing
import ZooTensor

/// Every op's analytic gradient against central finite differences of L = Σ f(x)·w.
@Suite struct GradientCheckTests {
    /// Random values kept away from the kinks of relu, relu6, clamp, hardswish and friends.
    static func input(_ shape: [Int], seed: UInt64, scale: Float = 1, positive: Bool = false) -> Tensor {
        var rng = RandomGenerator(seed: seed)
        let values = (0..<shape.reduce(1, *)).map { _ -> Float in
            var v = Tensor.uniform([1], low: -2, high: 2, using: &rng).item() * scale
            if positive { v = Swift.abs(v) + 0.5 }
            for kink: Float in [0, 3, -3, 6, 0.5, -0.5] where Swift.abs(v - kink) < 0.05 { v += 0.1 }
            return v
        }
        return Tensor(values, shape: shape)
    }

    static func check(
        _ name: String, _ inputs: [Tensor], tolerance: Float = 2e-2,
        sourceLocation: SourceLocation = #_sourceLocation, _ f: ([Tensor]) -> Tensor
    ) {
        let leaves = inputs.map { Tensor($0.toArray(), shape: $0.shape, requiresGrad: true) }
        let probe = withNoGrad { f(leaves) }
        var rng = RandomGenerator(seed: 99)
        let weights = Tensor.uniform(probe.shape, low: -1, high: 1, using: &rng)
        (f(leaves) * weights).sum().backward()
        let h: Float = 1e-3
        for (k, leaf) in leaves.enumerated() {
            let analytic = leaf.grad?.toArray() ?? [Float](repeating: 0, count: leaf.count)
            var values = leaf.toArray()
            for i in 0..<values.count {
                let original = values[i]
                func loss(_ v: Float) -> Float {
                    values[i] = v
                    var perturbed = leaves.map { $0.detach() }
                    perturbed[k] = Tensor(values, shape: leaf.shape)
                    return withNoGrad { (f(perturbed) * weights).sum().item() }
                }
                let numeric = (loss(original + h) - loss(original - h)) / (2 * h)
                values[i] = original
                let error = Swift.abs(numeric - analytic[i])
                #expect(
                    error <= tolerance * Swift.max(1, Swift.abs(numeric)),
                    "\(name): input \(k) element \(i): numeric \(numeric), analytic \(analytic[i])",
                    sourceLocation: sourceLocation)
                if error > tolerance * Swift.max(1, Swift.abs(numeric)) { return }
            }
        }
    }

    @Test func arithmetic() {
        let a = Self.input([2, 3], seed: 1), b = Self.input([3], seed: 2),
            p = Self.input([2, 3], seed: 3, positive: true)
        Self.check("add", [a, b]) { $0[0] + $0[1] }
        Self.check("sub", [a, b]) { $0[0] - $0[1] }
        Self.check("mul", [a, b]) { $0[0] * $0[1] }
        Self.check("div", [a, p]) { $0[0] / $0[1] }
        Self.check("neg", [a]) { -$0[0] }
        Self.check("scalar ops", [a]) { 2 - ($0[0] * 3 + 1) / 4 }
        Self.check("pow scalar", [p]) { $0[0].pow(2.5) }
        Self.check("pow tensor", [p, b]) { $0[0].pow($0[1]) }
        Self.check("exp", [a]) { $0[0].exp() }
        Self.check("log", [p]) { $0[0].log() }
        Self.check("sqrt", [p]) { $0[0].sqrt() }
        Self.check("abs", [a]) { $0[0].abs() }
        Self.check("clamp", [a]) { $0[0].clamp(min: -0.5, max: 0.5) }
        Self.check("where", [a, b]) { Tensor.where($0[0].gt(0), $0[0], $0[1]) }
        Self.check("to float64 and back", [a]) { $0[0].to(.float64).to(.float32) * 2 }
    }

    @Test func activations() {
        let x = Self.input([3, 5], seed: 4, scale: 3)
        Self.check("relu", [x]) { $0[0].relu() }
        Self.check("relu6", [x * 3]) { $0[0].relu6() }
        Self.check("leaky_relu", [x]) { $0[0].leakyRelu(negativeSlope: 0.2) }
        Self.check("gelu", [x]) { $0[0].gelu() }
        Self.check("gelu tanh", [x]) { $0[0].gelu(approximateTanh: true) }
        Self.check("silu", [x]) { $0[0].silu() }
        Self.check("sigmoid", [x]) { $0[0].sigmoid() }
        Self.check("tanh", [x]) { $0[0].tanh() }
        Self.check("hardswish", [x]) { $0[0].hardswish() }
        Self.check("hardsigmoid", [x]) { $0[0].hardsigmoid() }
        Self.check("softplus", [x]) { $0[0].softplus(beta: 2, threshold: 4) }
        Self.check("dropout", [x]) { t in
            var rng = RandomGenerator(seed: 7)
            return t[0].dropout(p: 0.3, training: true, using: &rng)
        }
    }

    @Test func reductions() {
        let x = Self.input([2, 3, 4], seed: 5)
        Self.check("sum all", [x]) { $0[0].sum() }
        Self.check("sum dims keepdim", [x]) { $0[0].sum(dims: [0, 2], keepDim: true) }
        Self.check("mean dim", [x]) { $0[0].mean(dim: 1) }
        Self.check("max dim", [x]) { $0[0].max(dim: 2).values }
        Self.check("min dim keepdim", [x]) { $0[0].min(dim: 0, keepDim: true).values }
        Self.check("softmax", [x]) { $0[0].softmax(dim: 1) }
        Self.check("log_softmax", [x]) { $0[0].logSoftmax(dim: -1) }
    }

    @Test func shapesAndIndexing() {
        let x = Self.input([2, 3, 4], seed: 6), y = Self.input([2, 2, 4], seed: 7)
        Self.check("reshape", [x]) { $0[0].reshape([6, 4]) * Tensor.arange(4) }
        Self.check("permute", [x]) { $0[0].permute(2, 0, 1).contiguous() * Tensor.arange(3) }
        Self.check("transpose", [x]) { $0[0].transpose(0, 2) * Tensor.arange(2) }
        Self.check("slice", [x]) { $0[0].slice(2, 1, 4, step: 2) }
        Self.check("expand", [Self.input([3, 1], seed: 8)]) { $0[0].expand([2, 3, 4]) }
        Self.check("flatten", [x]) { $0[0].flatten(start: 1) }
        Self.check("concat", [x, y]) { Tensor.concat([$0[0], $0[1]], dim: 1) }
        Self.check("stack", [x, x * 2]) { Tensor.stack([$0[0], $0[1]], dim: 1) }
        Self.check("split", [x]) { t in
            let parts = t[0].split(2, dim: 2); return parts[0] * 2 + parts[1]
        }
        Self.check("index_select", [x]) { $0[0].indexSelect(dim: 1, index: Tensor(indices: [2, 0, 2])) }
        Self.check("gather", [x]) {
            $0[0].gather(dim: 2, index: Tensor(indices: [0, 3, 1, 1, 2, 0, 3, 3, 0, 1, 2, 2], shape: [2, 3, 2]))
        }
    }

    @Test func linearAlgebra() {
        Self.check("matmul batched", [Self.input([2, 3, 4], seed: 9), Self.input([4, 5], seed: 10)]) {
            $0[0].matmul($0[1])
        }
        Self.check("matmul transposed view", [Self.input([4, 3], seed: 11), Self.input([4, 2], seed: 12)]) {
            $0[0].T.matmul($0[1])
        }
        Self.check("linear", [Self.input([3, 4], seed: 13), Self.input([2, 4], seed: 14), Self.input([2], seed: 15)]) {
            Tensor.linear($0[0], weight: $0[1], bias: $0[2])
        }
    }

    @Test(
        arguments: [
            (stride: (1, 1), padding: (1, 1), dilation: (1, 1), groups: 1, kernel: 3),
            (stride: (2, 1), padding: (0, 2), dilation: (1, 2), groups: 1, kernel: 3),
            (stride: (1, 1), padding: (1, 1), dilation: (1, 1), groups: 2, kernel: 3),
            (stride: (2, 2), padding: (1, 1), dilation: (1, 1), groups: 4, kernel: 3),
            (stride: (1, 1), padding: (0, 0), dilation: (1, 1), groups: 1, kernel: 1),
        ].enumerated().map { $0 })
    func conv2d(
        _ entry: (
            offset: Int,
            element: (stride: (Int, Int), padding: (Int, Int), dilation: (Int, Int), groups: Int, kernel: Int)
        )
    ) {
        let c = entry.element
        let x = Self.input([2, 4, 5, 5], seed: 16), w = Self.input([4, 4 / c.groups, c.kernel, c.kernel], seed: 17),
            b = Self.input([4], seed: 18)
        Self.check("conv2d #\(entry.offset)", [x, w, b]) {
            Tensor.conv2d(
                $0[0], weight: $0[1], bias: $0[2], stride: c.stride, padding: c.padding, dilation: c.dilation,
                groups: c.groups)
        }
    }

    @Test func poolingAndNormalization() {
        let x = Self.input([2, 2, 5, 5], seed: 19)
        Self.check("max_pool2d", [x]) { $0[0].maxPool2d(kernel: (3, 3), stride: (2, 2), padding: (1, 1)) }
        Self.check("avg_pool2d", [x]) {
            $0[0].avgPool2d(kernel: (3, 3), stride: (2, 2), padding: (1, 1), ceilMode: true, countIncludePad: false)
        }
        Self.check("adaptive_avg_pool2d", [x]) { $0[0].adaptiveAvgPool2d((3, 2)) }
        let w = Self.input([2], seed: 20), b = Self.input([2], seed: 21)
        Self.check("batch_norm train", [x, w, b]) {
            Tensor.batchNorm($0[0], runningMean: nil, runningVar: nil, weight: $0[1], bias: $0[2], training: true)
        }
        Self.check("batch_norm eval", [x, w, b]) {
            Tensor.batchNorm(
                $0[0], runningMean: Tensor([0.1, -0.2]), runningVar: Tensor([0.5, 2]), weight: $0[1], bias: $0[2],
                training: false)
        }
        Self.check("layer_norm", [Self.input([3, 6], seed: 22), Self.input([6], seed: 23), Self.input([6], seed: 24)]) {
            Tensor.layerNorm($0[0], normalizedShape: [6], weight: $0[1], bias: $0[2])
        }
    }
}
