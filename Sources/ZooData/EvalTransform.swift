import Foundation
import ZooTensor

/// timm's eval transform (`transforms_imagenet_eval`) for a data config: resize to size / crop_pct
/// with the cfg's filter, then crop, as the cfg's `crop_mode` says; then to a float tensor
/// [C, H, W] in [0, 1] normalized by mean and std.
/// - `center`: the shorter side to floor(size / crop_pct) (torchvision's `Resize(int)`), centre crop;
/// - `squash`: both sides to floor(size / crop_pct), aspect not kept, centre crop;
/// - `border`: the longer side to floor(size / crop_pct), then crop or pad with the mean colour.
public struct EvalTransform: Sendable {
    public let config: DataConfig

    public init(_ config: DataConfig) { self.config = config }

    /// The image the model sees, before normalization (what timm's transform makes before `ToTensor`).
    public func image(_ image: Image) -> Image {
        let image = image.converted(to: config.imageMode)
        let (h, w) = (config.height, config.width)
        let scaleH = Int((Double(h) / config.cropPct).rounded(.down)),
            scaleW = Int((Double(w) / config.cropPct).rounded(.down))
        switch config.cropMode {
        case "squash":
            return image.resized(width: scaleW, height: scaleH, interpolation: config.filter).centerCropped(
                height: h, width: w)
        case "border":
            let fill = config.mean.prefix(image.channels).map { UInt8(($0 * 255).rounded(.toNearestOrEven)) }
            return image.keepingRatio(
                targetHeight: scaleH, targetWidth: scaleW, longest: 1, interpolation: config.filter
            )
            .centerCropped(height: h, width: w, fill: fill)
        default:
            let resized: Image
            if scaleH == scaleW {
                resized = image.shorterSideResized(to: scaleH, interpolation: config.filter)
            } else {
                // A non-square target: the shorter of the two side ratios decides (timm's ResizeKeepRatio).
                resized = image.keepingRatio(
                    targetHeight: scaleH, targetWidth: scaleW, longest: 0, interpolation: config.filter)
            }
            return resized.centerCropped(height: h, width: w)
        }
    }

    /// The normalized tensor [C, H, W].
    public func callAsFunction(_ image: Image) -> Tensor {
        self.image(image).normalizedTensor(mean: config.mean, std: config.std)
    }
}

extension Image {
    /// torchvision's `Resize(size)` with an int: the shorter side to `size`, the longer one scaled and truncated.
    public func shorterSideResized(to size: Int, interpolation: Interpolation) -> Image {
        let (short, long) = width <= height ? (width, height) : (height, width)
        let newLong = Int(Double(size * long) / Double(short))
        return width <= height
            ? resized(width: size, height: newLong, interpolation: interpolation)
            : resized(width: newLong, height: size, interpolation: interpolation)
    }

    /// timm's `ResizeKeepRatio` (without its random parts): scale by the ratio between the larger
    /// (`longest` 1) or smaller (`longest` 0) of the two side ratios, sizes rounded half to even as Python's.
    func keepingRatio(
        targetHeight: Int, targetWidth: Int, longest: Double, interpolation: Interpolation,
        factors: (Double, Double) = (1, 1)
    ) -> Image {
        let ratioH = Double(height) / Double(targetHeight), ratioW = Double(width) / Double(targetWidth)
        let ratio = max(ratioH, ratioW) * longest + min(ratioH, ratioW) * (1 - longest)
        let newH = Int((Double(height) * factors.0 / ratio).rounded(.toNearestOrEven))
        let newW = Int((Double(width) * factors.1 / ratio).rounded(.toNearestOrEven))
        return resized(width: newW, height: newH, interpolation: interpolation)
    }

    /// torchvision's `center_crop` (and timm's `center_crop_or_pad`): pad with `fill` where the image
    /// is smaller, then crop at round((size - crop) / 2), rounded half to even as Python's.
    public func centerCropped(height cropH: Int, width cropW: Int, fill: [UInt8]? = nil) -> Image {
        let padLeft = cropW > width ? (cropW - width) / 2 : 0, padTop = cropH > height ? (cropH - height) / 2 : 0
        let paddedW = max(width, cropW), paddedH = max(height, cropH)
        let top = Int((Double(paddedH - cropH) / 2).rounded(.toNearestOrEven)) - padTop
        let left = Int((Double(paddedW - cropW) / 2).rounded(.toNearestOrEven)) - padLeft
        return cropped(left: left, top: top, width: cropW, height: cropH, fill: fill)
    }

    /// Channels first, each sample (v / 255 - mean) / std in float32, as torchvision's `ToTensor` + `Normalize`.
    public func normalizedCHW(mean: [Double], std: [Double]) -> [Float] {
        var out = [Float](repeating: 0, count: pixels.count)
        out.withUnsafeMutableBufferPointer { writeNormalizedCHW(into: $0.baseAddress!, mean: mean, std: std) }
        return out
    }

    /// `normalizedCHW` as a [C, H, W] tensor, written straight into the tensor's storage.
    public func normalizedTensor(mean: [Double], std: [Double]) -> Tensor {
        let tensor = Tensor(zeros: [channels, height, width])
        tensor.withUnsafeMutableFloats { writeNormalizedCHW(into: $0, mean: mean, std: std) }
        return tensor
    }

    func writeNormalizedCHW(into out: UnsafeMutablePointer<Float>, mean: [Double], std: [Double]) {
        let c = channels, n = width * height
        // One table per channel: the same float32 operations per value, computed 256 times, not n.
        let tables = (0..<c).map { ch in
            let m = Float(mean[ch]), s = Float(std[ch])
            return (0..<256).map { (Float($0) / 255 - m) / s }
        }
        pixels.withUnsafeBufferPointer { src in
            for ch in 0..<c {
                tables[ch].withUnsafeBufferPointer { table in
                    let plane = out + ch * n
                    for i in 0..<n { plane[i] = table[Int(src[i * c + ch])] }
                }
            }
        }
    }
}
