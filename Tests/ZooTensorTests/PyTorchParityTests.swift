import Testing
import ZooTensor

/// Forward values and input gradients against real PyTorch (fixtures in Fixtures/ops.json).
@Suite struct PyTorchParityTests {
    @Test(arguments: try OpFixture.all())
    func matchesPyTorch(_ fixture: OpFixture) {
        var leaves: [String: Tensor] = [:]
        for (name, values) in fixture.inputs {
            leaves[name] = Tensor(values.data.map { Float($0) }, shape: values.shape, requiresGrad: true)
        }
        let runningMean = fixture.running_mean?.tensor, runningVar = fixture.running_var?.tensor
        if runningMean == nil {
            // Without a graph some ops take other kernels (max pool keeps no winners): same values.
            let plain = withNoGrad { Self.run(fixture, leaves, runningMean: nil, runningVar: nil) }
            expectClose(plain, fixture.output, "\(fixture.name) forward without grad")
        }
        let out = Self.run(fixture, leaves, runningMean: runningMean, runningVar: runningVar)
        expectClose(out, fixture.output, "\(fixture.name) forward")
        out.backward(fixture.upstream.tensor)
        for (name, expected) in fixture.grads {
            guard let grad = leaves[name]?.grad else {
                Issue.record("\(fixture.name): no gradient for \(name)"); continue
            }
            expectClose(grad, expected, "\(fixture.name) d\(name)")
        }
        if let runningMean, let expected = fixture.running_mean_after {
            expectClose(runningMean, expected, "\(fixture.name) running_mean")
        }
        if let runningVar, let expected = fixture.running_var_after {
            expectClose(runningVar, expected, "\(fixture.name) running_var")
        }
    }

    static func run(_ f: OpFixture, _ t: [String: Tensor], runningMean: Tensor?, runningVar: Tensor?) -> Tensor {
        let x = t["x"]
        switch f.op {
        case "conv2d":
            return Tensor.conv2d(
                x!, weight: t["weight"]!, bias: t["bias"], stride: f.pair("stride"),
                padding: f.pair("padding"), dilation: f.pair("dilation"), groups: f.int("groups"))
        case "max_pool2d":
            return x!.maxPool2d(
                kernel: f.pair("kernel"), stride: f.pair("stride"), padding: f.pair("padding"),
                dilation: f.pair("dilation"), ceilMode: f.flag("ceil_mode"))
        case "avg_pool2d":
            return x!.avgPool2d(
                kernel: f.pair("kernel"), stride: f.pair("stride"), padding: f.pair("padding"),
                ceilMode: f.flag("ceil_mode"), countIncludePad: f.flag("count_include_pad"))
        case "adaptive_avg_pool2d": return x!.adaptiveAvgPool2d(f.pair("output_size"))
        case "batch_norm":
            return Tensor.batchNorm(
                x!, runningMean: runningMean, runningVar: runningVar, weight: t["weight"], bias: t["bias"],
                training: f.flag("training"), momentum: f.float("momentum"), eps: f.float("eps"))
        case "layer_norm":
            return Tensor.layerNorm(
                x!, normalizedShape: f.list("normalized_shape"), weight: t["weight"], bias: t["bias"],
                eps: f.float("eps"))
        case "matmul": return t["a"]!.matmul(t["b"]!)
        case "linear": return Tensor.linear(x!, weight: t["weight"]!, bias: t["bias"])
        case "softmax": return x!.softmax(dim: f.int("dim"))
        case "log_softmax": return x!.logSoftmax(dim: f.int("dim"))
        case "relu": return x!.relu()
        case "relu6": return x!.relu6()
        case "leaky_relu": return x!.leakyRelu(negativeSlope: 0.1)
        case "gelu": return x!.gelu()
        case "gelu_tanh": return x!.gelu(approximateTanh: true)
        case "silu": return x!.silu()
        case "sigmoid": return x!.sigmoid()
        case "tanh": return x!.tanh()
        case "hardswish": return x!.hardswish()
        case "hardsigmoid": return x!.hardsigmoid()
        case "softplus": return x!.softplus(beta: 2, threshold: 5)
        default: fatalError("unknown op \(f.op)")
        }
    }
}
