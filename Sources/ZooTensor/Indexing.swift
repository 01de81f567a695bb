/// Joining, splitting and index-based selection along a dimension.
extension Tensor {
    /// Joins tensors along `dim` (PyTorch's `torch.cat`).
    public static func concat(_ tensors: [Tensor], dim: Int = 0) -> Tensor {
        precondition(!tensors.isEmpty, "concat needs at least one tensor")
        let first = tensors[0], d = first.axis(dim)
        for t in tensors {
            precondition(
                t.rank == first.rank && (0..<first.rank).allSatisfy { $0 == d || t.shape[$0] == first.shape[$0] },
                "concat: \(t.shape) does not match \(first.shape) outside dimension \(d)")
        }
        var outShape = first.shape
        outShape[d] = tensors.reduce(0) { $0 + $1.shape[d] }
        let out = Tensor(empty: outShape)
        let outer = first.shape[..<d].reduce(1, *), innerOut = outShape[d...].reduce(1, *)
        var column = 0
        for t in tensors {
            let source = t.denseFloats(), block = t.shape[d...].reduce(1, *)
            withExtendedLifetime(source) {
                for o in 0..<outer {
                    (out.mutableFloats + o * innerOut + column).update(from: source.floats + o * block, count: block)
                }
            }
            column += block
        }
        let sizes = tensors.map { $0.shape[d] }
        return record("cat", tensors, out) { g in
            var start = 0
            return sizes.map { size in
                defer { start += size }
                return g.slice(d, start, start + size).contiguous()
            }
        }
    }

    /// Joins tensors along a new dimension `dim` (PyTorch's `torch.stack`).
    public static func stack(_ tensors: [Tensor], dim: Int = 0) -> Tensor {
        precondition(!tensors.isEmpty, "stack needs at least one tensor")
        return concat(tensors.map { $0.unsqueeze(dim) }, dim: dim)
    }

    /// Consecutive views of `size` along `dim`, the last possibly shorter (PyTorch's `split`).
    public func split(_ size: Int, dim: Int = 0) -> [Tensor] {
        precondition(size > 0, "split size must be positive")
        let d = axis(dim)
        return stride(from: 0, to: shape[d], by: size).map { slice(d, $0, Swift.min($0 + size, shape[d])) }
    }

    /// Views with the given sizes along `dim` (PyTorch's `split` with a list).
    public func split(sizes: [Int], dim: Int = 0) -> [Tensor] {
        let d = axis(dim)
        precondition(sizes.reduce(0, +) == shape[d], "split sizes \(sizes) do not add up to \(shape[d])")
        var start = 0
        return sizes.map { size in
            defer { start += size }; return slice(d, start, start + size)
        }
    }

    /// Rows picked by `index` (int64, 1-d) along `dim` (PyTorch's `index_select`).
    public func indexSelect(dim: Int, index: Tensor) -> Tensor {
        precondition(index.rank <= 1, "index_select expects a 1-d index, got \(index.shape)")
        let d = axis(dim), picks = index.toInts()
        for p in picks {
            precondition(
                p >= -shape[d] && p < shape[d], "index \(p) out of range for dimension \(d) of size \(shape[d])")
        }
        let rows = picks.map { $0 < 0 ? $0 + shape[d] : $0 }
        let x = denseFloats()
        var outShape = shape
        outShape[d] = rows.count
        let out = Tensor(empty: outShape)
        let outer = shape[..<d].reduce(1, *), inner = shape[(d + 1)...].reduce(1, *)
        withExtendedLifetime(x) {
            for o in 0..<outer {
                for (k, r) in rows.enumerated() {
                    (out.mutableFloats + (o * rows.count + k) * inner).update(
                        from: x.floats + (o * shape[d] + r) * inner, count: inner)
                }
            }
        }
        let inputShape = shape
        return record("index_select", [self], out) { g in
            let grad = Tensor(zeros: inputShape), dense = g.denseFloats(), gd = dense.floats
            defer { withExtendedLifetime(dense) {} }
            for o in 0..<outer {
                for (k, r) in rows.enumerated() {
                    let target = grad.mutableFloats + (o * inputShape[d] + r) * inner,
                        source = gd + (o * rows.count + k) * inner
                    for i in 0..<inner { target[i] += source[i] }
                }
            }
            return [grad]
        }
    }

    /// out[i][j][k] = self[index[i][j][k]][j][k] for dim 0, and so on (PyTorch's `gather`).
    public func gather(dim: Int, index: Tensor) -> Tensor {
        let d = axis(dim)
        precondition(index.rank == rank, "gather: index rank \(index.rank) differs from input rank \(rank)")
        for axis in 0..<rank where axis != d {
            precondition(
                index.shape[axis] <= shape[axis],
                "gather: index \(index.shape) exceeds input \(shape) at dimension \(axis)")
        }
        let x = denseFloats(), picks = index.toInts()
        let out = Tensor(empty: index.shape)
        let inputStrides = Tensor.contiguousStrides(shape), indexShape = index.shape
        // Source offset of each output element.
        var sources = [Int](repeating: 0, count: picks.count)
        var coordinate = [Int](repeating: 0, count: rank)
        defer { withExtendedLifetime(x) {} }
        for (flat, pick) in picks.enumerated() {
            precondition(
                pick >= -shape[d] && pick < shape[d],
                "gather: index \(pick) out of range for dimension \(d) of size \(shape[d])")
            var offset = 0
            for axis in 0..<rank {
                offset += (axis == d ? (pick < 0 ? pick + shape[d] : pick) : coordinate[axis]) * inputStrides[axis]
            }
            sources[flat] = offset
            out.mutableFloats[flat] = x.floats[offset]
            var axis = rank - 1
            while axis >= 0 {
                coordinate[axis] += 1; if coordinate[axis] < indexShape[axis] { break }; coordinate[axis] = 0; axis -= 1
            }
        }
        let inputShape = shape
        return record("gather", [self], out) { g in
            let grad = Tensor(zeros: inputShape), dense = g.denseFloats(), gd = dense.floats
            withExtendedLifetime(dense) {
                for (flat, offset) in sources.enumerated() { grad.mutableFloats[offset] += gd[flat] }
            }
            return [grad]
        }
    }
}
