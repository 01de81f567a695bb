import Foundation

/// A block of bytes that tensors view. 64-byte aligned so SIMD loads and memory-mapped
/// checkpoint entries line up. Reference-counted: views share one storage, as in PyTorch.
public final class TensorStorage: @unchecked Sendable {
    public let byteCount: Int
    public let bytes: UnsafeMutableRawPointer
    /// Keeps a foreign owner (e.g. a memory map) alive while this storage views its memory.
    private let owner: AnyObject?
    private let deallocate: Bool

    /// Fresh zeroed memory.
    public init(byteCount: Int) {
        self.byteCount = byteCount
        var pointer: UnsafeMutableRawPointer?
        let size = max(byteCount, 64)
        guard posix_memalign(&pointer, 64, size) == 0, let pointer else {
            fatalError("zoo: out of memory allocating \(byteCount) bytes")
        }
        memset(pointer, 0, size)
        self.bytes = pointer
        self.owner = nil
        self.deallocate = true
    }

    /// Fresh memory left uninitialized, for outputs every element of which is written.
    public init(uninitializedByteCount byteCount: Int) {
        self.byteCount = byteCount
        var pointer: UnsafeMutableRawPointer?
        guard posix_memalign(&pointer, 64, max(byteCount, 64)) == 0, let pointer else {
            fatalError("zoo: out of memory allocating \(byteCount) bytes")
        }
        self.bytes = pointer
        self.owner = nil
        self.deallocate = true
    }

    /// Views memory that `owner` keeps alive (a mapped file, a Data buffer).
    public init(viewing bytes: UnsafeMutableRawPointer, byteCount: Int, owner: AnyObject) {
        self.byteCount = byteCount
        self.bytes = bytes
        self.owner = owner
        self.deallocate = false
    }

    deinit { if deallocate { free(bytes) } }
}
