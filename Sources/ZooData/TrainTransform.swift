import Foundation
import ZooTensor

/// Something that makes a model input [C, H, W] from an image; random transforms draw from `rng`.
public protocol ImageTransform: Sendable {
    func callAsFunction(_ image: Image, using rng: inout RandomGenerator) -> Tensor
    /// The transform of an image file not yet decoded. By default the whole image is decoded; a
    /// transform that reads only part of it may decode only that part (with the same pixels).
    func callAsFunction(_ encoded: EncodedImage, using rng: inout RandomGenerator) throws -> Tensor
}

extension ImageTransform {
    public func callAsFunction(_ encoded: EncodedImage, using rng: inout RandomGenerator) throws -> Tensor {
        self(try encoded.decode(), using: &rng)
    }
}

extension EvalTransform: ImageTransform {
    public func callAsFunction(_ image: Image, using rng: inout RandomGenerator) -> Tensor { self(image) }
}

/// timm's training augmentation (`transforms_imagenet_train`) options, with timm's defaults.
public struct TrainAugmentation: Sendable, Equatable {
    /// RandomResizedCrop's range of crop area (fraction of the image) and aspect ratio.
    public var scale: ClosedRange<Double> = 0.08...1
    public var ratio: ClosedRange<Double> = 0.75...(4.0 / 3)
    /// `random` picks bilinear or bicubic per image, as timm; otherwise a filter name.
    public var interpolation = "random"
    public var hflip = 0.5
    public var vflip = 0.0
    /// ColorJitter's brightness, contrast and saturation strength (nil: none). timm turns it off
    /// when an auto-augment policy is given.
    public var colorJitter: Double? = 0.4
    /// `rand-m9-mstd0.5-inc1` (RandAugment) or `trivialaugment`, as timm's `auto_augment`.
    public var autoAugment: String?
    /// Random erasing probability, mode (`const`, `rand`, `pixel`) and count, as timm's `re_*`.
    public var reProb = 0.0
    public var reMode = "const"
    public var reCount = 1

    public init() {}
}

/// timm's training transform: RandomResizedCrop (random filter) → flips → RandAugment /
/// TrivialAugment or ColorJitter → to tensor, normalize → random erasing. Every random choice
/// comes from the generator passed in, so a (seed, epoch, index) gives the same tensor on any thread.
public struct TrainTransform: ImageTransform {
    public let config: DataConfig
    public let augmentation: TrainAugmentation
    let autoAugment: AutoAugment?

    public init(_ config: DataConfig, _ augmentation: TrainAugmentation = TrainAugmentation()) throws {
        self.config = config
        self.augmentation = augmentation
        let mean = config.mean.prefix(3).map { UInt8(min(255, ($0 * 255).rounded(.toNearestOrEven))) }
        autoAugment = try augmentation.autoAugment.map {
            try AutoAugment($0, fill: mean, interpolation: Interpolation(timmName: augmentation.interpolation))
        }
    }

    public func image(_ image: Image, using rng: inout RandomGenerator) -> Image {
        let image = image.converted(to: config.imageMode)
        let crop = Self.randomResizedCropBox(
            width: image.width, height: image.height, scale: augmentation.scale,
            ratio: augmentation.ratio, using: &rng)
        return augmented(image, crop: crop, using: &rng)
    }

    /// A JPEG that can be decoded in part decodes only the random crop's region (the same pixels
    /// as the whole decode's, so the same tensor as `self(encoded.decode(), using:)` for the same
    /// generator); everything else decodes whole.
    public func callAsFunction(_ encoded: EncodedImage, using rng: inout RandomGenerator) throws -> Tensor {
        guard let size = encoded.regionDecodableSize() else { return self(try encoded.decode(), using: &rng) }
        let crop = Self.randomResizedCropBox(
            width: size.width, height: size.height, scale: augmentation.scale, ratio: augmentation.ratio, using: &rng)
        let region = try encoded.decodeJPEG(region: crop, mode: config.imageMode)
        return tensor(augmented(region, crop: (0, 0, crop.width, crop.height), using: &rng), using: &rng)
    }

    /// Everything after the crop box is drawn: filter, resized crop, flips, auto-augment or jitter.
    private func augmented(_ image: Image, crop: Image.Region, using rng: inout RandomGenerator) -> Image {
        var image = image
        let filter: Interpolation =
            augmentation.interpolation == "random"
            ? (rng.randint(0, 1) == 0 ? .bilinear : .bicubic)
            : (Interpolation(timmName: augmentation.interpolation) ?? .bilinear)
        image = image.resizedCrop(
            left: crop.left, top: crop.top, width: crop.width, height: crop.height,
            outWidth: config.width, outHeight: config.height, interpolation: filter)
        if augmentation.hflip > 0 && rng.random() < augmentation.hflip { image = image.flippedHorizontally() }
        if augmentation.vflip > 0 && rng.random() < augmentation.vflip { image = image.flippedVertically() }
        if let autoAugment {
            image = autoAugment(image, using: &rng)
        } else if let strength = augmentation.colorJitter, strength > 0 {
            image = image.colorJittered(brightness: strength, contrast: strength, saturation: strength, using: &rng)
        }
        return image
    }

    public func callAsFunction(_ image: Image, using rng: inout RandomGenerator) -> Tensor {
        tensor(self.image(image, using: &rng), using: &rng)
    }

    /// To tensor, normalize, random erasing.
    private func tensor(_ prepared: Image, using rng: inout RandomGenerator) -> Tensor {
        guard augmentation.reProb > 0 else { return prepared.normalizedTensor(mean: config.mean, std: config.std) }
        var values = prepared.normalizedCHW(mean: config.mean, std: config.std)
        if augmentation.reProb > 0 {
            RandomErasing(probability: augmentation.reProb, mode: augmentation.reMode, maxCount: augmentation.reCount)
                .erase(
                    &values, channels: prepared.channels, height: prepared.height, width: prepared.width, using: &rng)
        }
        return Tensor(values, shape: [prepared.channels, prepared.height, prepared.width])
    }

    /// timm's `RandomResizedCropAndInterpolation.get_params`: ten tries at a random area and
    /// log-uniform aspect, then the whole image clamped to the ratio range, centred.
    public static func randomResizedCropBox(
        width: Int, height: Int, scale: ClosedRange<Double>, ratio: ClosedRange<Double>,
        using rng: inout RandomGenerator
    ) -> (left: Int, top: Int, width: Int, height: Int) {
        let area = Double(width * height)
        for _ in 0..<10 {
            let target = rng.uniform(scale.lowerBound, scale.upperBound) * area
            let aspect = exp(rng.uniform(log(ratio.lowerBound), log(ratio.upperBound)))
            let w = Int((target * aspect).squareRoot().rounded(.toNearestOrEven))
            let h = Int((target / aspect).squareRoot().rounded(.toNearestOrEven))
            if w <= width && h <= height {
                let top = rng.randint(0, height - h), left = rng.randint(0, width - w)
                return (left, top, w, h)
            }
        }
        let inRatio = Double(width) / Double(height)
        var w = width, h = height
        if inRatio < ratio.lowerBound {
            h = Int((Double(w) / ratio.lowerBound).rounded(.toNearestOrEven))
        } else if inRatio > ratio.upperBound {
            w = Int((Double(h) * ratio.upperBound).rounded(.toNearestOrEven))
        }
        return ((width - w) / 2, (height - h) / 2, w, h)
    }
}

/// timm's `RandomErasing` on a normalized [C, H, W] sample: with probability `probability`, up to
/// `maxCount` rectangles of 2–33% of the area and log-uniform aspect in [0.3, 3.3] are filled with
/// zeros (`const`), one normal colour per rectangle (`rand`) or normal noise (`pixel`).
public struct RandomErasing: Sendable {
    public var probability: Double
    public var mode: String
    public var maxCount: Int
    public var minArea = 0.02, maxArea = 1.0 / 3
    public var minAspect = 0.3

    public init(probability: Double, mode: String = "const", maxCount: Int = 1) {
        (self.probability, self.mode, self.maxCount) = (probability, mode, maxCount)
    }

    public func erase(_ values: inout [Float], channels: Int, height: Int, width: Int, using rng: inout RandomGenerator)
    {
        guard rng.random() <= probability else { return }
        let area = Double(height * width), logRatio = (log(minAspect), log(1 / minAspect))
        let count = maxCount <= 1 ? 1 : rng.randint(1, maxCount)
        for _ in 0..<count {
            for _ in 0..<10 {
                let target = rng.uniform(minArea, maxArea) * area / Double(count)
                let aspect = exp(rng.uniform(logRatio.0, logRatio.1))
                let h = Int((target * aspect).squareRoot().rounded(.toNearestOrEven))
                let w = Int((target / aspect).squareRoot().rounded(.toNearestOrEven))
                guard w < width && h < height else { continue }
                let top = rng.randint(0, height - h), left = rng.randint(0, width - w)
                let colour = (0..<channels).map { _ in Float(rng.gauss(0, 1)) }
                for c in 0..<channels {
                    for y in top..<top + h {
                        for x in left..<left + w {
                            values[(c * height + y) * width + x] =
                                switch mode {
                                case "pixel": Float(rng.gauss(0, 1))
                                case "rand": colour[c]
                                default: 0
                                }
                        }
                    }
                }
                break
            }
        }
    }
}
