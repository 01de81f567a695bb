import CDeflate

/// CRC-32 (the zip polynomial) over any number of bytes. libdeflate computes it with carry-less
/// multiplication (PCLMUL/VPCLMUL, chosen from the CPU's features at run time): several times
/// zlib's table-driven speed, so a verified load runs near memory speed. Same values as zlib's.
func crc32(_ bytes: UnsafeRawBufferPointer, continuing initial: UInt32 = 0) -> UInt32 {
    guard var pointer = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return initial }
    var crc = initial
    var remaining = bytes.count
    while remaining > 0 {
        let chunk = min(remaining, 1 << 30)
        crc = libdeflate_crc32(crc, pointer, chunk)
        pointer += chunk
        remaining -= chunk
    }
    return crc
}

func crc32(_ bytes: [UInt8]) -> UInt32 { bytes.withUnsafeBytes { crc32($0) } }
