// DenseNet after timm's `timm/models/densenet.py` (itself torchvision's): same module tree, state-dict
// keys and initialization for the six architectures timm registers there: DenseNet-121/161/169/201,
// the deep-stem DenseNet-264d and the blur-pooled densenetblur121d. torchvision's checkpoints load
// into timm's twin of the same name; the filter renames the old `norm.1` keys of its published files.
import ZooNN
import ZooRegistry
import ZooTensor

// MARK: - Blocks

/// Batch norm + ReLU, 1×1 conv to `bnSize`·growth, batch norm + ReLU, 3×3 conv to `growth` channels
/// (timm's `DenseLayer`). Keys `norm1`, `conv1`, `norm2`, `conv2`.
public final class DenseLayer: Module {
    public let norm1: BatchNormAct2d
    public let conv1: Conv2d
    public let norm2: BatchNormAct2d
    public let conv2: Conv2d
    /// Dropout on the new features (timm's `proj_drop_rate`).
    let dropRate: Float

    init(inChannels: Int, growthRate: Int, bnSize: Int, dropRate: Float) {
        norm1 = BatchNormAct2d(inChannels, act: ReLU())
        conv1 = Conv2d(inChannels, bnSize * growthRate, kernelSize: 1, bias: false)
        norm2 = BatchNormAct2d(bnSize * growthRate, act: ReLU())
        conv2 = Conv2d(bnSize * growthRate, growthRate, kernelSize: 3, padding: 1, bias: false)
        self.dropRate = dropRate
    }

    /// The new features from the concatenation of all earlier ones.
    public override func forward(_ input: Tensor) -> Tensor {
        // norm2 and its ReLU fold into conv1 in eval mode.
        let bottleneck = conv1.forward(norm1(input), normalizedBy: norm2, relu: true)
        let new = conv2(bottleneck)
        return dropRate > 0 ? new.dropout(p: dropRate, training: isTraining) : new
    }
}

/// `denselayer1`…`denselayerN`: each layer sees the block input and every earlier layer's output,
/// concatenated on channels; the block returns all of them concatenated (timm's `DenseBlock`).
public final class DenseBlock: Module {
    public let layers: [DenseLayer]

    init(numLayers: Int, inChannels: Int, growthRate: Int, bnSize: Int, dropRate: Float) {
        layers = (0..<numLayers).map {
            DenseLayer(
                inChannels: inChannels + $0 * growthRate, growthRate: growthRate, bnSize: bnSize, dropRate: dropRate)
        }
    }

    public override func namedChildren() -> [(String, Module)] {
        layers.enumerated().map { ("denselayer\($0.offset + 1)", $0.element) }
    }

    public override func forward(_ input: Tensor) -> Tensor {
        var features = [input]
        for layer in layers { features.append(layer(features.count == 1 ? input : Tensor.concat(features, dim: 1))) }
        return Tensor.concat(features, dim: 1)
    }
}

/// Batch norm + ReLU, 1×1 conv halving the channels, 2×2 average pool (timm's `DenseTransition`).
/// Keys `norm`, `conv`.
public final class DenseTransition: Module {
    public let norm: BatchNormAct2d
    public let conv: Conv2d
    public let pool: Module

    init(inChannels: Int, outChannels: Int) {
        norm = BatchNormAct2d(inChannels, act: ReLU())
        conv = Conv2d(inChannels, outChannels, kernelSize: 1, bias: false)
        pool = AvgPool2d(kernelSize: 2, stride: 2)
    }

    public override func forward(_ input: Tensor) -> Tensor { pool(conv(norm(input))) }
}

/// timm's `self.features`: the stem's `conv0`, `norm0` (… `conv2`, `norm2` for deep stems) and
/// `pool0`, then `denseblock1`, `transition1`, …, `denseblock4`, `norm5`, under those names.
public final class DenseNetFeatures: Module {
    public let named: [(String, Module)]

    init(_ named: [(String, Module)]) { self.named = named }

    public override func namedChildren() -> [(String, Module)] { named }

    public override func forward(_ input: Tensor) -> Tensor { forward(input, through: named.count - 1, taps: []).0 }

    /// Runs the layers up to index `last`, keeping the outputs of the layers at `taps`.
    func forward(_ input: Tensor, through last: Int, taps: Set<Int>) -> (Tensor, [Tensor]) {
        var x = input, kept: [Tensor] = [], index = 0
        while index <= last {
            // A stem conv and its norm + ReLU run as one fused layer in eval mode.
            if let conv = named[index].1 as? Conv2d, index + 1 <= last,
                let norm = named[index + 1].1 as? BatchNormAct2d,
                norm.act is ReLU
            {
                x = conv.forward(x, normalizedBy: norm, relu: true)
                index += 1
            } else {
                x = named[index].1(x)
            }
            if taps.contains(index) { kept.append(x) }
            index += 1
        }
        return (x, kept)
    }
}

// MARK: - Model

/// A DenseNet-BC classifier: `features` (stem, dense blocks and transitions, final norm + ReLU),
/// average pooling, dropout and the `classifier`.
/// ```swift
/// let model = try makeDenseNet("densenet121", numClasses: 10)
/// model.stateDict().keys.first    // "features.conv0.weight", as timm's and torchvision's
/// ```
public final class DenseNet: Module, ClassifierModel {
    public let config: DenseNetConfig
    public let features: DenseNetFeatures
    public let globalPool = GlobalAvgPool2d()
    public let headDrop: Dropout
    /// A `Linear`, or `Identity` without classes.
    public private(set) var classifier: Module

    public private(set) var numClasses: Int
    public let numFeatures: Int
    public var classifierName: String { "classifier" }
    /// timm's `feature_info`: the stem's norm, the first three dense blocks, the final norm.
    public let featureInfo: [FeatureInfo]
    /// Position in `features` of each feature map's module.
    let featureEnds: [Int]

    public init(config: DenseNetConfig, numClasses: Int = 1000, inChans: Int = 3, dropRate: Float = 0) {
        self.config = config
        self.numClasses = numClasses
        let growth = config.growthRate
        let initial = 2 * growth
        var layers: [(String, Module)] = []
        if config.deepStem {
            layers += [
                ("conv0", Conv2d(inChans, growth, kernelSize: 3, stride: 2, padding: 1, bias: false)),
                ("norm0", BatchNormAct2d(growth, act: ReLU())),
                ("conv1", Conv2d(growth, growth, kernelSize: 3, padding: 1, bias: false)),
                ("norm1", BatchNormAct2d(growth, act: ReLU())),
                ("conv2", Conv2d(growth, initial, kernelSize: 3, padding: 1, bias: false)),
                ("norm2", BatchNormAct2d(initial, act: ReLU())),
            ]
        } else {
            layers += [
                ("conv0", Conv2d(inChans, initial, kernelSize: 7, stride: 2, padding: 3, bias: false)),
                ("norm0", BatchNormAct2d(initial, act: ReLU())),
            ]
        }
        let pool: Module =
            config.blurPool
            ? Sequential(MaxPool2d(kernelSize: 3, stride: 1, padding: 1), BlurPool2d(channels: initial, stride: 2))
            : MaxPool2d(kernelSize: 3, stride: 2, padding: 1)
        var info = [FeatureInfo(channels: initial, reduction: 2, module: "features.\(layers.last!.0)")]
        layers.append(("pool0", pool))

        var channels = initial, reduction = 4
        for (index, numLayers) in config.blockConfig.enumerated() {
            layers.append(
                (
                    "denseblock\(index + 1)",
                    DenseBlock(
                        numLayers: numLayers, inChannels: channels, growthRate: growth, bnSize: config.bnSize,
                        dropRate: config.projDropRate)
                ))
            channels += numLayers * growth
            guard index < config.blockConfig.count - 1 else { break }
            info.append(
                FeatureInfo(channels: channels, reduction: reduction, module: "features.denseblock\(index + 1)"))
            reduction *= 2
            layers.append(("transition\(index + 1)", DenseTransition(inChannels: channels, outChannels: channels / 2)))
            channels /= 2
        }
        layers.append(("norm5", BatchNormAct2d(channels, act: ReLU())))
        info.append(FeatureInfo(channels: channels, reduction: reduction, module: "features.norm5"))
        let names = layers.map { "features." + $0.0 }
        featureEnds = info.map { names.firstIndex(of: $0.module)! }
        features = DenseNetFeatures(layers)
        featureInfo = info
        numFeatures = channels
        headDrop = Dropout(dropRate)
        classifier = numClasses > 0 ? Linear(channels, numClasses) : Identity()
        super.init()
        initializeWeights()
    }

    /// torchvision's (and timm's) init: convolutions kaiming-normal over fan_in, norms 1 and 0
    /// (their defaults), the classifier's bias 0 (its weight keeps `Linear`'s default).
    private func initializeWeights() {
        for (_, module) in namedModules() {
            if let conv = module as? Conv2d {
                let fanIn = Tensor.fans(conv.weight.shape).fanIn
                WeightInitialization.reinitialize(conv.weight) {
                    Tensor.normal(conv.weight.shape, std: (2 / Float(fanIn)).squareRoot(), using: &$0)
                }
            }
        }
        if let linear = classifier as? Linear, let bias = linear.bias {
            WeightInitialization.reinitialize(bias) { _ in Tensor.zeros(bias.shape) }
        }
    }

    public func forwardFeatures(_ input: Tensor) -> Tensor { features(input) }

    public func forwardHead(_ features: Tensor, preLogits: Bool) -> Tensor {
        let x = headDrop(globalPool(features))
        return preLogits ? x : classifier(x)
    }

    public override func forward(_ input: Tensor) -> Tensor { forwardHead(forwardFeatures(input)) }

    public func resetClassifier(numClasses: Int) {
        self.numClasses = numClasses
        classifier = numClasses > 0 ? Linear(numFeatures, numClasses) : Identity()
        classifier.train(isTraining)
    }
}

extension DenseNet: FeatureExtracting {
    /// The maps timm's `forward_intermediates` takes: 0 the stem's norm + ReLU (before the pool),
    /// 1…3 the first three dense blocks (before their transitions), 4 the final norm + ReLU.
    public func forwardIntermediates(_ input: Tensor, indices: [Int]) -> [Tensor] {
        guard let last = indices.max() else { return [] }
        return features.forward(input, through: featureEnds[last], taps: Set(indices.map { featureEnds[$0] })).1
    }
}

// MARK: - Checkpoints

/// torchvision's published DenseNet files name a layer's norms and convs `norm.1`, `conv.2`; timm's
/// (and torchvision's current) keys are `norm1`, `conv2` (timm's `_filter_torchvision_pretrained`).
public enum DenseNetCheckpoint {
    public static func filter(_ tensors: [(name: String, tensor: Tensor)]) -> [(name: String, tensor: Tensor)] {
        tensors.map { name, tensor in
            guard
                let match = name.wholeMatch(
                    of: /(.*denselayer\d+\.(?:norm|relu|conv))\.([12]\.(?:weight|bias|running_mean|running_var))/)
            else { return (name, tensor) }
            return (String(match.1) + String(match.2), tensor)
        }
    }
}

// MARK: - Builder

/// Builds a DenseNet by its timm name, with fresh weights as timm initializes them. `dropRate` is the
/// dropout before the classifier, `projDropRate` the dropout on each layer's new features (timm's
/// `proj_drop_rate`; `createModel(modelArgs: ["proj_drop_rate": 0.1])`).
/// - Throws: `ModelBuildError.unknownVariant` for a name not in `DenseNetVariants.all`.
public func makeDenseNet(
    _ name: String, numClasses: Int = 1000, inChans: Int = 3, dropRate: Float = 0, projDropRate: Float = 0
) throws -> DenseNet {
    guard var config = DenseNetVariants.all[name] else { throw ModelBuildError.unknownVariant(name) }
    config.projDropRate = projDropRate
    return DenseNet(config: config, numClasses: numClasses, inChans: inChans, dropRate: dropRate)
}

// MARK: - Variants and configs

/// Architecture arguments of one variant, as timm's `DenseNet` keywords.
public struct DenseNetConfig: Sendable, Equatable {
    /// Channels each layer adds (`k`).
    public var growthRate: Int
    /// Layers per dense block.
    public var blockConfig: [Int]
    /// Bottleneck width as a multiple of the growth rate.
    public var bnSize = 4
    /// Three 3×3 convolutions instead of the 7×7 (`stem_type='deep'`).
    public var deepStem = false
    /// Max pool of stride 1 then a blur pool of stride 2 in the stem (`aa_layer=BlurPool2d`).
    public var blurPool = false
    /// Dropout on each layer's new features (`proj_drop_rate`).
    public var projDropRate: Float = 0

    public init(growthRate: Int, blockConfig: [Int], deepStem: Bool = false, blurPool: Bool = false) {
        (self.growthRate, self.blockConfig, self.deepStem, self.blurPool) = (
            growthRate, blockConfig, deepStem, blurPool
        )
    }
}

/// Every DenseNet variant by its timm name.
public enum DenseNetVariants {
    /// Names in timm's order (`list_models(module="densenet")`).
    public static let names: [String] = table.map(\.0)
    public static let all: [String: DenseNetConfig] = Dictionary(uniqueKeysWithValues: table)

    private static let table: [(String, DenseNetConfig)] = [
        ("densenet121", DenseNetConfig(growthRate: 32, blockConfig: [6, 12, 24, 16])),
        ("densenet161", DenseNetConfig(growthRate: 48, blockConfig: [6, 12, 36, 24])),
        ("densenet169", DenseNetConfig(growthRate: 32, blockConfig: [6, 12, 32, 32])),
        ("densenet201", DenseNetConfig(growthRate: 32, blockConfig: [6, 12, 48, 32])),
        ("densenet264d", DenseNetConfig(growthRate: 48, blockConfig: [6, 12, 64, 48], deepStem: true)),
        (
            "densenetblur121d",
            DenseNetConfig(growthRate: 32, blockConfig: [6, 12, 24, 16], deepStem: true, blurPool: true)
        ),
    ]
}

// MARK: - Registration

extension DenseNetVariants {
    /// Attaches a builder for every variant to `registry` under the family "densenet", with the filter
    /// for torchvision's published files (torchvision's densenet121/161/169/201 are these names).
    public static func register(into registry: ModelRegistry) {
        for name in names {
            registry.register(
                architecture: name, family: "densenet",
                builder: { args in
                    try makeDenseNet(
                        name, numClasses: args.numClasses, inChans: args.inChans, dropRate: Float(args.dropRate),
                        projDropRate: Float(args.extra["proj_drop_rate"]?.doubleValue ?? 0))
                }, checkpointFilter: DenseNetCheckpoint.filter)
        }
    }
}
