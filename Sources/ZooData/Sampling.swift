import Foundation
import ZooTensor

/// The random draws the transforms need, each as Python's `random`/numpy's call it mirrors.
extension RandomGenerator {
    /// A generator for one (seed, stream...) tuple: the same inputs give the same stream, whatever
    /// the thread that asks — what makes augmentation independent of the worker count.
    public init(seed: UInt64, stream: UInt64...) {
        var h = seed &+ 0x9E37_79B9_7F4A_7C15
        for s in stream {
            h ^= s &+ 0x9E37_79B9_7F4A_7C15 &+ (h << 6) &+ (h >> 2)
            h = (h ^ (h >> 31)) &* 0xBF58_476D_1CE4_E5B9
        }
        self.init(seed: h)
    }

    /// Uniform in [0, 1) with 53 random bits (Python's `random.random()`).
    mutating func random() -> Double { Double(next() >> 11) * 0x1p-53 }

    /// Uniform in [a, b] (Python's `random.uniform`).
    mutating func uniform(_ a: Double, _ b: Double) -> Double { a + (b - a) * random() }

    /// An integer in a...b, both included (Python's `random.randint`).
    mutating func randint(_ a: Int, _ b: Int) -> Int { a + Int(below(UInt64(b - a + 1))) }

    /// An integer in [0, bound): Lemire's multiply-high, redrawing when the low word falls in the
    /// biased sliver. Spelled out here rather than taken from the standard library, so the data
    /// order is a documented algorithm a reference script can reproduce (docs/data.md).
    mutating func below(_ bound: UInt64) -> UInt64 {
        var m = next().multipliedFullWidth(by: bound)
        if m.low < bound {
            let threshold = (0 &- bound) % bound
            while m.low < threshold { m = next().multipliedFullWidth(by: bound) }
        }
        return m.high
    }

    /// Normal (Python's `random.gauss`).
    mutating func gauss(_ mu: Double, _ sigma: Double) -> Double {
        let u1 = max(random(), .leastNonzeroMagnitude), u2 = random()
        return mu + sigma * (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
    }

    /// Gamma(shape, 1) by Marsaglia and Tsang.
    mutating func gamma(_ shape: Double) -> Double {
        if shape < 1 { return gamma(shape + 1) * pow(max(random(), .leastNonzeroMagnitude), 1 / shape) }
        let d = shape - 1.0 / 3, c = 1 / (9 * d).squareRoot()
        while true {
            var x: Double, v: Double
            repeat { x = gauss(0, 1); v = 1 + c * x } while v <= 0
            v = v * v * v
            let u = random()
            if u < 1 - 0.0331 * x * x * x * x || log(u) < 0.5 * x * x + d * (1 - v + log(v)) { return d * v }
        }
    }

    /// Beta(a, b) (numpy's `random.beta`).
    mutating func beta(_ a: Double, _ b: Double) -> Double {
        let x = gamma(a), y = gamma(b)
        return x / (x + y)
    }

    /// A random permutation of 0..<n (torch's `randperm`'s role): Fisher–Yates from the end, swapping
    /// i with `randint(0, i)` for i = n-1 down to 1.
    mutating func permutation(_ n: Int) -> [Int] {
        var order = Array(0..<n)
        if n > 1 { for i in stride(from: n - 1, to: 0, by: -1) { order.swapAt(i, randint(0, i)) } }
        return order
    }
}
