// ResNet and its relatives after timm's `timm/models/resnet.py` (itself after torchvision's): same
// module tree, same state-dict keys, same initialization, for all 80 architectures timm registers
// there (its `test_resnet` is left out): the plain ResNets, ResNeXt and Wide ResNet, the "Bag of
// Tricks" stems and shortcuts (-c/-d/-s/-t), SE and ECA attention, anti-aliasing (average or blur
// pool), group norm, ResNet-RS, SENet-154 and the pruned ECA-ResNets.
import ZooNN
import ZooRegistry
import ZooTensor

// MARK: - Blocks

/// `norm(conv(x))`, then `+ residual` and ReLU when asked: one fused pass with batch norm where
/// `Conv2d.forward(_:normalizedBy:adding:relu:)` allows (eval mode, no graph); other norms (group
/// norm) run after the convolution.
func convNorm(_ conv: Conv2d, _ norm: Module, _ x: Tensor, adding residual: Tensor? = nil, relu: Bool = false) -> Tensor
{
    if let batchNorm = norm as? BatchNorm2d {
        return conv.forward(x, normalizedBy: batchNorm, adding: residual, relu: relu)
    }
    var y = norm(conv(x))
    if let residual { y = y + residual }
    return relu ? y.relu() : y
}

/// Channel widths of one block: its first convolution's output, its middle width and its output.
/// Computed from planes, cardinality and base width, or read from a pruned model's table.
public struct ResNetBlockWidths: Sendable, Equatable {
    public var first: Int, width: Int, out: Int
    public init(_ first: Int, _ width: Int, _ out: Int) { (self.first, self.width, self.out) = (first, width, out) }
}

/// What a block needs besides its widths: shared by every block of a model.
struct ResNetBlockOptions {
    var stride = 1
    var cardinality = 1
    var config: ResNetConfig
    var downsample: Sequential?
    var dropPath: Float = 0
    /// Channels the attention module is sized for (the unpruned output: timm's pruning keeps it).
    var attentionChannels: Int
}

/// Two 3×3 convolutions with a residual connection (ResNet-18/34).
/// Keys: `conv1`, `bn1`, `conv2`, `bn2`, `se.*` with attention, and `downsample.*` on blocks that change shape.
public final class BasicBlock: Module {
    public static let expansion = 1

    public let conv1: Conv2d
    public let bn1: Module
    public let act1 = ReLU()
    /// Anti-aliasing after the first convolution of a strided block (its stride moves here).
    public let aa: Module
    public let conv2: Conv2d
    public let bn2: Module
    public let se: Module?
    public let act2 = ReLU()
    public let downsample: Sequential?
    public let dropPath: DropPath?

    init(inChannels: Int, widths: ResNetBlockWidths, options o: ResNetBlockOptions) {
        let useAA = o.config.antiAlias != .none && o.stride == 2
        conv1 = Conv2d(inChannels, widths.first, kernelSize: 3, stride: useAA ? 1 : o.stride, padding: 1, bias: false)
        bn1 = o.config.norm.make(widths.first)
        aa = useAA ? o.config.antiAlias.make(channels: widths.first) : Identity()
        conv2 = Conv2d(widths.first, widths.out, kernelSize: 3, padding: 1, bias: false)
        bn2 = o.config.norm.make(widths.out)
        se = o.config.attention.make(o.attentionChannels)
        downsample = o.downsample
        dropPath = o.dropPath > 0 ? DropPath(o.dropPath) : nil
    }

    /// The branch's last norm: zeroed at init so each block starts as the identity.
    var lastNorm: Module { bn2 }

    public override func forward(_ input: Tensor) -> Tensor {
        let hidden = aa(convNorm(conv1, bn1, input, relu: true))
        let shortcut = downsample?(input) ?? input
        // Without SE or drop path the residual sum and ReLU run fused into the last convolution.
        guard se != nil || dropPath != nil else { return convNorm(conv2, bn2, hidden, adding: shortcut, relu: true) }
        var branch = convNorm(conv2, bn2, hidden)
        if let se { branch = se(branch) }
        if let dropPath { branch = dropPath(branch) }
        return act2(branch + shortcut)
    }
}

/// 1×1 reduce, 3×3 (grouped for ResNeXt), 1×1 expand ×4, with a residual connection (ResNet-50+).
/// Keys: `conv1`, `bn1`, `conv2`, `bn2`, `conv3`, `bn3`, `se.*` with attention, and `downsample.*`.
public final class Bottleneck: Module {
    public static let expansion = 4

    public let conv1: Conv2d
    public let bn1: Module
    public let act1 = ReLU()
    public let conv2: Conv2d
    public let bn2: Module
    public let act2 = ReLU()
    public let aa: Module
    public let conv3: Conv2d
    public let bn3: Module
    public let se: Module?
    public let act3 = ReLU()
    public let downsample: Sequential?
    public let dropPath: DropPath?

    init(inChannels: Int, widths: ResNetBlockWidths, options o: ResNetBlockOptions) {
        let useAA = o.config.antiAlias != .none && o.stride == 2
        conv1 = Conv2d(inChannels, widths.first, kernelSize: 1, bias: false)
        bn1 = o.config.norm.make(widths.first)
        conv2 = Conv2d(
            widths.first, widths.width, kernelSize: 3, stride: useAA ? 1 : o.stride, padding: 1,
            groups: o.cardinality, bias: false)
        bn2 = o.config.norm.make(widths.width)
        aa = useAA ? o.config.antiAlias.make(channels: widths.width) : Identity()
        conv3 = Conv2d(widths.width, widths.out, kernelSize: 1, bias: false)
        bn3 = o.config.norm.make(widths.out)
        se = o.config.attention.make(o.attentionChannels)
        downsample = o.downsample
        dropPath = o.dropPath > 0 ? DropPath(o.dropPath) : nil
    }

    var lastNorm: Module { bn3 }

    public override func forward(_ input: Tensor) -> Tensor {
        let reduced = convNorm(conv1, bn1, input, relu: true)
        let hidden = aa(convNorm(conv2, bn2, reduced, relu: true))
        let shortcut = downsample?(input) ?? input
        guard se != nil || dropPath != nil else { return convNorm(conv3, bn3, hidden, adding: shortcut, relu: true) }
        var branch = convNorm(conv3, bn3, hidden)
        if let se { branch = se(branch) }
        if let dropPath { branch = dropPath(branch) }
        return act3(branch + shortcut)
    }
}

/// The shortcut projection of a block that changes shape: a strided convolution (1×1, or 3×3 for
/// SENet-154), or (ResNet-D) a 2×2 average pool then a 1×1 convolution, so no activations are skipped.
func makeDownsample(inChannels: Int, outChannels: Int, stride: Int, config: ResNetConfig) -> Sequential {
    guard config.averagePoolDownsample else {
        let kernel = stride == 1 ? 1 : config.downKernelSize
        let padding = ((stride - 1) + (kernel - 1)) / 2
        return Sequential(
            Conv2d(inChannels, outChannels, kernelSize: kernel, stride: stride, padding: padding, bias: false),
            config.norm.make(outChannels))
    }
    // The pool stays in position 0 even when it does nothing, so the keys are `downsample.1/.2` as timm's.
    let pool: Module =
        stride == 1
        ? Identity()
        : AvgPool2d(kernelSize: 2, stride: stride, ceilMode: true, countIncludePad: false)
    return Sequential(pool, Conv2d(inChannels, outChannels, kernelSize: 1, bias: false), config.norm.make(outChannels))
}

// MARK: - Model

/// A ResNet-family classifier built from a `ResNetConfig`: stem (`conv1`, `bn1`, `act1`, `maxpool`),
/// four stages `layer1`…`layer4`, global average pool and the `fc` classifier.
/// ```swift
/// let model = try makeResNet("seresnext50_32x4d", numClasses: 10)
/// model.eval()
/// let logits = withNoGrad { model(images) }     // [N, 3, H, W] → [N, 10]
/// ```
public final class ResNet: Module, ClassifierModel {
    public let config: ResNetConfig
    /// A 7×7 convolution, or for deep stems a `Sequential` of three 3×3 ones (keys `conv1.0/.3/.6`).
    public let conv1: Module
    public let bn1: Module
    public let act1 = ReLU()
    /// Max pool; average pool or max pool + blur with anti-aliasing; a strided conv-norm-act (ResNet-RS).
    public let maxpool: Module
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
    /// timm's `feature_info`: the stem's activation then each stage, with channels and reduction.
    public let featureInfo: [FeatureInfo]

    public init(
        config: ResNetConfig, numClasses: Int = 1000, inChans: Int = 3, dropRate: Float = 0, dropPathRate: Float = 0
    ) {
        precondition(
            config.layers.count == 4 && config.channels.count == 4, "ResNet has four stages, got \(config.layers)")
        self.config = config
        self.numClasses = numClasses
        self.dropRate = dropRate

        let stemOut = config.stem == .single ? 64 : config.stemWidth * 2
        conv1 = ResNet.makeStem(config, inChans: inChans, outChannels: stemOut)
        bn1 = config.norm.make(stemOut)
        maxpool = ResNet.makeStemPool(config, channels: stemOut)
        var info = [FeatureInfo(channels: stemOut, reduction: 2, module: "act1")]

        var inChannels = stemOut
        var stages: [Sequential] = []
        let totalBlocks = config.layers.reduce(0, +)
        var blockIndex = 0
        var prunedWidths = config.prunedWidths?.makeIterator()
        for (index, (planes, depth)) in zip(config.channels, config.layers).enumerated() {
            let stride = index == 0 ? 1 : 2
            let expansion = config.block.expansion
            let computed = config.widths(planes: planes)
            let firstWidths = config.prunedWidths == nil ? computed : config.prunedWidths![blockIndex]
            let downsample =
                stride != 1 || inChannels != firstWidths.out
                ? makeDownsample(inChannels: inChannels, outChannels: firstWidths.out, stride: stride, config: config)
                : nil
            let stage = Sequential()
            for position in 0..<depth {
                let widths = prunedWidths?.next() ?? computed
                let options = ResNetBlockOptions(
                    stride: position == 0 ? stride : 1,
                    cardinality: config.prunedWidths == nil ? config.cardinality : 1,
                    config: config, downsample: position == 0 ? downsample : nil,
                    dropPath: totalBlocks > 1 ? dropPathRate * Float(blockIndex) / Float(totalBlocks - 1) : 0,
                    attentionChannels: planes * expansion)
                stage.append(config.block.make(inChannels: inChannels, widths: widths, options: options))
                inChannels = widths.out
                blockIndex += 1
            }
            stages.append(stage)
            info.append(FeatureInfo(channels: inChannels, reduction: 4 << index, module: "layer\(index + 1)"))
        }
        (layer1, layer2, layer3, layer4) = (stages[0], stages[1], stages[2], stages[3])
        numFeatures = inChannels
        featureInfo = info
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
            Conv2d(inChans, widths.0, kernelSize: 3, stride: 2, padding: 1, bias: false), config.norm.make(widths.0),
            ReLU(),
            Conv2d(widths.0, widths.1, kernelSize: 3, padding: 1, bias: false), config.norm.make(widths.1), ReLU(),
            Conv2d(widths.1, outChannels, kernelSize: 3, padding: 1, bias: false))
    }

    private static func makeStemPool(_ config: ResNetConfig, channels: Int) -> Module {
        if config.replaceStemPool {
            precondition(config.antiAlias == .none, "a conv stem pool with anti-aliasing is not registered by timm")
            return Sequential(
                Conv2d(channels, channels, kernelSize: 3, stride: 2, padding: 1, bias: false),
                config.norm.make(channels), ReLU())
        }
        switch config.antiAlias {
        case .none: return MaxPool2d(kernelSize: 3, stride: 2, padding: 1)
        case .averagePool: return AvgPool2d(kernelSize: 2)
        case .blur: return Sequential(MaxPool2d(kernelSize: 3, stride: 1, padding: 1), BlurPool2d(channels: channels))
        }
    }

    /// timm's `init_weights`: convolutions kaiming-normal (fan out, ReLU gain), norms weight 1 bias 0
    /// except the last of each residual branch at 0, the classifier as `Linear`'s default.
    private func initializeWeights() {
        for (_, module) in namedModules() {
            if let conv = module as? Conv2d {
                WeightInitialization.reinitialize(conv.weight) {
                    Tensor.kaimingNormalFanOut(conv.weight.shape, using: &$0)
                }
            }
            let lastNorm = (module as? BasicBlock)?.lastNorm ?? (module as? Bottleneck)?.lastNorm
            let weight = (lastNorm as? BatchNorm2d)?.weight ?? (lastNorm as? GroupNorm)?.weight
            if let weight { weight.assign(Tensor.zeros(weight.shape)) }
        }
    }

    /// The stem: convolution(s), norm, activation (the feature map at reduction 2, before the pool).
    func forwardStem(_ input: Tensor) -> Tensor {
        if let conv = conv1 as? Conv2d { return convNorm(conv, bn1, input, relu: true) }
        return act1(bn1(conv1(input)))
    }

    public func forwardFeatures(_ input: Tensor) -> Tensor {
        layer4(layer3(layer2(layer1(maxpool(forwardStem(input))))))
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

extension ResNet: FeatureExtracting {
    /// The maps timm's `forward_intermediates` takes: index 0 the stem (`act1`), 1…4 the stages.
    public func forwardIntermediates(_ input: Tensor, indices: [Int]) -> [Tensor] {
        var maps: [Tensor] = []
        var x = forwardStem(input)
        if indices.contains(0) { maps.append(x) }
        x = maxpool(x)
        for (index, stage) in [layer1, layer2, layer3, layer4].enumerated() where index < (indices.max() ?? 0) {
            x = stage(x)
            if indices.contains(index + 1) { maps.append(x) }
        }
        return maps
    }
}

// MARK: - Builder

/// Builds a ResNet-family model by its timm name, with fresh weights as timm initializes them.
/// ```swift
/// let model = try makeResNet("resnext50_32x4d", numClasses: 10)
/// model.stateDict().keys.first    // "conv1.weight", as timm's and torchvision's
/// ```
/// - Throws: `ResNetError.unknownVariant` for a name not in `ResNetVariants.all`.
public func makeResNet(
    _ name: String, numClasses: Int = 1000, inChans: Int = 3, dropRate: Float = 0,
    dropPathRate: Float = 0
) throws(ResNetError) -> ResNet {
    guard let config = ResNetVariants.all[name] else {
        throw .unknownVariant(name, known: ResNetVariants.names)
    }
    return ResNet(
        config: config, numClasses: numClasses, inChans: inChans, dropRate: dropRate, dropPathRate: dropPathRate)
}

public enum ResNetError: Error, CustomStringConvertible, Equatable {
    case unknownVariant(String, known: [String])

    public var description: String {
        switch self {
        case let .unknownVariant(name, known):
            "no ResNet variant named \"\(name)\"; known: \(known.joined(separator: ", "))"
        }
    }
}

// MARK: - Variants and configs

/// The residual block a ResNet stacks.
public enum ResNetBlock: String, Sendable {
    case basic, bottleneck

    public var expansion: Int { self == .basic ? BasicBlock.expansion : Bottleneck.expansion }

    func make(inChannels: Int, widths: ResNetBlockWidths, options: ResNetBlockOptions) -> Module {
        switch self {
        case .basic:
            precondition(
                options.cardinality == 1 && options.config.baseWidth == 64,
                "BasicBlock supports neither groups nor a base width")
            return BasicBlock(inChannels: inChannels, widths: widths, options: options)
        case .bottleneck:
            return Bottleneck(inChannels: inChannels, widths: widths, options: options)
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

/// Channel attention after each block's last norm (timm's `block_args["attn_layer"]`).
public enum ResNetAttention: Sendable, Equatable {
    case none
    /// Squeeze-and-excitation (`"se"`, rd_ratio 1/16; ResNet-RS uses 1/4).
    case se(rdRatio: Double)
    /// Efficient channel attention (`"eca"`).
    case eca

    func make(_ channels: Int) -> Module? {
        switch self {
        case .none: nil
        case .se(let rdRatio): SEModule(channels, rdRatio: rdRatio)
        case .eca: EcaModule(channels: channels)
        }
    }
}

/// Anti-aliased downsampling (timm's `aa_layer`): strided convolutions become stride 1 followed by the pool.
public enum ResNetAntiAlias: Sendable, Equatable {
    case none
    /// `nn.AvgPool2d`: a 2×2 average pool of stride 2 ("resnetaa").
    case averagePool
    /// `BlurPool2d`: a 3×3 binomial blur of stride 2 ("resnetblur").
    case blur

    func make(channels: Int) -> Module {
        switch self {
        case .none: Identity()
        case .averagePool: AvgPool2d(kernelSize: 2)
        case .blur: BlurPool2d(channels: channels)
        }
    }
}

/// The normalization layer (timm's `norm_layer`).
public enum ResNetNorm: Sendable, Equatable {
    case batch
    /// timm's `"groupnorm"`: 32 groups.
    case group(groups: Int)

    func make(_ channels: Int) -> Module {
        switch self {
        case .batch: BatchNorm2d(channels)
        case .group(let groups): GroupNorm(numGroups: groups, numChannels: channels)
        }
    }
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
    /// A strided conv-norm-act instead of the stem's max pool (ResNet-RS's `replace_stem_pool`).
    public var replaceStemPool = false
    /// Divides the first convolution's width of every block (SENet-154's `block_reduce_first` 2).
    public var blockReduceFirst = 1
    /// Kernel of the strided shortcut convolution (SENet-154's 3).
    public var downKernelSize = 1
    public var attention = ResNetAttention.none
    public var antiAlias = ResNetAntiAlias.none
    public var norm = ResNetNorm.batch
    /// Per-block widths of a pruned model, in block order (timm's `_pruned/*.txt`); nil computes them.
    public var prunedWidths: [ResNetBlockWidths]?

    public init(
        block: ResNetBlock, layers: [Int], cardinality: Int = 1, baseWidth: Int = 64,
        stem: ResNetStem = .single, stemWidth: Int = 64, averagePoolDownsample: Bool = false,
        replaceStemPool: Bool = false, blockReduceFirst: Int = 1, downKernelSize: Int = 1,
        attention: ResNetAttention = .none, antiAlias: ResNetAntiAlias = .none, norm: ResNetNorm = .batch,
        prunedWidths: [ResNetBlockWidths]? = nil
    ) {
        self.block = block
        self.layers = layers
        self.cardinality = cardinality
        self.baseWidth = baseWidth
        self.stem = stem
        self.stemWidth = stemWidth
        self.averagePoolDownsample = averagePoolDownsample
        self.replaceStemPool = replaceStemPool
        self.blockReduceFirst = blockReduceFirst
        self.downKernelSize = downKernelSize
        self.attention = attention
        self.antiAlias = antiAlias
        self.norm = norm
        self.prunedWidths = prunedWidths
    }

    /// A block's widths from its stage's planes (timm: width = ⌊planes · baseWidth/64⌋ · cardinality).
    func widths(planes: Int) -> ResNetBlockWidths {
        let out = planes * block.expansion
        let width = block == .basic ? planes : planes * baseWidth / 64 * cardinality
        return ResNetBlockWidths(width / blockReduceFirst, width, out)
    }
}

/// Every ResNet variant by its timm name (the same name in torchvision gives the same keys).
public enum ResNetVariants {
    /// Names in timm's order (`list_models(module="resnet")`).
    public static let names: [String] = table.map(\.0)
    public static let all: [String: ResNetConfig] = Dictionary(uniqueKeysWithValues: table)

    private static let se = ResNetAttention.se(rdRatio: 1.0 / 16)

    private static func plain(
        _ block: ResNetBlock, _ layers: [Int], cardinality: Int = 1, baseWidth: Int = 64,
        attention: ResNetAttention = .none, antiAlias: ResNetAntiAlias = .none
    ) -> ResNetConfig {
        ResNetConfig(
            block: block, layers: layers, cardinality: cardinality, baseWidth: baseWidth,
            attention: attention, antiAlias: antiAlias)
    }

    /// ResNet-C (deep stem 32), -D (and an average-pool shortcut), -S (deep stem 64), -T (tiered stem 32, average pool).
    private static func tricks(
        _ kind: Character, _ block: ResNetBlock, _ layers: [Int], cardinality: Int = 1,
        baseWidth: Int = 64, stemWidth: Int? = nil, attention: ResNetAttention = .none,
        antiAlias: ResNetAntiAlias = .none
    ) -> ResNetConfig {
        let stem: ResNetStem = kind == "t" ? .deepTiered : .deep
        return ResNetConfig(
            block: block, layers: layers, cardinality: cardinality, baseWidth: baseWidth, stem: stem,
            stemWidth: stemWidth ?? (kind == "s" ? 64 : 32), averagePoolDownsample: kind == "d" || kind == "t",
            attention: attention, antiAlias: antiAlias)
    }

    private static func resnetRS(_ layers: [Int]) -> ResNetConfig {
        ResNetConfig(
            block: .bottleneck, layers: layers, stem: .deep, stemWidth: 32, averagePoolDownsample: true,
            replaceStemPool: true, attention: .se(rdRatio: 0.25))
    }

    private static func pruned(_ layers: [Int], _ widths: [[Int]]) -> ResNetConfig {
        var config = tricks("d", .bottleneck, layers, attention: .eca)
        config.prunedWidths = widths.map { ResNetBlockWidths($0[0], $0[1], $0[2]) }
        return config
    }

    private static let (r18, r34, r50, r101, r152, r200) = (
        [2, 2, 2, 2], [3, 4, 6, 3], [3, 4, 6, 3], [3, 4, 23, 3], [3, 8, 36, 3], [3, 24, 36, 3]
    )

    private static let table: [(String, ResNetConfig)] = [
        ("ecaresnet26t", tricks("t", .bottleneck, r18, attention: .eca)),
        ("ecaresnet50d", tricks("d", .bottleneck, r50, attention: .eca)),
        ("ecaresnet50d_pruned", pruned(r50, ecaResNet50dPruned)),
        ("ecaresnet50t", tricks("t", .bottleneck, r50, attention: .eca)),
        ("ecaresnet101d", tricks("d", .bottleneck, r101, attention: .eca)),
        ("ecaresnet101d_pruned", pruned(r101, ecaResNet101dPruned)),
        ("ecaresnet200d", tricks("d", .bottleneck, r200, attention: .eca)),
        ("ecaresnet269d", tricks("d", .bottleneck, [3, 30, 48, 8], attention: .eca)),
        // A 7×7 stem with the average-pool shortcut.
        (
            "ecaresnetlight",
            ResNetConfig(
                block: .bottleneck, layers: [1, 1, 11, 3], stemWidth: 32, averagePoolDownsample: true,
                attention: .eca)
        ),
        ("ecaresnext26t_32x4d", tricks("t", .bottleneck, r18, cardinality: 32, baseWidth: 4, attention: .eca)),
        ("ecaresnext50t_32x4d", tricks("t", .bottleneck, r50, cardinality: 32, baseWidth: 4, attention: .eca)),
        ("resnet10t", tricks("t", .basic, [1, 1, 1, 1])),
        ("resnet14t", tricks("t", .bottleneck, [1, 1, 1, 1])),
        ("resnet18", plain(.basic, r18)),
        ("resnet18d", tricks("d", .basic, r18)),
        ("resnet26", plain(.bottleneck, r18)),
        ("resnet26d", tricks("d", .bottleneck, r18)),
        ("resnet26t", tricks("t", .bottleneck, r18)),
        ("resnet34", plain(.basic, r34)),
        ("resnet34d", tricks("d", .basic, r34)),
        ("resnet50", plain(.bottleneck, r50)),
        ("resnet50_gn", ResNetConfig(block: .bottleneck, layers: r50, norm: .group(groups: 32))),
        ("resnet50c", tricks("c", .bottleneck, r50)),
        ("resnet50d", tricks("d", .bottleneck, r50)),
        ("resnet50s", tricks("s", .bottleneck, r50)),
        ("resnet50t", tricks("t", .bottleneck, r50)),
        ("resnet101", plain(.bottleneck, r101)),
        ("resnet101c", tricks("c", .bottleneck, r101)),
        ("resnet101d", tricks("d", .bottleneck, r101)),
        ("resnet101s", tricks("s", .bottleneck, r101)),
        ("resnet152", plain(.bottleneck, r152)),
        ("resnet152c", tricks("c", .bottleneck, r152)),
        ("resnet152d", tricks("d", .bottleneck, r152)),
        ("resnet152s", tricks("s", .bottleneck, r152)),
        ("resnet200", plain(.bottleneck, r200)),
        ("resnet200d", tricks("d", .bottleneck, r200)),
        ("resnetaa34d", tricks("d", .basic, r34, antiAlias: .averagePool)),
        ("resnetaa50", plain(.bottleneck, r50, antiAlias: .averagePool)),
        ("resnetaa50d", tricks("d", .bottleneck, r50, antiAlias: .averagePool)),
        ("resnetaa101d", tricks("d", .bottleneck, r101, antiAlias: .averagePool)),
        ("resnetblur18", plain(.basic, r18, antiAlias: .blur)),
        ("resnetblur50", plain(.bottleneck, r50, antiAlias: .blur)),
        ("resnetblur50d", tricks("d", .bottleneck, r50, antiAlias: .blur)),
        ("resnetblur101d", tricks("d", .bottleneck, r101, antiAlias: .blur)),
        ("resnetrs50", resnetRS(r50)),
        ("resnetrs101", resnetRS(r101)),
        ("resnetrs152", resnetRS(r152)),
        ("resnetrs200", resnetRS(r200)),
        ("resnetrs270", resnetRS([4, 29, 53, 4])),
        ("resnetrs350", resnetRS([4, 36, 72, 4])),
        ("resnetrs420", resnetRS([4, 44, 87, 4])),
        ("resnext50_32x4d", plain(.bottleneck, r50, cardinality: 32, baseWidth: 4)),
        ("resnext50d_32x4d", tricks("d", .bottleneck, r50, cardinality: 32, baseWidth: 4)),
        ("resnext101_32x4d", plain(.bottleneck, r101, cardinality: 32, baseWidth: 4)),
        ("resnext101_32x8d", plain(.bottleneck, r101, cardinality: 32, baseWidth: 8)),
        ("resnext101_32x16d", plain(.bottleneck, r101, cardinality: 32, baseWidth: 16)),
        ("resnext101_32x32d", plain(.bottleneck, r101, cardinality: 32, baseWidth: 32)),
        ("resnext101_64x4d", plain(.bottleneck, r101, cardinality: 64, baseWidth: 4)),
        // SENet-154: deep stem of 64, 64 groups, halved first convolution, 3×3 strided shortcut.
        (
            "senet154",
            ResNetConfig(
                block: .bottleneck, layers: r152, cardinality: 64, baseWidth: 4, stem: .deep,
                blockReduceFirst: 2, downKernelSize: 3, attention: se)
        ),
        ("seresnet18", plain(.basic, r18, attention: se)),
        ("seresnet34", plain(.basic, r34, attention: se)),
        ("seresnet50", plain(.bottleneck, r50, attention: se)),
        ("seresnet50t", tricks("t", .bottleneck, r50, attention: se)),
        ("seresnet101", plain(.bottleneck, r101, attention: se)),
        ("seresnet152", plain(.bottleneck, r152, attention: se)),
        ("seresnet152d", tricks("d", .bottleneck, r152, attention: se)),
        ("seresnet200d", tricks("d", .bottleneck, r200, attention: se)),
        ("seresnet269d", tricks("d", .bottleneck, [3, 30, 48, 8], attention: se)),
        ("seresnetaa50d", tricks("d", .bottleneck, r50, attention: se, antiAlias: .averagePool)),
        ("seresnext26d_32x4d", tricks("d", .bottleneck, r18, cardinality: 32, baseWidth: 4, attention: se)),
        ("seresnext26t_32x4d", tricks("t", .bottleneck, r18, cardinality: 32, baseWidth: 4, attention: se)),
        ("seresnext50_32x4d", plain(.bottleneck, r50, cardinality: 32, baseWidth: 4, attention: se)),
        ("seresnext101_32x4d", plain(.bottleneck, r101, cardinality: 32, baseWidth: 4, attention: se)),
        ("seresnext101_32x8d", plain(.bottleneck, r101, cardinality: 32, baseWidth: 8, attention: se)),
        ("seresnext101_64x4d", plain(.bottleneck, r101, cardinality: 64, baseWidth: 4, attention: se)),
        ("seresnext101d_32x8d", tricks("d", .bottleneck, r101, cardinality: 32, baseWidth: 8, attention: se)),
        (
            "seresnextaa101d_32x8d",
            tricks(
                "d", .bottleneck, r101, cardinality: 32, baseWidth: 8, attention: se,
                antiAlias: .averagePool)
        ),
        (
            "seresnextaa201d_32x8d",
            tricks(
                "d", .bottleneck, [3, 24, 36, 4], cardinality: 32, baseWidth: 8, stemWidth: 64,
                attention: se, antiAlias: .averagePool)
        ),
        ("wide_resnet50_2", plain(.bottleneck, r50, baseWidth: 128)),
        ("wide_resnet101_2", plain(.bottleneck, r101, baseWidth: 128)),
    ]

    /// Block widths of timm's pruned models (`timm/models/_pruned/*.txt`, conv1/conv2/conv3 outputs per block).
    private static let ecaResNet50dPruned: [[Int]] = [
        [47, 18, 19], [52, 22, 19], [64, 35, 19], [85, 37, 171], [107, 80, 171], [120, 85, 171], [125, 87, 171],
        [198, 126, 818], [255, 232, 818], [256, 233, 818], [253, 235, 818], [256, 225, 818], [256, 239, 818],
        [492, 237, 2022], [512, 500, 2022], [512, 490, 2022],
    ]
    private static let ecaResNet101dPruned: [[Int]] = [
        [45, 25, 26], [53, 20, 26], [60, 27, 26], [81, 24, 142], [93, 49, 142], [102, 54, 142], [122, 78, 142],
        [101, 25, 278], [239, 160, 278], [234, 156, 278], [250, 176, 278], [253, 191, 278], [251, 175, 278],
        [230, 128, 278], [244, 154, 278], [244, 159, 278], [238, 97, 278], [244, 149, 278], [253, 181, 278],
        [245, 119, 278], [255, 216, 278], [256, 201, 278], [253, 149, 278], [254, 141, 278], [256, 190, 278],
        [256, 217, 278], [255, 156, 278], [256, 155, 278], [256, 232, 278], [256, 214, 278], [499, 289, 2042],
        [512, 512, 2042], [512, 502, 2042],
    ]
}

// MARK: - Registration

extension ResNetVariants {
    /// Attaches a builder for every variant to `registry` under the family "resnet".
    public static func register(into registry: ModelRegistry) {
        for name in names {
            registry.register(architecture: name, family: "resnet") { args in
                try makeResNet(
                    name, numClasses: args.numClasses, inChans: args.inChans, dropRate: Float(args.dropRate),
                    dropPathRate: Float(args.dropPathRate ?? 0))
            }
        }
    }
}
