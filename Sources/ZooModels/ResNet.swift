// ResNet, ResNeXt and Wide ResNet after timm's `timm/models/resnet.py` (itself after torchvision's):
// same module tree, same state-dict keys, same initialization. Stems and shortcuts of the
// "Bag of Tricks" variants (deep stem, average-pool downsample) included; SE, anti-aliasing,
// drop-path and dilation are not (yet).
import ZooNN
import ZooRegistry
import ZooTensor

// MARK: - Blocks

/// Two 3×3 convolutions with a residual connection (ResNet-18/34).
/// Keys: `conv1`, `bn1`, `conv2`, `bn2`, and `downsample.*` on blocks that change shape.
public final class BasicBlock: Module {
    public static let expansion = 1

    public let conv1: Conv2d
    public let bn1: BatchNorm2d
    public let act1 = ReLU()
    public let conv2: Conv2d
    public let bn2: BatchNorm2d
    public let act2 = ReLU()
    public let downsample: Sequential?

    public init(inChannels: Int, planes: Int, stride: Int, downsample: Sequential?) {
        conv1 = Conv2d(inChannels, planes, kernelSize: 3, stride: stride, padding: 1, bias: false)
        bn1 = BatchNorm2d(planes)
        conv2 = Conv2d(planes, planes * Self.expansion, kernelSize: 3, padding: 1, bias: false)
        bn2 = BatchNorm2d(planes * Self.expansion)
        self.downsample = downsample
    }

    /// The branch's last norm: zeroed at init so each block starts as the identity.
    var lastNorm: BatchNorm2d { bn2 }

    public override func forward(_ input: Tensor) -> Tensor {
        let hidden = conv1.forward(input, normalizedBy: bn1, relu: true)
        return conv2.forward(hidden, normalizedBy: bn2, adding: downsample?(input) ?? input, relu: true)
    }
}

/// 1×1 reduce, 3×3 (grouped for ResNeXt), 1×1 expand ×4, with a residual connection (ResNet-50+).
/// Keys: `conv1`, `bn1`, `conv2`, `bn2`, `conv3`, `bn3`, and `downsample.*`.
public final class Bottleneck: Module {
    public static let expansion = 4

    public let conv1: Conv2d
    public let bn1: BatchNorm2d
    public let act1 = ReLU()
    public let conv2: Conv2d
    public let bn2: BatchNorm2d
    public let act2 = ReLU()
    public let conv3: Conv2d
    public let bn3: BatchNorm2d
    public let act3 = ReLU()
    public let downsample: Sequential?

    /// `cardinality` groups the 3×3 convolution; its width is ⌊planes · baseWidth/64⌋ · cardinality.
    public init(inChannels: Int, planes: Int, stride: Int, downsample: Sequential?, cardinality: Int, baseWidth: Int) {
        let width = planes * baseWidth / 64 * cardinality
        let outChannels = planes * Self.expansion
        conv1 = Conv2d(inChannels, width, kernelSize: 1, bias: false)
        bn1 = BatchNorm2d(width)
        conv2 = Conv2d(width, width, kernelSize: 3, stride: stride, padding: 1, groups: cardinality, bias: false)
        bn2 = BatchNorm2d(width)
        conv3 = Conv2d(width, outChannels, kernelSize: 1, bias: false)
        bn3 = BatchNorm2d(outChannels)
        self.downsample = downsample
    }

    var lastNorm: BatchNorm2d { bn3 }

    public override func forward(_ input: Tensor) -> Tensor {
        let reduced = conv1.forward(input, normalizedBy: bn1, relu: true)
        let hidden = conv2.forward(reduced, normalizedBy: bn2, relu: true)
        return conv3.forward(hidden, normalizedBy: bn3, adding: downsample?(input) ?? input, relu: true)
    }
}

/// The shortcut projection of a block that changes shape: a strided 1×1 convolution, or (ResNet-D)
/// a 2×2 average pool then a 1×1 convolution, so no activations are skipped by the stride.
func makeDownsample(inChannels: Int, outChannels: Int, stride: Int, averagePool: Bool) -> Sequential {
    guard averagePool else {
        return Sequential(Conv2d(inChannels, outChannels, kernelSize: 1, stride: stride, bias: false),
                          BatchNorm2d(outChannels))
    }
    // The pool stays in position 0 even when it does nothing, so the keys are `downsample.1/.2` as timm's.
    let pool: Module = stride == 1 ? Identity()
        : AvgPool2d(kernelSize: 2, stride: stride, ceilMode: true, countIncludePad: false)
    return Sequential(pool, Conv2d(inChannels, outChannels, kernelSize: 1, bias: false), BatchNorm2d(outChannels))
}

// MARK: - Model

/// A ResNet-family classifier built from a `ResNetConfig`: stem (`conv1`, `bn1`, `act1`, `maxpool`),
/// four stages `layer1`…`layer4`, global average pool and the `fc` classifier.
/// ```swift
/// let model = try makeResNet("resnet50", numClasses: 10)
/// model.eval()
/// let logits = withNoGrad { model(images) }     // [N, 3, H, W] → [N, 10]
/// ```
public final class ResNet: Module, ClassifierModel {
    public let config: ResNetConfig
    /// A 7×7 convolution, or for deep stems a `Sequential` of three 3×3 ones (keys `conv1.0/.3/.6`).
    public let conv1: Module
    public let bn1: BatchNorm2d
    public let act1 = ReLU()
    public let maxpool = MaxPool2d(kernelSize: 3, stride: 2, padding: 1)
    public let layer1: Sequential
    public let layer2: Sequential
    public let layer3: Sequential
    public let layer4: Sequential
    public let globalPool = GlobalAvgPool2d()
    /// The classifier: a `Linear`, or `Identity` when there are no classes.
    public private(set) var fc: Module

    public private(set) var numClasses: Int
    public let numFeatures: Int
    public let dropRate: Float
    public var classifierName: String { "fc" }

    public init(config: ResNetConfig, numClasses: Int = 1000, inChans: Int = 3, dropRate: Float = 0) {
        precondition(config.layers.count == 4 && config.channels.count == 4, "ResNet has four stages, got \(config.layers)")
        self.config = config
        self.numClasses = numClasses
        self.dropRate = dropRate

        let stemOut = config.stem == .single ? 64 : config.stemWidth * 2
        conv1 = ResNet.makeStem(config, inChans: inChans, outChannels: stemOut)
        bn1 = BatchNorm2d(stemOut)

        var inChannels = stemOut
        var stages: [Sequential] = []
        for (index, (planes, depth)) in zip(config.channels, config.layers).enumerated() {
            let stride = index == 0 ? 1 : 2
            let outChannels = planes * config.block.expansion
            let downsample = stride != 1 || inChannels != outChannels
                ? makeDownsample(inChannels: inChannels, outChannels: outChannels, stride: stride, averagePool: config.averagePoolDownsample)
                : nil
            let stage = Sequential()
            for blockIndex in 0..<depth {
                let first = blockIndex == 0
                stage.append(config.block.make(inChannels: inChannels, planes: planes, stride: first ? stride : 1,
                                               downsample: first ? downsample : nil, config: config))
                inChannels = outChannels
            }
            stages.append(stage)
        }
        (layer1, layer2, layer3, layer4) = (stages[0], stages[1], stages[2], stages[3])
        numFeatures = inChannels
        fc = numClasses > 0 ? Linear(inChannels, numClasses) : Identity()
        super.init()
        initializeWeights()
    }

    private static func makeStem(_ config: ResNetConfig, inChans: Int, outChannels: Int) -> Module {
        let widths: (Int, Int)
        switch config.stem {
        case .single:
            return Conv2d(inChans, outChannels, kernelSize: 7, stride: 2, padding: 3, bias: false)
        case .deep: widths = (config.stemWidth, config.stemWidth)
        case .deepTiered: widths = (3 * (config.stemWidth / 4), config.stemWidth)
        }
        return Sequential(
            Conv2d(inChans, widths.0, kernelSize: 3, stride: 2, padding: 1, bias: false), BatchNorm2d(widths.0), ReLU(),
            Conv2d(widths.0, widths.1, kernelSize: 3, padding: 1, bias: false), BatchNorm2d(widths.1), ReLU(),
            Conv2d(widths.1, outChannels, kernelSize: 3, padding: 1, bias: false))
    }

    /// timm's `init_weights`: convolutions kaiming-normal (fan out, ReLU gain), batch norms
    /// weight 1 bias 0 except the last of each residual branch at 0, the classifier as `Linear`'s default.
    private func initializeWeights() {
        for (_, module) in namedModules() {
            if let conv = module as? Conv2d {
                WeightInitialization.reinitialize(conv.weight) { Tensor.kaimingNormalFanOut(conv.weight.shape, using: &$0) }
            }
            if let lastNorm = (module as? BasicBlock)?.lastNorm ?? (module as? Bottleneck)?.lastNorm, let weight = lastNorm.weight {
                weight.assign(Tensor.zeros(weight.shape))
            }
        }
    }

    public func forwardFeatures(_ input: Tensor) -> Tensor {
        let stem = maxpool(stemForward(input))
        return layer4(layer3(layer2(layer1(stem))))
    }

    /// conv1, bn1 and act1; a single stem convolution runs fused with its norm and ReLU.
    private func stemForward(_ input: Tensor) -> Tensor {
        if let conv = conv1 as? Conv2d { return conv.forward(input, normalizedBy: bn1, relu: true) }
        return act1(bn1(conv1(input)))
    }

    public func forwardHead(_ features: Tensor, preLogits: Bool) -> Tensor {
        var x = globalPool(features)
        if dropRate > 0 { x = x.dropout(p: dropRate, training: isTraining) }
        return preLogits ? x : fc(x)
    }

    public override func forward(_ input: Tensor) -> Tensor {
        forwardHead(forwardFeatures(input))
    }

    public func resetClassifier(numClasses: Int) {
        self.numClasses = numClasses
        fc = numClasses > 0 ? Linear(numFeatures, numClasses) : Identity()
        fc.train(isTraining)
    }
}

// MARK: - Builder

/// Builds a ResNet-family model by its timm name, with fresh weights as timm initializes them.
/// ```swift
/// let model = try makeResNet("resnext50_32x4d", numClasses: 10)
/// model.stateDict().keys.first    // "conv1.weight", as timm's and torchvision's
/// ```
/// - Throws: `ResNetError.unknownVariant` for a name not in `ResNetVariants.all`.
public func makeResNet(_ name: String, numClasses: Int = 1000, inChans: Int = 3, dropRate: Float = 0) throws(ResNetError) -> ResNet {
    guard let config = ResNetVariants.all[name] else {
        throw .unknownVariant(name, known: ResNetVariants.names)
    }
    return ResNet(config: config, numClasses: numClasses, inChans: inChans, dropRate: dropRate)
}

public enum ResNetError: Error, CustomStringConvertible, Equatable {
    case unknownVariant(String, known: [String])

    public var description: String {
        switch self {
        case let .unknownVariant(name, known): "no ResNet variant named \"\(name)\"; known: \(known.joined(separator: ", "))"
        }
    }
}

// MARK: - Variants and configs

/// The residual block a ResNet stacks.
public enum ResNetBlock: String, Sendable {
    case basic, bottleneck

    public var expansion: Int { self == .basic ? BasicBlock.expansion : Bottleneck.expansion }

    func make(inChannels: Int, planes: Int, stride: Int, downsample: Sequential?, config: ResNetConfig) -> Module {
        switch self {
        case .basic:
            precondition(config.cardinality == 1 && config.baseWidth == 64, "BasicBlock supports neither groups nor a base width")
            return BasicBlock(inChannels: inChannels, planes: planes, stride: stride, downsample: downsample)
        case .bottleneck:
            return Bottleneck(inChannels: inChannels, planes: planes, stride: stride, downsample: downsample,
                              cardinality: config.cardinality, baseWidth: config.baseWidth)
        }
    }
}

/// The stem before the stages (timm's `stem_type`).
public enum ResNetStem: String, Sendable {
    /// One 7×7 stride-2 convolution, 64 channels (torchvision's).
    case single
    /// Three 3×3 convolutions of stemWidth, stemWidth, 2·stemWidth channels ("deep").
    case deep
    /// Three 3×3 convolutions of ¾·stemWidth, stemWidth, 2·stemWidth channels ("deep_tiered").
    case deepTiered
}

/// Architecture arguments of one variant, as timm's `model_args`.
public struct ResNetConfig: Sendable, Equatable {
    public var block: ResNetBlock
    /// Blocks per stage.
    public var layers: [Int]
    /// Groups of the bottleneck's 3×3 convolution (ResNeXt).
    public var cardinality = 1
    /// Bottleneck width per group at 64 planes (128 for Wide ResNets).
    public var baseWidth = 64
    public var stem = ResNetStem.single
    /// Channels of the deep stems.
    public var stemWidth = 64
    /// Average pool then 1×1 convolution in the shortcut (ResNet-D's `avg_down`).
    public var averagePoolDownsample = false
    /// Planes of the four stages (×expansion gives their output channels).
    public var channels = [64, 128, 256, 512]

    public init(block: ResNetBlock, layers: [Int], cardinality: Int = 1, baseWidth: Int = 64,
                stem: ResNetStem = .single, stemWidth: Int = 64, averagePoolDownsample: Bool = false) {
        self.block = block
        self.layers = layers
        self.cardinality = cardinality
        self.baseWidth = baseWidth
        self.stem = stem
        self.stemWidth = stemWidth
        self.averagePoolDownsample = averagePoolDownsample
    }
}

/// Every ResNet variant by its timm name (the same name in torchvision gives the same keys).
public enum ResNetVariants {
    /// Names in the order of the table: small to large within each family.
    public static let names: [String] = table.map(\.0)
    public static let all: [String: ResNetConfig] = Dictionary(uniqueKeysWithValues: table)

    private static let table: [(String, ResNetConfig)] = [
        ("resnet10t", .init(block: .basic, layers: [1, 1, 1, 1], stem: .deepTiered, stemWidth: 32, averagePoolDownsample: true)),
        ("resnet18", .init(block: .basic, layers: [2, 2, 2, 2])),
        ("resnet26", .init(block: .bottleneck, layers: [2, 2, 2, 2])),
        ("resnet34", .init(block: .basic, layers: [3, 4, 6, 3])),
        ("resnet50", .init(block: .bottleneck, layers: [3, 4, 6, 3])),
        ("resnet50d", .init(block: .bottleneck, layers: [3, 4, 6, 3], stem: .deep, stemWidth: 32, averagePoolDownsample: true)),
        ("resnet101", .init(block: .bottleneck, layers: [3, 4, 23, 3])),
        ("resnet152", .init(block: .bottleneck, layers: [3, 8, 36, 3])),
        ("resnext50_32x4d", .init(block: .bottleneck, layers: [3, 4, 6, 3], cardinality: 32, baseWidth: 4)),
        ("resnext101_32x8d", .init(block: .bottleneck, layers: [3, 4, 23, 3], cardinality: 32, baseWidth: 8)),
        ("wide_resnet50_2", .init(block: .bottleneck, layers: [3, 4, 6, 3], baseWidth: 128)),
        ("wide_resnet101_2", .init(block: .bottleneck, layers: [3, 4, 23, 3], baseWidth: 128)),
    ]
}

// MARK: - Registration

extension ResNetVariants {
    /// Attaches a builder for every variant to `registry` under the family "resnet".
    public static func register(into registry: ModelRegistry) {
        for name in names {
            registry.register(architecture: name, family: "resnet") { args in
                try makeResNet(name, numClasses: args.numClasses, inChans: args.inChans, dropRate: Float(args.dropRate))
            }
        }
    }
}
