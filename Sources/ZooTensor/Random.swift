import Foundation

/// A seedable random source (xoshiro256**, seeded through SplitMix64): the same seed gives the
/// same weights on every platform. Pass one explicitly for reproducible runs.
public struct RandomGenerator: RandomNumberGenerator, Sendable {
    private var s: (UInt64, UInt64, UInt64, UInt64)

    public init(seed: UInt64) {
        var x = seed
        func splitMix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s = (splitMix(), splitMix(), splitMix(), splitMix())
    }

    public mutating func next() -> UInt64 {
        let result = ((s.1 &* 5) << 7 | (s.1 &* 5) >> 57) &* 9
        let t = s.1 << 17
        s.2 ^= s.0; s.3 ^= s.1; s.1 ^= s.2; s.0 ^= s.3
        s.2 ^= t
        s.3 = s.3 << 45 | s.3 >> 19
        return result
    }

    /// Uniform in [0, 1) with 24 random bits, as a float32 sample.
    mutating func unit() -> Float { Float(next() >> 40) * 0x1p-24 }

    /// Standard normal by Box–Muller.
    mutating func normal() -> Float {
        let u1 = Double(next() >> 11) * 0x1p-53, u2 = Double(next() >> 11) * 0x1p-53
        return Float(
            (-2 * Foundation.log(Swift.max(u1, .leastNonzeroMagnitude))).squareRoot() * Foundation.cos(2 * .pi * u2))
    }
}

/// The process-wide generator used when none is passed (PyTorch's default generator).
public enum DefaultRandom {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var generator = RandomGenerator(seed: 0)

    /// Reseeds the default generator (PyTorch's `torch.manual_seed`).
    public static func seed(_ value: UInt64) { lock.withLock { generator = RandomGenerator(seed: value) } }

    /// Runs `body` with exclusive use of the default generator.
    public static func with<R>(_ body: (inout RandomGenerator) -> R) -> R { lock.withLock { body(&generator) } }
}

/// Initializers with the distributions PyTorch's layers use (`torch.nn.init`).
extension Tensor {
    /// Uniform on [low, high).
    public static func uniform(_ shape: [Int], low: Float, high: Float, using rng: inout RandomGenerator) -> Tensor {
        let t = Tensor(empty: shape), p = t.mutableFloats
        for i in 0..<t.count { p[i] = low + (high - low) * rng.unit() }
        return t
    }

    /// Normal with `mean` and `std`.
    public static func normal(_ shape: [Int], mean: Float = 0, std: Float = 1, using rng: inout RandomGenerator)
        -> Tensor
    {
        let t = Tensor(empty: shape), p = t.mutableFloats
        for i in 0..<t.count { p[i] = mean + std * rng.normal() }
        return t
    }

    /// Normal with `mean` and `std`, redrawn until inside [a, b] (timm's `trunc_normal_`, whose bounds are absolute).
    public static func truncatedNormal(
        _ shape: [Int], mean: Float = 0, std: Float = 1, a: Float = -2, b: Float = 2,
        using rng: inout RandomGenerator
    ) -> Tensor {
        precondition(a < b, "truncated normal needs a < b")
        let t = Tensor(empty: shape), p = t.mutableFloats
        for i in 0..<t.count {
            var v: Float
            repeat { v = mean + std * rng.normal() } while v < a || v > b
            p[i] = v
        }
        return t
    }

    /// fan_in and fan_out as `torch.nn.init._calculate_fan_in_and_fan_out`.
    public static func fans(_ shape: [Int]) -> (fanIn: Int, fanOut: Int) {
        precondition(shape.count >= 2, "fan in and fan out need at least 2 dimensions, got \(shape)")
        let receptive = shape.dropFirst(2).reduce(1, *)
        return (shape[1] * receptive, shape[0] * receptive)
    }

    /// `kaiming_uniform_(w, a)` with leaky-ReLU gain over fan_in: bound = gain·√(3 / fan_in).
    /// PyTorch's Linear and Conv2d default to a = √5, which gives bound = 1/√fan_in.
    public static func kaimingUniform(
        _ shape: [Int], a: Float = Float(5).squareRoot(), using rng: inout RandomGenerator
    ) -> Tensor {
        let fanIn = Float(fans(shape).fanIn)
        let gain = (2 / (1 + a * a)).squareRoot()
        let bound = gain * (3 / fanIn).squareRoot()
        return uniform(shape, low: -bound, high: bound, using: &rng)
    }

    /// `kaiming_normal_(w, mode="fan_out", nonlinearity="relu")`, as torchvision/timm ResNets initialize convs.
    public static func kaimingNormalFanOut(_ shape: [Int], using rng: inout RandomGenerator) -> Tensor {
        let std = (2 / Float(fans(shape).fanOut)).squareRoot()
        return normal(shape, std: std, using: &rng)
    }

    /// The bias bound PyTorch's Linear/Conv2d use: uniform on ±1/√fan_in.
    public static func biasUniform(_ count: Int, fanIn: Int, using rng: inout RandomGenerator) -> Tensor {
        let bound = fanIn > 0 ? 1 / Float(fanIn).squareRoot() : 0
        return uniform([count], low: -bound, high: bound, using: &rng)
    }

    /// PyTorch's `F.dropout`: zeroes elements with probability `p` and scales the rest by 1/(1−p)
    /// in training; the identity otherwise.
    public func dropout(p: Float, training: Bool, using rng: inout RandomGenerator) -> Tensor {
        precondition(p >= 0 && p <= 1, "dropout probability must be in [0, 1], got \(p)")
        guard training && p > 0 else { return self }
        if p == 1 { return self * Tensor(zeros: shape) }
        let mask = Tensor(empty: shape), m = mask.mutableFloats, scale = 1 / (1 - p)
        for i in 0..<count { m[i] = rng.unit() < p ? 0 : scale }
        return self * mask
    }

    /// Dropout drawing from the default generator.
    public func dropout(p: Float, training: Bool) -> Tensor {
        DefaultRandom.with { rng in dropout(p: p, training: training, using: &rng) }
    }

    /// Stochastic depth (timm's `drop_path`): zeroes whole samples of the batch (dim 0) with
    /// probability `p` in training and scales the kept ones by 1/(1−p) when `scaleByKeep`.
    public func dropPath(p: Float, training: Bool, scaleByKeep: Bool = true, using rng: inout RandomGenerator) -> Tensor
    {
        precondition(p >= 0 && p < 1, "drop path probability must be in [0, 1), got \(p)")
        guard training && p > 0 else { return self }
        let keep = 1 - p, scale = scaleByKeep ? 1 / keep : 1
        let maskShape = [shape[0]] + Array(repeating: 1, count: rank - 1)
        let mask = Tensor(empty: maskShape), m = mask.mutableFloats
        for i in 0..<shape[0] { m[i] = rng.unit() < keep ? scale : 0 }
        return self * mask
    }

    /// Stochastic depth drawing from the default generator.
    public func dropPath(p: Float, training: Bool, scaleByKeep: Bool = true) -> Tensor {
        DefaultRandom.with { rng in dropPath(p: p, training: training, scaleByKeep: scaleByKeep, using: &rng) }
    }
}
