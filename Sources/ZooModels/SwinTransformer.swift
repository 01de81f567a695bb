// Swin Transformer after timm's `timm/models/swin_transformer.py`: shifted-window attention
// with a relative position bias, patch merging between stages, NHWC inside. Same module tree,
// state-dict keys and initialization as timm; relative-position tables are resized on load when
// the window size changes. The windowed-stage model here is also SwinV2's (`SwinConfig.version`):
// SwinTransformerV2.swift holds the blocks where timm's v2 differs.
import Foundation
import ZooNN
import ZooRegistry
import ZooTensor

// MARK: - Windows

/// timm's `window_partition` / `window_reverse` and the shifted-window attention mask.
public enum SwinWindows {
    /// [N, H, W, C] → [N·nW, wh·ww, C], windows in row-major order.
    public static func partition(_ x: Tensor, window: (Int, Int)) -> Tensor {
        let (n, h, w, c) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        return x.reshape([n, h / window.0, window.0, w / window.1, window.1, c]).permute(0, 1, 3, 2, 4, 5)
            .reshape([-1, window.0 * window.1, c])
    }

    /// [N·nW, wh·ww, C] → [N, H, W, C].
    public static func reverse(_ windows: Tensor, window: (Int, Int), height: Int, width: Int) -> Tensor {
        let c = windows.shape[windows.rank - 1]
        return windows.reshape([-1, height / window.0, width / window.1, window.0, window.1, c]).permute(
            0, 1, 3, 2, 4, 5
        )
        .reshape([-1, height, width, c])
    }

    /// Zeros after the last rows and columns of [N, H, W, C] (timm's `F.pad(x, (0, 0, 0, right, 0, bottom))`).
    public static func padBottomRight(_ x: Tensor, bottom: Int, right: Int) -> Tensor {
        guard bottom > 0 || right > 0 else { return x }
        return x.permute(0, 3, 1, 2).padded(left: 0, right: right, top: 0, bottom: bottom).permute(0, 2, 3, 1)
    }

    /// The additive mask [nW, T, T] of shifted windows: −100 between tokens that came from
    /// different regions of the image before the cyclic shift, 0 within one.
    public static func attentionMask(height: Int, width: Int, window: (Int, Int), shift: (Int, Int)) -> Tensor {
        var region = [Float](repeating: 0, count: height * width)
        func bands(_ size: Int, _ window: Int, _ shift: Int) -> [Range<Int>] {
            [0..<(size - window), (size - window)..<(size - shift), (size - shift)..<size]
        }
        var count: Float = 0
        for rows in bands(height, window.0, shift.0) {
            for cols in bands(width, window.1, shift.1) {
                for r in rows { for c in cols { region[r * width + c] = count } }
                count += 1
            }
        }
        let windows = partition(Tensor(region, shape: [1, height, width, 1]), window: window).reshape([
            -1, window.0 * window.1,
        ])
        let t = window.0 * window.1
        let ids = windows.toArray()
        var mask = [Float](repeating: 0, count: windows.shape[0] * t * t)
        for w in 0..<windows.shape[0] {
            for i in 0..<t {
                for j in 0..<t where ids[w * t + i] != ids[w * t + j] { mask[(w * t + i) * t + j] = -100 }
            }
        }
        return Tensor(mask, shape: [windows.shape[0], t, t])
    }

    /// timm's `get_relative_position_index`: for each pair of tokens in a window, the row of the
    /// bias table holding their offset.
    public static func relativePositionIndex(_ window: (Int, Int)) -> [Int] {
        let t = window.0 * window.1
        var index = [Int](repeating: 0, count: t * t)
        for a in 0..<t {
            for b in 0..<t {
                let dy = a / window.1 - b / window.1 + window.0 - 1
                let dx = a % window.1 - b % window.1 + window.1 - 1
                index[a * t + b] = dy * (2 * window.1 - 1) + dx
            }
        }
        return index
    }

    /// timm's `resize_rel_pos_bias_table` (without SciPy): a [(2h−1)(2w−1), heads] table resampled to
    /// another window by linear interpolation over geometrically spaced source offsets (BEiT's
    /// scheme: offsets near 0 keep their values, far ones stretch). Square source windows assumed.
    public static func resizeBiasTable(_ table: Tensor, newWindow: (Int, Int)) -> Tensor {
        let heads = table.shape[1]
        let side = Int(Double(table.shape[0]).squareRoot())
        let source = (side, side), target = (2 * newWindow.0 - 1, 2 * newWindow.1 - 1)
        if source == target { return table }
        let rows = stretchMatrix(source: source.0, target: target.0)
        let cols = stretchMatrix(source: source.1, target: target.1)
        // [heads, sh, sw] → [heads, th, tw] → [th·tw, heads]
        let grids = table.to(.float32).T.reshape([heads, source.0, source.1])
        return rows.matmul(grids.matmul(cols.T)).reshape([heads, target.0 * target.1]).T.contiguous()
    }

    /// [target, source] linear-interpolation weights from timm's `RegularGridInterpolator` at the
    /// geometric-progression source positions of `_calc`.
    private static func stretchMatrix(source: Int, target: Int) -> Tensor {
        var left = 1.01, right = 1.5, q = 1.0
        while right - left > 1e-6 {
            q = (left + right) / 2
            let progression = (1 - Foundation.pow(q, Double(source / 2))) / (1 - q)
            if progression > Double(target / 2) { right = q } else { left = q }
        }
        var distances: [Double] = [], current = 1.0
        for i in 0..<(source / 2) {
            distances.append(current)
            current += Foundation.pow(q, Double(i + 1))
        }
        let points = (distances.reversed().map { Double(Float(-$0)) } + [0] + distances.map { Double(Float($0)) })
        let half = Double(target / 2)
        var weights = [Float](repeating: 0, count: target * source)
        for t in 0..<target {
            let x = -half + Double(t)
            let right = points.firstIndex { $0 >= x } ?? points.count - 1
            let leftIndex = Swift.max(right - 1, 0)
            var distLeft = Swift.max(x - points[leftIndex], 0), distRight = Swift.max(points[right] - x, 0)
            if distLeft == 0 && distRight == 0 { distLeft = 1; distRight = 1 }
            let total = distLeft + distRight
            weights[t * source + leftIndex] += Float(distRight / total)
            weights[t * source + right] += Float(distLeft / total)
        }
        return Tensor(weights, shape: [target, source])
    }
}

extension SwinWindows {
    /// A [(2h−1)(2w−1), heads] table's rows picked by each token pair's offset: [heads, T, T].
    static func pairBias(_ table: Tensor, index: Tensor, window: (Int, Int)) -> Tensor {
        let t = window.0 * window.1
        return table.indexSelect(dim: 0, index: index).reshape([t, t, table.shape[1]]).permute(2, 0, 1)
    }

    /// q, k, v [N, nW, heads, T, C/heads] from the qkv projection [N·nW, T, 3C] of `batch` images' windows.
    static func splitHeads(_ projected: Tensor, batch: Int, numHeads: Int) -> (Tensor, Tensor, Tensor) {
        let (bw, t, c) = (projected.shape[0], projected.shape[1], projected.shape[2] / 3)
        let heads = projected.reshape([batch, bw / batch, t, 3, numHeads, c / numHeads]).permute(3, 0, 1, 4, 2, 5)
        return (heads.select(0, 0), heads.select(0, 1), heads.select(0, 2))
    }

    /// The additive bias of every window: the position bias [heads, T, T] plus, for shifted windows,
    /// the mask [nW, T, T], broadcast to [nW, heads, T, T].
    static func windowBias(_ positionBias: Tensor, mask: Tensor?) -> Tensor {
        let bias = positionBias.unsqueeze(0)
        return mask.map { bias + $0.unsqueeze(1) } ?? bias
    }

    /// [N, nW, heads, T, C/heads] → [N·nW, T, C], the heads side by side again.
    static func mergeHeads(_ attended: Tensor) -> Tensor {
        let (n, count, heads, t, d) = (
            attended.shape[0], attended.shape[1], attended.shape[2], attended.shape[3], attended.shape[4]
        )
        return attended.permute(0, 1, 3, 2, 4).reshape([n * count, t, heads * d])
    }
}

/// One block's windows (shared by v1 and v2): timm's `_calc_window_shift`, the shift mask, and the
/// attention branch around the window attention: cyclic shift, zeros to whole windows at the bottom
/// and right, partition, attend, reverse, crop, shift back.
public struct ShiftedWindows {
    public let window: (Int, Int)
    public let shift: (Int, Int)
    /// timm's `dynamic_mask` (a model with `strict_img_size=False`): the shift mask is made for each
    /// input's map instead of once for the resolution the block was built for.
    public let dynamicMask: Bool
    let mask: Tensor?

    init(resolution: (Int, Int), window target: (Int, Int), shifted: Bool, config: SwinConfig) {
        // A window larger than the map covers all of it and nothing is shifted, unless
        // `always_partition` keeps the window (the map is then padded to it).
        if config.alwaysPartition {
            window = target
            shift = shifted ? (target.0 / 2, target.1 / 2) : (0, 0)
        } else {
            window = (Swift.min(resolution.0, target.0), Swift.min(resolution.1, target.1))
            shift = (
                resolution.0 <= window.0 || !shifted ? 0 : target.0 / 2,
                resolution.1 <= window.1 || !shifted ? 0 : target.1 / 2
            )
        }
        dynamicMask = !config.strictImgSize
        let padded = (Self.roundUp(resolution.0, window.0), Self.roundUp(resolution.1, window.1))
        mask =
            (shift.0 > 0 || shift.1 > 0) && !dynamicMask
            ? SwinWindows.attentionMask(height: padded.0, width: padded.1, window: window, shift: shift) : nil
    }

    private static func roundUp(_ size: Int, _ window: Int) -> Int { (size + window - 1) / window * window }

    /// `attend(windows [N·nW, T, C], batch N, mask [nW, T, T] or nil)` over the windows of [N, H, W, C].
    func callAsFunction(_ input: Tensor, attend: (Tensor, Int, Tensor?) -> Tensor) -> Tensor {
        let (n, h, w) = (input.shape[0], input.shape[1], input.shape[2])
        let shifted = shift.0 > 0 || shift.1 > 0
        var x = shifted ? input.roll(shifts: [-shift.0, -shift.1], dims: [1, 2]) : input
        // timm rolls first, then pads: the zeros sit after the wrapped-around rows and columns.
        let (hp, wp) = (Self.roundUp(h, window.0), Self.roundUp(w, window.1))
        x = SwinWindows.padBottomRight(x, bottom: hp - h, right: wp - w)
        let windowMask =
            shifted && dynamicMask
            ? SwinWindows.attentionMask(height: hp, width: wp, window: window, shift: shift) : mask
        x = SwinWindows.reverse(
            attend(SwinWindows.partition(x, window: window), n, windowMask), window: window,
            height: hp, width: wp)
        if hp != h || wp != w { x = x.slice(1, 0, h).slice(2, 0, w) }
        return shifted ? x.roll(shifts: [shift.0, shift.1], dims: [1, 2]) : x
    }
}

// MARK: - Blocks

/// Window multi-head self-attention with a learned relative position bias (timm's `WindowAttention`).
/// Keys `relative_position_bias_table` [(2wh−1)(2ww−1), heads], `qkv`, `proj`.
public final class WindowAttention: Module {
    public let numHeads: Int
    public let window: (Int, Int)
    public let relativePositionBiasTable: Tensor
    public let qkv: Linear
    public let proj: Linear
    let positionIndex: Tensor

    init(_ dim: Int, numHeads: Int, window: (Int, Int), qkvBias: Bool) {
        self.numHeads = numHeads
        self.window = window
        let rows = (2 * window.0 - 1) * (2 * window.1 - 1)
        relativePositionBiasTable = WeightInitialization.parameter([rows, numHeads]) {
            Tensor.truncatedNormal([rows, numHeads], std: 0.02, using: &$0)
        }
        qkv = Linear(dim, dim * 3, bias: qkvBias)
        proj = Linear(dim, dim)
        positionIndex = Tensor(indices: SwinWindows.relativePositionIndex(window))
    }

    public override var ownParameters: [(String, Tensor)] {
        [("relative_position_bias_table", relativePositionBiasTable)]
    }

    /// [heads, T, T]: the table's rows picked by the offsets of each token pair.
    var relativePositionBias: Tensor {
        SwinWindows.pairBias(relativePositionBiasTable, index: positionIndex, window: window)
    }

    /// `windows` [N·nW, T, C] of `batch` images; `mask` [nW, T, T] for shifted windows.
    func forward(_ windows: Tensor, batch: Int, mask: Tensor?) -> Tensor {
        let (q, k, v) = SwinWindows.splitHeads(qkv(windows), batch: batch, numHeads: numHeads)
        let bias = SwinWindows.windowBias(relativePositionBias, mask: mask)
        return proj(SwinWindows.mergeHeads(Tensor.scaledDotProductAttention(q, k, v, bias: bias)))
    }
}

/// Swin block (timm's `SwinTransformerBlock`): (shifted) window attention then MLP, pre-norm,
/// on [N, H, W, C]. A map that is not a whole number of windows is padded with zeros at the bottom
/// and right for the attention (as timm). Keys `norm1`, `attn`, `norm2`, `mlp`.
public final class SwinTransformerBlock: Module {
    public let windows: ShiftedWindows
    public let norm1: LayerNorm
    public let attn: WindowAttention
    public let dropPath1: DropPath
    public let norm2: LayerNorm
    public let mlp: Mlp
    public let dropPath2: DropPath

    init(
        _ dim: Int, resolution: (Int, Int), numHeads: Int, window: (Int, Int), shifted: Bool, config: SwinConfig,
        dropPath: Float
    ) {
        windows = ShiftedWindows(resolution: resolution, window: window, shifted: shifted, config: config)
        norm1 = LayerNorm([dim], eps: 1e-5)
        attn = WindowAttention(dim, numHeads: numHeads, window: windows.window, qkvBias: config.qkvBias)
        dropPath1 = DropPath(dropPath)
        norm2 = LayerNorm([dim], eps: 1e-5)
        mlp = Mlp(dim, hidden: Int(Double(dim) * config.mlpRatio))
        dropPath2 = DropPath(dropPath)
    }

    public override func forward(_ input: Tensor) -> Tensor {
        let (n, h, w, c) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
        let y = input + dropPath1(windows(norm1(input)) { attn.forward($0, batch: $1, mask: $2) })
        return y + dropPath2(mlp(norm2(y.reshape([n, h * w, c])))).reshape([n, h, w, c])
    }
}

/// 2×2 neighbourhoods concatenated then projected to twice the channels (timm's `PatchMerging`).
/// Keys `norm`, `reduction`.
public final class PatchMerging: Module {
    public let norm: LayerNorm
    public let reduction: Linear

    init(_ dim: Int, outDim: Int) {
        norm = LayerNorm([4 * dim], eps: 1e-5)
        reduction = Linear(4 * dim, outDim, bias: false)
    }

    public override func forward(_ input: Tensor) -> Tensor { reduction(norm(Self.merge(input))) }

    /// [N, H, W, C] → [N, ⌈H/2⌉, ⌈W/2⌉, 4C]; an odd map gets a row or column of zeros first (timm's
    /// `F.pad(x, (0, 0, 0, W % 2, 0, H % 2))`). SwinV2's merging shares it.
    static func merge(_ input: Tensor) -> Tensor {
        let padded = SwinWindows.padBottomRight(input, bottom: input.shape[1] % 2, right: input.shape[2] % 2)
        let (n, h, w, c) = (padded.shape[0], padded.shape[1], padded.shape[2], padded.shape[3])
        return padded.reshape([n, h / 2, 2, w / 2, 2, c]).permute(0, 1, 3, 4, 2, 5).reshape([n, h / 2, w / 2, 4 * c])
    }
}

// MARK: - Stage and model (v1 and v2)

/// Patch merging (from the second stage on), then blocks alternating plain and shifted windows:
/// `PatchMerging` and `SwinTransformerBlock` for v1, `PatchMergingV2` and `SwinTransformerV2Block` for v2.
public final class SwinTransformerStage: Module {
    public let downsample: Module?
    public let blocks: Sequential

    /// `resolution` is the map the blocks see (after merging); `stage` picks the per-stage windows.
    init(
        inDim: Int, outDim: Int, resolution: (Int, Int), downsample: Bool, stage: Int, config: SwinConfig,
        dropPaths: [Float]
    ) {
        let depth = config.depths[stage], heads = config.numHeads[stage], window = config.windowSizes[stage]
        switch config.version {
        case .v1:
            self.downsample = downsample ? PatchMerging(inDim, outDim: outDim) : nil
            blocks = Sequential(
                (0..<depth).map {
                    SwinTransformerBlock(
                        outDim, resolution: resolution, numHeads: heads, window: window, shifted: $0 % 2 == 1,
                        config: config, dropPath: dropPaths[$0])
                })
        case .v2:
            self.downsample = downsample ? PatchMergingV2(inDim, outDim: outDim) : nil
            let pretrained = config.pretrainedWindowSizes[stage]
            blocks = Sequential(
                (0..<depth).map {
                    SwinTransformerV2Block(
                        outDim, resolution: resolution, numHeads: heads, window: window, shifted: $0 % 2 == 1,
                        pretrainedWindow: (pretrained, pretrained), config: config, dropPath: dropPaths[$0])
                })
        }
    }

    public override func forward(_ input: Tensor) -> Tensor { blocks(downsample?(input) ?? input) }
}

/// A Swin Transformer classifier, v1 or v2 (`config.version`): patch embedding, four stages, final
/// norm, average pool and `head.fc`.
/// ```swift
/// let model = try makeSwinTransformer("swin_tiny_patch4_window7_224", args: ModelArgs(numClasses: 10))
/// let maps = model.forwardStages(images)        // featuresOnly: [N, H, W, C] per stage
/// ```
public final class SwinTransformer: Module, ClassifierModel, CheckpointAdapting {
    public let config: SwinConfig
    public let patchEmbed: PatchEmbed
    public let layers: Sequential
    public let norm: LayerNorm
    public let head: ClassifierHeadFC

    public private(set) var numClasses: Int
    public let numFeatures: Int
    public var classifierName: String { "head.fc" }

    public init(config: SwinConfig) {
        self.config = config
        numClasses = config.numClasses
        let stages = config.depths.count
        let dims = (0..<stages).map { config.embedDim << $0 }
        patchEmbed = PatchEmbed(
            imgSize: config.imgSize, patchSize: (config.patchSize, config.patchSize), inChans: config.inChans,
            embedDim: dims[0], norm: .layerNorm(eps: 1e-5), dynamicSize: !config.strictImgSize)
        let grid = patchEmbed.gridSize
        let total = config.depths.reduce(0, +)
        var rates = (0..<total).map { total > 1 ? Float(config.dropPathRate) * Float($0) / Float(total - 1) : 0 }
        var stageList: [Module] = []
        for i in 0..<stages {
            // Every stage from the second on halves the map (an odd side rounds up) before its blocks.
            let scale = 1 << i
            stageList.append(
                SwinTransformerStage(
                    inDim: dims[Swift.max(i - 1, 0)], outDim: dims[i],
                    resolution: ((grid.0 + scale - 1) / scale, (grid.1 + scale - 1) / scale), downsample: i > 0,
                    stage: i, config: config, dropPaths: Array(rates.prefix(config.depths[i]))))
            rates.removeFirst(config.depths[i])
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
                // timm's `_init_respostnorm`: every v2 residual branch starts switched off.
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

    /// timm's `checkpoint_filter_fn` (v1's and v2's): non-persistent buffers dropped, v1's
    /// relative-position tables resized to this model's windows (v2's bias MLP needs none), patch
    /// kernels resampled to its patch size, original Microsoft checkpoints (downsample at the end of
    /// a stage, `head`) renamed.
    public func adaptCheckpoint(_ tensors: [(name: String, tensor: Tensor)]) -> [(name: String, tensor: Tensor)] {
        let oldLayout = tensors.contains { $0.name == "layers.0.downsample.reduction.weight" }
        let tables = Dictionary(
            uniqueKeysWithValues: namedParameters().filter { $0.0.hasSuffix("relative_position_bias_table") })
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
            if name.hasSuffix("relative_position_bias_table"), let own = tables[name], own.shape != value.shape {
                let side = (own.shape[0] as Int).squareRootOfOddSquare
                value = SwinWindows.resizeBiasTable(value, newWindow: ((side + 1) / 2, (side + 1) / 2)).to(tensor.dtype)
            }
            if oldLayout {
                if let match = key.firstMatch(of: /^layers\.(\d+)\.downsample/), let stage = Int(match.1) {
                    key = key.replacingCharacters(in: match.range, with: "layers.\(stage + 1).downsample")
                }
                if key.hasPrefix("head.") && !key.hasPrefix("head.fc.") { key = "head.fc." + key.dropFirst(5) }
            }
            return (key, value)
        }
    }
}

/// timm's `ClassifierHead` after pooling: dropout and `fc` (Identity without classes). Key `fc`.
public final class ClassifierHeadFC: Module {
    public private(set) var fc: Module
    let inFeatures: Int
    let dropRate: Float

    init(_ inFeatures: Int, numClasses: Int, dropRate: Float) {
        self.inFeatures = inFeatures
        self.dropRate = dropRate
        fc = numClasses > 0 ? Linear(inFeatures, numClasses) : Identity()
    }

    func reset(numClasses: Int) { fc = numClasses > 0 ? Linear(inFeatures, numClasses) : Identity() }

    func forward(_ pooled: Tensor, preLogits: Bool, training: Bool) -> Tensor {
        let x = dropRate > 0 ? pooled.dropout(p: dropRate, training: training) : pooled
        return preLogits ? x : fc(x)
    }
}

extension Int {
    /// √self for the square of an odd table side ((2w−1)²).
    fileprivate var squareRootOfOddSquare: Int { Int(Double(self).squareRoot().rounded()) }
}

// MARK: - Config

/// Architecture arguments of a Swin Transformer, timm's `SwinTransformer.__init__` keywords (v1) or
/// `SwinTransformerV2.__init__`'s (v2: `pretrained_window_sizes`, no `weight_init`).
public struct SwinConfig: Sendable {
    /// Which of timm's two modules the model follows: the blocks, the patch merging and the init differ.
    public enum Version: Sendable { case v1, v2 }

    public var version = Version.v1
    public var imgSize = (224, 224)
    public var patchSize = 4
    public var inChans = 3
    public var numClasses = 1000
    public var embedDim = 96
    public var depths = [2, 2, 6, 2]
    public var numHeads = [3, 6, 12, 24]
    /// One (h, w) window per stage (timm's `resolve_stage_window_sizes`).
    public var windowSizes: [(Int, Int)] = Array(repeating: (7, 7), count: 4)
    /// v2: the pretraining window per stage (0: this model's own), which scales the bias MLP's inputs.
    public var pretrainedWindowSizes = [0, 0, 0, 0]
    public var mlpRatio = 4.0
    public var qkvBias = true
    public var dropRate = 0.0
    public var dropPathRate = 0.1
    /// timm's `strict_img_size`: inputs must be `imgSize`. `dynamic_img_size=True` turns it off: any
    /// size (a multiple of the patch) runs, with windows as built and shift masks made per input.
    public var strictImgSize = true
    /// timm's `always_partition`: keep each stage's window even where the map is smaller (padding it).
    public var alwaysPartition = false

    public init(_ args: [String: ModelArgValue], version: Version = .v1) throws(ModelBuildError) {
        self.version = version
        var window: ModelArgValue?
        var strict = true, dynamic = false
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
            case "pretrained_window_sizes" where version == .v2:
                pretrainedWindowSizes = value.ints(count: 4) ?? pretrainedWindowSizes
            case "mlp_ratio": mlpRatio = value.doubleValue ?? mlpRatio
            case "qkv_bias": qkvBias = value.boolValue ?? qkvBias
            case "drop_rate": dropRate = value.doubleValue ?? dropRate
            case "drop_path_rate": dropPathRate = value.doubleValue ?? dropPathRate
            case "strict_img_size": strict = value.boolValue ?? strict
            case "dynamic_img_size": dynamic = value.boolValue ?? dynamic
            case "always_partition": alwaysPartition = value.boolValue ?? alwaysPartition
            case "global_pool":
                guard value.stringValue == "avg" else { throw .unsupported(key, "\(value)") }
            case "proj_drop_rate", "attn_drop_rate": continue
            case "weight_init" where version == .v1: continue
            default: throw .unknownArgument(key)
            }
        }
        strictImgSize = strict && !dynamic
        // An int or a per-stage list: every variant's windows are square.
        let sizes = window?.ints(count: depths.count) ?? Array(repeating: 7, count: depths.count)
        guard sizes.count == depths.count else { throw .unsupported("window_size", "\(sizes)") }
        windowSizes = sizes.map { ($0, $0) }
        if pretrainedWindowSizes.count != depths.count {
            pretrainedWindowSizes = Array(repeating: pretrainedWindowSizes.first ?? 0, count: depths.count)
        }
    }
}

// MARK: - Builder, variants and registration

/// A Swin model from a variant's `model_args` with the common `args` and then `args.extra` over them.
func makeSwin(_ variant: [String: ModelArgValue], version: SwinConfig.Version, args: ModelArgs)
    throws(ModelBuildError) -> SwinTransformer
{
    var merged = variant
    merged["num_classes"] = .int(args.numClasses)
    merged["in_chans"] = .int(args.inChans)
    merged["drop_rate"] = .double(args.dropRate)
    if let rate = args.dropPathRate { merged["drop_path_rate"] = .double(rate) }
    for (key, value) in args.extra { merged[key] = value }
    return SwinTransformer(config: try SwinConfig(merged, version: version))
}

/// Builds a Swin variant by its timm name; `args.extra` overrides its arguments (`window_size`, `img_size`).
public func makeSwinTransformer(_ name: String, args: ModelArgs = ModelArgs()) throws(ModelBuildError)
    -> SwinTransformer
{
    guard let variant = SwinVariants.all[name] else { throw .unknownVariant(name) }
    return try makeSwin(variant, version: .v1, args: args)
}

/// Every `swin_*` timm 1.0 registers, as its `model_args`.
public enum SwinVariants {
    public static let names: [String] = table.map(\.0)
    public static let all: [String: [String: ModelArgValue]] = Dictionary(uniqueKeysWithValues: table)

    private static let table: [(String, [String: ModelArgValue])] = [
        (
            "swin_base_patch4_window7_224",
            [
                "patch_size": 4, "window_size": 7, "embed_dim": 128, "depths": .ints([2, 2, 18, 2]),
                "num_heads": .ints([4, 8, 16, 32]),
            ]
        ),
        (
            "swin_base_patch4_window12_384",
            [
                "patch_size": 4, "window_size": 12, "embed_dim": 128, "depths": .ints([2, 2, 18, 2]),
                "num_heads": .ints([4, 8, 16, 32]),
            ]
        ),
        (
            "swin_large_patch4_window7_224",
            [
                "patch_size": 4, "window_size": 7, "embed_dim": 192, "depths": .ints([2, 2, 18, 2]),
                "num_heads": .ints([6, 12, 24, 48]),
            ]
        ),
        (
            "swin_large_patch4_window12_384",
            [
                "patch_size": 4, "window_size": 12, "embed_dim": 192, "depths": .ints([2, 2, 18, 2]),
                "num_heads": .ints([6, 12, 24, 48]),
            ]
        ),
        (
            "swin_s3_base_224",
            [
                "patch_size": 4, "window_size": .ints([7, 7, 14, 7]), "embed_dim": 96, "depths": .ints([2, 2, 30, 2]),
                "num_heads": .ints([3, 6, 12, 24]),
            ]
        ),
        (
            "swin_s3_small_224",
            [
                "patch_size": 4, "window_size": .ints([14, 14, 14, 7]), "embed_dim": 96,
                "depths": .ints([2, 2, 18, 2]), "num_heads": .ints([3, 6, 12, 24]),
            ]
        ),
        (
            "swin_s3_tiny_224",
            [
                "patch_size": 4, "window_size": .ints([7, 7, 14, 7]), "embed_dim": 96, "depths": .ints([2, 2, 6, 2]),
                "num_heads": .ints([3, 6, 12, 24]),
            ]
        ),
        (
            "swin_small_patch4_window7_224",
            [
                "patch_size": 4, "window_size": 7, "embed_dim": 96, "depths": .ints([2, 2, 18, 2]),
                "num_heads": .ints([3, 6, 12, 24]),
            ]
        ),
        (
            "swin_tiny_patch4_window7_224",
            [
                "patch_size": 4, "window_size": 7, "embed_dim": 96, "depths": .ints([2, 2, 6, 2]),
                "num_heads": .ints([3, 6, 12, 24]),
            ]
        ),
    ]

    /// Attaches a builder for every variant under timm's module name "swin_transformer".
    public static func register(into registry: ModelRegistry) {
        for name in names {
            registry.register(
                architecture: name, family: "swin_transformer",
                builder: { args in try makeSwinTransformer(name, args: args) },
                checkpointFilter: TorchvisionCheckpoints.swin)
        }
    }
}
