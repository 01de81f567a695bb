// torchvision's MaxViT (`torchvision/models/maxvit.py`), registered as `maxvit_t` with torchvision's
// module tree and keys. Each layer is an MBConv (pre-norm batch norm, expansion, depthwise,
// squeeze-excitation, projection), then attention within p×p windows ("block"), then attention
// across the map at stride H/p ("grid"), each with a relative position bias. timm's MaxViTs
// compute differently (attention scale per head, not per channel; TF "same" padding in the `tf`
// variants; a biased classifier), so no timm twin loads torchvision's weights (docs/torchvision.md).
import Foundation
import ZooNN
import ZooRegistry
import ZooTensor

// MARK: - Partitions

/// torchvision's `WindowPartition` / `WindowDepartition`: block attention attends within p×p
/// windows, grid attention within the tokens at stride H/p (the same partition, axes swapped).
public enum MaxViTPartition {
    /// [N, C, H, W] → [N, (H/p)·(W/p), p·p, C]: windows of p×p tokens, row-major.
    public static func partition(_ x: Tensor, p: Int) -> Tensor {
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        return x.reshape([n, c, h / p, p, w / p, p]).permute(0, 2, 4, 3, 5, 1).reshape([n, (h / p) * (w / p), p * p, c])
    }

    /// [N, (H/p)·(W/p), p·p, C] → [N, C, H, W].
    public static func departition(_ x: Tensor, p: Int, rows: Int, cols: Int) -> Tensor {
        let (n, c) = (x.shape[0], x.shape[3])
        return x.reshape([n, rows, cols, p, p, c]).permute(0, 5, 1, 3, 2, 4).reshape([n, c, rows * p, cols * p])
    }
}

// MARK: - Blocks

/// torchvision's `MBConv`: `proj` (3×3/2 average pool and 1×1 conv when the shape changes) plus
/// the stochastic-depth-dropped `layers`.
public final class MaxViTMBConv: Module {
    public let proj: Module
    public let stochasticDepth: DropPath
    public let layers: Layers

    /// pre_norm, conv_a (1×1 expand), conv_b (3×3 depthwise, strided), squeeze_excitation, conv_c.
    public final class Layers: Module {
        public let preNorm: BatchNorm2d
        public let convA: Sequential
        public let convB: Sequential
        public let squeezeExcitation: SEModule
        public let convC: Conv2d

        init(_ inChannels: Int, _ outChannels: Int, stride: Int, config: MaxViTConfig) {
            let mid = Int(Double(outChannels) * config.expansionRatio)
            preNorm = config.batchNorm(inChannels)
            convA = Sequential(Conv2d(inChannels, mid, kernelSize: 1, bias: false), config.batchNorm(mid), GELU())
            convB = Sequential(
                Conv2d(mid, mid, kernelSize: 3, stride: stride, padding: 1, groups: mid, bias: false),
                config.batchNorm(mid), GELU())
            squeezeExcitation = SEModule(mid, rdChannels: Int(Double(outChannels) * config.squeezeRatio), act: SiLU())
            convC = Conv2d(mid, outChannels, kernelSize: 1)
        }

        public override func forward(_ input: Tensor) -> Tensor {
            convC(squeezeExcitation(convB(convA(preNorm(input)))))
        }
    }

    init(_ inChannels: Int, _ outChannels: Int, stride: Int, config: MaxViTConfig, dropPath: Float) {
        if stride != 1 || inChannels != outChannels {
            let conv = Conv2d(inChannels, outChannels, kernelSize: 1)
            proj =
                stride == 2
                ? Sequential(AvgPool2d(kernelSize: 3, stride: stride, padding: 1), conv) : Sequential(conv)
        } else {
            proj = Identity()
        }
        stochasticDepth = DropPath(dropPath)
        layers = Layers(inChannels, outChannels, stride: stride, config: config)
    }

    public override func forward(_ input: Tensor) -> Tensor { proj(input) + stochasticDepth(layers(input)) }
}

/// torchvision's `RelativePositionalMultiHeadAttention` on [N, G, P, C]: attention over P with a
/// learned bias per relative offset, scaled by 1/√C (all channels, as torchvision does). Keys
/// `relative_position_bias_table`, `relative_position_index` (a saved buffer), `to_qkv`, `merge`.
public final class MaxViTRelativeAttention: Module {
    public let numHeads: Int
    public let size: Int
    public let relativePositionBiasTable: Tensor
    public let relativePositionIndex: Tensor
    public let toQkv: Linear
    public let merge: Linear
    let scale: Float

    init(_ dim: Int, headDim: Int, partitionSize: Int) {
        let heads = dim / headDim
        numHeads = heads
        size = partitionSize
        let rows = (2 * partitionSize - 1) * (2 * partitionSize - 1)
        relativePositionBiasTable = WeightInitialization.parameter([rows, heads]) {
            Tensor.truncatedNormal([rows, heads], std: 0.02, using: &$0)
        }
        relativePositionIndex = Tensor(indices: SwinWindows.relativePositionIndex((size, size))).reshape([
            size * size, size * size,
        ])
        toQkv = Linear(dim, dim * 3)
        merge = Linear(dim, dim)
        scale = 1 / Float(dim).squareRoot()
    }

    public override var ownParameters: [(String, Tensor)] {
        [("relative_position_bias_table", relativePositionBiasTable)]
    }
    public override var ownBuffers: [(String, Tensor)] { [("relative_position_index", relativePositionIndex)] }

    public override func forward(_ input: Tensor) -> Tensor {
        let (n, g, p, c) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
        let heads = toQkv(input).reshape([n, g, p, 3, numHeads, c / numHeads]).permute(3, 0, 1, 4, 2, 5)
        let bias = relativePositionBiasTable.indexSelect(dim: 0, index: relativePositionIndex.reshape([-1]))
            .reshape([p, p, numHeads]).permute(2, 0, 1)
        let attended = Tensor.scaledDotProductAttention(
            heads.select(0, 0), heads.select(0, 1), heads.select(0, 2), bias: bias, scale: scale)
        return merge(attended.permute(0, 1, 3, 2, 4).reshape([n, g, p, c]))
    }
}

/// torchvision's `PartitionAttentionLayer`: partition ("window": p×p windows; "grid": the same
/// with p = H/partition and the axes swapped), x + attn(norm(x)), x + mlp(norm(x)), departition.
/// Keys `attn_layer.0/1`, `mlp_layer.0/1/3`.
public final class MaxViTPartitionAttention: Module {
    public let attnLayer: Sequential
    public let mlpLayer: Sequential
    public let stochasticDropout: DropPath
    let partitionSize: Int
    let isGrid: Bool

    init(_ dim: Int, grid: Bool, config: MaxViTConfig, dropPath: Float) {
        attnLayer = Sequential(
            LayerNorm(dim), MaxViTRelativeAttention(dim, headDim: config.headDim, partitionSize: config.partitionSize),
            Dropout(Float(config.attentionDropout)))
        mlpLayer = Sequential(
            LayerNorm(dim), Linear(dim, dim * config.mlpRatio), GELU(), Linear(dim * config.mlpRatio, dim),
            Dropout(Float(config.mlpDropout)))
        stochasticDropout = DropPath(dropPath)
        partitionSize = config.partitionSize
        isGrid = grid
    }

    public override func forward(_ input: Tensor) -> Tensor {
        let (h, w) = (input.shape[2], input.shape[3])
        precondition(
            h % partitionSize == 0 && w % partitionSize == 0 && h == w,
            "MaxViT: a \(h)×\(w) map is not a square of whole \(partitionSize)×\(partitionSize) partitions")
        let p = isGrid ? h / partitionSize : partitionSize
        var x = MaxViTPartition.partition(input, p: p)
        if isGrid { x = x.transpose(1, 2) }
        x = x + stochasticDropout(attnLayer(x))
        x = x + stochasticDropout(mlpLayer(x))
        if isGrid { x = x.transpose(1, 2) }
        return MaxViTPartition.departition(x, p: p, rows: h / p, cols: w / p)
    }
}

/// torchvision's `MaxVitLayer`: keys `layers.MBconv`, `layers.window_attention`, `layers.grid_attention`.
public final class MaxViTLayer: Module {
    public let mbconv: MaxViTMBConv
    public let windowAttention: MaxViTPartitionAttention
    public let gridAttention: MaxViTPartitionAttention

    init(_ inChannels: Int, _ outChannels: Int, stride: Int, config: MaxViTConfig, dropPath: Float) {
        mbconv = MaxViTMBConv(inChannels, outChannels, stride: stride, config: config, dropPath: dropPath)
        windowAttention = MaxViTPartitionAttention(outChannels, grid: false, config: config, dropPath: dropPath)
        gridAttention = MaxViTPartitionAttention(outChannels, grid: true, config: config, dropPath: dropPath)
    }

    public override func namedChildren() -> [(String, Module)] {
        [
            ("layers.MBconv", mbconv), ("layers.window_attention", windowAttention),
            ("layers.grid_attention", gridAttention),
        ]
    }

    public override func forward(_ input: Tensor) -> Tensor { gridAttention(windowAttention(mbconv(input))) }
}

/// torchvision's `MaxVitBlock`: the first layer halves the map. Keys `layers.i`.
public final class MaxViTBlock: Module {
    public let layers: [MaxViTLayer]

    init(_ inChannels: Int, _ outChannels: Int, depth: Int, config: MaxViTConfig, dropPaths: [Float]) {
        layers = (0..<depth).map {
            MaxViTLayer(
                $0 == 0 ? inChannels : outChannels, outChannels, stride: $0 == 0 ? 2 : 1, config: config,
                dropPath: dropPaths[$0])
        }
    }

    public override func forward(_ input: Tensor) -> Tensor { layers.reduce(input) { $1($0) } }
}

/// torchvision's classifier after pooling: LayerNorm, Linear, tanh, Linear without bias.
/// Keys `2`, `3`, `5` (its Sequential's indices; 0, 1, 4 are the pool, flatten and tanh).
public final class MaxViTHead: Module {
    public let norm: LayerNorm
    public let preLogits: Linear
    public private(set) var fc: Module
    let features: Int

    init(_ features: Int, numClasses: Int) {
        self.features = features
        norm = LayerNorm(features)
        preLogits = Linear(features, features)
        fc = numClasses > 0 ? Linear(features, numClasses, bias: false) : Identity()
    }

    func reset(numClasses: Int) { fc = numClasses > 0 ? Linear(features, numClasses, bias: false) : Identity() }

    public override func namedChildren() -> [(String, Module)] { [("2", norm), ("3", preLogits), ("5", fc)] }

    func forward(_ map: Tensor, preLogits pre: Bool) -> Tensor {
        let x = preLogits(norm(map.mean(dims: [2, 3]))).tanh()
        return pre ? x : fc(x)
    }
}

// MARK: - Model

/// torchvision's MaxViT classifier: a two-conv stem, four blocks, the tanh classifier.
/// ```swift
/// let model = try createModel("maxvit_t", checkpointPath: "maxvit_t-bc5ab103.pth")
/// ```
public final class MaxViT: Module, ClassifierModel {
    public let config: MaxViTConfig
    public let stem: Sequential
    public let blocks: [MaxViTBlock]
    public let classifier: MaxViTHead

    public private(set) var numClasses: Int
    public let numFeatures: Int
    public var classifierName: String { "classifier.5" }

    public init(config: MaxViTConfig) {
        self.config = config
        numClasses = config.numClasses
        let stemChannels = config.stemChannels
        stem = Sequential(
            Sequential(
                Conv2d(config.inChans, stemChannels, kernelSize: 3, stride: 2, padding: 1, bias: false),
                config.batchNorm(stemChannels), GELU()),
            Sequential(Conv2d(stemChannels, stemChannels, kernelSize: 3, padding: 1)))
        let total = config.blockLayers.reduce(0, +)
        // numpy's linspace(0, p, total).
        var rates = (0..<total).map {
            total > 1 ? Float(config.stochasticDepthProb * Double($0) / Double(total - 1)) : 0
        }
        var list: [MaxViTBlock] = []
        for (i, depth) in config.blockLayers.enumerated() {
            list.append(
                MaxViTBlock(
                    i == 0 ? stemChannels : config.blockChannels[i - 1], config.blockChannels[i], depth: depth,
                    config: config, dropPaths: Array(rates.prefix(depth))))
            rates.removeFirst(depth)
        }
        blocks = list
        numFeatures = config.blockChannels.last!
        classifier = MaxViTHead(numFeatures, numClasses: config.numClasses)
        super.init()
        // torchvision's `_init_weights`: convs and linears N(0, 0.02), biases 0.
        for (_, module) in namedModules() {
            let weightAndBias: (Tensor, Tensor?)? =
                (module as? Conv2d).map { ($0.weight, $0.bias) } ?? (module as? Linear).map { ($0.weight, $0.bias) }
            guard let (weight, bias) = weightAndBias else { continue }
            WeightInitialization.reinitialize(weight) { Tensor.normal(weight.shape, std: 0.02, using: &$0) }
            if let bias { WeightInitialization.reinitialize(bias) { _ in Tensor.zeros(bias.shape) } }
        }
    }

    /// [N, C, H/32, W/32].
    public func forwardFeatures(_ input: Tensor) -> Tensor { blocks.reduce(stem(input)) { $1($0) } }

    public func forwardHead(_ features: Tensor, preLogits: Bool) -> Tensor {
        classifier.forward(features, preLogits: preLogits)
    }

    public override func forward(_ input: Tensor) -> Tensor { forwardHead(forwardFeatures(input)) }

    public func resetClassifier(numClasses: Int) {
        self.numClasses = numClasses
        classifier.reset(numClasses: numClasses)
        classifier.train(isTraining)
    }
}

// MARK: - Config

/// torchvision's `MaxVit.__init__` arguments (`input_size` also as timm's `img_size`).
public struct MaxViTConfig: Sendable {
    public var inputSize = 224
    public var inChans = 3
    public var stemChannels = 64
    public var partitionSize = 7
    public var blockChannels = [64, 128, 256, 512]
    public var blockLayers = [2, 2, 5, 2]
    public var headDim = 32
    public var stochasticDepthProb = 0.2
    public var squeezeRatio = 0.25
    public var expansionRatio = 4.0
    public var mlpRatio = 4
    public var mlpDropout = 0.0
    public var attentionDropout = 0.0
    public var numClasses = 1000

    public init(_ args: [String: ModelArgValue]) throws(ModelBuildError) {
        for (key, value) in args {
            switch key {
            case "input_size", "img_size": inputSize = value.ints(count: 2)?.first ?? inputSize
            case "in_chans": inChans = value.intValue ?? inChans
            case "stem_channels": stemChannels = value.intValue ?? stemChannels
            case "partition_size": partitionSize = value.intValue ?? partitionSize
            case "block_channels": blockChannels = value.ints(count: blockChannels.count) ?? blockChannels
            case "block_layers": blockLayers = value.ints(count: blockLayers.count) ?? blockLayers
            case "head_dim": headDim = value.intValue ?? headDim
            case "stochastic_depth_prob", "drop_path_rate":
                stochasticDepthProb = value.doubleValue ?? stochasticDepthProb
            case "squeeze_ratio": squeezeRatio = value.doubleValue ?? squeezeRatio
            case "expansion_ratio": expansionRatio = value.doubleValue ?? expansionRatio
            case "mlp_ratio": mlpRatio = value.intValue ?? mlpRatio
            case "mlp_dropout": mlpDropout = value.doubleValue ?? mlpDropout
            case "attention_dropout": attentionDropout = value.doubleValue ?? attentionDropout
            case "num_classes": numClasses = value.intValue ?? numClasses
            case "drop_rate": continue  // torchvision's MaxViT has no head dropout
            default: throw .unknownArgument(key)
            }
        }
        guard blockChannels.count == blockLayers.count else {
            throw .unsupported("block_layers", "\(blockLayers) for \(blockChannels.count) blocks")
        }
        // torchvision's check: every block's map a whole number of partitions.
        var side = (inputSize - 1) / 2 + 1
        for _ in blockLayers {
            side = (side - 1) / 2 + 1
            guard side % partitionSize == 0 else {
                throw .unsupported("input_size", "\(inputSize): a block's \(side)×\(side) map is not whole partitions")
            }
        }
    }

    /// torchvision's MaxViT batch norm: eps 1e-3, momentum 0.99.
    func batchNorm(_ channels: Int) -> BatchNorm2d { BatchNorm2d(channels, eps: 1e-3, momentum: 0.99) }
}

// MARK: - Builder and registration

/// torchvision's MaxViT variants by name (torchvision 0.14 has maxvit_t).
public enum MaxViTVariants {
    public static let names = ["maxvit_t"]

    /// Builds `maxvit_t`; `args.extra` takes torchvision's keywords (`input_size`, `block_layers`, …).
    public static func make(_ name: String, args: ModelArgs = ModelArgs()) throws(ModelBuildError) -> MaxViT {
        guard names.contains(name) else { throw .unknownVariant(name) }
        var merged: [String: ModelArgValue] = ["num_classes": .int(args.numClasses), "in_chans": .int(args.inChans)]
        if let rate = args.dropPathRate { merged["stochastic_depth_prob"] = .double(rate) }
        for (key, value) in args.extra { merged[key] = value }
        return MaxViT(config: try MaxViTConfig(merged))
    }

    /// torchvision's eval transform for maxvit_t's weights: resize 224 (bicubic), crop 224.
    static var cfg: PretrainedCfg {
        var cfg = PretrainedCfg(architecture: "maxvit_t")
        cfg.cropPct = 1.0
        cfg.interpolation = "bicubic"
        cfg.firstConv = .single("stem.0.0")
        cfg.classifier = .single("classifier.5")
        return cfg
    }

    /// Attaches `maxvit_t` under the family "torchvision" (its keys are torchvision's: no filter).
    public static func register(into registry: ModelRegistry) {
        for name in names {
            registry.register(architecture: name, family: "torchvision") { args in try make(name, args: args) }
        }
        try! registry.register(cfgs: [cfg])
    }
}
