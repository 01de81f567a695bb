import Foundation

/// A JSON value whose objects keep their key order, so a `default_cfg` reads back in the order it
/// was written. The package's one JSON: `.zoo` and safetensors headers, shard indexes, manifests,
/// cache entries and zoo indexes are all read by ``JSONValue/init(parsing:source:maxDepth:)``
/// (or ``JSONValue/parse(_:maxDepth:)``), written by ``JSONValue/serialized(pretty:)``, and their
/// objects' typed fields read with ``JSONObjectReader``.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    /// An integer literal (no fraction, no exponent) that fits in Int64.
    case integer(Int64)
    case number(Double)
    case string(String)
    case array([JSONValue])
    /// Key/value pairs in document order; keys are unique.
    case object([(String, JSONValue)])

    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): true
        case let (.bool(a), .bool(b)): a == b
        case let (.integer(a), .integer(b)): a == b
        case let (.number(a), .number(b)): a == b
        case let (.integer(a), .number(b)), let (.number(b), .integer(a)): Double(a) == b
        case let (.string(a), .string(b)): a == b
        case let (.array(a), .array(b)): a == b
        case let (.object(a), .object(b)): a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: false
        }
    }

    /// The value for `key` of an object, nil otherwise.
    public subscript(key: String) -> JSONValue? {
        guard case let .object(pairs) = self else { return nil }
        return pairs.first { $0.0 == key }?.1
    }

    public var stringValue: String? { if case let .string(s) = self { s } else { nil } }
    public var intValue: Int? {
        switch self {
        case let .integer(i): Int(exactly: i)
        case let .number(d): Int(exactly: d)
        default: nil
        }
    }
    public var boolValue: Bool? { if case let .bool(b) = self { b } else { nil } }
    public var arrayValue: [JSONValue]? { if case let .array(a) = self { a } else { nil } }
    public var objectValue: [(String, JSONValue)]? { if case let .object(o) = self { o } else { nil } }
    /// A number, integers included (`"crop_pct": 1` reads as 1.0).
    public var doubleValue: Double? {
        switch self {
        case let .number(d): d
        case let .integer(i): Double(i)
        default: nil
        }
    }

    /// What kind of value this is, for error messages.
    public var kind: String {
        switch self {
        case .null: "null"
        case .bool: "true or false"
        case .integer: "an integer"
        case .number: "a number with a fraction"
        case let .string(value): "a string (\"\(value.prefix(40))\")"
        case .array: "a list"
        case .object: "an object"
        }
    }
}

// MARK: - Bridging to and from Foundation's JSON objects

extension JSONValue {
    /// Converts a value from `JSONSerialization` (or a literal `[String: Any]`); nil when some
    /// part is not JSON. Dictionary keys are sorted, since Foundation dictionaries have no order.
    public init?(any value: Any) {
        switch value {
        case is NSNull: self = .null
        case let value as JSONValue: self = value
        case let value as Bool where type(of: value) == Bool.self: self = .bool(value)
        case let value as Int: self = .integer(Int64(value))
        case let value as Int64: self = .integer(value)
        case let value as Double: self = .number(value)
        case let value as Float: self = .number(Double(value))
        case let value as String: self = .string(value)
        case let value as [Any]:
            var items = [JSONValue]()
            for item in value { guard let json = JSONValue(any: item) else { return nil }; items.append(json) }
            self = .array(items)
        case let value as [String: Any]:
            var pairs = [(String, JSONValue)]()
            for key in value.keys.sorted() {
                guard let json = JSONValue(any: value[key]!) else { return nil }
                pairs.append((key, json))
            }
            self = .object(pairs)
        default: return nil
        }
    }
}

// MARK: - Codable (what Foundation's coders see)

extension JSONValue: Codable {
    /// Decodes any JSON; with Foundation's decoder, object keys come in no particular order.
    public init(from decoder: any Decoder) throws {
        if var array = try? decoder.unkeyedContainer() {
            var elements: [JSONValue] = []
            while !array.isAtEnd { elements.append(try array.decode(JSONValue.self)) }
            self = .array(elements)
        } else if let object = try? decoder.container(keyedBy: AnyCodingKey.self) {
            self = .object(try object.allKeys.map { ($0.stringValue, try object.decode(JSONValue.self, forKey: $0)) })
        } else {
            let value = try decoder.singleValueContainer()
            if value.decodeNil() {
                self = .null
            } else if let bool = try? value.decode(Bool.self) {
                self = .bool(bool)
            } else if let int = try? value.decode(Int.self) {
                self = .integer(Int64(int))
            } else if let double = try? value.decode(Double.self) {
                self = .number(double)
            } else {
                self = .string(try value.decode(String.self))
            }
        }
    }

    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .null:
            var container = encoder.singleValueContainer()
            try container.encodeNil()
        case .bool(let value):
            var container = encoder.singleValueContainer()
            try container.encode(value)
        case .integer(let value):
            var container = encoder.singleValueContainer()
            try container.encode(value)
        case .number(let value):
            var container = encoder.singleValueContainer()
            try container.encode(value)
        case .string(let value):
            var container = encoder.singleValueContainer()
            try container.encode(value)
        case .array(let values):
            var container = encoder.unkeyedContainer()
            for value in values { try container.encode(value) }
        case .object(let fields):
            var container = encoder.container(keyedBy: AnyCodingKey.self)
            for (key, value) in fields { try container.encode(value, forKey: AnyCodingKey(stringValue: key)) }
        }
    }
}

/// A coding key for any field name.
struct AnyCodingKey: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(stringValue: String) { self.stringValue = stringValue }
    init(intValue: Int) { self.stringValue = "\(intValue)"; self.intValue = intValue }
}

extension JSONValue {
    /// An integer value.
    public static func int(_ value: Int) -> JSONValue { .integer(Int64(value)) }
    /// A floating-point value.
    public static func double(_ value: Double) -> JSONValue { .number(value) }
}

extension JSONValue {
    /// `.string`, or `.null` for `nil`.
    public init(_ string: String?) {
        self = string.map(JSONValue.string) ?? .null
    }
}
