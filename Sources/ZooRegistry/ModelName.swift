/// A model name as timm spells it: `architecture` or `architecture.tag` (`resnet50.a1_in1k`).
///
/// The name splits at its first `.`, so tags may contain dots and architectures may not.
/// An empty tag (`resnet50.`) counts as no tag.
public struct ModelName: Hashable, Sendable, CustomStringConvertible {
    /// The architecture, the part before the first `.`.
    public let architecture: String
    /// The pretrained tag, the part after the first `.`, or `nil`.
    public let tag: String?

    /// Splits `name` into architecture and tag.
    public init(_ name: String) {
        if let dot = name.firstIndex(of: ".") {
            let tag = name[name.index(after: dot)...]
            self.init(architecture: String(name[..<dot]), tag: tag.isEmpty ? nil : String(tag))
        } else {
            self.init(architecture: name, tag: nil)
        }
    }

    public init(architecture: String, tag: String?) {
        self.architecture = architecture
        self.tag = tag
    }

    /// `architecture.tag`, or `architecture` when there is no tag.
    public var description: String {
        tag.map { "\(architecture).\($0)" } ?? architecture
    }
}

// MARK: - Natural sort order

/// The order timm's `list_models` returns names in: case-insensitive, with digit runs compared as
/// numbers, so `resnet18` < `resnet50` < `resnet101`.
///
/// It is timm's `_natural_key`: the lower-cased name cut into text and digit runs
/// (`re.split(r'(\d+)', name.lower())`), compared part by part. Names with equal keys (`ResNet1` and
/// `resnet01`) are ordered by their code points so the result does not depend on input order.
public struct NaturalSortKey: Comparable, Sendable {
    /// Alternating text and number parts, always starting and ending with text (possibly empty),
    /// so parts at the same position are of the same kind.
    private let parts: [Part]
    private let original: [UInt32]

    private enum Part: Equatable, Sendable {
        case text([UInt32])
        case number([UInt8])  // decimal digits without leading zeros
    }

    public init(_ string: String) {
        var parts: [Part] = []
        var text: [UInt32] = []
        var digits: [UInt8]? = nil
        for scalar in string.lowercased().unicodeScalars {
            if scalar.properties.generalCategory == .decimalNumber,
                let value = scalar.properties.numericValue
            {
                if digits == nil {
                    parts.append(.text(text))
                    text = []
                    digits = []
                }
                if !(digits!.isEmpty && value == 0) { digits!.append(UInt8(value)) }
            } else {
                if let number = digits {
                    parts.append(.number(number))
                    digits = nil
                }
                text.append(scalar.value)
            }
        }
        if let number = digits { parts.append(.number(number)) }
        parts.append(.text(text))
        self.parts = parts
        self.original = string.unicodeScalars.map(\.value)
    }

    public static func < (lhs: Self, rhs: Self) -> Bool {
        for (left, right) in zip(lhs.parts, rhs.parts) where left != right {
            switch (left, right) {
            case let (.text(a), .text(b)):
                return a.lexicographicallyPrecedes(b)
            case let (.number(a), .number(b)):
                return a.count != b.count ? a.count < b.count : a.lexicographicallyPrecedes(b)
            default:
                preconditionFailure("natural sort parts out of step")
            }
        }
        if lhs.parts.count != rhs.parts.count { return lhs.parts.count < rhs.parts.count }
        return lhs.original.lexicographicallyPrecedes(rhs.original)
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.original == rhs.original
    }
}

extension Sequence<String> {
    /// The strings in timm's natural sort order; see ``NaturalSortKey``.
    public func naturallySorted() -> [String] {
        map { (key: NaturalSortKey($0), name: $0) }
            .sorted { $0.key < $1.key }
            .map(\.name)
    }
}
