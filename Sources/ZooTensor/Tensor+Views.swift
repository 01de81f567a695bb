/// Views share storage with their source (PyTorch's view semantics); reshape copies only when the
/// layout forces it. Each view's gradient maps back onto the source's shape.
extension Tensor {
    /// Same values in a new shape; one dimension may be −1. A view when the layout allows.
    public func reshape(_ newShape: [Int]) -> Tensor {
        let shape = inferShape(newShape)
        if shape == self.shape { return self }
        let source = isContiguous ? self : contiguous()
        let out = Tensor(storage: source.storage, dtype: dtype, shape: shape, storageOffset: source.storageOffset)
        let inputShape = self.shape
        return record("reshape", [self], out) { grad in [grad.reshape(inputShape)] }
    }

    public func reshape(_ newShape: Int...) -> Tensor { reshape(newShape) }
    /// PyTorch's `view`: here the same as `reshape`.
    public func view(_ newShape: [Int]) -> Tensor { reshape(newShape) }

    private func inferShape(_ newShape: [Int]) -> [Int] {
        var shape = newShape
        let known = shape.filter { $0 != -1 }.reduce(1, *)
        if let unknown = shape.firstIndex(of: -1) {
            precondition(shape.filter { $0 == -1 }.count == 1, "only one dimension can be −1 in \(newShape)")
            precondition(known > 0 && count % known == 0, "cannot reshape \(self.shape) to \(newShape)")
            shape[unknown] = count / known
        }
        precondition(shape.reduce(1, *) == count, "cannot reshape \(self.shape) (\(count) elements) to \(newShape)")
        return shape
    }

    /// Flattens dimensions `start...end` into one (PyTorch's `flatten`).
    public func flatten(start: Int = 0, end: Int = -1) -> Tensor {
        if rank == 0 { return reshape([1]) }
        let s = axis(start), e = axis(end)
        if s >= e { return self }
        let merged = shape[s...e].reduce(1, *)
        return reshape(Array(shape[..<s]) + [merged] + Array(shape[(e + 1)...]))
    }

    /// Inserts a dimension of size 1.
    public func unsqueeze(_ dim: Int) -> Tensor {
        let d = dim < 0 ? dim + rank + 1 : dim
        precondition(d >= 0 && d <= rank, "unsqueeze dimension \(dim) out of range for a \(rank)-d tensor")
        var newShape = shape
        newShape.insert(1, at: d)
        return reshape(newShape)
    }

    /// Removes dimensions of size 1 (all of them, or just `dim`).
    public func squeeze(_ dim: Int? = nil) -> Tensor {
        if let dim {
            let d = axis(dim)
            guard shape[d] == 1 else { return self }
            var newShape = shape
            newShape.remove(at: d)
            return reshape(newShape)
        }
        return reshape(shape.filter { $0 != 1 })
    }

    /// Reorders dimensions. A view.
    public func permute(_ dims: [Int]) -> Tensor {
        let order = dims.map(axis)
        precondition(
            order.count == rank && Set(order).count == rank,
            "permute \(dims) is not a permutation of \(rank) dimensions")
        let out = Tensor(
            storage: storage, dtype: dtype, shape: order.map { shape[$0] },
            strides: order.map { strides[$0] }, storageOffset: storageOffset)
        var inverse = [Int](repeating: 0, count: rank)
        for (position, source) in order.enumerated() { inverse[source] = position }
        return record("permute", [self], out) { grad in [grad.permute(inverse)] }
    }

    public func permute(_ dims: Int...) -> Tensor { permute(dims) }

    /// Swaps two dimensions. A view.
    public func transpose(_ dim0: Int, _ dim1: Int) -> Tensor {
        var order = Array(0..<rank)
        order.swapAt(axis(dim0), axis(dim1))
        return permute(order)
    }

    /// Matrix transpose of a 2-d tensor.
    public var T: Tensor { transpose(0, 1) }

    /// Elements `start..<end` (by `step`) along `dim`. A view (PyTorch's `x[:, start:end:step]`).
    public func slice(_ dim: Int, _ start: Int, _ end: Int, step: Int = 1) -> Tensor {
        let d = axis(dim)
        precondition(step > 0, "slice step must be positive")
        let lower = Swift.min(Swift.max(start < 0 ? start + shape[d] : start, 0), shape[d])
        let upper = Swift.min(Swift.max(end < 0 ? end + shape[d] : end, lower), shape[d])
        var newShape = shape, newStrides = strides
        newShape[d] = (upper - lower + step - 1) / step
        newStrides[d] = strides[d] * step
        let out = Tensor(
            storage: storage, dtype: dtype, shape: newShape, strides: newStrides,
            storageOffset: storageOffset + lower * strides[d])
        let inputShape = shape
        return record("slice", [self], out) { grad in
            let full = Tensor(zeros: inputShape)
            full.slice(d, lower, upper, step: step).assign(grad)
            return [full]
        }
    }

    /// Element `index` along `dim`, removing that dimension (PyTorch's `select`).
    public func select(_ dim: Int, _ index: Int) -> Tensor {
        let d = axis(dim)
        let i = index < 0 ? index + shape[d] : index
        precondition(i >= 0 && i < shape[d], "index \(index) out of range for dimension \(dim) of size \(shape[d])")
        return slice(d, i, i + 1).squeeze(d)
    }

    /// Broadcasts dimensions of size 1 to `newShape` without copying (stride 0); −1 keeps a size.
    public func expand(_ newShape: [Int]) -> Tensor {
        precondition(newShape.count >= rank, "cannot expand \(shape) to fewer dimensions \(newShape)")
        let lead = newShape.count - rank
        var outShape = newShape, outStrides = [Int](repeating: 0, count: newShape.count)
        for axis in 0..<newShape.count {
            if axis < lead { precondition(newShape[axis] >= 0, "cannot expand a new dimension to −1"); continue }
            let size = shape[axis - lead]
            if newShape[axis] == -1 || newShape[axis] == size {
                outShape[axis] = size
                outStrides[axis] = strides[axis - lead]
            } else {
                precondition(size == 1, "cannot expand dimension \(axis - lead) of \(shape) to \(newShape[axis])")
            }
        }
        if outShape == shape { return self }
        let out = Tensor(
            storage: storage, dtype: dtype, shape: outShape, strides: outStrides, storageOffset: storageOffset)
        let inputShape = shape
        return record("expand", [self], out) { grad in [grad.sum(toShape: inputShape)] }
    }

    /// A row-major dense tensor with the same values: self when already so.
    public func contiguous() -> Tensor {
        if isContiguous { return self }
        return record("contiguous", [self], materialized(as: dtype)) { grad in [grad] }
    }

    /// Writes `source`'s values (broadcast to this view's shape) into this view, in place.
    /// No autograd: for optimizers, running statistics and gradient assembly.
    public func assign(_ source: Tensor) {
        let values = source.expand(shape).to(dtype)
        if dtype == .float32 && isContiguous && values.isContiguous {
            withExtendedLifetime(values) { floats.update(from: values.floats, count: count) }
        } else if dtype == .float32 {
            let destination = floats - storageOffset
            let input = values.storage.bytes.assumingMemoryBound(to: Float.self)
            var sourceOffsets: [Int] = []
            sourceOffsets.reserveCapacity(count)
            values.forEachOffset { sourceOffsets.append($0) }
            var i = 0
            withExtendedLifetime(values) {
                forEachOffset {
                    destination[$0] = input[sourceOffsets[i]]; i += 1
                }
            }
        } else {
            let doubles = values.toDoubles()
            var i = 0
            forEachOffset {
                dtype.store(doubles[i], storage.bytes, $0); i += 1
            }
        }
    }

    /// Sums a broadcast gradient back down to `target` (the inverse of broadcasting).
    public func sum(toShape target: [Int]) -> Tensor {
        if shape == target { return self }
        let lead = rank - target.count
        precondition(lead >= 0, "cannot reduce \(shape) to \(target)")
        var dims = Array(0..<lead)
        for axis in 0..<target.count where target[axis] == 1 && shape[axis + lead] != 1 { dims.append(axis + lead) }
        let reduced = dims.isEmpty ? self : sum(dims: dims, keepDim: true)
        return reduced.reshape(target)
    }
}

/// The shape two operands broadcast to, as NumPy/PyTorch define it.
public func broadcastShapes(_ a: [Int], _ b: [Int]) -> [Int] {
    let rank = max(a.count, b.count)
    var out = [Int](repeating: 1, count: rank)
    for i in 0..<rank {
        let x = i < rank - a.count ? 1 : a[i - (rank - a.count)]
        let y = i < rank - b.count ? 1 : b[i - (rank - b.count)]
        precondition(x == y || x == 1 || y == 1, "shapes \(a) and \(b) do not broadcast")
        out[i] = x == 1 ? y : x
    }
    return out
}
