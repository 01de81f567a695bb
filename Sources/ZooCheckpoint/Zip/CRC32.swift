import CCheckpointKernels

/// CRC-32 (the zip polynomial) over any number of bytes, with zlib's values. Carry-less
/// multiplication folds 256 bits per instruction where the CPU has AVX2 and VPCLMULQDQ
/// (Sources/CCheckpointKernels/crc32.c), else libdeflate's 128-bit PCLMUL folding: either way a
/// verified load runs at about memory speed (docs/zoo-format.md, "Performance").
func crc32(_ bytes: UnsafeRawBufferPointer, continuing initial: UInt32 = 0) -> UInt32 {
    guard let base = bytes.baseAddress else { return initial }
    return zoo_crc32(initial, base, bytes.count)
}

func crc32(_ bytes: [UInt8]) -> UInt32 { bytes.withUnsafeBytes { crc32($0) } }
