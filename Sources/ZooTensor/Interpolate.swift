import Foundation

/// How `interpolate` weighs neighbouring pixels (PyTorch's `mode`).
public enum InterpolationMode: String, Sendable, CaseIterable {
    case bilinear, bicubic
}

/// Resizing with PyTorch's `F.interpolate(x, size=…, mode=…, align_corners=…, antialias=…)`.
/// Both modes are separable, so a resize is two matrix products, out = Wₕ · x · Wᵥᵀ, with one weight
/// matrix per axis built by PyTorch's index and weight rules; the gradient follows from matmul's.
extension Tensor {
    /// Resizes the last two dimensions of [N, C, H, W] (or any [..., H, W]) to `size`.
    /// ```swift
    /// let grid = posEmbed.interpolate(size: (24, 24), mode: .bicubic, antialias: true)
    /// ```
    public func interpolate(
        size: (Int, Int), mode: InterpolationMode, alignCorners: Bool = false,
        antialias: Bool = false
    ) -> Tensor {
        precondition(rank >= 2, "interpolate expects [..., H, W], got \(shape)")
        let h = shape[rank - 2], w = shape[rank - 1]
        if (h, w) == size { return self }
        let rows = Tensor.interpolationMatrix(
            input: h, output: size.0, mode: mode, alignCorners: alignCorners, antialias: antialias)
        let cols = Tensor.interpolationMatrix(
            input: w, output: size.1, mode: mode, alignCorners: alignCorners, antialias: antialias)
        return rows.matmul(matmul(cols.T))
    }

    /// The [output, input] matrix that resamples one axis as PyTorch's upsample kernels do.
    public static func interpolationMatrix(
        input: Int, output: Int, mode: InterpolationMode, alignCorners: Bool,
        antialias: Bool
    ) -> Tensor {
        precondition(input > 0 && output > 0, "interpolate: sizes must be positive")
        var weights = [Float](repeating: 0, count: output * input)
        // PyTorch's area_pixel_compute_scale for an explicit size.
        let scale =
            alignCorners ? (output > 1 ? Double(input - 1) / Double(output - 1) : 0) : Double(input) / Double(output)
        if antialias {
            // _compute_weights_aa: a filter stretched by the scale when shrinking, weights normalized.
            let interpSize: Double = mode == .bilinear ? 2 : 4
            let support = scale >= 1 ? interpSize * 0.5 * scale : interpSize * 0.5
            let invScale = scale >= 1 ? 1 / scale : 1
            for i in 0..<output {
                let center = scale * (Double(i) + 0.5)
                let lo = Swift.max(Int(center - support + 0.5), 0)
                let hi = Swift.min(Int(center + support + 0.5), input)
                var taps: [Double] = []
                for j in lo..<Swift.max(hi, lo) {
                    taps.append(Tensor.antialiasFilter(mode, (Double(j) - center + 0.5) * invScale))
                }
                let total = taps.reduce(0, +)
                for (offset, tap) in taps.enumerated() {
                    weights[i * input + lo + offset] = Float(total != 0 ? tap / total : tap)
                }
            }
        } else {
            for i in 0..<output {
                var source = alignCorners ? scale * Double(i) : scale * (Double(i) + 0.5) - 0.5
                switch mode {
                case .bilinear:
                    source = Swift.max(source, 0)
                    let i0 = Swift.min(Int(source), input - 1), i1 = Swift.min(i0 + 1, input - 1)
                    let lambda = Float(source - Double(i0))
                    weights[i * input + i0] += 1 - lambda
                    weights[i * input + i1] += lambda
                case .bicubic:
                    let floor = Foundation.floor(source)
                    let t = Float(source - floor)
                    let a: Float = -0.75
                    func near(_ x: Float) -> Float { ((a + 2) * x - (a + 3)) * x * x + 1 }
                    func far(_ x: Float) -> Float { ((a * x - 5 * a) * x + 8 * a) * x - 4 * a }
                    let coefficients = [far(t + 1), near(t), near(1 - t), far(2 - t)]
                    for (tap, c) in coefficients.enumerated() {
                        let index = Swift.min(Swift.max(Int(floor) - 1 + tap, 0), input - 1)
                        weights[i * input + index] += c
                    }
                }
            }
        }
        return Tensor(weights, shape: [output, input])
    }

    private static func antialiasFilter(_ mode: InterpolationMode, _ value: Double) -> Double {
        let x = Swift.abs(value)
        switch mode {
        case .bilinear: return x < 1 ? 1 - x : 0
        case .bicubic:
            // PIL's cubic (a = −0.5), which PyTorch's antialiased bicubic uses.
            let a = -0.5
            if x < 1 { return ((a + 2) * x - (a + 3)) * x * x + 1 }
            if x < 2 { return (((x - 5) * x + 8) * x - 4) * a }
            return 0
        }
    }

    /// Shifts elements along `dims` by `shifts`, wrapping around (PyTorch's `torch.roll`). One
    /// pass: each run of the dimensions after the last rolled one is copied whole from its source.
    public func roll(shifts: [Int], dims: [Int]) -> Tensor {
        precondition(shifts.count == dims.count, "roll: \(shifts.count) shifts for \(dims.count) dims")
        var shift = [Int](repeating: 0, count: rank)
        for (s, dim) in zip(shifts, dims) {
            let d = axis(dim), n = shape[d]
            if n > 0 { shift[d] = (((shift[d] + s) % n) + n) % n }
        }
        guard let last = shift.lastIndex(where: { $0 != 0 }) else { return self }
        let source = detach().denseFloats()
        let out = Tensor(empty: shape)
        let inner = shape[(last + 1)...].reduce(1, *), outerShape = Array(shape[...last])
        let rows = outerShape.reduce(1, *), strides = Tensor.contiguousStrides(outerShape)
        let (input, output) = (source.floats, out.mutableFloats)
        withExtendedLifetime(source) {
            Parallel.forEachChunk(rows, work: count) { chunk in
                for row in chunk {
                    // The source row: each rolled coordinate moved back by its shift.
                    var rest = row, from = 0
                    for axis in 0...last {
                        let index = rest / strides[axis]
                        rest -= index * strides[axis]
                        let n = outerShape[axis]
                        from += (index - shift[axis] + n) % n * strides[axis]
                    }
                    (output + row * inner).update(from: input + from * inner, count: inner)
                }
            }
        }
        let back = zip(dims, shifts).map { (-$0.1, $0.0) }
        return record("roll", [self], out) { g in [g.roll(shifts: back.map(\.0), dims: back.map(\.1))] }
    }
}
