import Foundation
import ZooTensor

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A whole file mapped copy-on-write (readable and privately writable), or an in-memory buffer
/// with the same interface for parsing bytes that never touched a disk (fuzzers, tests).
///
/// Tensors loaded from stored entries view this memory directly; each one keeps the mapping
/// alive, so a checkpoint's bytes are paged in only when a tensor is used. Writes to such a
/// tensor stay private to the process.
final class MappedFile: @unchecked Sendable {
    let path: String
    let base: UnsafeMutableRawPointer?
    let count: Int
    private let isMapping: Bool

    init(path: String) throws {
        self.path = path
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        if descriptor < 0 { throw CheckpointError.io(path: path, operation: "open for reading", reason: errnoText()) }
        defer { close(descriptor) }
        var info = stat()
        if fstat(descriptor, &info) != 0 {
            throw CheckpointError.io(path: path, operation: "stat", reason: errnoText())
        }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            throw CheckpointError.io(path: path, operation: "read", reason: "is a directory")
        }
        count = Int(info.st_size)
        isMapping = true
        if count == 0 { base = nil; return }
        let mapped = mmap(nil, count, PROT_READ | PROT_WRITE, MAP_PRIVATE, descriptor, 0)
        if mapped == MAP_FAILED || mapped == nil {
            throw CheckpointError.io(path: path, operation: "memory-map", reason: errnoText())
        }
        base = mapped
    }

    /// A private copy of `bytes`, 64-byte aligned like a mapping.
    init(bytes: UnsafeRawBufferPointer, label: String) {
        path = label
        count = bytes.count
        isMapping = false
        var pointer: UnsafeMutableRawPointer?
        guard posix_memalign(&pointer, 64, max(count, 64)) == 0, let pointer else { fatalError("zoo: out of memory") }
        if let source = bytes.baseAddress { pointer.copyMemory(from: source, byteCount: count) }
        base = pointer
    }

    convenience init(bytes: [UInt8], label: String) {
        self.init(bytes: bytes.withUnsafeBytes { $0 }, label: label)
    }

    deinit {
        guard let base else { return }
        guard isMapping else { return free(base) }
        #if os(Linux)
            // Unmapping costs the kernel ~0.15 µs a mapped 4 KiB page (tmpfs: ~4 ms for a verified
            // 100 MB checkpoint), one core's work under munmap's exclusive lock; dropping the pages
            // of each half on its own core first (MADV_DONTNEED takes the lock shared) halves that.
            if count >= Self.parallelReleaseBytes {
                let half = (count / 2) & ~(Int(sysconf(Int32(_SC_PAGESIZE))) - 1)
                nonisolated(unsafe) let start = base
                DispatchQueue.concurrentPerform(iterations: 2) { part in
                    _ = madvise(start + part * half, part == 0 ? half : count - half, MADV_DONTNEED)
                }
            }
        #endif
        munmap(base, count)
    }

    /// Mappings of at least this size are released on two cores.
    static let parallelReleaseBytes = 32 << 20

    var buffer: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

    /// Bytes `range` of the file, or a `truncated` error naming `what`.
    func slice(_ offset: Int, _ length: Int, _ what: @autoclosure () -> String) throws -> UnsafeRawBufferPointer {
        guard offset >= 0, length >= 0, offset <= count, length <= count - offset else {
            throw CheckpointError.truncated(
                path: path, what: "\(what()) needs bytes \(offset)..<\(offset &+ length), file has \(count)")
        }
        return UnsafeRawBufferPointer(start: base.map { $0 + offset }, count: length)
    }

    /// A storage that views `length` bytes at `offset` without copying; it keeps this file alive.
    func storage(viewing offset: Int, _ length: Int) -> TensorStorage {
        if length == 0 { return TensorStorage(byteCount: 0) }
        return TensorStorage(viewing: base! + offset, byteCount: length, owner: self)
    }
}

/// Bounds-checked little-endian reads over a buffer. Every read past the end throws `truncated`.
struct ByteCursor {
    let buffer: UnsafeRawBufferPointer
    let path: String
    var position: Int

    init(_ buffer: UnsafeRawBufferPointer, path: String, position: Int = 0) {
        self.buffer = buffer
        self.path = path
        self.position = position
    }

    var remaining: Int { buffer.count - position }
    var isAtEnd: Bool { position >= buffer.count }

    mutating func bytes(_ count: Int, _ what: @autoclosure () -> String) throws -> UnsafeRawBufferPointer {
        guard count >= 0, count <= remaining else {
            throw CheckpointError.truncated(
                path: path, what: "\(what()) needs \(count) bytes at offset \(position), \(max(remaining, 0)) left")
        }
        defer { position += count }
        return UnsafeRawBufferPointer(rebasing: buffer[position..<position + count])
    }

    mutating func integer<T: FixedWidthInteger>(_ type: T.Type, _ what: @autoclosure () -> String) throws -> T {
        let raw = try bytes(MemoryLayout<T>.size, what())
        return T(littleEndian: raw.loadUnaligned(as: T.self))
    }

    mutating func u8(_ what: @autoclosure () -> String) throws -> UInt8 { try integer(UInt8.self, what()) }
    mutating func u16(_ what: @autoclosure () -> String) throws -> UInt16 { try integer(UInt16.self, what()) }
    mutating func u32(_ what: @autoclosure () -> String) throws -> UInt32 { try integer(UInt32.self, what()) }
    mutating func u64(_ what: @autoclosure () -> String) throws -> UInt64 { try integer(UInt64.self, what()) }
}

func errnoText() -> String { String(cString: strerror(errno)) }
