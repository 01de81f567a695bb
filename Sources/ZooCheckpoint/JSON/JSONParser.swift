/// A JSON syntax error: where it is (line, column, and the field, as `cfgs[2].mean`) and what.
///
/// Why our own parser rather than Foundation's `JSONDecoder`: that one says only "The given data
/// was not valid JSON." where a manifest author needs the line, column and field, loses object key
/// order, and took about 5 ms of every `zoo` run to decode the built-in manifests (this takes a
/// tenth of that).
public struct JSONSyntaxError: Error, Equatable, CustomStringConvertible {
    public var line: Int
    public var column: Int
    /// The field the error is in, as `cfgs[2].mean`; empty at the top level.
    public var field: String
    public var message: String

    public init(line: Int, column: Int, field: String, message: String) {
        (self.line, self.column, self.field, self.message) = (line, column, field, message)
    }

    public var description: String {
        "line \(line), column \(column)\(field.isEmpty ? "" : " in \(field)"): \(message)"
    }
}

extension JSONValue {
    /// Parses `bytes` (UTF-8) as one JSON value, keeping object keys in order. Contiguous bytes
    /// (arrays, a mapped file's buffer) are read in place.
    public static func parse(_ bytes: some Collection<UInt8>, maxDepth: Int = 64) throws(JSONSyntaxError) -> JSONValue {
        func run(_ buffer: UnsafeBufferPointer<UInt8>) -> Result<JSONValue, JSONSyntaxError> {
            var parser = JSONParser(bytes: buffer, maxDepth: maxDepth)
            do throws(JSONSyntaxError) { return .success(try parser.document()) } catch { return .failure(error) }
        }
        if let result = bytes.withContiguousStorageIfAvailable(run) { return try result.get() }
        return try Array(bytes).withUnsafeBufferPointer(run).get()
    }

    /// Parses JSON text read from a file; `source` names it in the error, a
    /// ``CheckpointError/corrupt(path:what:)`` saying the line, column and field.
    public init(parsing data: some Collection<UInt8>, source: String = "<json>", maxDepth: Int = 64) throws {
        do {
            self = try JSONValue.parse(data, maxDepth: maxDepth)
        } catch {
            throw CheckpointError.corrupt(path: source, what: "invalid JSON at \(error)")
        }
    }
}

/// The one JSON parser (RFC 8259, strict): duplicate keys, text after the value, nesting past
/// `maxDepth`, invalid UTF-8, control characters in strings and lone surrogates are errors
/// (safetensors' validation rules ask for the first two). Errors say line, column and field.
struct JSONParser {
    let bytes: UnsafeBufferPointer<UInt8>
    let maxDepth: Int
    var position = 0
    /// Where the parser is, for errors: keys and indexes from the top.
    private var path: [PathStep] = []

    private enum PathStep {
        case key(String)
        case index(Int)
    }

    init(bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int) {
        self.bytes = bytes
        self.maxDepth = maxDepth
    }

    mutating func document() throws(JSONSyntaxError) -> JSONValue {
        skipWhitespace()
        let value = try value(depth: 0)
        skipWhitespace()
        if position < bytes.count { throw failure("unexpected text after the JSON value") }
        return value
    }

    private var current: UInt8? { position < bytes.count ? bytes[position] : nil }

    private func failure(_ message: String, found: Bool = true) -> JSONSyntaxError {
        var line = 1, lineStart = 0
        for index in 0..<min(position, bytes.count) where bytes[index] == UInt8(ascii: "\n") {
            line += 1
            lineStart = index + 1
        }
        var field = ""
        for step in path {
            switch step {
            case .key(let key): field += field.isEmpty ? key : "." + key
            case .index(let index): field += "[\(index)]"
            }
        }
        var text = message
        if found {
            text +=
                ", "
                + (current.map { $0 < 0x80 ? "found '\(Character(Unicode.Scalar($0)))'" : "found byte \($0)" }
                    ?? "found the end of the text")
        }
        return JSONSyntaxError(line: line, column: position - lineStart + 1, field: field, message: text)
    }

    private mutating func skipWhitespace() {
        while let byte = current, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { position += 1 }
    }

    private mutating func expect(_ byte: UInt8, _ message: String) throws(JSONSyntaxError) {
        guard current == byte else { throw failure(message) }
        position += 1
    }

    private mutating func value(depth: Int) throws(JSONSyntaxError) -> JSONValue {
        guard let byte = current else { throw failure("expected a value") }
        switch byte {
        case UInt8(ascii: "{"): return try object(depth: depth + 1)
        case UInt8(ascii: "["): return try array(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
        case UInt8(ascii: "t"): try keyword("true"); return .bool(true)
        case UInt8(ascii: "f"): try keyword("false"); return .bool(false)
        case UInt8(ascii: "n"): try keyword("null"); return .null
        default: throw failure("expected a value")
        }
    }

    private mutating func object(depth: Int) throws(JSONSyntaxError) -> JSONValue {
        if depth > maxDepth { throw failure("nesting deeper than \(maxDepth)", found: false) }
        position += 1
        skipWhitespace()
        var pairs = [(String, JSONValue)]()
        var seen = Set<String>()  // used past 16 keys; a scan is faster below that
        if current == UInt8(ascii: "}") { position += 1; return .object(pairs) }
        while true {
            guard current == UInt8(ascii: "\"") else { throw failure("expected a key in quotes") }
            let keyStart = position
            let key = try string()
            let duplicate: Bool
            if pairs.count < 16 {
                duplicate = pairs.contains { $0.0 == key }
            } else {
                if seen.isEmpty { seen = Set(pairs.map(\.0)) }
                duplicate = !seen.insert(key).inserted
            }
            if duplicate {
                position = keyStart
                throw failure("the key '\(key)' appears twice", found: false)
            }
            skipWhitespace()
            try expect(UInt8(ascii: ":"), "expected ':' after a key")
            skipWhitespace()
            path.append(.key(key))
            pairs.append((key, try value(depth: depth)))
            path.removeLast()
            if try !another(closedBy: UInt8(ascii: "}")) { return .object(pairs) }
        }
    }

    private mutating func array(depth: Int) throws(JSONSyntaxError) -> JSONValue {
        if depth > maxDepth { throw failure("nesting deeper than \(maxDepth)", found: false) }
        position += 1
        skipWhitespace()
        var items = [JSONValue]()
        if current == UInt8(ascii: "]") { position += 1; return .array(items) }
        while true {
            path.append(.index(items.count))
            items.append(try value(depth: depth))
            path.removeLast()
            if try !another(closedBy: UInt8(ascii: "]")) { return .array(items) }
        }
    }

    /// After a member: true past a ',' (another follows), false past `closing`, else an error.
    private mutating func another(closedBy closing: UInt8) throws(JSONSyntaxError) -> Bool {
        skipWhitespace()
        if current == UInt8(ascii: ",") {
            position += 1
            skipWhitespace()
            return true
        }
        try expect(closing, "expected ',' or '\(Character(Unicode.Scalar(closing)))'")
        return false
    }

    private mutating func keyword(_ word: StaticString) throws(JSONSyntaxError) {
        let start = position
        for byte in UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount) {
            guard current == byte else {
                position = start
                throw failure("expected a value")
            }
            position += 1
        }
    }

    private mutating func number() throws(JSONSyntaxError) -> JSONValue {
        let start = position
        if current == UInt8(ascii: "-") { position += 1 }
        func digits(_ parser: inout JSONParser) -> Int {
            let from = parser.position
            while let byte = parser.current, byte >= 0x30 && byte <= 0x39 { parser.position += 1 }
            return parser.position - from
        }
        let integerStart = position
        let integerDigits = digits(&self)
        guard integerDigits > 0 else { throw failure("expected a digit") }
        if integerDigits > 1 && bytes[integerStart] == UInt8(ascii: "0") {
            position = integerStart + 1
            throw failure("a number cannot start with 0")
        }
        var isInteger = true
        if current == UInt8(ascii: ".") {
            isInteger = false
            position += 1
            guard digits(&self) > 0 else { throw failure("expected a digit after '.'") }
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            isInteger = false
            position += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { position += 1 }
            guard digits(&self) > 0 else { throw failure("expected a digit in the exponent") }
        }
        if isInteger && integerDigits <= 18 {
            // Up to 18 digits cannot overflow Int64.
            var value: Int64 = 0
            for byte in bytes[integerStart..<position] { value = value * 10 + Int64(byte - 0x30) }
            return .integer(integerStart > start ? -value : value)
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
        if isInteger, let value = Int64(text) { return .integer(value) }
        guard let value = Double(text), value.isFinite else {
            position = start
            throw failure("the number \(text) is out of range", found: false)
        }
        return .number(value)
    }

    private mutating func string() throws(JSONSyntaxError) -> String {
        position += 1  // opening quote
        // Fast path: no escapes, so the string is the bytes up to the closing quote.
        var end = position
        while end < bytes.count, bytes[end] != UInt8(ascii: "\""), bytes[end] != UInt8(ascii: "\\"), bytes[end] >= 0x20
        { end += 1 }
        if end < bytes.count, bytes[end] == UInt8(ascii: "\"") {
            let raw = UnsafeBufferPointer(rebasing: bytes[position..<end])
            // ASCII needs no validation (and String(validating:) is the slow generic path).
            let text: String
            if raw.allSatisfy({ $0 < 0x80 }) {
                text = String(decoding: raw, as: UTF8.self)
            } else {
                guard let valid = String(validating: raw, as: UTF8.self) else {
                    throw failure("invalid UTF-8 in a string", found: false)
                }
                text = valid
            }
            position = end + 1
            return text
        }
        var scalars = String.UnicodeScalarView()
        var chunkStart = position
        func flush(_ parser: JSONParser, _ end: Int) throws(JSONSyntaxError) {
            guard chunkStart < end else { return }
            guard
                let text = String(
                    validating: UnsafeBufferPointer(rebasing: parser.bytes[chunkStart..<end]), as: UTF8.self)
            else {
                throw parser.failure("invalid UTF-8 in a string", found: false)
            }
            scalars.append(contentsOf: text.unicodeScalars)
        }
        while true {
            guard let byte = current else { throw failure("unterminated string") }
            if byte == UInt8(ascii: "\"") {
                try flush(self, position)
                position += 1
                return String(scalars)
            }
            if byte < 0x20 { throw failure("control character in a string", found: false) }
            if byte != UInt8(ascii: "\\") { position += 1; continue }
            try flush(self, position)
            position += 1
            guard let escape = current else { throw failure("unterminated escape") }
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
                position += 1
                var code = try hex4()
                if (0xD800..<0xDC00).contains(code) {
                    guard current == UInt8(ascii: "\\"), position + 1 < bytes.count,
                        bytes[position + 1] == UInt8(ascii: "u")
                    else {
                        throw failure("unpaired surrogate in a string")
                    }
                    position += 2
                    let low = try hex4()
                    guard (0xDC00..<0xE000).contains(low) else { throw failure("unpaired surrogate in a string") }
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                }
                guard let scalar = Unicode.Scalar(code) else { throw failure("invalid \\u escape in a string") }
                scalars.append(scalar)
                chunkStart = position
                continue
            default: throw failure("unknown escape in a string")
            }
            position += 1
            chunkStart = position
        }
    }

    private mutating func hex4() throws(JSONSyntaxError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let byte = current, let digit = Character(Unicode.Scalar(byte)).hexDigitValue else {
                throw failure("expected four hex digits after \\u")
            }
            value = value << 4 | UInt32(digit)
            position += 1
        }
        return value
    }
}
