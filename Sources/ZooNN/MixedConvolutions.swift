import ZooTensor

// The convolution variants of timm's EfficientNet family (`layers/mixed_conv2d.py`,
// `layers/cond_conv2d.py`) .

/// Channels split into groups, each convolved with its own kernel size (timm's `MixedConv2d`,
/// MixNet's MDConv); children keyed "0", "1", … as timm's `ModuleDict`.
/// ```swift
/// let conv = MixedConv2d(96, 96, kernelSizes: [3, 5, 7], depthwise: true)   // 32 + 32 + 32 channels
/// ```
public final class MixedConv2d: Module {
    public let convs: [Module]
    public let inSplits: [Int]
    public let outChannels: Int

    public init(
        _ inChannels: Int, _ outChannels: Int, kernelSizes: [Int], stride: Int = 1, dilation: Int = 1,
        depthwise: Bool = false, padding: ConvPadding = .symmetric
    ) {
        inSplits = Self.splitChannels(inChannels, kernelSizes.count)
        let outSplits = Self.splitChannels(outChannels, kernelSizes.count)
        self.outChannels = outChannels
        convs = zip(kernelSizes, zip(inSplits, outSplits)).map { kernel, channels in
            makePaddedConv2d(
                channels.0, channels.1, kernelSize: kernel, stride: stride, dilation: dilation,
                groups: depthwise ? channels.0 : 1, padding: padding)
        }
    }

    /// timm's `_split_channels`: equal parts, the remainder to the first.
    static func splitChannels(_ channels: Int, _ groups: Int) -> [Int] {
        var split = Array(repeating: channels / groups, count: groups)
        split[0] += channels - split.reduce(0, +)
        return split
    }

    public override func namedChildren() -> [(String, Module)] {
        convs.enumerated().map { (String($0.offset), $0.element) }
    }

    public override func forward(_ input: Tensor) -> Tensor {
        let parts = input.split(sizes: inSplits, dim: 1)
        return Tensor.concat(zip(convs, parts).map { $0.0($0.1) }, dim: 1)
    }
}

/// A convolution whose kernel is a per-sample mixture of `numExperts` kernels (timm's
/// `CondConv2d`). Keys `weight` [experts, out·in/groups·k·k] and `bias` [experts, out].
public final class CondConv2d: Module {
    public let inChannels: Int
    public let outChannels: Int
    public let kernelSize: Int
    public let stride: Int
    public let dilation: Int
    public let groups: Int
    public let numExperts: Int
    public let padding: ConvPadding
    public let weight: Tensor
    public let bias: Tensor?

    public var expertShape: [Int] { [outChannels, inChannels / groups, kernelSize, kernelSize] }

    public init(
        _ inChannels: Int, _ outChannels: Int, kernelSize: Int, stride: Int = 1, dilation: Int = 1,
        groups: Int = 1, bias: Bool = false, numExperts: Int = 4, padding: ConvPadding = .symmetric
    ) {
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernelSize = kernelSize
        self.stride = stride
        self.dilation = dilation
        self.groups = groups
        self.numExperts = numExperts
        self.padding = padding
        let shape = [outChannels, inChannels / groups, kernelSize, kernelSize]
        let perExpert = shape.reduce(1, *)
        weight = WeightInitialization.parameter([numExperts, perExpert]) { rng in
            Tensor.concat(
                (0..<numExperts).map { _ in Tensor.kaimingUniform(shape, using: &rng).reshape([1, perExpert]) })
        }
        self.bias =
            bias
            ? WeightInitialization.parameter([numExperts, outChannels]) { rng in
                Tensor.concat(
                    (0..<numExperts).map { _ in
                        Tensor.biasUniform(outChannels, fanIn: perExpert / outChannels, using: &rng).reshape([
                            1, outChannels,
                        ])
                    })
            } : nil
    }

    public override var ownParameters: [(String, Tensor)] {
        [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
    }

    public override func forward(_ input: Tensor) -> Tensor {
        fatalError("CondConv2d needs routing weights: call forward(_:routing:)")
    }

    /// Convolves each sample with its experts mixed by `routing` [N, experts].
    public func forward(_ input: Tensor, routing: Tensor) -> Tensor {
        let kernels = routing.matmul(weight)  // [N, out·in/g·k·k]
        let biases = bias.map { routing.matmul($0) }  // [N, out]
        var pad = 0
        switch padding {
        case .valid: pad = 0
        case .symmetric: pad = symmetricPadding(kernel: kernelSize, stride: stride, dilation: dilation)
        case .same:
            if isStaticSamePadding(kernel: kernelSize, stride: stride, dilation: dilation) {
                pad = symmetricPadding(kernel: kernelSize, stride: stride, dilation: dilation)
            }
        }
        let dynamicSame =
            padding == .same && !isStaticSamePadding(kernel: kernelSize, stride: stride, dilation: dilation)
        let outputs = (0..<input.shape[0]).map { n -> Tensor in
            var x = input.slice(0, n, n + 1)
            if dynamicSame {
                x = x.padSame(
                    kernel: (kernelSize, kernelSize), stride: (stride, stride), dilation: (dilation, dilation))
            }
            return Tensor.conv2d(
                x, weight: kernels.select(0, n).reshape(expertShape), bias: biases?.select(0, n),
                stride: (stride, stride), padding: (pad, pad), dilation: (dilation, dilation), groups: groups)
        }
        return Tensor.concat(outputs, dim: 0)
    }
}
