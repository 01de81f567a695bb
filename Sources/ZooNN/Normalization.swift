import ZooTensor

/// Batch normalization over the channels of NCHW input (PyTorch's `nn.BatchNorm2d`).
/// Keys: `weight`, `bias` (parameters), `running_mean`, `running_var`, `num_batches_tracked` (buffers).
///
/// In training mode it normalizes with the batch's statistics and updates the running ones
/// (`momentum` weight, or a cumulative average when `momentum` is nil); in eval mode it uses the
/// running statistics.
/// ```swift
/// let bn = BatchNorm2d(64)
/// bn.eval()
/// let y = bn(x)                    // (x − running_mean) / √(running_var + eps) · weight + bias
/// ```
public final class BatchNorm2d: Module {
    public let numFeatures: Int
    public let eps: Float
    /// Weight of the newest batch in the running statistics; nil averages over all batches seen.
    public let momentum: Float?
    public let weight: Tensor?
    public let bias: Tensor?
    public let runningMean: Tensor?
    public let runningVar: Tensor?
    /// Batches seen in training (int64, as PyTorch stores it).
    public let numBatchesTracked: Tensor?
    /// When set, training-mode statistics span every process of a data-parallel run (PyTorch's
    /// `SyncBatchNorm`); `DataParallel.synchronizeBatchNorm` sets it.
    public var crossProcessSum: CrossProcessSum?

    public init(_ numFeatures: Int, eps: Float = 1e-5, momentum: Float? = 0.1, affine: Bool = true,
                trackRunningStats: Bool = true) {
        self.numFeatures = numFeatures
        self.eps = eps
        self.momentum = momentum
        weight = affine ? WeightInitialization.parameter(Tensor.ones([numFeatures])) : nil
        bias = affine ? WeightInitialization.parameter(Tensor.zeros([numFeatures])) : nil
        runningMean = trackRunningStats ? Tensor.zeros([numFeatures]) : nil
        runningVar = trackRunningStats ? Tensor.ones([numFeatures]) : nil
        numBatchesTracked = trackRunningStats ? Tensor([0], shape: [], dtype: .int64) : nil
    }

    public override var ownParameters: [(String, Tensor)] {
        [("weight", weight), ("bias", bias)].compactMap { key, tensor in tensor.map { (key, $0) } }
    }

    public override var ownBuffers: [(String, Tensor)] {
        [("running_mean", runningMean), ("running_var", runningVar), ("num_batches_tracked", numBatchesTracked)]
            .compactMap { key, tensor in tensor.map { (key, $0) } }
    }

    public override func forward(_ input: Tensor) -> Tensor {
        precondition(input.rank == 4, "BatchNorm2d expects NCHW input, got \(input.shape)")
        precondition(input.shape[1] == numFeatures, "BatchNorm2d(\(numFeatures)) got \(input.shape[1]) channels")
        var factor = momentum ?? 0
        if isTraining, let numBatchesTracked {
            let batches = numBatchesTracked.toDoubles()[0] + 1
            numBatchesTracked.assign(Tensor([batches], shape: [], dtype: .int64))
            if momentum == nil { factor = Float(1 / batches) }
        }
        if isTraining, let crossProcessSum {
            return Tensor.syncBatchNorm(input, runningMean: runningMean, runningVar: runningVar, weight: weight,
                                        bias: bias, momentum: factor, eps: eps, sum: crossProcessSum)
        }
        return Tensor.batchNorm(input, runningMean: runningMean, runningVar: runningVar, weight: weight, bias: bias,
                                training: isTraining, momentum: factor, eps: eps)
    }
}

/// Layer normalization over the trailing `normalizedShape` dimensions (PyTorch's `nn.LayerNorm`).
/// Keys `weight`, `bias`, each shaped `normalizedShape`.
/// ```swift
/// let norm = LayerNorm([768])
/// let y = norm(tokens)             // [N, T, 768], each token normalized
/// ```
public final class LayerNorm: Module {
    public let normalizedShape: [Int]
    public let eps: Float
    public let weight: Tensor?
    public let bias: Tensor?

    public init(_ normalizedShape: [Int], eps: Float = 1e-5, elementwiseAffine: Bool = true, bias: Bool = true) {
        self.normalizedShape = normalizedShape
        self.eps = eps
        weight = elementwiseAffine ? WeightInitialization.parameter(Tensor.ones(normalizedShape)) : nil
        self.bias = elementwiseAffine && bias ? WeightInitialization.parameter(Tensor.zeros(normalizedShape)) : nil
    }

    public convenience init(_ features: Int, eps: Float = 1e-5) { self.init([features], eps: eps) }

    public override var ownParameters: [(String, Tensor)] {
        [("weight", weight), ("bias", bias)].compactMap { key, tensor in tensor.map { (key, $0) } }
    }

    public override func forward(_ input: Tensor) -> Tensor {
        Tensor.layerNorm(input, normalizedShape: normalizedShape, weight: weight, bias: bias, eps: eps)
    }
}

extension Conv2d {
    /// `norm(self(input))`. In eval mode with no graph to record, the batch norm folds into the
    /// convolution (W·γ/σ, β − μ·γ/σ): one pass over the activations instead of two, no extra
    /// tensor. Otherwise (training, or gradients wanted) it is exactly the two modules in turn.
    public func forward(_ input: Tensor, normalizedBy norm: BatchNorm2d) -> Tensor {
        let needsGraph = GradMode.isEnabled && (input.requiresGrad || parameters().contains { $0.requiresGrad }
            || norm.parameters().contains { $0.requiresGrad })
        guard !norm.isTraining, !needsGraph, let mean = norm.runningMean, let variance = norm.runningVar else {
            return norm(self(input))
        }
        let zeros = Tensor.zeros([outChannels])
        let scale = (norm.weight ?? Tensor.ones([outChannels])) / (variance + norm.eps).sqrt()
        let shift = (norm.bias ?? zeros) + ((bias ?? zeros) - mean) * scale
        let foldedWeight = weight * scale.reshape([outChannels, 1, 1, 1])
        return Tensor.conv2d(input, weight: foldedWeight, bias: shift, stride: stride, padding: padding,
                             dilation: dilation, groups: groups)
    }
}
