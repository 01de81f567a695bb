import Foundation

/// exp, erf and tanh on eight floats at once, for the element-wise loops of transformers (GELU,
/// softmax). libm's scalar calls cost 10-20 ns a value and do not vectorize; these are polynomial
/// evaluations on SIMD lanes with errors of a few float32 ulps (exp, tanh) and 2e-7 absolute (erf).
enum VectorMath {
    typealias Vector = SIMD8<Float>

    /// eˣ: x = n·ln2 + r with |r| ≤ ln2/2, eʳ by Cephes' degree-6 polynomial, 2ⁿ from the exponent
    /// bits. Inputs below −87.3 give about 1e-38 (instead of denormals or 0), above 88.3 e^88.3;
    /// attention's masked scores (−100 + s) stay many orders below any kept one.
    @inline(__always)
    static func exp(_ x: Vector) -> Vector {
        // (The standard library's pointwise min/max are not inlined: lane selects by sign bits instead.)
        let low = Vector(repeating: -87.3), high = Vector(repeating: 88.3)
        let clamped = select(below(high, x), high, select(below(x, low), low, x))
        // Adding 1.5·2²³ rounds to an integer, which then sits in the low mantissa bits.
        let shifted = clamped * 1.442695040888963 + 12_582_912
        let n = shifted - 12_582_912
        let r = clamped - n * 0.693359375 + n * 2.12194440e-4
        var p = Vector(repeating: 1.9875691500e-4)
        p = p * r + 1.3981999507e-3
        p = p * r + 8.3334519073e-3
        p = p * r + 4.1665795894e-2
        p = p * r + 1.6666665459e-1
        p = p * r + 5.0000001201e-1
        p = p * (r * r) + r + 1
        let exponent = (bits(shifted) &- 0x4B40_0000 &+ 127) &<< 23
        return p * float(exponent)
    }

    /// erf(x) by Abramowitz and Stegun 7.1.26 (absolute error below 5e-7 in float32).
    @inline(__always)
    static func erf(_ x: Vector) -> Vector {
        let a = abs(x)
        let t = 1 / (1 + 0.3275911 * a)
        var p = Vector(repeating: 1.061405429)
        p = p * t - 1.453152027
        p = p * t + 1.421413741
        p = p * t - 0.284496736
        p = p * t + 0.254829592
        return withSign(of: x, 1 - p * t * exp(-a * a))
    }

    /// tanh(x) = sign(x)·(1 − 2/(e^{2|x|} + 1)); for |x| < 0.0625 the odd series x − x³/3 + 2x⁵/15,
    /// where the exp form would lose the low bits.
    @inline(__always)
    static func tanh(_ x: Vector) -> Vector {
        let a = abs(x)
        let large = 1 - 2 / (exp(2 * a) + 1)
        let x2 = a * a
        let small = a * (1 - x2 * (0.33333333333 - x2 * 0.13333333333))
        return withSign(of: x, select(below(a, Vector(repeating: 0.0625)), small, large))
    }

    @inline(__always) private static func bits(_ x: Vector) -> SIMD8<Int32> { unsafeBitCast(x, to: SIMD8<Int32>.self) }
    @inline(__always) private static func float(_ x: SIMD8<Int32>) -> Vector { unsafeBitCast(x, to: Vector.self) }
    @inline(__always) private static func abs(_ x: Vector) -> Vector { float(bits(x) & 0x7fff_ffff) }
    /// All ones in the lanes where a < b (the sign of a − b, exact for finite floats).
    @inline(__always) private static func below(_ a: Vector, _ b: Vector) -> SIMD8<Int32> { bits(a - b) &>> 31 }
    /// a where `mask` is all ones, else b.
    @inline(__always) private static func select(_ mask: SIMD8<Int32>, _ a: Vector, _ b: Vector) -> Vector {
        float((bits(a) & mask) | (bits(b) & ~mask))
    }
    /// |y| with the sign bit of x.
    @inline(__always) private static func withSign(of x: Vector, _ y: Vector) -> Vector {
        float((bits(y) & 0x7fff_ffff) | (bits(x) & Int32(bitPattern: 0x8000_0000)))
    }

    /// Applies `f` to `count` floats of `input` into `output` (which may be `input`), eight at a
    /// time; the tail goes through a zero-padded vector.
    @inline(__always)
    static func apply(
        _ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, _ count: Int,
        _ f: (Vector) -> Vector
    ) {
        var i = 0
        while i + 8 <= count {
            let v = UnsafeRawPointer(input + i).loadUnaligned(as: Vector.self)
            UnsafeMutableRawPointer(output + i).storeBytes(of: f(v), as: Vector.self)
            i += 8
        }
        if i < count {
            var v = Vector(repeating: 0)
            for j in 0..<(count - i) { v[j] = input[i + j] }
            let y = f(v)
            for j in 0..<(count - i) { output[i + j] = y[j] }
        }
    }

    /// `f` over pairs of inputs eight lanes at a time, the tail padded with zeros as `apply`'s.
    static func apply(
        _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, _ count: Int,
        _ f: (Vector, Vector) -> Vector
    ) {
        @inline(__always) func load(_ p: UnsafePointer<Float>) -> Vector {
            UnsafeRawPointer(p).loadUnaligned(as: Vector.self)
        }
        var i = 0
        while i + 8 <= count {
            UnsafeMutableRawPointer(output + i).storeBytes(of: f(load(a + i), load(b + i)), as: Vector.self)
            i += 8
        }
        if i < count {
            var x = Vector(repeating: 0), y = Vector(repeating: 0)
            for j in 0..<(count - i) { x[j] = a[i + j]; y[j] = b[i + j] }
            let z = f(x, y)
            for j in 0..<(count - i) { output[i + j] = z[j] }
        }
    }
}
