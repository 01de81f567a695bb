import CZlib

/// CRC-32 (the zip polynomial) over any number of bytes; zlib takes at most 4 GiB a call.
func crc32(_ bytes: UnsafeRawBufferPointer, continuing initial: UInt32 = 0) -> UInt32 {
    guard var pointer = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return initial }
    var crc = UInt(initial)
    var remaining = bytes.count
    while remaining > 0 {
        let chunk = min(remaining, 1 << 30)
        crc = CZlib.crc32(crc, pointer, UInt32(chunk))
        pointer += chunk
        remaining -= chunk
    }
    return UInt32(truncatingIfNeeded: crc)
}

func crc32(_ bytes: [UInt8]) -> UInt32 { bytes.withUnsafeBytes { crc32($0) } }
