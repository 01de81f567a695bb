import Foundation

/// Scaled dot-product attention as one kernel: softmax(q·kᵀ·scale + bias)·v, with its gradient.
extension Tensor {
    /// PyTorch's `F.scaled_dot_product_attention(q, k, v, attn_mask=bias, scale=scale)` for q
    /// [batch…, Tq, D], k [batch…, Tk, D], v [batch…, Tk, Dv]; `bias` is an additive float mask
    /// broadcastable to [batch…, Tq, Tk] (relative position bias, Swin's shift mask) and receives
    /// gradients too. `scale` defaults to 1/√D.
    ///
    /// Without a graph to record (eval, `withNoGrad`), the scores of one batch entry live in one
    /// [Tq, Tk] scratch buffer that is reused for the next: no [batch…, Tq, Tk] tensor is made.
    /// With a graph, the probabilities are kept for the backward pass.
    /// ```swift
    /// let out = Tensor.scaledDotProductAttention(q, k, v)   // [N, heads, T, D]
    /// ```
    public static func scaledDotProductAttention(
        _ q: Tensor, _ k: Tensor, _ v: Tensor, bias: Tensor? = nil,
        scale: Float? = nil
    ) -> Tensor {
        precondition(q.rank >= 2 && k.rank == q.rank && v.rank == q.rank, "attention: q, k, v must share a rank ≥ 2")
        let tq = q.shape[q.rank - 2], d = q.shape[q.rank - 1]
        let tk = k.shape[k.rank - 2], dv = v.shape[v.rank - 1]
        let batchShape = Array(q.shape.dropLast(2))
        precondition(
            Array(k.shape.dropLast(2)) == batchShape && Array(v.shape.dropLast(2)) == batchShape,
            "attention: batch dimensions of \(q.shape), \(k.shape), \(v.shape) differ")
        precondition(
            k.shape[k.rank - 1] == d && v.shape[v.rank - 2] == tk,
            "attention: \(q.shape), \(k.shape), \(v.shape) do not chain")
        let batches = batchShape.reduce(1, *)
        let alpha = scale ?? 1 / Float(d).squareRoot()
        let qd = q.denseFloats(), kd = k.denseFloats(), vd = v.denseFloats()
        // The bias as a strided view with unit column stride: row stride may be 0 (broadcast rows).
        let biasView = bias.map { b -> Tensor in
            let expanded = b.detach().expand(batchShape + [tq, tk])
            return expanded.strides.last == 1 || tk == 1
                ? expanded : b.detach().contiguous().expand(batchShape + [tq, tk])
        }
        let needsGraph =
            GradMode.isEnabled && (q.requiresGrad || k.requiresGrad || v.requiresGrad || bias?.requiresGrad == true)
        let probabilities = needsGraph ? Tensor(empty: batchShape + [tq, tk]) : nil
        let out = Tensor(empty: batchShape + [tq, dv])
        let biasOffsets = biasView.map { Self.batchOffsets($0, batchShape: batchShape) }

        withExtendedLifetime((qd, kd, vd, biasView)) {
            Workspace.shared.withFloats(probabilities == nil ? tq * tk : 0) { scratch in
                for b in 0..<batches {
                    let scores = probabilities.map { $0.mutableFloats + b * tq * tk } ?? scratch
                    // scores = scale · q·kᵀ
                    BLAS.sgemm(
                        transB: true, m: tq, n: tk, k: d, alpha: alpha, a: qd.floats + b * tq * d, lda: d,
                        b: kd.floats + b * tk * d, ldb: d, c: scores, ldc: tk)
                    if let biasView, let biasOffsets {
                        let base = biasView.storage.bytes.assumingMemoryBound(to: Float.self) + biasOffsets[b]
                        let rowStride = biasView.strides[biasView.rank - 2]
                        for i in 0..<tq {
                            let row = scores + i * tk, biasRow = base + i * rowStride
                            for j in 0..<tk { row[j] += biasRow[j] }
                        }
                    }
                    for i in 0..<tq { softmaxInPlace(scores + i * tk, tk) }
                    BLAS.sgemm(
                        m: tq, n: dv, k: tk, a: scores, lda: tk, b: vd.floats + b * tk * dv, ldb: dv,
                        c: out.mutableFloats + b * tq * dv, ldc: dv)
                }
            }
        }
        guard let probabilities else { return out }
        let inputs = [q, k, v] + (bias.map { [$0] } ?? [])
        return record("scaled_dot_product_attention", inputs, out) { g in
            let p = probabilities, gd = g.denseFloats()
            let gradQ = Tensor(empty: q.shape), gradK = Tensor(empty: k.shape), gradV = Tensor(empty: v.shape)
            let gradScores = bias?.requiresGrad == true ? Tensor(empty: batchShape + [tq, tk]) : nil
            withExtendedLifetime((qd, kd, vd, gd, p)) {
                Workspace.shared.withFloats(tq * tk) { ds in
                    for b in 0..<batches {
                        let pb = p.floats + b * tq * tk, gb = gd.floats + b * tq * dv
                        // dV = Pᵀ·dO; dP = dO·Vᵀ
                        BLAS.sgemm(
                            transA: true, m: tk, n: dv, k: tq, a: pb, lda: tk, b: gb, ldb: dv,
                            c: gradV.mutableFloats + b * tk * dv, ldc: dv)
                        BLAS.sgemm(
                            transB: true, m: tq, n: tk, k: dv, a: gb, lda: dv, b: vd.floats + b * tk * dv, ldb: dv,
                            c: ds, ldc: tk)
                        // dS = P ⊙ (dP − Σⱼ dP·P), the softmax gradient row by row.
                        for i in 0..<tq {
                            let prow = pb + i * tk, drow = ds + i * tk
                            var dot: Float = 0
                            for j in 0..<tk { dot += prow[j] * drow[j] }
                            for j in 0..<tk { drow[j] = prow[j] * (drow[j] - dot) }
                        }
                        if let gradScores { (gradScores.mutableFloats + b * tq * tk).update(from: ds, count: tq * tk) }
                        // dQ = scale · dS·K; dK = scale · dSᵀ·Q
                        BLAS.sgemm(
                            m: tq, n: d, k: tk, alpha: alpha, a: ds, lda: tk, b: kd.floats + b * tk * d, ldb: d,
                            c: gradQ.mutableFloats + b * tq * d, ldc: d)
                        BLAS.sgemm(
                            transA: true, m: tk, n: d, k: tq, alpha: alpha, a: ds, lda: tk, b: qd.floats + b * tq * d,
                            ldb: d, c: gradK.mutableFloats + b * tk * d, ldc: d)
                    }
                }
            }
            return [gradQ, gradK, gradV] + (bias.map { [gradScores?.sum(toShape: $0.shape)] } ?? [])
        }
    }

    /// Storage offset of each batch entry's [Tq, Tk] block in a (possibly broadcast) view.
    private static func batchOffsets(_ view: Tensor, batchShape: [Int]) -> [Int] {
        var offsets: [Int] = []
        offsets.reserveCapacity(batchShape.reduce(1, *))
        StridedIndex.forEach(
            shape: batchShape, strides: Array(view.strides.prefix(batchShape.count)),
            offset: view.storageOffset
        ) { offsets.append($0) }
        return offsets
    }

    /// Numerically stable softmax of `n` values, in place.
    @inline(__always)
    static func softmaxInPlace(_ row: UnsafeMutablePointer<Float>, _ n: Int) {
        var peak = -Float.infinity
        for j in 0..<n { peak = Swift.max(peak, row[j]) }
        var total: Float = 0
        for j in 0..<n { let e = Foundation.exp(row[j] - peak); row[j] = e; total += e }
        let inverse = 1 / total
        for j in 0..<n { row[j] *= inverse }
    }
}
