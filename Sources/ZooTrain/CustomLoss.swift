import ZooTensor

/// Anything the trainer can use as a loss: the model's output and the target in, a tensor out
/// (a scalar to train on). Built from tensor ops, its gradient comes from autograd.
///
/// Write one in either form people use. A plain function, wrapped with `.custom`:
/// ```swift
/// func weightedMSE(_ output: Tensor, _ target: Tensor) -> Tensor {
///     ((output - target).pow(2) * Tensor([1, 2, 1], shape: [1, 3])).mean()
/// }
/// let loss: any LossFunction = .custom(weightedMSE)
/// ```
/// Or a type, when the loss has settings (as `DiceLoss`), or a class when it keeps state that
/// changes from call to call (running statistics, a schedule over calls).
public protocol LossFunction {
    func callAsFunction(_ output: Tensor, _ target: Tensor) -> Tensor
}

/// A plain function `(output, target) -> Tensor` as a `LossFunction`.
/// ```swift
/// let loss = ClosureLoss { output, target in Loss.smoothL1(output, target, beta: 0.5) }
/// ```
public struct ClosureLoss: LossFunction {
    public let function: (Tensor, Tensor) -> Tensor

    public init(_ function: @escaping (Tensor, Tensor) -> Tensor) { self.function = function }

    public func callAsFunction(_ output: Tensor, _ target: Tensor) -> Tensor { function(output, target) }
}

/// Built-in losses as values, so a trainer option reads `.crossEntropy(labelSmoothing: 0.1)`.
extension LossFunction where Self == ClosureLoss {
    /// A plain function as a loss.
    public static func custom(_ function: @escaping (Tensor, Tensor) -> Tensor) -> ClosureLoss { ClosureLoss(function) }

    /// `Loss.crossEntropy` with fixed options.
    public static func crossEntropy(weight: Tensor? = nil, ignoreIndex: Int = -100, labelSmoothing: Float = 0)
        -> ClosureLoss
    {
        ClosureLoss {
            Loss.crossEntropy($0, $1, weight: weight, ignoreIndex: ignoreIndex, labelSmoothing: labelSmoothing)
        }
    }

    /// `Loss.binaryCrossEntropyWithLogits` with fixed options (multi-label classification).
    public static func binaryCrossEntropyWithLogits(weight: Tensor? = nil, posWeight: Tensor? = nil) -> ClosureLoss {
        ClosureLoss { Loss.binaryCrossEntropyWithLogits($0, $1, weight: weight, posWeight: posWeight) }
    }

    /// `Loss.mse`.
    public static var mse: ClosureLoss { ClosureLoss { Loss.mse($0, $1) } }

    /// `Loss.l1`.
    public static var l1: ClosureLoss { ClosureLoss { Loss.l1($0, $1) } }

    /// `Loss.smoothL1` with a fixed `beta`.
    public static func smoothL1(beta: Float = 1) -> ClosureLoss { ClosureLoss { Loss.smoothL1($0, $1, beta: beta) } }
}

/// Dice loss for binary segmentation: 1 − (2·Σ p·t + smooth) / (Σ p + Σ t + smooth) per sample,
/// averaged over the batch; p = σ(output) when `fromLogits`. `smooth` keeps empty masks finite
/// and softens the gradient on small objects.
/// ```swift
/// let dice = DiceLoss(smooth: 1)
/// let loss = dice(maskLogits, masks)      // [N, 1, H, W] each; masks of 0 and 1
/// loss.backward()
/// ```
public struct DiceLoss: LossFunction {
    public var smooth: Float
    public var fromLogits: Bool

    public init(smooth: Float = 1, fromLogits: Bool = true) {
        precondition(smooth >= 0, "DiceLoss: smooth must be non-negative, got \(smooth)")
        self.smooth = smooth
        self.fromLogits = fromLogits
    }

    public func callAsFunction(_ output: Tensor, _ target: Tensor) -> Tensor {
        precondition(output.shape == target.shape, "DiceLoss: output \(output.shape) and target \(target.shape) differ")
        precondition(output.rank >= 2, "DiceLoss: expects a batch [N, ...], got \(output.shape)")
        let probabilities = (fromLogits ? output.sigmoid() : output).flatten(start: 1)
        let masks = target.flatten(start: 1)
        let overlap = (probabilities * masks).sum(dim: 1)
        let total = probabilities.sum(dim: 1) + masks.sum(dim: 1)
        let dice = (overlap * 2 + smooth) / (total + smooth)
        return (1 - dice).mean()
    }
}
