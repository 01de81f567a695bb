// ConvNeXt and ConvNeXt-V2 after timm's `timm/models/convnext.py`: same module tree, state-dict
// keys and initialization. Stems (patch, overlapping), channels-last and conv MLPs, layer scale,
// GRN, LayerNorm/RMSNorm/SimpleNorm, both head layouts. Output strides below 32 are not built.
import ZooNN
import ZooRegistry
import ZooTensor

// MARK: - Blocks

/// The norms a ConvNeXt takes by timm's name, for NCHW maps (`channelsFirst`) or NHWC tokens.
enum ConvNeXtNorm: String {
    case layernorm, layernorm2d, rmsnorm, rmsnorm2d, simplenorm, simplenorm2d

    func make(_ channels: Int, eps: Float?, channelsFirst: Bool) -> Module {
        let eps = eps ?? 1e-6
        switch self {
        case .layernorm, .layernorm2d:
            return channelsFirst ? LayerNorm2d(channels, eps: eps) : LayerNorm([channels], eps: eps)
        case .rmsnorm, .rmsnorm2d: return RMSNorm(channels, eps: eps, channelsFirst: channelsFirst)
        case .simplenorm, .simplenorm2d: return SimpleNorm(channels, eps: eps, channelsFirst: channelsFirst)
        }
    }
}

/// The block's MLP: two linear layers (1×1 convolutions with `convMlp`) around the activation
/// (timm's `act_layer`, GELU by default), with GRN between them in ConvNeXt-V2. Keys `fc1`, `grn`, `fc2`.
public final class ConvNeXtMlp: Module {
    public let fc1: Module
    public let grn: GlobalResponseNorm?
    public let fc2: Module
    let activation: ActivationKind

    init(_ channels: Int, hidden: Int, useConv: Bool, useGrn: Bool, activation: ActivationKind = .gelu) {
        self.activation = activation
        fc1 = useConv ? Conv2d(channels, hidden, kernelSize: (1, 1)) : Linear(channels, hidden)
        grn = useGrn ? GlobalResponseNorm(hidden, channelsLast: !useConv) : nil
        fc2 = useConv ? Conv2d(hidden, channels, kernelSize: (1, 1)) : Linear(hidden, channels)
    }

    public override func forward(_ input: Tensor) -> Tensor {
        let x = (fc1 as? Linear).map { activation.apply($0, to: input) } ?? activation.apply(fc1(input))
        return fc2(grn?(x) ?? x)
    }

    /// forward(input) · gamma over the last dimension, the layer scale fused into fc2's GEMM; nil for
    /// the convolutional MLP, which takes NCHW maps.
    func forward(_ input: Tensor, scaledBy gamma: Tensor) -> Tensor? {
        guard let fc1 = fc1 as? Linear, let fc2 = fc2 as? Linear else { return nil }
        let hidden = activation.apply(fc1, to: input)
        return Tensor.linear(grn?(hidden) ?? hidden, weight: fc2.weight, bias: fc2.bias, scaledBy: gamma)
    }
}

/// Depthwise 7×7, norm, MLP, layer scale, residual (timm's `ConvNeXtBlock`).
/// Keys `gamma`, `conv_dw`, `norm`, `mlp`.
public final class ConvNeXtBlock: Module {
    public let gamma: Tensor?
    public let convDw: Conv2d
    public let norm: Module
    public let mlp: ConvNeXtMlp
    public let dropPath: DropPath
    let convMlp: Bool

    init(_ channels: Int, kernelSize: Int, config: ConvNeXtConfig, dropPath: Float) {
        gamma = config.lsInitValue.map { WeightInitialization.parameter(Tensor.full([channels], $0)) }
        convDw = Conv2d(
            channels, channels, kernelSize: (kernelSize, kernelSize), padding: (kernelSize / 2, kernelSize / 2),
            groups: channels, bias: config.convBias)
        norm = config.norm.make(channels, eps: config.normEps, channelsFirst: config.convMlp)
        mlp = ConvNeXtMlp(
            channels, hidden: Int(config.mlpRatio * Double(channels)), useConv: config.convMlp, useGrn: config.useGrn,
            activation: config.activation)
        self.dropPath = DropPath(dropPath)
        convMlp = config.convMlp
    }

    public override var ownParameters: [(String, Tensor)] { gamma.map { [("gamma", $0)] } ?? [] }

    public override func forward(_ input: Tensor) -> Tensor {
        var x = convDw(input)
        if !convMlp, let gamma, let scaled = mlp.forward(norm(x.permute(0, 2, 3, 1)), scaledBy: gamma) {
            // Channels-last MLP with layer scale: the scale rides on fc2's GEMM, one permute back.
            return dropPath(scaled.permute(0, 3, 1, 2)) + input
        }
        x = convMlp ? mlp(norm(x)) : mlp(norm(x.permute(0, 2, 3, 1))).permute(0, 3, 1, 2)
        if let gamma { x = x * gamma.reshape([gamma.count, 1, 1]) }
        return dropPath(x) + input
    }
}

/// A downsample (norm, 2×2 stride-2 convolution) then blocks. Keys `downsample.0/.1`, `blocks.i`.
public final class ConvNeXtStage: Module {
    public let downsample: Sequential?
    public let blocks: Sequential

    init(
        inChannels: Int, outChannels: Int, stride: Int, depth: Int, kernelSize: Int, config: ConvNeXtConfig,
        dropPaths: [Float]
    ) {
        downsample =
            inChannels != outChannels || stride > 1
            ? Sequential(
                config.norm.make(inChannels, eps: config.normEps, channelsFirst: true),
                Conv2d(
                    inChannels, outChannels, kernelSize: (stride, stride), stride: (stride, stride),
                    bias: config.convBias))
            : nil
        blocks = Sequential(
            (0..<depth).map {
                ConvNeXtBlock(outChannels, kernelSize: kernelSize, config: config, dropPath: dropPaths[$0])
            })
    }

    public override func forward(_ input: Tensor) -> Tensor { blocks(downsample?(input) ?? input) }
}

/// timm's `NormMlpClassifierHead` (pool, norm, optional hidden layer, classifier) or, for
/// `head_norm_first`, its `ClassifierHead` (pool, classifier). Keys `norm`, `pre_logits.fc`, `fc`.
public final class ConvNeXtHead: Module {
    public let norm: Module?
    public let preLogits: Sequential?
    public var fc: Module
    let dropRate: Float

    init(_ channels: Int, numClasses: Int, hidden: Int?, norm: Module?, dropRate: Float) {
        self.norm = norm
        preLogits = hidden.map { Sequential(Linear(channels, $0), GELU()) }
        fc = numClasses > 0 ? Linear(hidden ?? channels, numClasses) : Identity()
        self.dropRate = dropRate
    }

    public override func namedChildren() -> [(String, Module)] {
        var children: [(String, Module)] = norm.map { [("norm", $0)] } ?? []
        if let preLogits { children += [("pre_logits.fc", preLogits[0]), ("pre_logits.act", preLogits[1])] }
        return children + [("fc", fc)]
    }

    func forward(_ features: Tensor, preLogits wantPreLogits: Bool, training: Bool) -> Tensor {
        var x = features.mean(dims: [2, 3], keepDim: true)
        if let norm { x = norm(x) }
        x = x.flatten(start: 1)
        if let preLogits { x = preLogits(x) }
        if dropRate > 0 { x = x.dropout(p: dropRate, training: training) }
        return wantPreLogits ? x : fc(x)
    }
}

// MARK: - Model

/// A ConvNeXt classifier: stem, four stages, the head (or `norm_pre` then a plain head).
/// ```swift
/// let model = try makeConvNeXt("convnext_tiny", args: ModelArgs(numClasses: 10))
/// let maps = model.forwardStages(images)          // featuresOnly: the four stage outputs
/// ```
public final class ConvNeXt: Module, ClassifierModel {
    public let config: ConvNeXtConfig
    public let stem: Sequential
    public let stages: Sequential
    public let normPre: Module?
    public let head: ConvNeXtHead

    public private(set) var numClasses: Int
    public let numFeatures: Int
    public var classifierName: String { "head.fc" }

    public init(config: ConvNeXtConfig) {
        self.config = config
        numClasses = config.numClasses
        let dims = config.dims
        let stemNorm = config.norm.make(dims[0], eps: config.normEps, channelsFirst: true)
        switch config.stemType {
        case "patch":
            stem = Sequential(
                Conv2d(
                    config.inChans, dims[0], kernelSize: (config.patchSize, config.patchSize),
                    stride: (config.patchSize, config.patchSize), bias: config.convBias), stemNorm)
        default:
            let mid = config.stemType.contains("tiered") ? makeDivisible(dims[0] / 2) : dims[0]
            var layers: [Module] = [
                Conv2d(config.inChans, mid, kernelSize: (3, 3), stride: (2, 2), padding: (1, 1), bias: config.convBias)
            ]
            if config.stemType.contains("act") { layers.append(GELU()) }
            layers += [
                Conv2d(mid, dims[0], kernelSize: (3, 3), stride: (2, 2), padding: (1, 1), bias: config.convBias),
                stemNorm,
            ]
            stem = Sequential(layers)
        }
        let total = config.depths.reduce(0, +)
        var rates = (0..<total).map { total > 1 ? Float(config.dropPathRate) * Float($0) / Float(total - 1) : 0 }
        var previous = dims[0]
        var stageList: [Module] = []
        for i in 0..<4 {
            let stride = i > 0 ? 2 : 1
            stageList.append(
                ConvNeXtStage(
                    inChannels: previous, outChannels: dims[i], stride: stride, depth: config.depths[i],
                    kernelSize: config.kernelSizes[i], config: config,
                    dropPaths: Array(rates.prefix(config.depths[i]))))
            rates.removeFirst(config.depths[i])
            previous = dims[i]
        }
        stages = Sequential(stageList)
        numFeatures = previous
        let headNorm = config.norm.make(previous, eps: config.normEps, channelsFirst: true)
        normPre = config.headNormFirst ? headNorm : nil
        head = ConvNeXtHead(
            previous, numClasses: config.numClasses, hidden: config.headHiddenSize,
            norm: config.headNormFirst ? nil : headNorm, dropRate: Float(config.dropRate))
        super.init()
        initializeWeights()
    }

    /// timm's `_init_weights`: convolutions and linears truncated-normal (std 0.02), zero biases.
    private func initializeWeights() {
        for (_, module) in namedModules() {
            let pair: (Tensor, Tensor?)? =
                (module as? Conv2d).map { ($0.weight, $0.bias) } ?? (module as? Linear).map { ($0.weight, $0.bias) }
            guard let (weight, bias) = pair else { continue }
            WeightInitialization.reinitialize(weight) { Tensor.truncatedNormal(weight.shape, std: 0.02, using: &$0) }
            if let bias { WeightInitialization.reinitialize(bias) { _ in Tensor.zeros(bias.shape) } }
        }
    }

    /// The outputs of the four stages (timm's `features_only=True` model, strides 4, 8, 16, 32).
    public func forwardStages(_ input: Tensor) -> [Tensor] {
        var x = stem(input)
        return stages.layers.map { stage in
            x = stage(x); return x
        }
    }

    public func forwardFeatures(_ input: Tensor) -> Tensor {
        let x = stages(stem(input))
        return normPre?(x) ?? x
    }

    public func forwardHead(_ features: Tensor, preLogits: Bool) -> Tensor {
        head.forward(features, preLogits: preLogits, training: isTraining)
    }

    public override func forward(_ input: Tensor) -> Tensor { forwardHead(forwardFeatures(input)) }

    public func resetClassifier(numClasses: Int) {
        self.numClasses = numClasses
        head.fc = numClasses > 0 ? Linear(config.headHiddenSize ?? numFeatures, numClasses) : Identity()
        head.fc.train(isTraining)
    }
}

/// timm's `make_divisible(v, 8)`: rounded to a multiple of 8, never below 90% of `v`.
func makeDivisible(_ value: Int, divisor: Int = 8) -> Int {
    var rounded = max(divisor, (value + divisor / 2) / divisor * divisor)
    if Double(rounded) < 0.9 * Double(value) { rounded += divisor }
    return rounded
}

// MARK: - Config

/// Architecture arguments of a ConvNeXt, timm's `ConvNeXt.__init__` keywords.
public struct ConvNeXtConfig: Sendable {
    public var inChans = 3
    public var numClasses = 1000
    public var depths = [3, 3, 9, 3]
    public var dims = [96, 192, 384, 768]
    public var kernelSizes = [7, 7, 7, 7]
    public var lsInitValue: Float? = 1e-6
    public var stemType = "patch"
    public var patchSize = 4
    public var headNormFirst = false
    public var headHiddenSize: Int?
    public var convMlp = false
    public var convBias = true
    public var useGrn = false
    public var mlpRatio = 4.0
    var norm = ConvNeXtNorm.layernorm
    public var normEps: Float?
    public var dropRate = 0.0
    public var dropPathRate = 0.0
    /// The blocks' MLP activation (timm's `act_layer`; the head's stays GELU, as timm's).
    public var activation = ActivationKind.gelu

    public init(_ args: [String: ModelArgValue]) throws(ModelBuildError) {
        for (key, value) in args {
            switch key {
            case "in_chans": inChans = value.intValue ?? inChans
            case "num_classes": numClasses = value.intValue ?? numClasses
            case "depths": depths = value.ints(count: 4) ?? depths
            case "dims": dims = value.ints(count: 4) ?? dims
            case "kernel_sizes": kernelSizes = value.ints(count: 4) ?? kernelSizes
            case "ls_init_value": lsInitValue = value.doubleValue.map(Float.init)
            case "stem_type":
                stemType = value.stringValue ?? stemType
                guard ["patch", "overlap", "overlap_tiered", "overlap_act"].contains(stemType) else {
                    throw .unsupported(key, stemType)
                }
            case "patch_size": patchSize = value.intValue ?? patchSize
            case "head_norm_first": headNormFirst = value.boolValue ?? headNormFirst
            case "head_hidden_size": headHiddenSize = value.intValue
            case "conv_mlp": convMlp = value.boolValue ?? convMlp
            case "conv_bias": convBias = value.boolValue ?? convBias
            case "use_grn": useGrn = value.boolValue ?? useGrn
            case "norm_layer":
                guard let kind = value.stringValue.flatMap(ConvNeXtNorm.init(rawValue:)) else {
                    throw .unsupported(key, "\(value)")
                }
                norm = kind
            case "act_layer":
                guard let kind = value.stringValue.flatMap(ActivationKind.init(rawValue:)) else {
                    throw .unsupported(key, "\(value)")
                }
                activation = kind
            case "norm_eps": normEps = value.doubleValue.map(Float.init)
            case "drop_rate": dropRate = value.doubleValue ?? dropRate
            case "drop_path_rate": dropPathRate = value.doubleValue ?? dropPathRate
            case "output_stride":
                guard value.intValue == 32 else { throw .unsupported(key, "\(value)") }
            case "global_pool":
                guard value.stringValue == "avg" else { throw .unsupported(key, "\(value)") }
            case "img_size": continue  // fully convolutional: any input size
            default: throw .unknownArgument(key)
            }
        }
    }
}

// MARK: - Builder, variants and registration

/// Builds a ConvNeXt or ConvNeXt-V2 variant by its timm name; `args.extra` overrides its arguments.
public func makeConvNeXt(_ name: String, args: ModelArgs = ModelArgs()) throws(ModelBuildError) -> ConvNeXt {
    guard let variant = ConvNeXtVariants.all[name] else { throw .unknownVariant(name) }
    var merged = variant
    merged["num_classes"] = .int(args.numClasses)
    merged["in_chans"] = .int(args.inChans)
    merged["drop_rate"] = .double(args.dropRate)
    if let rate = args.dropPathRate { merged["drop_path_rate"] = .double(rate) }
    for (key, value) in args.extra { merged[key] = value }
    return ConvNeXt(config: try ConvNeXtConfig(merged))
}

/// Every `convnext_*` and `convnextv2_*` timm 1.0 registers, as its `model_args`.
public enum ConvNeXtVariants {
    public static let names: [String] = table.map(\.0)
    public static let all: [String: [String: ModelArgValue]] = Dictionary(uniqueKeysWithValues: table)

    private static let table: [(String, [String: ModelArgValue])] = [
        ("convnext_atto", ["depths": .ints([2, 2, 6, 2]), "dims": .ints([40, 80, 160, 320]), "conv_mlp": true]),
        (
            "convnext_atto_ols",
            [
                "depths": .ints([2, 2, 6, 2]), "dims": .ints([40, 80, 160, 320]), "conv_mlp": true,
                "stem_type": "overlap_tiered",
            ]
        ),
        (
            "convnext_atto_rms",
            [
                "depths": .ints([2, 2, 6, 2]), "dims": .ints([40, 80, 160, 320]), "conv_mlp": true,
                "norm_layer": "rmsnorm2d",
            ]
        ),
        ("convnext_base", ["depths": .ints([3, 3, 27, 3]), "dims": .ints([128, 256, 512, 1024])]),
        ("convnext_femto", ["depths": .ints([2, 2, 6, 2]), "dims": .ints([48, 96, 192, 384]), "conv_mlp": true]),
        (
            "convnext_femto_ols",
            [
                "depths": .ints([2, 2, 6, 2]), "dims": .ints([48, 96, 192, 384]), "conv_mlp": true,
                "stem_type": "overlap_tiered",
            ]
        ),
        ("convnext_large", ["depths": .ints([3, 3, 27, 3]), "dims": .ints([192, 384, 768, 1536])]),
        (
            "convnext_large_mlp",
            ["depths": .ints([3, 3, 27, 3]), "dims": .ints([192, 384, 768, 1536]), "head_hidden_size": 1536]
        ),
        ("convnext_nano", ["depths": .ints([2, 2, 8, 2]), "dims": .ints([80, 160, 320, 640]), "conv_mlp": true]),
        (
            "convnext_nano_ols",
            [
                "depths": .ints([2, 2, 8, 2]), "dims": .ints([80, 160, 320, 640]), "conv_mlp": true,
                "stem_type": "overlap",
            ]
        ),
        ("convnext_pico", ["depths": .ints([2, 2, 6, 2]), "dims": .ints([64, 128, 256, 512]), "conv_mlp": true]),
        (
            "convnext_pico_ols",
            [
                "depths": .ints([2, 2, 6, 2]), "dims": .ints([64, 128, 256, 512]), "conv_mlp": true,
                "stem_type": "overlap_tiered",
            ]
        ),
        ("convnext_small", ["depths": .ints([3, 3, 27, 3]), "dims": .ints([96, 192, 384, 768])]),
        ("convnext_tiny", ["depths": .ints([3, 3, 9, 3]), "dims": .ints([96, 192, 384, 768])]),
        (
            "convnext_tiny_hnf",
            [
                "depths": .ints([3, 3, 9, 3]), "dims": .ints([96, 192, 384, 768]), "head_norm_first": true,
                "conv_mlp": true,
            ]
        ),
        ("convnext_xlarge", ["depths": .ints([3, 3, 27, 3]), "dims": .ints([256, 512, 1024, 2048])]),
        (
            "convnext_xxlarge",
            ["depths": .ints([3, 4, 30, 3]), "dims": .ints([384, 768, 1536, 3072]), "norm_eps": 1e-05]
        ),
        (
            "convnext_zepto_rms",
            [
                "depths": .ints([2, 2, 4, 2]), "dims": .ints([32, 64, 128, 256]), "conv_mlp": true,
                "norm_layer": "simplenorm",
            ]
        ),
        (
            "convnext_zepto_rms_ols",
            [
                "depths": .ints([2, 2, 4, 2]), "dims": .ints([32, 64, 128, 256]), "conv_mlp": true,
                "norm_layer": "simplenorm", "stem_type": "overlap_act",
            ]
        ),
        (
            "convnextv2_atto",
            [
                "depths": .ints([2, 2, 6, 2]), "dims": .ints([40, 80, 160, 320]), "use_grn": true,
                "ls_init_value": .string("none"), "conv_mlp": true,
            ]
        ),
        (
            "convnextv2_base",
            [
                "depths": .ints([3, 3, 27, 3]), "dims": .ints([128, 256, 512, 1024]), "use_grn": true,
                "ls_init_value": .string("none"),
            ]
        ),
        (
            "convnextv2_femto",
            [
                "depths": .ints([2, 2, 6, 2]), "dims": .ints([48, 96, 192, 384]), "use_grn": true,
                "ls_init_value": .string("none"), "conv_mlp": true,
            ]
        ),
        (
            "convnextv2_huge",
            [
                "depths": .ints([3, 3, 27, 3]), "dims": .ints([352, 704, 1408, 2816]), "use_grn": true,
                "ls_init_value": .string("none"),
            ]
        ),
        (
            "convnextv2_large",
            [
                "depths": .ints([3, 3, 27, 3]), "dims": .ints([192, 384, 768, 1536]), "use_grn": true,
                "ls_init_value": .string("none"),
            ]
        ),
        (
            "convnextv2_nano",
            [
                "depths": .ints([2, 2, 8, 2]), "dims": .ints([80, 160, 320, 640]), "use_grn": true,
                "ls_init_value": .string("none"), "conv_mlp": true,
            ]
        ),
        (
            "convnextv2_pico",
            [
                "depths": .ints([2, 2, 6, 2]), "dims": .ints([64, 128, 256, 512]), "use_grn": true,
                "ls_init_value": .string("none"), "conv_mlp": true,
            ]
        ),
        (
            "convnextv2_small",
            [
                "depths": .ints([3, 3, 27, 3]), "dims": .ints([96, 192, 384, 768]), "use_grn": true,
                "ls_init_value": .string("none"),
            ]
        ),
        (
            "convnextv2_tiny",
            [
                "depths": .ints([3, 3, 9, 3]), "dims": .ints([96, 192, 384, 768]), "use_grn": true,
                "ls_init_value": .string("none"),
            ]
        ),
        // timm's small smoke-test models, with their own pretrained weights (r160_in1k).
        (
            "test_convnext",
            [
                "depths": .ints([1, 2, 4, 2]), "dims": .ints([24, 32, 48, 64]), "norm_eps": 1e-05,
                "act_layer": "gelu_tanh",
            ]
        ),
        (
            "test_convnext2",
            [
                "depths": .ints([1, 1, 1, 1]), "dims": .ints([32, 64, 96, 128]), "norm_eps": 1e-05,
                "act_layer": "gelu_tanh",
            ]
        ),
        (
            "test_convnext3",
            [
                "depths": .ints([1, 1, 1, 1]), "dims": .ints([32, 64, 96, 128]), "norm_eps": 1e-05,
                "kernel_sizes": .ints([7, 5, 5, 3]), "act_layer": "silu",
            ]
        ),
    ]

    /// Attaches a builder for every variant under timm's module name "convnext".
    public static func register(into registry: ModelRegistry) {
        for name in names {
            registry.register(
                architecture: name, family: "convnext", builder: { args in try makeConvNeXt(name, args: args) },
                checkpointFilter: ConvNeXtVariants.checkpointFilter)
        }
    }

    /// timm's `checkpoint_filter_fn`: Facebook's original keys (`downsample_layers`, `dwconv`,
    /// `pwconv`, `grn.gamma`) and torchvision's onto timm's; timm's own checkpoints pass unchanged.
    public static let checkpointFilter: CheckpointFilter = { original in
        let tensors = TorchvisionCheckpoints.convnext(original)
        guard !tensors.contains(where: { $0.name == "head.norm.weight" || $0.name == "norm_pre.weight" }) else {
            return tensors
        }
        return tensors.compactMap { name, tensor in
            var key = name, value = tensor
            if key.hasPrefix("projectors.") || key.hasPrefix("norms.") { return nil }
            key = key.replacingOccurrences(of: "downsample_layers.0.", with: "stem.")
            key = key.replacingOccurrences(
                of: #"stages\.([0-9]+)\.([0-9]+)"#, with: "stages.$1.blocks.$2", options: .regularExpression)
            key = key.replacingOccurrences(
                of: #"downsample_layers\.([0-9]+)\.([0-9]+)"#, with: "stages.$1.downsample.$2",
                options: .regularExpression)
            key = key.replacingOccurrences(of: "dwconv", with: "conv_dw").replacingOccurrences(
                of: "pwconv", with: "mlp.fc")
            if key.contains("grn") {
                key = key.replacingOccurrences(of: "grn.beta", with: "mlp.grn.bias").replacingOccurrences(
                    of: "grn.gamma", with: "mlp.grn.weight")
                value = value.reshape([value.shape.last!])
            }
            key = key.replacingOccurrences(of: "head.", with: "head.fc.")
            if key.hasPrefix("norm.") { key = "head." + key }
            return (key, value)
        }
    }
}
