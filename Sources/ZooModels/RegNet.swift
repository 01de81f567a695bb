// RegNet after timm's `timm/models/regnet.py`: same module tree, state-dict keys and initialization
// for all 36 architectures timm registers there: RegNet-X (no attention), RegNet-Y (squeeze-excite
// after the grouped conv), the torchvision-rounded `_tv` variants, the group-norm `regnety_040_sgn`,
// the pre-activation RegNet-V and the linear-output RegNet-Z. A variant is timm's `RegNetCfg`; the
// per-stage widths, depths and groups follow from it as timm's `generate_regnet` computes them.
// torchvision's and pycls's RegNet checkpoints load through `RegNetCheckpoint.filter` (timm's `_filter_fn`).
import Foundation
import ZooNN
import ZooRegistry
import ZooTensor

// MARK: - Blocks

/// `layer` (conv, norm + activation; timm's `ConvNormAct`) with its batch norm folded into the
/// convolution in eval mode, and an optional residual sum and ReLU fused after it.
func regnetConvNormAct(_ layer: ConvNormAct, _ x: Tensor, adding residual: Tensor? = nil, relu: Bool = false)
    -> Tensor
{
    // Only a batch norm whose own activation is ReLU or none folds; the fallback path of
    // `forward(_:normalizedBy:)` runs the module (activation included), and ReLU twice is ReLU once.
    if let conv = layer.conv as? Conv2d, let norm = layer.bn as? BatchNormAct2d, layer.aa is Identity,
        norm.act is Identity || norm.act is ReLU, residual == nil || norm.act is Identity
    {
        return conv.forward(x, normalizedBy: norm, adding: residual, relu: relu || norm.act is ReLU)
    }
    var y = layer(x)
    if let residual { y = y + residual }
    return relu ? y.relu() : y
}

/// The shortcut of a block (timm's `create_shortcut`) and whether it has a residual sum at all: none
/// where the shape changes and `kind` is nil (RegNet-Z), the identity, a strided 1×1 conv + norm (keys
/// `conv`, `bn`), a bare conv (pre-activation), or a 2×2 average pool then the conv (`avg`: keys `1.*`).
func makeRegNetShortcut(
    _ kind: RegNetDownsample?, in inChannels: Int, out outChannels: Int, stride: Int, preact: Bool,
    norm: EfficientNetNorm
) -> (module: Module?, residual: Bool) {
    guard inChannels != outChannels || stride != 1 else { return (nil, true) }
    guard let kind else { return (nil, false) }
    let conv: Module =
        preact
        ? Conv2d(inChannels, outChannels, kernelSize: 1, stride: kind == .average ? 1 : stride, bias: false)
        : ConvNormAct(
            inChannels, outChannels, kernel: 1, stride: kind == .average ? 1 : stride, act: nil,
            layers: EfficientNetLayers(norm: norm))
    guard kind == .average else { return (conv, true) }
    let pool: Module =
        stride > 1 ? AvgPool2d(kernelSize: 2, stride: stride, ceilMode: true, countIncludePad: false) : Identity()
    return (Sequential(pool, conv), true)
}

/// What a block needs besides its widths, shared by every block of a model.
struct RegNetBlockOptions {
    var stride = 1
    var bottleRatio: Double
    var groupSize: Int
    var config: RegNetConfig
    var dropPath: Float = 0

    /// Squeeze-excite on the bottleneck `width`, its channels a fraction of the block's input (RegNet-Y).
    func squeezeExcite(width: Int, inChannels: Int) -> SEModule? {
        guard config.seRatio > 0 else { return nil }
        let reduced = Int((Double(inChannels) * config.seRatio).rounded(.toNearestOrEven))
        return SEModule(width, rdChannels: reduced, act: config.act.make())
    }

    func shortcut(in inChannels: Int, out outChannels: Int) -> (module: Module?, residual: Bool) {
        makeRegNetShortcut(
            config.downsample, in: inChannels, out: outChannels, stride: stride, preact: config.preact,
            norm: config.norm)
    }
}

/// 1×1 conv, grouped 3×3 conv, squeeze-excite (RegNet-Y), 1×1 conv, with a residual connection
/// (timm's regnet `Bottleneck`). Keys `conv1`/`conv2`/`conv3` (`.conv`, `.bn`), `se.fc1/fc2`, `downsample.conv/bn`.
public final class RegNetBottleneck: Module {
    public let conv1: ConvNormAct
    public let conv2: ConvNormAct
    public let se: SEModule?
    public let conv3: ConvNormAct
    /// ReLU/SiLU after the sum, or none (RegNet-Z's `linear_out`).
    public let act3: Module
    public let downsample: Module?
    public let dropPath: DropPath?
    let hasResidual: Bool

    init(inChannels: Int, outChannels: Int, options o: RegNetBlockOptions) {
        let config = o.config
        let layers = EfficientNetLayers(norm: config.norm)
        let width = Int((Double(outChannels) * o.bottleRatio).rounded(.toNearestOrEven))
        conv1 = ConvNormAct(inChannels, width, kernel: 1, act: config.act, layers: layers)
        conv2 = ConvNormAct(
            width, width, kernel: 3, stride: o.stride, groups: width / o.groupSize, act: config.act, layers: layers)
        se = o.squeezeExcite(width: width, inChannels: inChannels)
        conv3 = ConvNormAct(width, outChannels, kernel: 1, act: nil, layers: layers)
        act3 = config.linearOut ? Identity() : config.act.make()
        (downsample, hasResidual) = o.shortcut(in: inChannels, out: outChannels)
        dropPath = o.dropPath > 0 ? DropPath(o.dropPath) : nil
    }

    public override func forward(_ input: Tensor) -> Tensor {
        var x = regnetConvNormAct(conv2, regnetConvNormAct(conv1, input))
        if let se { x = se(x) }
        guard hasResidual else { return act3(regnetConvNormAct(conv3, x)) }
        let shortcut =
            downsample.map { ($0 as? ConvNormAct).map { regnetConvNormAct($0, input) } ?? $0(input) } ?? input
        // Without drop path the residual sum and ReLU run fused into the last convolution.
        if dropPath == nil, act3 is ReLU || act3 is Identity {
            return regnetConvNormAct(conv3, x, adding: shortcut, relu: act3 is ReLU)
        }
        x = regnetConvNormAct(conv3, x)
        if let dropPath { x = dropPath(x) }
        return act3(x + shortcut)
    }
}

/// The pre-activation bottleneck of RegNet-V (timm's `PreBottleneck`): norm + activation before each
/// conv, the shortcut taken after the first norm, no activation after the sum. Keys `norm1`, `conv1`,
/// `norm2`, `conv2`, `se.*`, `norm3`, `conv3`, `downsample.*`.
public final class RegNetPreBottleneck: Module {
    public let norm1: Module
    public let conv1: Conv2d
    public let norm2: Module
    public let conv2: Conv2d
    public let se: SEModule?
    public let norm3: Module
    public let conv3: Conv2d
    public let downsample: Module?
    public let dropPath: DropPath?
    let hasResidual: Bool

    init(inChannels: Int, outChannels: Int, options o: RegNetBlockOptions) {
        let config = o.config
        let width = Int((Double(outChannels) * o.bottleRatio).rounded(.toNearestOrEven))
        norm1 = config.norm.make(inChannels, act: config.act)
        conv1 = Conv2d(inChannels, width, kernelSize: 1, bias: false)
        norm2 = config.norm.make(width, act: config.act)
        conv2 = Conv2d(
            width, width, kernelSize: 3, stride: o.stride, padding: 1, groups: width / o.groupSize, bias: false)
        se = o.squeezeExcite(width: width, inChannels: inChannels)
        norm3 = config.norm.make(width, act: config.act)
        conv3 = Conv2d(width, outChannels, kernelSize: 1, bias: false)
        (downsample, hasResidual) = o.shortcut(in: inChannels, out: outChannels)
        dropPath = o.dropPath > 0 ? DropPath(o.dropPath) : nil
    }

    public override func forward(_ input: Tensor) -> Tensor {
        let normalized = norm1(input)
        var x = conv2(norm2(conv1(normalized)))
        if let se { x = se(x) }
        x = conv3(norm3(x))
        guard hasResidual else { return x }
        if let dropPath { x = dropPath(x) }
        return x + (downsample?(normalized) ?? normalized)
    }
}

/// Blocks `b1`, `b2`, … of one stage (timm's `RegStage`); the first one strides.
public final class RegStage: Module {
    public let blocks: [Module]

    init(
        depth: Int, inChannels: Int, outChannels: Int, stride: Int, dropPathRates: [Float], options: RegNetBlockOptions
    ) {
        blocks = (0..<depth).map { index in
            var o = options
            o.stride = index == 0 ? stride : 1
            o.dropPath = dropPathRates[index]
            let blockIn = index == 0 ? inChannels : outChannels
            return options.config.preact
                ? RegNetPreBottleneck(inChannels: blockIn, outChannels: outChannels, options: o)
                : RegNetBottleneck(inChannels: blockIn, outChannels: outChannels, options: o)
        }
    }

    public override func namedChildren() -> [(String, Module)] {
        blocks.enumerated().map { ("b\($0.offset + 1)", $0.element) }
    }

    public override func forward(_ input: Tensor) -> Tensor { blocks.reduce(input) { $1($0) } }
}

// MARK: - Model

/// A RegNet classifier built from a `RegNetConfig`: `stem`, stages `s1`…`s4`, `final_conv` (a 1×1
/// conv-norm-act for RegNet-Z's wide head, an activation for linear-output or pre-activation nets,
/// else nothing), then average pooling and `head.fc`.
/// ```swift
/// let model = try makeRegNet("regnety_032", numClasses: 10)
/// model.stateDict().keys.first    // "stem.conv.weight", as timm's
/// ```
public final class RegNet: Module, ClassifierModel {
    public let config: RegNetConfig
    /// Conv-norm-act (keys `stem.conv`, `stem.bn`), or a bare conv for pre-activation nets (`stem.weight`).
    public let stem: Module
    public let s1: RegStage
    public let s2: RegStage
    public let s3: RegStage
    public let s4: RegStage
    public let finalConv: Module
    public let globalPool = GlobalAvgPool2d()
    public let head: ClassifierHeadFC

    public private(set) var numClasses: Int
    public let numFeatures: Int
    public var classifierName: String { "head.fc" }
    /// timm's `feature_info`: the stem, then each stage.
    public let featureInfo: [FeatureInfo]

    public init(
        config: RegNetConfig, numClasses: Int = 1000, inChans: Int = 3, dropRate: Float = 0, dropPathRate: Float = 0,
        zeroInitLast: Bool = true
    ) {
        self.config = config
        self.numClasses = numClasses
        let layers = EfficientNetLayers(norm: config.norm)
        stem =
            config.preact
            ? Conv2d(inChans, config.stemWidth, kernelSize: 3, stride: 2, padding: 1, bias: false)
            : ConvNormAct(inChans, config.stemWidth, kernel: 3, stride: 2, act: config.act, layers: layers)
        var info = [FeatureInfo(channels: config.stemWidth, reduction: 2, module: "stem")]

        let stages = config.stages()
        precondition(stages.count == 4, "RegNet has four stages, \(config) gives \(stages.count)")
        let total = stages.map(\.depth).reduce(0, +)
        var inChannels = config.stemWidth, blockIndex = 0, reduction = 2
        var built: [RegStage] = []
        for stage in stages {
            // timm's calculate_drop_path_rates: linear over all blocks, split by stage.
            let rates = (0..<stage.depth).map { offset -> Float in
                total > 1 ? dropPathRate * Float(blockIndex + offset) / Float(total - 1) : 0
            }
            let options = RegNetBlockOptions(
                bottleRatio: config.bottleRatio, groupSize: stage.groupSize, config: config)
            built.append(
                RegStage(
                    depth: stage.depth, inChannels: inChannels, outChannels: stage.width, stride: 2,
                    dropPathRates: rates, options: options))
            inChannels = stage.width
            blockIndex += stage.depth
            reduction *= 2
            info.append(FeatureInfo(channels: stage.width, reduction: reduction, module: "s\(built.count)"))
        }
        (s1, s2, s3, s4) = (built[0], built[1], built[2], built[3])
        if config.numFeatures > 0 {
            finalConv = ConvNormAct(inChannels, config.numFeatures, kernel: 1, act: config.act, layers: layers)
            numFeatures = config.numFeatures
        } else {
            finalConv = config.linearOut || config.preact ? config.act.make() : Identity()
            numFeatures = inChannels
        }
        featureInfo = info
        head = ClassifierHeadFC(numFeatures, numClasses: numClasses, dropRate: dropRate)
        super.init()
        initializeWeights(zeroInitLast: zeroInitLast)
    }

    /// timm's `_init_weights`: convolutions normal with std √(2 / fan_out) (fan_out = k·k·out / groups)
    /// and zero bias, the classifier normal with std 0.01 and zero bias, the last norm of each
    /// bottleneck zeroed (`zero_init_last`, off for RegNet-Z).
    private func initializeWeights(zeroInitLast: Bool) {
        for (_, module) in namedModules() {
            if let conv = module as? Conv2d {
                let fanOut = conv.kernelSize.0 * conv.kernelSize.1 * conv.outChannels / conv.groups
                WeightInitialization.reinitialize(conv.weight) {
                    Tensor.normal(conv.weight.shape, std: (2 / Float(fanOut)).squareRoot(), using: &$0)
                }
                if let bias = conv.bias { WeightInitialization.reinitialize(bias) { _ in Tensor.zeros(bias.shape) } }
            } else if let linear = module as? Linear {
                WeightInitialization.reinitialize(linear.weight) {
                    Tensor.normal(linear.weight.shape, std: 0.01, using: &$0)
                }
                if let bias = linear.bias { WeightInitialization.reinitialize(bias) { _ in Tensor.zeros(bias.shape) } }
            } else if zeroInitLast, let block = module as? RegNetBottleneck {
                let weight = (block.conv3.bn as? BatchNorm2d)?.weight ?? (block.conv3.bn as? GroupNormAct)?.weight
                if let weight { weight.assign(Tensor.zeros(weight.shape)) }
            }
        }
    }

    func forwardStem(_ input: Tensor) -> Tensor {
        if let stem = stem as? ConvNormAct { return regnetConvNormAct(stem, input) }
        return stem(input)
    }

    public func forwardFeatures(_ input: Tensor) -> Tensor {
        let x = s4(s3(s2(s1(forwardStem(input)))))
        if let finalConv = finalConv as? ConvNormAct { return regnetConvNormAct(finalConv, x) }
        return finalConv(x)
    }

    public func forwardHead(_ features: Tensor, preLogits: Bool) -> Tensor {
        head.forward(globalPool(features), preLogits: preLogits, training: isTraining)
    }

    public override func forward(_ input: Tensor) -> Tensor { forwardHead(forwardFeatures(input)) }

    public func resetClassifier(numClasses: Int) {
        self.numClasses = numClasses
        head.reset(numClasses: numClasses)
        head.train(isTraining)
    }
}

extension RegNet: FeatureExtracting {
    /// The maps timm's `forward_intermediates` takes: index 0 the stem, 1…4 the stages.
    public func forwardIntermediates(_ input: Tensor, indices: [Int]) -> [Tensor] {
        var maps: [Tensor] = []
        var x = forwardStem(input)
        if indices.contains(0) { maps.append(x) }
        for (index, stage) in [s1, s2, s3, s4].enumerated() where index < (indices.max() ?? 0) {
            x = stage(x)
            if indices.contains(index + 1) { maps.append(x) }
        }
        return maps
    }
}

// MARK: - Checkpoints

/// torchvision's and pycls's RegNet keys mapped onto timm's (timm's `_filter_fn`); timm's own pass unchanged.
public enum RegNetCheckpoint {
    /// pycls and torchvision block parts → timm's, applied in order to every key (as `str.replace`).
    static let replacements: [(String, String)] = [
        ("f.a.0", "conv1.conv"), ("f.a.1", "conv1.bn"), ("f.b.0", "conv2.conv"), ("f.b.1", "conv2.bn"),
        ("f.final_bn", "conv3.bn"), ("f.se.excitation.0", "se.fc1"), ("f.se.excitation.2", "se.fc2"),
        ("f.se", "se"), ("f.c.0", "conv3.conv"), ("f.c.1", "conv3.bn"), ("f.c", "conv3.conv"),
        ("proj.0", "downsample.conv"), ("proj.1", "downsample.bn"), ("proj", "downsample.conv"),
    ]

    /// Keys of a torchvision state dict (`stem.0`, `trunk_output.block1.block1-0.f.a.0`, `fc`) renamed
    /// to timm's (`stem.conv`, `s1.b1.conv1.conv`, `head.fc`); a `model.` wrapper is unwrapped first.
    public static func filter(_ tensors: [(name: String, tensor: Tensor)]) -> [(name: String, tensor: Tensor)] {
        var tensors = tensors
        if tensors.allSatisfy({ $0.name.hasPrefix("model.") }) {
            tensors = tensors.map { (String($0.name.dropFirst("model.".count)), $0.tensor) }
        }
        guard tensors.contains(where: { $0.name == "stem.0.weight" }) else { return tensors }
        return tensors.map { name, tensor in
            var key = name.replacingOccurrences(of: "stem.0", with: "stem.conv")
                .replacingOccurrences(of: "stem.1", with: "stem.bn")
            if let match = key.firstMatch(of: /trunk_output\.block(\d+)\.block\d+-(\d+)/),
                let stage = Int(match.1), let block = Int(match.2)
            {
                key.replaceSubrange(match.range, with: "s\(stage).b\(block + 1)")
            }
            for (old, new) in replacements { key = key.replacingOccurrences(of: old, with: new) }
            return (key.replacingOccurrences(of: "fc.", with: "head.fc."), tensor)
        }
    }
}

// MARK: - Builder

/// Builds a RegNet by its timm name, with fresh weights as timm initializes them.
/// - Throws: `ModelBuildError.unknownVariant` for a name not in `RegNetVariants.all`.
public func makeRegNet(
    _ name: String, numClasses: Int = 1000, inChans: Int = 3, dropRate: Float = 0, dropPathRate: Float = 0
) throws -> RegNet {
    guard let config = RegNetVariants.all[name] else { throw ModelBuildError.unknownVariant(name) }
    // timm registers RegNet-Z with zero_init_last=False.
    return RegNet(
        config: config, numClasses: numClasses, inChans: inChans, dropRate: dropRate, dropPathRate: dropPathRate,
        zeroInitLast: !name.hasPrefix("regnetz"))
}

// MARK: - Variants and configs

/// The shortcut projection when a block changes shape (timm's `downsample`).
public enum RegNetDownsample: String, Sendable {
    /// A strided 1×1 conv (+ norm): `conv1x1`.
    case conv1x1
    /// A 2×2 average pool then a 1×1 conv: `avg`.
    case average = "avg"
}

/// One stage of a RegNet, from the config.
public struct RegNetStage: Sendable, Equatable {
    public var width: Int, depth: Int, groupSize: Int
}

/// Architecture arguments of one variant, timm's `RegNetCfg`.
public struct RegNetConfig: Sendable, Equatable {
    public var depth = 21
    /// Initial width, width slope and width multiplier of the RegNet design space.
    public var w0 = 80
    public var wa = 42.63
    public var wm = 2.66
    public var groupSize = 24
    public var bottleRatio = 1.0
    /// Squeeze-excite channels as a fraction of the block's input (0: none, RegNet-X).
    public var seRatio = 0.0
    /// Non-zero: torchvision's rounding of bottleneck widths to groups (timm's `_tv` variants).
    public var groupMinRatio = 0.0
    public var stemWidth = 32
    /// nil: no shortcut where the shape changes (RegNet-Z).
    public var downsample: RegNetDownsample? = .conv1x1
    /// No activation after the residual sum (RegNet-Z).
    public var linearOut = false
    /// Pre-activation blocks (RegNet-V).
    public var preact = false
    /// Width of a final 1×1 conv-norm-act before pooling, 0 for none.
    public var numFeatures = 0
    public var act = ActivationKind.relu
    public var norm = EfficientNetNorm.batchDefault

    public init(depth: Int, w0: Int, wa: Double, wm: Double, groupSize: Int, seRatio: Double = 0) {
        (self.depth, self.w0, self.wa, self.wm, self.groupSize, self.seRatio) = (depth, w0, wa, wm, groupSize, seRatio)
    }

    public func with(_ change: (inout RegNetConfig) -> Void) -> RegNetConfig {
        var copy = self
        change(&copy)
        return copy
    }

    /// Widths, depths and group sizes of the stages, as timm's `generate_regnet` (in float32, as
    /// timm computes it with torch) and `adjust_widths_groups_comp`.
    public func stages() -> [RegNetStage] {
        let quant: Float = 8
        let logMultiplier = Float(Foundation.log(wm))
        let widths = (0..<depth).map { index -> Int in
            let continuous = Float(index) * Float(wa) + Float(w0)
            let exponent = (Foundation.log(continuous / Float(w0)) / logMultiplier).rounded(.toNearestOrEven)
            let width = Float(w0) * Foundation.pow(Float(wm), exponent)
            return Int(((width / quant).rounded(.toNearestOrEven) * quant))
        }
        var stages: [RegNetStage] = []
        for width in widths.sorted() {
            if stages.last?.width == width {
                stages[stages.count - 1].depth += 1
            } else {
                stages.append(RegNetStage(width: width, depth: 1, groupSize: groupSize))
            }
        }
        return stages.map { stage in
            let bottleneck = Int(Double(stage.width) * bottleRatio)
            let group = min(stage.groupSize, bottleneck)
            let rounded =
                groupMinRatio > 0
                ? makeDivisible(Double(bottleneck), divisor: group, minValue: 1)
                : Int((Double(bottleneck) / Double(group)).rounded(.toNearestOrEven)) * group
            return RegNetStage(width: Int(Double(rounded) / bottleRatio), depth: stage.depth, groupSize: group)
        }
    }
}

/// Every RegNet variant by its timm name.
public enum RegNetVariants {
    /// Names in timm's order (`list_models(module="regnet")`).
    public static let names: [String] = table.map(\.0)
    public static let all: [String: RegNetConfig] = Dictionary(uniqueKeysWithValues: table)

    private static func x(_ w0: Int, _ wa: Double, _ wm: Double, _ groupSize: Int, _ depth: Int) -> RegNetConfig {
        RegNetConfig(depth: depth, w0: w0, wa: wa, wm: wm, groupSize: groupSize)
    }

    private static func y(_ w0: Int, _ wa: Double, _ wm: Double, _ groupSize: Int, _ depth: Int) -> RegNetConfig {
        RegNetConfig(depth: depth, w0: w0, wa: wa, wm: wm, groupSize: groupSize, seRatio: 0.25)
    }

    /// RegNet-Z: bottleneck ratio 4, SiLU, linear output, no shortcut where the shape changes.
    private static func z(_ w0: Int, _ wa: Double, _ wm: Double, _ groupSize: Int, _ depth: Int, features: Int)
        -> RegNetConfig
    {
        y(w0, wa, wm, groupSize, depth).with {
            $0.bottleRatio = 4
            $0.downsample = nil
            $0.linearOut = true
            $0.numFeatures = features
            $0.act = .silu
        }
    }

    private static let tv: @Sendable (inout RegNetConfig) -> Void = { $0.groupMinRatio = 0.9 }

    private static let table: [(String, RegNetConfig)] = [
        (
            "regnetv_040",
            y(96, 31.41, 2.24, 64, 22).with {
                $0.preact = true; $0.act = .silu
            }
        ),
        (
            "regnetv_064",
            y(112, 33.22, 2.27, 72, 25).with {
                $0.preact = true; $0.act = .silu; $0.downsample = .average
            }
        ),
        ("regnetx_002", x(24, 36.44, 2.49, 8, 13)),
        ("regnetx_004", x(24, 24.48, 2.54, 16, 22)),
        ("regnetx_004_tv", x(24, 24.48, 2.54, 16, 22).with(tv)),
        ("regnetx_006", x(48, 36.97, 2.24, 24, 16)),
        ("regnetx_008", x(56, 35.73, 2.28, 16, 16)),
        ("regnetx_016", x(80, 34.01, 2.25, 24, 18)),
        ("regnetx_032", x(88, 26.31, 2.25, 48, 25)),
        ("regnetx_040", x(96, 38.65, 2.43, 40, 23)),
        ("regnetx_064", x(184, 60.83, 2.07, 56, 17)),
        ("regnetx_080", x(80, 49.56, 2.88, 120, 23)),
        ("regnetx_120", x(168, 73.36, 2.37, 112, 19)),
        ("regnetx_160", x(216, 55.59, 2.1, 128, 22)),
        ("regnetx_320", x(320, 69.86, 2.0, 168, 23)),
        ("regnety_002", y(24, 36.44, 2.49, 8, 13)),
        ("regnety_004", y(48, 27.89, 2.09, 8, 16)),
        ("regnety_006", y(48, 32.54, 2.32, 16, 15)),
        ("regnety_008", y(56, 38.84, 2.4, 16, 14)),
        ("regnety_008_tv", y(56, 38.84, 2.4, 16, 14).with(tv)),
        ("regnety_016", y(48, 20.71, 2.65, 24, 27)),
        ("regnety_032", y(80, 42.63, 2.66, 24, 21)),
        ("regnety_040", y(96, 31.41, 2.24, 64, 22)),
        // Group norm of 16 channels a group, SiLU.
        (
            "regnety_040_sgn",
            y(96, 31.41, 2.24, 64, 22).with {
                $0.act = .silu; $0.norm = .group(groupSize: 16)
            }
        ),
        ("regnety_064", y(112, 33.22, 2.27, 72, 25)),
        ("regnety_080", y(192, 76.82, 2.19, 56, 17)),
        ("regnety_080_tv", y(192, 76.82, 2.19, 56, 17).with(tv)),
        ("regnety_120", y(168, 73.36, 2.37, 112, 19)),
        ("regnety_160", y(200, 106.23, 2.48, 112, 18)),
        ("regnety_320", y(232, 115.89, 2.53, 232, 20)),
        ("regnety_640", y(352, 147.48, 2.4, 328, 20)),
        ("regnety_1280", y(456, 160.83, 2.52, 264, 27)),
        ("regnety_2560", y(640, 230.83, 2.53, 373, 27)),
        ("regnetz_005", z(16, 10.7, 2.51, 4, 21, features: 1024)),
        ("regnetz_040", z(48, 14.5, 2.226, 8, 28, features: 0)),
        ("regnetz_040_h", z(48, 14.5, 2.226, 8, 28, features: 1536)),
    ]
}

// MARK: - Registration

extension RegNetVariants {
    /// Attaches a builder for every variant to `registry` under the family "regnet", with the filter
    /// that loads torchvision's and pycls's checkpoints.
    public static func register(into registry: ModelRegistry) {
        for name in names {
            registry.register(
                architecture: name, family: "regnet",
                builder: { args in
                    try makeRegNet(
                        name, numClasses: args.numClasses, inChans: args.inChans, dropRate: Float(args.dropRate),
                        dropPathRate: Float(args.dropPathRate ?? 0))
                }, checkpointFilter: RegNetCheckpoint.filter)
        }
    }
}
