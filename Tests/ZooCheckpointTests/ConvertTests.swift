import CArchive
import Foundation
import Testing
import ZooTensor

@testable import ZooCheckpoint

@Suite struct ConvertTests {
    @Test func convertCastsRenamesDropsAndEmbedsArchitecture() throws {
        let directory = makeTemporaryDirectory()
        defer { cleanUp(directory) }
        let output = directory + "/tiny.zoo"
        var options = ConvertOptions(dtype: .float16, drop: ["^1\\.running_"], architecture: "tiny", tag: "test")
        options.remaps = [try KeyRemap(rule: #"^0\.(.*)=conv.$1"#), try KeyRemap(rule: #"^3\.=fc."#)]
        options.config = .object([("architecture", .string("tiny")), ("num_classes", .integer(2))])
        let summary = try convertCheckpoint(from: fixture("nested_state_dict.pth"), to: output, options: options)
        #expect(summary.dropped == ["1.running_mean", "1.running_var"])
        #expect(summary.renamed.contains { $0 == ("0.weight", "conv.weight") })
        let result = try Checkpoint.load(output)
        #expect(
            result.names == [
                "conv.weight", "conv.bias", "1.weight", "1.bias", "1.num_batches_tracked", "fc.weight", "fc.bias",
            ])
        #expect(result["conv.weight"]!.dtype == .float16)
        #expect(result["1.num_batches_tracked"]!.dtype == .int64)  // integers are never cast
        #expect(result.architecture == "tiny" && result.tag == "test")
        #expect(result.config?["num_classes"] == .integer(2))
        let original = try Checkpoint.load(fixture("nested_state_dict.pth"))
        #expect(hexString(result["conv.weight"]!) == hexString(original["0.weight"]!.to(.float16)))
    }

    @Test(arguments: ["every_dtype_zip.pth", "every_dtype_legacy.pth", "every_dtype.safetensors"])
    func convertBetweenAllFormatsIsLossless(source: String) throws {
        let directory = makeTemporaryDirectory()
        defer { cleanUp(directory) }
        let group = source.hasSuffix(".safetensors") ? "safetensors" : "every_dtype"
        var current = fixture(source)
        for name in ["a.zoo", "b.pth", "c.safetensors", "d.zoo", "e.pt"] {
            try convertCheckpoint(from: current, to: directory + "/" + name)
            current = directory + "/" + name
            expectMatches(try Checkpoint.load(current), group: group, ordered: !source.hasSuffix(".safetensors"))
        }
    }

    @Test func remapRuleParsing() throws {
        let rule = try KeyRemap(rule: #"a\=b=c=d"#)
        #expect(rule.pattern == "a=b" && rule.replacement == "c=d")
        #expect(throws: CheckpointError.self) { try KeyRemap(rule: "no-equals") }
        #expect(throws: CheckpointError.self) {
            try Checkpoint().transformed(by: ConvertOptions(drop: ["("]))
        }
    }

    /// libarchive, an independent zip implementation, reads what ZipWriter writes (Zip64 too,
    /// zstd and deflate entries too).
    @Test(arguments: [false, true], Compression.allCases)
    func libarchiveReadsZooFiles(forceZip64: Bool, compression: Compression) throws {
        let directory = makeTemporaryDirectory()
        defer { cleanUp(directory) }
        let path = directory + "/check.zoo"
        var checkpoint = try Checkpoint.load(fixture("every_dtype_zip.pth"))
        checkpoint.tensors.append(("smooth", Tensor((0..<4096).map { Float($0) / 4096 }, shape: [4096])))
        try checkpoint.save(
            path, options: SaveOptions(compress: true, compression: compression, forceZip64: forceZip64))
        #expect(try ZipArchive(file: MappedFile(path: path)).entries.contains { $0.method == compression.method })
        let reader = archive_read_new()
        defer { archive_read_free(reader) }
        archive_read_support_format_zip(reader)
        #expect(archive_read_open_filename(reader, path, 1 << 16) == ARCHIVE_OK)
        var entry: OpaquePointer?
        var sizes = [String: Int]()
        while archive_read_next_header(reader, &entry) == ARCHIVE_OK {
            let name = String(cString: archive_entry_pathname(entry))
            var total = 0
            var buffer = [UInt8](repeating: 0, count: 1 << 16)
            while true {
                let read = archive_read_data(reader, &buffer, buffer.count)
                #expect(read >= 0, "\(name): \(String(cString: archive_error_string(reader)))")
                if read <= 0 { break }
                total += read
            }
            sizes[name] = total
        }
        #expect(sizes.count == checkpoint.tensors.count + 1)
        #expect(sizes["tensors/\(checkpoint.names.firstIndex(of: "big")!)"] == 64 * 64 * 4)
        #expect(sizes["tensors/\(checkpoint.names.firstIndex(of: "smooth")!)"] == 4096 * 4)
    }

    @Test func jsonParserKeepsOrderAndRejectsDuplicates() throws {
        let value = try JSONValue(
            parsing: Array(#"{"b": [1, 2.5, -3e2, "x\u00e9\n"], "a": {"t": true, "n": null}}"#.utf8))
        #expect(value.objectValue?.map(\.0) == ["b", "a"])
        #expect(value["b"]?.arrayValue == [.integer(1), .number(2.5), .number(-300), .string("xé\n")])
        #expect(try JSONValue(parsing: Array(value.serialized().utf8)) == value)
        #expect(throws: CheckpointError.self) { try JSONValue(parsing: Array(#"{"a":1,"a":2}"#.utf8)) }
        #expect(throws: CheckpointError.self) { try JSONValue(parsing: Array(String(repeating: "[", count: 100).utf8)) }
        #expect(throws: CheckpointError.self) { try JSONValue(parsing: Array("{} x".utf8)) }
    }
}
