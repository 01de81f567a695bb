import ZooCheckpoint
/// A JSON field that is missing, unknown or of the wrong type.
struct JSONFieldError: Error, Equatable {
    /// Where it is, as `cfgs[3].crop_pct`.
    var field: String
    var message: String
}

/// Reads the typed fields of one JSON object, naming the field in every error.
///
/// `Key` (a `String` enum) lists the fields the object may have; any other is an error, so a misspelt field never
/// goes unnoticed. A field set to `null` reads as absent, as `None` means unset in timm.
struct JSONObjectReader<Key: RawRepresentable> where Key.RawValue == String {
    /// Where the object is, as `cfgs[3]`; empty for the top level.
    let path: String
    private let fields: [String: JSONValue]

    init(_ value: JSONValue, path: String) throws(JSONFieldError) {
        self.path = path
        guard case .object(let pairs) = value else {
            throw JSONFieldError(field: path.isEmpty ? "(top level)" : path, message: "expected an object, found \(value.kind)")
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

    func fieldPath(_ key: Key) -> String {
        path.isEmpty ? key.rawValue : "\(path).\(key.rawValue)"
    }

    /// The error for a required field that is absent.
    func missing(_ key: Key) -> JSONFieldError {
        JSONFieldError(field: fieldPath(key), message: "required field is missing")
    }

    /// The field converted by `convert`, `nil` if absent; an error naming `expected` if it does not convert.
    func read<T>(_ key: Key, _ expected: String, _ convert: (JSONValue) -> T?) throws(JSONFieldError) -> T? {
        guard let value = fields[key.rawValue], value != .null else { return nil }
        guard let converted = convert(value) else {
            throw JSONFieldError(field: fieldPath(key), message: "expected \(expected), found \(value.kind)")
        }
        return converted
    }

    func string(_ key: Key) throws(JSONFieldError) -> String? { try read(key, "a string", \.stringValue) }
    func bool(_ key: Key) throws(JSONFieldError) -> Bool? { try read(key, "true or false", \.boolValue) }
    func int(_ key: Key) throws(JSONFieldError) -> Int? { try read(key, "an integer", \.intValue) }
    func double(_ key: Key) throws(JSONFieldError) -> Double? { try read(key, "a number", \.doubleValue) }
    func array(_ key: Key) throws(JSONFieldError) -> [JSONValue]? { try read(key, "a list", \.arrayValue) }
    func strings(_ key: Key) throws(JSONFieldError) -> [String]? {
        try read(key, "a list of strings") { $0.arrayValue?.allConverted(\.stringValue) }
    }
    func ints(_ key: Key) throws(JSONFieldError) -> [Int]? {
        try read(key, "a list of integers") { $0.arrayValue?.allConverted(\.intValue) }
    }
    func doubles(_ key: Key) throws(JSONFieldError) -> [Double]? {
        try read(key, "a list of numbers") { $0.arrayValue?.allConverted(\.doubleValue) }
    }
    func stringOrList(_ key: Key) throws(JSONFieldError) -> StringOrList? {
        try read(key, "a string or a list of strings") { value in
            if let string = value.stringValue { return .single(string) }
            return value.arrayValue?.allConverted(\.stringValue).map(StringOrList.list)
        }
    }
}

extension JSONValue {
    var stringValue: String? { if case .string(let value) = self { value } else { nil } }
    var boolValue: Bool? { if case .bool(let value) = self { value } else { nil } }
    var arrayValue: [JSONValue]? { if case .array(let values) = self { values } else { nil } }
    /// Integers read as numbers too (`"crop_pct": 1`).
    var doubleValue: Double? {
        switch self {
        case .number(let value): value
        case .integer(let value): Double(value)
        default: nil
        }
    }

    /// What kind of value this is, for error messages.
    var kind: String {
        switch self {
        case .null: "null"
        case .bool: "true or false"
        case .integer: "an integer"
        case .number: "a number with a fraction"
        case .string(let value): "a string (\"\(value.prefix(40))\")"
        case .array: "a list"
        case .object: "an object"
        }
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
