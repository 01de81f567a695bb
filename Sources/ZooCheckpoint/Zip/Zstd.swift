import CZstd

/// Zstandard frames as zip method 93 holds them (one frame per entry, no dictionary, no checksum
/// of its own: the zip CRC and the header's cover the bytes).
enum Zstd {
    /// The level `zoo convert --compress` writes: zstd's fastest positive level. On byte-shuffled
    /// float32 weights it compresses several times faster than deflate and to about the same size
    /// (docs/zoo-format.md, "Compression").
    static let defaultLevel: Int32 = 1

    static func compress(_ bytes: UnsafeRawBufferPointer, level: Int32 = defaultLevel) -> [UInt8] {
        let bound = ZSTD_compressBound(bytes.count)
        var produced = 0
        var output = [UInt8](unsafeUninitializedCapacity: max(bound, 1)) { buffer, initialized in
            produced = ZSTD_compress(buffer.baseAddress, bound, bytes.baseAddress, bytes.count, level)
            initialized = ZSTD_isError(produced) != 0 ? 0 : produced
        }
        precondition(ZSTD_isError(produced) == 0, "zoo: zstd could not compress within its own bound")
        output.removeSubrange(produced...)
        return output
    }

    /// Decompresses `compressed` into exactly `destination.count` bytes. Fails if the frame is
    /// corrupt, holds less, or would produce even one byte more (zstd stops at the room given).
    static func decompress(
        _ compressed: UnsafeRawBufferPointer, into destination: UnsafeMutableRawBufferPointer,
        path: String, entry: String
    ) throws {
        var scratch: UInt8 = 0
        let result = withUnsafeMutablePointer(to: &scratch) { scratch in
            ZSTD_decompress(
                destination.baseAddress ?? UnsafeMutableRawPointer(scratch), destination.count,
                compressed.baseAddress ?? UnsafeRawPointer(scratch), compressed.count)
        }
        if ZSTD_isError(result) != 0 {
            if ZSTD_getErrorCode(result) == ZSTD_error_dstSize_tooSmall {
                throw CheckpointError.limitExceeded(
                    path: path,
                    what: "entry '\(entry)' decompresses past its declared size of \(destination.count) bytes")
            }
            let reason = String(cString: ZSTD_getErrorName(result))
            throw CheckpointError.corrupt(path: path, what: "cannot decompress zstd entry '\(entry)': \(reason)")
        }
        if result != destination.count {
            throw CheckpointError.truncated(
                path: path, what: "zstd entry '\(entry)' holds \(result) bytes, declared \(destination.count)")
        }
    }
}
