import CCheckpointKernels
import CZlib

/// CRC-32 (the zip polynomial) over any number of bytes, with zlib's values. Carry-less
/// multiplication folds 256 bits per instruction where the CPU has AVX2 and VPCLMULQDQ
/// (Sources/CCheckpointKernels/crc32.c), else libdeflate's 128-bit PCLMUL folding: either way a
/// verified load runs at about memory speed (docs/zoo-format.md, "Performance").
func crc32(_ bytes: UnsafeRawBufferPointer, continuing initial: UInt32 = 0) -> UInt32 {
    guard let base = bytes.baseAddress else { return initial }
    return zoo_crc32(initial, base, bytes.count)
}

func crc32(_ bytes: [UInt8]) -> UInt32 { bytes.withUnsafeBytes { crc32($0) } }

/// The CRC-32 of `a + b` from `a`'s CRC, `b`'s CRC and `b`'s length (zlib's `crc32_combine`):
/// pieces of one entry checked on different cores give the entry's CRC.
func crc32Combine(_ first: UInt32, _ second: UInt32, _ secondLength: Int) -> UInt32 {
    UInt32(truncatingIfNeeded: crc32_combine(UInt(first), UInt(second), Int(secondLength)))
}
