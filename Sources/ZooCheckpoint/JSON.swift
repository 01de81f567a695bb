import Foundation

/// A JSON value whose objects keep their key order, so a `default_cfg` reads back in the order it
/// was written. Used for the `.zoo` and safetensors headers and for configs embedded in checkpoints.
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

    /// Parses JSON text. `source` names the file in errors.
    public init(parsing data: some Collection<UInt8>, source: String = "<json>", maxDepth: Int = 64) throws {
        let bytes = Array(data)
        self = try bytes.withUnsafeBufferPointer { buffer in
            var parser = JSONParser(bytes: buffer, source: source, maxDepth: maxDepth)
            return try parser.parseDocument()
        }
    }

    /// Compact JSON text (keys in stored order).
    public func serialized(pretty: Bool = false) -> String {
        var out = ""
        write(to: &out, pretty: pretty, indent: 0)
        return out
    }

    private func write(to out: inout String, pretty: Bool, indent: Int) {
        switch self {
        case .null: out += "null"
        case let .bool(b): out += b ? "true" : "false"
        case let .integer(i): out += String(i)
        case let .number(d):
            if d.isFinite {
                if d == d.rounded(), abs(d) < 1e15 { out += String(Int64(d)) + ".0" } else { out += "\(d)" }
            } else {
                out += "null"  // JSON has no NaN or infinity
            }
        case let .string(s): JSONValue.writeString(s, to: &out)
        case let .array(items):
            if items.isEmpty { out += "[]"; return }
            out += "["
            for (index, item) in items.enumerated() {
                if index > 0 { out += "," }
                if pretty { out += "\n" + String(repeating: "  ", count: indent + 1) }
                item.write(to: &out, pretty: pretty, indent: indent + 1)
            }
            if pretty { out += "\n" + String(repeating: "  ", count: indent) }
            out += "]"
        case let .object(pairs):
            if pairs.isEmpty { out += "{}"; return }
            out += "{"
            for (index, (key, value)) in pairs.enumerated() {
                if index > 0 { out += "," }
                if pretty { out += "\n" + String(repeating: "  ", count: indent + 1) }
                JSONValue.writeString(key, to: &out)
                out += pretty ? ": " : ":"
                value.write(to: &out, pretty: pretty, indent: indent + 1)
            }
            if pretty { out += "\n" + String(repeating: "  ", count: indent) }
            out += "}"
        }
    }

    fileprivate static func writeString(_ s: String, to out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let digits = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - digits.count) + digits
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}

/// A strict RFC 8259 parser: duplicate keys, trailing garbage, nesting beyond `maxDepth` and
/// invalid UTF-8 are errors (safetensors' validation rules ask for the first two).
struct JSONParser {
    let bytes: UnsafeBufferPointer<UInt8>
    let source: String
    let maxDepth: Int
    var position = 0

    init(bytes: UnsafeBufferPointer<UInt8>, source: String, maxDepth: Int) {
        self.bytes = bytes
        self.source = source
        self.maxDepth = maxDepth
    }

    mutating func parseDocument() throws -> JSONValue {
        let value = try parseValue(depth: 0)
        skipWhitespace()
        if position != bytes.count { throw fail("unexpected data after the JSON value") }
        return value
    }

    private func fail(_ what: String) -> CheckpointError {
        .corrupt(path: source, what: "invalid JSON at byte \(position): \(what)")
    }

    private mutating func skipWhitespace() {
        while position < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[position]) { position += 1 }
    }

    private mutating func parseValue(depth: Int) throws -> JSONValue {
        if depth > maxDepth { throw fail("nesting deeper than \(maxDepth)") }
        skipWhitespace()
        guard position < bytes.count else { throw fail("unexpected end") }
        switch bytes[position] {
        case UInt8(ascii: "{"):
            position += 1
            var pairs = [(String, JSONValue)]()
            var seen = Set<String>()  // used past 16 keys; a scan is faster below that
            skipWhitespace()
            if position < bytes.count, bytes[position] == UInt8(ascii: "}") { position += 1; return .object(pairs) }
            while true {
                skipWhitespace()
                guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else { throw fail("expected a key") }
                let key = try parseString()
                if pairs.count < 16 {
                    if pairs.contains(where: { $0.0 == key }) { throw fail("duplicate key '\(key)'") }
                } else {
                    if seen.isEmpty { seen = Set(pairs.map(\.0)) }
                    if !seen.insert(key).inserted { throw fail("duplicate key '\(key)'") }
                }
                skipWhitespace()
                try expect(UInt8(ascii: ":"))
                pairs.append((key, try parseValue(depth: depth + 1)))
                skipWhitespace()
                guard position < bytes.count else { throw fail("unterminated object") }
                if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
                try expect(UInt8(ascii: "}"))
                return .object(pairs)
            }
        case UInt8(ascii: "["):
            position += 1
            var items = [JSONValue]()
            skipWhitespace()
            if position < bytes.count, bytes[position] == UInt8(ascii: "]") { position += 1; return .array(items) }
            while true {
                items.append(try parseValue(depth: depth + 1))
                skipWhitespace()
                guard position < bytes.count else { throw fail("unterminated array") }
                if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
                try expect(UInt8(ascii: "]"))
                return .array(items)
            }
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        default: return try parseNumber()
        }
    }

    private mutating func expect(_ byte: UInt8) throws {
        guard position < bytes.count, bytes[position] == byte else {
            throw fail("expected '\(Character(Unicode.Scalar(byte)))'")
        }
        position += 1
    }

    private mutating func literal(_ word: String) throws {
        for byte in word.utf8 { try expect(byte) }
    }

    private mutating func parseNumber() throws -> JSONValue {
        let start = position
        var isInteger = true
        if position < bytes.count, bytes[position] == UInt8(ascii: "-") { position += 1 }
        let digitsStart = position
        while position < bytes.count {
            let byte = bytes[position]
            if byte >= 0x30 && byte <= 0x39 { position += 1; continue }
            if byte == UInt8(ascii: ".") || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E")
                || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-") {
                isInteger = false
                position += 1
                continue
            }
            break
        }
        guard position > digitsStart, bytes[digitsStart] >= 0x30, bytes[digitsStart] <= 0x39 else { throw fail("expected a value") }
        if isInteger && position - start <= 18 {
            // Up to 18 digits cannot overflow Int64.
            var value: Int64 = 0
            for byte in bytes[digitsStart..<position] { value = value * 10 + Int64(byte - 0x30) }
            return .integer(digitsStart > start ? -value : value)
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
        if isInteger, let value = Int64(text) { return .integer(value) }
        guard let value = Double(text) else { throw fail("bad number '\(text)'") }
        return .number(value)
    }

    private mutating func parseString() throws -> String {
        position += 1  // opening quote
        // Fast path: no escapes, so the string is the bytes up to the closing quote.
        var end = position
        while end < bytes.count, bytes[end] != UInt8(ascii: "\""), bytes[end] != UInt8(ascii: "\\"), bytes[end] >= 0x20 { end += 1 }
        if end < bytes.count, bytes[end] == UInt8(ascii: "\"") {
            let raw = UnsafeBufferPointer(rebasing: bytes[position..<end])
            // ASCII needs no validation (and String(validating:) is the slow generic path).
            let text: String
            if raw.allSatisfy({ $0 < 0x80 }) {
                text = String(decoding: raw, as: UTF8.self)
            } else {
                guard let valid = String(validating: raw, as: UTF8.self) else { throw fail("invalid UTF-8") }
                text = valid
            }
            position = end + 1
            return text
        }
        var scalars = String.UnicodeScalarView()
        var chunkStart = position
        func flush(_ end: Int) throws {
            guard chunkStart < end else { return }
            guard let text = String(validating: UnsafeBufferPointer(rebasing: bytes[chunkStart..<end]), as: UTF8.self) else { throw fail("invalid UTF-8") }
            scalars.append(contentsOf: text.unicodeScalars)
        }
        while true {
            guard position < bytes.count else { throw fail("unterminated string") }
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") {
                try flush(position)
                position += 1
                return String(scalars)
            }
            if byte < 0x20 { throw fail("control character in string") }
            if byte != UInt8(ascii: "\\") { position += 1; continue }
            try flush(position)
            position += 1
            guard position < bytes.count else { throw fail("unterminated escape") }
            let escape = bytes[position]
            position += 1
            switch escape {
            case UInt8(ascii: "\""): scalars.append("\"")
            case UInt8(ascii: "\\"): scalars.append("\\")
            case UInt8(ascii: "/"): scalars.append("/")
            case UInt8(ascii: "b"): scalars.append("\u{08}")
            case UInt8(ascii: "f"): scalars.append("\u{0C}")
            case UInt8(ascii: "n"): scalars.append("\n")
            case UInt8(ascii: "r"): scalars.append("\r")
            case UInt8(ascii: "t"): scalars.append("\t")
            case UInt8(ascii: "u"):
                var code = try hex4()
                if (0xD800..<0xDC00).contains(code) {
                    guard position + 1 < bytes.count, bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u") else {
                        throw fail("unpaired surrogate")
                    }
                    position += 2
                    let low = try hex4()
                    guard (0xDC00..<0xE000).contains(low) else { throw fail("unpaired surrogate") }
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                }
                guard let scalar = Unicode.Scalar(code) else { throw fail("invalid \\u escape") }
                scalars.append(scalar)
            default: throw fail("invalid escape")
            }
            chunkStart = position
        }
    }

    private mutating func hex4() throws -> UInt32 {
        guard position + 4 <= bytes.count, let value = UInt32(String(decoding: UnsafeBufferPointer(rebasing: bytes[position..<position + 4]), as: UTF8.self), radix: 16) else {
            throw fail("invalid \\u escape")
        }
        position += 4
        return value
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

// MARK: - Printing

extension JSONValue {
    /// The value as JSON text: objects one field a line with two-space indents, arrays of plain
    /// values on one line (`[3, 224, 224]`).
    public func rendered(indent: Int = 0) -> String {
        var text = ""
        write(to: &text, indent: indent)
        return text
    }

    private func write(to text: inout String, indent: Int) {
        let padding = String(repeating: " ", count: indent + 2)
        switch self {
        case .null: text += "null"
        case .bool(let value): text += value ? "true" : "false"
        case .integer(let value): text += String(value)
        case .number(let value): text += Self.pythonRepr(value)
        case .string(let value): Self.writeString(value, to: &text)
        case .array(let values) where values.allSatisfy(\.isPlain):
            text += "["
            for (position, value) in values.enumerated() {
                if position > 0 { text += ", " }
                value.write(to: &text, indent: indent)
            }
            text += "]"
        case .array(let values):
            text += "[\n"
            for (position, value) in values.enumerated() {
                text += padding
                value.write(to: &text, indent: indent + 2)
                text += position == values.count - 1 ? "\n" : ",\n"
            }
            text += String(repeating: " ", count: indent) + "]"
        case .object(let fields) where fields.isEmpty:
            text += "{}"
        case .object(let fields):
            text += "{\n"
            for (position, field) in fields.enumerated() {
                text += padding
                Self.writeString(field.0, to: &text)
                text += ": "
                field.1.write(to: &text, indent: indent + 2)
                text += position == fields.count - 1 ? "\n" : ",\n"
            }
            text += String(repeating: " ", count: indent) + "}"
        }
    }

    private var isPlain: Bool {
        switch self {
        case .array, .object: false
        default: true
        }
    }

    /// Python's `repr(float)` for the numbers cfgs hold: the shortest text that reads back the same,
    /// `1.0` keeping its `.0` (the two differ only in when very large numbers switch to exponents).
    static func pythonRepr(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "-Infinity" : "Infinity" }
        return String(value)
    }
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
