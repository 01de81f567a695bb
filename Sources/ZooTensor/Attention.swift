import Foundation

/// Scaled dot-product attention as one kernel: softmax(q·kᵀ·scale + bias)·v, with its gradient.
extension Tensor {
    /// PyTorch's `F.scaled_dot_product_attention(q, k, v, attn_mask=bias, scale=scale)` for q
    /// [batch…, Tq, D], k [batch…, Tk, D], v [batch…, Tk, Dv]; `bias` is an additive float mask
    /// broadcastable to [batch…, Tq, Tk] (relative position bias, Swin's shift mask) and receives
    /// gradients too. `scale` defaults to 1/√D.
    ///
    /// Without a graph to record (eval, `withNoGrad`), the batch entries are split over the cores
    /// and each worker keeps the scores of its current entry in one [Tq, Tk] scratch buffer, reused
    /// for the next: no [batch…, Tq, Tk] tensor is made.
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
        // The bias as a strided view with unit column stride: row stride may be 0 (broadcast rows).
        let biasView = bias.map { b -> Tensor in
            let expanded = b.detach().expand(batchShape + [tq, tk])
            return expanded.strides.last == 1 || tk == 1
                ? expanded : b.detach().contiguous().expand(batchShape + [tq, tk])
        }
        let biasOffsets = biasView.map { Self.batchOffsets($0, batchShape: batchShape) }
        let needsGraph =
            GradMode.isEnabled && (q.requiresGrad || k.requiresGrad || v.requiresGrad || bias?.requiresGrad == true)
        if !needsGraph {
            return inferenceAttention(
                q, k, v, bias: biasView, biasOffsets: biasOffsets, batchShape: batchShape, alpha: alpha)
        }
        let qd = q.denseFloats(), kd = k.denseFloats(), vd = v.denseFloats()
        let probabilities = Tensor(empty: batchShape + [tq, tk])
        let out = Tensor(empty: batchShape + [tq, dv])

        withExtendedLifetime((qd, kd, vd, biasView)) {
            for b in 0..<batches {
                let scores = probabilities.mutableFloats + b * tq * tk
                // scores = scale · q·kᵀ
                BLAS.sgemm(
                    transB: true, m: tq, n: tk, k: d, alpha: alpha, a: qd.floats + b * tq * d, lda: d,
                    b: kd.floats + b * tk * d, ldb: d, c: scores, ldc: tk)
                Self.softmaxRows(
                    scores, rows: tq, columns: tk, bias: biasView.map { Self.biasRows($0, offset: biasOffsets![b]) })
                BLAS.sgemm(
                    m: tq, n: dv, k: tk, a: scores, lda: tk, b: vd.floats + b * tk * dv, ldb: dv,
                    c: out.mutableFloats + b * tq * dv, ldc: dv)
            }
        }
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

    /// The no-graph path: the (batch…) entries split over the cores, each worker with one [Tq, Tk]
    /// scratch block and single-threaded GEMMs (hundreds of small per-head products would otherwise
    /// each wake the GEMM's threads). q, k and v are read in place through their strides (the
    /// heads of a fused qkv projection need no copy). For rank ≥ 4 the output is laid out as
    /// [batch…, Tq, heads, Dv] in memory (heads = the last batch dimension) and returned as the
    /// [batch…, heads, Tq, Dv] view of it, so the usual `transpose(heads, tokens).reshape` after
    /// attention is free.
    private static func inferenceAttention(
        _ q: Tensor, _ k: Tensor, _ v: Tensor, bias: Tensor?, biasOffsets: [Int]?, batchShape: [Int], alpha: Float
    ) -> Tensor {
        let q = q.withUnitInnerStride(), k = k.withUnitInnerStride(), v = v.withUnitInnerStride()
        let tq = q.shape[q.rank - 2], d = q.shape[q.rank - 1]
        let tk = k.shape[k.rank - 2], dv = v.shape[v.rank - 1]
        let batches = batchShape.reduce(1, *)
        let qOffsets = batchOffsets(q, batchShape: batchShape), kOffsets = batchOffsets(k, batchShape: batchShape)
        let vOffsets = batchOffsets(v, batchShape: batchShape)
        let (ldq, ldk, ldv) = (q.rowStride, k.rowStride, v.rowStride)
        let heads = batchShape.count >= 2 ? batchShape[batchShape.count - 1] : 1
        let outer = batches / Swift.max(heads, 1)
        let interleaved = batchShape.count >= 2
        let storage = Tensor(empty: [outer, tq, heads, dv])
        let ldo = interleaved ? heads * dv : dv
        let out: Tensor =
            interleaved
            ? Tensor(
                storage: storage.storage, dtype: .float32, shape: batchShape + [tq, dv],
                strides: Tensor.contiguousStrides(Array(batchShape.dropLast())).map { $0 * tq * heads * dv }
                    + [dv, heads * dv, 1], storageOffset: 0)
            : storage.reshape(batchShape + [tq, dv])
        let outBase = storage.mutableFloats
        let qBase = q.storageFloats, kBase = k.storageFloats, vBase = v.storageFloats
        let sequential = KernelPath.usesOneDNN
        withExtendedLifetime((q, k, v, bias, storage)) {
            Parallel.forEachChunk(sequential ? batches : 1, work: batches * tq * tk * Swift.max(d, dv)) { chunk in
                let range = sequential ? chunk : 0..<batches
                Workspace.shared.withFloats(tq * tk) { scores in
                    for b in range {
                        BLAS.sgemm(
                            transB: true, m: tq, n: tk, k: d, alpha: alpha, a: qBase + qOffsets[b], lda: ldq,
                            b: kBase + kOffsets[b], ldb: ldk, c: scores, ldc: tk, sequential: sequential)
                        softmaxRows(
                            scores, rows: tq, columns: tk, bias: bias.map { biasRows($0, offset: biasOffsets![b]) })
                        let o = interleaved ? (b / heads) * tq * heads * dv + (b % heads) * dv : b * tq * dv
                        BLAS.sgemm(
                            m: tq, n: dv, k: tk, a: scores, lda: tk, b: vBase + vOffsets[b], ldb: ldv,
                            c: outBase + o, ldc: ldo, sequential: sequential)
                    }
                }
            }
        }
        return out
    }

    /// A bias block's first row and row stride (0 for broadcast rows).
    private static func biasRows(_ view: Tensor, offset: Int) -> (UnsafePointer<Float>, Int) {
        (UnsafePointer(view.storage.bytes.assumingMemoryBound(to: Float.self) + offset), view.strides[view.rank - 2])
    }

    /// Each row of `scores` (+ the bias row) replaced by its softmax, eight lanes at a time.
    static func softmaxRows(
        _ scores: UnsafeMutablePointer<Float>, rows: Int, columns n: Int, bias: (UnsafePointer<Float>, Int)?
    ) {
        for i in 0..<rows {
            let row = scores + i * n
            if let bias {
                let biasRow = bias.0 + i * bias.1
                for j in 0..<n { row[j] += biasRow[j] }
            }
            softmaxInPlace(row, n)
        }
    }

    /// Numerically stable softmax of `n` values, in place.
    @inline(__always)
    static func softmaxInPlace(_ row: UnsafeMutablePointer<Float>, _ n: Int) {
        var peak = -Float.infinity
        for j in 0..<n { peak = Swift.max(peak, row[j]) }
        let shift = SIMD8<Float>(repeating: peak)
        var sums = SIMD8<Float>(repeating: 0)
        var j = 0
        while j + 8 <= n {
            let e = VectorMath.exp(UnsafeRawPointer(row + j).loadUnaligned(as: SIMD8<Float>.self) - shift)
            UnsafeMutableRawPointer(row + j).storeBytes(of: e, as: SIMD8<Float>.self)
            sums += e
            j += 8
        }
        var total = sums.sum()
        if j < n {
            var tail = SIMD8<Float>(repeating: -.infinity)
            for i in j..<n { tail[i - j] = row[i] }
            let e = VectorMath.exp(tail - shift)
            for i in j..<n { row[i] = e[i - j]; total += e[i - j] }
        }
        let inverse = 1 / total
        for j in 0..<n { row[j] *= inverse }
    }
}

extension Tensor {
    /// Self when its last dimension has unit stride (or one element), else a contiguous copy.
    fileprivate func withUnitInnerStride() -> Tensor {
        let rows = shape[rank - 2], cols = shape[rank - 1]
        let usable =
            dtype == .float32 && (strides[rank - 1] == 1 || cols == 1) && (rows == 1 || strides[rank - 2] >= cols)
        return usable ? self : detach().contiguous()
    }

    /// Distance between consecutive rows of the trailing [rows, cols] matrices.
    fileprivate var rowStride: Int { shape[rank - 2] == 1 ? shape[rank - 1] : strides[rank - 2] }

    /// The storage's first float (offsets from `batchOffsets` count from here).
    fileprivate var storageFloats: UnsafePointer<Float> {
        UnsafePointer(storage.bytes.assumingMemoryBound(to: Float.self))
    }
}
