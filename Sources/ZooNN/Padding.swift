import ZooTensor

/// How `padded` fills the border (PyTorch's `F.pad` modes).
public enum PaddingMode: Sendable, Equatable {
    /// A constant value (zeros by default).
    case constant(Float)
    /// The mirror image without repeating the edge: [a b c] → b [a b c] b.
    case reflect
    /// The edge repeated: [a b c] → a [a b c] c.
    case replicate
}

extension Tensor {
    /// PyTorch's `F.pad(x, (left, right, top, bottom), mode)` over the last two dimensions of NCHW
    /// input, made of slices and concatenations so gradients flow as through any view.
    /// ```swift
    /// let y = x.padded(left: 1, right: 1, top: 1, bottom: 1, mode: .reflect)   // BlurPool's pad
    /// ```
    public func padded(left: Int, right: Int, top: Int, bottom: Int, mode: PaddingMode = .constant(0)) -> Tensor {
        precondition(rank >= 2, "padded needs at least 2 dimensions, got \(shape)")
        let widened = Self.pad(self, dim: rank - 1, before: left, after: right, mode: mode)
        return Self.pad(widened, dim: rank - 2, before: top, after: bottom, mode: mode)
    }

    private static func pad(_ x: Tensor, dim: Int, before: Int, after: Int, mode: PaddingMode) -> Tensor {
        guard before > 0 || after > 0 else { return x }
        let size = x.shape[dim]
        func border(_ count: Int, leading: Bool) -> [Tensor] {
            guard count > 0 else { return [] }
            switch mode {
            case .constant(let value):
                var shape = x.shape
                shape[dim] = count
                return [Tensor.full(shape, value)]
            case .reflect:
                precondition(
                    count < size, "reflect padding \(count) needs more than \(size) values along dimension \(dim)")
                // Leading: x[count], …, x[1]; trailing: x[size-2], …, x[size-1-count].
                let indices = leading ? Array((1...count).reversed()) : (1...count).map { size - 1 - $0 }
                return indices.map { x.slice(dim, $0, $0 + 1) }
            case .replicate:
                let edge = leading ? x.slice(dim, 0, 1) : x.slice(dim, size - 1, size)
                return Array(repeating: edge, count: count)
            }
        }
        return Tensor.concat(border(before, leading: true) + [x] + border(after, leading: false), dim: dim)
    }
}
