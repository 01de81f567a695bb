extension JSONValue {
    /// The value as JSON text, keys in stored order: the package's one JSON writer.
    ///
    /// Compact (`pretty: false`): no whitespace at all, for headers inside files. Pretty: objects
    /// one field a line with two-space indents, arrays of plain values on one line
    /// (`"input_size": [3, 224, 224]`), arrays holding arrays or objects one element a line — the
    /// layout `tools/make_manifests.py` writes, so a manifest prints back byte for byte.
    ///
    /// Numbers are written as Python's `repr(float)` writes them (`1.0`, `0.875`, `1e-05`), so a
    /// cfg prints as timm's does. NaN and infinities, which JSON cannot hold, are written as
    /// `null` (Python's `json` would write the non-standard `NaN`, which strict readers — ours
    /// included — refuse).
    public func serialized(pretty: Bool = false) -> String {
        var text = ""
        write(to: &text, pretty: pretty, indent: 0)
        return text
    }

    private func write(to text: inout String, pretty: Bool, indent: Int) {
        switch self {
        case .null: text += "null"
        case .bool(let value): text += value ? "true" : "false"
        case .integer(let value): text += String(value)
        case .number(let value): text += Self.pythonRepr(value)
        case .string(let value): Self.writeString(value, to: &text)
        case .array(let values) where values.isEmpty: text += "[]"
        case .object(let fields) where fields.isEmpty: text += "{}"
        case .array(let values) where !pretty || values.allSatisfy(\.isPlain):
            text += "["
            for (position, value) in values.enumerated() {
                if position > 0 { text += pretty ? ", " : "," }
                value.write(to: &text, pretty: pretty, indent: indent)
            }
            text += "]"
        case .array(let values):
            let padding = String(repeating: " ", count: indent + 2)
            text += "[\n"
            for (position, value) in values.enumerated() {
                text += padding
                value.write(to: &text, pretty: pretty, indent: indent + 2)
                text += position == values.count - 1 ? "\n" : ",\n"
            }
            text += String(repeating: " ", count: indent) + "]"
        case .object(let fields):
            let padding = String(repeating: " ", count: indent + 2)
            text += pretty ? "{\n" : "{"
            for (position, (key, value)) in fields.enumerated() {
                if pretty { text += padding } else if position > 0 { text += "," }
                Self.writeString(key, to: &text)
                text += pretty ? ": " : ":"
                value.write(to: &text, pretty: pretty, indent: indent + 2)
                if pretty { text += position == fields.count - 1 ? "\n" : ",\n" }
            }
            text += pretty ? String(repeating: " ", count: indent) + "}" : "}"
        }
    }

    private var isPlain: Bool {
        switch self {
        case .array, .object: false
        default: true
        }
    }

    /// Python's `repr(float)`: the shortest text that reads back the same, integral values keeping
    /// their `.0` below 1e16 and switching to an exponent from there (`1e+16`), as Python does.
    static func pythonRepr(_ value: Double) -> String {
        guard value.isFinite else { return "null" }
        if value == value.rounded(), abs(value) < 1e16 {
            return (value.sign == .minus && value == 0 ? "-" : "") + String(Int64(value)) + ".0"
        }
        return String(value)
    }

    static func writeString(_ string: String, to text: inout String) {
        text += "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            case "\n": text += "\\n"
            case "\r": text += "\\r"
            case "\t": text += "\\t"
            case _ where scalar.value < 0x20:
                let digits = String(scalar.value, radix: 16)
                text += "\\u" + String(repeating: "0", count: 4 - digits.count) + digits
            default: text.unicodeScalars.append(scalar)
            }
        }
        text += "\""
    }
}
