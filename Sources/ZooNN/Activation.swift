import ZooTensor

// Activation layers, PyTorch's names and definitions; none has parameters. They exist as modules
// so models list them where PyTorch does (`act1`), keeping module names and hooks aligned.

/// max(x, 0). `ReLU()(x)` is `x.relu()`.
public final class ReLU: Module {
    public override init() {}
    public override func forward(_ input: Tensor) -> Tensor { input.relu() }
}

/// min(max(x, 0), 6).
public final class ReLU6: Module {
    public override init() {}
    public override func forward(_ input: Tensor) -> Tensor { input.relu6() }
}

/// x for x > 0, else negativeSlope·x.
public final class LeakyReLU: Module {
    public let negativeSlope: Float
    public init(negativeSlope: Float = 0.01) { self.negativeSlope = negativeSlope }
    public override func forward(_ input: Tensor) -> Tensor { input.leakyRelu(negativeSlope: negativeSlope) }
}

/// x·Φ(x), exact or with PyTorch's tanh approximation (`nn.GELU(approximate="tanh")`).
/// ```swift
/// let act = GELU(approximateTanh: true)
/// ```
public final class GELU: Module {
    public let approximateTanh: Bool
    public init(approximateTanh: Bool = false) { self.approximateTanh = approximateTanh }
    public override func forward(_ input: Tensor) -> Tensor { input.gelu(approximateTanh: approximateTanh) }
}

/// x·sigmoid(x) (swish).
public final class SiLU: Module {
    public override init() {}
    public override func forward(_ input: Tensor) -> Tensor { input.silu() }
}

public final class Sigmoid: Module {
    public override init() {}
    public override func forward(_ input: Tensor) -> Tensor { input.sigmoid() }
}

public final class Tanh: Module {
    public override init() {}
    public override func forward(_ input: Tensor) -> Tensor { input.tanh() }
}

/// x·relu6(x + 3)/6.
public final class Hardswish: Module {
    public override init() {}
    public override func forward(_ input: Tensor) -> Tensor { input.hardswish() }
}

/// relu6(x + 3)/6.
public final class Hardsigmoid: Module {
    public override init() {}
    public override func forward(_ input: Tensor) -> Tensor { input.hardsigmoid() }
}

/// log(1 + exp(βx))/β, linear above `threshold`.
public final class Softplus: Module {
    public let beta: Float, threshold: Float
    public init(beta: Float = 1, threshold: Float = 20) {
        self.beta = beta
        self.threshold = threshold
    }
    public override func forward(_ input: Tensor) -> Tensor { input.softplus(beta: beta, threshold: threshold) }
}
