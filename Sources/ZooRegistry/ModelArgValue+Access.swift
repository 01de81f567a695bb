/// Typed reads of model arguments, for builders that take timm's keyword arguments as data.
extension ModelArgValue {
    public var intValue: Int? {
        switch self {
        case .int(let v): v
        case .double(let v) where v == v.rounded(): Int(v)
        default: nil
        }
    }

    public var doubleValue: Double? {
        switch self {
        case .int(let v): Double(v)
        case .double(let v): v
        default: nil
        }
    }

    public var boolValue: Bool? { if case .bool(let v) = self { v } else { nil } }
    public var stringValue: String? { if case .string(let v) = self { v } else { nil } }

    /// A list, or one integer repeated `count` times (timm's `to_2tuple` and per-stage arguments).
    public func ints(count: Int) -> [Int]? {
        switch self {
        case .ints(let v): v
        case .int(let v): Array(repeating: v, count: count)
        default: nil
        }
    }
}

extension ModelArgs {
    /// The spatial input size the model is built for (timm's `img_size`), when given as `img_size`.
    public var imgSize: (Int, Int)? {
        guard let values = extra["img_size"]?.ints(count: 2), values.count >= 2 else { return nil }
        return (values[values.count - 2], values[values.count - 1])
    }
}
