import Foundation

/// Reusable scratch buffers for kernels (im2col columns, gathered tiles). Fresh large mallocs come
/// from new mmap pages that fault and zero on every op; reusing them keeps kernels at BLAS speed.
final class Workspace: @unchecked Sendable {
    static let shared = Workspace()
    private var free: [TensorStorage] = []
    private let lock = NSLock()

    /// A buffer of at least `count` floats, returned to the pool when `body` ends.
    func withFloats<R>(_ count: Int, _ body: (UnsafeMutablePointer<Float>) -> R) -> R {
        let bytes = Swift.max(count, 1) * MemoryLayout<Float>.size
        lock.lock()
        let index = free.firstIndex { $0.byteCount >= bytes }
        let storage = index.map { free.remove(at: $0) } ?? TensorStorage(uninitializedByteCount: bytes)
        lock.unlock()
        defer {
            lock.lock()
            free.append(storage)
            // Keep the pool small: the largest few buffers serve every smaller request.
            if free.count > 4 { free.sort { $0.byteCount > $1.byteCount }; free.removeLast() }
            lock.unlock()
        }
        return body(storage.bytes.assumingMemoryBound(to: Float.self))
    }
}
