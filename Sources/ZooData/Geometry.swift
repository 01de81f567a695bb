/// Crops, pads and flips, as PIL's `crop`, `ImageOps`/torchvision's `pad` and `transpose`.
extension Image {
    /// The `width` x `height` region at (`left`, `top`), as PIL's `crop`: parts outside the image are `fill`.
    public func cropped(left: Int, top: Int, width cropWidth: Int, height cropHeight: Int, fill: [UInt8]? = nil)
        -> Image
    {
        let c = channels
        var out = Image(width: cropWidth, height: cropHeight, mode: mode, fill: fill ?? [UInt8](repeating: 0, count: c))
        let x0 = max(left, 0), x1 = min(left + cropWidth, width), y0 = max(top, 0), y1 = min(top + cropHeight, height)
        guard x0 < x1 && y0 < y1 else { return out }
        let run = (x1 - x0) * c
        pixels.withUnsafeBufferPointer { src in
            out.pixels.withUnsafeMutableBufferPointer { dst in
                for y in y0..<y1 {
                    let from = src.baseAddress! + (y * width + x0) * c
                    let to = dst.baseAddress! + ((y - top) * cropWidth + (x0 - left)) * c
                    to.update(from: from, count: run)
                }
            }
        }
        return out
    }

    /// Left and right swapped (PIL's `FLIP_LEFT_RIGHT`, torchvision's `hflip`).
    public func flippedHorizontally() -> Image {
        let c = channels
        var out = pixels
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for y in 0..<height {
                    let from = src.baseAddress! + y * width * c, to = dst.baseAddress! + y * width * c
                    for x in 0..<width { for ch in 0..<c { to[x * c + ch] = from[(width - 1 - x) * c + ch] } }
                }
            }
        }
        return Image(width: width, height: height, mode: mode, pixels: out)
    }

    /// Top and bottom swapped (PIL's `FLIP_TOP_BOTTOM`).
    public func flippedVertically() -> Image {
        let row = width * channels
        var out = pixels
        for y in 0..<height { out[y * row..<(y + 1) * row] = pixels[(height - 1 - y) * row..<(height - y) * row] }
        return Image(width: width, height: height, mode: mode, pixels: out)
    }
}
