// Tick positions and labels people expect: 1, 2 or 5 × 10ⁿ apart on a linear axis, decades (and
// 2 and 5 between them when the range is short) on a logarithmic one.

import Foundation

enum Ticks {
    static func make(
        in range: ClosedRange<Double>, scale: Scale, targetCount: Int,
        integers: Bool
    ) -> [(value: Double, label: String)] {
        switch scale {
        case .linear: return linear(in: range, targetCount: targetCount, integers: integers)
        case .log: return logarithmic(in: range)
        }
    }

    private static func linear(
        in range: ClosedRange<Double>, targetCount: Int,
        integers: Bool
    ) -> [(value: Double, label: String)] {
        let rough = (range.upperBound - range.lowerBound) / Double(targetCount)
        guard rough > 0, rough.isFinite else { return [] }
        let magnitude = pow(10, log10(rough).rounded(.down))
        let normalized = rough / magnitude
        var step = (normalized < 1.5 ? 1 : normalized < 3 ? 2 : normalized < 7 ? 5 : 10) * magnitude
        if integers { step = max(1, step.rounded()) }
        let first = Int((range.lowerBound / step - 1e-9).rounded(.up))
        let last = Int((range.upperBound / step + 1e-9).rounded(.down))
        guard first <= last else { return [] }
        // Enough significant digits to tell neighbouring ticks apart, no float noise (0.30000000000000004).
        let stepExponent = Int(log10(step).rounded(.down))
        return (first...last).map { index in
            let value = Double(index) * step
            if index == 0 { return (0, "0") }
            if integers || (step >= 1 && abs(value) < 1e15) { return (value, String(Int(value.rounded()))) }
            let digits = min(17, max(1, Int(log10(abs(value)).rounded(.down)) - stepExponent + 1))
            return (value, String(format: "%.*g", digits, value))
        }
    }

    private static func logarithmic(in range: ClosedRange<Double>) -> [(value: Double, label: String)] {
        guard range.lowerBound > 0 else { return [] }
        let low = Int(log10(range.lowerBound).rounded(.down)), high = Int(log10(range.upperBound).rounded(.up))
        let decades = high - low
        // Every decade when they are few, every second or third when there are many.
        let stride = max(1, (decades + 7) / 8)
        let multiples: [Double] = decades <= 2 ? [1, 2, 5] : [1]
        var ticks: [(value: Double, label: String)] = []
        for exponent in low...high where (exponent - low) % stride == 0 || multiples.count > 1 {
            for multiple in multiples {
                let value = multiple * pow(10, Double(exponent))
                guard value >= range.lowerBound * (1 - 1e-9), value <= range.upperBound * (1 + 1e-9) else { continue }
                ticks.append((value, String(format: "%g", value)))
            }
        }
        return ticks
    }
}
