import ZooTensor

/// How a loss turns its per-element values into the result, as PyTorch's `reduction=`.
public enum Reduction: String, Sendable, CaseIterable {
    /// Per-element losses, unreduced.
    case none
    /// The mean; for `nll` and class-index `crossEntropy` with `weight`, the weighted mean.
    case mean
    /// The sum.
    case sum
    /// The sum divided by the batch size (the first dimension): PyTorch's `"batchmean"`, which it
    /// offers for `kl_div` only, where it is the mathematically correct KL divergence.
    case batchMean
}

/// The losses of `torch.nn.functional`, built from ZooTensor ops so autograd gives their gradients.
/// Values and input gradients match PyTorch to 1e-5 (tests/fixtures from real PyTorch).
///
/// Arguments follow PyTorch: `input` first, `target` second, options labelled and defaulted as
/// there. Class-index targets are integer tensors (`Tensor(indices:)`); the class dimension is 1
/// for batched input and 0 for a single sample.
/// ```swift
/// let logits = Tensor([2, 0.5, -1, 0.1, 1.2, 0.3], shape: [2, 3], requiresGrad: true)
/// let labels = Tensor(indices: [0, 1])
/// let loss = Loss.crossEntropy(logits, labels, labelSmoothing: 0.1)
/// loss.backward()   // logits.grad is set
/// ```
public enum Loss {}

// MARK: - Classification

extension Loss {
    /// Cross entropy between logits and class indices or class probabilities
    /// (`F.cross_entropy`). A float `target` shaped like `input` is read as probabilities;
    /// anything else as class indices, where `ignoreIndex` marks elements that count for nothing.
    /// `labelSmoothing` mixes the target with the uniform distribution; `weight` rescales classes.
    public static func crossEntropy(
        _ input: Tensor, _ target: Tensor, weight: Tensor? = nil, ignoreIndex: Int = -100,
        reduction: Reduction = .mean, labelSmoothing: Float = 0
    ) -> Tensor {
        precondition(
            labelSmoothing >= 0 && labelSmoothing <= 1, "labelSmoothing must be in [0, 1], got \(labelSmoothing)")
        let classDim = input.rank == 1 ? 0 : 1
        let classCount = input.shape[classDim]
        let logProbabilities = input.logSoftmax(dim: classDim)
        let classWeight = weight.map {
            classWeights($0, classCount: classCount, broadcastAlong: classDim, rank: input.rank)
        }

        if target.dtype.isFloatingPoint && target.shape == input.shape {
            var probabilities = target
            if labelSmoothing > 0 {
                probabilities = probabilities * (1 - labelSmoothing) + labelSmoothing / Float(classCount)
            }
            var weighted = logProbabilities * probabilities
            if let classWeight { weighted = weighted * classWeight }
            let losses = -weighted.sum(dim: classDim)
            // The mean is over samples (and spatial positions), not weighted.
            return reduce(losses, reduction)
        }

        let nllLoss = nll(logProbabilities, target, weight: weight, ignoreIndex: ignoreIndex, reduction: reduction)
        if labelSmoothing == 0 { return nllLoss }
        // The smoothing term is the (weighted) sum of all classes' log-probabilities, counted for the
        // same elements and normalized by the same total weight as the NLL term.
        let picks = ClassPicks(target, ignoreIndex: ignoreIndex, classCount: classCount, weight: weight)
        let classSum = (classWeight.map { logProbabilities * $0 } ?? logProbabilities).sum(dim: classDim)
        let smoothLosses = -classSum * picks.keptMask
        let smoothTerm: Tensor
        switch reduction {
        case .mean: smoothTerm = smoothLosses.sum() / picks.totalWeight
        default: smoothTerm = reduce(smoothLosses, reduction)
        }
        return nllLoss * (1 - labelSmoothing) + smoothTerm * (labelSmoothing / Float(classCount))
    }

    /// Negative log-likelihood of class indices under log-probabilities (`F.nll_loss`):
    /// −weight[t]·input[n, t]. The mean divides by the total weight of the elements not ignored.
    public static func nll(
        _ input: Tensor, _ target: Tensor, weight: Tensor? = nil, ignoreIndex: Int = -100,
        reduction: Reduction = .mean
    ) -> Tensor {
        let classDim = input.rank == 1 ? 0 : 1
        var expected = input.shape
        expected.remove(at: classDim)
        precondition(
            target.shape == expected,
            "nll: target shape \(target.shape) does not match input \(input.shape) (expected \(expected))")
        let picks = ClassPicks(target, ignoreIndex: ignoreIndex, classCount: input.shape[classDim], weight: weight)
        let picked = input.gather(dim: classDim, index: picks.gatherIndex(classDim: classDim)).squeeze(classDim)
        let losses = -picked * picks.elementWeights
        if reduction == .mean { return losses.sum() / picks.totalWeight }
        return reduce(losses, reduction)
    }

    /// Binary cross entropy on probabilities (`F.binary_cross_entropy`); logs are clamped at −100
    /// as PyTorch's so certain mistakes cost 100, not infinity.
    public static func binaryCrossEntropy(
        _ input: Tensor, _ target: Tensor, weight: Tensor? = nil,
        reduction: Reduction = .mean
    ) -> Tensor {
        precondition(
            input.shape == target.shape, "binaryCrossEntropy: input \(input.shape) and target \(target.shape) differ")
        let logInput = input.log().clamp(min: -100)
        let logComplement = (1 - input).log().clamp(min: -100)
        var losses = (target - 1) * logComplement - target * logInput
        if let weight { losses = losses * weight }
        return reduce(losses, reduction)
    }

    /// Binary cross entropy on logits, computed stably (`F.binary_cross_entropy_with_logits`).
    /// `posWeight` (one per class, broadcast along the last dimension) weighs positive examples.
    public static func binaryCrossEntropyWithLogits(
        _ input: Tensor, _ target: Tensor, weight: Tensor? = nil,
        posWeight: Tensor? = nil, reduction: Reduction = .mean
    ) -> Tensor {
        precondition(
            input.shape == target.shape,
            "binaryCrossEntropyWithLogits: input \(input.shape) and target \(target.shape) differ")
        // −log σ(x) = softplus(−x), which never overflows.
        let negativeLogSigmoid = (-input).softplus()
        var losses: Tensor
        if let posWeight {
            let logWeight = (posWeight - 1) * target + 1
            losses = (1 - target) * input + logWeight * negativeLogSigmoid
        } else {
            losses = (1 - target) * input + negativeLogSigmoid
        }
        if let weight { losses = losses * weight }
        return reduce(losses, reduction)
    }
}

// MARK: - Regression

extension Loss {
    /// Squared error (`F.mse_loss`).
    public static func mse(_ input: Tensor, _ target: Tensor, reduction: Reduction = .mean) -> Tensor {
        reduce((input - target).pow(2), reduction)
    }

    /// Absolute error (`F.l1_loss`).
    public static func l1(_ input: Tensor, _ target: Tensor, reduction: Reduction = .mean) -> Tensor {
        reduce((input - target).abs(), reduction)
    }

    /// Squared below `beta`, absolute above, scaled so the slope is 1 (`F.smooth_l1_loss`):
    /// 0.5·z²/β when z = |x − y| < β, else z − 0.5·β. `beta == 0` is the L1 loss.
    public static func smoothL1(_ input: Tensor, _ target: Tensor, beta: Float = 1, reduction: Reduction = .mean)
        -> Tensor
    {
        precondition(beta >= 0, "smoothL1: beta must be non-negative, got \(beta)")
        if beta == 0 { return l1(input, target, reduction: reduction) }
        let z = (input - target).abs()
        return reduce(Tensor.where(z.lt(beta), z * z * 0.5 / beta, z - 0.5 * beta), reduction)
    }

    /// Squared below `delta`, linear above with slope δ (`F.huber_loss`):
    /// 0.5·z² when z = |x − y| < δ, else δ·(z − 0.5·δ).
    public static func huber(_ input: Tensor, _ target: Tensor, delta: Float = 1, reduction: Reduction = .mean)
        -> Tensor
    {
        precondition(delta > 0, "huber: delta must be positive, got \(delta)")
        let z = (input - target).abs()
        return reduce(Tensor.where(z.lt(delta), z * z * 0.5, (z - 0.5 * delta) * delta), reduction)
    }

    /// Kullback–Leibler divergence KL(target ‖ input) with `input` as log-probabilities
    /// (`F.kl_div`); `target` is probabilities, or log-probabilities when `logTarget`.
    /// PyTorch's `"mean"` divides by every element; `.batchMean` gives the true KL per sample.
    public static func klDiv(_ input: Tensor, _ target: Tensor, reduction: Reduction = .mean, logTarget: Bool = false)
        -> Tensor
    {
        let losses: Tensor
        if logTarget {
            losses = target.exp() * (target - input)
        } else {
            // t·log t is taken as 0 where t = 0 (xlogy).
            let targetEntropyTerm = Tensor.where(target.gt(0), target * target.log(), Tensor(scalar: 0))
            losses = targetEntropyTerm - target * input
        }
        return reduce(losses, reduction)
    }
}

// MARK: - Margins and embeddings

extension Loss {
    /// max(0, −y·(x₁ − x₂) + margin) for y = ±1 (`F.margin_ranking_loss`).
    public static func marginRanking(
        _ input1: Tensor, _ input2: Tensor, _ target: Tensor, margin: Float = 0,
        reduction: Reduction = .mean
    ) -> Tensor {
        reduce((-target * (input1 - input2) + margin).clamp(min: 0), reduction)
    }

    /// x where y = 1, max(0, margin − x) where y = −1 (`F.hinge_embedding_loss`).
    public static func hingeEmbedding(
        _ input: Tensor, _ target: Tensor, margin: Float = 1,
        reduction: Reduction = .mean
    ) -> Tensor {
        let zero = Tensor(scalar: 0)
        // As PyTorch: a target other than ±1 collects both terms.
        let marginTerm = Tensor.where(target.eq(Tensor(scalar: 1)), zero, (margin - input).clamp(min: 0))
        let inputTerm = Tensor.where(target.eq(Tensor(scalar: -1)), zero, input)
        return reduce(marginTerm + inputTerm, reduction)
    }

    /// Multi-label hinge loss (`F.multilabel_margin_loss`). `target` holds class indices per
    /// sample, ended by the first −1; the loss sums max(0, 1 − (x[j] − x[i])) over target classes j
    /// and non-target classes i, divided by the class count.
    public static func multilabelMargin(_ input: Tensor, _ target: Tensor, reduction: Reduction = .mean) -> Tensor {
        precondition(
            input.rank == 1 || input.rank == 2, "multilabelMargin: input must be (C) or (N, C), got \(input.shape)")
        precondition(
            target.shape == input.shape, "multilabelMargin: target \(target.shape) must match input \(input.shape)")
        let scores = input.rank == 1 ? input.unsqueeze(0) : input
        let (samples, classCount) = (scores.shape[0], scores.shape[1])
        let rows = target.toInts().chunked(classCount)
        let targetLists = rows.map { row in Array(row.prefix { $0 >= 0 }) }
        for list in targetLists {
            for c in list {
                precondition(c < classCount, "multilabelMargin: class \(c) out of range for \(classCount) classes")
            }
        }
        // Targets padded to a common width; the padding is masked out.
        let width = Swift.max(1, targetLists.map(\.count).max() ?? 1)
        var targetIndex = [Int](), targetValid = [Float](),
            nonTarget = [Float](repeating: 1, count: samples * classCount)
        for (n, list) in targetLists.enumerated() {
            for k in 0..<width {
                targetIndex.append(k < list.count ? list[k] : 0)
                targetValid.append(k < list.count ? 1 : 0)
            }
            for c in list { nonTarget[n * classCount + c] = 0 }
        }
        let targetScores = scores.gather(dim: 1, index: Tensor(indices: targetIndex, shape: [samples, width]))
        let hinges = (1 - targetScores.unsqueeze(2) + scores.unsqueeze(1)).relu()  // [N, K, C]
        let mask =
            Tensor(targetValid, shape: [samples, width, 1]) * Tensor(nonTarget, shape: [samples, 1, classCount])
        var losses = (hinges * mask).sum(dims: [1, 2]) / Float(classCount)
        if input.rank == 1 { losses = losses.squeeze(0) }
        return reduce(losses, reduction)
    }

    /// Logistic loss log(1 + exp(−y·x)) for y = ±1 (`F.soft_margin_loss`).
    public static func softMargin(_ input: Tensor, _ target: Tensor, reduction: Reduction = .mean) -> Tensor {
        reduce((-target * input).softplus(), reduction)
    }

    /// One-versus-all logistic loss over classes, averaged over classes (`F.multilabel_soft_margin_loss`);
    /// `target` is 0/1 per class, `weight` rescales classes.
    public static func multilabelSoftMargin(
        _ input: Tensor, _ target: Tensor, weight: Tensor? = nil,
        reduction: Reduction = .mean
    ) -> Tensor {
        // −[y·log σ(x) + (1 − y)·log σ(−x)] = y·softplus(−x) + (1 − y)·softplus(x)
        var losses = target * (-input).softplus() + (1 - target) * input.softplus()
        if let weight { losses = losses * weight }
        let classDim = input.rank - 1
        return reduce(losses.sum(dim: classDim) / Float(input.shape[classDim]), reduction)
    }

    /// 1 − cos(x₁, x₂) where y = 1, max(0, cos(x₁, x₂) − margin) where y = −1
    /// (`F.cosine_embedding_loss`); vectors along the last dimension.
    public static func cosineEmbedding(
        _ input1: Tensor, _ input2: Tensor, _ target: Tensor, margin: Float = 0,
        reduction: Reduction = .mean
    ) -> Tensor {
        precondition(input1.shape == input2.shape, "cosineEmbedding: inputs \(input1.shape) and \(input2.shape) differ")
        let epsilon: Float = 1e-12  // PyTorch's, keeps zero vectors finite
        let featureDim = input1.rank - 1
        let dot = (input1 * input2).sum(dim: featureDim)
        let squaredNorm1 = (input1 * input1).sum(dim: featureDim) + epsilon
        let squaredNorm2 = (input2 * input2).sum(dim: featureDim) + epsilon
        let cosine = dot / (squaredNorm1 * squaredNorm2).sqrt()
        let zero = Tensor(scalar: 0)
        let similarTerm = Tensor.where(target.eq(Tensor(scalar: 1)), 1 - cosine, zero)
        let dissimilarTerm = Tensor.where(target.eq(Tensor(scalar: -1)), (cosine - margin).clamp(min: 0), zero)
        return reduce(similarTerm + dissimilarTerm, reduction)
    }

    /// Multi-class hinge loss (`F.multi_margin_loss`): Σᵢ≠y max(0, margin − x[y] + x[i])ᵖ · weight[y],
    /// divided by the class count; `p` is 1 or 2.
    public static func multiMargin(
        _ input: Tensor, _ target: Tensor, p: Int = 1, margin: Float = 1, weight: Tensor? = nil,
        reduction: Reduction = .mean
    ) -> Tensor {
        precondition(p == 1 || p == 2, "multiMargin: p must be 1 or 2, got \(p)")
        precondition(input.rank == 1 || input.rank == 2, "multiMargin: input must be (C) or (N, C), got \(input.shape)")
        let scores = input.rank == 1 ? input.unsqueeze(0) : input
        let classCount = scores.shape[1]
        let picks = ClassPicks(target.reshape([-1]), ignoreIndex: nil, classCount: classCount, weight: weight)
        let targetScores = scores.gather(dim: 1, index: picks.gatherIndex(classDim: 1))  // [N, 1]
        var hinges = (margin - targetScores + scores).relu()
        if p == 2 { hinges = hinges * hinges }
        var losses = (hinges * picks.nonTargetMask).sum(dim: 1) * picks.elementWeights / Float(classCount)
        if input.rank == 1 { losses = losses.squeeze(0) }
        return reduce(losses, reduction)
    }

    /// max(d(a, p) − d(a, n) + margin, 0) with d the p-norm distance ‖x₁ − x₂ + eps‖ over the last
    /// dimension (`F.triplet_margin_loss`). `swap` uses min(d(a, n), d(p, n)) as the negative distance.
    public static func tripletMargin(
        anchor: Tensor, positive: Tensor, negative: Tensor, margin: Float = 1, p: Float = 2,
        eps: Float = 1e-6, swap: Bool = false, reduction: Reduction = .mean
    ) -> Tensor {
        precondition(
            anchor.shape == positive.shape && anchor.shape == negative.shape,
            "tripletMargin: anchor \(anchor.shape), positive \(positive.shape), negative \(negative.shape) differ")
        precondition(p > 0, "tripletMargin: p must be positive, got \(p)")
        let positiveDistance = pairwiseDistance(anchor, positive, p: p, eps: eps)
        var negativeDistance = pairwiseDistance(anchor, negative, p: p, eps: eps)
        if swap {
            let swapped = pairwiseDistance(positive, negative, p: p, eps: eps)
            negativeDistance = Tensor.where(swapped.lt(negativeDistance), swapped, negativeDistance)
        }
        return reduce((positiveDistance - negativeDistance + margin).clamp(min: 0), reduction)
    }

    /// ‖x₁ − x₂ + eps‖ₚ over the last dimension (`F.pairwise_distance`).
    public static func pairwiseDistance(_ input1: Tensor, _ input2: Tensor, p: Float = 2, eps: Float = 1e-6) -> Tensor {
        let difference = input1 - input2 + eps
        let lastDim = difference.rank - 1
        switch p {
        case 1: return difference.abs().sum(dim: lastDim)
        case 2: return (difference * difference).sum(dim: lastDim).sqrt()
        default: return difference.abs().pow(p).sum(dim: lastDim).pow(1 / p)
        }
    }
}

// MARK: - Shared pieces

extension Loss {
    /// Applies `reduction` to per-element losses.
    static func reduce(_ losses: Tensor, _ reduction: Reduction) -> Tensor {
        switch reduction {
        case .none: losses
        case .mean: losses.mean()
        case .sum: losses.sum()
        case .batchMean: losses.rank == 0 ? losses.sum() : losses.sum() / Float(losses.shape[0])
        }
    }

    /// A per-class weight vector shaped to broadcast along the class dimension of a rank-`rank` input.
    static func classWeights(_ weight: Tensor, classCount: Int, broadcastAlong classDim: Int, rank: Int) -> Tensor {
        precondition(weight.shape == [classCount], "class weight must have shape [\(classCount)], got \(weight.shape)")
        var shape = [Int](repeating: 1, count: rank)
        shape[classDim] = classCount
        return weight.reshape(shape)
    }
}

/// The class each target element picks, with its weight: the bookkeeping shared by the
/// class-index losses. Targets carry no gradient, so this is plain arrays turned into constants.
struct ClassPicks {
    let targetShape: [Int]
    let classCount: Int
    let classes: [Int]
    let weights: [Float]
    let kept: [Bool]

    init(_ target: Tensor, ignoreIndex: Int?, classCount: Int, weight: Tensor?) {
        precondition(
            !target.dtype.isFloatingPoint || target.toDoubles().allSatisfy { $0 == $0.rounded() },
            "class-index target must hold integers (use Tensor(indices:))")
        if let weight {
            precondition(
                weight.shape == [classCount], "class weight must have shape [\(classCount)], got \(weight.shape)")
        }
        let classWeight = weight?.toArray()
        targetShape = target.shape
        self.classCount = classCount
        let raw = target.toInts()
        kept = raw.map { $0 != ignoreIndex }
        classes = zip(raw, kept).map { c, keep in
            precondition(
                !keep || (c >= 0 && c < classCount), "target class \(c) out of range for \(classCount) classes")
            return keep ? c : 0
        }
        weights = zip(classes, kept).map { c, keep in keep ? (classWeight?[c] ?? 1) : 0 }
    }

    /// Weight of each element's class, 0 where ignored; shaped like the target.
    var elementWeights: Tensor { Tensor(weights, shape: targetShape) }
    /// 1 where the element counts, 0 where ignored; shaped like the target.
    var keptMask: Tensor { Tensor(kept.map { $0 ? 1 : 0 }, shape: targetShape) }
    /// Σ weights: the weighted mean's denominator.
    var totalWeight: Tensor { Tensor(scalar: weights.reduce(0, +)) }

    /// The classes as a gather index with a size-1 class dimension.
    func gatherIndex(classDim: Int) -> Tensor {
        var shape = targetShape
        shape.insert(1, at: classDim)
        return Tensor(indices: classes, shape: shape)
    }

    /// [N, C]: 0 at each row's target class, 1 elsewhere (for a 1-d target of N classes).
    var nonTargetMask: Tensor {
        var mask = [Float](repeating: 1, count: classes.count * classCount)
        for (row, c) in classes.enumerated() { mask[row * classCount + c] = 0 }
        return Tensor(mask, shape: [classes.count, classCount])
    }
}

extension Array {
    /// Consecutive slices of `size` elements.
    fileprivate func chunked(_ size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: size).map { self[$0..<Swift.min($0 + size, count)] }
    }
}
