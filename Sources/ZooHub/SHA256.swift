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
