// Swin Transformer V2's attention pieces, composed of differentiable ops (their gradients are the
// ops'): L2 normalization as `F.normalize`, cosine attention with a learned per-head logit scale,
// and the continuous position bias squashing.
import Foundation

extension Tensor {
    /// `x / max(‖x‖₂, eps)` along `dim` (PyTorch's `F.normalize(x, dim=dim)`).
    public func l2Normalized(dim: Int = -1, eps: Float = 1e-12) -> Tensor {
        let d = dim < 0 ? dim + rank : dim
        // max(‖x‖, eps) as √max(Σx², eps²): the same value, and a zero row gets a zero gradient
        // (as PyTorch's) instead of the 0/0 of √'s derivative at 0.
        return self / (self * self).sum(dim: d, keepDim: true).clamp(min: eps * eps).sqrt()
    }

    /// Cosine attention (SwinV2): softmax(q̂·k̂ᵀ · exp(min(logitScale, log 100)) + bias)·v with q̂, k̂
    /// the L2-normalized rows. `q`, `k`, `v` are [..., heads, T, d]; `logitScale` [heads, 1, 1]
    /// broadcasts over the heads; `bias` as in `scaledDotProductAttention`. The scale multiplies q̂
    /// before the product, so the fused attention kernel runs it (no [T, T] tensor kept in eval).
    public static func cosineAttention(
        _ q: Tensor, _ k: Tensor, _ v: Tensor, logitScale: Tensor, bias: Tensor? = nil
    ) -> Tensor {
        let scale = logitScale.clamp(max: Float(Foundation.log(100.0))).exp()
        return scaledDotProductAttention(
            q.l2Normalized() * scale, k.l2Normalized(), v, bias: bias, scale: 1)
    }
}
