import ZooTensor

/// Per-channel learned scale of a residual branch (timm's `LayerScale`, CaiT/DeiT-III/DINOv2):
/// x · gamma over the last dimension, gamma starting at `initValues`. Key `gamma`.
public final class LayerScale: Module {
    public let gamma: Tensor

    public init(_ dim: Int, initValues: Float = 1e-5) {
        gamma = WeightInitialization.parameter(Tensor.full([dim], initValues))
    }

    public override var ownParameters: [(String, Tensor)] { [("gamma", gamma)] }

    public override func forward(_ input: Tensor) -> Tensor { input * gamma }
}
