import Foundation

/// A block of bytes that tensors view. 64-byte aligned so SIMD loads and memory-mapped
/// checkpoint entries line up. Reference-counted: views share one storage, as in PyTorch.
public final class TensorStorage: @unchecked Sendable {
    public let byteCount: Int
    public let bytes: UnsafeMutableRawPointer
    /// Keeps a foreign owner (e.g. a memory map) alive while this storage views its memory.
    private let owner: AnyObject?
    /// Bytes reserved from `StoragePool`, or 0 when the memory is not ours to release.
    private let capacity: Int

    /// Fresh zeroed memory.
    public convenience init(byteCount: Int) {
        self.init(uninitializedByteCount: byteCount)
        memset(bytes, 0, byteCount)
    }

    /// Fresh memory left uninitialized, for outputs every element of which is written.
    public init(uninitializedByteCount byteCount: Int) {
        self.byteCount = byteCount
        (bytes, capacity) = StoragePool.allocate(byteCount)
        owner = nil
    }

    /// Views memory that `owner` keeps alive (a mapped file, a Data buffer).
    public init(viewing bytes: UnsafeMutableRawPointer, byteCount: Int, owner: AnyObject) {
        self.byteCount = byteCount
        self.bytes = bytes
        self.owner = owner
        self.capacity = 0
    }

    deinit { if capacity > 0 { StoragePool.release(bytes, capacity: capacity) } }
}

/// Keeps large freed buffers for reuse. Fresh large allocations come from new mmap pages that
/// fault and zero on first touch — for a ResNet activation that costs as much as the convolution
/// producing it — so buffers from 256 KiB up return here and serve the next request of their
/// size class (a quarter-power-of-two, so at most 25% slack), up to `limit` bytes kept.
enum StoragePool {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var free: [Int: [UnsafeMutableRawPointer]] = [:]
    nonisolated(unsafe) private static var cachedBytes = 0
    static let minimumPooled = 256 << 10
    static let limit = 2 << 30

    /// Rounds large sizes up to their size class; small ones to 64 bytes.
    static func sizeClass(_ byteCount: Int) -> Int {
        let size = max(byteCount, 64)
        guard size >= minimumPooled else { return (size + 63) & ~63 }
        let step = 1 << (Int.bitWidth - size.leadingZeroBitCount - 3)  // a quarter of the power of two below
        return (size + step - 1) / step * step
    }

    static func allocate(_ byteCount: Int) -> (UnsafeMutableRawPointer, Int) {
        let capacity = sizeClass(byteCount)
        if capacity >= minimumPooled {
            lock.lock()
            if let pointer = free[capacity]?.popLast() {
                cachedBytes -= capacity
                lock.unlock()
                return (pointer, capacity)
            }
            lock.unlock()
        }
        var pointer: UnsafeMutableRawPointer?
        guard posix_memalign(&pointer, 64, capacity) == 0, let pointer else {
            fatalError("zoo: out of memory allocating \(byteCount) bytes")
        }
        return (pointer, capacity)
    }

    static func release(_ pointer: UnsafeMutableRawPointer, capacity: Int) {
        if capacity >= minimumPooled {
            lock.lock()
            if cachedBytes + capacity <= limit {
                free[capacity, default: []].append(pointer)
                cachedBytes += capacity
                lock.unlock()
                return
            }
            lock.unlock()
        }
        Foundation.free(pointer)
    }

    /// Returns every cached buffer to the system (after a large model is gone, say).
    static func trim() {
        lock.lock()
        let buffers = free.values.flatMap { $0 }
        free = [:]
        cachedBytes = 0
        lock.unlock()
        for pointer in buffers { Foundation.free(pointer) }
    }
}
