import ZooTensor

/// Group normalization over NCHW input (PyTorch's `nn.GroupNorm`; timm's `GroupNorm` takes the
/// channels first so it can stand in for a batch norm). Keys `weight`, `bias` [channels].
/// ```swift
/// let norm = GroupNorm(numGroups: 32, numChannels: 256)
/// let y = norm(x)          // each image's 32 groups of 8 channels normalized on their own
/// ```
public final class GroupNorm: Module {
    public let numGroups: Int, numChannels: Int
    public let eps: Float
    public let weight: Tensor?
    public let bias: Tensor?

    public init(numGroups: Int, numChannels: Int, eps: Float = 1e-5, affine: Bool = true) {
        precondition(
            numChannels % numGroups == 0, "GroupNorm: \(numChannels) channels not divisible by \(numGroups) groups")
        (self.numGroups, self.numChannels, self.eps) = (numGroups, numChannels, eps)
        weight = affine ? WeightInitialization.parameter(Tensor.ones([numChannels])) : nil
        bias = affine ? WeightInitialization.parameter(Tensor.zeros([numChannels])) : nil
    }

    public override var ownParameters: [(String, Tensor)] {
        [("weight", weight), ("bias", bias)].compactMap { key, tensor in tensor.map { (key, $0) } }
    }

    public override func forward(_ input: Tensor) -> Tensor {
        precondition(input.rank >= 2 && input.shape[1] == numChannels, "GroupNorm(\(numChannels)) got \(input.shape)")
        let batch = input.shape[0]
        let grouped = input.reshape([batch, numGroups, -1])
        let centered = grouped - grouped.mean(dims: [2], keepDim: true)
        let variance = (centered * centered).mean(dims: [2], keepDim: true)
        var y = (centered / (variance + eps).sqrt()).reshape(input.shape)
        let affineShape = [1, numChannels] + Array(repeating: 1, count: input.rank - 2)
        if let weight { y = y * weight.reshape(affineShape) }
        if let bias { y = y + bias.reshape(affineShape) }
        return y
    }
}
