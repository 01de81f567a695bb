import Foundation
import ZooTensor

/// timm's RandAugment (`rand_augment_transform`) and TrivialAugment, with timm's operations and
/// level functions (`timm/data/auto_augment.py`) on PIL-equivalent pixel operations.
///
/// Policy strings as timm's: `rand-m9-mstd0.5-inc1` (magnitude 9, magnitude noise 0.5, the
/// "increasing" op set, 2 ops per image, each applied with probability 0.5); keys `m`, `n`, `p`,
/// `mstd` (over 100: uniform in [0, m]), `inc`. `trivialaugment` is one op per image, always
/// applied, magnitude uniform in [0, 10] (`rand-n1-m10-p1-mstd101`).
public struct AutoAugment: Sendable {
    public let ops: [String]
    public let layers: Int
    public let probability: Double
    public let magnitude: Double
    public let magnitudeStd: Double
    let fill: [UInt8]
    /// nil: bilinear or bicubic at random per op, as timm without a fixed interpolation.
    let interpolation: Interpolation?

    static let standard = [
        "AutoContrast", "Equalize", "Invert", "Rotate", "Posterize", "Solarize", "SolarizeAdd",
        "Color", "Contrast", "Brightness", "Sharpness", "ShearX", "ShearY", "TranslateXRel", "TranslateYRel",
    ]
    static let increasing = [
        "AutoContrast", "Equalize", "Invert", "Rotate", "PosterizeIncreasing", "SolarizeIncreasing",
        "SolarizeAdd", "ColorIncreasing", "ContrastIncreasing", "BrightnessIncreasing",
        "SharpnessIncreasing", "ShearX", "ShearY", "TranslateXRel", "TranslateYRel",
    ]

    public init(_ policy: String, fill: [UInt8] = [124, 116, 104], interpolation: Interpolation? = nil) throws {
        let spec = policy == "trivialaugment" ? "rand-n1-m10-p1-mstd101" : policy
        var parts = spec.split(separator: "-").map(String.init)
        guard parts.first == "rand" else {
            throw DataError.badOption("auto augment policy \"\(policy)\": only rand-… and trivialaugment are supported")
        }
        parts.removeFirst()
        var magnitude = 10.0, layers = 2, probability = 0.5, std = 0.0, inc = false
        for part in parts {
            let key = part.prefix { $0.isLetter }, value = part.dropFirst(key.count)
            guard let number = Double(value) else {
                throw DataError.badOption("auto augment policy \"\(policy)\": bad part \"\(part)\"")
            }
            switch key {
            case "m": magnitude = number
            case "n": layers = Int(number)
            case "p": probability = number
            case "mstd": std = number > 100 ? .infinity : number
            case "inc": inc = number != 0
            default: throw DataError.badOption("auto augment policy \"\(policy)\": unknown key \"\(key)\"")
            }
        }
        (self.magnitude, self.layers, self.probability, self.magnitudeStd) = (magnitude, layers, probability, std)
        ops = inc ? Self.increasing : Self.standard
        (self.fill, self.interpolation) = (fill, interpolation)
    }

    public func callAsFunction(_ image: Image, using rng: inout RandomGenerator) -> Image {
        var image = image
        for _ in 0..<layers {
            let op = ops[rng.randint(0, ops.count - 1)]
            if probability < 1 && rng.random() > probability { continue }
            var m = magnitude
            if magnitudeStd == .infinity {
                m = rng.uniform(0, m)
            } else if magnitudeStd > 0 {
                m = rng.gauss(m, magnitudeStd)
            }
            m = max(0, min(m, 10))
            image = apply(op, level: m / 10, to: image, using: &rng)
        }
        return image
    }

    func apply(_ op: String, level: Double, to image: Image, using rng: inout RandomGenerator) -> Image {
        func negate(_ v: Double) -> Double { rng.random() > 0.5 ? -v : v }
        func filter() -> Interpolation { interpolation ?? (rng.randint(0, 1) == 0 ? .bilinear : .bicubic) }
        func enhance() -> Double { max(0.1, 1 + negate(level * 0.9)) }
        let fill = Array(self.fill.prefix(image.channels))
        switch op {
        case "AutoContrast": return image.autocontrasted()
        case "Equalize": return image.equalized()
        case "Invert": return image.mapped { _ in (0..<256).map { UInt8(255 - $0) } }
        case "Rotate":
            let degrees = negate(level * 30); return image.rotated(degrees, interpolation: filter(), fill: fill)
        case "Posterize", "PosterizeIncreasing":
            let bits = op == "Posterize" ? Int(level * 4) : 4 - Int(level * 4)
            if bits >= 8 { return image }
            let mask = ~((1 << (8 - bits)) - 1)
            return image.mapped { _ in (0..<256).map { UInt8($0 & mask) } }
        case "Solarize", "SolarizeIncreasing":
            let t = min(256, Int(level * 256)), threshold = op == "Solarize" ? t : 256 - t
            return image.mapped { _ in (0..<256).map { $0 < threshold ? UInt8($0) : UInt8(255 - $0) } }
        case "SolarizeAdd":
            let add = min(128, Int(level * 110))
            return image.mapped { _ in (0..<256).map { $0 < 128 ? UInt8(min(255, $0 + add)) : UInt8($0) } }
        case "Color": return image.saturationAdjusted(level * 1.8 + 0.1)
        case "Contrast": return image.contrastAdjusted(level * 1.8 + 0.1)
        case "Brightness": return image.brightnessAdjusted(level * 1.8 + 0.1)
        case "Sharpness": return image.sharpnessAdjusted(level * 1.8 + 0.1)
        case "ColorIncreasing": return image.saturationAdjusted(enhance())
        case "ContrastIncreasing": return image.contrastAdjusted(enhance())
        case "BrightnessIncreasing": return image.brightnessAdjusted(enhance())
        case "SharpnessIncreasing": return image.sharpnessAdjusted(enhance())
        case "ShearX":
            let s = negate(level * 0.3);
            return image.affineTransformed([1, s, 0, 0, 1, 0], interpolation: filter(), fill: fill)
        case "ShearY":
            let s = negate(level * 0.3);
            return image.affineTransformed([1, 0, 0, s, 1, 0], interpolation: filter(), fill: fill)
        case "TranslateXRel":
            let p = negate(level * 0.45) * Double(image.width)
            return image.affineTransformed([1, 0, p, 0, 1, 0], interpolation: filter(), fill: fill)
        case "TranslateYRel":
            let p = negate(level * 0.45) * Double(image.height)
            return image.affineTransformed([1, 0, 0, 0, 1, p], interpolation: filter(), fill: fill)
        default: return image
        }
    }
}
