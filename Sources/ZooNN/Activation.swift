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

/// CLIP's x · sigmoid(1.702 x) (timm's `QuickGELU`).
public final class QuickGELU: Module {
    public override func forward(_ input: Tensor) -> Tensor { input * (input * 1.702).sigmoid() }
}

/// An activation by timm's name (`act_layer`, or an arch string's `nre`/`nr6`/`nhs`/`nsw`), as a
/// function (`apply`) or a layer (`make`).
public enum ActivationKind: String, Sendable {
    case relu, relu6, silu, gelu, sigmoid
    case geluTanh = "gelu_tanh"
    /// CLIP's x · sigmoid(1.702 x).
    case quickGelu = "quick_gelu"
    case hardSwish = "hard_swish"
    case hardSigmoid = "hard_sigmoid"

    public func apply(_ x: Tensor) -> Tensor {
        switch self {
        case .relu: x.relu()
        case .relu6: x.relu6()
        case .silu: x.silu()
        case .gelu: x.gelu()
        case .sigmoid: x.sigmoid()
        case .geluTanh: x.gelu(approximateTanh: true)
        case .quickGelu: x * (x * 1.702).sigmoid()
        case .hardSwish: x.hardswish()
        case .hardSigmoid: x.hardsigmoid()
        }
    }

    /// self(layer(input)), as one fused GEMM + activation in eval mode where oneDNN has the
    /// activation as a post-op (GELU, both forms).
    public func apply(_ layer: Linear, to input: Tensor) -> Tensor {
        switch self {
        case .gelu: Tensor.linear(input, weight: layer.weight, bias: layer.bias, activation: .gelu)
        case .geluTanh: Tensor.linear(input, weight: layer.weight, bias: layer.bias, activation: .geluTanh)
        default: apply(layer(input))
        }
    }

    public func make() -> Module {
        switch self {
        case .relu: ReLU()
        case .relu6: ReLU6()
        case .silu: SiLU()
        case .gelu: GELU()
        case .sigmoid: Sigmoid()
        case .geluTanh: GELU(approximateTanh: true)
        case .quickGelu: QuickGELU()
        case .hardSwish: Hardswish()
        case .hardSigmoid: Hardsigmoid()
        }
    }
}
