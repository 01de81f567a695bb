/// Element types a tensor can hold. Arithmetic runs in float32; the others are storage types
/// that checkpoints carry (PyTorch's names in `description`).
public enum DType: String, Sendable, CaseIterable, Codable {
    case float32, float16, bfloat16, float64, int64, int32, int16, int8, uint8, bool

    /// Bytes per element.
    public var byteSize: Int {
        switch self {
        case .float64, .int64: 8
        case .float32, .int32: 4
        case .float16, .bfloat16, .int16: 2
        case .int8, .uint8, .bool: 1
        }
    }

    public var isFloatingPoint: Bool {
        switch self {
        case .float32, .float16, .bfloat16, .float64: true
        default: false
        }
    }

    /// Reads element `index` of a buffer of this type as a Double (exact for every type but int64 past 2^53).
    @inline(__always)
    func load(_ base: UnsafeRawPointer, _ index: Int) -> Double {
        switch self {
        case .float32: Double(base.loadUnaligned(fromByteOffset: index * 4, as: Float.self))
        case .float64: base.loadUnaligned(fromByteOffset: index * 8, as: Double.self)
        case .float16: Double(halfToFloat(base.loadUnaligned(fromByteOffset: index * 2, as: UInt16.self)))
        case .bfloat16: Double(bfloat16ToFloat(base.loadUnaligned(fromByteOffset: index * 2, as: UInt16.self)))
        case .int64: Double(base.loadUnaligned(fromByteOffset: index * 8, as: Int64.self))
        case .int32: Double(base.loadUnaligned(fromByteOffset: index * 4, as: Int32.self))
        case .int16: Double(base.loadUnaligned(fromByteOffset: index * 2, as: Int16.self))
        case .int8: Double(base.loadUnaligned(fromByteOffset: index, as: Int8.self))
        case .uint8: Double(base.loadUnaligned(fromByteOffset: index, as: UInt8.self))
        case .bool: base.loadUnaligned(fromByteOffset: index, as: UInt8.self) != 0 ? 1 : 0
        }
    }

    /// Writes `value` as element `index`, rounding and saturating as PyTorch's `.to(dtype)` does for
    /// floats (round to nearest even) and truncating toward zero for integers.
    @inline(__always)
    func store(_ value: Double, _ base: UnsafeMutableRawPointer, _ index: Int) {
        switch self {
        case .float32: base.storeBytes(of: Float(value), toByteOffset: index * 4, as: Float.self)
        case .float64: base.storeBytes(of: value, toByteOffset: index * 8, as: Double.self)
        case .float16: base.storeBytes(of: floatToHalf(Float(value)), toByteOffset: index * 2, as: UInt16.self)
        case .bfloat16: base.storeBytes(of: floatToBFloat16(Float(value)), toByteOffset: index * 2, as: UInt16.self)
        case .int64: base.storeBytes(of: Int64(clamping: value), toByteOffset: index * 8, as: Int64.self)
        case .int32:
            base.storeBytes(
                of: Int32(truncatingIfNeeded: Int64(clamping: value)), toByteOffset: index * 4, as: Int32.self)
        case .int16:
            base.storeBytes(
                of: Int16(truncatingIfNeeded: Int64(clamping: value)), toByteOffset: index * 2, as: Int16.self)
        case .int8:
            base.storeBytes(of: Int8(truncatingIfNeeded: Int64(clamping: value)), toByteOffset: index, as: Int8.self)
        case .uint8:
            base.storeBytes(of: UInt8(truncatingIfNeeded: Int64(clamping: value)), toByteOffset: index, as: UInt8.self)
        case .bool: base.storeBytes(of: value != 0 ? 1 : 0, toByteOffset: index, as: UInt8.self)
        }
    }
}

extension Int64 {
    /// NaN becomes 0 and out-of-range values saturate, instead of trapping.
    init(clamping value: Double) {
        if value.isNaN {
            self = 0
        } else if value >= 9.2233720368547758e18 {
            self = .max
        } else if value <= -9.2233720368547758e18 {
            self = .min
        } else {
            self = Int64(value.rounded(.towardZero))
        }
    }
}

// MARK: - Half and bfloat16 bit conversions (portable: no reliance on the platform's Float16)

/// IEEE 754 binary16 bits to Float, subnormals, infinities and NaN included.
@inline(__always)
public func halfToFloat(_ h: UInt16) -> Float {
    let sign = UInt32(h & 0x8000) << 16
    let exponent = UInt32(h >> 10) & 0x1F
    let mantissa = UInt32(h & 0x3FF)
    if exponent == 0 {
        // Zero or subnormal: value = mantissa * 2^-24.
        let magnitude = Float(mantissa) * 0x1p-24
        return sign != 0 ? -magnitude : magnitude
    }
    if exponent == 0x1F {
        return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13))
    }
    return Float(bitPattern: sign | ((exponent + 112) << 23) | (mantissa << 13))
}

/// Float to binary16 bits with round-to-nearest-even, overflow to infinity, NaN kept quiet.
@inline(__always)
public func floatToHalf(_ f: Float) -> UInt16 {
    let bits = f.bitPattern
    let sign = UInt16((bits >> 16) & 0x8000)
    let exponent = Int((bits >> 23) & 0xFF)
    let mantissa = bits & 0x7F_FFFF
    if exponent == 0xFF { return sign | 0x7C00 | (mantissa != 0 ? 0x200 | UInt16(mantissa >> 13) : 0) }
    let unbiased = exponent - 127
    if unbiased > 15 { return sign | 0x7C00 }
    if unbiased >= -14 {
        // Normal half: keep 10 mantissa bits, round the 13 dropped ones to nearest even.
        var half = UInt32(unbiased + 15) << 10 | (mantissa >> 13)
        let rest = mantissa & 0x1FFF
        if rest > 0x1000 || (rest == 0x1000 && (half & 1) == 1) { half += 1 }  // may carry into the exponent: correct
        return sign | UInt16(half)
    }
    if unbiased < -25 { return sign }
    // Subnormal half: shift the implicit-one mantissa right, then round to nearest even.
    let full = mantissa | 0x80_0000
    let shift = UInt32(-unbiased - 1)  // value = full·2^(unbiased−23) = (full >> shift)·2^−24
    let half = full >> shift
    let rest = full & ((1 << shift) - 1)
    let halfway = UInt32(1) << (shift - 1)
    var rounded = half
    if rest > halfway || (rest == halfway && (half & 1) == 1) { rounded += 1 }
    return sign | UInt16(rounded)
}

@inline(__always)
public func bfloat16ToFloat(_ b: UInt16) -> Float { Float(bitPattern: UInt32(b) << 16) }

/// Float to bfloat16 bits with round-to-nearest-even (as PyTorch's `.to(torch.bfloat16)`).
@inline(__always)
public func floatToBFloat16(_ f: Float) -> UInt16 {
    let bits = f.bitPattern
    if f.isNaN { return UInt16(bits >> 16) | 0x40 }
    let roundingBias = 0x7FFF + ((bits >> 16) & 1)
    return UInt16((bits &+ roundingBias) >> 16)
}
