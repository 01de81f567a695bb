/// A JSON field that is missing, unknown or of the wrong type.
public struct JSONFieldError: Error, Equatable, CustomStringConvertible {
    /// Where it is, as `cfgs[3].crop_pct`.
    public var field: String
    public var message: String

    public init(field: String, message: String) {
        self.field = field
        self.message = message
    }

    public var description: String { "\(field): \(message)" }
}

/// Reads the typed fields of one JSON object, naming the field in every error.
///
/// `Key` (a `String` enum) lists the fields the object may have; any other is an error, so a
/// misspelt field never goes unnoticed. A field set to `null` reads as absent, as `None` means
/// unset in timm.
public struct JSONObjectReader<Key: RawRepresentable> where Key.RawValue == String {
    /// Where the object is, as `cfgs[3]`; empty for the top level.
    public let path: String
    private let fields: [String: JSONValue]

    public init(_ value: JSONValue, path: String) throws(JSONFieldError) {
        self.path = path
        guard case .object(let pairs) = value else {
            throw JSONFieldError(
                field: path.isEmpty ? "(top level)" : path, message: "expected an object, found \(value.kind)")
        }
        var fields: [String: JSONValue] = [:]
        for (key, value) in pairs {
            let field = path.isEmpty ? key : "\(path).\(key)"
            guard Key(rawValue: key) != nil else { throw JSONFieldError(field: field, message: "unknown field") }
            guard fields.updateValue(value, forKey: key) == nil else {
                throw JSONFieldError(field: field, message: "the field appears twice")
            }
        }
        self.fields = fields
    }

    public func fieldPath(_ key: Key) -> String {
        path.isEmpty ? key.rawValue : "\(path).\(key.rawValue)"
    }

    /// The error for a required field that is absent.
    public func missing(_ key: Key) -> JSONFieldError {
        JSONFieldError(field: fieldPath(key), message: "required field is missing")
    }

    /// The field converted by `convert`, `nil` if absent; an error naming `expected` if it does not convert.
    public func read<T>(_ key: Key, _ expected: String, _ convert: (JSONValue) -> T?) throws(JSONFieldError) -> T? {
        guard let value = fields[key.rawValue], value != .null else { return nil }
        guard let converted = convert(value) else {
            throw JSONFieldError(field: fieldPath(key), message: "expected \(expected), found \(value.kind)")
        }
        return converted
    }

    public func string(_ key: Key) throws(JSONFieldError) -> String? { try read(key, "a string", \.stringValue) }
    public func bool(_ key: Key) throws(JSONFieldError) -> Bool? { try read(key, "true or false", \.boolValue) }
    public func int(_ key: Key) throws(JSONFieldError) -> Int? { try read(key, "an integer", \.intValue) }
    public func int64(_ key: Key) throws(JSONFieldError) -> Int64? {
        try read(key, "an integer", { if case .integer(let value) = $0 { value } else { nil } })
    }
    public func double(_ key: Key) throws(JSONFieldError) -> Double? { try read(key, "a number", \.doubleValue) }
    public func array(_ key: Key) throws(JSONFieldError) -> [JSONValue]? { try read(key, "a list", \.arrayValue) }
    public func object(_ key: Key) throws(JSONFieldError) -> [(String, JSONValue)]? {
        try read(key, "an object", \.objectValue)
    }
    public func strings(_ key: Key) throws(JSONFieldError) -> [String]? {
        try read(key, "a list of strings") { $0.arrayValue?.allConverted(\.stringValue) }
    }
    public func ints(_ key: Key, count: Int? = nil) throws(JSONFieldError) -> [Int]? {
        let expected = count.map { "a list of \($0) integers" } ?? "a list of integers"
        return try read(key, expected) { value in
            value.arrayValue?.allConverted(\.intValue).flatMap { count == nil || $0.count == count ? $0 : nil }
        }
    }
    public func doubles(_ key: Key) throws(JSONFieldError) -> [Double]? {
        try read(key, "a list of numbers") { $0.arrayValue?.allConverted(\.doubleValue) }
    }
}

extension Array {
    /// Every element converted, or `nil` if any does not convert.
    func allConverted<T>(_ convert: (Element) -> T?) -> [T]? {
        var converted: [T] = []
        converted.reserveCapacity(count)
        for element in self {
            guard let value = convert(element) else { return nil }
            converted.append(value)
        }
        return converted
    }
}
