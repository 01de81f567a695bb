// Swin Transformer V2 after timm's `timm/models/swin_transformer_v2.py`: cosine window attention
// with a learned per-head logit scale, a continuous relative position bias (a small MLP over
// log-spaced offsets), residual post-norm blocks, patch merging that projects before its norm.
// The patch embedding, stages, final norm, head, windows and checkpoint filter are v1's
// (`SwinTransformer` with `SwinConfig.version == .v2`, SwinTransformer.swift); this file holds what
// differs. Same module tree, state-dict keys and initialization as timm. torchvision's
// swin_v2_t/s/b compute the same and load into swinv2_{tiny,small,base}_window8_256 (docs/torchvision.md).
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
        SwinWindows.pairBias(cpbMlp(coordsTable), index: positionIndex, window: window).sigmoid() * 16
    }

    /// `windows` [N·nW, T, C] of `batch` images; `mask` [nW, T, T] for shifted windows.
    func forward(_ windows: Tensor, batch: Int, mask: Tensor?) -> Tensor {
        var projected = qkv(windows)
        if let qBias, let vBias { projected = projected + Tensor.concat([qBias, Tensor.zeros(qBias.shape), vBias]) }
        let (q, k, v) = SwinWindows.splitHeads(projected, batch: batch, numHeads: numHeads)
        let bias = SwinWindows.windowBias(relativePositionBias, mask: mask)
        return proj(SwinWindows.mergeHeads(Tensor.cosineAttention(q, k, v, logitScale: logitScale, bias: bias)))
    }
}

/// SwinV2 block (timm's `SwinTransformerV2Block`): res-post-norm, x + norm1(attn(x)), then
/// x + norm2(mlp(x)), on [N, H, W, C], with v1's windows (padding after the cyclic shift, as timm).
/// Keys `attn`, `norm1`, `mlp`, `norm2`.
public final class SwinTransformerV2Block: Module {
    public let windows: ShiftedWindows
    public let attn: WindowAttentionV2
    public let norm1: LayerNorm
    public let dropPath1: DropPath
    public let mlp: Mlp
    public let norm2: LayerNorm
    public let dropPath2: DropPath

    init(
        _ dim: Int, resolution: (Int, Int), numHeads: Int, window: (Int, Int), shifted: Bool,
        pretrainedWindow: (Int, Int), config: SwinConfig, dropPath: Float
    ) {
        windows = ShiftedWindows(resolution: resolution, window: window, shifted: shifted, config: config)
        attn = WindowAttentionV2(
            dim, numHeads: numHeads, window: windows.window, qkvBias: config.qkvBias,
            pretrainedWindow: pretrainedWindow)
        norm1 = LayerNorm([dim], eps: 1e-5)
        dropPath1 = DropPath(dropPath)
        mlp = Mlp(dim, hidden: Int(Double(dim) * config.mlpRatio))
        norm2 = LayerNorm([dim], eps: 1e-5)
        dropPath2 = DropPath(dropPath)
    }

    public override func forward(_ input: Tensor) -> Tensor {
        let (n, h, w, c) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
        let attended = windows(input) { attn.forward($0, batch: $1, mask: $2) }
        let y = (input + dropPath1(norm1(attended))).reshape([n, h * w, c])
        return (y + dropPath2(norm2(mlp(y)))).reshape([n, h, w, c])
    }
}

/// SwinV2's patch merging (timm's `PatchMerging` in swin_transformer_v2): v1's 2×2 neighbourhoods,
/// projected, then normalized (v1 normalizes first). Keys `reduction`, `norm`.
public final class PatchMergingV2: Module {
    public let reduction: Linear
    public let norm: LayerNorm

    init(_ dim: Int, outDim: Int) {
        reduction = Linear(4 * dim, outDim, bias: false)
        norm = LayerNorm([outDim], eps: 1e-5)
    }

    public override func forward(_ input: Tensor) -> Tensor { norm(reduction(PatchMerging.merge(input))) }
}

// MARK: - Builder, variants and registration

/// Builds a SwinV2 variant by its timm name (a `SwinTransformer` of version `.v2`); `args.extra`
/// overrides its arguments.
public func makeSwinTransformerV2(_ name: String, args: ModelArgs = ModelArgs()) throws(ModelBuildError)
    -> SwinTransformer
{
    guard let variant = SwinV2Variants.all[name] else { throw .unknownVariant(name) }
    return try makeSwin(variant, version: .v2, args: args)
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

    /// Attaches swin_v2_t/s/b under the family "torchvision" as aliases of their timm twins: they
    /// build the twin and load through its filter, but `zoo list "swin_*"` does not show them
    /// (timm's `swin_*` are Swin V1; its V2 names are `swinv2_*`).
    public static func register(into registry: ModelRegistry) {
        for (name, twin) in timmTwins {
            registry.register(
                architecture: name, family: "torchvision",
                builder: { args in try makeSwinTransformerV2(twin, args: args) }, checkpointFilter: filter,
                aliasOf: twin)
        }
        try! registry.register(cfgs: timmTwins.map { cfg($0.0) })
    }
}
