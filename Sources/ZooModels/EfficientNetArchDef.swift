// The arch-definition strings of timm's EfficientNet family (`_efficientnet_builder.py`):
// `ir_r2_k3_s2_e6_c24_se0.25` is two inverted-residual blocks, 3×3 depthwise, stride 2,
// expansion 6, 24 channels, squeeze-excite 0.25. One decoder turns the strings of every
// EfficientNet, MobileNet, MixNet, MnasNet, FBNet, LCNet, TinyNet variant into block specs;
// channel and depth multipliers scale them.
import Foundation
import ZooNN

/// The block kinds of the arch strings.
public enum EfficientNetBlockType: String, Sendable {
    /// Inverted residual (MBConv); with `cc` experts, its CondConv form.
    case ir
    /// Depthwise-separable; `dsa` has an activation after the pointwise conv and no skip.
    case ds, dsa
    /// Edge residual (FusedMBConv).
    case er
    /// Conv + norm + activation.
    case cn
    /// MobileNetV4's universal inverted residual.
    case uir
    /// MobileNetV4's attention blocks: multi-head and multi-query.
    case mha, mqa
}

/// One block as an arch string describes it (timm's block args), before channel rounding.
public struct EfficientNetBlockSpec: Equatable, Sendable {
    public var type: EfficientNetBlockType
    public var outChannels: Int
    public var stride: Int
    public var act: ActivationKind?
    /// `k`: depthwise kernel(s); several make a MixedConv2d. For `uir` the middle depthwise (0: none).
    public var kernel: [Int] = [3]
    /// `a`: expansion conv kernel(s) (`ir`), or the start depthwise of `uir` (0: none).
    public var startKernel: [Int] = [1]
    /// `p`: projection conv kernel(s) (`ir`, `ds`, `er`), or the end depthwise of `uir` (0: none).
    public var endKernel: [Int] = [1]
    public var expRatio: Double = 1
    public var seRatio: Double = 0
    public var noskip = false
    /// `cn` only: a skip connection when shapes allow (`_skip`).
    public var skip = false
    public var pwAct = false
    /// `d` on `ir`/`ds`: space-to-depth (0 off; 1 starts it; 2 inside the region).
    public var spaceToDepth = 0
    /// `fc`: channels the expansion is computed from (TF EdgeTPU quirk), 0 when unset.
    public var forceInChannels = 0
    /// `cc`: CondConv experts, 0 when none.
    public var numExperts = 0
    /// `gs`: channels per group; nil keeps the block's default (depthwise for dw convs, dense otherwise).
    public var groupSize: Int?
    public var numHeads = 0, keyDim = 0, valueDim = 0, kvStride = 1
    public var dilation = 1
}

/// A malformed arch-definition string.
public struct ArchDefError: Error, CustomStringConvertible, Equatable {
    public let blockString: String
    public let problem: String
    public var description: String { "arch definition \"\(blockString)\": \(problem)" }
}

public enum EfficientNetArchDef {
    /// timm's `_decode_block_str`: one string → (spec, repeats).
    public static func decodeBlock(_ string: String) throws(ArchDefError) -> (EfficientNetBlockSpec, repeats: Int) {
        let ops = string.split(separator: "_").map(String.init)
        guard let first = ops.first, let type = EfficientNetBlockType(rawValue: first) else {
            throw ArchDefError(blockString: string, problem: "unknown block type \"\(ops.first ?? "")\"")
        }
        var options: [String: String] = [:]
        var skip: Bool?
        var act: ActivationKind?
        for op in ops.dropFirst() {
            if op == "noskip" { skip = false; continue }
            if op == "skip" { skip = true; continue }
            if op.hasPrefix("n") {
                switch op.dropFirst() {
                case "re": act = .relu
                case "r6": act = .relu6
                case "hs": act = .hardSwish
                case "sw": act = .silu
                default: break  // timm ignores other activation codes
                }
                continue
            }
            guard let digit = op.firstIndex(where: \.isNumber) else { continue }
            options[String(op[..<digit])] = String(op[digit...])
        }
        func int(_ key: String) throws(ArchDefError) -> Int? {
            guard let text = options[key] else { return nil }
            guard let value = Int(text) else {
                throw ArchDefError(blockString: string, problem: "\(key)\(text) is not an integer")
            }
            return value
        }
        func double(_ key: String) throws(ArchDefError) -> Double? {
            guard let text = options[key] else { return nil }
            guard let value = Double(text) else {
                throw ArchDefError(blockString: string, problem: "\(key)\(text) is not a number")
            }
            return value
        }
        func kernels(_ key: String) throws(ArchDefError) -> [Int]? {
            guard let text = options[key] else { return nil }
            let parts = text.split(separator: ".", omittingEmptySubsequences: false).map { Int($0) }
            guard !parts.isEmpty, parts.allSatisfy({ $0 != nil }) else {
                throw ArchDefError(blockString: string, problem: "kernel \(key)\(text) is not N or N.N…")
            }
            return parts.map { $0! }
        }
        func required<T>(_ value: T?, _ key: String) throws(ArchDefError) -> T {
            guard let value else { throw ArchDefError(blockString: string, problem: "missing \"\(key)\"") }
            return value
        }
        let repeats = try required(try int("r"), "r")
        var spec = EfficientNetBlockSpec(
            type: type, outChannels: try required(try int("c"), "c"),
            stride: try required(try int("s"), "s"), act: act)
        switch type {
        case .ir, .ds, .dsa, .er:
            spec.kernel = try required(try kernels("k"), "k")
            spec.startKernel = try kernels("a") ?? [1]
            spec.endKernel = try kernels("p") ?? [1]
            spec.seRatio = try double("se") ?? 0
            spec.noskip = skip == false || type == .dsa
            spec.pwAct = type == .dsa
            if type == .ir || type == .er { spec.expRatio = try required(try double("e"), "e") }
            if type == .ir || type == .ds || type == .dsa { spec.spaceToDepth = (try int("d") ?? 0) > 0 ? 1 : 0 }
            if type == .ir { spec.numExperts = try int("cc") ?? 0 }
            if type == .er { spec.forceInChannels = try int("fc") ?? 0 }
        case .cn:
            spec.kernel = [try required(try int("k"), "k")]
            spec.skip = skip == true
        case .uir:
            spec.startKernel = try kernels("a") ?? [0]
            spec.kernel = try required(try kernels("k"), "k")
            spec.endKernel = try kernels("p") ?? [0]
            spec.expRatio = try required(try double("e"), "e")
            spec.seRatio = try double("se") ?? 0
            spec.noskip = skip == false
        case .mha, .mqa:
            spec.kernel = try required(try kernels("k"), "k")
            spec.numHeads = try required(try int("h"), "h")
            spec.keyDim = try required(try int("d"), "d")
            spec.valueDim = spec.keyDim
            spec.kvStride = try int("v") ?? 1
            spec.noskip = skip == false
        }
        if let groupSize = try int("gs") { spec.groupSize = groupSize }
        return (spec, repeats)
    }

    /// How a depth multiplier turns a stage's repeat count into an integer (timm's `depth_trunc`).
    public enum DepthRounding: Sendable { case ceil, round }

    /// timm's `decode_arch_def`: stages of block strings → stages of specs, depths scaled.
    public static func decode(
        _ arch: [[String]], depthMultiplier: [Double]? = nil, depthRounding: DepthRounding = .ceil,
        expertsMultiplier: Int = 1, fixFirstLast: Bool = false,
        groupSize: Int? = nil
    ) throws(ArchDefError) -> [[EfficientNetBlockSpec]] {
        let multipliers =
            depthMultiplier.map { $0.count == 1 ? Array(repeating: $0[0], count: arch.count) : $0 }
            ?? Array(repeating: 1, count: arch.count)
        var stages: [[EfficientNetBlockSpec]] = []
        for (index, (strings, multiplier)) in zip(arch, multipliers).enumerated() {
            var specs: [EfficientNetBlockSpec] = []
            var repeats: [Int] = []
            for string in strings {
                var (spec, count) = try decodeBlock(string)
                if spec.numExperts > 0 && expertsMultiplier > 1 { spec.numExperts *= expertsMultiplier }
                if spec.groupSize == nil, let groupSize { spec.groupSize = groupSize }
                specs.append(spec)
                repeats.append(count)
            }
            let fixed = fixFirstLast && (index == 0 || index == arch.count - 1)
            stages.append(
                scaleStageDepth(specs, repeats: repeats, multiplier: fixed ? 1 : multiplier, rounding: depthRounding))
        }
        return stages
    }

    /// timm's `_scale_stage_depth`: the stage's total repeats scaled, then shared out from the last
    /// block definition backwards so the first is the least likely to grow.
    static func scaleStageDepth(
        _ specs: [EfficientNetBlockSpec], repeats: [Int], multiplier: Double,
        rounding: DepthRounding
    ) -> [EfficientNetBlockSpec] {
        var total = repeats.reduce(0, +)
        var scaled: Int
        switch rounding {
        case .round: scaled = max(1, Int((Double(total) * multiplier).rounded(.toNearestOrEven)))
        case .ceil: scaled = Int((Double(total) * multiplier).rounded(.up))
        }
        var counts: [Int] = []
        for r in repeats.reversed() {
            let share = max(1, Int((Double(r) / Double(total) * Double(scaled)).rounded(.toNearestOrEven)))
            counts.append(share)
            total -= r
            scaled -= share
        }
        return zip(specs, counts.reversed()).flatMap { spec, count in Array(repeating: spec, count: count) }
    }
}

/// timm's `make_divisible`: the nearest multiple of `divisor`, at least `minValue`, never more
/// than (1 − roundLimit) below `value`.
public func makeDivisible(_ value: Double, divisor: Int = 8, minValue: Int? = nil, roundLimit: Double = 0.9) -> Int {
    let minimum = minValue ?? divisor
    var result = max(minimum, Int(value + Double(divisor) / 2) / divisor * divisor)
    if Double(result) < roundLimit * value { result += divisor }
    return result
}

/// timm's `round_channels`: channels × multiplier made divisible.
public struct ChannelRounding: Sendable, Equatable {
    public var multiplier: Double = 1
    public var divisor = 8
    public var roundLimit = 0.9

    public init(multiplier: Double = 1, divisor: Int = 8, roundLimit: Double = 0.9) {
        self.multiplier = multiplier
        self.divisor = divisor
        self.roundLimit = roundLimit
    }

    public func callAsFunction(_ channels: Int) -> Int {
        multiplier == 0
            ? channels : makeDivisible(Double(channels) * multiplier, divisor: divisor, roundLimit: roundLimit)
    }
}
