// MobileNetV3 and the models sharing its "efficient head" after timm's `timm/models/mobilenetv3.py`:
// MobileNetV3 (and the `tf_` ports), FBNetV3, LCNet and MobileNetV4 (conv and hybrid). Blocks
// and builder are EfficientNet's (EfficientNetBlocks.swift, EfficientNet.swift); the head pools
// first, then a 1×1 conv (with a norm on MobileNetV4), an activation and the classifier.
import ZooNN
import ZooRegistry
import ZooTensor

/// A MobileNetV3-family classifier (timm's `MobileNetV3`): `conv_stem`, `bn1`, `blocks`, then
/// global pool, `conv_head`, `norm_head`, activation and `classifier`.
/// ```swift
/// let model = try makeMobileNetV3("mobilenetv3_large_100", numClasses: 10)
/// ```
public final class MobileNetV3: Module, ClassifierModel, FeatureExtracting {
    public let config: EfficientNetConfig
    public let convStem: Module
    public let bn1: Module
    public let blocks: [Sequential]
    public let globalPool = GlobalAvgPool2d(flatten: false)
    public let convHead: Module
    public let normHead: Module
    public let act2: Module
    public let flatten = Flatten()
    public private(set) var classifier: Module

    public private(set) var numClasses: Int
    /// Channels of `forwardFeatures`' output (the last stage's).
    public let numFeatures: Int
    /// Width of the post-pool conv, the classifier's input.
    public let headHiddenSize: Int
    public let dropRate: Float
    /// Where features come out, as timm's `feature_info`, with the stage each is taken after.
    public let featureStages: [EfficientNetFeature]
    public var featureInfo: [FeatureInfo] { featureStages.map(\.info) }
    public var classifierName: String { "classifier" }

    public init(
        config: EfficientNetConfig, numClasses: Int = 1000, inChans: Int = 3, dropRate: Float = 0,
        dropPathRate: Float = 0, featuresOnly: Bool = false
    ) {
        self.config = config
        self.dropRate = dropRate
        let built = EfficientNetTrunk(config, inChans: inChans, dropPathRate: dropPathRate)
        (convStem, bn1, blocks, featureStages) = (built.convStem, built.bn1, built.blocks, built.features)
        numFeatures = built.outChannels
        headHiddenSize = config.numFeatures
        if featuresOnly {
            (convHead, normHead, act2) = (Identity(), Identity(), Identity())
        } else if config.headNorm {
            convHead = makePaddedConv2d(
                numFeatures, headHiddenSize, kernelSize: 1, bias: false, padding: config.layers.padding)
            normHead = config.layers.norm.make(headHiddenSize, act: config.act)
            act2 = Identity()
        } else {
            convHead = makePaddedConv2d(
                numFeatures, headHiddenSize, kernelSize: 1, bias: config.headBias,
                padding: config.layers.padding)
            normHead = Identity()
            act2 = config.act.make()
        }
        self.numClasses = featuresOnly ? 0 : numClasses
        classifier = numClasses > 0 && !featuresOnly ? Linear(headHiddenSize, numClasses) : Identity()
        super.init()
        efficientNetInitWeights(self)
    }

    public func forwardFeatures(_ input: Tensor) -> Tensor {
        blocks.reduce(convNormAct(convStem, bn1, input)) { x, stage in stage(x) }
    }

    public func forwardHead(_ features: Tensor, preLogits: Bool) -> Tensor {
        var x = flatten(act2(normHead(convHead(globalPool(features)))))
        if dropRate > 0 { x = x.dropout(p: dropRate, training: isTraining) }
        return preLogits ? x : classifier(x)
    }

    public override func forward(_ input: Tensor) -> Tensor { forwardHead(forwardFeatures(input)) }

    public func resetClassifier(numClasses: Int) {
        self.numClasses = numClasses
        classifier = numClasses > 0 ? Linear(headHiddenSize, numClasses) : Identity()
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

/// Builds a MobileNetV3-family model by its timm name, initialized as timm's.
public func makeMobileNetV3(
    _ name: String, numClasses: Int = 1000, inChans: Int = 3, dropRate: Float = 0,
    dropPathRate: Float = 0, featuresOnly: Bool = false
) throws -> MobileNetV3 {
    guard let make = MobileNetV3Variants.all[name] else {
        throw EfficientNetError.unknownVariant(name, known: MobileNetV3Variants.names)
    }
    return MobileNetV3(
        config: try make(), numClasses: numClasses, inChans: inChans, dropRate: dropRate,
        dropPathRate: dropPathRate, featuresOnly: featuresOnly)
}

/// The generator functions of timm's mobilenetv3.py.
enum MobileNetV3Generators {
    typealias G = EfficientNetGenerators

    static func mobilenetV3RW(_ channel: Double) throws -> EfficientNetConfig {
        let arch = [
            ["ds_r1_k3_s1_e1_c16_nre_noskip"], ["ir_r1_k3_s2_e4_c24_nre", "ir_r1_k3_s1_e3_c24_nre"],
            ["ir_r3_k5_s2_e3_c40_se0.25_nre"], ["ir_r1_k3_s2_e6_c80", "ir_r1_k3_s1_e2.5_c80", "ir_r2_k3_s1_e2.3_c80"],
            ["ir_r2_k3_s1_e6_c112_se0.25"], ["ir_r3_k5_s2_e6_c160_se0.25"], ["cn_r1_k1_s1_c960"],
        ]
        return EfficientNetConfig(stages: try G.decode(arch), numFeatures: 1280, stemSize: 16, act: .hardSwish).with {
            $0.headBias = false
            $0.rounding.multiplier = channel
            $0.seFromExp = true
            $0.layers.attention = .squeezeExcite(gate: .hardSigmoid)
        }
    }

    static func mobilenetV3(_ variant: String, _ channel: Double, depth: Double = 1) throws -> EfficientNetConfig {
        let numFeatures: Int
        let act: ActivationKind
        let arch: [[String]]
        if variant.contains("small") {
            numFeatures = 1024
            if variant.contains("minimal") {
                act = .relu
                arch = [
                    ["ds_r1_k3_s2_e1_c16"], ["ir_r1_k3_s2_e4.5_c24", "ir_r1_k3_s1_e3.67_c24"],
                    ["ir_r1_k3_s2_e4_c40", "ir_r2_k3_s1_e6_c40"], ["ir_r2_k3_s1_e3_c48"], ["ir_r3_k3_s2_e6_c96"],
                    ["cn_r1_k1_s1_c576"],
                ]
            } else {
                act = .hardSwish
                arch = [
                    ["ds_r1_k3_s2_e1_c16_se0.25_nre"], ["ir_r1_k3_s2_e4.5_c24_nre", "ir_r1_k3_s1_e3.67_c24_nre"],
                    ["ir_r1_k5_s2_e4_c40_se0.25", "ir_r2_k5_s1_e6_c40_se0.25"], ["ir_r2_k5_s1_e3_c48_se0.25"],
                    ["ir_r3_k5_s2_e6_c96_se0.25"], ["cn_r1_k1_s1_c576"],
                ]
            }
        } else {
            numFeatures = 1280
            if variant.contains("minimal") {
                act = .relu
                arch = [
                    ["ds_r1_k3_s1_e1_c16"], ["ir_r1_k3_s2_e4_c24", "ir_r1_k3_s1_e3_c24"], ["ir_r3_k3_s2_e3_c40"],
                    ["ir_r1_k3_s2_e6_c80", "ir_r1_k3_s1_e2.5_c80", "ir_r2_k3_s1_e2.3_c80"], ["ir_r2_k3_s1_e6_c112"],
                    ["ir_r3_k3_s2_e6_c160"], ["cn_r1_k1_s1_c960"],
                ]
            } else {
                act = .hardSwish
                arch = [
                    ["ds_r1_k3_s1_e1_c16_nre"], ["ir_r1_k3_s2_e4_c24_nre", "ir_r1_k3_s1_e3_c24_nre"],
                    ["ir_r3_k5_s2_e3_c40_se0.25_nre"],
                    ["ir_r1_k3_s2_e6_c80", "ir_r1_k3_s1_e2.5_c80", "ir_r2_k3_s1_e2.3_c80"],
                    ["ir_r2_k3_s1_e6_c112_se0.25"], ["ir_r3_k5_s2_e6_c160_se0.25"], ["cn_r1_k1_s1_c960"],
                ]
            }
        }
        return EfficientNetConfig(
            stages: try G.decode(arch, depth: depth), numFeatures: numFeatures, stemSize: 16,
            act: act
        ).with {
            $0.fixStem = channel < 0.75
            $0.rounding.multiplier = channel
            $0.seFromExp = true
            $0.layers.attention = .squeezeExcite(gate: .hardSigmoid, forceAct: .relu, rounding: ChannelRounding())
        }
    }

    static func fbnetV3(_ variant: String) throws -> EfficientNetConfig {
        let stemSize: Int
        let arch: [[String]]
        switch variant.split(separator: "_").last! {
        case "a", "b":
            stemSize = 16
            arch = [
                ["ds_r2_k3_s1_e1_c16"], ["ir_r1_k5_s2_e4_c24", "ir_r3_k5_s1_e2_c24"],
                ["ir_r1_k5_s2_e5_c40_se0.25", "ir_r4_k5_s1_e3_c40_se0.25"],
                ["ir_r1_k5_s2_e5_c72", "ir_r4_k3_s1_e3_c72"],
                ["ir_r1_k3_s1_e5_c120_se0.25", "ir_r5_k5_s1_e3_c120_se0.25"],
                ["ir_r1_k3_s2_e6_c184_se0.25", "ir_r5_k5_s1_e4_c184_se0.25", "ir_r1_k5_s1_e6_c224_se0.25"],
                ["cn_r1_k1_s1_c1344"],
            ]
        case "d":
            stemSize = 24
            arch = [
                ["ds_r2_k3_s1_e1_c16"], ["ir_r1_k3_s2_e5_c24", "ir_r5_k3_s1_e2_c24"],
                ["ir_r1_k5_s2_e4_c40_se0.25", "ir_r4_k3_s1_e3_c40_se0.25"],
                ["ir_r1_k3_s2_e5_c72", "ir_r4_k3_s1_e3_c72"],
                ["ir_r1_k3_s1_e5_c128_se0.25", "ir_r6_k5_s1_e3_c128_se0.25"],
                ["ir_r1_k3_s2_e6_c208_se0.25", "ir_r5_k5_s1_e5_c208_se0.25", "ir_r1_k5_s1_e6_c240_se0.25"],
                ["cn_r1_k1_s1_c1440"],
            ]
        default:
            stemSize = 32
            arch = [
                ["ds_r3_k3_s1_e1_c24"], ["ir_r1_k5_s2_e4_c40", "ir_r4_k5_s1_e2_c40"],
                ["ir_r1_k5_s2_e4_c56_se0.25", "ir_r4_k5_s1_e3_c56_se0.25"],
                ["ir_r1_k5_s2_e5_c104", "ir_r4_k3_s1_e3_c104"],
                ["ir_r1_k3_s1_e5_c160_se0.25", "ir_r8_k5_s1_e3_c160_se0.25"],
                ["ir_r1_k3_s2_e6_c264_se0.25", "ir_r6_k5_s1_e5_c264_se0.25", "ir_r2_k5_s1_e6_c288_se0.25"],
                ["cn_r1_k1_s1_c1728"],
            ]
        }
        let rounding = ChannelRounding(roundLimit: 0.95)
        return EfficientNetConfig(stages: try G.decode(arch), numFeatures: 1984, stemSize: stemSize, act: .hardSwish)
            .with {
                $0.headBias = false
                $0.rounding = rounding
                $0.seFromExp = false
                $0.layers.attention = .squeezeExcite(gate: .hardSigmoid, rounding: rounding)
            }
    }

    static func lcnet(_ channel: Double) throws -> EfficientNetConfig {
        let arch = [
            ["dsa_r1_k3_s1_c32"], ["dsa_r2_k3_s2_c64"], ["dsa_r2_k3_s2_c128"],
            ["dsa_r1_k3_s2_c256", "dsa_r1_k5_s1_c256"],
            ["dsa_r4_k5_s1_c256"], ["dsa_r2_k5_s2_c512_se0.25"],
        ]
        return EfficientNetConfig(stages: try G.decode(arch), numFeatures: 1280, stemSize: 16, act: .hardSwish).with {
            $0.rounding.multiplier = channel
            $0.seFromExp = true
            $0.layers.attention = .squeezeExcite(gate: .hardSigmoid, forceAct: .relu)
        }
    }

    static func mobilenetV4(_ variant: String, _ channel: Double, antiAlias: EfficientNetAntiAlias? = nil)
        throws -> EfficientNetConfig
    {
        var layerScale: Float?
        let stemSize: Int
        var act = ActivationKind.relu
        let arch: [[String]]
        if variant.contains("hybrid") {
            layerScale = 1e-5
            if variant.contains("medium") {
                stemSize = 32
                arch = [
                    ["er_r1_k3_s2_e4_c48"],
                    ["uir_r1_a3_k5_s2_e4_c80", "uir_r1_a3_k3_s1_e2_c80"],
                    [
                        "uir_r1_a3_k5_s2_e6_c160", "uir_r1_a0_k0_s1_e2_c160", "uir_r1_a3_k3_s1_e4_c160",
                        "uir_r1_a3_k5_s1_e4_c160", "mqa_r1_k3_h4_s1_v2_d64_c160", "uir_r1_a3_k3_s1_e4_c160",
                        "mqa_r1_k3_h4_s1_v2_d64_c160", "uir_r1_a3_k0_s1_e4_c160", "mqa_r1_k3_h4_s1_v2_d64_c160",
                        "uir_r1_a3_k3_s1_e4_c160", "mqa_r1_k3_h4_s1_v2_d64_c160", "uir_r1_a3_k0_s1_e4_c160",
                    ],
                    [
                        "uir_r1_a5_k5_s2_e6_c256", "uir_r1_a5_k5_s1_e4_c256", "uir_r2_a3_k5_s1_e4_c256",
                        "uir_r1_a0_k0_s1_e2_c256", "uir_r1_a3_k5_s1_e2_c256", "uir_r1_a0_k0_s1_e2_c256",
                        "uir_r1_a0_k0_s1_e4_c256", "mqa_r1_k3_h4_s1_d64_c256", "uir_r1_a3_k0_s1_e4_c256",
                        "mqa_r1_k3_h4_s1_d64_c256", "uir_r1_a5_k5_s1_e4_c256", "mqa_r1_k3_h4_s1_d64_c256",
                        "uir_r1_a5_k0_s1_e4_c256", "mqa_r1_k3_h4_s1_d64_c256", "uir_r1_a5_k0_s1_e4_c256",
                    ],
                    ["cn_r1_k1_s1_c960"],
                ]
            } else {
                stemSize = 24
                act = .gelu
                arch = [
                    ["er_r1_k3_s2_e4_c48"],
                    ["uir_r1_a3_k5_s2_e4_c96", "uir_r1_a3_k3_s1_e4_c96"],
                    [
                        "uir_r1_a3_k5_s2_e4_c192", "uir_r3_a3_k3_s1_e4_c192", "uir_r1_a3_k5_s1_e4_c192",
                        "uir_r2_a5_k3_s1_e4_c192", "mqa_r1_k3_h8_s1_v2_d48_c192", "uir_r1_a5_k3_s1_e4_c192",
                        "mqa_r1_k3_h8_s1_v2_d48_c192", "uir_r1_a5_k3_s1_e4_c192", "mqa_r1_k3_h8_s1_v2_d48_c192",
                        "uir_r1_a5_k3_s1_e4_c192", "mqa_r1_k3_h8_s1_v2_d48_c192", "uir_r1_a3_k0_s1_e4_c192",
                    ],
                    [
                        "uir_r4_a5_k5_s2_e4_c512", "uir_r1_a5_k0_s1_e4_c512", "uir_r1_a5_k3_s1_e4_c512",
                        "uir_r2_a5_k0_s1_e4_c512", "uir_r1_a5_k3_s1_e4_c512", "uir_r1_a5_k5_s1_e4_c512",
                        "mqa_r1_k3_h8_s1_d64_c512", "uir_r1_a5_k0_s1_e4_c512", "mqa_r1_k3_h8_s1_d64_c512",
                        "uir_r1_a5_k0_s1_e4_c512", "mqa_r1_k3_h8_s1_d64_c512", "uir_r1_a5_k0_s1_e4_c512",
                        "mqa_r1_k3_h8_s1_d64_c512", "uir_r1_a5_k0_s1_e4_c512",
                    ],
                    ["cn_r1_k1_s1_c960"],
                ]
            }
        } else if variant.contains("small") {
            stemSize = 32
            arch = [
                ["cn_r1_k3_s2_e1_c32", "cn_r1_k1_s1_e1_c32"],
                ["cn_r1_k3_s2_e1_c96", "cn_r1_k1_s1_e1_c64"],
                ["uir_r1_a5_k5_s2_e3_c96", "uir_r4_a0_k3_s1_e2_c96", "uir_r1_a3_k0_s1_e4_c96"],
                [
                    "uir_r1_a3_k3_s2_e6_c128", "uir_r1_a5_k5_s1_e4_c128", "uir_r1_a0_k5_s1_e4_c128",
                    "uir_r1_a0_k5_s1_e3_c128", "uir_r2_a0_k3_s1_e4_c128",
                ],
                ["cn_r1_k1_s1_c960"],
            ]
        } else if variant.contains("medium") {
            stemSize = 32
            arch = [
                ["er_r1_k3_s2_e4_c48"],
                ["uir_r1_a3_k5_s2_e4_c80", "uir_r1_a3_k3_s1_e2_c80"],
                [
                    "uir_r1_a3_k5_s2_e6_c160", "uir_r2_a3_k3_s1_e4_c160", "uir_r1_a3_k5_s1_e4_c160",
                    "uir_r1_a3_k3_s1_e4_c160", "uir_r1_a3_k0_s1_e4_c160", "uir_r1_a0_k0_s1_e2_c160",
                    "uir_r1_a3_k0_s1_e4_c160",
                ],
                [
                    "uir_r1_a5_k5_s2_e6_c256", "uir_r1_a5_k5_s1_e4_c256", "uir_r2_a3_k5_s1_e4_c256",
                    "uir_r1_a0_k0_s1_e4_c256", "uir_r1_a3_k0_s1_e4_c256", "uir_r1_a3_k5_s1_e2_c256",
                    "uir_r1_a5_k5_s1_e4_c256", "uir_r2_a0_k0_s1_e4_c256", "uir_r1_a5_k0_s1_e2_c256",
                ],
                ["cn_r1_k1_s1_c960"],
            ]
        } else {
            stemSize = 24
            arch = [
                ["er_r1_k3_s2_e4_c48"],
                ["uir_r1_a3_k5_s2_e4_c96", "uir_r1_a3_k3_s1_e4_c96"],
                [
                    "uir_r1_a3_k5_s2_e4_c192", "uir_r3_a3_k3_s1_e4_c192", "uir_r1_a3_k5_s1_e4_c192",
                    "uir_r5_a5_k3_s1_e4_c192", "uir_r1_a3_k0_s1_e4_c192",
                ],
                [
                    "uir_r4_a5_k5_s2_e4_c512", "uir_r1_a5_k0_s1_e4_c512", "uir_r1_a5_k3_s1_e4_c512",
                    "uir_r2_a5_k0_s1_e4_c512", "uir_r1_a5_k3_s1_e4_c512", "uir_r1_a5_k5_s1_e4_c512",
                    "uir_r3_a5_k0_s1_e4_c512",
                ],
                ["cn_r1_k1_s1_c960"],
            ]
        }
        return EfficientNetConfig(stages: try G.decode(arch), numFeatures: 1280, stemSize: stemSize, act: act).with {
            $0.headBias = false
            $0.headNorm = true
            $0.fixStem = channel < 1
            $0.rounding.multiplier = channel
            $0.seFromExp = true
            $0.layers.layerScale = layerScale
            $0.layers.antiAlias = antiAlias
        }
    }
}

/// Every architecture of timm's `mobilenetv3` module by name (timm's order).
public enum MobileNetV3Variants {
    public static let names: [String] = table.map(\.0)
    public static let all: [String: @Sendable () throws -> EfficientNetConfig] = Dictionary(uniqueKeysWithValues: table)

    typealias M = MobileNetV3Generators

    private static let table: [(String, @Sendable () throws -> EfficientNetConfig)] = [
        ("fbnetv3_b", { try M.fbnetV3("fbnetv3_b") }),
        ("fbnetv3_d", { try M.fbnetV3("fbnetv3_d") }),
        ("fbnetv3_g", { try M.fbnetV3("fbnetv3_g") }),
        ("lcnet_035", { try M.lcnet(0.35) }),
        ("lcnet_050", { try M.lcnet(0.5) }),
        ("lcnet_075", { try M.lcnet(0.75) }),
        ("lcnet_100", { try M.lcnet(1.0) }),
        ("lcnet_150", { try M.lcnet(1.5) }),
        ("mobilenetv3_large_075", { try M.mobilenetV3("mobilenetv3_large_075", 0.75) }),
        ("mobilenetv3_large_100", { try M.mobilenetV3("mobilenetv3_large_100", 1.0) }),
        ("mobilenetv3_large_150d", { try M.mobilenetV3("mobilenetv3_large_150d", 1.5, depth: 1.2) }),
        ("mobilenetv3_rw", { try M.mobilenetV3RW(1.0).with { $0.layers.norm = .batch(eps: 1e-3, momentum: 0.1) } }),
        ("mobilenetv3_small_050", { try M.mobilenetV3("mobilenetv3_small_050", 0.5) }),
        ("mobilenetv3_small_075", { try M.mobilenetV3("mobilenetv3_small_075", 0.75) }),
        ("mobilenetv3_small_100", { try M.mobilenetV3("mobilenetv3_small_100", 1.0) }),
        ("mobilenetv4_conv_aa_large", { try M.mobilenetV4("mobilenetv4_conv_aa_large", 1.0, antiAlias: .avg) }),
        ("mobilenetv4_conv_aa_medium", { try M.mobilenetV4("mobilenetv4_conv_aa_medium", 1.0, antiAlias: .avg) }),
        (
            "mobilenetv4_conv_blur_medium",
            { try M.mobilenetV4("mobilenetv4_conv_blur_medium", 1.0, antiAlias: .blurpc) }
        ),
        ("mobilenetv4_conv_large", { try M.mobilenetV4("mobilenetv4_conv_large", 1.0) }),
        ("mobilenetv4_conv_medium", { try M.mobilenetV4("mobilenetv4_conv_medium", 1.0) }),
        ("mobilenetv4_conv_small", { try M.mobilenetV4("mobilenetv4_conv_small", 1.0) }),
        ("mobilenetv4_conv_small_035", { try M.mobilenetV4("mobilenetv4_conv_small_035", 0.35) }),
        ("mobilenetv4_conv_small_050", { try M.mobilenetV4("mobilenetv4_conv_small_050", 0.5) }),
        ("mobilenetv4_hybrid_large", { try M.mobilenetV4("mobilenetv4_hybrid_large", 1.0) }),
        ("mobilenetv4_hybrid_large_075", { try M.mobilenetV4("mobilenetv4_hybrid_large_075", 0.75) }),
        ("mobilenetv4_hybrid_medium", { try M.mobilenetV4("mobilenetv4_hybrid_medium", 1.0) }),
        ("mobilenetv4_hybrid_medium_075", { try M.mobilenetV4("mobilenetv4_hybrid_medium_075", 0.75) }),
        ("tf_mobilenetv3_large_075", { try M.mobilenetV3("tf_mobilenetv3_large_075", 0.75).tensorFlowPorted() }),
        ("tf_mobilenetv3_large_100", { try M.mobilenetV3("tf_mobilenetv3_large_100", 1.0).tensorFlowPorted() }),
        (
            "tf_mobilenetv3_large_minimal_100",
            {
                try M.mobilenetV3("tf_mobilenetv3_large_minimal_100", 1.0).tensorFlowPorted()
            }
        ),
        ("tf_mobilenetv3_small_075", { try M.mobilenetV3("tf_mobilenetv3_small_075", 0.75).tensorFlowPorted() }),
        ("tf_mobilenetv3_small_100", { try M.mobilenetV3("tf_mobilenetv3_small_100", 1.0).tensorFlowPorted() }),
        (
            "tf_mobilenetv3_small_minimal_100",
            {
                try M.mobilenetV3("tf_mobilenetv3_small_minimal_100", 1.0).tensorFlowPorted()
            }
        ),
    ]

    /// Attaches a builder for every variant to `registry` under the family "mobilenetv3".
    public static func register(into registry: ModelRegistry) {
        for name in names {
            registry.register(architecture: name, family: "mobilenetv3") { args in
                try makeMobileNetV3(
                    name, numClasses: args.numClasses, inChans: args.inChans,
                    dropRate: Float(args.dropRate), dropPathRate: Float(args.dropPathRate ?? 0))
            }
        }
    }
}
