import ZooTensor

/// Stochastic gradient descent with momentum, dampening, Nesterov momentum and L2 weight decay,
/// as `torch.optim.SGD`: with d = g + λ·p, the buffer b ← μ·b + (1 − τ)·d (b = d at first), the
/// step p ← p − lr·(d + μ·b) with Nesterov, p ← p − lr·b without (p ← p − lr·d when μ = 0).
/// ```swift
/// let optimizer = SGD(parameters: model.parameters, lr: 0.1, momentum: 0.9, weightDecay: 1e-4, nesterov: true)
/// ```
public final class SGD: Optimizer {
    public let nesterov: Bool

    /// Per-group options: `momentum`, `dampening`.
    public init(
        groups: [ParameterGroup], lr: Double, momentum: Double = 0, dampening: Double = 0,
        weightDecay: Double = 0, nesterov: Bool = false
    ) {
        precondition(lr >= 0, "SGD: invalid learning rate \(lr)")
        precondition(momentum >= 0, "SGD: invalid momentum \(momentum)")
        precondition(weightDecay >= 0, "SGD: invalid weight decay \(weightDecay)")
        precondition(
            !nesterov || (momentum > 0 && dampening == 0), "SGD: Nesterov momentum needs momentum > 0 and no dampening")
        self.nesterov = nesterov
        super.init(
            groups: groups,
            defaults: Hyperparameters([
                "lr": lr, "weight_decay": weightDecay, "momentum": momentum, "dampening": dampening,
            ]))
    }

    public convenience init(
        parameters: [Tensor], lr: Double, momentum: Double = 0, dampening: Double = 0,
        weightDecay: Double = 0, nesterov: Bool = false
    ) {
        self.init(
            groups: [ParameterGroup(params: parameters)], lr: lr, momentum: momentum, dampening: dampening,
            weightDecay: weightDecay, nesterov: nesterov)
    }

    public override func update(
        _ parameter: Tensor, gradient: Tensor, hyperparameters h: Hyperparameters,
        state: inout [String: Tensor]
    ) {
        // Scalars reach the float32 arithmetic as PyTorch passes them: combined in Double, then rounded.
        let negativeLR = Float(-h.lr), weightDecay = Float(h.weightDecay)
        let momentum = Float(h["momentum"]), keep = Float(1 - h["dampening"])
        let nesterov = nesterov
        guard momentum != 0 else {
            withElements(gradient: gradient, mutating: [parameter]) { g, t, n in
                let p = t[0]
                for i in 0..<n {
                    let d = weightDecay != 0 ? g[i] + weightDecay * p[i] : g[i]
                    p[i] = p[i] + negativeLR * d
                }
            }
            return
        }
        let first = state["momentum_buffer"] == nil
        let buffer = state.buffer("momentum_buffer", like: parameter)
        withElements(gradient: gradient, mutating: [parameter, buffer]) { g, t, n in
            let (p, b) = (t[0], t[1])
            // Elements are independent: large parameters are split over the cores, each block
            // updated in one pass (one loop per case, no branch inside, so each vectorizes).
            Parallel.forEachBlock(n) { range in
                switch (weightDecay != 0, first) {
                case (true, true):
                    for i in range { b[i] = g[i] + weightDecay * p[i] }
                case (false, true):
                    for i in range { b[i] = g[i] }
                case (true, false):
                    for i in range { b[i] = b[i] * momentum + keep * (g[i] + weightDecay * p[i]) }
                case (false, false):
                    for i in range { b[i] = b[i] * momentum + keep * g[i] }
                }
                if nesterov {
                    if weightDecay != 0 {
                        for i in range { p[i] = p[i] + negativeLR * ((g[i] + weightDecay * p[i]) + momentum * b[i]) }
                    } else {
                        for i in range { p[i] = p[i] + negativeLR * (g[i] + momentum * b[i]) }
                    }
                } else {
                    for i in range { p[i] = p[i] + negativeLR * b[i] }
                }
            }
        }
    }
}
