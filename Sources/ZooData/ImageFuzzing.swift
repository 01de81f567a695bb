/// Entry points for the image decoders' libFuzzer targets (`Sources/ZooFuzzJPEG`, `ZooFuzzPNG`, `ZooFuzzWebP`,
/// docs/fuzzing.md). A small pixel limit keeps the fuzzer from asking for gigabytes legitimately;
/// errors are ignored, only crashes, hangs, leaks and sanitizer reports count.
@_spi(Fuzzing) public enum ImageFuzzing {
    public static func jpeg(_ bytes: UnsafeRawBufferPointer) { decode(bytes, signature: [0xFF, 0xD8, 0xFF]) }

    public static func png(_ bytes: UnsafeRawBufferPointer) {
        decode(bytes, signature: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
    }

    /// A RIFF/WEBP header (its size field fitted) in front of inputs that lack one.
    public static func webp(_ bytes: UnsafeRawBufferPointer) {
        ImageLimits.maxPixels = 1 << 22
        var data = Array(bytes)
        if !(data.count >= 12 && data.starts(with: Array("RIFF".utf8)) && Array(data[8..<12]) == Array("WEBP".utf8)) {
            let size = UInt32(truncatingIfNeeded: data.count + 4)
            data = Array("RIFF".utf8) + withUnsafeBytes(of: size.littleEndian, Array.init) + Array("WEBP".utf8) + data
        }
        _ = try? Image(decoding: data, label: "fuzz", mode: .rgb)
        _ = try? Image(decoding: data, label: "fuzz", mode: .gray)
    }

    /// Decodes as the format whatever the input starts with, so mutations keep reaching the decoder.
    private static func decode(_ bytes: UnsafeRawBufferPointer, signature: [UInt8]) {
        ImageLimits.maxPixels = 1 << 22
        var data = signature
        if bytes.starts(with: signature) { data = Array(bytes) } else { data += bytes }
        _ = try? Image(decoding: data, label: "fuzz", mode: .rgb)
        _ = try? Image(decoding: data, label: "fuzz", mode: .gray)
    }
}
