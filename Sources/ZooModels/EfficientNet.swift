// EfficientNet and its relatives after timm's `timm/models/efficientnet.py`: one model class, one
// builder, and each variant an arch-definition string list (EfficientNetArchDef.swift) with
// channel/depth multipliers. Covers EfficientNet B0-B8/L2/Lite/EdgeTPU/CondConv/X/H and V2,
// MixNet, MnasNet, MobileNet V1/V2, FBNet-C, SPNASNet, TinyNet and MobileNet-EdgeTPU, with timm's
// module tree, state-dict keys and initialization. MobileNetV3.swift reuses the builder.
import Foundation
import ZooNN
import ZooRegistry
import ZooTensor

// MARK: - Builder

/// One feature map a backbone can return (timm's `feature_info` entry).
public struct EfficientNetFeature: Sendable, Equatable {
    public var channels: Int
    public var reduction: Int
    /// The module whose output it is: "bn1" (stem) or "blocks.N" (end of stage N).
    public var module: String
    /// Index into `blocks` after which the map is taken (0: the stem).
    public var stage: Int

    public var info: FeatureInfo { FeatureInfo(channels: channels, reduction: reduction, module: module) }
}

/// Turns decoded block specs into stages of blocks (timm's `EfficientNetBuilder`): rounds channels,
/// spreads drop-path rates, converts strides to dilation past the output stride, handles
/// space-to-depth regions, and records where each stage's features come out.
struct EfficientNetBuilder {
    var layers: EfficientNetLayers
    var rounding: ChannelRounding
    /// SE channels from the expanded width (MobileNetV3) rather than the block input (EfficientNet).
    var seFromExp: Bool
    var act: ActivationKind
    var dropPathRate: Float
    var outputStride = 32
    /// Pruned widths by full key (`blocks.1.0.conv_pw.weight` → [out, in]), empty when not pruned.
    var pruned: [String: [Int]] = [:]

    func build(inChannels: Int, stages specs: [[EfficientNetBlockSpec]])
        -> (stages: [Sequential], features: [EfficientNetFeature], outChannels: Int)
    {
        let total = specs.reduce(0) { $0 + $1.count }
        var index = 0, inChannels = inChannels, currentStride = 2, dilation = 1, spaceToDepth = 0
        var nominalIn = inChannels  // unpruned width, which decides skip connections
        var features: [EfficientNetFeature] = []
        if let first = specs.first?.first, first.stride > 1 || first.spaceToDepth > 0 {
            features.append(
                EfficientNetFeature(channels: inChannels, reduction: currentStride, module: "bn1", stage: 0))
        }
        var stages: [Sequential] = []
        for (stageIndex, stageSpecs) in specs.enumerated() {
            let stage = Sequential()
            for (blockIndex, original) in stageSpecs.enumerated() {
                var spec = original
                if blockIndex >= 1 { spec.stride = 1 }
                let requested = spec.spaceToDepth
                spec.spaceToDepth = 0
                if spaceToDepth == 0 && requested > 0 {
                    spaceToDepth = 1
                    currentStride *= 2
                }
                if spaceToDepth > 0 {
                    if spaceToDepth == 2 && spec.stride == 2 {
                        // The strided block ends the region: its stride and 4× expansion are undone.
                        spec.stride = 1
                        spec.expRatio /= 4
                        spaceToDepth = 0
                    } else {
                        spec.spaceToDepth = spaceToDepth
                    }
                }
                var extract = false
                if blockIndex + 1 == stageSpecs.count {
                    let next = stageIndex + 1
                    extract = next >= specs.count || (specs[next][0].stride > 1 && spaceToDepth == 0)
                }
                var nextDilation = dilation
                if spec.stride > 1 {
                    if currentStride * spec.stride > outputStride {
                        nextDilation = dilation * spec.stride
                        spec.stride = 1
                    } else {
                        currentStride *= spec.stride
                    }
                }
                spec.dilation = dilation
                dilation = nextDilation
                let prefix = "blocks.\(stageIndex).\(blockIndex)."
                let block = makeBlock(
                    spec, inChannels: inChannels, nominalIn: nominalIn, index: index, total: total,
                    prefix: prefix)
                stage.append(block)
                inChannels = block.outChannels
                nominalIn = rounding(spec.outChannels) * (spec.spaceToDepth > 0 ? 4 : 1)
                if spaceToDepth == 1 { spaceToDepth = 2 }
                if extract {
                    features.append(
                        EfficientNetFeature(
                            channels: block.outChannels, reduction: currentStride,
                            module: "blocks.\(stageIndex)", stage: stageIndex + 1))
                }
                index += 1
            }
            stages.append(stage)
        }
        return (stages, features, inChannels)
    }

    private func makeBlock(
        _ spec: EfficientNetBlockSpec, inChannels: Int, nominalIn: Int, index: Int, total: Int,
        prefix: String
    ) -> any EfficientNetBlock {
        let dropPath = dropPathRate * Float(index) / Float(total)
        var outChannels = rounding(spec.outChannels)
        if spec.spaceToDepth > 0 { outChannels *= 4 }
        let act = spec.act ?? self.act
        var seRatio: Double?
        if spec.seRatio > 0 {
            var ratio = spec.seRatio
            if !seFromExp { ratio /= spec.expRatio }
            if spec.spaceToDepth == 1 { ratio /= 4 }
            seRatio = ratio
        }
        let widths =
            pruned.isEmpty
            ? [:]
            : Dictionary(
                uniqueKeysWithValues: pruned.compactMap { key, shape in
                    key.hasPrefix(prefix) ? (String(key.dropFirst(prefix.count)), shape) : nil
                })
        switch spec.type {
        case .ir where spec.numExperts > 0:
            return CondConvResidual(
                spec, inChannels: inChannels, outChannels: outChannels, act: act, layers: layers,
                seRatio: seRatio, dropPathRate: dropPath, numExperts: spec.numExperts)
        case .ir:
            return InvertedResidual(
                spec, inChannels: inChannels, outChannels: outChannels, act: act, layers: layers,
                seRatio: seRatio, dropPathRate: dropPath, prunedWidths: widths, nominalIn: nominalIn)
        case .ds, .dsa:
            return DepthwiseSeparableConv(
                spec, inChannels: inChannels, outChannels: outChannels, act: act, layers: layers,
                seRatio: seRatio, dropPathRate: dropPath, prunedWidths: widths, nominalIn: nominalIn)
        case .er:
            let force = spec.forceInChannels > 0 ? rounding(spec.forceInChannels) : 0
            return EdgeResidual(
                spec, inChannels: inChannels, outChannels: outChannels, forceInChannels: force, act: act,
                layers: layers, seRatio: seRatio, dropPathRate: dropPath)
        case .cn:
            return ConvBnAct(
                spec, inChannels: inChannels, outChannels: outChannels, act: act, layers: layers,
                dropPathRate: dropPath)
        case .uir:
            return UniversalInvertedResidual(
                spec, inChannels: inChannels, outChannels: outChannels, act: act,
                layers: layers, seRatio: seRatio, dropPathRate: dropPath)
        case .mqa, .mha:
            return MobileAttention(
                spec, inChannels: inChannels, outChannels: outChannels, layers: layers,
                dropPathRate: dropPath)
        }
    }
}

/// The stem (`conv_stem`, `bn1`) and stages (`blocks`) EfficientNet and MobileNetV3 share.
struct EfficientNetTrunk {
    let convStem: Module
    let bn1: Module
    let blocks: [Sequential]
    let features: [EfficientNetFeature]
    let outChannels: Int

    init(_ config: EfficientNetConfig, inChans: Int, dropPathRate: Float) {
        let stem =
            config.prunedWidths["conv_stem.weight"]?[0]
            ?? (config.fixStem ? config.stemSize : config.rounding(config.stemSize))
        convStem = makePaddedConv2d(
            inChans, stem, kernelSize: config.stemKernel, stride: 2, padding: config.layers.padding)
        bn1 = config.layers.norm.make(stem, act: config.act)
        let builder = EfficientNetBuilder(
            layers: config.layers, rounding: config.rounding, seFromExp: config.seFromExp,
            act: config.act, dropPathRate: dropPathRate, pruned: config.prunedWidths)
        let built = builder.build(inChannels: stem, stages: config.stages)
        (blocks, features, outChannels) = (built.stages, built.features, built.outChannels)
    }
}

/// timm's `_init_weight_goog` (TensorFlow's initialization) over a model, then the modules' own
/// `init_weights` (MobileNetV4's attention projections).
func efficientNetInitWeights(_ model: Module) {
    guard WeightInitialization.isEnabled else { return }
    for (name, module) in model.namedModules() {
        switch module {
        case let conv as Conv2d:
            goog(conv.weight, out: conv.outChannels, kernel: conv.kernelSize.0 * conv.kernelSize.1, groups: conv.groups)
            conv.bias?.assign(Tensor.zeros(conv.bias!.shape))
        case let conv as Conv2dSame:
            goog(conv.weight, out: conv.outChannels, kernel: conv.kernelSize.0 * conv.kernelSize.1, groups: conv.groups)
            conv.bias?.assign(Tensor.zeros(conv.bias!.shape))
        case let conv as CondConv2d:
            let fanOut = conv.kernelSize * conv.kernelSize * conv.outChannels / conv.groups
            let shape = conv.weight.shape
            WeightInitialization.reinitialize(conv.weight) { rng in
                Tensor.normal(shape, std: Float((2 / Double(fanOut)).squareRoot()), using: &rng)
            }
            conv.bias?.assign(Tensor.zeros(conv.bias!.shape))
        case let linear as Linear:
            let fanIn = name.hasSuffix("routing_fn") ? linear.inFeatures : 0
            let range = Float(1 / Double(fanIn + linear.outFeatures).squareRoot())
            WeightInitialization.reinitialize(linear.weight) {
                Tensor.uniform(linear.weight.shape, low: -range, high: range, using: &$0)
            }
            linear.bias?.assign(Tensor.zeros(linear.bias!.shape))
        default: break
        }
    }
    for (_, module) in model.namedModules() {
        guard let attention = module as? MultiQueryAttention2d else { continue }
        for (key, child) in attention.namedChildren() where key.hasSuffix("proj") || key.hasSuffix("down_conv") {
            guard let conv = child as? Conv2d ?? nil else { continue }
            let (fanIn, fanOut) = Tensor.fans(conv.weight.shape)
            let bound = Float((6 / Double(fanIn + fanOut)).squareRoot())
            WeightInitialization.reinitialize(conv.weight) {
                Tensor.uniform(conv.weight.shape, low: -bound, high: bound, using: &$0)
            }
        }
    }
}

private func goog(_ weight: Tensor, out: Int, kernel: Int, groups: Int) {
    let fanOut = kernel * out / groups
    WeightInitialization.reinitialize(weight) {
        Tensor.normal(weight.shape, std: Float((2 / Double(fanOut)).squareRoot()), using: &$0)
    }
}

// MARK: - Model

/// An EfficientNet-family classifier (timm's `EfficientNet`): stem `conv_stem`/`bn1`, `blocks`
/// (one Sequential per stage), head `conv_head`/`bn2`, global pool and `classifier`.
/// ```swift
/// let model = try makeEfficientNet("efficientnet_b0", numClasses: 10)
/// let features = model.forwardFeatures(images)      // [N, 1280, H/32, W/32]
/// ```
public final class EfficientNet: Module, ClassifierModel, FeatureExtracting {
    public let config: EfficientNetConfig
    public let convStem: Module
    public let bn1: Module
    public let blocks: [Sequential]
    public let convHead: Module
    public let bn2: Module
    public let globalPool = GlobalAvgPool2d()
    public private(set) var classifier: Module

    public private(set) var numClasses: Int
    public let numFeatures: Int
    public let dropRate: Float
    /// Where features come out, as timm's `feature_info`, with the stage each is taken after.
    public let featureStages: [EfficientNetFeature]
    public var featureInfo: [FeatureInfo] { featureStages.map(\.info) }
    public var classifierName: String { "classifier" }

    /// - Parameter featuresOnly: build the backbone alone (timm's `EfficientNetFeatures`): no head,
    ///   no classifier.
    public init(
        config: EfficientNetConfig, numClasses: Int = 1000, inChans: Int = 3, dropRate: Float = 0,
        dropPathRate: Float = 0, featuresOnly: Bool = false
    ) {
        self.config = config
        self.dropRate = dropRate
        let pruned = config.prunedWidths
        let built = EfficientNetTrunk(config, inChans: inChans, dropPathRate: dropPathRate)
        (convStem, bn1, blocks, featureStages) = (built.convStem, built.bn1, built.blocks, built.features)
        if config.numFeatures > 0 && !featuresOnly {
            let head = pruned["conv_head.weight"]?[0] ?? config.numFeatures
            convHead = makePaddedConv2d(built.outChannels, head, kernelSize: 1, padding: config.layers.padding)
            bn2 = config.layers.norm.make(head, act: config.act)
            numFeatures = head
        } else {
            convHead = Identity()
            bn2 = Identity()
            numFeatures = built.outChannels
        }
        self.numClasses = featuresOnly ? 0 : numClasses
        classifier = numClasses > 0 && !featuresOnly ? Linear(numFeatures, numClasses) : Identity()
        super.init()
        efficientNetInitWeights(self)
    }

    public func forwardFeatures(_ input: Tensor) -> Tensor {
        convNormAct(convHead, bn2, blocks.reduce(convNormAct(convStem, bn1, input)) { x, stage in stage(x) })
    }

    public func forwardHead(_ features: Tensor, preLogits: Bool) -> Tensor {
        var x = globalPool(features)
        if dropRate > 0 { x = x.dropout(p: dropRate, training: isTraining) }
        return preLogits ? x : classifier(x)
    }

    public override func forward(_ input: Tensor) -> Tensor { forwardHead(forwardFeatures(input)) }

    public func resetClassifier(numClasses: Int) {
        self.numClasses = numClasses
        classifier = numClasses > 0 ? Linear(numFeatures, numClasses) : Identity()
        if numClasses > 0 { efficientNetInitWeights(classifier) }
        classifier.train(isTraining)
    }

    /// The feature maps at `indices` of `featureInfo` (timm's `features_only=True` forward).
    public func forwardIntermediates(_ input: Tensor, indices: [Int]) -> [Tensor] {
        efficientNetFeatureMaps(
            input, stem: { convNormAct(self.convStem, self.bn1, $0) }, blocks: blocks, info: featureStages,
            indices: indices)
    }
}

/// Runs stem and stages, keeping the maps `indices` of `info` asks for.
func efficientNetFeatureMaps(
    _ input: Tensor, stem: (Tensor) -> Tensor, blocks: [Sequential],
    info: [EfficientNetFeature], indices: [Int]
) -> [Tensor] {
    let wanted = Set(indices.map { info[$0].stage })
    let last = wanted.max() ?? 0
    var x = stem(input)
    var maps: [Tensor] = wanted.contains(0) ? [x] : []
    for (index, stage) in blocks.enumerated() where index < last {
        x = stage(x)
        if wanted.contains(index + 1) { maps.append(x) }
    }
    return maps
}

// MARK: - Builder function and errors

/// Builds an EfficientNet-family model by its timm name, initialized as timm's.
/// - Throws: `EfficientNetError.unknownVariant` for a name not in `EfficientNetVariants.names`.
public func makeEfficientNet(
    _ name: String, numClasses: Int = 1000, inChans: Int = 3, dropRate: Float = 0,
    dropPathRate: Float = 0, featuresOnly: Bool = false
) throws -> EfficientNet {
    guard let make = EfficientNetVariants.all[name] else {
        throw EfficientNetError.unknownVariant(name, known: EfficientNetVariants.names)
    }
    return EfficientNet(
        config: try make(), numClasses: numClasses, inChans: inChans, dropRate: dropRate,
        dropPathRate: dropPathRate, featuresOnly: featuresOnly)
}

public enum EfficientNetError: Error, CustomStringConvertible, Equatable {
    case unknownVariant(String, known: [String])

    public var description: String {
        switch self {
        case let .unknownVariant(name, known): "no variant named \"\(name)\"; known: \(known.joined(separator: ", "))"
        }
    }
}

// MARK: - Configs

/// Architecture arguments of one variant, as timm's generator functions resolve them.
public struct EfficientNetConfig: Sendable {
    public var stages: [[EfficientNetBlockSpec]]
    /// Width of the head conv (EfficientNet) or of the post-pool conv (MobileNetV3); 0: no head conv.
    public var numFeatures: Int
    public var stemSize: Int
    public var stemKernel = 3
    /// Keep the stem width unscaled by the channel multiplier.
    public var fixStem = false
    public var act: ActivationKind
    public var layers = EfficientNetLayers()
    public var rounding = ChannelRounding()
    public var seFromExp = false
    /// MobileNetV3 head: bias on the post-pool conv, and a norm after it (MobileNetV4).
    public var headBias = true
    public var headNorm = false
    /// Widths of a pruned variant (timm's `adapt_model_from_file`), by key.
    public var prunedWidths: [String: [Int]] = [:]

    public init(stages: [[EfficientNetBlockSpec]], numFeatures: Int, stemSize: Int, act: ActivationKind) {
        self.stages = stages
        self.numFeatures = numFeatures
        self.stemSize = stemSize
        self.act = act
    }

    /// timm's `bn_eps=BN_EPS_TF_DEFAULT, pad_type='same'` for ported TensorFlow weights (`tf_*`).
    func tensorFlowPorted() -> EfficientNetConfig {
        var config = self
        config.layers.norm = .batch(eps: 1e-3, momentum: 0.1)
        config.layers.padding = .same
        return config
    }

    func with(_ change: (inout EfficientNetConfig) -> Void) -> EfficientNetConfig {
        var config = self
        change(&config)
        return config
    }
}

/// The generator functions of timm's efficientnet.py, each returning a config.
enum EfficientNetGenerators {
    typealias Arch = [[String]]

    static func decode(
        _ arch: Arch, depth: Double = 1, rounding: EfficientNetArchDef.DepthRounding = .ceil,
        experts: Int = 1, fixFirstLast: Bool = false, groupSize: Int? = nil
    ) throws -> [[EfficientNetBlockSpec]] {
        try EfficientNetArchDef.decode(
            arch, depthMultiplier: [depth], depthRounding: rounding, expertsMultiplier: experts,
            fixFirstLast: fixFirstLast, groupSize: groupSize)
    }

    static func mnasnetA1(_ channel: Double) throws -> EfficientNetConfig {
        let arch = [
            ["ds_r1_k3_s1_e1_c16_noskip"], ["ir_r2_k3_s2_e6_c24"], ["ir_r3_k5_s2_e3_c40_se0.25"],
            ["ir_r4_k3_s2_e6_c80"], ["ir_r2_k3_s1_e6_c112_se0.25"], ["ir_r3_k5_s2_e6_c160_se0.25"],
            ["ir_r1_k3_s1_e6_c320"],
        ]
        return EfficientNetConfig(stages: try decode(arch), numFeatures: 1280, stemSize: 32, act: .relu)
            .with { $0.rounding.multiplier = channel }
    }

    static func mnasnetB1(_ channel: Double) throws -> EfficientNetConfig {
        let arch = [
            ["ds_r1_k3_s1_c16_noskip"], ["ir_r3_k3_s2_e3_c24"], ["ir_r3_k5_s2_e3_c40"], ["ir_r3_k5_s2_e6_c80"],
            ["ir_r2_k3_s1_e6_c96"], ["ir_r4_k5_s2_e6_c192"], ["ir_r1_k3_s1_e6_c320_noskip"],
        ]
        return EfficientNetConfig(stages: try decode(arch), numFeatures: 1280, stemSize: 32, act: .relu)
            .with { $0.rounding.multiplier = channel }
    }

    static func mnasnetSmall(_ channel: Double) throws -> EfficientNetConfig {
        let arch = [
            ["ds_r1_k3_s1_c8"], ["ir_r1_k3_s2_e3_c16"], ["ir_r2_k3_s2_e6_c16"], ["ir_r4_k5_s2_e6_c32_se0.25"],
            ["ir_r3_k3_s1_e6_c32_se0.25"], ["ir_r3_k5_s2_e6_c88_se0.25"], ["ir_r1_k3_s1_e6_c144"],
        ]
        return EfficientNetConfig(stages: try decode(arch), numFeatures: 1280, stemSize: 8, act: .relu)
            .with { $0.rounding.multiplier = channel }
    }

    static func mobilenetV1(_ channel: Double, headConv: Bool = false) throws -> EfficientNetConfig {
        let arch = [
            ["dsa_r1_k3_s1_c64"], ["dsa_r2_k3_s2_c128"], ["dsa_r2_k3_s2_c256"], ["dsa_r6_k3_s2_c512"],
            ["dsa_r2_k3_s2_c1024"],
        ]
        let rounding = ChannelRounding(multiplier: channel)
        return EfficientNetConfig(
            stages: try decode(arch), numFeatures: headConv ? max(1024, rounding(1024)) : 0,
            stemSize: 32, act: .relu6
        ).with { $0.rounding = rounding }
    }

    static func mobilenetV2(_ channel: Double, depth: Double = 1, fixStemHead: Bool = false) throws
        -> EfficientNetConfig
    {
        let arch = [
            ["ds_r1_k3_s1_c16"], ["ir_r2_k3_s2_e6_c24"], ["ir_r3_k3_s2_e6_c32"], ["ir_r4_k3_s2_e6_c64"],
            ["ir_r3_k3_s1_e6_c96"], ["ir_r3_k3_s2_e6_c160"], ["ir_r1_k3_s1_e6_c320"],
        ]
        let rounding = ChannelRounding(multiplier: channel)
        return EfficientNetConfig(
            stages: try decode(arch, depth: depth, fixFirstLast: fixStemHead),
            numFeatures: fixStemHead ? 1280 : max(1280, rounding(1280)), stemSize: 32, act: .relu6
        )
        .with {
            $0.rounding = rounding; $0.fixStem = fixStemHead
        }
    }

    static func fbnetC(_ channel: Double) throws -> EfficientNetConfig {
        let arch = [
            ["ir_r1_k3_s1_e1_c16"], ["ir_r1_k3_s2_e6_c24", "ir_r2_k3_s1_e1_c24"],
            ["ir_r1_k5_s2_e6_c32", "ir_r1_k5_s1_e3_c32", "ir_r1_k5_s1_e6_c32", "ir_r1_k3_s1_e6_c32"],
            ["ir_r1_k5_s2_e6_c64", "ir_r1_k5_s1_e3_c64", "ir_r2_k5_s1_e6_c64"],
            ["ir_r3_k5_s1_e6_c112", "ir_r1_k5_s1_e3_c112"], ["ir_r4_k5_s2_e6_c184"], ["ir_r1_k3_s1_e6_c352"],
        ]
        return EfficientNetConfig(stages: try decode(arch), numFeatures: 1984, stemSize: 16, act: .relu)
            .with { $0.rounding.multiplier = channel }
    }

    static func spnasnet(_ channel: Double) throws -> EfficientNetConfig {
        let arch = [
            ["ds_r1_k3_s1_c16_noskip"], ["ir_r3_k3_s2_e3_c24"], ["ir_r1_k5_s2_e6_c40", "ir_r3_k3_s1_e3_c40"],
            ["ir_r1_k5_s2_e6_c80", "ir_r3_k3_s1_e3_c80"], ["ir_r1_k5_s1_e6_c96", "ir_r3_k5_s1_e3_c96"],
            ["ir_r4_k5_s2_e6_c192"], ["ir_r1_k3_s1_e6_c320_noskip"],
        ]
        return EfficientNetConfig(stages: try decode(arch), numFeatures: 1280, stemSize: 32, act: .relu)
            .with { $0.rounding.multiplier = channel }
    }

    static let efficientNetArch = [
        ["ds_r1_k3_s1_e1_c16_se0.25"], ["ir_r2_k3_s2_e6_c24_se0.25"], ["ir_r2_k5_s2_e6_c40_se0.25"],
        ["ir_r3_k3_s2_e6_c80_se0.25"], ["ir_r3_k5_s1_e6_c112_se0.25"], ["ir_r4_k5_s2_e6_c192_se0.25"],
        ["ir_r1_k3_s1_e6_c320_se0.25"],
    ]

    static func efficientNet(_ channel: Double, _ depth: Double, divisor: Int = 8, groupSize: Int? = nil)
        throws -> EfficientNetConfig
    {
        let rounding = ChannelRounding(multiplier: channel, divisor: divisor)
        return EfficientNetConfig(
            stages: try decode(efficientNetArch, depth: depth, groupSize: groupSize),
            numFeatures: rounding(1280), stemSize: 32, act: .silu
        ).with { $0.rounding = rounding }
    }

    static func efficientNetEdge(_ channel: Double, _ depth: Double) throws -> EfficientNetConfig {
        let arch = [
            ["er_r1_k3_s1_e4_c24_fc24_noskip"], ["er_r2_k3_s2_e8_c32"], ["er_r4_k3_s2_e8_c48"],
            ["ir_r5_k5_s2_e8_c96"], ["ir_r4_k5_s1_e8_c144"], ["ir_r2_k5_s2_e8_c192"],
        ]
        let rounding = ChannelRounding(multiplier: channel)
        return EfficientNetConfig(
            stages: try decode(arch, depth: depth), numFeatures: rounding(1280), stemSize: 32,
            act: .relu
        ).with { $0.rounding = rounding }
    }

    static func efficientNetCondConv(_ channel: Double, _ depth: Double, experts: Int = 1) throws -> EfficientNetConfig
    {
        let arch = [
            ["ds_r1_k3_s1_e1_c16_se0.25"], ["ir_r2_k3_s2_e6_c24_se0.25"], ["ir_r2_k5_s2_e6_c40_se0.25"],
            ["ir_r3_k3_s2_e6_c80_se0.25"], ["ir_r3_k5_s1_e6_c112_se0.25_cc4"], ["ir_r4_k5_s2_e6_c192_se0.25_cc4"],
            ["ir_r1_k3_s1_e6_c320_se0.25_cc4"],
        ]
        let rounding = ChannelRounding(multiplier: channel)
        return EfficientNetConfig(
            stages: try decode(arch, depth: depth, experts: experts), numFeatures: rounding(1280),
            stemSize: 32, act: .silu
        ).with { $0.rounding = rounding }
    }

    static func efficientNetLite(_ channel: Double, _ depth: Double) throws -> EfficientNetConfig {
        let arch = [
            ["ds_r1_k3_s1_e1_c16"], ["ir_r2_k3_s2_e6_c24"], ["ir_r2_k5_s2_e6_c40"], ["ir_r3_k3_s2_e6_c80"],
            ["ir_r3_k5_s1_e6_c112"], ["ir_r4_k5_s2_e6_c192"], ["ir_r1_k3_s1_e6_c320"],
        ]
        return EfficientNetConfig(
            stages: try decode(arch, depth: depth, fixFirstLast: true), numFeatures: 1280,
            stemSize: 32, act: .relu6
        ).with {
            $0.fixStem = true; $0.rounding.multiplier = channel
        }
    }

    static func efficientNetV2Base(_ channel: Double, _ depth: Double) throws -> EfficientNetConfig {
        let arch = [
            ["cn_r1_k3_s1_e1_c16_skip"], ["er_r2_k3_s2_e4_c32"], ["er_r2_k3_s2_e4_c48"],
            ["ir_r3_k3_s2_e4_c96_se0.25"], ["ir_r5_k3_s1_e6_c112_se0.25"], ["ir_r8_k3_s2_e6_c192_se0.25"],
        ]
        let rounding = ChannelRounding(multiplier: channel, roundLimit: 0)
        return EfficientNetConfig(
            stages: try decode(arch, depth: depth), numFeatures: rounding(1280), stemSize: 32,
            act: .silu
        ).with { $0.rounding = rounding }
    }

    static func efficientNetV2S(
        _ channel: Double = 1, depth: [Double] = [1], rw: Bool = false,
        attention: EfficientNetAttention = .squeezeExcite()
    ) throws -> EfficientNetConfig {
        var arch = [
            ["cn_r2_k3_s1_e1_c24_skip"], ["er_r4_k3_s2_e4_c48"], ["er_r4_k3_s2_e4_c64"],
            ["ir_r6_k3_s2_e4_c128_se0.25"], ["ir_r9_k3_s1_e6_c160_se0.25"], ["ir_r15_k3_s2_e6_c256_se0.25"],
        ]
        var numFeatures = 1280
        if rw {
            arch[0] = ["er_r2_k3_s1_e1_c24"]
            arch[arch.count - 1] = ["ir_r15_k3_s2_e6_c272_se0.25"]
            numFeatures = 1792
        }
        let rounding = ChannelRounding(multiplier: channel)
        let stages = try EfficientNetArchDef.decode(arch, depthMultiplier: depth)
        return EfficientNetConfig(stages: stages, numFeatures: rounding(numFeatures), stemSize: 24, act: .silu)
            .with {
                $0.rounding = rounding; $0.layers.attention = attention
            }
    }

    static func efficientNetV2(_ arch: Arch, stemSize: Int) throws -> EfficientNetConfig {
        EfficientNetConfig(stages: try decode(arch), numFeatures: 1280, stemSize: stemSize, act: .silu)
    }

    static let efficientNetV2M = [
        ["cn_r3_k3_s1_e1_c24_skip"], ["er_r5_k3_s2_e4_c48"], ["er_r5_k3_s2_e4_c80"],
        ["ir_r7_k3_s2_e4_c160_se0.25"], ["ir_r14_k3_s1_e6_c176_se0.25"],
        ["ir_r18_k3_s2_e6_c304_se0.25"], ["ir_r5_k3_s1_e6_c512_se0.25"],
    ]
    static let efficientNetV2L = [
        ["cn_r4_k3_s1_e1_c32_skip"], ["er_r7_k3_s2_e4_c64"], ["er_r7_k3_s2_e4_c96"],
        ["ir_r10_k3_s2_e4_c192_se0.25"], ["ir_r19_k3_s1_e6_c224_se0.25"],
        ["ir_r25_k3_s2_e6_c384_se0.25"], ["ir_r7_k3_s1_e6_c640_se0.25"],
    ]
    static let efficientNetV2XL = [
        ["cn_r4_k3_s1_e1_c32_skip"], ["er_r8_k3_s2_e4_c64"], ["er_r8_k3_s2_e4_c96"],
        ["ir_r16_k3_s2_e4_c192_se0.25"], ["ir_r24_k3_s1_e6_c256_se0.25"],
        ["ir_r32_k3_s2_e6_c512_se0.25"], ["ir_r8_k3_s1_e6_c640_se0.25"],
    ]

    static func efficientNetX(_ channel: Double, _ depth: Double, version: Int = 1) throws -> EfficientNetConfig {
        let e = version == 1 ? 6 : 4
        let arch = [
            ["ds_r1_k3_s1_e1_c16_se0.25_d1"], ["er_r2_k3_s2_e\(e)_c24_se0.25_nre"],
            ["er_r2_k5_s2_e\(e)_c40_se0.25_nre"], ["ir_r3_k3_s2_e\(e)_c80_se0.25"], ["ir_r3_k5_s1_e6_c112_se0.25"],
            ["ir_r4_k5_s2_e6_c192_se0.25"], ["ir_r1_k3_s1_e6_c320_se0.25"],
        ]
        let rounding = ChannelRounding(multiplier: channel)
        return EfficientNetConfig(
            stages: try decode(arch, depth: depth), numFeatures: rounding(1280), stemSize: 32,
            act: .silu
        ).with { $0.rounding = rounding }
    }

    static func mixnetS(_ channel: Double) throws -> EfficientNetConfig {
        let arch = [
            ["ds_r1_k3_s1_e1_c16"], ["ir_r1_k3_a1.1_p1.1_s2_e6_c24", "ir_r1_k3_a1.1_p1.1_s1_e3_c24"],
            ["ir_r1_k3.5.7_s2_e6_c40_se0.5_nsw", "ir_r3_k3.5_a1.1_p1.1_s1_e6_c40_se0.5_nsw"],
            ["ir_r1_k3.5.7_p1.1_s2_e6_c80_se0.25_nsw", "ir_r2_k3.5_p1.1_s1_e6_c80_se0.25_nsw"],
            ["ir_r1_k3.5.7_a1.1_p1.1_s1_e6_c120_se0.5_nsw", "ir_r2_k3.5.7.9_a1.1_p1.1_s1_e3_c120_se0.5_nsw"],
            ["ir_r1_k3.5.7.9.11_s2_e6_c200_se0.5_nsw", "ir_r2_k3.5.7.9_p1.1_s1_e6_c200_se0.5_nsw"],
        ]
        return EfficientNetConfig(stages: try decode(arch), numFeatures: 1536, stemSize: 16, act: .relu)
            .with { $0.rounding.multiplier = channel }
    }

    static func mixnetM(_ channel: Double, depth: Double = 1) throws -> EfficientNetConfig {
        let arch = [
            ["ds_r1_k3_s1_e1_c24"], ["ir_r1_k3.5.7_a1.1_p1.1_s2_e6_c32", "ir_r1_k3_a1.1_p1.1_s1_e3_c32"],
            ["ir_r1_k3.5.7.9_s2_e6_c40_se0.5_nsw", "ir_r3_k3.5_a1.1_p1.1_s1_e6_c40_se0.5_nsw"],
            ["ir_r1_k3.5.7_s2_e6_c80_se0.25_nsw", "ir_r3_k3.5.7.9_a1.1_p1.1_s1_e6_c80_se0.25_nsw"],
            ["ir_r1_k3_s1_e6_c120_se0.5_nsw", "ir_r3_k3.5.7.9_a1.1_p1.1_s1_e3_c120_se0.5_nsw"],
            ["ir_r1_k3.5.7.9_s2_e6_c200_se0.5_nsw", "ir_r3_k3.5.7.9_p1.1_s1_e6_c200_se0.5_nsw"],
        ]
        return EfficientNetConfig(
            stages: try decode(arch, depth: depth, rounding: .round), numFeatures: 1536, stemSize: 24,
            act: .relu
        ).with { $0.rounding.multiplier = channel }
    }

    static func tinynet(_ width: Double, _ depth: Double) throws -> EfficientNetConfig {
        EfficientNetConfig(
            stages: try decode(efficientNetArch, depth: depth, rounding: .round),
            numFeatures: max(1280, ChannelRounding(multiplier: width)(1280)), stemSize: 32, act: .silu
        )
        .with {
            $0.fixStem = true; $0.rounding.multiplier = width
        }
    }

    static func mobilenetEdgeTPU(_ variant: String) throws -> EfficientNetConfig {
        var stemSize = 32, stemKernel = 3, numFeatures = 1280
        let arch: Arch
        if variant.contains("edgetpu_v2") {
            stemSize = 64
            stemKernel = 5
            var groupSize = 64
            let channels: [Int]
            if variant.contains("edgetpu_v2_xs") {
                (stemSize, stemKernel) = (32, 3)
                channels = [16, 32, 48, 96, 144, 160, 192]
            } else if variant.contains("edgetpu_v2_s") {
                channels = [24, 48, 64, 128, 160, 192, 256]
            } else if variant.contains("edgetpu_v2_m") {
                channels = [32, 64, 80, 160, 192, 240, 320]
                numFeatures = 1344
            } else {
                stemKernel = 7
                groupSize = 128
                channels = [32, 64, 96, 192, 240, 256, 384]
                numFeatures = 1408
            }
            let c = channels, g = groupSize
            arch = [
                ["cn_r1_k1_s1_c\(c[0])"],
                ["er_r1_k3_s2_e8_c\(c[1])", "er_r1_k3_s1_e4_gs\(g)_c\(c[1])"],
                [
                    "er_r1_k3_s2_e8_c\(c[2])", "er_r1_k3_s1_e4_gs\(g)_c\(c[2])", "er_r1_k3_s1_e4_c\(c[2])",
                    "er_r1_k3_s1_e4_gs\(g)_c\(c[2])",
                ],
                ["er_r1_k3_s2_e8_c\(c[3])", "ir_r3_k3_s1_e4_c\(c[3])"],
                ["ir_r1_k3_s1_e8_c\(c[4])", "ir_r3_k3_s1_e4_c\(c[4])"],
                ["ir_r1_k3_s2_e8_c\(c[5])", "ir_r3_k3_s1_e4_c\(c[5])"],
                ["ir_r1_k3_s1_e8_c\(c[6])"],
            ]
        } else {
            arch = [
                ["cn_r1_k1_s1_c16"], ["er_r1_k3_s2_e8_c32", "er_r3_k3_s1_e4_c32"],
                ["er_r1_k3_s2_e8_c48", "er_r3_k3_s1_e4_c48"], ["ir_r1_k3_s2_e8_c96", "ir_r3_k3_s1_e4_c96"],
                ["ir_r1_k3_s1_e8_c96_noskip", "ir_r3_k3_s1_e4_c96"], ["ir_r1_k5_s2_e8_c160", "ir_r3_k5_s1_e4_c160"],
                ["ir_r1_k3_s1_e8_c192"],
            ]
        }
        return EfficientNetConfig(stages: try decode(arch), numFeatures: numFeatures, stemSize: stemSize, act: .relu)
            .with { $0.stemKernel = stemKernel }
    }

    static func testEfficientNet() throws -> EfficientNetConfig {
        let arch = [
            ["cn_r1_k3_s1_e1_c16_skip"], ["er_r1_k3_s2_e4_c24"], ["er_r1_k3_s2_e4_c32"],
            ["ir_r1_k3_s2_e4_c48_se0.25"], ["ir_r1_k3_s2_e4_c64_se0.25"],
        ]
        let rounding = ChannelRounding(roundLimit: 0)
        return EfficientNetConfig(stages: try decode(arch), numFeatures: rounding(256), stemSize: 24, act: .silu)
            .with { $0.rounding = rounding }
    }
}

// MARK: - Variants

/// Every architecture of timm's `efficientnet` module by name (timm's order), as config makers.
public enum EfficientNetVariants {
    public static let names: [String] = table.map(\.0)
    public static let all: [String: @Sendable () throws -> EfficientNetConfig] = Dictionary(uniqueKeysWithValues: table)

    typealias G = EfficientNetGenerators

    private static let table: [(String, @Sendable () throws -> EfficientNetConfig)] = [
        ("efficientnet_b0", { try G.efficientNet(1.0, 1.0) }),
        (
            "efficientnet_b0_g8_gn",
            { try G.efficientNet(1.0, 1.0, groupSize: 8).with { $0.layers.norm = .group(groupSize: 8) } }
        ),
        ("efficientnet_b0_g16_evos", { try G.efficientNet(1.0, 1.0, divisor: 16, groupSize: 16) }),
        ("efficientnet_b0_gn", { try G.efficientNet(1.0, 1.0).with { $0.layers.norm = .group(groupSize: 8) } }),
        ("efficientnet_b1", { try G.efficientNet(1.0, 1.1) }),
        (
            "efficientnet_b1_pruned",
            { try G.efficientNet(1.0, 1.1).tensorFlowPorted().pruned("efficientnet_b1_pruned") }
        ),
        ("efficientnet_b2", { try G.efficientNet(1.1, 1.2) }),
        (
            "efficientnet_b2_pruned",
            { try G.efficientNet(1.1, 1.2).tensorFlowPorted().pruned("efficientnet_b2_pruned") }
        ),
        ("efficientnet_b3", { try G.efficientNet(1.2, 1.4) }),
        (
            "efficientnet_b3_g8_gn",
            {
                try G.efficientNet(1.2, 1.4, divisor: 16, groupSize: 8).with { $0.layers.norm = .group(groupSize: 16) }
            }
        ),
        (
            "efficientnet_b3_gn",
            { try G.efficientNet(1.2, 1.4, divisor: 16).with { $0.layers.norm = .group(groupSize: 16) } }
        ),
        (
            "efficientnet_b3_pruned",
            { try G.efficientNet(1.2, 1.4).tensorFlowPorted().pruned("efficientnet_b3_pruned") }
        ),
        ("efficientnet_b4", { try G.efficientNet(1.4, 1.8) }),
        ("efficientnet_b5", { try G.efficientNet(1.6, 2.2) }),
        ("efficientnet_b6", { try G.efficientNet(1.8, 2.6) }),
        ("efficientnet_b7", { try G.efficientNet(2.0, 3.1) }),
        ("efficientnet_b8", { try G.efficientNet(2.2, 3.6) }),
        ("efficientnet_blur_b0", { try G.efficientNet(1.0, 1.0).with { $0.layers.antiAlias = .blurpc } }),
        ("efficientnet_cc_b0_4e", { try G.efficientNetCondConv(1.0, 1.0) }),
        ("efficientnet_cc_b0_8e", { try G.efficientNetCondConv(1.0, 1.0, experts: 2) }),
        ("efficientnet_cc_b1_8e", { try G.efficientNetCondConv(1.0, 1.1, experts: 2) }),
        ("efficientnet_el", { try G.efficientNetEdge(1.2, 1.4) }),
        ("efficientnet_el_pruned", { try G.efficientNetEdge(1.2, 1.4) }),
        ("efficientnet_em", { try G.efficientNetEdge(1.0, 1.1) }),
        ("efficientnet_es", { try G.efficientNetEdge(1.0, 1.0) }),
        ("efficientnet_es_pruned", { try G.efficientNetEdge(1.0, 1.0) }),
        ("efficientnet_h_b5", { try G.efficientNetX(1.92, 2.2, version: 2) }),
        ("efficientnet_l2", { try G.efficientNet(4.3, 5.3) }),
        ("efficientnet_lite0", { try G.efficientNetLite(1.0, 1.0) }),
        ("efficientnet_lite1", { try G.efficientNetLite(1.0, 1.1) }),
        ("efficientnet_lite2", { try G.efficientNetLite(1.1, 1.2) }),
        ("efficientnet_lite3", { try G.efficientNetLite(1.2, 1.4) }),
        ("efficientnet_lite4", { try G.efficientNetLite(1.4, 1.8) }),
        ("efficientnet_x_b3", { try G.efficientNetX(1.2, 1.4) }),
        ("efficientnet_x_b5", { try G.efficientNetX(1.6, 2.2) }),
        ("efficientnetv2_l", { try G.efficientNetV2(G.efficientNetV2L, stemSize: 32) }),
        ("efficientnetv2_m", { try G.efficientNetV2(G.efficientNetV2M, stemSize: 24) }),
        ("efficientnetv2_rw_m", { try G.efficientNetV2S(1.2, depth: [1.2, 1.2, 1.2, 1.2, 1.6, 1.6], rw: true) }),
        ("efficientnetv2_rw_s", { try G.efficientNetV2S(rw: true) }),
        ("efficientnetv2_rw_t", { try G.efficientNetV2S(0.8, depth: [0.9]) }),
        ("efficientnetv2_s", { try G.efficientNetV2S() }),
        ("efficientnetv2_xl", { try G.efficientNetV2(G.efficientNetV2XL, stemSize: 32) }),
        ("fbnetc_100", { try G.fbnetC(1.0) }),
        ("gc_efficientnetv2_rw_t", { try G.efficientNetV2S(0.8, depth: [0.9], attention: .globalContext) }),
        ("mixnet_l", { try G.mixnetM(1.3) }),
        ("mixnet_m", { try G.mixnetM(1.0) }),
        ("mixnet_s", { try G.mixnetS(1.0) }),
        ("mixnet_xl", { try G.mixnetM(1.6, depth: 1.2) }),
        ("mixnet_xxl", { try G.mixnetM(2.4, depth: 1.3) }),
        ("mnasnet_050", { try G.mnasnetB1(0.5) }),
        ("mnasnet_075", { try G.mnasnetB1(0.75) }),
        ("mnasnet_100", { try G.mnasnetB1(1.0) }),
        ("mnasnet_140", { try G.mnasnetB1(1.4) }),
        ("mnasnet_small", { try G.mnasnetSmall(1.0) }),
        ("mobilenet_edgetpu_100", { try G.mobilenetEdgeTPU("mobilenet_edgetpu_100") }),
        ("mobilenet_edgetpu_v2_l", { try G.mobilenetEdgeTPU("mobilenet_edgetpu_v2_l") }),
        ("mobilenet_edgetpu_v2_m", { try G.mobilenetEdgeTPU("mobilenet_edgetpu_v2_m") }),
        ("mobilenet_edgetpu_v2_s", { try G.mobilenetEdgeTPU("mobilenet_edgetpu_v2_s") }),
        ("mobilenet_edgetpu_v2_xs", { try G.mobilenetEdgeTPU("mobilenet_edgetpu_v2_xs") }),
        ("mobilenetv1_100", { try G.mobilenetV1(1.0) }),
        ("mobilenetv1_100h", { try G.mobilenetV1(1.0, headConv: true) }),
        ("mobilenetv1_125", { try G.mobilenetV1(1.25) }),
        ("mobilenetv2_035", { try G.mobilenetV2(0.35) }),
        ("mobilenetv2_050", { try G.mobilenetV2(0.5) }),
        ("mobilenetv2_075", { try G.mobilenetV2(0.75) }),
        ("mobilenetv2_100", { try G.mobilenetV2(1.0) }),
        ("mobilenetv2_110d", { try G.mobilenetV2(1.1, depth: 1.2, fixStemHead: true) }),
        ("mobilenetv2_120d", { try G.mobilenetV2(1.2, depth: 1.4, fixStemHead: true) }),
        ("mobilenetv2_140", { try G.mobilenetV2(1.4) }),
        ("semnasnet_050", { try G.mnasnetA1(0.5) }),
        ("semnasnet_075", { try G.mnasnetA1(0.75) }),
        ("semnasnet_100", { try G.mnasnetA1(1.0) }),
        ("semnasnet_140", { try G.mnasnetA1(1.4) }),
        ("spnasnet_100", { try G.spnasnet(1.0) }),
        ("test_efficientnet", { try G.testEfficientNet() }),
        ("test_efficientnet_evos", { try G.testEfficientNet().with { $0.layers.norm = .evoS0(groupSize: 8) } }),
        ("test_efficientnet_gn", { try G.testEfficientNet().with { $0.layers.norm = .group(groupSize: 8) } }),
        ("test_efficientnet_ln", { try G.testEfficientNet().with { $0.layers.norm = .layer } }),
        ("tf_efficientnet_b0", { try G.efficientNet(1.0, 1.0).tensorFlowPorted() }),
        ("tf_efficientnet_b1", { try G.efficientNet(1.0, 1.1).tensorFlowPorted() }),
        ("tf_efficientnet_b2", { try G.efficientNet(1.1, 1.2).tensorFlowPorted() }),
        ("tf_efficientnet_b3", { try G.efficientNet(1.2, 1.4).tensorFlowPorted() }),
        ("tf_efficientnet_b4", { try G.efficientNet(1.4, 1.8).tensorFlowPorted() }),
        ("tf_efficientnet_b5", { try G.efficientNet(1.6, 2.2).tensorFlowPorted() }),
        ("tf_efficientnet_b6", { try G.efficientNet(1.8, 2.6).tensorFlowPorted() }),
        ("tf_efficientnet_b7", { try G.efficientNet(2.0, 3.1).tensorFlowPorted() }),
        ("tf_efficientnet_b8", { try G.efficientNet(2.2, 3.6).tensorFlowPorted() }),
        ("tf_efficientnet_cc_b0_4e", { try G.efficientNetCondConv(1.0, 1.0).tensorFlowPorted() }),
        ("tf_efficientnet_cc_b0_8e", { try G.efficientNetCondConv(1.0, 1.0, experts: 2).tensorFlowPorted() }),
        ("tf_efficientnet_cc_b1_8e", { try G.efficientNetCondConv(1.0, 1.1, experts: 2).tensorFlowPorted() }),
        ("tf_efficientnet_el", { try G.efficientNetEdge(1.2, 1.4).tensorFlowPorted() }),
        ("tf_efficientnet_em", { try G.efficientNetEdge(1.0, 1.1).tensorFlowPorted() }),
        ("tf_efficientnet_es", { try G.efficientNetEdge(1.0, 1.0).tensorFlowPorted() }),
        ("tf_efficientnet_l2", { try G.efficientNet(4.3, 5.3).tensorFlowPorted() }),
        ("tf_efficientnet_lite0", { try G.efficientNetLite(1.0, 1.0).tensorFlowPorted() }),
        ("tf_efficientnet_lite1", { try G.efficientNetLite(1.0, 1.1).tensorFlowPorted() }),
        ("tf_efficientnet_lite2", { try G.efficientNetLite(1.1, 1.2).tensorFlowPorted() }),
        ("tf_efficientnet_lite3", { try G.efficientNetLite(1.2, 1.4).tensorFlowPorted() }),
        ("tf_efficientnet_lite4", { try G.efficientNetLite(1.4, 1.8).tensorFlowPorted() }),
        ("tf_efficientnetv2_b0", { try G.efficientNetV2Base(1.0, 1.0).tensorFlowPorted() }),
        ("tf_efficientnetv2_b1", { try G.efficientNetV2Base(1.0, 1.1).tensorFlowPorted() }),
        ("tf_efficientnetv2_b2", { try G.efficientNetV2Base(1.1, 1.2).tensorFlowPorted() }),
        ("tf_efficientnetv2_b3", { try G.efficientNetV2Base(1.2, 1.4).tensorFlowPorted() }),
        ("tf_efficientnetv2_l", { try G.efficientNetV2(G.efficientNetV2L, stemSize: 32).tensorFlowPorted() }),
        ("tf_efficientnetv2_m", { try G.efficientNetV2(G.efficientNetV2M, stemSize: 24).tensorFlowPorted() }),
        ("tf_efficientnetv2_s", { try G.efficientNetV2S().tensorFlowPorted() }),
        ("tf_efficientnetv2_xl", { try G.efficientNetV2(G.efficientNetV2XL, stemSize: 32).tensorFlowPorted() }),
        ("tf_mixnet_l", { try G.mixnetM(1.3).tensorFlowPorted() }),
        ("tf_mixnet_m", { try G.mixnetM(1.0).tensorFlowPorted() }),
        ("tf_mixnet_s", { try G.mixnetS(1.0).tensorFlowPorted() }),
        ("tinynet_a", { try G.tinynet(1.0, 1.2) }),
        ("tinynet_b", { try G.tinynet(0.75, 1.1) }),
        ("tinynet_c", { try G.tinynet(0.54, 0.85) }),
        ("tinynet_d", { try G.tinynet(0.54, 0.695) }),
        ("tinynet_e", { try G.tinynet(0.51, 0.6) }),
    ]
}

extension EfficientNetConfig {
    /// A pruned variant's widths, from the shape table timm ships in `_pruned/NAME.txt`.
    func pruned(_ name: String) -> EfficientNetConfig {
        with { $0.prunedWidths = EfficientNetPrunedWidths.table(name) }
    }
}

// MARK: - Registration

extension EfficientNetVariants {
    /// Attaches a builder for every variant to `registry` under the family "efficientnet".
    public static func register(into registry: ModelRegistry) {
        for name in names {
            // A torchvision checkpoint of the same architecture (efficientnet_b0…b4, mobilenet_v2,
            // mnasnet0_5/0_75/1_0) loads through the filter.
            registry.register(
                architecture: name, family: "efficientnet",
                builder: { args in
                    try makeEfficientNet(
                        name, numClasses: args.numClasses, inChans: args.inChans,
                        dropRate: Float(args.dropRate), dropPathRate: Float(args.dropPathRate ?? 0))
                }, checkpointFilter: TorchvisionMobileCheckpoint.filter { try makeEfficientNet(name) })
        }
    }
}
