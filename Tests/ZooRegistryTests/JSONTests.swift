import Testing
import ZooCheckpoint

@testable import ZooRegistry

@Suite struct JSONTests {
    @Test func parsesValuesKeepingKeyOrder() throws {
        let text =
            #"{"z": "caf\u00e9 \ud83d\ude00\n\"q\"", "a": [1, -2.5e3, 0, 1.0], "m": null, "t": true, "f": false}"#
        let value = try JSONValue.parse(Array(text.utf8))
        #expect(
            value
                == .object([
                    ("z", .string("café 😀\n\"q\"")),
                    ("a", .array([.int(1), .double(-2500), .int(0), .double(1)])),
                    ("m", .null), ("t", .bool(true)), ("f", .bool(false)),
                ]))
    }

    /// The built-in manifest, written by Python, prints back byte for byte: `zoo info --json`
    /// and the manifests share one format.
    @Test func rendersAsTheManifestScriptWrites() throws {
        for (name, json) in BuiltinManifests.files {
            #expect(try JSONValue.parse(Array(json.utf8)).serialized(pretty: true) == json, "\(name)")
        }
    }

    @Test func syntaxErrorsSayWhere() {
        #expect(
            throws: JSONSyntaxError(
                line: 1, column: 7, field: "", message: "expected ',' or ']', found the end of the text")
        ) {
            try JSONValue.parse(Array("[1, 2 ".utf8))
        }
        #expect(
            throws: JSONSyntaxError(line: 2, column: 10, field: "a.b", message: "unknown escape in a string, found 'x'")
        ) {
            try JSONValue.parse(Array("{\"a\": {\n  \"b\": \"\\x\"}}".utf8))
        }
        #expect(
            throws: JSONSyntaxError(
                line: 1, column: 4, field: "", message: "unexpected text after the JSON value, found '1'")
        ) {
            try JSONValue.parse(Array("{} 1".utf8))
        }
    }

    @Test func pythonFloatText() {
        #expect(
            JSONValue.array([.double(1), .double(0.875), .double(1e-05), .int(3)]).serialized(pretty: true)
                == "[1.0, 0.875, 1e-05, 3]")
    }
}
