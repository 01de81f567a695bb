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
        return Tensor.layerNorm(nhwc, normalizedShape: [numChannels], weight: weight, bias: bias, eps: eps).permute(0, 3, 1, 2)
    }
}

/// Root-mean-square norm over the last dimension (timm's `RmsNorm`): x / √(mean(x²) + eps) · weight.
/// Key `weight`.
public final class RMSNorm: Module {
    public let features: Int
    public let eps: Float
    public let weight: Tensor?

    public init(_ features: Int, eps: Float = 1e-6, affine: Bool = true) {
        self.features = features
        self.eps = eps
        weight = affine ? WeightInitialization.parameter(Tensor.ones([features])) : nil
    }

    public override var ownParameters: [(String, Tensor)] { weight.map { [("weight", $0)] } ?? [] }

    public override func forward(_ input: Tensor) -> Tensor {
        let normalized = input / (input.pow(2).mean(dim: -1, keepDim: true) + eps).sqrt()
        return weight.map { normalized * $0 } ?? normalized
    }
}

/// Global response normalization of ConvNeXt-V2 (timm's `GlobalResponseNorm`) on NHWC input:
/// each channel's spatial L2 norm, divided by its mean over channels, re-weights the activations:
/// x + bias + weight · x · (‖x‖ / mean‖x‖). Keys `weight`, `bias` [C].
public final class GlobalResponseNorm: Module {
    public let eps: Float
    public let weight: Tensor
    public let bias: Tensor

    public init(_ channels: Int, eps: Float = 1e-6) {
        self.eps = eps
        weight = WeightInitialization.parameter(Tensor.zeros([channels]))
        bias = WeightInitialization.parameter(Tensor.zeros([channels]))
    }

    public override var ownParameters: [(String, Tensor)] { [("weight", weight), ("bias", bias)] }

    /// `input` is [N, H, W, C].
    public override func forward(_ input: Tensor) -> Tensor {
        let norms = input.pow(2).sum(dims: [1, 2], keepDim: true).sqrt()
        let relative = norms / (norms.mean(dim: -1, keepDim: true) + eps)
        return input + bias + weight * (input * relative)
    }
}
