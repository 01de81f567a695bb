// VGG after timm's `timm/models/vgg.py` (itself after torchvision's): the `features` stack of 3×3
// convolutions and max pools, timm's convolutional pre-logits MLP (`pre_logits.fc1/fc2`, torchvision's
// first two `Linear`s as 7×7 and 1×1 convolutions) and a `head.fc` classifier; the 8 names timm
// registers (vgg11…vgg19, with and without batch norm). torchvision's checkpoints load through
// `VGGVariants.checkpointFilter`, timm's `_filter_fn`.
import ZooNN
import ZooRegistry
import ZooTensor

// MARK: - Blocks

/// timm's VGG `ConvMlp`: the two hidden layers of VGG's classifier as convolutions, so the model takes
/// any input size. Maps smaller than the first kernel are average-pooled up to it first (what
/// torchvision's `AdaptiveAvgPool2d(7)` does there too). Keys `fc1`, `fc2`.
public final class VGGConvMlp: Module {
    public let fc1: Conv2d
    public let act1 = ReLU()
    public let drop: Dropout
    public let fc2: Conv2d
    public let act2 = ReLU()
    let kernelSize: Int

    /// `mlpRatio` scales the hidden width (timm's `mlp_ratio`; the output stays `outFeatures`).
    public init(inFeatures: Int, outFeatures: Int, kernelSize: Int = 7, mlpRatio: Double = 1, dropRate: Float = 0.2) {
        let hidden = Int(Double(outFeatures) * mlpRatio)
        fc1 = Conv2d(inFeatures, hidden, kernelSize: kernelSize)
        drop = Dropout(dropRate)
        fc2 = Conv2d(hidden, outFeatures, kernelSize: 1)
        self.kernelSize = kernelSize
    }

    public override func forward(_ input: Tensor) -> Tensor {
        var x = input
        let (height, width) = (x.shape[2], x.shape[3])
        if height < kernelSize || width < kernelSize {
            x = x.adaptiveAvgPool2d((max(kernelSize, height), max(kernelSize, width)))
        }
        return act2(fc2(drop(act1(fc1(x)))))
    }
}

/// timm's `ClassifierHead` with average pooling: pool, flatten, dropout, `fc` (`Identity` without classes).
public final class ClassifierHead: Module {
    public let globalPool = GlobalAvgPool2d()
    public let drop: Dropout
    public private(set) var fc: Module
    public let inFeatures: Int

    public init(inFeatures: Int, numClasses: Int, dropRate: Float = 0) {
        self.inFeatures = inFeatures
        drop = Dropout(dropRate)
        fc = numClasses > 0 ? Linear(inFeatures, numClasses) : Identity()
    }

    func forward(_ input: Tensor, preLogits: Bool) -> Tensor {
        let x = drop(globalPool(input))
        return preLogits ? x : fc(x)
    }

    public override func forward(_ input: Tensor) -> Tensor { forward(input, preLogits: false) }

    func reset(numClasses: Int) {
        fc = numClasses > 0 ? Linear(inFeatures, numClasses) : Identity()
        fc.train(isTraining)
    }
}

// MARK: - Model

/// A VGG classifier: `features` (conv [+ batch norm] + ReLU per width in the config, max pool per
/// "M"), the `pre_logits` convolutional MLP to 4096 channels and the `head`.
/// ```swift
/// let model = try makeVGG("vgg16_bn", numClasses: 10)
/// model.stateDict().keys.last    // "head.fc.bias"
/// ```
public final class VGG: Module, ClassifierModel {
    public let features: Sequential
    public let preLogits: VGGConvMlp
    public let head: ClassifierHead

    public private(set) var numClasses: Int
    /// Channels of `forwardFeatures`' map (timm's `num_features`; the head's hidden width is 4096).
    public let numFeatures: Int
    public let dropRate: Float
    public var classifierName: String { "head.fc" }
    /// timm's `feature_info`: the activation before each max pool, then the last pool's output.
    public let featureInfo: [FeatureInfo]
    /// Index into `features` of each `featureInfo` map.
    let featureEnds: [Int]

    public init(config: VGGConfig, numClasses: Int = 1000, inChans: Int = 3, dropRate: Float = 0, mlpRatio: Double = 1)
    {
        self.numClasses = numClasses
        self.dropRate = dropRate
        var layers: [Module] = []
        var (channels, stride) = (inChans, 1)
        var info: [FeatureInfo] = []
        var ends: [Int] = []
        for width in config.widths {
            guard let width else {
                info.append(FeatureInfo(channels: channels, reduction: stride, module: "features.\(layers.count - 1)"))
                ends.append(layers.count - 1)
                layers.append(MaxPool2d(kernelSize: 2, stride: 2))
                stride *= 2
                continue
            }
            layers.append(Conv2d(channels, width, kernelSize: 3, padding: 1))
            if config.batchNorm { layers.append(BatchNorm2d(width)) }
            layers.append(ReLU())
            channels = width
        }
        info.append(FeatureInfo(channels: channels, reduction: stride, module: "features.\(layers.count - 1)"))
        ends.append(layers.count - 1)
        features = Sequential(layers)
        featureInfo = info
        featureEnds = ends
        numFeatures = channels
        preLogits = VGGConvMlp(inFeatures: channels, outFeatures: 4096, mlpRatio: mlpRatio, dropRate: dropRate)
        head = ClassifierHead(inFeatures: 4096, numClasses: numClasses, dropRate: dropRate)
        super.init()
        initializeWeights()
    }

    /// timm's `_initialize_weights`: convolutions kaiming-normal (fan out, ReLU gain) with zero bias,
    /// the classifier N(0, 0.01) with zero bias.
    private func initializeWeights() {
        for (_, module) in namedModules() {
            if let conv = module as? Conv2d {
                WeightInitialization.reinitialize(conv.weight) {
                    Tensor.kaimingNormalFanOut(conv.weight.shape, using: &$0)
                }
                if let bias = conv.bias { bias.assign(Tensor.zeros(bias.shape)) }
            } else if let linear = module as? Linear {
                WeightInitialization.reinitialize(linear.weight) {
                    Tensor.normal(linear.weight.shape, std: 0.01, using: &$0)
                }
                if let bias = linear.bias { bias.assign(Tensor.zeros(bias.shape)) }
            }
        }
    }

    public func forwardFeatures(_ input: Tensor) -> Tensor { features(input) }

    public func forwardHead(_ features: Tensor, preLogits: Bool) -> Tensor {
        head.forward(self.preLogits(features), preLogits: preLogits)
    }

    public override func forward(_ input: Tensor) -> Tensor { forwardHead(forwardFeatures(input)) }

    public func resetClassifier(numClasses: Int) {
        self.numClasses = numClasses
        head.reset(numClasses: numClasses)
    }
}

extension VGG: FeatureExtracting {
    /// timm's `forward_intermediates`: indices 0…4 the activations before each pool, 5 the last pool.
    public func forwardIntermediates(_ input: Tensor, indices: [Int]) -> [Tensor] {
        let wanted = Set(indices.map { featureEnds[$0] })
        let last = featureEnds[indices.max() ?? 0]
        var maps: [Tensor] = []
        var x = input, index = 0
        // Runs the layers in `features`' own fused groups (conv + norm + ReLU) up to the last map needed.
        while index <= last {
            let group = VGG.fusedGroupLength(features.layers, at: index)
            x = Sequential(Array(features.layers[index..<index + group]))(x)
            index += group
            if wanted.contains(index - 1) { maps.append(x) }
        }
        return maps
    }

    /// How many layers from `index` form one conv (+ norm) + ReLU group, or 1 for a pool.
    private static func fusedGroupLength(_ layers: [Module], at index: Int) -> Int {
        guard layers[index] is Conv2d else { return 1 }
        return layers[index + 1] is BatchNorm2d ? 3 : 2
    }
}

// MARK: - Builder

/// Builds a VGG by its timm name with fresh weights as timm initializes them.
/// - Throws: `VGGError.unknownVariant` for a name not in `VGGVariants.names`.
public func makeVGG(
    _ name: String, numClasses: Int = 1000, inChans: Int = 3, dropRate: Float = 0, mlpRatio: Double = 1
) throws(VGGError) -> VGG {
    guard let config = VGGVariants.all[name] else { throw .unknownVariant(name, known: VGGVariants.names) }
    return VGG(config: config, numClasses: numClasses, inChans: inChans, dropRate: dropRate, mlpRatio: mlpRatio)
}

public enum VGGError: Error, CustomStringConvertible, Equatable {
    case unknownVariant(String, known: [String])

    public var description: String {
        switch self {
        case let .unknownVariant(name, known):
            "no VGG variant named \"\(name)\"; known: \(known.joined(separator: ", "))"
        }
    }
}

// MARK: - Variants and configs

/// One VGG: output widths of its 3×3 convolutions in order, `nil` for a 2×2 max pool (timm's "M").
public struct VGGConfig: Sendable, Equatable {
    public var widths: [Int?]
    public var batchNorm: Bool

    public init(widths: [Int?], batchNorm: Bool) { (self.widths, self.batchNorm) = (widths, batchNorm) }
}

/// The 8 VGGs timm registers, in `list_models(module="vgg")` order.
public enum VGGVariants {
    static let configurations: [String: [Int?]] = [
        "vgg11": [64, nil, 128, nil, 256, 256, nil, 512, 512, nil, 512, 512, nil],
        "vgg13": [64, 64, nil, 128, 128, nil, 256, 256, nil, 512, 512, nil, 512, 512, nil],
        "vgg16": [64, 64, nil, 128, 128, nil, 256, 256, 256, nil, 512, 512, 512, nil, 512, 512, 512, nil],
        "vgg19": [
            64, 64, nil, 128, 128, nil, 256, 256, 256, 256, nil, 512, 512, 512, 512, nil, 512, 512, 512, 512, nil,
        ],
    ]

    public static let names = ["vgg11", "vgg11_bn", "vgg13", "vgg13_bn", "vgg16", "vgg16_bn", "vgg19", "vgg19_bn"]

    public static let all: [String: VGGConfig] = Dictionary(
        uniqueKeysWithValues: names.map { name in
            let depth = String(name.prefix { $0 != "_" })
            return (name, VGGConfig(widths: configurations[depth]!, batchNorm: name.hasSuffix("_bn")))
        })

    /// timm's `_filter_fn`: torchvision's `classifier.0/3/6` `Linear`s become `pre_logits.fc1` (a
    /// 7×7 convolution), `pre_logits.fc2` (1×1) and `head.fc`; timm's own checkpoints pass unchanged.
    public static func checkpointFilter(_ tensors: [(name: String, tensor: Tensor)]) -> [(name: String, tensor: Tensor)]
    {
        tensors.map { name, tensor in
            switch name {
            case "classifier.0.weight":
                ("pre_logits.fc1.weight", tensor.reshape([tensor.shape[0], tensor.shape[1] / 49, 7, 7]))
            case "classifier.0.bias": ("pre_logits.fc1.bias", tensor)
            case "classifier.3.weight":
                ("pre_logits.fc2.weight", tensor.reshape([tensor.shape[0], tensor.shape[1], 1, 1]))
            case "classifier.3.bias": ("pre_logits.fc2.bias", tensor)
            case "classifier.6.weight": ("head.fc.weight", tensor)
            case "classifier.6.bias": ("head.fc.bias", tensor)
            default: (name, tensor)
            }
        }
    }

    /// Attaches a builder for every variant to `registry` under the family "vgg", with the filter;
    /// `mlp_ratio` narrows the pre-logits MLP as timm's.
    public static func register(into registry: ModelRegistry) {
        for name in names {
            registry.register(
                architecture: name, family: "vgg",
                builder: { args in
                    try makeVGG(
                        name, numClasses: args.numClasses, inChans: args.inChans, dropRate: Float(args.dropRate),
                        mlpRatio: args.extra["mlp_ratio"]?.doubleValue ?? 1)
                }, checkpointFilter: checkpointFilter)
        }
    }
}
