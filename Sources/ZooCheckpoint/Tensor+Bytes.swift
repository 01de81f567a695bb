import ZooTensor

extension Tensor {
    /// The values as contiguous little-endian bytes: the storage itself when the tensor is
    /// already dense, a temporary copy otherwise.
    func withContiguousBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        let byteCount = count * dtype.byteSize
        if isContiguous {
            return try body(UnsafeRawBufferPointer(start: byteCount == 0 ? nil : storage.bytes + storageOffset * dtype.byteSize, count: byteCount))
        }
        return try contiguousBytes().withUnsafeBytes(body)
    }

    /// Number of bytes of the values.
    var valueByteCount: Int { count * dtype.byteSize }
}
