// Swin Transformer V2 after timm's `timm/models/swin_transformer_v2.py`: cosine window attention
// with a learned per-head logit scale, a continuous relative position bias (a small MLP over
// log-spaced offsets), residual post-norm blocks, patch merging that projects before its norm.
// Same module tree, state-dict keys and initialization as timm. torchvision's swin_v2_t/s/b compute
// the same and load into swinv2_{tiny,small,base}_window8_256 (docs/torchvision.md).
import Foundation
import ZooNN
import ZooRegistry
import ZooTensor

// MARK: - Continuous position bias

/// SwinV2's relative coordinates: the inputs of the position-bias MLP.
public enum SwinV2Positions {
    /// timm's `relative_coords_table` as [(2h−1)·(2w−1), 2]: every (dy, dx) offset in a window,
    /// divided by (window − 1) (or the pretraining window's), times 8, then sign·log2(1 + |·|)/3.
    public static func coordsTable(window: (Int, Int), pretrainedWindow: (Int, Int) = (0, 0)) -> Tensor {
        let divisor =
            pretrainedWindow.0 > 0
            ? (Swift.max(pretrainedWindow.0 - 1, 1), Swift.max(pretrainedWindow.1 - 1, 1))
            : (Swift.max(window.0 - 1, 1), Swift.max(window.1 - 1, 1))
        func squash(_ offset: Int, _ divisor: Int) -> Float {
            let v = Float(offset) / Float(divisor) * 8
            return (v > 0 ? 1 : v < 0 ? -1 : 0) * Foundation.log2(Swift.abs(v) + 1) / Foundation.log2(8)
        }
        var values: [Float] = []
        for dy in -(window.0 - 1)..<window.0 {
            for dx in -(window.1 - 1)..<window.1 { values += [squash(dy, divisor.0), squash(dx, divisor.1)] }
        }
        return Tensor(values, shape: [values.count / 2, 2])
    }
}

// MARK: - Blocks

/// Window attention of SwinV2 (timm's `WindowAttention` in swin_transformer_v2): cosine attention,
/// logit scale clamped at log 100, bias 16·sigmoid(cpb_mlp(coords)). Keys `logit_scale`, `q_bias`,
/// `v_bias` (the key bias is a zero buffer, not saved), `cpb_mlp.0/2`, `qkv`, `proj`.
public final class WindowAttentionV2: Module {
    public let numHeads: Int
    public let window: (Int, Int)
    public let logitScale: Tensor
    public let qBias: Tensor?
    public let vBias: Tensor?
    public let cpbMlp: Sequential
    public let qkv: Linear
    public let proj: Linear
    let coordsTable: Tensor
    let positionIndex: Tensor

    init(_ dim: Int, numHeads: Int, window: (Int, Int), qkvBias: Bool, pretrainedWindow: (Int, Int)) {
        self.numHeads = numHeads
        self.window = window
        logitScale = WeightInitialization.parameter(Tensor.full([numHeads, 1, 1], Float(Foundation.log(10.0))))
        qBias = qkvBias ? WeightInitialization.parameter(Tensor.zeros([dim])) : nil
        vBias = qkvBias ? WeightInitialization.parameter(Tensor.zeros([dim])) : nil
        cpbMlp = Sequential(Linear(2, 512), ReLU(), Linear(512, numHeads, bias: false))
        qkv = Linear(dim, dim * 3, bias: false)
        proj = Linear(dim, dim)
        coordsTable = SwinV2Positions.coordsTable(window: window, pretrainedWindow: pretrainedWindow)
        positionIndex = Tensor(indices: SwinWindows.relativePositionIndex(window))
    }

    public override var ownParameters: [(String, Tensor)] {
        [("logit_scale", logitScale)] + (qBias.map { [("q_bias", $0)] } ?? []) + (vBias.map { [("v_bias", $0)] } ?? [])
    }

    /// [heads, T, T]: 16·sigmoid of the MLP's output at each token pair's offset.
    var relativePositionBias: Tensor {
        let t = window.0 * window.1
        let table = cpbMlp(coordsTable)  // [(2h−1)(2w−1), heads]
        let bias = table.indexSelect(dim: 0, index: positionIndex).reshape([t, t, numHeads]).permute(2, 0, 1)
        return bias.sigmoid() * 16
    }

    /// `windows` [N·nW, T, C] of `batch` images; `mask` [nW, T, T] for shifted windows.
    func forward(_ windows: Tensor, batch: Int, mask: Tensor?) -> Tensor {
        let (bw, t, c) = (windows.shape[0], windows.shape[1], windows.shape[2])
        var projected = qkv(windows)
        if let qBias, let vBias { projected = projected + Tensor.concat([qBias, Tensor.zeros([c]), vBias]) }
        let heads = projected.reshape([batch, bw / batch, t, 3, numHeads, c / numHeads]).permute(3, 0, 1, 4, 2, 5)
        var bias = relativePositionBias.unsqueeze(0)  // [1, heads, T, T]
        if let mask { bias = bias + mask.unsqueeze(1) }  // [nW, heads, T, T]
        let attended = Tensor.cosineAttention(
            heads.select(0, 0), heads.select(0, 1), heads.select(0, 2), logitScale: logitScale, bias: bias)
        return proj(attended.permute(0, 1, 3, 2, 4).reshape([bw, t, c]))
    }
}

/// SwinV2 block (timm's `SwinTransformerV2Block`): res-post-norm, x + norm1(attn(x)), then
/// x + norm2(mlp(x)), on [N, H, W, C]; a map that is not a whole number of windows is padded
/// after the cyclic shift, as timm does. Keys `attn`, `norm1`, `mlp`, `norm2`.
public final class SwinTransformerV2Block: Module {
    public let window: (Int, Int)
    public let shift: (Int, Int)
    public let attn: WindowAttentionV2
    public let norm1: LayerNorm
    public let dropPath1: DropPath
    public let mlp: Mlp
    public let norm2: LayerNorm
    public let dropPath2: DropPath
    let mask: Tensor?

    init(
        _ dim: Int, resolution: (Int, Int), numHeads: Int, window target: (Int, Int), shifted: Bool,
        pretrainedWindow: (Int, Int), config: SwinV2Config, dropPath: Float
    ) {
        // timm's `_calc_window_shift`: a window larger than the map shrinks to it and is not shifted.
        window = (Swift.min(resolution.0, target.0), Swift.min(resolution.1, target.1))
        shift = (
            resolution.0 <= window.0 || !shifted ? 0 : target.0 / 2,
            resolution.1 <= window.1 || !shifted ? 0 : target.1 / 2
        )
        attn = WindowAttentionV2(
            dim, numHeads: numHeads, window: window, qkvBias: config.qkvBias, pretrainedWindow: pretrainedWindow)
        norm1 = LayerNorm([dim], eps: 1e-5)
        dropPath1 = DropPath(dropPath)
        mlp = Mlp(dim, hidden: Int(Double(dim) * config.mlpRatio))
        norm2 = LayerNorm([dim], eps: 1e-5)
        dropPath2 = DropPath(dropPath)
        let padded = (
            (resolution.0 + window.0 - 1) / window.0 * window.0, (resolution.1 + window.1 - 1) / window.1 * window.1
        )
        mask =
            shift.0 > 0 || shift.1 > 0
            ? SwinWindows.attentionMask(height: padded.0, width: padded.1, window: window, shift: shift) : nil
    }

    /// The attention branch on [N, H, W, C]: shift, pad to whole windows, attend, crop, shift back.
    func attend(_ input: Tensor) -> Tensor {
        let (n, h, w, c) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
        let shifted = shift.0 > 0 || shift.1 > 0
        var x = shifted ? input.roll(shifts: [-shift.0, -shift.1], dims: [1, 2]) : input
        let (padH, padW) = ((window.0 - h % window.0) % window.0, (window.1 - w % window.1) % window.1)
        if padH > 0 { x = Tensor.concat([x, Tensor.zeros([n, padH, w, c])], dim: 1) }
        if padW > 0 { x = Tensor.concat([x, Tensor.zeros([n, h + padH, padW, c])], dim: 2) }
        let attended = attn.forward(SwinWindows.partition(x, window: window), batch: n, mask: mask)
        x = SwinWindows.reverse(attended, window: window, height: h + padH, width: w + padW)
        if padH > 0 || padW > 0 { x = x.slice(1, 0, h).slice(2, 0, w) }
        return shifted ? x.roll(shifts: [shift.0, shift.1], dims: [1, 2]) : x
    }

    public override func forward(_ input: Tensor) -> Tensor {
        let (n, h, w, c) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
        let y = (input + dropPath1(norm1(attend(input)))).reshape([n, h * w, c])
        return (y + dropPath2(norm2(mlp(y)))).reshape([n, h, w, c])
    }
}

/// SwinV2's patch merging (timm's `PatchMerging` in swin_transformer_v2): 2×2 neighbourhoods
/// concatenated, projected, then normalized (v1 normalizes first). Keys `reduction`, `norm`.
public final class PatchMergingV2: Module {
    public let reduction: Linear
    public let norm: LayerNorm

    init(_ dim: Int, outDim: Int) {
        reduction = Linear(4 * dim, outDim, bias: false)
        norm = LayerNorm([outDim], eps: 1e-5)
    }

    public override func forward(_ input: Tensor) -> Tensor {
        var x = input
        let (n, c) = (x.shape[0], x.shape[3])
        if x.shape[1] % 2 == 1 { x = Tensor.concat([x, Tensor.zeros([n, 1, x.shape[2], c])], dim: 1) }
        if x.shape[2] % 2 == 1 { x = Tensor.concat([x, Tensor.zeros([n, x.shape[1], 1, c])], dim: 2) }
        let (h, w) = (x.shape[1], x.shape[2])
        let merged = x.reshape([n, h / 2, 2, w / 2, 2, c]).permute(0, 1, 3, 4, 2, 5).reshape([n, h / 2, w / 2, 4 * c])
        return norm(reduction(merged))
    }
}

/// Patch merging (from the second stage on), then blocks alternating plain and shifted windows.
public final class SwinTransformerV2Stage: Module {
    public let downsample: PatchMergingV2?
    public let blocks: Sequential

    init(
        inDim: Int, outDim: Int, resolution: (Int, Int), depth: Int, downsample: Bool, numHeads: Int,
        window: (Int, Int), pretrainedWindow: (Int, Int), config: SwinV2Config, dropPaths: [Float]
    ) {
        self.downsample = downsample ? PatchMergingV2(inDim, outDim: outDim) : nil
        let output = downsample ? ((resolution.0 + 1) / 2, (resolution.1 + 1) / 2) : resolution
        blocks = Sequential(
            (0..<depth).map {
                SwinTransformerV2Block(
                    outDim, resolution: output, numHeads: numHeads, window: window, shifted: $0 % 2 == 1,
                    pretrainedWindow: pretrainedWindow, config: config, dropPath: dropPaths[$0])
            })
    }

    public override func forward(_ input: Tensor) -> Tensor { blocks(downsample?(input) ?? input) }
}

// MARK: - Model

/// A Swin Transformer V2 classifier: patch embedding, four stages, final norm, average pool, `head.fc`.
/// ```swift
/// let model = try makeSwinTransformerV2("swinv2_tiny_window8_256", args: ModelArgs(numClasses: 10))
/// ```
public final class SwinTransformerV2: Module, ClassifierModel, CheckpointAdapting {
    public let config: SwinV2Config
    public let patchEmbed: PatchEmbed
    public let layers: Sequential
    public let norm: LayerNorm
    public let head: ClassifierHeadFC

    public private(set) var numClasses: Int
    public let numFeatures: Int
    public var classifierName: String { "head.fc" }

    public init(config: SwinV2Config) {
        self.config = config
        numClasses = config.numClasses
        let stages = config.depths.count
        let dims = (0..<stages).map { config.embedDim << $0 }
        patchEmbed = PatchEmbed(
            imgSize: config.imgSize, patchSize: (config.patchSize, config.patchSize), inChans: config.inChans,
            embedDim: dims[0], norm: .layerNorm(eps: 1e-5))
        let grid = patchEmbed.gridSize
        let total = config.depths.reduce(0, +)
        var rates = (0..<total).map { total > 1 ? Float(config.dropPathRate) * Float($0) / Float(total - 1) : 0 }
        var stageList: [Module] = []
        var scale = 1
        for i in 0..<stages {
            let pretrained = config.pretrainedWindowSizes[i]
            stageList.append(
                SwinTransformerV2Stage(
                    inDim: dims[Swift.max(i - 1, 0)], outDim: dims[i],
                    resolution: ((grid.0 + scale - 1) / scale, (grid.1 + scale - 1) / scale), depth: config.depths[i],
                    downsample: i > 0, numHeads: config.numHeads[i], window: config.windowSizes[i],
                    pretrainedWindow: (pretrained, pretrained), config: config,
                    dropPaths: Array(rates.prefix(config.depths[i]))))
            rates.removeFirst(config.depths[i])
            if i > 0 { scale *= 2 }
        }
        layers = Sequential(stageList)
        numFeatures = dims[stages - 1]
        norm = LayerNorm([numFeatures], eps: 1e-5)
        head = ClassifierHeadFC(numFeatures, numClasses: config.numClasses, dropRate: Float(config.dropRate))
        super.init()
        for (_, module) in namedModules() {
            if let linear = module as? Linear {
                WeightInitialization.reinitialize(linear.weight) {
                    Tensor.truncatedNormal(linear.weight.shape, std: 0.02, using: &$0)
                }
                if let bias = linear.bias { WeightInitialization.reinitialize(bias) { _ in Tensor.zeros(bias.shape) } }
            } else if let block = module as? SwinTransformerV2Block {
                // timm's `_init_respostnorm`: every residual branch starts switched off.
                for norm in [block.norm1, block.norm2] {
                    for tensor in [norm.weight, norm.bias].compactMap({ $0 }) {
                        WeightInitialization.reinitialize(tensor) { _ in Tensor.zeros(tensor.shape) }
                    }
                }
            }
        }
    }

    /// The outputs of the stages, [N, H, W, C] each (timm's `features_only=True`, NHWC).
    public func forwardStages(_ input: Tensor) -> [Tensor] {
        var x = patchEmbed.grid(input)
        return layers.layers.map { stage in
            x = stage(x)
            return x
        }
    }

    /// [N, H/32, W/32, C], normalized.
    public func forwardFeatures(_ input: Tensor) -> Tensor { norm(layers(patchEmbed.grid(input))) }

    public func forwardHead(_ features: Tensor, preLogits: Bool) -> Tensor {
        head.forward(features.mean(dims: [1, 2]), preLogits: preLogits, training: isTraining)
    }

    public override func forward(_ input: Tensor) -> Tensor { forwardHead(forwardFeatures(input)) }

    public func resetClassifier(numClasses: Int) {
        self.numClasses = numClasses
        head.reset(numClasses: numClasses)
        head.train(isTraining)
    }

    /// timm's `checkpoint_filter_fn`: non-persistent buffers dropped, patch kernels resampled to this
    /// model's patch size, original Microsoft checkpoints (downsample at the end of a stage, `head`)
    /// renamed.
    public func adaptCheckpoint(_ tensors: [(name: String, tensor: Tensor)]) -> [(name: String, tensor: Tensor)] {
        let oldLayout = tensors.contains { $0.name == "layers.0.downsample.reduction.weight" }
        let kernel = patchEmbed.proj.weight.shape
        return tensors.compactMap { name, tensor in
            if ["relative_position_index", "relative_coords_table", "attn_mask"].contains(where: name.contains) {
                return nil
            }
            var key = name, value = tensor
            if name == "patch_embed.proj.weight", value.shape[2] != kernel[2] || value.shape[3] != kernel[3] {
                value = PositionEmbedding.resamplePatchKernel(value.to(.float32), newSize: (kernel[2], kernel[3])).to(
                    tensor.dtype)
            }
            if oldLayout {
                if let match = key.firstMatch(of: /^layers\.(\d+)\.downsample/), let stage = Int(match.1) {
                    key = key.replacingCharacters(in: match.range, with: "layers.\(stage + 1).downsample")
                }
                if key.hasPrefix("head.") { key = "head.fc." + key.dropFirst(5) }
            }
            return (key, value)
        }
    }
}

// MARK: - Config

/// Architecture arguments of a Swin Transformer V2, timm's `SwinTransformerV2.__init__` keywords.
public struct SwinV2Config: Sendable {
    public var imgSize = (224, 224)
    public var patchSize = 4
    public var inChans = 3
    public var numClasses = 1000
    public var embedDim = 96
    public var depths = [2, 2, 6, 2]
    public var numHeads = [3, 6, 12, 24]
    /// One (h, w) window per stage (timm's `resolve_stage_window_sizes`).
    public var windowSizes: [(Int, Int)] = Array(repeating: (7, 7), count: 4)
    /// The pretraining window per stage (0: this model's own), which scales the bias MLP's inputs.
    public var pretrainedWindowSizes = [0, 0, 0, 0]
    public var mlpRatio = 4.0
    public var qkvBias = true
    public var dropRate = 0.0
    public var dropPathRate = 0.1

    public init(_ args: [String: ModelArgValue]) throws(ModelBuildError) {
        var window: ModelArgValue?
        for (key, value) in args {
            switch key {
            case "img_size": if let v = value.ints(count: 2) { imgSize = (v[0], v[v.count - 1]) }
            case "patch_size": patchSize = value.intValue ?? patchSize
            case "in_chans": inChans = value.intValue ?? inChans
            case "num_classes": numClasses = value.intValue ?? numClasses
            case "embed_dim": embedDim = value.intValue ?? embedDim
            case "depths": depths = value.ints(count: 4) ?? depths
            case "num_heads": numHeads = value.ints(count: 4) ?? numHeads
            case "window_size": window = value
            case "pretrained_window_sizes": pretrainedWindowSizes = value.ints(count: 4) ?? pretrainedWindowSizes
            case "mlp_ratio": mlpRatio = value.doubleValue ?? mlpRatio
            case "qkv_bias": qkvBias = value.boolValue ?? qkvBias
            case "drop_rate": dropRate = value.doubleValue ?? dropRate
            case "drop_path_rate": dropPathRate = value.doubleValue ?? dropPathRate
            case "global_pool":
                guard value.stringValue == "avg" else { throw .unsupported(key, "\(value)") }
            case "proj_drop_rate", "attn_drop_rate": continue
            default: throw .unknownArgument(key)
            }
        }
        let sizes = window?.ints(count: depths.count) ?? Array(repeating: 7, count: depths.count)
        guard sizes.count == depths.count else { throw .unsupported("window_size", "\(sizes)") }
        windowSizes = sizes.map { ($0, $0) }
        if pretrainedWindowSizes.count != depths.count {
            pretrainedWindowSizes = Array(repeating: pretrainedWindowSizes.first ?? 0, count: depths.count)
        }
    }
}

// MARK: - Builder, variants and registration

/// Builds a SwinV2 variant by its timm name; `args.extra` overrides its arguments.
public func makeSwinTransformerV2(_ name: String, args: ModelArgs = ModelArgs()) throws(ModelBuildError)
    -> SwinTransformerV2
{
    guard let variant = SwinV2Variants.all[name] else { throw .unknownVariant(name) }
    var merged = variant
    merged["num_classes"] = .int(args.numClasses)
    merged["in_chans"] = .int(args.inChans)
    merged["drop_rate"] = .double(args.dropRate)
    if let rate = args.dropPathRate { merged["drop_path_rate"] = .double(rate) }
    for (key, value) in args.extra { merged[key] = value }
    return SwinTransformerV2(config: try SwinV2Config(merged))
}

/// Every `swinv2_*` timm 1.0's `swin_transformer_v2` module registers, as its `model_args`.
public enum SwinV2Variants {
    public static let names: [String] = table.map(\.0)
    public static let all: [String: [String: ModelArgValue]] = Dictionary(uniqueKeysWithValues: table)

    private static func args(
        _ window: Int, _ embed: Int, _ depths: [Int], _ heads: [Int], pretrained: [Int]? = nil
    ) -> [String: ModelArgValue] {
        var result: [String: ModelArgValue] = [
            "window_size": .int(window), "embed_dim": .int(embed), "depths": .ints(depths), "num_heads": .ints(heads),
        ]
        if let pretrained { result["pretrained_window_sizes"] = .ints(pretrained) }
        return result
    }

    private static let tiny = [2, 2, 6, 2], deep = [2, 2, 18, 2]
    private static let small = [3, 6, 12, 24], base = [4, 8, 16, 32], large = [6, 12, 24, 48]
    private static let from12 = [12, 12, 12, 6]

    private static let table: [(String, [String: ModelArgValue])] = [
        ("swinv2_tiny_window16_256", args(16, 96, tiny, small)),
        ("swinv2_tiny_window8_256", args(8, 96, tiny, small)),
        ("swinv2_small_window16_256", args(16, 96, deep, small)),
        ("swinv2_small_window8_256", args(8, 96, deep, small)),
        ("swinv2_base_window16_256", args(16, 128, deep, base)),
        ("swinv2_base_window8_256", args(8, 128, deep, base)),
        ("swinv2_base_window12_192", args(12, 128, deep, base)),
        ("swinv2_base_window12to16_192to256", args(16, 128, deep, base, pretrained: from12)),
        ("swinv2_base_window12to24_192to384", args(24, 128, deep, base, pretrained: from12)),
        ("swinv2_large_window12_192", args(12, 192, deep, large)),
        ("swinv2_large_window12to16_192to256", args(16, 192, deep, large, pretrained: from12)),
        ("swinv2_large_window12to24_192to384", args(24, 192, deep, large, pretrained: from12)),
    ]

    /// Attaches a builder for every variant under timm's module name "swin_transformer_v2".
    public static func register(into registry: ModelRegistry) {
        for name in names {
            registry.register(
                architecture: name, family: "swin_transformer_v2",
                builder: { args in try makeSwinTransformerV2(name, args: args) },
                checkpointFilter: TorchvisionSwinV2.filter)
        }
    }
}

// MARK: - torchvision

/// torchvision's `swin_v2_t/s/b`: the same computation as timm's `swinv2_{tiny,small,base}_window8_256`
/// (post-norm blocks, cosine attention, the same log-spaced bias MLP, patch merging in the same
/// order, projection before norm). Registered under torchvision's names with timm's module tree and
/// the checkpoint filter, and torchvision's eval preprocessing as their cfg.
public enum TorchvisionSwinV2 {
    /// torchvision name → timm twin.
    public static let timmTwins: [(String, String)] = [
        ("swin_v2_t", "swinv2_tiny_window8_256"), ("swin_v2_s", "swinv2_small_window8_256"),
        ("swin_v2_b", "swinv2_base_window8_256"),
    ]

    /// torchvision's `features.{1,3,5,7}` stages are timm's `layers.0…3`; `features.{2,4,6}` their
    /// patch merging. qkv's bias splits into `q_bias` and `v_bias`: torchvision zeroes the key part
    /// in every forward, so the stored one is never used.
    static let rules: [TorchvisionCheckpoints.Rule] = {
        var rules: [TorchvisionCheckpoints.Rule] = [
            (#"features\.0\.0\.(weight|bias)"#, "patch_embed.proj.$1"),
            (#"features\.0\.2\.(weight|bias)"#, "patch_embed.norm.$1"),
            (#"features\.\d\.\d+\.attn\.(relative_position_index|relative_coords_table)"#, ""),
        ]
        for (feature, stage) in [(1, 0), (3, 1), (5, 2), (7, 3)] {
            let block = #"features\.\#(feature)\.(\d+)\."#, target = "layers.\(stage).blocks.$1."
            rules += [
                (block + #"mlp\.0\.(weight|bias)"#, target + "mlp.fc1.$2"),
                (block + #"mlp\.3\.(weight|bias)"#, target + "mlp.fc2.$2"),
                (block + "(.*)", target + "$2"),
            ]
        }
        for (feature, stage) in [(2, 1), (4, 2), (6, 3)] {
            rules.append(
                (#"features\.\#(feature)\.(reduction|norm)\.(weight|bias)"#, "layers.\(stage).downsample.$1.$2"))
        }
        rules.append((#"head\.(weight|bias)"#, "head.fc.$1"))
        return rules
    }()

    /// torchvision SwinV2 keys → timm's when the checkpoint has torchvision's layout; others unchanged.
    public static let filter: CheckpointFilter = { tensors in
        guard tensors.contains(where: { $0.name == "features.0.2.weight" }) else { return tensors }
        var split: [(name: String, tensor: Tensor)] = []
        for (name, tensor) in tensors {
            if name.hasSuffix(".attn.qkv.bias") {
                let c = tensor.count / 3
                let prefix = name.dropLast("qkv.bias".count)
                split.append((prefix + "q_bias", tensor.slice(0, 0, c).contiguous()))
                split.append((prefix + "v_bias", tensor.slice(0, 2 * c, 3 * c).contiguous()))
            } else {
                split.append((name, tensor))
            }
        }
        return TorchvisionCheckpoints.apply(rules, to: split)
    }

    /// torchvision's eval transform for these weights: resize 260 (bicubic), center crop 256.
    static func cfg(_ name: String) -> PretrainedCfg {
        var cfg = PretrainedCfg(architecture: name)
        cfg.inputSize = [3, 256, 256]
        cfg.interpolation = "bicubic"
        cfg.cropPct = 256.0 / 260.0
        cfg.firstConv = .single("patch_embed.proj")
        cfg.classifier = .single("head.fc")
        return cfg
    }

    /// Attaches swin_v2_t/s/b under the family "torchvision", building the timm twin.
    public static func register(into registry: ModelRegistry) {
        for (name, twin) in timmTwins {
            registry.register(
                architecture: name, family: "torchvision",
                builder: { args in try makeSwinTransformerV2(twin, args: args) }, checkpointFilter: filter)
        }
        try! registry.register(cfgs: timmTwins.map { cfg($0.0) })
    }
}
