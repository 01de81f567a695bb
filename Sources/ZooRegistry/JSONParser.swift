import ZooCheckpoint
/// Parses JSON text (RFC 8259) into a ``JSONValue`` that keeps object keys in order.
///
/// Why not Foundation's `JSONDecoder`: it says only "The given data was not valid JSON." where a
/// manifest author needs the line, column and field; and decoding the built-in manifests with it
/// took about 5 ms of every `zoo` run, this takes a tenth of that.
public struct JSONSyntaxError: Error, Equatable, CustomStringConvertible {
    public var line: Int
    public var column: Int
    /// The field the error is in, as `cfgs[2].mean`; empty at the top level.
    public var field: String
    public var message: String

    public var description: String {
        "line \(line), column \(column)\(field.isEmpty ? "" : " in \(field)"): \(message)"
    }
}

extension JSONValue {
    /// Parses `bytes` (UTF-8) as one JSON value, keeping object keys in order.
    public static func parse(_ bytes: [UInt8]) throws(JSONSyntaxError) -> JSONValue {
        var parser = JSONParser(bytes: bytes)
        parser.skipWhitespace()
        let value = try parser.value()
        parser.skipWhitespace()
        if parser.position < bytes.count { throw parser.failure("unexpected text after the JSON value") }
        return value
    }
}

private struct JSONParser {
    let bytes: [UInt8]
    var position = 0
    /// Where the parser is, for errors: `["cfgs", "[2]", ".mean"]`.
    var path: [String] = []

    init(bytes: [UInt8]) { self.bytes = bytes }

    var current: UInt8? { position < bytes.count ? bytes[position] : nil }

    func failure(_ message: String) -> JSONSyntaxError {
        var line = 1, lineStart = 0
        for index in 0..<min(position, bytes.count) where bytes[index] == UInt8(ascii: "\n") {
            line += 1
            lineStart = index + 1
        }
        let found = current.map { "found '\(Character(Unicode.Scalar($0)))'" } ?? "found the end of the text"
        return JSONSyntaxError(
            line: line, column: position - lineStart + 1, field: path.joined(), message: "\(message), \(found)")
    }

    mutating func skipWhitespace() {
        while let byte = current, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { position += 1 }
    }

    mutating func expect(_ byte: UInt8, _ message: String) throws(JSONSyntaxError) {
        guard current == byte else { throw failure(message) }
        position += 1
    }

    mutating func value() throws(JSONSyntaxError) -> JSONValue {
        guard let byte = current else { throw failure("expected a value") }
        switch byte {
        case UInt8(ascii: "{"): return try object()
        case UInt8(ascii: "["): return try array()
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
        case UInt8(ascii: "t"): try keyword("true"); return .bool(true)
        case UInt8(ascii: "f"): try keyword("false"); return .bool(false)
        case UInt8(ascii: "n"): try keyword("null"); return .null
        default: throw failure("expected a value")
        }
    }

    mutating func object() throws(JSONSyntaxError) -> JSONValue {
        position += 1
        skipWhitespace()
        var fields: [(key: String, value: JSONValue)] = []
        if current == UInt8(ascii: "}") { position += 1; return .object(fields) }
        while true {
            guard current == UInt8(ascii: "\"") else { throw failure("expected a field name in quotes") }
            let key = try string()
            skipWhitespace()
            try expect(UInt8(ascii: ":"), "expected ':' after the field name")
            skipWhitespace()
            path.append(path.isEmpty ? key : ".\(key)")
            fields.append((key, try value()))
            path.removeLast()
            skipWhitespace()
            if current == UInt8(ascii: "}") { position += 1; return .object(fields) }
            try expect(UInt8(ascii: ","), "expected ',' or '}'")
            skipWhitespace()
        }
    }

    mutating func array() throws(JSONSyntaxError) -> JSONValue {
        position += 1
        skipWhitespace()
        var elements: [JSONValue] = []
        if current == UInt8(ascii: "]") { position += 1; return .array(elements) }
        while true {
            path.append("[\(elements.count)]")
            elements.append(try value())
            path.removeLast()
            skipWhitespace()
            if current == UInt8(ascii: "]") { position += 1; return .array(elements) }
            try expect(UInt8(ascii: ","), "expected ',' or ']'")
            skipWhitespace()
        }
    }

    mutating func string() throws(JSONSyntaxError) -> String {
        position += 1
        var decoded: [UInt8] = []
        var runStart = position
        while let byte = current {
            switch byte {
            case UInt8(ascii: "\""):
                decoded += bytes[runStart..<position]
                position += 1
                return String(decoding: decoded, as: UTF8.self)
            case UInt8(ascii: "\\"):
                decoded += bytes[runStart..<position]
                position += 1
                try escape(into: &decoded)
                runStart = position
            case 0..<0x20:
                throw failure("control character in a string")
            default:
                position += 1
            }
        }
        throw failure("unterminated string")
    }

    static let simpleEscapes: [UInt8: UInt8] = [
        UInt8(ascii: "\""): 0x22, UInt8(ascii: "\\"): 0x5C, UInt8(ascii: "/"): 0x2F, UInt8(ascii: "b"): 0x08,
        UInt8(ascii: "f"): 0x0C, UInt8(ascii: "n"): 0x0A, UInt8(ascii: "r"): 0x0D, UInt8(ascii: "t"): 0x09,
    ]

    /// Reads the escape after a backslash and appends what it stands for, as UTF-8.
    mutating func escape(into decoded: inout [UInt8]) throws(JSONSyntaxError) {
        guard let letter = current else { throw failure("unterminated string") }
        position += 1
        if let byte = Self.simpleEscapes[letter] { decoded.append(byte); return }
        guard letter == UInt8(ascii: "u") else { position -= 1; throw failure("unknown escape in a string") }
        var code = try hexQuad()
        if (0xD800..<0xDC00).contains(code) { // a UTF-16 surrogate pair spells one scalar
            guard current == UInt8(ascii: "\\") else { throw failure("expected the second half of a surrogate pair") }
            position += 1
            try expect(UInt8(ascii: "u"), "expected the second half of a surrogate pair")
            let low = try hexQuad()
            guard (0xDC00..<0xE000).contains(low) else { throw failure("invalid surrogate pair") }
            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
        }
        guard let scalar = Unicode.Scalar(code) else { throw failure("invalid \\u escape") }
        decoded += Array(String(Character(scalar)).utf8)
    }

    mutating func hexQuad() throws(JSONSyntaxError) -> UInt32 {
        var code: UInt32 = 0
        for _ in 0..<4 {
            guard let byte = current, let digit = Character(Unicode.Scalar(byte)).hexDigitValue else {
                throw failure("expected four hex digits after \\u")
            }
            code = code * 16 + UInt32(digit)
            position += 1
        }
        return code
    }

    mutating func number() throws(JSONSyntaxError) -> JSONValue {
        let start = position
        var isInteger = true
        func digits() throws(JSONSyntaxError) {
            guard let byte = current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else {
                throw failure("expected a digit")
            }
            while let byte = current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) { position += 1 }
        }
        if current == UInt8(ascii: "-") { position += 1 }
        if current == UInt8(ascii: "0") { position += 1 } else { try digits() }
        if current == UInt8(ascii: ".") { position += 1; isInteger = false; try digits() }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            position += 1
            isInteger = false
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { position += 1 }
            try digits()
        }
        let text = String(decoding: bytes[start..<position], as: UTF8.self)
        if isInteger, let integer = Int64(text) { return .integer(integer) }
        return .number(Double(text)!) // the grammar above only lets through what Double reads
    }

    mutating func keyword(_ word: String) throws(JSONSyntaxError) {
        for byte in word.utf8 {
            guard current == byte else { throw failure("expected '\(word)'") }
            position += 1
        }
    }
}
