import Foundation

/// Reductions over dimensions, PyTorch's `dim`/`keepdim` semantics. Each one lays the reduced
/// dimensions out last (`ReductionLayout`), then reduces contiguous runs.
struct ReductionLayout {
    /// Values as [outer, inner] with the reduced dimensions innermost.
    let values: Tensor
    let outer: Int
    let inner: Int
    /// The output shape with and without the reduced dimensions kept as size 1.
    let keptShape: [Int]
    let droppedShape: [Int]

    init(_ x: Tensor, dims: [Int]) {
        let reduced = Set(dims.map(x.axis))
        let kept = (0..<x.rank).filter { !reduced.contains($0) }
        let order = kept + reduced.sorted()
        values = (order == Array(0..<x.rank) ? x : x.detach().permute(order)).denseFloats()
        inner = reduced.map { x.shape[$0] }.reduce(1, *)
        outer = kept.map { x.shape[$0] }.reduce(1, *)
        keptShape = (0..<x.rank).map { reduced.contains($0) ? 1 : x.shape[$0] }
        droppedShape = kept.map { x.shape[$0] }
    }

    /// Reduces each run of `inner` values with `body(pointer, inner) -> result`.
    func reduce(keepDim: Bool, _ body: (UnsafePointer<Float>, Int) -> Float) -> Tensor {
        let out = Tensor(empty: keepDim ? keptShape : droppedShape)
        let input = values.floats, output = out.mutableFloats
        for row in 0..<outer { output[row] = body(input + row * inner, inner) }
        return out
    }
}

extension Tensor {
    /// Sum over `dims` (all dimensions when empty).
    public func sum(dims: [Int], keepDim: Bool = false) -> Tensor {
        let dims = dims.isEmpty ? Array(0..<rank) : dims
        let layout = ReductionLayout(self, dims: dims)
        let out = layout.reduce(keepDim: keepDim) { values, n in
            var total: Float = 0
            for i in 0..<n { total += values[i] }
            return total
        }
        let inputShape = shape
        return record("sum", [self], out) { g in [g.reshape(layout.keptShape).expand(inputShape)] }
    }

    public func sum(dim: Int, keepDim: Bool = false) -> Tensor { sum(dims: [dim], keepDim: keepDim) }
    /// Sum of every element, a 0-d tensor.
    public func sum() -> Tensor { sum(dims: []) }

    /// Mean over `dims` (all dimensions when empty).
    public func mean(dims: [Int], keepDim: Bool = false) -> Tensor {
        let dims = dims.isEmpty ? Array(0..<rank) : dims
        let n = Set(dims.map(axis)).map { shape[$0] }.reduce(1, *)
        return sum(dims: dims, keepDim: keepDim) / Float(n)
    }

    public func mean(dim: Int, keepDim: Bool = false) -> Tensor { mean(dims: [dim], keepDim: keepDim) }
    public func mean() -> Tensor { mean(dims: []) }

    /// Largest values along `dim` and their indices (int64), as `torch.max(x, dim)`.
    /// The gradient goes to the first position of each maximum.
    public func max(dim: Int, keepDim: Bool = false) -> (values: Tensor, indices: Tensor) {
        extreme(dim: dim, keepDim: keepDim, name: "max", better: >)
    }

    /// Smallest values along `dim` and their indices (int64), as `torch.min(x, dim)`.
    public func min(dim: Int, keepDim: Bool = false) -> (values: Tensor, indices: Tensor) {
        extreme(dim: dim, keepDim: keepDim, name: "min", better: <)
    }

    /// Largest element (0-d).
    public func max() -> Tensor { flatten().max(dim: 0).values }
    /// Smallest element (0-d).
    public func min() -> Tensor { flatten().min(dim: 0).values }

    /// Index (int64) of the first largest value along `dim`, or in the flattened tensor when nil.
    public func argmax(dim: Int? = nil, keepDim: Bool = false) -> Tensor {
        guard let dim else { return flatten().argmax(dim: 0) }
        return withNoGrad { max(dim: dim, keepDim: keepDim).indices }
    }

    private func extreme(
        dim: Int, keepDim: Bool, name: String,
        better: (Float, Float) -> Bool
    ) -> (values: Tensor, indices: Tensor) {
        let d = axis(dim)
        precondition(rank == 0 || shape[d] > 0, "\(name)() over an empty dimension")
        let layout = ReductionLayout(self, dims: rank == 0 ? [] : [d])
        var positions = [Int](repeating: 0, count: layout.outer)
        var row = 0
        let values = layout.reduce(keepDim: keepDim) { run, n in
            var best = run[0], at = 0
            for i in 1..<Swift.max(n, 1) where better(run[i], best) || (run[i].isNaN && !best.isNaN) {
                best = run[i]; at = i
            }
            positions[row] = at
            row += 1
            return best
        }
        let indices = Tensor(positions.map(Double.init), shape: values.shape, dtype: .int64)
        let inputShape = shape
        let out = record(name, [self], values) { g in
            // Scatter each gradient to the winning position of its run, then restore the layout.
            let grad = Tensor(zeros: [layout.outer, layout.inner])
            let dense = g.denseFloats(), gd = dense.floats, gp = grad.mutableFloats
            withExtendedLifetime(dense) { for r in 0..<layout.outer { gp[r * layout.inner + positions[r]] = gd[r] } }
            var order = (0..<inputShape.count).filter { $0 != d }
            order.append(d)
            let permutedShape = order.map { inputShape[$0] }
            var inverse = [Int](repeating: 0, count: order.count)
            for (position, source) in order.enumerated() { inverse[source] = position }
            return [grad.reshape(permutedShape).permute(inverse).contiguous()]
        }
        return (out, indices)
    }

    /// Softmax along `dim`: exp(x − max) / Σ exp(x − max).
    public func softmax(dim: Int) -> Tensor {
        let d = axis(dim)
        let out = rowwise(dim: d) { input, output, n in
            output.update(from: input, count: n)
            Tensor.softmaxInPlace(output, n)
        }
        return record("softmax", [self], out) { g in
            let y = out.detach(), gy = g * y
            return [gy - y * gy.sum(dim: d, keepDim: true)]
        }
    }

    /// log(softmax(x)) along `dim`, computed stably as x − max − log Σ exp(x − max).
    public func logSoftmax(dim: Int) -> Tensor {
        let d = axis(dim)
        let out = rowwise(dim: d) { input, output, n in
            var peak = -Float.infinity
            for i in 0..<n { peak = Swift.max(peak, input[i]) }
            var total: Float = 0
            for i in 0..<n { total += Foundation.exp(input[i] - peak) }
            let shift = peak + Foundation.log(total)
            for i in 0..<n { output[i] = input[i] - shift }
        }
        return record("log_softmax", [self], out) { g in
            [g - out.detach().exp() * g.sum(dim: d, keepDim: true)]
        }
    }

    /// Applies `body(inputRow, outputRow, n)` to each run along `dim`, keeping the shape.
    private func rowwise(dim d: Int, _ body: (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void) -> Tensor
    {
        let last = d == rank - 1
        let source = (last ? detach() : detach().transpose(d, rank - 1)).denseFloats()
        let n = shape.isEmpty ? 1 : shape[d]
        let result = Tensor(empty: source.shape)
        let rows = n == 0 ? 0 : count / n
        let input = source.floats, output = result.mutableFloats
        withExtendedLifetime(source) {
            Parallel.forEachChunk(rows, work: rows * n) { chunk in
                for r in chunk { body(input + r * n, output + r * n, n) }
            }
        }
        return last ? result : result.transpose(d, rank - 1).denseFloats()
    }
}
