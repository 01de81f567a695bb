import Foundation
import ZooTensor

/// Pixel operations as PIL's `ImageEnhance` and `ImageOps` compute them (uint8 in, uint8 out).
extension Image {
    /// PIL's `Image.blend(degenerate, self, factor)`: degenerate + factor·(self − degenerate) in
    /// float, clipped and truncated to 8 bits — what every `ImageEnhance` class does.
    func blended(from degenerate: Image, factor: Double) -> Image {
        let alpha = Float(factor)
        var out = pixels
        for i in 0..<out.count {
            let a = Float(degenerate.pixels[i]), t = a + alpha * (Float(pixels[i]) - a)
            out[i] = t <= 0 ? 0 : t >= 255 ? 255 : UInt8(t)
        }
        return Image(width: width, height: height, mode: mode, pixels: out)
    }

    /// `ImageEnhance.Brightness`: blend with black.
    public func brightnessAdjusted(_ factor: Double) -> Image {
        blended(
            from: Image(width: width, height: height, mode: mode, fill: [UInt8](repeating: 0, count: channels)),
            factor: factor)
    }

    /// `ImageEnhance.Contrast`: blend with the gray of the image's rounded mean luma.
    public func contrastAdjusted(_ factor: Double) -> Image {
        let gray = converted(to: .gray).pixels
        let mean = UInt8(Double(gray.reduce(0) { $0 + Int($1) }) / Double(max(gray.count, 1)) + 0.5)
        return blended(
            from: Image(width: width, height: height, mode: mode, fill: [UInt8](repeating: mean, count: channels)),
            factor: factor)
    }

    /// `ImageEnhance.Color` (saturation): blend with the image's own gray version.
    public func saturationAdjusted(_ factor: Double) -> Image {
        blended(from: converted(to: .gray).converted(to: mode), factor: factor)
    }

    /// `ImageEnhance.Sharpness`: blend with PIL's SMOOTH filter (3x3, centre weight 5 of 13; border pixels kept).
    public func sharpnessAdjusted(_ factor: Double) -> Image {
        var smooth = pixels
        let c = channels
        if width > 2 && height > 2 {
            for y in 1..<height - 1 {
                for x in 1..<width - 1 {
                    for ch in 0..<c {
                        var sum = 0
                        for dy in -1...1 {
                            for dx in -1...1 { sum += Int(pixels[((y + dy) * width + x + dx) * c + ch]) }
                        }
                        sum += 4 * Int(pixels[(y * width + x) * c + ch])
                        smooth[(y * width + x) * c + ch] = UInt8(min(255, (Double(sum) / 13 + 0.5).rounded(.down)))
                    }
                }
            }
        }
        return blended(from: Image(width: width, height: height, mode: mode, pixels: smooth), factor: factor)
    }

    /// A lookup table per channel (PIL's `Image.point`).
    func mapped(_ table: (Int) -> [UInt8]) -> Image {
        let c = channels
        let tables = (0..<c).map(table)
        var out = pixels
        for i in 0..<out.count { out[i] = tables[i % c][Int(pixels[i])] }
        return Image(width: width, height: height, mode: mode, pixels: out)
    }

    func histogram(channel: Int) -> [Int] {
        var h = [Int](repeating: 0, count: 256)
        for i in stride(from: channel, to: pixels.count, by: channels) { h[Int(pixels[i])] += 1 }
        return h
    }

    /// `ImageOps.autocontrast` (no cutoff): each channel stretched from its darkest to its brightest value.
    public func autocontrasted() -> Image {
        mapped { ch in
            let h = histogram(channel: ch)
            guard let lo = h.firstIndex(where: { $0 > 0 }), let hi = h.lastIndex(where: { $0 > 0 }), hi > lo else {
                return (0..<256).map { UInt8($0) }
            }
            let scale = 255 / Double(hi - lo), offset = -Double(lo) * scale
            return (0..<256).map { UInt8(clamping: Int(Double($0) * scale + offset)) }
        }
    }

    /// `ImageOps.equalize`: each channel through its cumulative histogram.
    public func equalized() -> Image {
        mapped { ch in
            let h = histogram(channel: ch), used = h.filter { $0 > 0 }
            let step = used.count <= 1 ? 0 : (used.reduce(0, +) - used.last!) / 255
            guard step > 0 else { return (0..<256).map { UInt8($0) } }
            var n = step / 2, table = [UInt8]()
            for i in 0..<256 { table.append(UInt8(clamping: n / step)); n += h[i] }
            return table
        }
    }

    /// torchvision's `ColorJitter(brightness, contrast, saturation)` on a PIL image: factors uniform
    /// in [max(0, 1 − s), 1 + s], drawn first, then applied in a random order.
    public func colorJittered(
        brightness: Double, contrast: Double, saturation: Double, using rng: inout RandomGenerator
    ) -> Image {
        let order = rng.permutation(4)
        let b = rng.uniform(max(0, 1 - brightness), 1 + brightness)
        let c = rng.uniform(max(0, 1 - contrast), 1 + contrast)
        let s = rng.uniform(max(0, 1 - saturation), 1 + saturation)
        var image = self
        for op in order {
            switch op {
            case 0: image = image.brightnessAdjusted(b)
            case 1: image = image.contrastAdjusted(c)
            case 2: image = image.saturationAdjusted(s)
            default: break  // hue: timm's scalar jitter leaves it off
            }
        }
        return image
    }

    /// PIL's `Image.transform(size, AFFINE, (a, b, c, d, e, f), resample, fillcolor)`: the output
    /// pixel (x, y) samples the input at (a·x + b·y + c, d·x + e·y + f), pixel centres at .5.
    func affineTransformed(_ m: [Double], interpolation: Interpolation, fill: [UInt8]) -> Image {
        let c = channels
        var out = [UInt8](repeating: 0, count: pixels.count)
        func sample(_ x: Int, _ y: Int, _ ch: Int) -> Double {
            guard x >= 0 && x < width && y >= 0 && y < height else { return Double(fill[min(ch, fill.count - 1)]) }
            return Double(pixels[(y * width + x) * c + ch])
        }
        for y in 0..<height {
            for x in 0..<width {
                let u = m[0] * (Double(x) + 0.5) + m[1] * (Double(y) + 0.5) + m[2]
                let v = m[3] * (Double(x) + 0.5) + m[4] * (Double(y) + 0.5) + m[5]
                let o = (y * width + x) * c
                guard u >= 0 && u < Double(width) && v >= 0 && v < Double(height) else {
                    for ch in 0..<c { out[o + ch] = fill[min(ch, fill.count - 1)] }
                    continue
                }
                let fx = u - 0.5, fy = v - 0.5, x0 = Int(fx.rounded(.down)), y0 = Int(fy.rounded(.down))
                let dx = fx - Double(x0), dy = fy - Double(y0)
                for ch in 0..<c {
                    let value: Double
                    if interpolation == .bicubic {
                        func cubic(_ t: Double) -> [Double] {
                            let a = -0.5
                            return [-1.0, 0, 1, 2].map { k in
                                let d = abs(t - k)
                                return d < 1
                                    ? ((a + 2) * d - (a + 3)) * d * d + 1 : d < 2 ? (((d - 5) * d + 8) * d - 4) * a : 0
                            }
                        }
                        let wx = cubic(dx), wy = cubic(dy)
                        var sum = 0.0
                        for j in 0..<4 {
                            var row = 0.0
                            for i in 0..<4 {
                                row +=
                                    wx[i]
                                    * sample(
                                        min(max(x0 - 1 + i, 0), width - 1), min(max(y0 - 1 + j, 0), height - 1), ch)
                            }
                            sum += wy[j] * row
                        }
                        value = sum
                    } else {
                        let cx0 = max(x0, 0), cy0 = max(y0, 0), cx1 = min(x0 + 1, width - 1),
                            cy1 = min(y0 + 1, height - 1)
                        let top = sample(cx0, cy0, ch) * (1 - dx) + sample(cx1, cy0, ch) * dx
                        let bottom = sample(cx0, cy1, ch) * (1 - dx) + sample(cx1, cy1, ch) * dx
                        value = top * (1 - dy) + bottom * dy
                    }
                    out[o + ch] = UInt8(clamping: Int((value + 0.5).rounded(.down)))
                }
            }
        }
        return Image(width: width, height: height, mode: mode, pixels: out)
    }

    /// PIL's `rotate(degrees)` (counter-clockwise about the centre, same size) as an affine transform.
    func rotated(_ degrees: Double, interpolation: Interpolation, fill: [UInt8]) -> Image {
        let angle = -degrees * .pi / 180, (cx, cy) = (Double(width) / 2, Double(height) / 2)
        let (a, b, d, e) = (cos(angle), sin(angle), -sin(angle), cos(angle))
        let c = a * -cx + b * -cy + cx, f = d * -cx + e * -cy + cy
        return affineTransformed([a, b, c, d, e, f], interpolation: interpolation, fill: fill)
    }
}
