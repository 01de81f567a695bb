import ZooTensor

/// Multi-head self-attention with a fused qkv projection (timm's `Attention`): qkv, optional
/// per-head q/k norms, scaled dot-product attention, optional norm, output projection.
/// Keys `qkv`, `q_norm`, `k_norm`, `norm`, `proj`.
public final class Attention: Module {
    public let numHeads: Int
    public let headDim: Int
    public let qkv: Linear
    public let qNorm: Module?
    public let kNorm: Module?
    public let norm: Module?
    public let proj: Linear

    public init(
        _ dim: Int, numHeads: Int, qkvBias: Bool = true, qkNorm: Bool = false, scaleNorm: Bool = false,
        projBias: Bool = true, norm: NormKind = .layerNorm(eps: 1e-6)
    ) {
        precondition(dim % numHeads == 0, "attention: dim \(dim) is not a multiple of \(numHeads) heads")
        self.numHeads = numHeads
        headDim = dim / numHeads
        qkv = Linear(dim, dim * 3, bias: qkvBias)
        qNorm = qkNorm ? norm.make(headDim) : nil
        kNorm = qkNorm ? norm.make(headDim) : nil
        self.norm = scaleNorm ? norm.make(dim) : nil
        proj = Linear(dim, dim, bias: projBias)
    }

    /// `input` [N, T, C]; `bias` an additive attention mask broadcastable to [N, heads, T, T].
    public func forward(_ input: Tensor, bias: Tensor?) -> Tensor {
        let (n, t, c) = (input.shape[0], input.shape[1], input.shape[2])
        let heads = qkv(input).reshape([n, t, 3, numHeads, headDim]).permute(2, 0, 3, 1, 4)
        var q = heads.select(0, 0), k = heads.select(0, 1)
        let v = heads.select(0, 2)
        if let qNorm { q = qNorm(q) }
        if let kNorm { k = kNorm(k) }
        let attended = Tensor.scaledDotProductAttention(q, k, v, bias: bias).transpose(1, 2).reshape([n, t, c])
        return proj(norm?(attended) ?? attended)
    }

    public override func forward(_ input: Tensor) -> Tensor { forward(input, bias: nil) }
}

/// Attention pooling with learned latent queries (timm's `AttentionPoolLatent`, SigLIP's MAP head):
/// the latents attend over the tokens, then a residual MLP; returns the first latent [N, C].
/// Keys `latent`, `q`, `kv`, `q_norm`, `k_norm`, `proj`, `norm`, `mlp`.
public final class AttentionPoolLatent: Module {
    public let numHeads: Int
    public let latent: Tensor
    public let q: Linear
    public let kv: Linear
    public let proj: Linear
    public let norm: Module
    public let mlp: Mlp

    public init(
        _ dim: Int, numHeads: Int, mlpRatio: Double, norm: NormKind, activation: ActivationKind, latentLength: Int = 1
    ) {
        self.numHeads = numHeads
        latent = WeightInitialization.parameter([1, latentLength, dim]) {
            Tensor.truncatedNormal([1, latentLength, dim], std: Float(dim).squareRoot().reciprocal, using: &$0)
        }
        q = Linear(dim, dim)
        kv = Linear(dim, dim * 2)
        proj = Linear(dim, dim)
        self.norm = norm.make(dim)
        mlp = Mlp(dim, hidden: Int(Double(dim) * mlpRatio), activation: activation)
    }

    public override var ownParameters: [(String, Tensor)] { [("latent", latent)] }

    public override func forward(_ input: Tensor) -> Tensor {
        let (n, t, c) = (input.shape[0], input.shape[1], input.shape[2])
        let length = latent.shape[1], headDim = c / numHeads
        let queries = q(latent.expand([n, length, c])).reshape([n, length, numHeads, headDim]).transpose(1, 2)
        let keysValues = kv(input).reshape([n, t, 2, numHeads, headDim]).permute(2, 0, 3, 1, 4)
        let attended = Tensor.scaledDotProductAttention(queries, keysValues.select(0, 0), keysValues.select(0, 1))
        var x = proj(attended.transpose(1, 2).reshape([n, length, c]))
        x = x + mlp(norm(x))
        return x.select(1, 0)
    }
}

extension Float {
    fileprivate var reciprocal: Float { 1 / self }
}
