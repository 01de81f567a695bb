import CDeflate
import CZlib
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

    /// Inflates `compressed` into exactly `destination.count` bytes. Fails if the stream is
    /// corrupt, ends early, or would produce even one byte more than declared.
    static func decompress(
        _ compressed: UnsafeRawBufferPointer, into destination: UnsafeMutableRawBufferPointer,
        path: String, entry: String
    ) throws {
        var stream = z_stream()
        guard inflateInit2_(&stream, -15, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw CheckpointError.corrupt(path: path, what: "zlib could not start inflating '\(entry)'")
        }
        defer { inflateEnd(&stream) }
        var consumed = 0
        var produced = 0
        var status = Z_OK
        var scratch: UInt8 = 0
        while status != Z_STREAM_END {
            let input = min(compressed.count - consumed, 1 << 30)
            stream.next_in = UnsafeMutablePointer(
                mutating: compressed.baseAddress?.advanced(by: consumed).assumingMemoryBound(to: UInt8.self))
            stream.avail_in = UInt32(input)
            let room = destination.count - produced
            if room > 0 {
                stream.next_out = destination.baseAddress!.advanced(by: produced).assumingMemoryBound(to: UInt8.self)
                stream.avail_out = UInt32(min(room, 1 << 30))
            } else {
                // Every declared byte is there: one more byte of output means the entry lies.
                withUnsafeMutablePointer(to: &scratch) { stream.next_out = $0 }
                stream.avail_out = 1
            }
            let outBefore = Int(stream.avail_out)
            status = inflate(&stream, Z_NO_FLUSH)
            let made = outBefore - Int(stream.avail_out)
            consumed += input - Int(stream.avail_in)
            if room == 0 && made > 0 {
                throw CheckpointError.limitExceeded(
                    path: path, what: "entry '\(entry)' inflates past its declared size of \(destination.count) bytes")
            }
            produced += made
            switch status {
            case Z_OK, Z_STREAM_END: break
            case Z_BUF_ERROR:
                if consumed == compressed.count {
                    throw CheckpointError.truncated(
                        path: path,
                        what: "deflate stream of '\(entry)' ends early (\(produced) of \(destination.count) bytes)")
                }
            default:
                let reason = stream.msg.map { String(cString: $0) } ?? "status \(status)"
                throw CheckpointError.corrupt(path: path, what: "cannot inflate '\(entry)': \(reason)")
            }
        }
        if produced != destination.count {
            throw CheckpointError.corrupt(
                path: path, what: "entry '\(entry)' inflates to \(produced) bytes, declared \(destination.count)")
        }
    }
}

/// Byte shuffling groups byte k of every element together, which makes floats far more
/// compressible (exponent bytes repeat). `elementSize` 1 is a plain copy.
enum ByteShuffle {
    static func shuffle(_ source: UnsafeRawBufferPointer, elementSize: Int) -> [UInt8] {
        let count = source.count / elementSize
        return [UInt8](unsafeUninitializedCapacity: source.count) { out, initialized in
            for byte in 0..<elementSize {
                let row = byte * count
                for index in 0..<count { out[row + index] = source[index * elementSize + byte] }
            }
            initialized = source.count
        }
    }

    static func unshuffle(
        _ source: UnsafeRawBufferPointer, into destination: UnsafeMutableRawBufferPointer, elementSize: Int
    ) {
        let count = source.count / elementSize
        for byte in 0..<elementSize {
            let row = byte * count
            for index in 0..<count { destination[index * elementSize + byte] = source[row + index] }
        }
    }
}
