// Vision Transformer after timm's `timm/models/vision_transformer.py` (and `deit.py`): one model
// whose options (class token, registers, pooling, norm placement, layer scale, qk-norm, MLP kind)
// cover the variants; each variant is timm's `model_args` dict, which `ModelArgs.extra` overrides
// as timm's kwargs do. Same module tree, state-dict keys and initialization as timm.
import ZooNN
import ZooRegistry
import ZooTensor

// MARK: - Blocks

/// Pre-norm transformer block (timm's `Block`): x + ls1(attn(norm1(x))), then x + ls2(mlp(norm2(x))).
/// Keys `norm1`, `attn`, `ls1`, `norm2`, `mlp`, `ls2`.
public final class TransformerBlock: Module {
    public let norm1: Module
    /// `Attention`, or `DiffAttention` for timm's `attn_layer='diff'`.
    public let attn: Module
    public let ls1: LayerScale?
    public let dropPath1: DropPath
    public let norm2: Module
    public let mlp: Module
    public let ls2: LayerScale?
    public let dropPath2: DropPath

    /// `depth`: the block's index (differential attention's λinit depends on it).
    init(_ config: ViTConfig, dropPath: Float, depth: Int) {
        let dim = config.embedDim
        norm1 = config.norm.make(dim)
        attn =
            config.attnLayer == "diff"
            ? DiffAttention(
                dim, numHeads: config.numHeads, qkvBias: config.qkvBias, qkNorm: config.qkNorm,
                scaleNorm: config.scaleAttnNorm, projBias: config.projBias, norm: config.norm, depth: depth)
            : Attention(
                dim, numHeads: config.numHeads, qkvBias: config.qkvBias, qkNorm: config.qkNorm,
                scaleNorm: config.scaleAttnNorm, projBias: config.projBias, norm: config.norm)
        ls1 = config.initValues.map { LayerScale(dim, initValues: $0) }
        dropPath1 = DropPath(dropPath)
        norm2 = config.norm.make(dim)
        mlp = config.makeMlp()
        ls2 = config.initValues.map { LayerScale(dim, initValues: $0) }
        dropPath2 = DropPath(dropPath)
    }

    public override func forward(_ input: Tensor) -> Tensor {
        let a = attn(norm1(input))
        let x = input + dropPath1(ls1?(a) ?? a)
        let m = mlp(norm2(x))
        return x + dropPath2(ls2?(m) ?? m)
    }
}

/// Post-norm residual block (timm's `ResPostBlock`): x + norm1(attn(x)), then x + norm2(mlp(x)).
public final class ResPostBlock: Module {
    public let attn: Attention
    public let norm1: Module
    public let dropPath1: DropPath
    public let mlp: Module
    public let norm2: Module
    public let dropPath2: DropPath

    init(_ config: ViTConfig, dropPath: Float) {
        let dim = config.embedDim
        attn = Attention(
            dim, numHeads: config.numHeads, qkvBias: config.qkvBias, qkNorm: config.qkNorm,
            scaleNorm: config.scaleAttnNorm, projBias: config.projBias, norm: config.norm)
        norm1 = config.norm.make(dim)
        dropPath1 = DropPath(dropPath)
        mlp = config.makeMlp()
        norm2 = config.norm.make(dim)
        dropPath2 = DropPath(dropPath)
        super.init()
        // timm's init_weights: the branch norms start at init_values, so branches start small.
        if let value = config.initValues {
            for norm in [norm1, norm2] {
                if let weight = (norm as? LayerNorm)?.weight ?? (norm as? RMSNorm)?.weight {
                    weight.assign(Tensor.full(weight.shape, value))
                }
            }
        }
    }

    public override func forward(_ input: Tensor) -> Tensor {
        let x = input + dropPath1(norm1(attn(input)))
        return x + dropPath2(norm2(mlp(x)))
    }
}

/// One parallel branch of `ParallelThingsBlock`: norm, then attention or MLP, then layer scale.
public final class ParallelBranch: Module {
    public let norm: Module
    public let body: Module
    public let ls: LayerScale?
    public let dropPath: DropPath
    let bodyKey: String

    init(norm: Module, body: Module, bodyKey: String, ls: LayerScale?, dropPath: Float) {
        self.norm = norm
        self.body = body
        self.bodyKey = bodyKey
        self.ls = ls
        self.dropPath = DropPath(dropPath)
    }

    public override func namedChildren() -> [(String, Module)] {
        [("norm", norm), (bodyKey, body)] + (ls.map { [("ls", $0)] } ?? []) + [("drop_path", dropPath)]
    }

    public override func forward(_ input: Tensor) -> Tensor {
        let y = body(norm(input))
        return dropPath(ls?(y) ?? y)
    }
}

/// Parallel attention and MLP branches (timm's `ParallelThingsBlock`, "Three things everyone
/// should know about ViTs"): x + Σ attns(x), then x + Σ ffns(x). Keys `attns.i.*`, `ffns.i.*`.
public final class ParallelThingsBlock: Module {
    public let attns: [ParallelBranch]
    public let ffns: [ParallelBranch]

    init(_ config: ViTConfig, dropPath: Float, parallel: Int = 2) {
        let dim = config.embedDim
        attns = (0..<parallel).map { _ in
            ParallelBranch(
                norm: config.norm.make(dim),
                body: Attention(
                    dim, numHeads: config.numHeads, qkvBias: config.qkvBias, qkNorm: config.qkNorm,
                    projBias: config.projBias, norm: config.norm),
                bodyKey: "attn", ls: config.initValues.map { LayerScale(dim, initValues: $0) }, dropPath: dropPath)
        }
        ffns = (0..<parallel).map { _ in
            ParallelBranch(
                norm: config.norm.make(dim), body: config.makeMlp(), bodyKey: "mlp",
                ls: config.initValues.map { LayerScale(dim, initValues: $0) }, dropPath: dropPath)
        }
    }

    public override func forward(_ input: Tensor) -> Tensor {
        let x = attns.dropFirst().reduce(input + attns[0](input)) { $0 + $1(input) }
        return ffns.dropFirst().reduce(x + ffns[0](x)) { $0 + $1(x) }
    }
}

/// Attention and MLP side by side from one fused input projection (timm's `ParallelScalingBlock`,
/// "Scaling Vision Transformers to 22 Billion Parameters"): y = in_proj(in_norm(x)) split into the MLP's
/// hidden units and q, k, v; x + ls(attn_out_proj(attention) + mlp_out_proj(act(hidden))). With
/// `differential`, timm's `DiffParallelScalingBlock`: differential attention (`DifferentialLambda`, an
/// RMS sub-norm) and one `out_proj` over both branches concatenated. Without a qkv bias the MLP's bias
/// is its own parameter `mlp_bias`. Keys `mlp_bias`, `lambda_*`, `in_norm`, `in_proj`, `q_norm`,
/// `k_norm`, `sub_norm`, `attn_out_proj`, `mlp_out_proj` / `out_proj`, `ls`.
public final class ParallelScalingBlock: Module {
    public let numHeads: Int
    public let mlpHidden: Int
    public let activation: ActivationKind
    public let mlpBias: Tensor?
    public let lambda: DifferentialLambda?
    public let inNorm: Module
    public let inProj: Linear
    public let qNorm: Module?
    public let kNorm: Module?
    public let subNorm: RMSNorm?
    public let attnOutProj: Linear?
    public let mlpOutProj: Linear?
    public let outProj: Linear?
    public let ls: LayerScale?
    public let dropPath: DropPath

    init(_ config: ViTConfig, dropPath: Float, depth: Int, differential: Bool) {
        let dim = config.embedDim
        numHeads = config.numHeads
        mlpHidden = Int(config.mlpRatio * Double(dim))
        activation = config.activation
        // Differential attention: q and k in twice the heads at half the width.
        let headDim = differential ? dim / numHeads / 2 : dim / numHeads
        mlpBias = config.qkvBias ? nil : WeightInitialization.parameter(Tensor.zeros([mlpHidden]))
        lambda = differential ? DifferentialLambda(headDim: headDim, depth: depth) : nil
        inNorm = config.norm.make(dim)
        inProj = Linear(dim, mlpHidden + 3 * dim, bias: config.qkvBias)
        qNorm = config.qkNorm ? config.norm.make(headDim) : nil
        kNorm = config.qkNorm ? config.norm.make(headDim) : nil
        subNorm = differential ? RMSNorm(2 * headDim, eps: 1e-5) : nil
        attnOutProj = differential ? nil : Linear(dim, dim, bias: config.projBias)
        mlpOutProj = differential ? nil : Linear(mlpHidden, dim, bias: config.projBias)
        outProj = differential ? Linear(dim + mlpHidden, dim, bias: config.projBias) : nil
        ls = config.initValues.map { LayerScale(dim, initValues: $0) }
        self.dropPath = DropPath(dropPath)
    }

    public override var ownParameters: [(String, Tensor)] {
        (mlpBias.map { [("mlp_bias", $0)] } ?? []) + (lambda?.parameters ?? [])
    }

    public override func forward(_ input: Tensor) -> Tensor {
        let (n, t, c) = (input.shape[0], input.shape[1], input.shape[2])
        let parts = inProj(inNorm(input)).split(sizes: [mlpHidden, c, c, c], dim: 2)
        var hidden = parts[0]
        if let mlpBias { hidden = hidden + mlpBias }
        hidden = activation.apply(hidden)
        let y: Tensor
        if let lambda, let subNorm, let outProj {
            let headDim = c / numHeads / 2
            var q = parts[1].reshape([n, t, 2 * numHeads, headDim]).transpose(1, 2)
            var k = parts[2].reshape([n, t, 2 * numHeads, headDim]).transpose(1, 2)
            let v = parts[3].reshape([n, t, numHeads, 2 * headDim]).transpose(1, 2)
            if let qNorm { q = qNorm(q) }
            if let kNorm { k = kNorm(k) }
            let attended = lambda.attend(q, k, v, subNorm: subNorm).transpose(1, 2).reshape([n, t, c])
            y = outProj(Tensor.concat([attended, hidden], dim: 2))
        } else {
            let headDim = c / numHeads
            var q = parts[1].reshape([n, t, numHeads, headDim])
            var k = parts[2].reshape([n, t, numHeads, headDim])
            if let qNorm { q = qNorm(q) }
            if let kNorm { k = kNorm(k) }
            let v = parts[3].reshape([n, t, numHeads, headDim]).transpose(1, 2)
            let attended = Tensor.scaledDotProductAttention(q.transpose(1, 2), k.transpose(1, 2), v)
                .transpose(1, 2).reshape([n, t, c])
            y = attnOutProj!(attended) + mlpOutProj!(hidden)
        }
        return input + dropPath(ls?(y) ?? y)
    }
}

// MARK: - Model

/// A Vision Transformer classifier: patch embedding, class/distillation/register tokens and a
/// learned position embedding, transformer blocks, final norm, pooling (class token, average or
/// attention pool) and the `head` (plus `head_dist` for distilled DeiT).
/// ```swift
/// let model = try makeVisionTransformer("vit_tiny_patch16_224", args: ModelArgs(numClasses: 10))
/// let logits = withNoGrad { model(images) }        // [N, 3, 224, 224] → [N, 10]
/// let tokens = model.forwardFeatures(images)        // [N, 197, 192]
/// ```
public final class VisionTransformer: Module, ClassifierModel, CheckpointAdapting {
    public let config: ViTConfig
    public private(set) var clsToken: Tensor?
    public private(set) var regToken: Tensor?
    public private(set) var posEmbed: Tensor?
    public private(set) var distToken: Tensor?
    public let patchEmbed: PatchEmbed
    public let normPre: Module?
    public let blocks: Sequential
    public let norm: Module?
    public let attnPool: AttentionPoolLatent?
    public let fcNorm: Module?
    public private(set) var head: Module
    public private(set) var headDist: Module?

    public private(set) var numClasses: Int
    public var numFeatures: Int { config.embedDim }
    public var classifierName: String { "head" }
    /// Class, distillation and register tokens before the patch tokens.
    public var numPrefixTokens: Int { (config.classToken ? 1 : 0) + (config.distilled ? 1 : 0) + config.regTokens }

    public init(config: ViTConfig) {
        self.config = config
        numClasses = config.numClasses
        let dim = config.embedDim
        patchEmbed = PatchEmbed(
            imgSize: config.imgSize, patchSize: (config.patchSize, config.patchSize), inChans: config.inChans,
            embedDim: dim, bias: !config.preNorm, norm: config.embedNorm, dynamicSize: config.dynamicImgSize)
        let grid = patchEmbed.gridSize
        let prefix = (config.classToken ? 1 : 0) + (config.distilled ? 1 : 0) + config.regTokens
        let embedLength = grid.0 * grid.1 + (config.noEmbedClass ? 0 : prefix)
        clsToken =
            config.classToken
            ? WeightInitialization.parameter([1, 1, dim]) { Tensor.normal([1, 1, dim], std: 1e-6, using: &$0) } : nil
        regToken =
            config.regTokens > 0
            ? WeightInitialization.parameter([1, config.regTokens, dim]) {
                Tensor.normal([1, config.regTokens, dim], std: 1e-6, using: &$0)
            } : nil
        posEmbed =
            config.learnedPosEmbed
            ? WeightInitialization.parameter([1, embedLength, dim]) {
                Tensor.truncatedNormal([1, embedLength, dim], std: 0.02, using: &$0)
            } : nil
        distToken =
            config.distilled
            ? WeightInitialization.parameter([1, 1, dim]) {
                Tensor.truncatedNormal([1, 1, dim], std: 0.02, using: &$0)
            } : nil
        normPre = config.preNorm ? config.norm.make(dim) : nil
        let rates = (0..<config.depth).map {
            config.depth > 1 ? Float(config.dropPathRate) * Float($0) / Float(config.depth - 1) : 0
        }
        blocks = Sequential(rates.enumerated().map { config.makeBlock(dropPath: $0.element, depth: $0.offset) })
        let useFcNorm = config.fcNorm ?? ["avg", "avgmax", "max"].contains(config.globalPool)
        norm = config.finalNorm && !useFcNorm ? config.norm.make(dim) : nil
        attnPool =
            config.globalPool == "map"
            ? AttentionPoolLatent(
                dim, numHeads: config.numHeads, mlpRatio: config.mlpRatio, norm: config.norm,
                activation: config.activation)
            : nil
        fcNorm = config.finalNorm && useFcNorm ? config.norm.make(dim) : nil
        head = config.numClasses > 0 ? Linear(dim, config.numClasses) : Identity()
        headDist = config.distilled ? (config.numClasses > 0 ? Linear(dim, config.numClasses) : Identity()) : nil
        super.init()
        initializeWeights()
    }

    public override var ownParameters: [(String, Tensor)] {
        // timm registers cls_token, reg_token, pos_embed in __init__; DeiT's dist_token comes after.
        [("cls_token", clsToken), ("reg_token", regToken), ("pos_embed", posEmbed), ("dist_token", distToken)]
            .compactMap { key, tensor in tensor.map { (key, $0) } }
    }

    /// timm's `init_weights_vit_timm`: every Linear truncated-normal (std 0.02) with zero bias.
    private func initializeWeights() {
        for (_, module) in namedModules() {
            guard let linear = module as? Linear else { continue }
            WeightInitialization.reinitialize(linear.weight) {
                Tensor.truncatedNormal(linear.weight.shape, std: 0.02, using: &$0)
            }
            if let bias = linear.bias { WeightInitialization.reinitialize(bias) { _ in Tensor.zeros(bias.shape) } }
        }
    }

    /// Tokens with the prefix tokens and position embedding added, as timm's `_pos_embed`.
    private func embed(_ input: Tensor) -> Tensor {
        let grid = patchEmbed.grid(input)
        let (n, h, w, c) = (grid.shape[0], grid.shape[1], grid.shape[2], grid.shape[3])
        var x = grid.reshape([n, h * w, c])
        let prefix = [clsToken, distToken, regToken].compactMap { $0?.expand([n, -1, -1]) }
        guard var pos = posEmbed else { return prefix.isEmpty ? x : Tensor.concat(prefix + [x], dim: 1) }
        if config.dynamicImgSize {
            pos = PositionEmbedding.resampleAbsolute(
                pos, newGrid: (h, w), oldGrid: patchEmbed.gridSize,
                prefixTokens: config.noEmbedClass ? 0 : numPrefixTokens)
        }
        if config.noEmbedClass {
            x = x + pos
            return prefix.isEmpty ? x : Tensor.concat(prefix + [x], dim: 1)
        }
        if !prefix.isEmpty { x = Tensor.concat(prefix + [x], dim: 1) }
        return x + pos
    }

    /// Embedding, blocks and final norm: [N, prefix + H·W, C] tokens.
    public func forwardFeatures(_ input: Tensor) -> Tensor {
        var x = embed(input)
        if let normPre { x = normPre(x) }
        x = blocks(x)
        return norm?(x) ?? x
    }

    /// timm's `forward_intermediates(x, indices, norm=…, output_fmt='NCHW', intermediates_only=True)`:
    /// the patch tokens after each block in `indices` (negative counts from the end) as [N, C, H, W].
    public func forwardIntermediates(_ input: Tensor, indices: [Int], norm applyNorm: Bool = false) -> [Tensor] {
        let depth = blocks.count
        let take = Set(indices.map { $0 < 0 ? $0 + depth : $0 })
        let h = input.shape[2] / config.patchSize, w = input.shape[3] / config.patchSize
        var x = embed(input)
        if let normPre { x = normPre(x) }
        var outputs: [Tensor] = []
        for (i, block) in blocks.layers.enumerated() where i <= (take.max() ?? -1) {
            x = block(x)
            guard take.contains(i) else { continue }
            var y = applyNorm ? (norm?(x) ?? x) : x
            y = y.slice(1, numPrefixTokens, y.shape[1])
            outputs.append(y.reshape([y.shape[0], h, w, y.shape[2]]).permute(0, 3, 1, 2).contiguous())
        }
        return outputs
    }

    /// Pooling (timm's `pool`), fc norm, then the head; distilled models average both heads.
    public func forwardHead(_ features: Tensor, preLogits: Bool) -> Tensor {
        if config.distilled {
            let x = features.select(1, 0), xDist = features.select(1, 1)
            if preLogits { return (x + xDist) / 2 }
            return (head(x) + headDist!(xDist)) / 2
        }
        var x = pool(features)
        if let fcNorm { x = fcNorm(x) }
        if config.dropRate > 0 { x = x.dropout(p: Float(config.dropRate), training: isTraining) }
        return preLogits ? x : head(x)
    }

    private func pool(_ x: Tensor) -> Tensor {
        let prefix = numPrefixTokens
        if let attnPool { return attnPool(config.poolIncludePrefix ? x : x.slice(1, prefix, x.shape[1])) }
        switch config.globalPool {
        case "token": return x.select(1, 0)
        case "avg": return (config.poolIncludePrefix ? x : x.slice(1, prefix, x.shape[1])).mean(dim: 1)
        case "max": return (config.poolIncludePrefix ? x : x.slice(1, prefix, x.shape[1])).max(dim: 1).values
        default: return x
        }
    }

    public override func forward(_ input: Tensor) -> Tensor { forwardHead(forwardFeatures(input)) }

    public func resetClassifier(numClasses: Int) {
        self.numClasses = numClasses
        head = numClasses > 0 ? Linear(config.embedDim, numClasses) : Identity()
        head.train(isTraining)
        if config.distilled {
            headDist = numClasses > 0 ? Linear(config.embedDim, numClasses) : Identity()
            headDist?.train(isTraining)
        }
    }

    /// timm's `checkpoint_filter_fn` with the model in hand: a position embedding for another grid
    /// is resampled (bicubic, antialiased, prefix tokens kept) and a patch kernel of another size
    /// resampled as FlexiViT does; DeiT-III's `gamma_1`/`gamma_2` become `ls1`/`ls2`; `pre_logits` dropped.
    public func adaptCheckpoint(_ tensors: [(name: String, tensor: Tensor)]) -> [(name: String, tensor: Tensor)] {
        let kernel = patchEmbed.proj.weight.shape
        var out: [(name: String, tensor: Tensor)] = []
        for (name, tensor) in tensors {
            if name.contains("pre_logits") { continue }
            var key = name, value = tensor
            if name == "patch_embed.proj.weight", value.rank == 4,
                value.shape[2] != kernel[2] || value.shape[3] != kernel[3]
            {
                value = PositionEmbedding.resamplePatchKernel(value.to(.float32), newSize: (kernel[2], kernel[3])).to(
                    tensor.dtype)
            } else if name == "pos_embed", let posEmbed, value.shape != posEmbed.shape {
                let prefix = config.noEmbedClass ? 0 : numPrefixTokens
                value = PositionEmbedding.resampleAbsolute(
                    value.to(.float32), newGrid: patchEmbed.gridSize, prefixTokens: prefix
                )
                .to(tensor.dtype)
            } else if let range = name.range(of: #"gamma_([12])$"#, options: .regularExpression) {
                key = name.replacingCharacters(in: range, with: "ls\(name.last!).gamma")
            }
            out.append((key, value))
        }
        return out
    }
}

// MARK: - Config

/// Architecture arguments of a ViT, timm's `VisionTransformer.__init__` keywords.
public struct ViTConfig: Sendable {
    public var imgSize = (224, 224)
    public var patchSize = 16
    public var inChans = 3
    public var numClasses = 1000
    public var globalPool = "token"
    public var embedDim = 768
    public var depth = 12
    public var numHeads = 12
    public var mlpRatio = 4.0
    public var qkvBias = true
    public var qkNorm = false
    public var scaleAttnNorm = false
    public var scaleMlpNorm = false
    public var projBias = true
    public var initValues: Float?
    public var classToken = true
    public var learnedPosEmbed = true
    public var noEmbedClass = false
    public var regTokens = 0
    public var preNorm = false
    public var finalNorm = true
    public var fcNorm: Bool?
    public var poolIncludePrefix = false
    public var dynamicImgSize = false
    public var dropRate = 0.0
    public var dropPathRate = 0.0
    public var norm = NormKind.layerNorm(eps: 1e-6)
    public var embedNorm: NormKind?
    public var activation = ZooNN.ActivationKind.gelu
    /// "mlp", "glu" (timm's GluMlp with SiLU, gate first) or "swiglu".
    public var mlpLayer = "mlp"
    /// "block", "res_post", "parallel_things", "parallel_scaling" or "diff_parallel_scaling".
    public var blockFn = "block"
    /// "attn" (timm's `Attention`) or "diff" (`DiffAttention`).
    public var attnLayer = "attn"
    /// DeiT's distillation token and `head_dist`.
    public var distilled = false

    public init() {}

    /// A config from timm's keyword arguments (the variant's `model_args`, then the caller's).
    public init(_ args: [String: ModelArgValue]) throws(ModelBuildError) {
        for (key, value) in args {
            switch key {
            case "img_size": if let v = value.ints(count: 2) { imgSize = (v[0], v[v.count - 1]) }
            case "patch_size": patchSize = try Self.int(key, value)
            case "in_chans": inChans = try Self.int(key, value)
            case "num_classes": numClasses = try Self.int(key, value)
            case "global_pool": globalPool = value.stringValue ?? globalPool
            case "embed_dim": embedDim = try Self.int(key, value)
            case "depth": depth = try Self.int(key, value)
            case "num_heads": numHeads = try Self.int(key, value)
            case "mlp_ratio": mlpRatio = value.doubleValue ?? mlpRatio
            case "qkv_bias": qkvBias = value.boolValue ?? qkvBias
            case "qk_norm": qkNorm = value.boolValue ?? qkNorm
            case "scale_attn_norm": scaleAttnNorm = value.boolValue ?? scaleAttnNorm
            case "scale_mlp_norm": scaleMlpNorm = value.boolValue ?? scaleMlpNorm
            case "proj_bias": projBias = value.boolValue ?? projBias
            case "init_values": initValues = value.doubleValue.map(Float.init)
            case "class_token": classToken = value.boolValue ?? classToken
            case "pos_embed": learnedPosEmbed = value.stringValue == "learn"
            case "no_embed_class": noEmbedClass = value.boolValue ?? noEmbedClass
            case "reg_tokens": regTokens = try Self.int(key, value)
            case "pre_norm": preNorm = value.boolValue ?? preNorm
            case "final_norm": finalNorm = value.boolValue ?? finalNorm
            case "fc_norm": fcNorm = value.boolValue
            case "pool_include_prefix": poolIncludePrefix = value.boolValue ?? poolIncludePrefix
            case "dynamic_img_size": dynamicImgSize = value.boolValue ?? dynamicImgSize
            case "drop_rate": dropRate = value.doubleValue ?? dropRate
            case "drop_path_rate": dropPathRate = value.doubleValue ?? dropPathRate
            case "norm_layer": norm = try Self.norm(key, value)
            case "embed_norm_layer": embedNorm = try Self.norm(key, value)
            case "act_layer":
                guard let kind = value.stringValue.flatMap(ActivationKind.init(rawValue:)) else {
                    throw .unsupported(key, "\(value)")
                }
                activation = kind
            case "mlp_layer": mlpLayer = value.stringValue ?? mlpLayer
            case "block_fn":
                blockFn = value.stringValue ?? blockFn
                guard
                    ["block", "res_post", "parallel_things", "parallel_scaling", "diff_parallel_scaling"].contains(
                        blockFn)
                else { throw .unsupported(key, blockFn) }
            case "attn_layer":
                guard let kind = value.stringValue, ["attn", "", "diff"].contains(kind) else {
                    throw .unsupported(key, "\(value)")
                }
                attnLayer = kind == "diff" ? "diff" : "attn"
            case "distilled": distilled = value.boolValue ?? distilled
            case "weight_init", "fix_init", "dynamic_img_pad", "pos_drop_rate", "patch_drop_rate", "proj_drop_rate",
                "attn_drop_rate":
                continue
            default: throw .unknownArgument(key)
            }
        }
        if scaleMlpNorm { throw .unsupported("scale_mlp_norm", "true") }
    }

    private static func int(_ key: String, _ value: ModelArgValue) throws(ModelBuildError) -> Int {
        guard let v = value.intValue else { throw .unsupported(key, "\(value)") }
        return v
    }

    /// "layernorm" / "rmsnorm", optionally ":eps" (timm's partial(LayerNorm, eps=1e-5)); default eps 1e-6.
    private static func norm(_ key: String, _ value: ModelArgValue) throws(ModelBuildError) -> NormKind {
        guard let text = value.stringValue else { throw .unsupported(key, "\(value)") }
        let parts = text.split(separator: ":")
        let eps = parts.count > 1 ? Float(parts[1]) ?? 1e-6 : 1e-6
        switch parts.first {
        case "layernorm": return .layerNorm(eps: eps)
        case "rmsnorm": return .rmsNorm(eps: eps)
        default: throw .unsupported(key, text)
        }
    }

    func makeMlp() -> Module {
        let hidden = Int(Double(embedDim) * mlpRatio)
        switch mlpLayer {
        case "glu": return GluMlp(embedDim, hidden: hidden, activation: .silu, gateLast: false, bias: projBias)
        case "swiglu": return SwiGLU(embedDim, hidden: hidden, activation: activation, bias: projBias)
        default:
            return Mlp(
                embedDim, hidden: hidden, activation: activation, norm: scaleMlpNorm ? norm : nil, bias: projBias)
        }
    }

    func makeBlock(dropPath: Float, depth: Int) -> Module {
        switch blockFn {
        case "res_post": ResPostBlock(self, dropPath: dropPath)
        case "parallel_things": ParallelThingsBlock(self, dropPath: dropPath)
        case "parallel_scaling": ParallelScalingBlock(self, dropPath: dropPath, depth: depth, differential: false)
        case "diff_parallel_scaling":
            ParallelScalingBlock(self, dropPath: dropPath, depth: depth, differential: true)
        default: TransformerBlock(self, dropPath: dropPath, depth: depth)
        }
    }
}

/// Why a builder could not make a model from its arguments.
public enum ModelBuildError: Error, CustomStringConvertible, Equatable {
    case unknownVariant(String)
    case unknownArgument(String)
    case unsupported(String, String)

    public var description: String {
        switch self {
        case .unknownVariant(let name): "no variant named \"\(name)\""
        case .unknownArgument(let key): "unknown model argument \"\(key)\""
        case let .unsupported(key, value): "model argument \(key)=\(value) is not supported by zoo yet"
        }
    }
}

// MARK: - Builder

/// Builds a ViT or DeiT variant by its timm name; `args.extra` overrides the variant's arguments
/// with timm's keywords (`img_size`, `global_pool`, `dynamic_img_size`, …).
public func makeVisionTransformer(_ name: String, args: ModelArgs = ModelArgs()) throws(ModelBuildError)
    -> VisionTransformer
{
    guard let variant = VisionTransformerVariants.all[name] else { throw .unknownVariant(name) }
    var merged = variant
    merged["num_classes"] = .int(args.numClasses)
    merged["in_chans"] = .int(args.inChans)
    merged["drop_rate"] = .double(args.dropRate)
    if let rate = args.dropPathRate { merged["drop_path_rate"] = .double(rate) }
    for (key, value) in args.extra { merged[key] = value }
    return VisionTransformer(config: try ViTConfig(merged))
}
