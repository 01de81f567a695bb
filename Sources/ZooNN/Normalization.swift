import Foundation
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
open class BatchNorm2d: Module {
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

    public init(
        _ numFeatures: Int, eps: Float = 1e-5, momentum: Float? = 0.1, affine: Bool = true,
        trackRunningStats: Bool = true
    ) {
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

    open override func forward(_ input: Tensor) -> Tensor { normalize(input) }

    /// `relu?(self(input) + residual)` as one op (`Tensor.batchNorm(…adding:relu:)`): one pass over
    /// the output, and no sum or pre-activation tensor made or kept for the backward pass. Only
    /// this class's own normalization: subclasses' activations are theirs to apply.
    public final func normalize(_ input: Tensor, adding residual: Tensor? = nil, relu: Bool = false) -> Tensor {
        precondition(input.rank == 4, "BatchNorm2d expects NCHW input, got \(input.shape)")
        precondition(input.shape[1] == numFeatures, "BatchNorm2d(\(numFeatures)) got \(input.shape[1]) channels")
        var factor = momentum ?? 0
        if isTraining, let numBatchesTracked {
            let batches = numBatchesTracked.toDoubles()[0] + 1
            numBatchesTracked.assign(Tensor([batches], shape: [], dtype: .int64))
            if momentum == nil { factor = Float(1 / batches) }
        }
        if isTraining, let crossProcessSum {
            var y = Tensor.syncBatchNorm(
                input, runningMean: runningMean, runningVar: runningVar, weight: weight,
                bias: bias, momentum: factor, eps: eps, sum: crossProcessSum)
            if let residual { y = y + residual }
            return relu ? y.relu() : y
        }
        // The fused epilogue wants a float32 residual of the input's shape; anything else is added apart.
        let fusable = residual.map { $0.shape == input.shape && $0.dtype == .float32 } ?? true
        let y = Tensor.batchNorm(
            input, runningMean: runningMean, runningVar: runningVar, weight: weight, bias: bias,
            training: isTraining, momentum: factor, eps: eps, adding: fusable ? residual : nil,
            relu: relu && fusable)
        guard !fusable, let residual else { return y }
        let sum = y + residual
        return relu ? sum.relu() : sum
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
    /// `relu?(norm(self(input)) + residual)`: a convolution, its batch norm, an optional residual
    /// add and an optional ReLU. In eval mode with no graph to record, the batch norm is folded
    /// into the convolution (W·γ/σ, β − μ·γ/σ) once per set of weights, and the add and ReLU run
    /// as the convolution's post-ops (oneDNN) or in one pass over its output: no extra tensors.
    /// Otherwise (training, or gradients wanted) it is exactly the modules and ops in turn.
    /// ```swift
    /// let y = conv2.forward(x, normalizedBy: bn2, adding: shortcut, relu: true)
    /// ```
    public func forward(
        _ input: Tensor, normalizedBy norm: BatchNorm2d, adding residual: Tensor? = nil,
        relu: Bool = false
    ) -> Tensor {
        // A norm's own activation folds here only when it is ReLU, ReLU follows and nothing is
        // added in between (ReLU twice is ReLU once); else `forward(_:normalizedAndActivatedBy:)`.
        var folds = true
        if let normAct = norm as? BatchNormAct2d {
            let own = normAct.fusedActivation
            folds = own == .some(nil) || (own == .some(.relu) && relu && residual == nil)
        }
        if folds,
            let fused = foldedInference(input, norm: norm, adding: residual, activation: relu ? .relu : nil)
        {
            return fused
        }
        // Training (or a graph wanted): the convolution, then batch norm with the add and ReLU
        // fused into it (a norm's own ReLU folds the same way when nothing is added in between).
        if let normAct = norm as? BatchNormAct2d {
            switch normAct.fusedActivation {
            case .some(nil): return norm.normalize(self(input), adding: residual, relu: relu)
            case .some(.relu) where residual == nil: return norm.normalize(self(input), relu: true)
            default:
                var y = norm(self(input))
                if let residual { y = y + residual }
                return relu ? y.relu() : y
            }
        }
        return norm.normalize(self(input), adding: residual, relu: relu)
    }

    /// `relu?(conv(input) folded with norm + residual)` when eval mode and no graph allow it, else nil.
    func foldedInference(
        _ input: Tensor, norm: BatchNorm2d, adding residual: Tensor?, activation: FusedActivation?
    ) -> Tensor? {
        let needsGraph =
            GradMode.isEnabled
            && (input.requiresGrad || residual?.requiresGrad == true
                || parameters().contains { $0.requiresGrad } || norm.parameters().contains { $0.requiresGrad })
        guard !norm.isTraining, !needsGraph, let prepared = inferenceWeights(foldedWith: norm) else { return nil }
        return Tensor.conv2dInference(
            input, prepared: prepared, stride: stride, padding: padding, dilation: dilation,
            groups: groups, adding: residual, activation: activation)
    }

    /// The weights folded with `norm`, cached until the weights or the norm's values change.
    func inferenceWeights(foldedWith norm: BatchNorm2d) -> PreparedConvolution? {
        guard let mean = norm.runningMean, let variance = norm.runningVar else { return nil }
        let fingerprint = WeightFingerprint([weight, bias, norm.weight, norm.bias, mean, variance])
        if let cached = inferenceCache.value(for: fingerprint) { return cached }
        let zeros = Tensor.zeros([outChannels])
        let scale = (norm.weight ?? Tensor.ones([outChannels])) / (variance + norm.eps).sqrt()
        let shift = (norm.bias ?? zeros) + ((bias ?? zeros) - mean) * scale
        let weight = weight, columnScale = scale.reshape([outChannels, 1, 1, 1])
        let prepared = PreparedConvolution(weightShape: weight.shape, bias: shift) { weight.detach() * columnScale }
        inferenceCache.store(prepared, for: fingerprint)
        return prepared
    }
}

/// One cached fold per convolution.
final class InferenceCache: @unchecked Sendable {
    private var entry: (WeightFingerprint, PreparedConvolution)?
    private let lock = NSLock()

    func value(for fingerprint: WeightFingerprint) -> PreparedConvolution? {
        lock.withLock { entry.flatMap { $0.0 == fingerprint ? $0.1 : nil } }
    }

    func store(_ prepared: PreparedConvolution, for fingerprint: WeightFingerprint) {
        lock.withLock { entry = (fingerprint, prepared) }
    }
}
