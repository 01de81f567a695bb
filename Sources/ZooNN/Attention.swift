import Foundation
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

/// The learned weight of differential attention's second map (timm's `DiffAttention._compute_lambda`):
/// λ = exp(λq1·λk1) − exp(λq2·λk2) + λinit, with λinit = 0.8 − 0.6·exp(−0.3·depth) for the block at `depth`.
/// Keys `lambda_q1`, `lambda_k1`, `lambda_q2`, `lambda_k2` (timm's `dual_lambda=False` form).
public struct DifferentialLambda {
    public let q1: Tensor
    public let k1: Tensor
    public let q2: Tensor
    public let k2: Tensor
    public let initial: Float

    public init(headDim: Int, depth: Int) {
        func draw() -> Tensor {
            WeightInitialization.parameter([headDim]) { Tensor.normal([headDim], std: 0.1, using: &$0) }
        }
        q1 = draw()
        k1 = draw()
        q2 = draw()
        k2 = draw()
        initial = 0.8 - 0.6 * Float(Foundation.exp(-0.3 * Double(depth)))
    }

    public var parameters: [(String, Tensor)] {
        [("lambda_q1", q1), ("lambda_k1", k1), ("lambda_q2", q2), ("lambda_k2", k2)]
    }

    /// λ as a scalar tensor (differentiable).
    public var value: Tensor { (q1 * k1).sum().exp() - (q2 * k2).sum().exp() + initial }

    /// Differential attention on split heads: `q`, `k` [N, 2H, T, d] (head pairs 2h, 2h+1 are the two
    /// maps of head h), `v` [N, H, T, 2d] → softmax(q₁k₁ᵀ/√d)v − λ·softmax(q₂k₂ᵀ/√d)v, sub-normed and
    /// scaled by (1 − λinit): [N, H, T, 2d].
    public func attend(_ q: Tensor, _ k: Tensor, _ v: Tensor, subNorm: RMSNorm) -> Tensor {
        let (n, heads, t, d) = (v.shape[0], v.shape[1], q.shape[2], q.shape[3])
        let pairs = (q.reshape([n, heads, 2, t, d]), k.reshape([n, heads, 2, k.shape[2], d]))
        let first = Tensor.scaledDotProductAttention(pairs.0.select(2, 0), pairs.1.select(2, 0), v)
        let second = Tensor.scaledDotProductAttention(pairs.0.select(2, 1), pairs.1.select(2, 1), v)
        return subNorm(first - value * second) * (1 - initial)
    }
}

/// Differential attention (timm's `DiffAttention`, "Differential Transformer"): twice the heads at
/// half the width for q and k, two attention maps per head whose λ-weighted difference attends over
/// v, an RMS sub-norm per head, then the output projection. Keys `lambda_*`, `qkv`, `q_norm`, `k_norm`,
/// `norm`, `proj`, `sub_norm`.
public final class DiffAttention: Module {
    public let numHeads: Int
    public let headDim: Int
    public let lambda: DifferentialLambda
    public let qkv: Linear
    public let qNorm: Module?
    public let kNorm: Module?
    public let norm: Module?
    public let proj: Linear
    public let subNorm: RMSNorm

    /// `depth`: the block's index, which sets λinit. `norm` defaults to RMS norm as timm's does.
    public init(
        _ dim: Int, numHeads: Int, qkvBias: Bool = false, qkNorm: Bool = false, scaleNorm: Bool = false,
        projBias: Bool = true, norm: NormKind = .rmsNorm(eps: 1e-6), depth: Int
    ) {
        precondition(dim % numHeads == 0, "attention: dim \(dim) is not a multiple of \(numHeads) heads")
        self.numHeads = numHeads
        headDim = dim / numHeads / 2
        lambda = DifferentialLambda(headDim: headDim, depth: depth)
        qkv = Linear(dim, dim * 3, bias: qkvBias)
        qNorm = qkNorm ? norm.make(headDim) : nil
        kNorm = qkNorm ? norm.make(headDim) : nil
        self.norm = scaleNorm ? norm.make(dim) : nil
        proj = Linear(dim, dim, bias: projBias)
        subNorm = RMSNorm(2 * headDim, eps: 1e-5)
    }

    public override var ownParameters: [(String, Tensor)] { lambda.parameters }

    public override func forward(_ input: Tensor) -> Tensor {
        let (n, t, c) = (input.shape[0], input.shape[1], input.shape[2])
        let parts = qkv(input).reshape([n, t, 3, c])
        var q = parts.select(2, 0).reshape([n, t, 2 * numHeads, headDim]).transpose(1, 2)
        var k = parts.select(2, 1).reshape([n, t, 2 * numHeads, headDim]).transpose(1, 2)
        let v = parts.select(2, 2).reshape([n, t, numHeads, 2 * headDim]).transpose(1, 2)
        if let qNorm { q = qNorm(q) }
        if let kNorm { k = kNorm(k) }
        let attended = lambda.attend(q, k, v, subNorm: subNorm).transpose(1, 2).reshape([n, t, c])
        return proj(norm?(attended) ?? attended)
    }
}
