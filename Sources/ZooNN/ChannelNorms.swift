import ZooTensor

/// Layer norm over the channels of NCHW input (timm's `LayerNorm2d`, ConvNeXt's stem and
/// downsample norms): each pixel's C values normalized, as `nn.LayerNorm(C)` on NHWC.
/// Keys `weight`, `bias` [C].
public final class LayerNorm2d: Module {
    public let numChannels: Int
    public let eps: Float
    public let weight: Tensor
    public let bias: Tensor

    public init(_ numChannels: Int, eps: Float = 1e-6) {
        self.numChannels = numChannels
        self.eps = eps
        weight = WeightInitialization.parameter(Tensor.ones([numChannels]))
        bias = WeightInitialization.parameter(Tensor.zeros([numChannels]))
    }

    public override var ownParameters: [(String, Tensor)] { [("weight", weight), ("bias", bias)] }

    public override func forward(_ input: Tensor) -> Tensor {
        precondition(input.rank == 4 && input.shape[1] == numChannels, "LayerNorm2d(\(numChannels)) got \(input.shape)")
        let nhwc = input.permute(0, 2, 3, 1)
        return Tensor.layerNorm(nhwc, normalizedShape: [numChannels], weight: weight, bias: bias, eps: eps).permute(
            0, 3, 1, 2)
    }
}

/// Root-mean-square norm over the last dimension (timm's `RmsNorm`), or over the channels of NCHW
/// input with `channelsFirst` (`RmsNorm2d`): x / √(mean(x²) + eps) · weight. Key `weight`.
public final class RMSNorm: Module {
    public let features: Int
    public let eps: Float
    public let channelsFirst: Bool
    public let weight: Tensor?

    public init(_ features: Int, eps: Float = 1e-6, affine: Bool = true, channelsFirst: Bool = false) {
        self.features = features
        self.eps = eps
        self.channelsFirst = channelsFirst
        weight = affine ? WeightInitialization.parameter(Tensor.ones([features])) : nil
    }

    public override var ownParameters: [(String, Tensor)] { weight.map { [("weight", $0)] } ?? [] }

    public override func forward(_ input: Tensor) -> Tensor {
        let dim = channelsFirst ? 1 : -1
        let normalized = input / (input.pow(2).mean(dim: dim, keepDim: true) + eps).sqrt()
        guard let weight else { return normalized }
        return normalized * (channelsFirst ? weight.reshape([features, 1, 1]) : weight)
    }
}

/// timm's `SimpleNorm` (`SimpleNorm2d` with `channelsFirst`): x / √(var(x) + eps) · weight, the
/// variance unbiased as `torch.var`'s and the mean left in. Key `weight`.
public final class SimpleNorm: Module {
    public let features: Int
    public let eps: Float
    public let channelsFirst: Bool
    public let weight: Tensor

    public init(_ features: Int, eps: Float = 1e-6, channelsFirst: Bool = false) {
        self.features = features
        self.eps = eps
        self.channelsFirst = channelsFirst
        weight = WeightInitialization.parameter(Tensor.ones([features]))
    }

    public override var ownParameters: [(String, Tensor)] { [("weight", weight)] }

    public override func forward(_ input: Tensor) -> Tensor {
        let dim = channelsFirst ? 1 : -1
        let n = Float(input.shape[input.axis(dim)])
        let centered = input - input.mean(dim: dim, keepDim: true)
        let variance = centered.pow(2).sum(dim: dim, keepDim: true) / (n - 1)
        return input / (variance + eps).sqrt() * (channelsFirst ? weight.reshape([features, 1, 1]) : weight)
    }
}

/// Global response normalization of ConvNeXt-V2 (timm's `GlobalResponseNorm`): each channel's
/// spatial L2 norm, divided by its mean over channels, re-weights the activations:
/// x + bias + weight · x · (‖x‖ / mean‖x‖). NHWC input, or NCHW with `channelsLast: false`.
/// Keys `weight`, `bias` [C].
public final class GlobalResponseNorm: Module {
    public let eps: Float
    public let channelsLast: Bool
    public let weight: Tensor
    public let bias: Tensor

    public init(_ channels: Int, eps: Float = 1e-6, channelsLast: Bool = true) {
        self.eps = eps
        self.channelsLast = channelsLast
        weight = WeightInitialization.parameter(Tensor.zeros([channels]))
        bias = WeightInitialization.parameter(Tensor.zeros([channels]))
    }

    public override var ownParameters: [(String, Tensor)] { [("weight", weight), ("bias", bias)] }

    public override func forward(_ input: Tensor) -> Tensor {
        let (spatial, channel) = channelsLast ? ([1, 2], -1) : ([2, 3], 1)
        let norms = input.pow(2).sum(dims: spatial, keepDim: true).sqrt()
        let relative = norms / (norms.mean(dim: channel, keepDim: true) + eps)
        let shape = channelsLast ? [weight.count] : [weight.count, 1, 1]
        return input + bias.reshape(shape) + weight.reshape(shape) * (input * relative)
    }
}
