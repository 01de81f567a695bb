import ZooTensor

// Normalization followed by an activation in one module, as timm's `layers/norm_act.py`: the keys
// are the norm's own (`bn1.weight`, `bn1.running_mean`), the activation adds none.

/// Batch norm then an activation (timm's `BatchNormAct2d`); keys as `BatchNorm2d`'s.
/// ```swift
/// let bn1 = BatchNormAct2d(32, act: SiLU())      // timm: norm_act_layer(32) with act_layer=SiLU
/// ```
public final class BatchNormAct2d: BatchNorm2d {
    /// timm's `drop` (always identity here) and `act`; neither has parameters.
    public let drop = Identity()
    public let act: Module

    public init(_ numFeatures: Int, eps: Float = 1e-5, momentum: Float? = 0.1, act: Module? = nil) {
        self.act = act ?? Identity()
        super.init(numFeatures, eps: eps, momentum: momentum)
    }

    public override func forward(_ input: Tensor) -> Tensor {
        // ReLU runs inside batch norm's pass (and its mask inside batch norm's backward).
        act is ReLU ? normalize(input, relu: true) : act(normalize(input))
    }

    /// The activation as a convolution post-op: `.some(nil)` for none, nil when it cannot fuse.
    var fusedActivation: FusedActivation?? {
        switch act {
        case is Identity: .some(nil)
        case is ReLU: .relu
        case is ReLU6: .relu6
        case is SiLU: .silu
        case is Hardswish: .hardswish
        case is Sigmoid: .sigmoid
        default: nil
        }
    }
}

extension Conv2d {
    /// `norm(self(input)) + residual`, the norm's activation included (timm's conv → `BatchNormAct2d`
    /// → skip add). In eval mode with no graph, one convolution: batch norm folded into the
    /// weights, the activation (ReLU, ReLU6, SiLU, hard swish, sigmoid) and, when the norm has no
    /// activation, the residual add as oneDNN post-ops. Otherwise exactly the modules in turn.
    /// ```swift
    /// let y = convPwl.forward(x, normalizedAndActivatedBy: bn3, adding: shortcut)
    /// ```
    public func forward(
        _ input: Tensor, normalizedAndActivatedBy norm: BatchNormAct2d, adding residual: Tensor? = nil
    ) -> Tensor {
        if let activation = norm.fusedActivation {
            let fusedResidual = activation == nil ? residual : nil
            if let y = foldedInference(input, norm: norm, adding: fusedResidual, activation: activation) {
                guard let residual, fusedResidual == nil else { return y }
                return y + residual
            }
        }
        let y = norm(self(input))
        return residual.map { y + $0 } ?? y
    }
}

/// Group norm then an activation (timm's `GroupNormAct`): channels in groups of `groupSize` (or
/// `numGroups` groups), each normalized over its channels and the spatial dims. Keys `weight`, `bias` [C].
public final class GroupNormAct: Module {
    public let numGroups: Int
    public let numChannels: Int
    public let eps: Float
    public let weight: Tensor
    public let bias: Tensor
    public let drop = Identity()
    public let act: Module

    public init(_ numChannels: Int, numGroups: Int = 32, groupSize: Int? = nil, eps: Float = 1e-5, act: Module? = nil) {
        let groups = groupSize.map { numChannels / $0 } ?? numGroups
        precondition(
            groups > 0 && numChannels % groups == 0, "GroupNormAct: \(numChannels) channels in \(groups) groups")
        self.numGroups = groups
        self.numChannels = numChannels
        self.eps = eps
        weight = WeightInitialization.parameter(Tensor.ones([numChannels]))
        bias = WeightInitialization.parameter(Tensor.zeros([numChannels]))
        self.act = act ?? Identity()
    }

    public override var ownParameters: [(String, Tensor)] { [("weight", weight), ("bias", bias)] }

    public override func forward(_ input: Tensor) -> Tensor {
        precondition(
            input.rank == 4 && input.shape[1] == numChannels, "GroupNormAct(\(numChannels)) got \(input.shape)")
        let n = input.shape[0]
        // Layer norm over each group's values is group norm without its affine part.
        let grouped = input.reshape([n, numGroups, input.count / (n * numGroups)])
        let normalized = Tensor.layerNorm(grouped, normalizedShape: [grouped.shape[2]], eps: eps).reshape(input.shape)
        return act(normalized * weight.reshape([1, numChannels, 1, 1]) + bias.reshape([1, numChannels, 1, 1]))
    }
}
