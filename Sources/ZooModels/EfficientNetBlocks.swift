// The blocks of timm's EfficientNet family (`_efficientnet_blocks.py`): same module tree and keys.
// `EfficientNetBuilder` (EfficientNet.swift) makes them from decoded arch strings.
import ZooNN
import ZooTensor

// MARK: - Layer choices shared by a model's blocks

/// The normalization every block of a model uses (timm's `norm_layer`), fused with an activation.
public enum EfficientNetNorm: Sendable, Equatable {
    case batch(eps: Float, momentum: Float)
    /// Group norm with `groupSize` channels per group (timm's `GroupNormAct` partials).
    case group(groupSize: Int)
    /// Layer norm over channels (timm's `LayerNormAct2d`).
    case layer
    /// EvoNorm-S0 with `groupSize` channels per group: a normalization that is its own activation.
    case evoS0(groupSize: Int)

    public static let batchDefault = EfficientNetNorm.batch(eps: 1e-5, momentum: 0.1)
    /// TensorFlow's batch-norm defaults (`BN_EPS_TF_DEFAULT`, `BN_MOMENTUM_TF_DEFAULT`).
    public static let batchTF = EfficientNetNorm.batch(eps: 1e-3, momentum: 0.01)

    /// timm's `norm_act_layer(channels, apply_act=...)`.
    public func make(_ channels: Int, act: ActivationKind?) -> Module {
        switch self {
        case let .batch(eps, momentum): BatchNormAct2d(channels, eps: eps, momentum: momentum, act: act?.make())
        case let .group(groupSize): GroupNormAct(channels, groupSize: groupSize, act: act?.make())
        case .layer: LayerNormAct2d(channels, act: act?.make())
        case let .evoS0(groupSize): EvoNorm2dS0(channels, groupSize: groupSize, applyAct: act != nil)
        }
    }
}

/// The attention module of a block with `se` in its string (timm's `se_layer`).
public enum EfficientNetAttention: Sendable, Equatable {
    /// Squeeze-excite: `gate` after the expand conv, `forceAct` instead of the block's activation
    /// inside, reduced channels rounded by Python's `round` or, with `rounding`, made divisible.
    case squeezeExcite(
        gate: ActivationKind = .sigmoid, forceAct: ActivationKind? = nil, rounding: ChannelRounding? = nil)
    /// Global context (GCNet's attention, `se_layer='gc'`).
    case globalContext

    /// - Parameter reduced: the squeezed width when it is given (pruned models), not computed.
    func make(channels: Int, ratio: Double, act: ActivationKind, reduced: Int? = nil) -> Module {
        switch self {
        case let .squeezeExcite(gate, forceAct, rounding):
            let raw = Double(channels) * ratio
            let computed =
                rounding.map { makeDivisible(raw * $0.multiplier, divisor: $0.divisor, roundLimit: $0.roundLimit) }
                ?? Int(raw.rounded(.toNearestOrEven))
            return SqueezeExcite(channels, reducedChannels: reduced ?? computed, act: forceAct ?? act, gate: gate)
        case .globalContext:
            return GlobalContext(
                channels, reducedChannels: makeDivisible(Double(channels) * ratio, divisor: 1, roundLimit: 0),
                act: act)
        }
    }
}

/// Anti-aliased downsampling (timm's `aa_layer`): strided convs run at stride 1, then this pools.
public enum EfficientNetAntiAlias: String, Sendable {
    case avg, blurpc

    func make(channels: Int, stride: Int) -> Module {
        switch self {
        case .avg: AvgPool2d(kernelSize: stride)
        case .blurpc: ConstantPadBlurPool2d(channels: channels, stride: stride)
        }
    }
}

/// What every block of one model shares: padding, norm, attention, anti-aliasing.
public struct EfficientNetLayers: Sendable, Equatable {
    public var padding: ConvPadding = .symmetric
    public var norm: EfficientNetNorm = .batchDefault
    public var attention: EfficientNetAttention = .squeezeExcite()
    public var antiAlias: EfficientNetAntiAlias?
    /// LayerScale init value on `uir`/`mqa` blocks (MobileNetV4 hybrids), nil for none.
    public var layerScale: Float?
}

/// timm's `num_groups`: 0/nil → a dense conv, else channels / groupSize groups.
func numGroups(_ groupSize: Int?, _ channels: Int) -> Int {
    guard let groupSize, groupSize > 0 else { return 1 }
    precondition(channels % groupSize == 0, "\(channels) channels are not divisible by group size \(groupSize)")
    return channels / groupSize
}

/// timm's `create_conv2d`: a MixedConv2d for several kernel sizes, else a padded Conv2d.
func makeConv(
    _ inChannels: Int, _ outChannels: Int, kernel: [Int], stride: Int = 1, dilation: Int = 1,
    groups: Int = 1, bias: Bool = false, padding: ConvPadding
) -> Module {
    if kernel.count > 1 {
        precondition(groups == 1 || groups == inChannels, "MixedConv2d is dense or depthwise, got \(groups) groups")
        return MixedConv2d(
            inChannels, outChannels, kernelSizes: kernel, stride: stride, dilation: dilation,
            depthwise: groups == inChannels && groups > 1, padding: padding)
    }
    return makePaddedConv2d(
        inChannels, outChannels, kernelSize: kernel[0], stride: stride, dilation: dilation,
        groups: groups, bias: bias, padding: padding)
}

/// Blocks report what a feature map tap needs: the channels they output.
protocol EfficientNetBlock: Module {
    var outChannels: Int { get }
}

// MARK: - Attention modules

/// Squeeze-and-excitation of the EfficientNet family (timm's `_efficientnet_blocks.SqueezeExcite`):
/// keys `conv_reduce`, `conv_expand` (1×1 convs with bias).
public final class SqueezeExcite: Module {
    public let convReduce: Conv2d
    public let act1: Module
    public let convExpand: Conv2d
    public let gate: Module

    public init(_ channels: Int, reducedChannels: Int, act: ActivationKind, gate: ActivationKind = .sigmoid) {
        convReduce = Conv2d(channels, reducedChannels, kernelSize: 1)
        act1 = act.make()
        convExpand = Conv2d(reducedChannels, channels, kernelSize: 1)
        self.gate = gate.make()
    }

    public override func forward(_ input: Tensor) -> Tensor {
        let squeezed = input.mean(dims: [2, 3], keepDim: true)
        return input * gate(convExpand(act1(convReduce(squeezed))))
    }
}

/// Layer norm over channels then an activation (timm's `LayerNormAct2d`).
final class LayerNormAct2d: Module {
    let norm: LayerNorm2d
    let drop = Identity()
    let act: Module

    init(_ channels: Int, act: Module?) {
        norm = LayerNorm2d(channels, eps: 1e-5)
        self.act = act ?? Identity()
    }

    // The norm's tensors are this module's own (`bn1.weight`), as timm's subclass of nn.LayerNorm.
    override var ownParameters: [(String, Tensor)] { norm.ownParameters }
    override func namedChildren() -> [(String, Module)] { [("drop", drop), ("act", act)] }

    override func forward(_ input: Tensor) -> Tensor { act(norm(input)) }
}

/// EvoNorm-S0 (timm's `EvoNorm2dS0`): x·sigmoid(v·x) / group std, then an affine map; without
/// its activation (`v`), only the affine map. Keys `weight`, `bias`, `v` [C].
final class EvoNorm2dS0: Module {
    let weight: Tensor
    let bias: Tensor
    let v: Tensor?
    let groups: Int
    let eps: Float

    init(_ channels: Int, groupSize: Int, applyAct: Bool, eps: Float = 1e-5) {
        weight = WeightInitialization.parameter(Tensor.ones([channels]))
        bias = WeightInitialization.parameter(Tensor.zeros([channels]))
        v = applyAct ? WeightInitialization.parameter(Tensor.ones([channels])) : nil
        groups = channels / groupSize
        self.eps = eps
    }

    override var ownParameters: [(String, Tensor)] {
        [("weight", weight), ("bias", bias)] + (v.map { [("v", $0)] } ?? [])
    }

    override func forward(_ input: Tensor) -> Tensor {
        let shape = [1, weight.shape[0], 1, 1]
        var x = input
        if let v {
            let (b, c, h, w) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
            let grouped = input.reshape([b, groups, c / groups * h * w])
            let centered = grouped - grouped.mean(dims: [2], keepDim: true)
            let std = ((centered * centered).mean(dims: [2], keepDim: true) + eps).sqrt()
            let groupStd = std.expand([b, groups, c / groups * h * w]).reshape(input.shape)
            x = input * (input * v.reshape(shape)).sigmoid() / groupStd
        }
        return x * weight.reshape(shape) + bias.reshape(shape)
    }
}

/// 1×1 conv, layer norm, activation, 1×1 conv (timm's `ConvMlp` with `LayerNorm2d`).
public final class ConvMlp: Module {
    public let fc1: Conv2d
    public let norm: LayerNorm2d
    public let act: Module
    public let drop = Identity()
    public let fc2: Conv2d

    public init(_ channels: Int, hidden: Int, act: ActivationKind) {
        fc1 = Conv2d(channels, hidden, kernelSize: 1)
        norm = LayerNorm2d(hidden)
        self.act = act.make()
        fc2 = Conv2d(hidden, channels, kernelSize: 1)
    }

    public override func forward(_ input: Tensor) -> Tensor { fc2(act(norm(fc1(input)))) }
}

/// Global context attention (timm's `GlobalContext` as `se_layer='gc'`: attention pooling, scale fusion).
public final class GlobalContext: Module {
    public let convAttn: Conv2d
    public let mlpScale: ConvMlp
    public let gate = Sigmoid()

    public init(_ channels: Int, reducedChannels: Int, act: ActivationKind) {
        convAttn = Conv2d(channels, 1, kernelSize: 1)
        mlpScale = ConvMlp(channels, hidden: reducedChannels, act: act)
    }

    public override func forward(_ input: Tensor) -> Tensor {
        let (b, c, h, w) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
        let attention = convAttn(input).reshape([b, 1, h * w]).softmax(dim: -1).unsqueeze(3)
        let context = input.reshape([b, c, h * w]).unsqueeze(1).matmul(attention).reshape([b, c, 1, 1])
        return input * gate(mlpScale(context))
    }
}

// MARK: - Blocks

/// Conv, norm + activation, optional skip (timm's `ConvBnAct`, arch code `cn`).
public final class ConvBnAct: Module, EfficientNetBlock {
    public let conv: Module
    public let bn1: Module
    public let aa: Module
    public let dropPath: DropPath
    public let hasSkip: Bool
    public let outChannels: Int

    init(
        _ spec: EfficientNetBlockSpec, inChannels: Int, outChannels: Int, act: ActivationKind,
        layers: EfficientNetLayers,
        dropPathRate: Float
    ) {
        let groups = numGroups(spec.groupSize ?? 0, inChannels)
        let useAA = layers.antiAlias != nil && spec.stride > 1
        hasSkip = spec.skip && spec.stride == 1 && inChannels == outChannels
        conv = makeConv(
            inChannels, outChannels, kernel: spec.kernel, stride: useAA ? 1 : spec.stride,
            dilation: spec.dilation, groups: groups, padding: layers.padding)
        bn1 = layers.norm.make(outChannels, act: act)
        aa = useAA ? layers.antiAlias!.make(channels: outChannels, stride: spec.stride) : Identity()
        dropPath = DropPath(dropPathRate)
        self.outChannels = outChannels
    }

    public override func forward(_ input: Tensor) -> Tensor {
        let x = aa(convNormAct(conv, bn1, input))
        return hasSkip ? dropPath(x) + input : x
    }
}

/// `norm(conv(x))` (+ `residual`): a plain convolution and a batch norm with its activation run
/// as one folded convolution with post-ops in eval mode (`Conv2d.forward(_:normalizedAndActivatedBy:adding:)`);
/// other modules (same-padding or mixed convolutions, group or layer norms) in turn.
func convNormAct(_ conv: Module, _ norm: Module, _ x: Tensor, adding residual: Tensor? = nil) -> Tensor {
    if let conv = conv as? Conv2d, let norm = norm as? BatchNormAct2d {
        return conv.forward(x, normalizedAndActivatedBy: norm, adding: residual)
    }
    let y = norm(conv(x))
    return residual.map { y + $0 } ?? y
}

/// Space-to-depth entry of a block (`d1`): a 2×2 stride-2 "SAME" conv to 4× the channels.
private struct SpaceToDepthEntry {
    var conv: Module?, norm: Module?
    /// Channels, depthwise kernel and its padding after the entry; anti-aliasing is off inside it.
    var channels: Int, kernel: [Int], padding: ConvPadding, antiAlias: Bool

    init(_ spec: EfficientNetBlockSpec, inChannels: Int, act: ActivationKind, layers: EfficientNetLayers) {
        (channels, kernel, padding) = (inChannels, spec.kernel, layers.padding)
        antiAlias = layers.antiAlias != nil && spec.stride > 1
        guard spec.spaceToDepth == 1 else { return }
        conv = makePaddedConv2d(inChannels, inChannels * 4, kernelSize: 2, stride: 2, padding: .same)
        norm = layers.norm.make(inChannels * 4, act: act)
        channels = inChannels * 4
        kernel = kernel.map { ($0 + 1) / 2 }
        if kernel == [2] { padding = .same }
        antiAlias = false
    }
}

/// Depthwise conv, SE, pointwise conv (timm's `DepthwiseSeparableConv`, `ds`/`dsa`).
public final class DepthwiseSeparableConv: Module, EfficientNetBlock {
    public let convS2d: Module?
    public let bnS2d: Module?
    public let convDw: Module
    public let bn1: Module
    public let aa: Module
    public let se: Module
    public let convPw: Module
    public let bn2: Module
    public let dropPath: DropPath
    public let hasSkip: Bool
    public let outChannels: Int

    /// - Parameter prunedWidths: shapes of a pruned model's convs by key within the block; the skip
    ///   connection still follows the unpruned widths (`nominalIn`, `outChannels`), as in timm.
    init(
        _ spec: EfficientNetBlockSpec, inChannels: Int, outChannels nominalOut: Int, act: ActivationKind,
        layers: EfficientNetLayers, seRatio: Double?, dropPathRate: Float, prunedWidths: [String: [Int]] = [:],
        nominalIn: Int? = nil
    ) {
        hasSkip = spec.stride == 1 && (nominalIn ?? inChannels) == nominalOut && !spec.noskip
        let outChannels = prunedWidths["conv_pw.weight"]?[0] ?? nominalOut
        let entry = SpaceToDepthEntry(spec, inChannels: inChannels, act: act, layers: layers)
        (convS2d, bnS2d) = (entry.conv, entry.norm)
        let (channels, kernel, dwPadding, useAA) = (entry.channels, entry.kernel, entry.padding, entry.antiAlias)
        convDw = makeConv(
            channels, channels, kernel: kernel, stride: useAA ? 1 : spec.stride, dilation: spec.dilation,
            groups: numGroups(spec.groupSize ?? 1, channels), padding: dwPadding)
        bn1 = layers.norm.make(channels, act: act)
        aa = useAA ? layers.antiAlias!.make(channels: outChannels, stride: spec.stride) : Identity()
        se =
            seRatio.map {
                layers.attention.make(
                    channels: channels, ratio: $0, act: act, reduced: prunedWidths["se.conv_reduce.weight"]?[0])
            } ?? Identity()
        convPw = makeConv(channels, outChannels, kernel: spec.endKernel, padding: layers.padding)
        bn2 = layers.norm.make(outChannels, act: spec.pwAct ? act : nil)
        dropPath = DropPath(dropPathRate)
        self.outChannels = outChannels
    }

    public override func forward(_ input: Tensor) -> Tensor {
        var x = input
        if let convS2d, let bnS2d { x = bnS2d(convS2d(x)) }
        x = se(aa(convNormAct(convDw, bn1, x)))
        guard hasSkip else { return convNormAct(convPw, bn2, x) }
        if dropPath.isIdentity { return convNormAct(convPw, bn2, x, adding: input) }
        return dropPath(convNormAct(convPw, bn2, x)) + input
    }
}

/// Pointwise expansion, depthwise conv, SE, linear projection (timm's `InvertedResidual`, MBConv, `ir`).
public class InvertedResidual: Module, EfficientNetBlock {
    public let convS2d: Module?
    public let bnS2d: Module?
    public let convPw: Module
    public let bn1: Module
    public let convDw: Module
    public let bn2: Module
    public let aa: Module
    public let se: Module
    public let convPwl: Module
    public let bn3: Module
    public let dropPath: DropPath
    public let hasSkip: Bool
    public let outChannels: Int

    init(
        _ spec: EfficientNetBlockSpec, inChannels: Int, outChannels nominalOut: Int, act: ActivationKind,
        layers: EfficientNetLayers, seRatio: Double?, dropPathRate: Float, numExperts: Int = 0,
        prunedWidths: [String: [Int]] = [:], nominalIn: Int? = nil
    ) {
        hasSkip = (nominalIn ?? inChannels) == nominalOut && spec.stride == 1 && !spec.noskip
        let outChannels = prunedWidths["conv_pwl.weight"]?[0] ?? nominalOut
        let entry = SpaceToDepthEntry(spec, inChannels: inChannels, act: act, layers: layers)
        (convS2d, bnS2d) = (entry.conv, entry.norm)
        let (channels, kernel, dwPadding, useAA) = (entry.channels, entry.kernel, entry.padding, entry.antiAlias)
        let mid = prunedWidths["conv_pw.weight"]?[0] ?? makeDivisible(Double(channels) * spec.expRatio)
        let groups = numGroups(spec.groupSize ?? 1, mid)
        func conv(
            _ i: Int, _ o: Int, _ k: [Int], stride: Int = 1, dilation: Int = 1, groups: Int = 1,
            padding: ConvPadding
        ) -> Module {
            numExperts > 0
                ? CondConv2d(
                    i, o, kernelSize: k[0], stride: stride, dilation: dilation, groups: groups,
                    numExperts: numExperts, padding: padding)
                : makeConv(i, o, kernel: k, stride: stride, dilation: dilation, groups: groups, padding: padding)
        }
        convPw = conv(channels, mid, spec.startKernel, padding: layers.padding)
        bn1 = layers.norm.make(mid, act: act)
        convDw = conv(
            mid, mid, kernel, stride: useAA ? 1 : spec.stride, dilation: spec.dilation, groups: groups,
            padding: dwPadding)
        bn2 = layers.norm.make(mid, act: act)
        aa = useAA ? layers.antiAlias!.make(channels: mid, stride: spec.stride) : Identity()
        se =
            seRatio.map {
                layers.attention.make(
                    channels: mid, ratio: $0, act: act, reduced: prunedWidths["se.conv_reduce.weight"]?[0])
            } ?? Identity()
        convPwl = conv(mid, outChannels, spec.endKernel, padding: layers.padding)
        bn3 = layers.norm.make(outChannels, act: nil)
        dropPath = DropPath(dropPathRate)
        self.outChannels = outChannels
    }

    public override func forward(_ input: Tensor) -> Tensor {
        var x = input
        if let convS2d, let bnS2d { x = bnS2d(convS2d(x)) }
        x = se(aa(convNormAct(convDw, bn2, convNormAct(convPw, bn1, x))))
        guard hasSkip else { return convNormAct(convPwl, bn3, x) }
        if dropPath.isIdentity { return convNormAct(convPwl, bn3, x, adding: input) }
        return dropPath(convNormAct(convPwl, bn3, x)) + input
    }
}

/// An inverted residual whose convs mix `numExperts` kernels per sample (timm's `CondConvResidual`, `cc`).
public final class CondConvResidual: InvertedResidual {
    public let routingFn: Linear

    init(
        _ spec: EfficientNetBlockSpec, inChannels: Int, outChannels: Int, act: ActivationKind,
        layers: EfficientNetLayers, seRatio: Double?, dropPathRate: Float, numExperts: Int
    ) {
        routingFn = Linear(inChannels, numExperts)
        super.init(
            spec, inChannels: inChannels, outChannels: outChannels, act: act, layers: layers, seRatio: seRatio,
            dropPathRate: dropPathRate, numExperts: numExperts)
    }

    public override func forward(_ input: Tensor) -> Tensor {
        let routing = routingFn(input.mean(dims: [2, 3])).sigmoid()
        func conv(_ module: Module, _ x: Tensor) -> Tensor { (module as! CondConv2d).forward(x, routing: routing) }
        var x = bn1(conv(convPw, input))
        x = se(bn2(conv(convDw, x)))
        x = bn3(conv(convPwl, x))
        return hasSkip ? dropPath(x) + input : x
    }
}

/// A full conv expansion then linear projection (timm's `EdgeResidual`, FusedMBConv, `er`).
public final class EdgeResidual: Module, EfficientNetBlock {
    public let convExp: Module
    public let bn1: Module
    public let aa: Module
    public let se: Module
    public let convPwl: Module
    public let bn2: Module
    public let dropPath: DropPath
    public let hasSkip: Bool
    public let outChannels: Int

    init(
        _ spec: EfficientNetBlockSpec, inChannels: Int, outChannels: Int, forceInChannels: Int, act: ActivationKind,
        layers: EfficientNetLayers, seRatio: Double?, dropPathRate: Float
    ) {
        let mid = makeDivisible(Double(forceInChannels > 0 ? forceInChannels : inChannels) * spec.expRatio)
        let groups = numGroups(spec.groupSize ?? 0, mid)
        hasSkip = inChannels == outChannels && spec.stride == 1 && !spec.noskip
        let useAA = layers.antiAlias != nil && spec.stride > 1
        convExp = makeConv(
            inChannels, mid, kernel: spec.kernel, stride: useAA ? 1 : spec.stride, dilation: spec.dilation,
            groups: groups, padding: layers.padding)
        bn1 = layers.norm.make(mid, act: act)
        aa = useAA ? layers.antiAlias!.make(channels: mid, stride: spec.stride) : Identity()
        se = seRatio.map { layers.attention.make(channels: mid, ratio: $0, act: act) } ?? Identity()
        convPwl = makeConv(mid, outChannels, kernel: spec.endKernel, padding: layers.padding)
        bn2 = layers.norm.make(outChannels, act: nil)
        dropPath = DropPath(dropPathRate)
        self.outChannels = outChannels
    }

    public override func forward(_ input: Tensor) -> Tensor {
        let x = se(aa(convNormAct(convExp, bn1, input)))
        guard hasSkip else { return convNormAct(convPwl, bn2, x) }
        if dropPath.isIdentity { return convNormAct(convPwl, bn2, x, adding: input) }
        return dropPath(convNormAct(convPwl, bn2, x)) + input
    }
}

/// Conv, norm + activation, optional anti-aliasing pool (timm's `ConvNormAct`); keys `conv`, `bn`.
public final class ConvNormAct: Module {
    public let conv: Module
    public let bn: Module
    public let aa: Module

    init(
        _ inChannels: Int, _ outChannels: Int, kernel: Int, stride: Int = 1, dilation: Int = 1, groups: Int = 1,
        act: ActivationKind?, layers: EfficientNetLayers, antiAlias: Bool = false
    ) {
        let useAA = antiAlias && layers.antiAlias != nil && stride > 1
        conv = makePaddedConv2d(
            inChannels, outChannels, kernelSize: kernel, stride: useAA ? 1 : stride,
            dilation: dilation, groups: groups, padding: layers.padding)
        bn = layers.norm.make(outChannels, act: act)
        aa = useAA ? layers.antiAlias!.make(channels: outChannels, stride: stride) : Identity()
    }

    public override func forward(_ input: Tensor) -> Tensor { aa(bn(conv(input))) }
}

/// MobileNetV4's universal inverted bottleneck (timm's `UniversalInvertedResidual`, `uir`): optional
/// depthwise convs before the expansion, in the middle, and after the projection.
public final class UniversalInvertedResidual: Module, EfficientNetBlock {
    public let dwStart: Module
    public let pwExp: ConvNormAct
    public let dwMid: Module
    public let se: Module
    public let pwProj: ConvNormAct
    public let dwEnd: Module
    public let layerScale: Module
    public let dropPath: DropPath
    public let hasSkip: Bool
    public let outChannels: Int

    init(
        _ spec: EfficientNetBlockSpec, inChannels: Int, outChannels: Int, act: ActivationKind,
        layers: EfficientNetLayers,
        seRatio: Double?, dropPathRate: Float
    ) {
        let start = spec.startKernel[0], middle = spec.kernel[0], end = spec.endKernel[0]
        let stride = spec.stride
        hasSkip = inChannels == outChannels && stride == 1 && !spec.noskip
        let groupSize = spec.groupSize ?? 1
        dwStart =
            start > 0
            ? ConvNormAct(
                inChannels, inChannels, kernel: start, stride: middle > 0 ? 1 : stride, dilation: spec.dilation,
                groups: numGroups(groupSize, inChannels), act: nil, layers: layers, antiAlias: true)
            : Identity()
        let mid = makeDivisible(Double(inChannels) * spec.expRatio)
        pwExp = ConvNormAct(inChannels, mid, kernel: 1, act: act, layers: layers)
        dwMid =
            middle > 0
            ? ConvNormAct(
                mid, mid, kernel: middle, stride: stride, dilation: spec.dilation,
                groups: numGroups(groupSize, mid), act: act, layers: layers, antiAlias: true)
            : Identity()
        se = seRatio.map { layers.attention.make(channels: mid, ratio: $0, act: act) } ?? Identity()
        pwProj = ConvNormAct(mid, outChannels, kernel: 1, act: nil, layers: layers)
        dwEnd =
            end > 0
            ? ConvNormAct(
                outChannels, outChannels, kernel: end, stride: start == 0 && middle == 0 ? stride : 1,
                dilation: spec.dilation, groups: numGroups(groupSize, outChannels), act: nil, layers: layers)
            : Identity()
        layerScale = layers.layerScale.map { LayerScale2d(outChannels, initValue: $0) } ?? Identity()
        dropPath = DropPath(dropPathRate)
        self.outChannels = outChannels
    }

    public override func forward(_ input: Tensor) -> Tensor {
        let x = layerScale(dwEnd(pwProj(se(dwMid(pwExp(dwStart(input)))))))
        return hasSkip ? dropPath(x) + input : x
    }
}

/// Multi-query attention over NCHW maps (timm's `MultiQueryAttention2d`): many query heads, one
/// shared key and value, keys and values optionally downsampled by a strided depthwise conv.
public final class MultiQueryAttention2d: Module {
    public let query: Sequential
    public let key: Sequential
    public let value: Sequential
    public let output: Sequential
    public let numHeads: Int, keyDim: Int, valueDim: Int

    init(
        _ channels: Int, outChannels: Int, numHeads: Int, keyDim: Int, valueDim: Int, kvStride: Int, kernel: Int,
        dilation: Int, layers: EfficientNetLayers
    ) {
        self.numHeads = numHeads
        self.keyDim = keyDim
        self.valueDim = valueDim
        func conv(_ i: Int, _ o: Int) -> Module { makePaddedConv2d(i, o, kernelSize: 1, padding: layers.padding) }
        func downsample() -> [Module] {
            kvStride > 1
                ? [
                    makePaddedConv2d(
                        channels, channels, kernelSize: kernel, stride: kvStride, dilation: dilation,
                        groups: channels, padding: layers.padding),
                    layers.norm.make(channels, act: nil),
                ]
                : []
        }
        query = Sequential(makePaddedConv2d(channels, numHeads * keyDim, kernelSize: 1))
        key = Sequential(downsample() + [conv(channels, keyDim)])
        value = Sequential(downsample() + [makePaddedConv2d(channels, valueDim, kernelSize: 1)])
        output = Sequential(makePaddedConv2d(valueDim * numHeads, outChannels, kernelSize: 1), Identity())
    }

    // Keys as timm's named Sequentials: `query.proj`, `key.down_conv`, `key.norm`, `key.proj`, …
    public override func namedChildren() -> [(String, Module)] {
        func named(_ prefix: String, _ sequential: Sequential, _ names: [String]) -> [(String, Module)] {
            zip(names.suffix(sequential.count), sequential.layers).map { ("\(prefix).\($0.0)", $0.1) }
        }
        return named("query", query, ["proj"]) + named("key", key, ["down_conv", "norm", "proj"])
            + named("value", value, ["down_conv", "norm", "proj"]) + named("output", output, ["proj", "drop"])
    }

    public override func forward(_ input: Tensor) -> Tensor {
        let (b, h, w) = (input.shape[0], input.shape[2], input.shape[3])
        // q: [B, heads, HW, keyDim]; k, v: [B, 1, P, dim] shared by every head.
        let q = query(input).reshape([b, numHeads, keyDim, h * w]).transpose(2, 3)
        let k = key(input), v = value(input)
        let keys = k.reshape([b, keyDim, k.shape[2] * k.shape[3]]).transpose(1, 2).unsqueeze(1)
        let values = v.reshape([b, valueDim, v.shape[2] * v.shape[3]]).transpose(1, 2).unsqueeze(1)
        let scale = 1 / Float(keyDim).squareRoot()
        let attention = (q.matmul(keys.transpose(2, 3)) * scale).softmax(dim: -1)
        let o = attention.matmul(values)  // [B, heads, HW, valueDim]
        let merged = o.transpose(1, 2).reshape([b, h, w, numHeads * valueDim]).permute([0, 3, 1, 2])
        return output(merged)
    }
}

/// MobileNetV4's attention block (timm's `MobileAttention` with multi-query attention, `mqa`).
public final class MobileAttention: Module, EfficientNetBlock {
    public let norm: Module
    public let attn: MultiQueryAttention2d
    public let layerScale: Module
    public let dropPath: DropPath
    public let hasSkip: Bool
    public let outChannels: Int

    init(
        _ spec: EfficientNetBlockSpec, inChannels: Int, outChannels: Int, layers: EfficientNetLayers,
        dropPathRate: Float
    ) {
        precondition(spec.type == .mqa, "only multi-query attention blocks are built (\(spec.type))")
        hasSkip = spec.stride == 1 && inChannels == outChannels && !spec.noskip
        norm = layers.norm.make(inChannels, act: nil)
        attn = MultiQueryAttention2d(
            inChannels, outChannels: outChannels, numHeads: spec.numHeads, keyDim: spec.keyDim,
            valueDim: spec.valueDim, kvStride: spec.kvStride, kernel: spec.kernel[0],
            dilation: spec.dilation, layers: layers)
        layerScale = layers.layerScale.map { LayerScale2d(outChannels, initValue: $0) } ?? Identity()
        dropPath = DropPath(dropPathRate)
        self.outChannels = outChannels
    }

    public override func forward(_ input: Tensor) -> Tensor {
        let x = layerScale(attn(norm(input)))
        return hasSkip ? dropPath(x) + input : x
    }
}

/// Binomial blur then subsampling (timm's `BlurPool2d` with constant padding; the shared one in ZooNN pads by reflection, `aa_layer="blurpc"`):
/// a fixed depthwise filter, no parameters or saved buffers.
final class ConstantPadBlurPool2d: Module {
    public let channels: Int
    public let filterSize: Int
    public let stride: Int
    let filter: Tensor

    public init(channels: Int, filterSize: Int = 3, stride: Int = 2) {
        self.channels = channels
        self.filterSize = filterSize
        self.stride = stride
        // Coefficients of (½ + ½x)^(n−1): binomial(n−1, k) / 2^(n−1).
        var row = [Float](repeating: 0, count: filterSize)
        for k in 0..<filterSize {
            var c = 1.0
            for i in 0..<k { c = c * Double(filterSize - 1 - i) / Double(i + 1) }
            row[k] = Float(c / Double(1 << (filterSize - 1)))
        }
        let plane = row.flatMap { a in row.map { a * $0 } }
        filter = Tensor((0..<channels).flatMap { _ in plane }, shape: [channels, 1, filterSize, filterSize])
    }

    public override func forward(_ input: Tensor) -> Tensor {
        let pad = symmetricPadding(kernel: filterSize, stride: stride)
        return Tensor.conv2d(input, weight: filter, stride: (stride, stride), padding: (pad, pad), groups: channels)
    }
}

/// Per-channel scale (timm's `LayerScale2d`); key `gamma` [C].
public final class LayerScale2d: Module {
    public let gamma: Tensor

    public init(_ channels: Int, initValue: Float = 1e-5) {
        gamma = WeightInitialization.parameter(Tensor.full([channels], initValue))
    }

    public override var ownParameters: [(String, Tensor)] { [("gamma", gamma)] }

    public override func forward(_ input: Tensor) -> Tensor { input * gamma.reshape([1, gamma.shape[0], 1, 1]) }
}
