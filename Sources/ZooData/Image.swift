import CJPEG
import CPNG
import CWebP
import Foundation

/// An 8-bit image in memory: rows top to bottom, pixels interleaved (HWC), as PIL's "L" or "RGB".
public struct Image: Sendable, Equatable {
    /// The pixel layout: one gray channel (PIL's "L") or three (PIL's "RGB").
    public enum Mode: String, Sendable { case gray, rgb }

    public var width: Int
    public var height: Int
    public var mode: Mode
    /// `height * width * channels` bytes.
    public var pixels: [UInt8]

    public var channels: Int { mode == .gray ? 1 : 3 }

    public init(width: Int, height: Int, mode: Mode, pixels: [UInt8]) {
        precondition(
            pixels.count == width * height * (mode == .gray ? 1 : 3),
            "pixel count does not match \(width)x\(height) \(mode)")
        self.width = width
        self.height = height
        self.mode = mode
        self.pixels = pixels
    }

    /// An image of one colour (`fill` per channel).
    public init(width: Int, height: Int, mode: Mode, fill: [UInt8]) {
        let channels = mode == .gray ? 1 : 3
        precondition(fill.count == channels, "fill needs \(channels) values")
        var pixels = [UInt8](repeating: fill[0], count: width * height * channels)
        if fill.contains(where: { $0 != fill[0] }) {
            for i in 0..<width * height { for c in 0..<channels { pixels[i * channels + c] = fill[c] } }
        }
        self.init(width: width, height: height, mode: mode, pixels: pixels)
    }

    /// The image in `mode`, converted as PIL's `convert`: gray to RGB repeats the channel, RGB to
    /// gray is ITU-R 601-2 luma in PIL's fixed point.
    public func converted(to mode: Mode) -> Image {
        guard mode != self.mode else { return self }
        let n = width * height
        var out = [UInt8](repeating: 0, count: n * (mode == .gray ? 1 : 3))
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                if mode == .rgb {
                    for i in 0..<n { dst[3 * i] = src[i]; dst[3 * i + 1] = src[i]; dst[3 * i + 2] = src[i] }
                } else {
                    for i in 0..<n { dst[i] = Image.luma(src[3 * i], src[3 * i + 1], src[3 * i + 2]) }
                }
            }
        }
        return Image(width: width, height: height, mode: mode, pixels: out)
    }

    /// PIL's `L24` luma: (19595 R + 38470 G + 7471 B + 0x8000) >> 16.
    @inline(__always) static func luma(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> UInt8 {
        UInt8(truncatingIfNeeded: (Int(r) * 19595 + Int(g) * 38470 + Int(b) * 7471 + 0x8000) >> 16)
    }
}

/// Why an image could not be read; every case names the file.
public enum ImageError: Error, CustomStringConvertible, Equatable {
    case unreadable(path: String, reason: String)
    case empty(path: String)
    case unknownFormat(path: String)
    /// More pixels than the decompression-bomb limit (`ImageLimits.maxPixels`); refused from the header.
    case tooLarge(path: String, width: Int, height: Int, limit: Int)
    case corrupt(path: String, format: String, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason): "\(path): cannot read the file: \(reason)"
        case .empty(let path): "\(path): empty file, not an image"
        case .unknownFormat(let path): "\(path): not a JPEG, PNG or WebP image (unrecognized signature)"
        case .tooLarge(let path, let width, let height, let limit):
            "\(path): \(width) x \(height) = \(width * height) pixels is over the limit of \(limit) "
                + "(a decompression bomb?); raise ZOO_MAX_IMAGE_PIXELS to read it"
        case .corrupt(let path, let format, let reason): "\(path): corrupt \(format): \(reason)"
        }
    }
}

/// The decompression-bomb guard, as PIL's: `Image.MAX_IMAGE_PIXELS` is 89,478,485 and PIL refuses
/// (DecompressionBombError) images of more than twice that, checking the header before it allocates.
/// zoo refuses images over `maxPixels`, by default PIL's refusal point (2 × 89,478,485);
/// `ZOO_MAX_IMAGE_PIXELS=N` sets it, `0` turns the check off.
public enum ImageLimits {
    /// PIL's `Image.MAX_IMAGE_PIXELS` (1024 · 1024 · 1024 / 4 / 3).
    public static let pilMaxImagePixels = 89_478_485

    nonisolated(unsafe) public static var maxPixels: Int = {
        if let value = ProcessInfo.processInfo.environment["ZOO_MAX_IMAGE_PIXELS"].flatMap(Int.init), value >= 0 {
            return value
        }
        return 2 * pilMaxImagePixels
    }()
}

extension Image {
    /// Decodes a JPEG, PNG or WebP file (told apart by signature, not name) into `mode`, with PIL's
    /// `Image.open(path).convert(mode)` pixels.
    public init(contentsOf path: String, mode: Mode = .rgb) throws {
        self = try EncodedImage(contentsOf: path).decode(mode: mode)
    }

    /// Decodes JPEG, PNG or WebP bytes; `label` names them in errors.
    public init<Bytes: ContiguousBytes>(decoding bytes: Bytes, label: String = "<memory>", mode: Mode = .rgb) throws {
        self = try bytes.withUnsafeBytes { try Image.decode($0, label: label, mode: mode) }
    }

    static func decode(_ bytes: UnsafeRawBufferPointer, label: String, mode: Mode) throws -> Image {
        guard bytes.count > 0 else { throw ImageError.empty(path: label) }
        let data = bytes.bindMemory(to: UInt8.self)
        if data.count >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF {
            return try decodeJPEG(data, label: label).converted(to: mode)
        }
        if data.count >= 8 && Array(data[0..<8]) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] {
            return try decodePNG(data, label: label).converted(to: mode)
        }
        if data.count >= 12 && Array(data[0..<4]) == Array("RIFF".utf8) && Array(data[8..<12]) == Array("WEBP".utf8) {
            return try decodeWebP(data, label: label).converted(to: mode)
        }
        throw ImageError.unknownFormat(path: label)
    }

    /// The C shim's NUL-terminated message.
    static func messageString(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The C decoders' answer: 0 decoded, 2 refused from the header as too large (nothing
    /// allocated), anything else corrupt with the shim's message.
    private static func checkDecode<Side: BinaryInteger>(
        _ status: Int32, format: String, width: Side, height: Side, message: [CChar], label: String
    ) throws {
        switch status {
        case 0: return
        case 2:
            throw ImageError.tooLarge(path: label, width: Int(width), height: Int(height), limit: ImageLimits.maxPixels)
        default: throw ImageError.corrupt(path: label, format: format, reason: messageString(message))
        }
    }

    static func decodeJPEG(
        _ data: UnsafeBufferPointer<UInt8>, label: String, region: Region? = nil
    ) throws -> Image {
        var info = ZooJPEGInfo()
        var pixels: UnsafeMutablePointer<UInt8>?
        var message = [CChar](repeating: 0, count: 256)
        let status = zoo_jpeg_decode_region(
            data.baseAddress, data.count, UInt64(ImageLimits.maxPixels), Int32(region?.left ?? 0),
            Int32(region?.top ?? 0), Int32(region?.width ?? 0), Int32(region?.height ?? 0), &info, &pixels, &message,
            message.count)
        defer { free(pixels) }
        try checkDecode(status, format: "JPEG", width: info.width, height: info.height, message: message, label: label)
        if let region { (info.width, info.height) = (Int32(region.width), Int32(region.height)) }
        let n = Int(info.width) * Int(info.height)
        let src = UnsafeBufferPointer(start: pixels, count: n * Int(info.channels))
        switch info.channels {
        case 1: return Image(width: Int(info.width), height: Int(info.height), mode: .gray, pixels: Array(src))
        case 3: return Image(width: Int(info.width), height: Int(info.height), mode: .rgb, pixels: Array(src))
        default:
            // PIL reads CMYK JPEGs inverted (Adobe's convention, "CMYK;I") and converts to RGB as
            // cmyk2rgb: each channel is nk - nk·c/255 with nk = 255 - k, in its MULDIV255 rounding.
            let invert: UInt8 = info.adobe != 0 ? 255 : 0
            var out = [UInt8](repeating: 0, count: n * 3)
            for i in 0..<n {
                let nk = 255 - Int(src[4 * i + 3] ^ invert)
                for c in 0..<3 {
                    let t = Int(src[4 * i + c] ^ invert) * nk + 128
                    out[3 * i + c] = UInt8(clamping: nk - (((t >> 8) + t) >> 8))
                }
            }
            return Image(width: Int(info.width), height: Int(info.height), mode: .rgb, pixels: out)
        }
    }

    private static func decodeWebP(_ data: UnsafeBufferPointer<UInt8>, label: String) throws -> Image {
        var info = ZooWebPInfo()
        var pixels: UnsafeMutablePointer<UInt8>?
        var message = [CChar](repeating: 0, count: 256)
        let status = zoo_webp_decode(
            data.baseAddress, data.count, UInt64(ImageLimits.maxPixels), &info, &pixels, &message, message.count)
        defer { free(pixels) }
        try checkDecode(status, format: "WebP", width: info.width, height: info.height, message: message, label: label)
        let count = Int(info.width) * Int(info.height) * 3
        return Image(
            width: Int(info.width), height: Int(info.height), mode: .rgb,
            pixels: Array(UnsafeBufferPointer(start: pixels, count: count)))
    }

    private static func decodePNG(_ data: UnsafeBufferPointer<UInt8>, label: String) throws -> Image {
        var info = ZooPNGInfo()
        var pixels: UnsafeMutablePointer<UInt8>?
        var message = [CChar](repeating: 0, count: 256)
        let status = zoo_png_decode(
            data.baseAddress, data.count, UInt64(ImageLimits.maxPixels), &info, &pixels, &message, message.count)
        defer { free(pixels) }
        try checkDecode(status, format: "PNG", width: info.width, height: info.height, message: message, label: label)
        let n = Int(info.width) * Int(info.height), channels = Int(info.channels), wide = info.depth == 16
        let src = UnsafeBufferPointer(start: pixels, count: n * channels * (wide ? 2 : 1))
        // PIL's modes for PNG: 16-bit gray opens as "I" and converts to 8 bits by clipping at 255;
        // every other 16-bit sample keeps its high byte ("RGB;16B", "LA;16B"); alpha is dropped.
        let outChannels = channels <= 2 ? 1 : 3
        var out = [UInt8](repeating: 0, count: n * outChannels)
        out.withUnsafeMutableBufferPointer { dst in
            for i in 0..<n {
                for c in 0..<outChannels {
                    let s = i * channels + c
                    if !wide {
                        dst[i * outChannels + c] = src[s]
                    } else if channels == 1 {
                        dst[i] = src[2 * s] == 0 ? src[2 * s + 1] : 255
                    } else {
                        dst[i * outChannels + c] = src[2 * s]
                    }
                }
            }
        }
        return Image(
            width: Int(info.width), height: Int(info.height), mode: outChannels == 1 ? .gray : .rgb, pixels: out)
    }
}
