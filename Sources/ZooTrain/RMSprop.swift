import ZooTensor

/// RMSprop, as `torch.optim.RMSprop`: with g ← g + λ·p, the mean square s ← α·s + (1 − α)·g²,
/// the denominator a = √s + ε (√(s − ḡ²) + ε when `centered`, ḡ ← α·ḡ + (1 − α)·g), then
/// p ← p − lr·g/a, or with momentum b ← μ·b + g/a and p ← p − lr·b.
/// ```swift
/// let optimizer = RMSprop(parameters: model.parameters, lr: 0.01, alpha: 0.9, momentum: 0.9)
/// ```
public final class RMSprop: Optimizer {
    public let centered: Bool

    /// Per-group options: `alpha`, `eps`, `momentum`.
    public init(
        groups: [ParameterGroup], lr: Double = 1e-2, alpha: Double = 0.99, eps: Double = 1e-8,
        weightDecay: Double = 0, momentum: Double = 0, centered: Bool = false
    ) {
        precondition(lr >= 0, "RMSprop: invalid learning rate \(lr)")
        precondition(eps >= 0, "RMSprop: invalid epsilon \(eps)")
        precondition(alpha >= 0, "RMSprop: invalid alpha \(alpha)")
        precondition(momentum >= 0, "RMSprop: invalid momentum \(momentum)")
        precondition(weightDecay >= 0, "RMSprop: invalid weight decay \(weightDecay)")
        self.centered = centered
        super.init(
            groups: groups,
            defaults: Hyperparameters([
                "lr": lr, "weight_decay": weightDecay, "alpha": alpha, "eps": eps, "momentum": momentum,
            ]))
    }

    public convenience init(
        parameters: [Tensor], lr: Double = 1e-2, alpha: Double = 0.99, eps: Double = 1e-8,
        weightDecay: Double = 0, momentum: Double = 0, centered: Bool = false
    ) {
        self.init(
            groups: [ParameterGroup(params: parameters)], lr: lr, alpha: alpha, eps: eps,
            weightDecay: weightDecay, momentum: momentum, centered: centered)
    }

    public override func update(
        _ parameter: Tensor, gradient: Tensor, hyperparameters h: Hyperparameters,
        state: inout [String: Tensor]
    ) {
        _ = state.advanceStep()
        // Scalars reach the float32 arithmetic as PyTorch passes them: combined in Double, then rounded.
        let negativeLR = Float(-h.lr), weightDecay = Float(h.weightDecay)
        let alpha = Float(h["alpha"]), keep = Float(1 - h["alpha"]), eps = Float(h["eps"])
        let momentum = Float(h["momentum"]), centered = centered
        var tensors = [parameter, state.buffer("square_avg", like: parameter)]
        let averageSlot = tensors.count
        if centered { tensors.append(state.buffer("grad_avg", like: parameter)) }
        let momentumSlot = tensors.count
        if momentum > 0 { tensors.append(state.buffer("momentum_buffer", like: parameter)) }
        withElements(gradient: gradient, mutating: tensors) { g, t, n in
            let (p, s) = (t[0], t[1])
            for i in 0..<n {
                let grad = weightDecay != 0 ? g[i] + weightDecay * p[i] : g[i]
                s[i] = s[i] * alpha + keep * grad * grad
                var denominator: Float
                if centered {
                    let average = t[averageSlot]
                    average[i] = average[i] * alpha + keep * grad
                    denominator = (s[i] + -1 * average[i] * average[i]).squareRoot()
                } else {
                    denominator = s[i].squareRoot()
                }
                denominator = denominator + eps
                if momentum > 0 {
                    let b = t[momentumSlot]
                    b[i] = b[i] * momentum + grad / denominator
                    p[i] = p[i] + negativeLR * b[i]
                } else {
                    p[i] = p[i] + negativeLR * grad / denominator
                }
            }
        }
    }
}
