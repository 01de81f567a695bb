import ZooTensor

/// Zeroes each element with probability `p` in training and scales the rest by 1/(1−p); the
/// identity in eval mode (PyTorch's `nn.Dropout`). Draws from the default generator.
/// ```swift
/// let drop = Dropout(0.2)
/// drop.eval()
/// drop(x) === x                    // true: nothing happens outside training
/// ```
public final class Dropout: Module {
    public let p: Float

    public init(_ p: Float = 0.5) {
        precondition(p >= 0 && p <= 1, "dropout probability must be in [0, 1], got \(p)")
        self.p = p
    }

    public override func forward(_ input: Tensor) -> Tensor { input.dropout(p: p, training: isTraining) }
}
