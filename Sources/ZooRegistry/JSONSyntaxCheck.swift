/// Finds where a JSON text first goes wrong: line, column and the field it was in.
///
/// Foundation's `JSONDecoder` only says "The given data was not valid JSON."; a manifest author
/// needs to know where. This walks the text with RFC 8259's grammar and is run only after a
/// decode has already failed, so it costs nothing on the good path.
struct JSONSyntaxError: Error, Equatable {
    var line: Int
    var column: Int
    /// The field the error is in, as `cfgs[2].mean`; empty at the top level.
    var field: String
    var message: String
}

func findJSONSyntaxError(in bytes: [UInt8]) -> JSONSyntaxError? {
    var checker = JSONSyntaxChecker(bytes: bytes)
    do throws(JSONSyntaxError) {
        checker.skipWhitespace()
        try checker.value()
        checker.skipWhitespace()
        if checker.position < bytes.count { throw checker.failure("unexpected text after the JSON value") }
        return nil
    } catch {
        return error
    }
}

private struct JSONSyntaxChecker {
    let bytes: [UInt8]
    var position = 0
    var path: [String] = []

    init(bytes: [UInt8]) { self.bytes = bytes }

    var current: UInt8? { position < bytes.count ? bytes[position] : nil }

    func failure(_ message: String) -> JSONSyntaxError {
        var line = 1, lineStart = 0
        for index in 0..<min(position, bytes.count) where bytes[index] == UInt8(ascii: "\n") {
            line += 1
            lineStart = index + 1
        }
        let found = current.map { "found '\(Character(Unicode.Scalar($0)))'" } ?? "found the end of the file"
        return JSONSyntaxError(
            line: line, column: position - lineStart + 1, field: path.joined(), message: "\(message), \(found)")
    }

    mutating func skipWhitespace() {
        while let byte = current, [0x20, 0x09, 0x0A, 0x0D].contains(byte) { position += 1 }
    }

    mutating func expect(_ byte: UInt8, _ message: String) throws(JSONSyntaxError) {
        guard current == byte else { throw failure(message) }
        position += 1
    }

    mutating func value() throws(JSONSyntaxError) {
        guard let byte = current else { throw failure("expected a value") }
        switch byte {
        case UInt8(ascii: "{"): try object()
        case UInt8(ascii: "["): try array()
        case UInt8(ascii: "\""): _ = try string()
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try number()
        case UInt8(ascii: "t"): try keyword("true")
        case UInt8(ascii: "f"): try keyword("false")
        case UInt8(ascii: "n"): try keyword("null")
        default: throw failure("expected a value")
        }
    }

    mutating func object() throws(JSONSyntaxError) {
        position += 1
        skipWhitespace()
        if current == UInt8(ascii: "}") { position += 1; return }
        while true {
            guard current == UInt8(ascii: "\"") else { throw failure("expected a field name in quotes") }
            let key = try string()
            skipWhitespace()
            try expect(UInt8(ascii: ":"), "expected ':' after the field name")
            skipWhitespace()
            path.append(path.isEmpty ? key : ".\(key)")
            try value()
            path.removeLast()
            skipWhitespace()
            if current == UInt8(ascii: "}") { position += 1; return }
            try expect(UInt8(ascii: ","), "expected ',' or '}'")
            skipWhitespace()
        }
    }

    mutating func array() throws(JSONSyntaxError) {
        position += 1
        skipWhitespace()
        if current == UInt8(ascii: "]") { position += 1; return }
        var index = 0
        while true {
            path.append("[\(index)]")
            try value()
            path.removeLast()
            skipWhitespace()
            if current == UInt8(ascii: "]") { position += 1; return }
            try expect(UInt8(ascii: ","), "expected ',' or ']'")
            skipWhitespace()
            index += 1
        }
    }

    /// Reads a string and returns its raw text (escapes left as written; only field names use it).
    mutating func string() throws(JSONSyntaxError) -> String {
        position += 1
        let start = position
        while let byte = current {
            switch byte {
            case UInt8(ascii: "\""):
                position += 1
                return String(decoding: bytes[start..<(position - 1)], as: UTF8.self)
            case UInt8(ascii: "\\"):
                position += 1
                guard let escaped = current else { break }
                if escaped == UInt8(ascii: "u") {
                    position += 1
                    for _ in 0..<4 {
                        guard let hex = current, Character(Unicode.Scalar(hex)).isHexDigit else {
                            throw failure("expected four hex digits after \\u")
                        }
                        position += 1
                    }
                } else if Array(#""\/bfnrt"#.utf8).contains(escaped) {
                    position += 1
                } else {
                    throw failure("unknown escape in a string")
                }
            case 0..<0x20:
                throw failure("control character in a string")
            default:
                position += 1
            }
        }
        throw failure("unterminated string")
    }

    mutating func number() throws(JSONSyntaxError) {
        func digits() throws(JSONSyntaxError) {
            guard let byte = current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else {
                throw failure("expected a digit")
            }
            while let byte = current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) { position += 1 }
        }
        if current == UInt8(ascii: "-") { position += 1 }
        if current == UInt8(ascii: "0") { position += 1 } else { try digits() }
        if current == UInt8(ascii: ".") { position += 1; try digits() }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            position += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { position += 1 }
            try digits()
        }
    }

    mutating func keyword(_ word: String) throws(JSONSyntaxError) {
        for byte in word.utf8 {
            guard current == byte else { throw failure("expected '\(word)'") }
            position += 1
        }
    }
}
