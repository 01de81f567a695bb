import Foundation

/// Resampling filters, by timm's names (`str_to_pil_interp`), computed as PIL's `Image.resize`.
public enum Interpolation: String, Sendable, CaseIterable {
    case nearest, bilinear, bicubic, box, hamming, lanczos

    /// timm's name, or nil when unknown (`random` is a train-time choice, not a filter).
    public init?(timmName: String) { self.init(rawValue: timmName) }

    /// The filter's support at scale 1 and its kernel, as PIL's Resample.c.
    var kernel: (support: Double, weight: (Double) -> Double) {
        switch self {
        case .nearest, .box: return (0.5, { x in x > -0.5 && x <= 0.5 ? 1 : 0 })
        case .bilinear:
            return (
                1,
                { x in
                    let x = abs(x); return x < 1 ? 1 - x : 0
                }
            )
        case .hamming:
            return (
                1,
                { x in
                    let x = abs(x)
                    if x == 0 { return 1 }
                    if x >= 1 { return 0 }
                    let t = x * .pi
                    return sin(t) / t * (0.54 + 0.46 * cos(t))
                }
            )
        case .bicubic:
            // Keys' cubic with a = -0.5, as PIL.
            return (
                2,
                { x in
                    let a = -0.5, x = abs(x)
                    if x < 1 { return ((a + 2) * x - (a + 3)) * x * x + 1 }
                    if x < 2 { return (((x - 5) * x + 8) * x - 4) * a }
                    return 0
                }
            )
        case .lanczos:
            return (
                3,
                { x in
                    func sinc(_ x: Double) -> Double { x == 0 ? 1 : sin(x * .pi) / (x * .pi) }
                    return x >= -3 && x < 3 ? sinc(x) * sinc(x / 3) : 0
                }
            )
        }
    }
}

extension Image {
    /// The image scaled to `width` x `height` exactly as PIL's `Image.resize(size, filter)`:
    /// antialiased (the filter's support grows with the downscale factor), separable (horizontal
    /// pass, rounded to 8 bits, then vertical), 22-bit fixed-point weights; nearest as PIL's affine
    /// scale. This is what torchvision's `Resize` does to a PIL image.
    public func resized(width outWidth: Int, height outHeight: Int, interpolation: Interpolation) -> Image {
        precondition(outWidth > 0 && outHeight > 0, "resize needs a positive size, got \(outWidth)x\(outHeight)")
        if outWidth == width && outHeight == height { return self }
        if interpolation == .nearest { return nearestResized(width: outWidth, height: outHeight) }
        return resampled(
            left: 0, top: 0, width: width, height: height, outWidth: outWidth, outHeight: outHeight,
            interpolation: interpolation)
    }

    /// The region (`left`, `top`, `width`, `height`) scaled to `outWidth` x `outHeight`: the same
    /// pixels as `cropped(...)` then `resized(...)` (torchvision's `resized_crop`), without the copy.
    public func resizedCrop(
        left: Int, top: Int, width cropWidth: Int, height cropHeight: Int,
        outWidth: Int, outHeight: Int, interpolation: Interpolation
    ) -> Image {
        guard
            left >= 0 && top >= 0 && left + cropWidth <= width && top + cropHeight <= height
                && interpolation != .nearest,
            cropWidth != outWidth || cropHeight != outHeight
        else {
            return cropped(left: left, top: top, width: cropWidth, height: cropHeight)
                .resized(width: outWidth, height: outHeight, interpolation: interpolation)
        }
        return resampled(
            left: left, top: top, width: cropWidth, height: cropHeight, outWidth: outWidth, outHeight: outHeight,
            interpolation: interpolation)
    }

    private func resampled(
        left: Int, top: Int, width inWidth: Int, height inHeight: Int, outWidth: Int, outHeight: Int,
        interpolation: Interpolation
    ) -> Image {
        let horizontal = Resampling(inSize: inWidth, outSize: outWidth, interpolation: interpolation)
        let vertical = Resampling(inSize: inHeight, outSize: outHeight, interpolation: interpolation)
        var source = self
        var rowOffset = -top
        if outWidth != inWidth {
            // Only the rows the vertical pass will read.
            let first = vertical.bounds[0],
                last = vertical.bounds[2 * (outHeight - 1)] + vertical.bounds[2 * outHeight - 1]
            source = horizontalPass(horizontal, rows: (first + top)..<(last + top), left: left)
            rowOffset = first
        } else if left != 0 || inWidth != width {
            source = cropped(left: left, top: top, width: inWidth, height: inHeight)
            rowOffset = 0
        }
        if outHeight != inHeight {
            source = source.verticalPass(vertical, rowOffset: rowOffset)
        } else if source.height != outHeight {
            source = source.cropped(left: 0, top: -rowOffset, width: source.width, height: outHeight)
        }
        return source
    }

    private func horizontalPass(_ r: Resampling, rows: Range<Int>, left: Int) -> Image {
        let c = channels, outWidth = r.outSize, ksize = r.ksize
        var out = [UInt8](repeating: 0, count: rows.count * outWidth * c)
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                r.weights.withUnsafeBufferPointer { k in
                    r.bounds.withUnsafeBufferPointer { bounds in
                        for (oy, y) in rows.enumerated() {
                            let row = src.baseAddress! + (y * width + left) * c,
                                outRow = dst.baseAddress! + oy * outWidth * c
                            for x in 0..<outWidth {
                                let xmin = bounds[2 * x], count = bounds[2 * x + 1], kx = k.baseAddress! + x * ksize
                                let p = row + xmin * c
                                if c == 3 {
                                    var s0 = Resampling.half, s1 = Resampling.half, s2 = Resampling.half
                                    for i in 0..<count {
                                        let w = kx[i], q = p + 3 * i
                                        s0 &+= Int32(q[0]) &* w
                                        s1 &+= Int32(q[1]) &* w
                                        s2 &+= Int32(q[2]) &* w
                                    }
                                    outRow[3 * x] = Resampling.clip8(s0)
                                    outRow[3 * x + 1] = Resampling.clip8(s1)
                                    outRow[3 * x + 2] = Resampling.clip8(s2)
                                } else {
                                    for ch in 0..<c {
                                        var sum = Resampling.half
                                        for i in 0..<count { sum &+= Int32(p[i * c + ch]) &* kx[i] }
                                        outRow[x * c + ch] = Resampling.clip8(sum)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return Image(width: outWidth, height: rows.count, mode: mode, pixels: out)
    }

    private func verticalPass(_ r: Resampling, rowOffset: Int) -> Image {
        let rowLength = width * channels, outHeight = r.outSize
        var out = [UInt8](repeating: 0, count: outHeight * rowLength)
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                r.weights.withUnsafeBufferPointer { k in
                    var sums = [Int32](repeating: 0, count: rowLength)
                    sums.withUnsafeMutableBufferPointer { sums in
                        let sums = sums.baseAddress!
                        for y in 0..<outHeight {
                            let ymin = r.bounds[2 * y] - rowOffset, count = r.bounds[2 * y + 1],
                                ky = k.baseAddress! + y * r.ksize
                            for i in 0..<rowLength { sums[i] = Resampling.half }
                            for j in 0..<count {
                                let row = src.baseAddress! + (ymin + j) * rowLength, w = ky[j]
                                for i in 0..<rowLength { sums[i] &+= Int32(row[i]) &* w }
                            }
                            let outRow = dst.baseAddress! + y * rowLength
                            for i in 0..<rowLength { outRow[i] = Resampling.clip8(sums[i]) }
                        }
                    }
                }
            }
        }
        return Image(width: width, height: outHeight, mode: mode, pixels: out)
    }

    /// PIL's nearest resize: an affine scale sampling at the truncated centre of each output pixel,
    /// the position advanced by repeated addition as PIL's `ImagingScaleAffine` does.
    private func nearestResized(width outWidth: Int, height outHeight: Int) -> Image {
        let c = channels, sx = Double(width) / Double(outWidth), sy = Double(height) / Double(outHeight)
        func table(_ n: Int, _ scale: Double, _ limit: Int) -> [Int] {
            var v = scale * 0.5, out = [Int]()
            for _ in 0..<n { out.append(min(v < 0 ? 0 : Int(v), limit - 1)); v += scale }
            return out
        }
        let xs = table(outWidth, sx, width), ys = table(outHeight, sy, height)
        var out = [UInt8](repeating: 0, count: outWidth * outHeight * c)
        for (y, iy) in ys.enumerated() {
            for (x, ix) in xs.enumerated() {
                for ch in 0..<c { out[(y * outWidth + x) * c + ch] = pixels[(iy * width + ix) * c + ch] }
            }
        }
        return Image(width: outWidth, height: outHeight, mode: mode, pixels: out)
    }
}

/// One axis of a PIL resample: for each output pixel the first input pixel, the count, and the
/// weights in PIL's 8-bit fixed point (`precompute_coeffs` + `normalize_coeffs_8bpc`).
struct Resampling {
    static let precisionBits: Int32 = 32 - 8 - 2
    /// Sums are Int32 with wrapping arithmetic, as PIL's `int` accumulators (a 255 · 2^22 weighted
    /// sum fits), which lets the compiler vectorize the passes.
    static let half: Int32 = 1 << (precisionBits - 1)

    let outSize: Int
    let ksize: Int
    /// (xmin, count) per output pixel.
    let bounds: [Int]
    let weights: [Int32]

    init(inSize: Int, outSize: Int, interpolation: Interpolation) {
        let (filterSupport, filter) = interpolation.kernel
        let scale = Double(inSize) / Double(outSize), filterScale = max(scale, 1)
        let support = filterSupport * filterScale
        let ksize = Int(support.rounded(.up)) * 2 + 1
        var bounds = [Int](repeating: 0, count: 2 * outSize)
        var weights = [Int32](repeating: 0, count: outSize * ksize)
        var k = [Double](repeating: 0, count: ksize)
        for xx in 0..<outSize {
            let center = (Double(xx) + 0.5) * scale, ss = 1 / filterScale
            let xmin = max(Int(center - support + 0.5), 0)
            let count = min(Int(center + support + 0.5), inSize) - xmin
            var total = 0.0
            for x in 0..<count {
                k[x] = filter((Double(x + xmin) - center + 0.5) * ss)
                total += k[x]
            }
            for x in 0..<count {
                let w = total != 0 ? k[x] / total : k[x]
                let fixed = w * Double(1 << Resampling.precisionBits)
                weights[xx * ksize + x] = Int32(
                    w < 0 ? (fixed - 0.5).rounded(.towardZero) : (fixed + 0.5).rounded(.towardZero))
            }
            bounds[2 * xx] = xmin
            bounds[2 * xx + 1] = count
        }
        (self.outSize, self.ksize, self.bounds, self.weights) = (outSize, ksize, bounds, weights)
    }

    /// PIL's `clip8`: 255 at or above 2^30, 0 at or below 0, else the top bits (branch-free).
    @inline(__always) static func clip8(_ value: Int32) -> UInt8 {
        UInt8(truncatingIfNeeded: Swift.min(Swift.max(value, 0), (1 << (precisionBits + 8)) - 1) >> precisionBits)
    }
}
