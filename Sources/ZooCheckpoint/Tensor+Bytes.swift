import ZooTensor

extension Tensor {
    /// The values as contiguous little-endian bytes: the storage itself when the tensor is
    /// already dense, a temporary copy otherwise.
    func withContiguousBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        let byteCount = count * dtype.byteSize
        if isContiguous {
            return try body(
                UnsafeRawBufferPointer(
                    start: byteCount == 0 ? nil : storage.bytes + storageOffset * dtype.byteSize, count: byteCount))
        }
        return try contiguousBytes().withUnsafeBytes(body)
    }

    /// Number of bytes of the values.
    var valueByteCount: Int { count * dtype.byteSize }
}

/// Bytes a dense tensor of `shape` needs, or nil when a size is negative or any product
/// overflows — including the products of the non-zero sizes, which become the strides even when
/// another size is 0 (a `[0, 2^40, 2^40]` tensor is empty but its strides do not fit).
func denseByteCount(shape: [Int], elementSize: Int) -> Int? {
    var count = 1
    var stride = elementSize
    for dim in shape.reversed() {
        guard dim >= 0 else { return nil }
        let (nextCount, countOverflow) = count.multipliedReportingOverflow(by: dim)
        let (nextStride, strideOverflow) = stride.multipliedReportingOverflow(by: max(dim, 1))
        guard !countOverflow, !strideOverflow else { return nil }
        count = nextCount
        stride = nextStride
    }
    let (bytes, overflow) = count.multipliedReportingOverflow(by: elementSize)
    return overflow ? nil : bytes
}
