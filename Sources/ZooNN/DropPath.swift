import ZooTensor

/// Stochastic depth per sample (timm's `DropPath`): in training, each sample's residual branch is
/// dropped with probability `p` and the kept ones are scaled by 1/(1−p); the identity in eval mode.
/// Shared by every family with `drop_path_rate` (ResNet, EfficientNet, ConvNeXt, ViT, Swin).
public final class DropPath: Module {
    public let p: Float
    public let scaleByKeep: Bool

    public init(_ p: Float = 0, scaleByKeep: Bool = true) {
        precondition(p >= 0 && p < 1, "drop path probability must be in [0, 1), got \(p)")
        self.p = p
        self.scaleByKeep = scaleByKeep
    }

    public override func forward(_ input: Tensor) -> Tensor {
        input.dropPath(p: p, training: isTraining, scaleByKeep: scaleByKeep)
    }

    /// Whether this returns its input unchanged (eval mode, or nothing dropped): a residual sum
    /// after it can fuse into the layer before.
    public var isIdentity: Bool { !isTraining || p == 0 }
}
