/// An n-dimensional array with PyTorch's semantics: a view (shape, strides, offset) onto a shared
/// `TensorStorage`, an element type, and — for autograd — `requiresGrad`, `grad` and the function
/// that produced it.
///
/// Arithmetic runs in float32; other dtypes are storage types converted with `to(_:)`.
/// ```swift
/// let x = Tensor([1, 2, 3, 4], shape: [2, 2], requiresGrad: true)
/// let y = (x * x).sum()
/// y.backward()          // x.grad == 2 * x
/// ```
public final class Tensor: @unchecked Sendable {
    public let storage: TensorStorage
    public let dtype: DType
    public let shape: [Int]
    /// Element strides, as PyTorch's `stride()`.
    public let strides: [Int]
    /// Element offset into the storage.
    public let storageOffset: Int

    /// Accumulated gradient of a leaf after `backward()`.
    public var grad: Tensor?
    /// The operation that produced this tensor, or nil for a leaf.
    public internal(set) var gradFn: GradFn?
    private var leafRequiresGrad = false

    /// Whether gradients flow to this tensor. Settable on leaves only, as in PyTorch.
    public var requiresGrad: Bool {
        get { leafRequiresGrad || gradFn != nil }
        set {
            precondition(gradFn == nil, "requiresGrad can only be changed on leaf tensors")
            precondition(!newValue || dtype.isFloatingPoint, "only floating-point tensors can require gradients")
            leafRequiresGrad = newValue
        }
    }

    public var isLeaf: Bool { gradFn == nil }

    // MARK: Making tensors

    /// A view onto `storage`. No copy.
    public init(storage: TensorStorage, dtype: DType, shape: [Int], strides: [Int]? = nil, storageOffset: Int = 0) {
        self.storage = storage
        self.dtype = dtype
        self.shape = shape
        self.strides = strides ?? Tensor.contiguousStrides(shape)
        self.storageOffset = storageOffset
    }

    /// Zero-filled tensor.
    public convenience init(zeros shape: [Int], dtype: DType = .float32) {
        let count = shape.reduce(1, *)
        self.init(storage: TensorStorage(byteCount: count * dtype.byteSize), dtype: dtype, shape: shape)
    }

    /// Uninitialized contiguous tensor: for op outputs that write every element.
    init(empty shape: [Int], dtype: DType = .float32) {
        let count = shape.reduce(1, *)
        self.storage = TensorStorage(uninitializedByteCount: count * dtype.byteSize)
        self.dtype = dtype
        self.shape = shape
        self.strides = Tensor.contiguousStrides(shape)
        self.storageOffset = 0
    }

    /// Float32 tensor from values in row-major order.
    public convenience init(_ values: [Float], shape: [Int]? = nil, requiresGrad: Bool = false) {
        let shape = shape ?? [values.count]
        precondition(shape.reduce(1, *) == values.count, "\(values.count) values do not fill shape \(shape)")
        self.init(empty: shape)
        values.withUnsafeBufferPointer { source in
            if let base = source.baseAddress { mutableFloats.update(from: base, count: values.count) }
        }
        self.requiresGrad = requiresGrad
    }

    /// 0-d float32 tensor.
    public convenience init(scalar value: Float, requiresGrad: Bool = false) {
        self.init([value], shape: [], requiresGrad: requiresGrad)
    }

    /// Tensor of any dtype from values (converted as `to(dtype)` converts).
    public convenience init(_ values: [Double], shape: [Int], dtype: DType) {
        precondition(shape.reduce(1, *) == values.count, "\(values.count) values do not fill shape \(shape)")
        self.init(empty: shape, dtype: dtype)
        for (index, value) in values.enumerated() { dtype.store(value, storage.bytes, index) }
    }

    /// Tensor of any dtype copied from little-endian bytes laid out contiguously.
    public convenience init(copying bytes: UnsafeRawBufferPointer, dtype: DType, shape: [Int]) {
        let count = shape.reduce(1, *)
        precondition(
            bytes.count == count * dtype.byteSize, "byte count \(bytes.count) does not match \(shape) of \(dtype)")
        self.init(empty: shape, dtype: dtype)
        if let base = bytes.baseAddress { storage.bytes.copyMemory(from: base, byteCount: bytes.count) }
    }

    /// Integer index tensor (int64), as PyTorch's `torch.tensor([...])` of ints.
    public convenience init(indices: [Int], shape: [Int]? = nil) {
        self.init(indices.map(Double.init), shape: shape ?? [indices.count], dtype: .int64)
    }

    public static func zeros(_ shape: [Int]) -> Tensor { Tensor(zeros: shape) }
    public static func ones(_ shape: [Int]) -> Tensor { full(shape, 1) }
    public static func full(_ shape: [Int], _ value: Float) -> Tensor {
        let t = Tensor(empty: shape)
        t.mutableFloats.initialize(repeating: value, count: t.count)
        return t
    }
    /// 0, 1, …, n−1 as float32.
    public static func arange(_ n: Int) -> Tensor { Tensor((0..<n).map(Float.init)) }
    public func zerosLike() -> Tensor { Tensor(zeros: shape) }
    public func onesLike() -> Tensor { Tensor.ones(shape) }

    // MARK: Shape facts

    /// Number of elements (PyTorch's `numel()`).
    public var count: Int { shape.reduce(1, *) }
    /// Number of dimensions.
    public var rank: Int { shape.count }

    public static func contiguousStrides(_ shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var running = 1
        for axis in stride(from: shape.count - 1, through: 0, by: -1) {
            strides[axis] = running
            running *= shape[axis]
        }
        return strides
    }

    /// Row-major dense layout (dimensions of size 1 may have any stride).
    public var isContiguous: Bool {
        var expected = 1
        for axis in stride(from: rank - 1, through: 0, by: -1) where shape[axis] != 1 {
            if strides[axis] != expected { return false }
            expected *= shape[axis]
        }
        return true
    }

    /// Normalizes a possibly negative dimension index.
    public func axis(_ dim: Int) -> Int {
        let d = dim < 0 ? dim + rank : dim
        precondition(d >= 0 && d < Swift.max(rank, 1), "dimension \(dim) out of range for a \(rank)-d tensor")
        return d
    }

    // MARK: Raw access

    /// The first element of this view, as float32. Valid only for float32 tensors.
    var floats: UnsafeMutablePointer<Float> {
        precondition(dtype == .float32, "expected a float32 tensor, got \(dtype)")
        return storage.bytes.assumingMemoryBound(to: Float.self) + storageOffset
    }

    /// Like `floats`, for tensors this module just made (contiguous, owned).
    var mutableFloats: UnsafeMutablePointer<Float> { floats }

    /// Contiguous float32 buffer of the values: self when already so, else a copy. No autograd.
    func denseFloats() -> Tensor {
        if dtype == .float32 && isContiguous { return self }
        return materialized(as: .float32)
    }

    /// Reads elements of any dtype in row-major order.
    func forEachOffset(_ body: (Int) -> Void) {
        StridedIndex.forEach(shape: shape, strides: strides, offset: storageOffset, body)
    }

    /// A fresh contiguous copy converted to `dtype`.
    func materialized(as target: DType) -> Tensor {
        let out = Tensor(empty: shape, dtype: target)
        if dtype == .float32 && target == .float32 {
            let source = storage.bytes.assumingMemoryBound(to: Float.self)
            let destination = out.mutableFloats
            // Layout copies (permutes before a kernel) are large: the outermost dimension of more
            // than one element is split over the cores.
            Parallel.forEachOuterSlice(shape: shape) { part, axis, first, position in
                var index = position
                let offset = storageOffset + (shape.isEmpty ? 0 : first * strides[axis])
                StridedIndex.forEachRow(shape: part, strides: strides, offset: offset) { start, step, length in
                    if step == 1 {
                        (destination + index).update(from: source + start, count: length)
                    } else {
                        for i in 0..<length { destination[index + i] = source[start + i * step] }
                    }
                    index += length
                }
            }
        } else if dtype == target {
            let size = dtype.byteSize
            var index = 0
            forEachOffset { offset in
                (out.storage.bytes + index * size).copyMemory(from: storage.bytes + offset * size, byteCount: size)
                index += 1
            }
        } else {
            var index = 0
            forEachOffset { offset in
                target.store(dtype.load(storage.bytes, offset), out.storage.bytes, index)
                index += 1
            }
        }
        return out
    }

    /// The values in row-major order as Float.
    public func toArray() -> [Float] {
        let dense = denseFloats()
        return withExtendedLifetime(dense) { Array(UnsafeBufferPointer(start: dense.floats, count: count)) }
    }

    /// The values in row-major order as Double (exact for every dtype).
    public func toDoubles() -> [Double] {
        var values = [Double]()
        values.reserveCapacity(count)
        forEachOffset { values.append(dtype.load(storage.bytes, $0)) }
        return values
    }

    /// The values as Int (for index tensors).
    public func toInts() -> [Int] { toDoubles().map { Int($0) } }

    /// The single value of a one-element tensor.
    public func item() -> Float {
        precondition(count == 1, "item() needs exactly one element, tensor has \(count)")
        return Float(dtype.load(storage.bytes, storageOffset))
    }

    /// Contiguous little-endian bytes of the values (for writers).
    public func contiguousBytes() -> [UInt8] {
        let dense = isContiguous ? self : materialized(as: dtype)
        let base = dense.storage.bytes + dense.storageOffset * dtype.byteSize
        return withExtendedLifetime(dense) { Array(UnsafeRawBufferPointer(start: base, count: count * dtype.byteSize)) }
    }

    /// Converts to another dtype. Gradients flow through float-to-float conversions.
    public func to(_ target: DType) -> Tensor {
        if target == dtype { return self }
        let out = materialized(as: target)
        if target.isFloatingPoint && dtype.isFloatingPoint {
            return record("to", [self], out) { grad in [grad.to(self.dtype)] }
        }
        return out
    }

    /// Same storage, no autograd history (PyTorch's `detach()`).
    public func detach() -> Tensor {
        Tensor(storage: storage, dtype: dtype, shape: shape, strides: strides, storageOffset: storageOffset)
    }

    /// A contiguous copy with its own storage, detached (PyTorch's `clone().detach()`).
    public func copy() -> Tensor { materialized(as: dtype) }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let values = count <= 16 ? toDoubles().map { "\($0)" }.joined(separator: ", ") : "…"
        return "Tensor(shape: \(shape), dtype: \(dtype), [\(values)])"
    }
}

/// Row-major walks over strided views.
enum StridedIndex {
    /// Calls `body(start, step, length)` for each innermost row of a view.
    static func forEachRow(shape: [Int], strides: [Int], offset: Int, _ body: (Int, Int, Int) -> Void) {
        let rank = shape.count
        if rank == 0 { body(offset, 1, 1); return }
        if shape.contains(0) { return }
        let length = shape[rank - 1], step = strides[rank - 1]
        if rank == 1 { body(offset, step, length); return }
        var index = [Int](repeating: 0, count: rank - 1)
        var start = offset
        while true {
            body(start, step, length)
            var axis = rank - 2
            while axis >= 0 {
                index[axis] += 1
                start += strides[axis]
                if index[axis] < shape[axis] { break }
                start -= strides[axis] * shape[axis]
                index[axis] = 0
                axis -= 1
            }
            if axis < 0 { return }
        }
    }

    static func forEach(shape: [Int], strides: [Int], offset: Int, _ body: (Int) -> Void) {
        forEachRow(shape: shape, strides: strides, offset: offset) { start, step, length in
            for i in 0..<length { body(start + i * step) }
        }
    }
}

extension Tensor {
    /// Read access to the float32 values of a contiguous tensor (for kernels and benchmarks).
    public func withUnsafeFloats<R>(_ body: (UnsafePointer<Float>) throws -> R) rethrows -> R {
        let dense = denseFloats()
        return try withExtendedLifetime(dense) { try body(dense.floats) }
    }

    /// Write access to the float32 values of a contiguous float32 tensor, in place. No autograd.
    public func withUnsafeMutableFloats<R>(_ body: (UnsafeMutablePointer<Float>) throws -> R) rethrows -> R {
        precondition(dtype == .float32 && isContiguous, "in-place access needs a contiguous float32 tensor")
        return try body(floats)
    }
}
