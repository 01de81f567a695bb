import Foundation
import ZooTensor

/// Adam, as `torch.optim.Adam`: moments m ← β₁·m + (1 − β₁)·g and v ← β₂·v + (1 − β₂)·g², then
/// p ← p − lr/(1 − β₁ᵗ) · m / (√v / √(1 − β₂ᵗ) + ε). Weight decay here is L2 (added to g);
/// `AdamW` decouples it. `amsgrad` normalizes by the largest v seen.
/// ```swift
/// let optimizer = Adam(parameters: model.parameters, lr: 1e-3, betas: (0.9, 0.999))
/// ```
public class Adam: Optimizer {
    public let amsgrad: Bool
    /// AdamW's decay: p ← p·(1 − lr·λ) before the update, instead of g ← g + λ·p.
    let decoupledWeightDecay: Bool

    /// Per-group options: `beta1`, `beta2`, `eps`.
    public convenience init(
        groups: [ParameterGroup], lr: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999),
        eps: Double = 1e-8, weightDecay: Double = 0, amsgrad: Bool = false
    ) {
        self.init(
            groups: groups, lr: lr, betas: betas, eps: eps, weightDecay: weightDecay, amsgrad: amsgrad,
            decoupledWeightDecay: false)
    }

    public convenience init(
        parameters: [Tensor], lr: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999),
        eps: Double = 1e-8, weightDecay: Double = 0, amsgrad: Bool = false
    ) {
        self.init(
            groups: [ParameterGroup(params: parameters)], lr: lr, betas: betas, eps: eps,
            weightDecay: weightDecay, amsgrad: amsgrad)
    }

    init(
        groups: [ParameterGroup], lr: Double, betas: (Double, Double), eps: Double, weightDecay: Double,
        amsgrad: Bool, decoupledWeightDecay: Bool
    ) {
        precondition(lr >= 0, "Adam: invalid learning rate \(lr)")
        precondition(eps >= 0, "Adam: invalid epsilon \(eps)")
        precondition(
            (0..<1).contains(betas.0) && (0..<1).contains(betas.1), "Adam: betas must be in [0, 1), got \(betas)")
        precondition(weightDecay >= 0, "Adam: invalid weight decay \(weightDecay)")
        self.amsgrad = amsgrad
        self.decoupledWeightDecay = decoupledWeightDecay
        super.init(
            groups: groups,
            defaults: Hyperparameters([
                "lr": lr, "weight_decay": weightDecay, "beta1": betas.0, "beta2": betas.1, "eps": eps,
            ]))
    }

    public override func update(
        _ parameter: Tensor, gradient: Tensor, hyperparameters h: Hyperparameters,
        state: inout [String: Tensor]
    ) {
        let step = state.advanceStep()
        let (beta1, beta2, lr) = (h["beta1"], h["beta2"], h.lr)
        // Scalars reach the float32 arithmetic as PyTorch passes them: combined in Double, then rounded.
        let l2 = decoupledWeightDecay ? 0 : Float(h.weightDecay)
        let shrink = decoupledWeightDecay ? Float(1 - lr * h.weightDecay) : 1
        let b1 = Float(beta1), keep1 = Float(1 - beta1), b2 = Float(beta2), keep2 = Float(1 - beta2)
        let negativeStepSize = Float(-(lr / (1 - Foundation.pow(beta1, step))))
        let correction2 = Float((1 - Foundation.pow(beta2, step)).squareRoot())
        let eps = Float(h["eps"]), amsgrad = amsgrad
        var tensors = [
            parameter, state.buffer("exp_avg", like: parameter), state.buffer("exp_avg_sq", like: parameter),
        ]
        if amsgrad { tensors.append(state.buffer("max_exp_avg_sq", like: parameter)) }
        withElements(gradient: gradient, mutating: tensors) { g, t, n in
            let (p, m, v) = (t[0], t[1], t[2])
            for i in 0..<n {
                if shrink != 1 { p[i] = p[i] * shrink }
                let grad = l2 != 0 ? g[i] + l2 * p[i] : g[i]
                m[i] = m[i] * b1 + keep1 * grad
                v[i] = v[i] * b2 + keep2 * grad * grad
                var second = v[i]
                if amsgrad { t[3][i] = Swift.max(t[3][i], v[i]); second = t[3][i] }
                let denominator = second.squareRoot() / correction2 + eps
                p[i] = p[i] + negativeStepSize * m[i] / denominator
            }
        }
    }
}

/// Adam with decoupled weight decay (Loshchilov & Hutter), as `torch.optim.AdamW`:
/// p ← p·(1 − lr·λ), then Adam's step on the raw gradient. Default λ = 0.01.
/// ```swift
/// let optimizer = AdamW(groups: ParameterGroup.weightDecayGroups(model.namedParameters, weightDecay: 0.05), lr: 1e-3)
/// ```
public final class AdamW: Adam {
    /// Per-group options: `beta1`, `beta2`, `eps`.
    public init(
        groups: [ParameterGroup], lr: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999),
        eps: Double = 1e-8, weightDecay: Double = 1e-2, amsgrad: Bool = false
    ) {
        super.init(
            groups: groups, lr: lr, betas: betas, eps: eps, weightDecay: weightDecay, amsgrad: amsgrad,
            decoupledWeightDecay: true)
    }

    public convenience init(
        parameters: [Tensor], lr: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999),
        eps: Double = 1e-8, weightDecay: Double = 1e-2, amsgrad: Bool = false
    ) {
        self.init(
            groups: [ParameterGroup(params: parameters)], lr: lr, betas: betas, eps: eps,
            weightDecay: weightDecay, amsgrad: amsgrad)
    }
}
