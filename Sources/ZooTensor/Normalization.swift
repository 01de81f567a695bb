import Foundation

/// Batch and layer normalization with their closed-form gradients. Statistics accumulate in
/// Double so long reductions keep float32 agreement with PyTorch.
extension Tensor {
    /// PyTorch's `F.batch_norm` over [N, C, …]. In training, normalizes with the batch statistics
    /// and updates `runningMean`/`runningVar` in place (unbiased variance, `momentum` weight);
    /// otherwise normalizes with the running statistics.
    ///
    /// `adding residual` and `relu` fuse what often follows (ResNet's `relu(bn3(x) + shortcut)`,
    /// DenseNet's norm + ReLU): `relu?(batch_norm(x) + residual)` in one pass over the output, and
    /// in the backward pass the ReLU's mask is read from the output inside batch norm's own passes,
    /// so neither the sum nor the pre-activation values are made or kept. The values and gradients
    /// are those of the three ops in turn, bit for bit.
    public static func batchNorm(
        _ x: Tensor, runningMean: Tensor?, runningVar: Tensor?,
        weight: Tensor?, bias: Tensor?, training: Bool,
        momentum: Float = 0.1, eps: Float = 1e-5, adding residual: Tensor? = nil, relu: Bool = false
    ) -> Tensor {
        precondition(x.rank >= 2, "batch_norm expects [N, C, …], got \(x.shape)")
        if let residual {
            precondition(residual.shape == x.shape, "batch_norm: residual \(residual.shape) is not \(x.shape)")
        }
        let n = x.shape[0], c = x.shape[1], spatial = x.count / Swift.max(n * c, 1)
        let reduce = n * spatial
        let input = x.denseFloats()
        let xs = input.floats
        defer { withExtendedLifetime(input) {} }
        var mean = [Float](repeating: 0, count: c), invStd = [Float](repeating: 0, count: c)
        let useBatchStats = training || runningMean == nil || runningVar == nil
        let work = n * c * spatial
        if useBatchStats {
            precondition(reduce > 1, "batch_norm in training needs more than one value per channel, got \(x.shape)")
            let rm = training ? runningMean?.floats : nil, rv = training ? runningVar?.floats : nil
            mean.withUnsafeMutableBufferPointer { meanOut in
                invStd.withUnsafeMutableBufferPointer { invStdOut in
                    let (meanOut, invStdOut) = (meanOut.baseAddress!, invStdOut.baseAddress!)
                    // Channels are independent: each chunk of them reduces and writes its own entries.
                    Parallel.forEachChunk(c, work: work) { channels in
                        for ch in channels {
                            var total = 0.0
                            for i in 0..<n { total += DoubleSums.sum(xs + (i * c + ch) * spatial, spatial) }
                            let mu = total / Double(reduce)
                            var squares = 0.0
                            for i in 0..<n {
                                squares += DoubleSums.squaredDeviations(xs + (i * c + ch) * spatial, spatial, from: mu)
                            }
                            let variance = squares / Double(reduce)
                            meanOut[ch] = Float(mu)
                            invStdOut[ch] = Float(1 / (variance + Double(eps)).squareRoot())
                            if let rm, let rv {
                                rm[ch] = (1 - momentum) * rm[ch] + momentum * Float(mu)
                                rv[ch] = (1 - momentum) * rv[ch] + momentum * Float(squares / Double(reduce - 1))
                            }
                        }
                    }
                }
            }
        } else if let runningMean, let runningVar {
            let rm = runningMean.toArray(), rv = runningVar.toArray()
            for ch in 0..<c { mean[ch] = rm[ch]; invStd[ch] = 1 / (rv[ch] + eps).squareRoot() }
        }
        let gamma = weight?.toArray() ?? [Float](repeating: 1, count: c)
        let beta = bias?.toArray() ?? [Float](repeating: 0, count: c)
        let out = Tensor(empty: x.shape), ys = out.mutableFloats
        let (meanC, invStdC) = (mean, invStd)
        let added = residual?.denseFloats()
        withExtendedLifetime(added) {
            let rs = added?.floats
            Parallel.forEachChunk(n * c, work: work) { planes in
                for plane in planes {
                    let ch = plane % c
                    let scale = invStdC[ch] * gamma[ch], shift = beta[ch] - meanC[ch] * scale
                    let row = xs + plane * spatial, target = ys + plane * spatial
                    // One loop per case, no branch inside, each the separate ops' arithmetic.
                    switch (rs.map { $0 + plane * spatial }, relu) {
                    case (nil, false): for s in 0..<spatial { target[s] = row[s] * scale + shift }
                    case (nil, true):
                        for s in 0..<spatial { let v = row[s] * scale + shift; target[s] = v > 0 ? v : 0 }
                    case (let r?, false): for s in 0..<spatial { target[s] = (row[s] * scale + shift) + r[s] }
                    case (let r?, true):
                        for s in 0..<spatial { let v = (row[s] * scale + shift) + r[s]; target[s] = v > 0 ? v : 0 }
                    }
                }
            }
        }
        // The output (for the ReLU's mask) is held through a second view, so the graph does not
        // hold the tensor that holds the graph.
        let output = relu ? out.detach() : nil
        let inputs = [x] + (weight.map { [$0] } ?? []) + (bias.map { [$0] } ?? []) + (residual.map { [$0] } ?? [])
        let name = relu ? (residual == nil ? "batch_norm_relu" : "batch_norm_add_relu") : "batch_norm"
        return record(name, inputs, out) { g in
            var dense = g.denseFloats()
            // The gradient past the ReLU (and the residual's, as the add passes it on): where the
            // output is positive the output's gradient, else 0. Made as a tensor only when the
            // residual needs it; otherwise the mask is applied inside the passes below.
            var mask: UnsafePointer<Float>? = nil
            if let output {
                if residual?.requiresGrad == true {
                    dense = Tensor.reluGradient(dense, output: output)
                } else {
                    mask = UnsafePointer(output.floats)
                }
            }
            let gd = dense.floats
            defer { withExtendedLifetime((dense, input, output)) {} }
            var sumG = [Double](repeating: 0, count: c), sumGX = [Double](repeating: 0, count: c)
            sumG.withUnsafeMutableBufferPointer { sumGOut in
                sumGX.withUnsafeMutableBufferPointer { sumGXOut in
                    let (sumGOut, sumGXOut) = (sumGOut.baseAddress!, sumGXOut.baseAddress!)
                    Parallel.forEachChunk(c, work: work) { channels in
                        for ch in channels {
                            var a = 0.0, b = 0.0
                            for i in 0..<n {
                                let row = xs + (i * c + ch) * spatial, grad = gd + (i * c + ch) * spatial
                                let sums = DoubleSums.gradientSums(
                                    grad, row, spatial, mean: meanC[ch], invStd: invStdC[ch],
                                    mask: mask.map { $0 + (i * c + ch) * spatial })
                                a += sums.0; b += sums.1
                            }
                            sumGOut[ch] = a; sumGXOut[ch] = b
                        }
                    }
                }
            }
            var gradInput: Tensor?
            if x.requiresGrad {
                let result = Tensor(empty: x.shape), gi = result.mutableFloats
                let (sumGC, sumGXC) = (sumG, sumGX)
                Parallel.forEachChunk(n * c, work: work) { planes in
                    for plane in planes {
                        let ch = plane % c
                        let row = xs + plane * spatial, grad = gd + plane * spatial, target = gi + plane * spatial
                        let k = gamma[ch] * invStdC[ch]
                        let (mu, sigma) = (meanC[ch], invStdC[ch])
                        if useBatchStats {
                            // dx = γ·σ⁻¹·(dy − mean(dy) − x̂·mean(dy·x̂))
                            let meanG = Float(sumGC[ch] / Double(reduce)), meanGX = Float(sumGXC[ch] / Double(reduce))
                            if let y = mask.map({ $0 + plane * spatial }) {
                                // Eight lanes by hand: a load under a condition keeps the compiler's
                                // vectorizer away. Same arithmetic per element as the loop below.
                                typealias V = SIMD8<Float>
                                @inline(__always) func load(_ p: UnsafePointer<Float>) -> V {
                                    UnsafeRawPointer(p).loadUnaligned(as: V.self)
                                }
                                let (zero, vk) = (V(repeating: 0), V(repeating: k))
                                let (vmu, vsigma) = (V(repeating: mu), V(repeating: sigma))
                                let (vg, vgx) = (V(repeating: meanG), V(repeating: meanGX))
                                var s = 0
                                while s + 8 <= spatial {
                                    let xhat = (load(row + s) - vmu) * vsigma
                                    let masked = zero.replacing(with: load(grad + s), where: load(y + s) .> zero)
                                    UnsafeMutableRawPointer(target + s).storeBytes(
                                        of: vk * (masked - vg - xhat * vgx), as: V.self)
                                    s += 8
                                }
                                while s < spatial {
                                    let xhat = (row[s] - mu) * sigma
                                    let g = grad[s]
                                    target[s] = k * ((y[s] > 0 ? g : 0) - meanG - xhat * meanGX)
                                    s += 1
                                }
                            } else {
                                for s in 0..<spatial {
                                    let xhat = (row[s] - mu) * sigma
                                    target[s] = k * (grad[s] - meanG - xhat * meanGX)
                                }
                            }
                        } else if let y = mask.map({ $0 + plane * spatial }) {
                            for s in 0..<spatial { let g = grad[s]; target[s] = k * (y[s] > 0 ? g : 0) }
                        } else {
                            for s in 0..<spatial { target[s] = k * grad[s] }
                        }
                    }
                }
                gradInput = result
            }
            let gradWeight = weight.map { _ in Tensor(sumGX.map(Float.init)) }
            let gradBias = bias.map { _ in Tensor(sumG.map(Float.init)) }
            return [gradInput] + (weight == nil ? [] : [gradWeight]) + (bias == nil ? [] : [gradBias])
                + (residual == nil ? [] : [residual?.requiresGrad == true ? dense : nil])
        }
    }

    /// PyTorch's `F.layer_norm`: normalizes over the trailing `normalizedShape` dimensions.
    public static func layerNorm(
        _ x: Tensor, normalizedShape: [Int], weight: Tensor? = nil,
        bias: Tensor? = nil, eps: Float = 1e-5
    ) -> Tensor {
        precondition(
            Array(x.shape.suffix(normalizedShape.count)) == normalizedShape,
            "layer_norm: input \(x.shape) does not end in \(normalizedShape)")
        let d = normalizedShape.reduce(1, *), rows = x.count / Swift.max(d, 1)
        let input = x.denseFloats(), xs = input.floats
        var mean = [Float](repeating: 0, count: rows), invStd = [Float](repeating: 0, count: rows)
        let gamma = weight?.denseFloats(), beta = bias?.denseFloats()
        defer { withExtendedLifetime((input, gamma, beta)) {} }
        let out = Tensor(empty: x.shape), ys = out.mutableFloats
        mean.withUnsafeMutableBufferPointer { meanOut in
            invStd.withUnsafeMutableBufferPointer { invStdOut in
                let (meanOut, invStdOut) = (meanOut.baseAddress!, invStdOut.baseAddress!)
                // Rows are independent: each chunk of them writes its own statistics and outputs.
                Parallel.forEachChunk(rows, work: rows * d) { chunk in
                    for r in chunk {
                        let row = xs + r * d
                        let mu = DoubleSums.sum(row, d) / Double(d)
                        let squares = DoubleSums.squaredDeviations(row, d, from: mu)
                        let (m, s) = (Float(mu), Float(1 / (squares / Double(d) + Double(eps)).squareRoot()))
                        meanOut[r] = m
                        invStdOut[r] = s
                        Self.normalizeRow(
                            row, ys + r * d, d, mean: m, invStd: s, gamma: gamma?.floats, beta: beta?.floats)
                    }
                }
            }
        }
        let inputs = [x] + (weight.map { [$0] } ?? []) + (bias.map { [$0] } ?? [])
        return record("layer_norm", inputs, out) { g in
            let dense = g.denseFloats(), gd = dense.floats
            defer { withExtendedLifetime((dense, input)) {} }
            var gradGamma = [Double](repeating: 0, count: d), gradBeta = [Double](repeating: 0, count: d)
            let result = Tensor(empty: x.shape), gi = result.mutableFloats
            for r in 0..<rows {
                let row = xs + r * d, grad = gd + r * d
                var sumDX = 0.0, sumDXX = 0.0
                for k in 0..<d {
                    let xhat = (row[k] - mean[r]) * invStd[r]
                    gradGamma[k] += Double(grad[k] * xhat)
                    gradBeta[k] += Double(grad[k])
                    let dxhat = grad[k] * (gamma?.floats[k] ?? 1)
                    sumDX += Double(dxhat); sumDXX += Double(dxhat * xhat)
                }
                let meanDX = Float(sumDX / Double(d)), meanDXX = Float(sumDXX / Double(d))
                for k in 0..<d {
                    let xhat = (row[k] - mean[r]) * invStd[r]
                    let dxhat = grad[k] * (gamma?.floats[k] ?? 1)
                    gi[r * d + k] = invStd[r] * (dxhat - meanDX - xhat * meanDXX)
                }
            }
            return [result]
                + (weight == nil ? [] : [Tensor(gradGamma.map(Float.init), shape: normalizedShape)])
                + (bias == nil ? [] : [Tensor(gradBeta.map(Float.init), shape: normalizedShape)])
        }
    }
}

extension Tensor {
    /// out = (x − mean)·invStd·γ + β over one row, eight lanes at a time.
    @inline(__always)
    static func normalizeRow(
        _ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ d: Int, mean: Float, invStd: Float,
        gamma: UnsafePointer<Float>?, beta: UnsafePointer<Float>?
    ) {
        typealias V = SIMD8<Float>
        let m = V(repeating: mean), s = V(repeating: invStd)
        @inline(__always) func load(_ p: UnsafePointer<Float>) -> V { UnsafeRawPointer(p).loadUnaligned(as: V.self) }
        var k = 0
        while k + 8 <= d {
            var v = (load(x + k) - m) * s
            if let gamma { v *= load(gamma + k) }
            if let beta { v += load(beta + k) }
            UnsafeMutableRawPointer(out + k).storeBytes(of: v, as: V.self)
            k += 8
        }
        while k < d {
            var v = (x[k] - mean) * invStd
            if let gamma { v *= gamma[k] }
            if let beta { v += beta[k] }
            out[k] = v
            k += 1
        }
    }
}

/// Double-precision sums over float32 rows, four lanes at a time: independent accumulators, so
/// the adds pipeline instead of waiting on each other (a plain `total += Double(x)` loop is one
/// dependent add per value), with the accuracy of Double kept.
enum DoubleSums {
    @inline(__always)
    private static func load(_ p: UnsafePointer<Float>) -> SIMD4<Double> {
        SIMD4<Double>(UnsafeRawPointer(p).loadUnaligned(as: SIMD4<Float>.self))
    }

    /// Σ x.
    static func sum(_ x: UnsafePointer<Float>, _ count: Int) -> Double {
        var a = SIMD4<Double>(repeating: 0), b = SIMD4<Double>(repeating: 0)
        var i = 0
        while i + 8 <= count { a += load(x + i); b += load(x + i + 4); i += 8 }
        var total = (a + b).sum()
        while i < count { total += Double(x[i]); i += 1 }
        return total
    }

    /// Σ (x − mean)².
    static func squaredDeviations(_ x: UnsafePointer<Float>, _ count: Int, from mean: Double) -> Double {
        let m = SIMD4<Double>(repeating: mean)
        var a = SIMD4<Double>(repeating: 0), b = SIMD4<Double>(repeating: 0)
        var i = 0
        while i + 8 <= count {
            let d0 = load(x + i) - m, d1 = load(x + i + 4) - m
            a += d0 * d0; b += d1 * d1; i += 8
        }
        var total = (a + b).sum()
        while i < count { let d = Double(x[i]) - mean; total += d * d; i += 1 }
        return total
    }

    /// (Σ g, Σ g·x̂) with x̂ = (x − mean)·invStd computed in float32, as batch norm's backward needs.
    /// With `mask`, g counts only where the mask is positive (a ReLU's output after the norm), as
    /// if g had been zeroed there first.
    static func gradientSums(
        _ g: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ count: Int, mean: Float, invStd: Float,
        mask: UnsafePointer<Float>? = nil
    ) -> (Double, Double) {
        let m = SIMD4<Float>(repeating: mean), k = SIMD4<Float>(repeating: invStd)
        var a = SIMD4<Double>(repeating: 0), b = SIMD4<Double>(repeating: 0)
        var i = 0
        @inline(__always) func load(_ p: UnsafePointer<Float>) -> SIMD4<Float> {
            UnsafeRawPointer(p).loadUnaligned(as: SIMD4<Float>.self)
        }
        if let mask {
            let zero = SIMD4<Float>(repeating: 0)
            while i + 4 <= count {
                let gv = zero.replacing(with: load(g + i), where: load(mask + i) .> zero)
                let xhat = (load(x + i) - m) * k
                let gd = SIMD4<Double>(gv)
                a += gd; b += gd * SIMD4<Double>(xhat); i += 4
            }
        } else {
            while i + 4 <= count {
                let xhat = (load(x + i) - m) * k
                let gd = SIMD4<Double>(load(g + i))
                a += gd; b += gd * SIMD4<Double>(xhat); i += 4
            }
        }
        var sumG = a.sum(), sumGX = b.sum()
        while i < count {
            let gi: Float = mask.map { $0[i] > 0 ? g[i] : 0 } ?? g[i]
            sumG += Double(gi); sumGX += Double(gi) * Double((x[i] - mean) * invStd); i += 1
        }
        return (sumG, sumGX)
    }
}
