import Foundation
import Testing

@testable import ZooCheckpoint

/// The package's one JSON reader and writer, against Python's `json` module.
@Suite struct JSONValueTests {
    /// Values whose text Python writes: compact (`separators=(",", ":")`, `ensure_ascii=False`)
    /// and the numbers as `repr(float)` gives them.
    static let pythonWrites = """
        import json, sys
        values = [
            {"z": "caf\\u00e9 \\U0001F600\\n\\"q\\"\\t\\x01", "a": [1, -2.5e3, 0, 1.0, 0.875, 1e-05, 1e15, 1e16, 123456789.125, -0.0]},
            {"m": None, "t": True, "f": False, "nested": [[], {}, [{"k": [1, 2]}]]},
            [2**62, -2**62, 0.1, 1e300, 5e-324],
        ]
        print(json.dumps([json.dumps(v, separators=(",", ":"), ensure_ascii=False) for v in values]))
        """

    @Test func compactTextIsPythonsTextAndReadsBackTheSame() throws {
        let texts = try JSONValue.parse(Array(try runPython(Self.pythonWrites).utf8))
        for text in try #require(texts.arrayValue).compactMap(\.stringValue) {
            let value = try JSONValue.parse(Array(text.utf8))
            #expect(value.serialized() == text)
            #expect(try JSONValue.parse(Array(value.serialized(pretty: true).utf8)) == value)
        }
    }

    @Test func keyOrderIsKept() throws {
        let value = try JSONValue.parse(Array(#"{"z": 1, "a": 2, "m": {"y": 3, "b": 4}}"#.utf8))
        #expect(value.objectValue?.map(\.0) == ["z", "a", "m"])
        #expect(value["m"]?.objectValue?.map(\.0) == ["y", "b"])
    }

    /// JSON has no NaN: written as null (Python's json would write the non-standard NaN).
    @Test func nonFiniteNumbersAreWrittenAsNull() throws {
        let value = JSONValue.array([.double(.nan), .double(.infinity), .double(-.infinity)])
        #expect(value.serialized() == "[null,null,null]")
    }

    @Test(arguments: [
        ("{\"a\": 1, \"a\": 2}", 1, 10, "", "the key 'a' appears twice"),
        ("{\"cfgs\": [{\"mean\": [1, 2, ]}]}", 1, 27, "cfgs[0].mean[2]", "expected a value, found ']'"),
        ("[1, 2\n, 01]", 2, 4, "[2]", "a number cannot start with 0, found '1'"),
        ("{\"s\": \"\u{01}\"}", 1, 8, "s", "control character in a string"),
        ("[\"\\ud800\"]", 1, 9, "[0]", "unpaired surrogate in a string, found '\"'"),
        ("[1e999]", 1, 2, "[0]", "the number 1e999 is out of range"),
        ("[NaN]", 1, 2, "[0]", "expected a value, found 'N'"),
        ("", 1, 1, "", "expected a value, found the end of the text"),
    ])
    func errorsSayLineColumnAndField(text: String, line: Int, column: Int, field: String, message: String) {
        #expect(throws: JSONSyntaxError(line: line, column: column, field: field, message: message)) {
            try JSONValue.parse(Array(text.utf8))
        }
    }

    @Test func nestingIsBounded() {
        let deep = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect(throws: JSONSyntaxError.self) { try JSONValue.parse(Array(deep.utf8)) }
        #expect(throws: Never.self) { try JSONValue.parse(Array(deep.utf8), maxDepth: 100) }
    }

    @Test func fileErrorsNameTheFile() {
        #expect {
            try JSONValue(parsing: Array("{\"a\": [1,}".utf8), source: "model.zoo (zoo.json)")
        } throws: { error in
            "\(error)"
                == "model.zoo (zoo.json): file is corrupt: invalid JSON at line 1, column 10 in a[1]: expected a value, found '}'"
        }
    }

    @Test func typedFieldsNameThePath() throws {
        enum Field: String { case name, size }
        let value = try JSONValue.parse(Array(#"{"name": "x", "size": "big"}"#.utf8))
        let object = try JSONObjectReader<Field>(value, path: "models.x")
        #expect(try object.string(.name) == "x")
        #expect(
            throws: JSONFieldError(field: "models.x.size", message: "expected an integer, found a string (\"big\")")
        ) {
            try object.int(.size)
        }
        #expect(throws: JSONFieldError(field: "extra", message: "unknown field")) {
            try JSONObjectReader<Field>(JSONValue.parse(Array(#"{"extra": 1}"#.utf8)), path: "")
        }
    }
}
