import CCrypto
import Foundation

/// Streaming SHA-256 (OpenSSL's libcrypto: SHA-NI or AVX2 where the CPU has them).
public final class SHA256Hasher {
    private let context: OpaquePointer

    public init() {
        context = EVP_MD_CTX_new()
        EVP_DigestInit_ex(context, EVP_sha256(), nil)
    }

    deinit { EVP_MD_CTX_free(context) }

    public func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        EVP_DigestUpdate(context, base, bytes.count)
    }

    public func update(_ data: Data) { data.withUnsafeBytes { update($0) } }

    /// Starts over, as a fresh hasher.
    public func reset() { EVP_DigestInit_ex(context, EVP_sha256(), nil) }

    /// Feeds a whole file, read in 4 MiB blocks.
    public func update(contentsOf url: URL) throws {
        let descriptor = open(url.path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw HubError.unreadable(url.path) }
        defer { close(descriptor) }
        let block = UnsafeMutableRawBufferPointer.allocate(byteCount: 4 << 20, alignment: 64)
        defer { block.deallocate() }
        while true {
            let n = read(descriptor, block.baseAddress, block.count)
            if n < 0 { if errno == EINTR { continue }; throw HubError.unreadable(url.path) }
            if n == 0 { return }
            update(UnsafeRawBufferPointer(rebasing: block[..<n]))
        }
    }

    /// The digest as lowercase hex. The hasher is finished afterwards.
    public func finalizeHex() -> String {
        var digest = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        EVP_DigestFinal_ex(context, &digest, &length)
        return digest.map { String(format: "%02x", $0) }.joined()
    }

    /// SHA-256 of a whole file, read in 4 MiB blocks.
    public static func hexDigest(ofFile url: URL) throws -> String {
        let hasher = SHA256Hasher()
        try hasher.update(contentsOf: url)
        return hasher.finalizeHex()
    }
}

/// SHA-256 of a file that is still being written, computed on a thread of its own that follows
/// the writer: the download's thread only writes, and the digest is ready almost as soon as the
/// last byte lands. The file's existing prefix (a resumed download) is hashed first, from disk.
///
/// The writer reports its progress with `advance(to:)`; before it ever truncates the file to start
/// over, it calls `restart()`, and `finish` hashes the finished file once more instead. Nothing
/// else may truncate the file while it is followed (the hub holds the model's lock).
public final class GrowingFileHasher: @unchecked Sendable {
    private let path: String
    private let condition = NSCondition()
    private var available: Int64
    private var hashed: Int64 = 0
    private var writerDone = false
    private var threadDone = false
    private var invalid = false
    private var failure: Error?
    private let hasher = SHA256Hasher()

    /// Starts following `url`, whose first `existing` bytes are already written.
    public init(following url: URL, existing: Int64) {
        path = url.path
        available = existing
        let thread = Thread { [self] in follow() }
        thread.name = "zoo-sha256"
        thread.start()
    }

    /// The file now holds `size` bytes.
    public func advance(to size: Int64) {
        condition.lock()
        available = size
        condition.signal()
        condition.unlock()
    }

    /// The writer is about to truncate the file and start over. Returns once the hashing thread
    /// has stopped: it maps the file, and a mapped page cut off by a truncation would fault.
    public func restart() {
        condition.lock()
        invalid = true
        condition.signal()
        while !threadDone { condition.wait() }
        condition.unlock()
    }

    /// Waits until every one of the file's `size` bytes is hashed; returns the hex digest.
    public func finish(size: Int64) throws -> String {
        condition.lock()
        available = size
        writerDone = true
        condition.signal()
        while !threadDone { condition.wait() }
        let (invalid, hashed, failure) = (self.invalid, self.hashed, self.failure)
        condition.unlock()
        if invalid || failure != nil || hashed != size {
            return try SHA256Hasher.hexDigest(ofFile: URL(fileURLWithPath: path))
        }
        return hasher.finalizeHex()
    }

    /// Stops following without a digest (the download failed).
    public func cancel() {
        condition.lock()
        invalid = true
        writerDone = true
        condition.signal()
        while !threadDone { condition.wait() }
        condition.unlock()
    }

    private func follow() {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))
        defer {
            if descriptor >= 0 { close(descriptor) }
            condition.lock()
            threadDone = true
            condition.broadcast()
            condition.unlock()
        }
        if descriptor < 0 { failure = HubError.unreadable(path); return }
        while true {
            condition.lock()
            while hashed >= available && !writerDone && !invalid { condition.wait() }
            let (target, stop) = (available, invalid || (writerDone && hashed >= available))
            condition.unlock()
            if stop { return }
            // Map what was written (page cache, no copy) rather than read it.
            var offset = hashed
            while offset < target {
                condition.lock()
                let stopNow = invalid
                condition.unlock()
                if stopNow { return }
                let length = Int(min(target - offset, 16 << 20))
                let aligned = offset & ~Int64(pageSize - 1)
                let span = length + Int(offset - aligned)
                guard let mapped = mmap(nil, span, PROT_READ, MAP_SHARED, descriptor, off_t(aligned)),
                    mapped != MAP_FAILED
                else {
                    condition.lock(); invalid = true; condition.unlock(); return
                }
                hasher.update(UnsafeRawBufferPointer(start: mapped + Int(offset - aligned), count: length))
                munmap(mapped, span)
                offset += Int64(length)
            }
            condition.lock()
            hashed = offset
            condition.unlock()
        }
    }
}
