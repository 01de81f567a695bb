/// Batch normalization whose statistics span every process of a data-parallel run, as PyTorch's
/// `SyncBatchNorm`: the forward pass sums each channel's count, sum and sum of squares over all
/// processes; the backward pass sums `Σ dy` and `Σ dy·x̂` the same way. Weight and bias gradients
/// stay local (data-parallel training averages them with the other gradients afterwards).

/// Sums a buffer element-wise over every process, in place (an MPI all-reduce). Every process must
/// call it the same number of times with buffers of the same length.
public typealias CrossProcessSum = @Sendable (inout [Double]) -> Void

extension Tensor {
    /// Training-mode batch norm over NCHW (or [N, C, …]) input with statistics summed by `sum`
    /// across processes. Running statistics are updated with the global mean and unbiased variance.
    public static func syncBatchNorm(
        _ x: Tensor, runningMean: Tensor?, runningVar: Tensor?,
        weight: Tensor?, bias: Tensor?, momentum: Float, eps: Float,
        sum: @escaping CrossProcessSum
    ) -> Tensor {
        precondition(x.rank >= 2, "sync_batch_norm expects [N, C, …], got \(x.shape)")
        let n = x.shape[0], c = x.shape[1], spatial = x.count / Swift.max(n * c, 1)
        let input = x.denseFloats(), xs = input.floats
        defer { withExtendedLifetime(input) {} }

        // [count, Σx per channel, Σx² per channel], summed over processes.
        var moments = [Double](repeating: 0, count: 1 + 2 * c)
        moments[0] = Double(n * spatial)
        for i in 0..<n {
            for ch in 0..<c {
                let row = xs + (i * c + ch) * spatial
                var total = 0.0, squares = 0.0
                for s in 0..<spatial { let v = Double(row[s]); total += v; squares += v * v }
                moments[1 + ch] += total
                moments[1 + c + ch] += squares
            }
        }
        sum(&moments)
        let count = moments[0]
        precondition(count > 1, "sync_batch_norm in training needs more than one value per channel, got \(x.shape)")
        var mean = [Float](repeating: 0, count: c), invStd = [Float](repeating: 0, count: c)
        for ch in 0..<c {
            let mu = moments[1 + ch] / count
            let variance = Swift.max(moments[1 + c + ch] / count - mu * mu, 0)
            mean[ch] = Float(mu)
            invStd[ch] = Float(1 / (variance + Double(eps)).squareRoot())
            if let runningMean, let runningVar {
                let rm = runningMean.floats, rv = runningVar.floats
                rm[ch] = (1 - momentum) * rm[ch] + momentum * Float(mu)
                rv[ch] = (1 - momentum) * rv[ch] + momentum * Float(variance * count / (count - 1))
            }
        }

        let gamma = weight?.toArray() ?? [Float](repeating: 1, count: c)
        let beta = bias?.toArray() ?? [Float](repeating: 0, count: c)
        let out = Tensor(empty: x.shape), ys = out.mutableFloats
        for i in 0..<n {
            for ch in 0..<c {
                let scale = invStd[ch] * gamma[ch], shift = beta[ch] - mean[ch] * scale
                let row = xs + (i * c + ch) * spatial, target = ys + (i * c + ch) * spatial
                for s in 0..<spatial { target[s] = row[s] * scale + shift }
            }
        }

        let inputs = [x] + (weight.map { [$0] } ?? []) + (bias.map { [$0] } ?? [])
        return record("sync_batch_norm", inputs, out) { g in
            let dense = g.denseFloats(), gd = dense.floats
            defer { withExtendedLifetime((dense, input)) {} }
            // Local [Σdy per channel, Σdy·x̂ per channel]; the global copy drives the input gradient.
            var local = [Double](repeating: 0, count: 2 * c)
            for i in 0..<n {
                for ch in 0..<c {
                    let row = xs + (i * c + ch) * spatial, grad = gd + (i * c + ch) * spatial
                    var a = 0.0, b = 0.0
                    for s in 0..<spatial {
                        a += Double(grad[s])
                        b += Double(grad[s]) * Double((row[s] - mean[ch]) * invStd[ch])
                    }
                    local[ch] += a
                    local[c + ch] += b
                }
            }
            var global = local
            sum(&global)
            let result = Tensor(empty: x.shape), gi = result.mutableFloats
            for i in 0..<n {
                for ch in 0..<c {
                    let row = xs + (i * c + ch) * spatial, grad = gd + (i * c + ch) * spatial
                    let target = gi + (i * c + ch) * spatial
                    let k = gamma[ch] * invStd[ch]
                    let meanG = Float(global[ch] / count), meanGX = Float(global[c + ch] / count)
                    for s in 0..<spatial {
                        let xhat = (row[s] - mean[ch]) * invStd[ch]
                        target[s] = k * (grad[s] - meanG - xhat * meanGX)
                    }
                }
            }
            let gradWeight = weight.map { _ in Tensor(local[c...].map(Float.init)) }
            let gradBias = bias.map { _ in Tensor(local[..<c].map(Float.init)) }
            return [x.requiresGrad ? result : nil] + (weight == nil ? [] : [gradWeight])
                + (bias == nil ? [] : [gradBias])
        }
    }
}
