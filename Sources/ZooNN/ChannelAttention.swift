import Foundation
import ZooTensor

// Channel attention as timm builds it (`timm/layers/squeeze_excite.py`, `eca.py`): a gate per
// channel computed from the globally pooled map. Shared by ResNet (SE, ECA, ResNet-RS), RegNet and
// others; EfficientNet's own SE block (conv_reduce/conv_expand keys) lives with that family.

/// timm's `make_divisible`: `value` rounded to the nearest multiple of `divisor`, at least
/// `minValue` (default the divisor), and never below `roundLimit`·value (else one divisor more).
/// ```swift
/// makeDivisible(256.0 / 16)                 // 16
/// makeDivisible(20.0, roundLimit: 0)        // 24
/// ```
public func makeDivisible(_ value: Double, divisor: Int = 8, minValue: Int? = nil, roundLimit: Double = 0.9) -> Int {
    let floor = minValue ?? divisor
    var rounded = Swift.max(floor, Int(value + Double(divisor) / 2) / divisor * divisor)
    if Double(rounded) < roundLimit * value { rounded += divisor }
    return rounded
}

/// Squeeze-and-excitation (timm's `SEModule`): mean over the map, 1×1 conv down to `rdChannels`,
/// ReLU, 1×1 conv back, sigmoid, scale the input. Keys `fc1.weight/bias`, `fc2.weight/bias`.
/// ```swift
/// let se = SEModule(256)                    // 256 → 16 → 256 (rd_ratio 1/16, divisor 8)
/// let y = se(x)                             // same shape as x
/// ```
public final class SEModule: Module {
    public let fc1: Conv2d
    /// timm's optional norm between the convolutions (Identity in every registered model).
    public let bn: Module
    public let act: Module
    public let fc2: Conv2d
    public let gate: Module

    public init(
        _ channels: Int, rdRatio: Double = 1.0 / 16, rdChannels: Int? = nil, rdDivisor: Int = 8,
        bias: Bool = true, act: Module = ReLU(), gate: Module = Sigmoid()
    ) {
        let reduced = rdChannels ?? makeDivisible(Double(channels) * rdRatio, divisor: rdDivisor, roundLimit: 0)
        fc1 = Conv2d(channels, reduced, kernelSize: 1, bias: bias)
        bn = Identity()
        self.act = act
        fc2 = Conv2d(reduced, channels, kernelSize: 1, bias: bias)
        self.gate = gate
    }

    public override func forward(_ input: Tensor) -> Tensor {
        let squeezed = input.mean(dims: [2, 3], keepDim: true)
        return input * gate(fc2(act(bn(fc1(squeezed)))))
    }
}

/// Efficient channel attention (timm's `EcaModule`): a 1-d convolution across the pooled channels,
/// its kernel size from the channel count (⌊|log2 C + 1| / 2⌋, made odd, at least 3). Key `conv.weight` [1, 1, k].
/// ```swift
/// let eca = EcaModule(channels: 256)        // kernel 5
/// ```
public final class EcaModule: Module {
    public let conv: Conv1d
    public let gate: Module

    public init(channels: Int?, kernelSize: Int = 3, gamma: Double = 2, beta: Double = 1, gate: Module = Sigmoid()) {
        var size = kernelSize
        if let channels {
            let t = Int(Swift.abs(log2(Double(channels)) + beta) / gamma)
            size = Swift.max(t % 2 == 1 ? t : t + 1, 3)
        }
        precondition(size % 2 == 1, "EcaModule: kernel size \(size) must be odd")
        conv = Conv1d(1, 1, kernelSize: size, padding: (size - 1) / 2, bias: false)
        self.gate = gate
    }

    public override func forward(_ input: Tensor) -> Tensor {
        let batch = input.shape[0]
        let pooled = input.mean(dims: [2, 3]).reshape([batch, 1, -1])
        return input * gate(conv(pooled)).reshape([batch, -1, 1, 1])
    }
}

/// 1-d convolution over [N, C, L] (PyTorch's `nn.Conv1d`), run as a 2-d one of height 1.
/// Keys `weight` [out, in/groups, k], `bias` [out]; PyTorch's default initialization.
public final class Conv1d: Module {
    public let inChannels: Int, outChannels: Int, kernelSize: Int, stride: Int, padding: Int, dilation: Int, groups: Int
    public let weight: Tensor
    public let bias: Tensor?

    public init(
        _ inChannels: Int, _ outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
        dilation: Int = 1, groups: Int = 1, bias: Bool = true
    ) {
        precondition(
            inChannels % groups == 0 && outChannels % groups == 0,
            "Conv1d: channels \(inChannels)→\(outChannels) not divisible by groups \(groups)")
        (self.inChannels, self.outChannels, self.kernelSize) = (inChannels, outChannels, kernelSize)
        (self.stride, self.padding, self.dilation, self.groups) = (stride, padding, dilation, groups)
        let shape = [outChannels, inChannels / groups, kernelSize]
        weight = WeightInitialization.parameter(shape) { Tensor.kaimingUniform(shape, using: &$0) }
        self.bias =
            bias
            ? WeightInitialization.parameter([outChannels]) {
                Tensor.biasUniform(outChannels, fanIn: shape[1] * kernelSize, using: &$0)
            } : nil
    }

    public override var ownParameters: [(String, Tensor)] {
        [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
    }

    public override func forward(_ input: Tensor) -> Tensor {
        precondition(input.rank == 3, "Conv1d expects [N, C, L] input, got \(input.shape)")
        let (n, c, l) = (input.shape[0], input.shape[1], input.shape[2])
        let planar = Tensor.conv2d(
            input.reshape([n, c, 1, l]), weight: weight.reshape([outChannels, inChannels / groups, 1, kernelSize]),
            bias: bias, stride: (1, stride), padding: (0, padding), dilation: (1, dilation), groups: groups)
        return planar.reshape([n, outChannels, planar.shape[3]])
    }
}
