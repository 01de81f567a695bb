import Foundation

/// Element-wise kernels over float32 with broadcasting. Every op in this module that maps
/// values one by one goes through `map` or `zipMap`, so fast paths live in one place.
extension Tensor {
    /// `f` applied to each element; a fresh contiguous float32 tensor. No autograd.
    @inline(__always)
    func map(_ f: (Float) -> Float) -> Tensor {
        let x = denseFloats()
        let out = Tensor(empty: shape)
        let input = x.floats, output = out.mutableFloats
        withExtendedLifetime(x) {
            Parallel.forEachBlock(count) { range in for i in range { output[i] = f(input[i]) } }
        }
        return out
    }

    /// `f` applied to eight elements at a time (VectorMath's exp/erf/tanh); a fresh contiguous
    /// float32 tensor, spread over the cores for large tensors. No autograd.
    @inline(__always)
    func mapVectors(_ f: (SIMD8<Float>) -> SIMD8<Float>) -> Tensor {
        let x = denseFloats()
        let out = Tensor(empty: shape)
        let input = x.floats, output = out.mutableFloats
        withExtendedLifetime(x) {
            Parallel.forEachBlock(count) { range in
                VectorMath.apply(input + range.lowerBound, output + range.lowerBound, range.count, f)
            }
        }
        return out
    }

    /// `f` over eight-lane vectors of two float32 tensors of one shape, element by element; a fresh
    /// contiguous float32 tensor, the work split over the cores. No autograd.
    static func zipVectors(_ a: Tensor, _ b: Tensor, _ f: (SIMD8<Float>, SIMD8<Float>) -> SIMD8<Float>) -> Tensor {
        precondition(a.shape == b.shape, "zipVectors: \(a.shape) and \(b.shape) differ")
        let (x, y) = (a.denseFloats(), b.denseFloats())
        let out = Tensor(empty: a.shape)
        let (xs, ys, output) = (x.floats, y.floats, out.mutableFloats)
        withExtendedLifetime((x, y)) {
            Parallel.forEachBlock(out.count) { range in
                let start = range.lowerBound
                VectorMath.apply(xs + start, ys + start, output + start, range.count, f)
            }
        }
        return out
    }

    /// `f` applied to broadcast pairs of elements; a fresh contiguous float32 tensor. No autograd.
    @inline(__always)
    static func zipMap(_ a: Tensor, _ b: Tensor, _ f: (Float, Float) -> Float) -> Tensor {
        let a = a.dtype == .float32 ? a : a.materialized(as: .float32)
        let b = b.dtype == .float32 ? b : b.materialized(as: .float32)
        let outShape = a.shape == b.shape ? a.shape : broadcastShapes(a.shape, b.shape)
        let out = Tensor(empty: outShape)
        let output = out.mutableFloats
        let n = out.count
        withExtendedLifetime((a, b)) {
            if a.isContiguous && b.isContiguous && a.count == n && b.count == n {
                let x = a.floats, y = b.floats
                Parallel.forEachBlock(n) { range in for i in range { output[i] = f(x[i], y[i]) } }
            } else if let inner = trailingBroadcastRun(a, b, outShape) {
                // [N, C, H, W] with [N, C, 1, 1] (a squeeze-excite gate): one value per contiguous run.
                let x = a.floats, y = b.floats
                Parallel.forEachChunk(n / inner, work: n) { runs in
                    for run in runs {
                        let value = y[run], start = run * inner
                        for i in start..<start + inner { output[i] = f(x[i], value) }
                    }
                }
            } else if let inner = trailingBroadcastRun(b, a, outShape) {
                let x = a.floats, y = b.floats
                Parallel.forEachChunk(n / inner, work: n) { runs in
                    for run in runs {
                        let value = x[run], start = run * inner
                        for i in start..<start + inner { output[i] = f(value, y[i]) }
                    }
                }
            } else if a.isContiguous && a.count == n && b.count == 1 {
                let x = a.floats, y = b.floats.pointee
                Parallel.forEachBlock(n) { range in for i in range { output[i] = f(x[i], y) } }
            } else if b.isContiguous && b.count == n && a.count == 1 {
                let x = a.floats.pointee, y = b.floats
                Parallel.forEachBlock(n) { range in for i in range { output[i] = f(x, y[i]) } }
            } else {
                let ea = a.broadcastStrides(to: outShape), eb = b.broadcastStrides(to: outShape)
                let x = a.storage.bytes.assumingMemoryBound(to: Float.self)
                let y = b.storage.bytes.assumingMemoryBound(to: Float.self)
                // Broadcasts and permuted operands: the outermost dimension of more than one element
                // is split over the cores, each part walked row by row.
                Parallel.forEachOuterSlice(shape: outShape) { part, axis, start, position in
                    var index = position
                    forEachRow2(
                        shape: part, ea, a.storageOffset + start * (ea.isEmpty ? 0 : ea[axis]), eb,
                        b.storageOffset + start * (eb.isEmpty ? 0 : eb[axis])
                    ) { offsetA, stepA, offsetB, stepB, length in
                        for i in 0..<length { output[index + i] = f(x[offsetA + i * stepA], y[offsetB + i * stepB]) }
                        index += length
                    }
                }
            }
        }
        return out
    }

    /// When `full` is dense with `shape` and `part` is dense with `shape`'s leading dimensions and
    /// ones after them (more than one value, each repeated over a run), the run's length.
    static func trailingBroadcastRun(_ full: Tensor, _ part: Tensor, _ shape: [Int]) -> Int? {
        guard full.isContiguous, part.isContiguous, full.shape == shape, part.count > 1, part.count < full.count,
            part.rank == shape.count
        else { return nil }
        var axis = 0
        while axis < shape.count && part.shape[axis] == shape[axis] { axis += 1 }
        guard axis > 0, part.shape[axis...].allSatisfy({ $0 == 1 }) else { return nil }
        return full.count / part.count
    }

    /// Strides that read this tensor broadcast to `target` (0 along broadcast dimensions).
    func broadcastStrides(to target: [Int]) -> [Int] {
        let lead = target.count - rank
        return (0..<target.count).map { axis in
            axis < lead || shape[axis - lead] == 1 ? 0 : strides[axis - lead]
        }
    }

    /// Walks two strided operands over `shape` in row-major order, one innermost run at a time,
    /// after merging dimensions both operands traverse contiguously (longer inner loops).
    static func forEachRow2(
        shape: [Int], _ stridesA: [Int], _ offsetA: Int, _ stridesB: [Int], _ offsetB: Int,
        _ body: (Int, Int, Int, Int, Int) -> Void
    ) {
        var dims: [(size: Int, a: Int, b: Int)] = []
        for axis in 0..<shape.count where shape[axis] != 1 {
            if let last = dims.last, last.a == stridesA[axis] * shape[axis], last.b == stridesB[axis] * shape[axis] {
                dims[dims.count - 1] = (last.size * shape[axis], stridesA[axis], stridesB[axis])
            } else {
                dims.append((shape[axis], stridesA[axis], stridesB[axis]))
            }
        }
        if shape.contains(0) { return }
        guard let inner = dims.popLast() else { body(offsetA, 1, offsetB, 1, 1); return }
        var index = [Int](repeating: 0, count: dims.count)
        var a = offsetA, b = offsetB
        while true {
            body(a, inner.a, b, inner.b, inner.size)
            var axis = dims.count - 1
            while axis >= 0 {
                index[axis] += 1
                a += dims[axis].a
                b += dims[axis].b
                if index[axis] < dims[axis].size { break }
                a -= dims[axis].a * dims[axis].size
                b -= dims[axis].b * dims[axis].size
                index[axis] = 0
                axis -= 1
            }
            if axis < 0 { return }
        }
    }
}

// MARK: - Arithmetic

extension Tensor {
    public static func + (a: Tensor, b: Tensor) -> Tensor {
        let out = sameShapeSum(a, b) ?? zipMap(a, b, +)
        return record("add", [a, b], out) { g in [g.sum(toShape: a.shape), g.sum(toShape: b.shape)] }
    }

    /// a + b eight lanes at a time when both are dense float32 of one shape (residual sums,
    /// gradients meeting in the backward pass), else nil.
    private static func sameShapeSum(_ a: Tensor, _ b: Tensor) -> Tensor? {
        guard a.shape == b.shape, a.dtype == .float32, b.dtype == .float32, a.isContiguous, b.isContiguous else {
            return nil
        }
        return zipVectors(a, b, +)
    }

    public static func - (a: Tensor, b: Tensor) -> Tensor {
        let out = zipMap(a, b, -)
        return record("sub", [a, b], out) { g in [g.sum(toShape: a.shape), (-g).sum(toShape: b.shape)] }
    }

    public static func * (a: Tensor, b: Tensor) -> Tensor {
        let out = zipMap(a, b, *)
        return record("mul", [a, b], out) { g in
            [
                a.requiresGrad ? (g * b.detach()).sum(toShape: a.shape) : nil,
                b.requiresGrad ? (g * a.detach()).sum(toShape: b.shape) : nil,
            ]
        }
    }

    public static func / (a: Tensor, b: Tensor) -> Tensor {
        let out = zipMap(a, b, /)
        return record("div", [a, b], out) { g in
            [
                a.requiresGrad ? (g / b.detach()).sum(toShape: a.shape) : nil,
                b.requiresGrad ? (-g * out.detach() / b.detach()).sum(toShape: b.shape) : nil,
            ]
        }
    }

    public static prefix func - (x: Tensor) -> Tensor {
        record("neg", [x], x.map { -$0 }) { g in [-g] }
    }

    public static func + (a: Tensor, b: Float) -> Tensor { a + Tensor(scalar: b) }
    public static func + (a: Float, b: Tensor) -> Tensor { Tensor(scalar: a) + b }
    public static func - (a: Tensor, b: Float) -> Tensor { a - Tensor(scalar: b) }
    public static func - (a: Float, b: Tensor) -> Tensor { Tensor(scalar: a) - b }
    public static func * (a: Tensor, b: Float) -> Tensor { a * Tensor(scalar: b) }
    public static func * (a: Float, b: Tensor) -> Tensor { Tensor(scalar: a) * b }
    public static func / (a: Tensor, b: Float) -> Tensor { a / Tensor(scalar: b) }
    public static func / (a: Float, b: Tensor) -> Tensor { Tensor(scalar: a) / b }

    /// `self` raised to `exponent`, element-wise.
    public func pow(_ exponent: Float) -> Tensor {
        let x = self
        let out: Tensor
        if exponent == 2 {
            out = map { $0 * $0 }
        } else if exponent == 0.5 {
            out = map { $0.squareRoot() }
        } else {
            out = map { Foundation.pow($0, exponent) }
        }
        return record("pow", [x], out) { g in
            [Tensor.zipMap(g, x) { g, x in g * exponent * Foundation.pow(x, exponent - 1) }]
        }
    }

    /// `self` raised to `exponent` with both broadcast, element-wise.
    public func pow(_ exponent: Tensor) -> Tensor {
        let x = self
        let out = Tensor.zipMap(x, exponent) { Foundation.pow($0, $1) }
        return record("pow", [x, exponent], out) { g in
            let e = exponent.detach(), y = out.detach()
            return [
                x.requiresGrad ? (g * e * x.detach().pow(e - 1)).sum(toShape: x.shape) : nil,
                exponent.requiresGrad ? (g * y * x.detach().log()).sum(toShape: exponent.shape) : nil,
            ]
        }
    }

    public func exp() -> Tensor {
        let out = map { Foundation.exp($0) }
        return record("exp", [self], out) { g in [g * out.detach()] }
    }

    public func log() -> Tensor {
        let x = self
        return record("log", [x], map { Foundation.log($0) }) { g in [g / x.detach()] }
    }

    public func sqrt() -> Tensor {
        let out = map { $0.squareRoot() }
        return record("sqrt", [self], out) { g in [Tensor.zipMap(g, out) { g, y in g / (2 * y) }] }
    }

    public func abs() -> Tensor {
        let x = self
        return record("abs", [x], map { Swift.abs($0) }) { g in
            [Tensor.zipMap(g, x) { g, x in x > 0 ? g : (x < 0 ? -g : 0) }]
        }
    }

    /// Limits values to `[min, max]`; the gradient passes where the value was inside (bounds included).
    public func clamp(min lower: Float? = nil, max upper: Float? = nil) -> Tensor {
        let x = self
        let lo = lower ?? -.infinity, hi = upper ?? .infinity
        return record("clamp", [x], map { Swift.min(Swift.max($0, lo), hi) }) { g in
            [Tensor.zipMap(g, x) { g, x in x >= lo && x <= hi ? g : 0 }]
        }
    }
}

// MARK: - Comparisons and selection

extension Tensor {
    private static func compare(_ a: Tensor, _ b: Tensor, _ test: (Float, Float) -> Bool) -> Tensor {
        zipMap(a, b) { test($0, $1) ? 1 : 0 }.to(.bool)
    }
    public func gt(_ other: Tensor) -> Tensor { Tensor.compare(self, other, >) }
    public func lt(_ other: Tensor) -> Tensor { Tensor.compare(self, other, <) }
    public func ge(_ other: Tensor) -> Tensor { Tensor.compare(self, other, >=) }
    public func le(_ other: Tensor) -> Tensor { Tensor.compare(self, other, <=) }
    public func eq(_ other: Tensor) -> Tensor { Tensor.compare(self, other, ==) }
    public func gt(_ value: Float) -> Tensor { gt(Tensor(scalar: value)) }
    public func lt(_ value: Float) -> Tensor { lt(Tensor(scalar: value)) }

    /// Picks `a` where `condition` is true, else `b` (all three broadcast), as `torch.where`.
    public static func `where`(_ condition: Tensor, _ a: Tensor, _ b: Tensor) -> Tensor {
        let mask = condition.to(.float32)
        let shape = broadcastShapes(broadcastShapes(mask.shape, a.shape), b.shape)
        let m = mask.expand(shape)
        let picked = zipMap(zipMap(m, a) { $0 != 0 ? $1 : 0 }, zipMap(m, b) { $0 != 0 ? 0 : $1 }, +)
        return record("where", [a, b], picked) { g in
            [
                a.requiresGrad ? zipMap(m, g) { $0 != 0 ? $1 : 0 }.sum(toShape: a.shape) : nil,
                b.requiresGrad ? zipMap(m, g) { $0 != 0 ? 0 : $1 }.sum(toShape: b.shape) : nil,
            ]
        }
    }
}
