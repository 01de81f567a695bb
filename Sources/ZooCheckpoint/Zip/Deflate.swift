import CCheckpointKernels
import CDeflate
import ZooTensor

/// Raw deflate (no zlib or gzip wrapper), as zip entries hold it.
enum Deflate {
    /// Compresses `bytes` with libdeflate at a speed-oriented level (1 of its 1-12 scale, about
    /// zlib's level 1 in size at several times its speed). Any deflate reader reads the output.
    static func compress(_ bytes: UnsafeRawBufferPointer, level: Int32 = 1) -> [UInt8] {
        guard let compressor = libdeflate_alloc_compressor(level) else {
            fatalError("zoo: libdeflate_alloc_compressor failed")
        }
        defer { libdeflate_free_compressor(compressor) }
        let bound = libdeflate_deflate_compress_bound(compressor, bytes.count)
        var produced = 0
        var output = [UInt8](unsafeUninitializedCapacity: bound) { buffer, initialized in
            produced = libdeflate_deflate_compress(
                compressor, bytes.baseAddress, bytes.count, buffer.baseAddress, bound)
            initialized = produced
        }
        precondition(produced > 0 || bytes.isEmpty, "zoo: libdeflate could not compress within its own bound")
        output.removeSubrange(produced...)
        return output
    }

    /// Inflates `compressed` into exactly `destination.count` bytes (libdeflate, whole buffer at
    /// once). Fails if the stream is corrupt, ends early, or would produce even one byte more.
    static func decompress(
        _ compressed: UnsafeRawBufferPointer, into destination: UnsafeMutableRawBufferPointer,
        path: String, entry: String
    ) throws {
        guard let decompressor = libdeflate_alloc_decompressor() else {
            throw CheckpointError.corrupt(path: path, what: "libdeflate could not start inflating '\(entry)'")
        }
        defer { libdeflate_free_decompressor(decompressor) }
        var scratch: UInt8 = 0
        // Without an actual-size pointer libdeflate insists on exactly the room given.
        let result = withUnsafeMutablePointer(to: &scratch) { scratch in
            libdeflate_deflate_decompress(
                decompressor, compressed.baseAddress ?? UnsafeRawPointer(scratch), compressed.count,
                destination.baseAddress ?? UnsafeMutableRawPointer(scratch), destination.count, nil)
        }
        switch result {
        case LIBDEFLATE_SUCCESS: return
        case LIBDEFLATE_INSUFFICIENT_SPACE:
            throw CheckpointError.limitExceeded(
                path: path, what: "entry '\(entry)' inflates past its declared size of \(destination.count) bytes")
        case LIBDEFLATE_SHORT_OUTPUT:
            throw CheckpointError.truncated(
                path: path, what: "deflate stream of '\(entry)' ends before its declared \(destination.count) bytes")
        default:
            throw CheckpointError.corrupt(path: path, what: "cannot inflate '\(entry)': the deflate stream is invalid")
        }
    }
}

/// Byte shuffling groups byte k of every element together, which makes floats far more
/// compressible (exponent bytes repeat). `elementSize` 1 is a plain copy.
enum ByteShuffle {
    static func shuffle(_ source: UnsafeRawBufferPointer, elementSize: Int) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: source.count) { out, initialized in
            if let base = source.baseAddress {
                zoo_byte_shuffle(out.baseAddress!, base, source.count / elementSize, elementSize)
            }
            initialized = source.count
        }
    }

    static func unshuffle(
        _ source: UnsafeRawBufferPointer, into destination: UnsafeMutableRawBufferPointer, elementSize: Int
    ) {
        guard let base = source.baseAddress, let out = destination.baseAddress else { return }
        zoo_byte_unshuffle(out, base, source.count / elementSize, elementSize)
    }
}
