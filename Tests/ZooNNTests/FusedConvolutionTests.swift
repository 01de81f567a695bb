import Testing
import ZooNN
import ZooTensor

/// `Conv2d.forward(_:normalizedBy:adding:relu:)`: in eval mode the batch norm is folded and the
/// residual add and ReLU fused; the result must equal the layers run one by one, on both paths.
@Suite struct FusedConvolutionTests {
    static func layers(seed: UInt64) -> (Conv2d, BatchNorm2d) {
        var rng = RandomGenerator(seed: seed)
        let conv = Conv2d(6, 8, kernelSize: 3, stride: 1, padding: 1, bias: false)
        let norm = BatchNorm2d(8)
        for tensor in [norm.weight!, norm.bias!, norm.runningMean!] { tensor.assign(Tensor.normal([8], using: &rng)) }
        norm.runningVar!.assign(Tensor.normal([8], using: &rng).abs() + 0.5)
        conv.weight.assign(Tensor.normal(conv.weight.shape, std: 0.2, using: &rng))
        conv.eval(); norm.eval()
        return (conv, norm)
    }

    static func maxError(_ a: Tensor, _ b: Tensor) -> Float {
        zip(a.toArray(), b.toArray()).map { abs($0 - $1) }.max() ?? 0
    }

    @Test(arguments: [KernelPath.Convolution.oneDNN, .gemm])
    func foldedAndFusedEqualsLayerByLayer(_ path: KernelPath.Convolution) {
        let (conv, norm) = Self.layers(seed: 1)
        var rng = RandomGenerator(seed: 2)
        let x = Tensor.normal([2, 6, 9, 9], using: &rng), residual = Tensor.normal([2, 8, 9, 9], using: &rng)
        let expected = (norm(conv(x)) + residual).relu()
        let fused = KernelPath.using(path) {
            withNoGrad { conv.forward(x, normalizedBy: norm, adding: residual, relu: true) }
        }
        #expect(Self.maxError(fused, expected) <= 1e-4, "\(path): fused differs by \(Self.maxError(fused, expected))")
        let plain = KernelPath.using(path) { withNoGrad { conv.forward(x, normalizedBy: norm) } }
        #expect(Self.maxError(plain, norm(conv(x))) <= 1e-4)
    }

    /// The fold is cached; changing the norm's statistics or the weights (a checkpoint load, an
    /// optimizer step) must make a new one.
    @Test func cachedFoldFollowsNewValues() {
        let (conv, norm) = Self.layers(seed: 3)
        var rng = RandomGenerator(seed: 4)
        let x = Tensor.normal([1, 6, 8, 8], using: &rng)
        _ = withNoGrad { conv.forward(x, normalizedBy: norm, relu: true) }
        norm.runningMean!.assign(Tensor.normal([8], using: &rng))
        let afterStats = withNoGrad { conv.forward(x, normalizedBy: norm, relu: true) }
        #expect(Self.maxError(afterStats, norm(conv(x)).relu()) <= 1e-4)
        conv.weight.assign(Tensor.normal(conv.weight.shape, using: &rng))
        let afterWeights = withNoGrad { conv.forward(x, normalizedBy: norm, relu: true) }
        #expect(Self.maxError(afterWeights, norm(conv(x)).relu()) <= 1e-4)
    }

    /// A Sequential of conv, norm, ReLU (deep stems, shortcuts) folds in eval and not in training.
    @Test func sequentialFoldsConvNormReLU() {
        let (conv, norm) = Self.layers(seed: 5)
        let block = Sequential(conv, norm, ReLU())
        var rng = RandomGenerator(seed: 6)
        let x = Tensor.normal([2, 6, 7, 7], using: &rng)
        block.eval()
        let folded = withNoGrad { block(x) }
        #expect(Self.maxError(folded, norm(conv(x)).relu()) <= 1e-4)
        block.train()
        let trained = block(x)
        #expect(trained.shape == [2, 8, 7, 7])
        #expect(norm.numBatchesTracked!.toDoubles()[0] == 1, "training must run the batch norm itself")
    }
}
