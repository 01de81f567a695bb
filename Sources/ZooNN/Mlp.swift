import ZooTensor

/// The norms transformer families take by timm's name (`norm_layer`), with their eps.
public enum NormKind: Sendable, Equatable {
    case layerNorm(eps: Float)
    case rmsNorm(eps: Float)

    public func make(_ features: Int) -> Module {
        switch self {
        case .layerNorm(let eps): LayerNorm([features], eps: eps)
        case .rmsNorm(let eps): RMSNorm(features, eps: eps)
        }
    }
}

/// Linear, activation, optional norm, linear (timm's `Mlp`). Keys `fc1`, `norm`, `fc2`.
public final class Mlp: Module {
    public let fc1: Linear
    public let activation: ActivationKind
    public let norm: Module?
    public let fc2: Linear

    public init(
        _ inFeatures: Int, hidden: Int, out: Int? = nil, activation: ActivationKind = .gelu,
        norm: NormKind? = nil, bias: Bool = true
    ) {
        fc1 = Linear(inFeatures, hidden, bias: bias)
        self.activation = activation
        self.norm = norm?.make(hidden)
        fc2 = Linear(hidden, out ?? inFeatures, bias: bias)
    }

    public override func forward(_ input: Tensor) -> Tensor {
        let hidden = activation.apply(fc1, to: input)
        return fc2(norm?(hidden) ?? hidden)
    }
}

/// Gated MLP with one fused input projection (timm's `GluMlp`): fc1 gives [a | b], then
/// act(a)·b (or a·act(b) with `gateLast`). Keys `fc1`, `norm`, `fc2`; `hidden` counts both halves.
public final class GluMlp: Module {
    public let fc1: Linear
    public let activation: ActivationKind
    public let gateLast: Bool
    public let norm: Module?
    public let fc2: Linear

    public init(
        _ inFeatures: Int, hidden: Int, activation: ActivationKind = .silu, gateLast: Bool = true,
        norm: NormKind? = nil, bias: Bool = true
    ) {
        fc1 = Linear(inFeatures, hidden, bias: bias)
        self.activation = activation
        self.gateLast = gateLast
        self.norm = norm?.make(hidden / 2)
        fc2 = Linear(hidden / 2, inFeatures, bias: bias)
    }

    public override func forward(_ input: Tensor) -> Tensor {
        let halves = fc1(input).split(fc2.inFeatures, dim: -1)
        let hidden = gateLast ? halves[0] * activation.apply(halves[1]) : activation.apply(halves[0]) * halves[1]
        return fc2(norm?(hidden) ?? hidden)
    }
}

/// Gated MLP with separate gate and value projections (timm's `SwiGLU`): act(fc1_g(x)) · fc1_x(x).
/// Keys `fc1_g`, `fc1_x`, `norm`, `fc2`.
public final class SwiGLU: Module {
    public let fc1G: Linear
    public let fc1X: Linear
    public let activation: ActivationKind
    public let norm: Module?
    public let fc2: Linear

    public init(
        _ inFeatures: Int, hidden: Int, activation: ActivationKind = .silu, norm: NormKind? = nil, bias: Bool = true
    ) {
        fc1G = Linear(inFeatures, hidden, bias: bias)
        fc1X = Linear(inFeatures, hidden, bias: bias)
        self.activation = activation
        self.norm = norm?.make(hidden)
        fc2 = Linear(hidden, inFeatures, bias: bias)
    }

    public override func namedChildren() -> [(String, Module)] {
        [("fc1_g", fc1G), ("fc1_x", fc1X)] + (norm.map { [("norm", $0)] } ?? []) + [("fc2", fc2)]
    }

    public override func forward(_ input: Tensor) -> Tensor {
        let hidden = activation.apply(fc1G(input)) * fc1X(input)
        return fc2(norm?(hidden) ?? hidden)
    }
}
