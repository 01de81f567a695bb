import CJPEG
import Foundation

extension Image {
    /// A rectangle of an image: `width` x `height` pixels at (`left`, `top`).
    public typealias Region = (left: Int, top: Int, width: Int, height: Int)
}

/// An image file's bytes, not yet decoded: a transform that reads only part of the image (a
/// random resized crop) asks for the size first and then decodes just that part.
public struct EncodedImage: Sendable {
    public let bytes: Data
    /// Names the image in errors (its path).
    public let label: String

    public init(bytes: Data, label: String = "<memory>") { (self.bytes, self.label) = (bytes, label) }

    /// The file's bytes, with the errors `Image(contentsOf:)` gives for a missing or unreadable file.
    public init(contentsOf path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            var isDirectory: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
            throw ImageError.unreadable(
                path: path,
                reason: !exists ? "no such file" : isDirectory.boolValue ? "a directory" : "permission denied")
        }
        self.init(bytes: data, label: path)
    }

    /// The whole image in `mode` (`Image(contentsOf:mode:)`'s pixels).
    public func decode(mode: Image.Mode = .rgb) throws -> Image {
        try Image(decoding: bytes, label: label, mode: mode)
    }

    /// The image's size from the header alone, when only a region can be decoded with the same
    /// pixels as the whole decode's: a JPEG that ends with its EOI marker. Nil otherwise (PNG,
    /// WebP, a JPEG whose end is missing, which the whole decode refuses as truncated, as PIL does).
    public func regionDecodableSize() -> (width: Int, height: Int)? {
        bytes.withUnsafeBytes { raw -> (width: Int, height: Int)? in
            let data = raw.bindMemory(to: UInt8.self)
            guard data.count >= 4, data[0] == 0xFF, data[1] == 0xD8, data[2] == 0xFF,
                data[data.count - 2] == 0xFF, data[data.count - 1] == 0xD9
            else { return nil }
            var info = ZooJPEGInfo()
            var message = [CChar](repeating: 0, count: 256)
            guard zoo_jpeg_header(data.baseAddress, data.count, &info, &message, message.count) == 0,
                info.width > 0, info.height > 0
            else { return nil }
            return (Int(info.width), Int(info.height))
        }
    }

    /// The pixels of `region` in `mode`: equal to `decode(mode:).cropped(region)`. A JPEG decodes
    /// only that region (rows above it skipped, columns beside it not transformed, rows below
    /// never read); other formats decode whole and crop.
    public func decode(region: Image.Region, mode: Image.Mode = .rgb) throws -> Image {
        guard regionDecodableSize() != nil else {
            return try decode(mode: mode).cropped(
                left: region.left, top: region.top, width: region.width, height: region.height)
        }
        return try decodeJPEG(region: region, mode: mode)
    }

    /// `region` of a JPEG that `regionDecodableSize()` accepted.
    func decodeJPEG(region: Image.Region, mode: Image.Mode) throws -> Image {
        try bytes.withUnsafeBytes { raw in
            try Image.decodeJPEG(raw.bindMemory(to: UInt8.self), label: label, region: region).converted(to: mode)
        }
    }
}
