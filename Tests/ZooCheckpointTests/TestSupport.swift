import Foundation
import Testing
import ZooTensor
import ZooTestSupport

@testable import ZooCheckpoint

/// Paths of committed fixtures (written by tools/fixtures/make_checkpoint_fixtures.py).
/// A missing one gives a path that does not exist, so the test reading it fails naming the file.
func fixture(_ name: String) -> String {
    (Bundle.module.resourceURL ?? Bundle.module.bundleURL).appendingPathComponent("Fixtures/" + name).path
}

/// expected.json: per fixture group, per tensor: dtype, shape, stride, storage_offset, storage, hex.
/// Missing or unreadable, every test comparing against it fails with the reason.
private let expectedFile = Result { () throws -> JSONValue in
    let path = fixture("expected.json")
    guard let data = FileManager.default.contents(atPath: path) else {
        throw CheckpointError.invalidArgument(
            "\(path) is missing: run /usr/bin/python3 tools/fixtures/make_checkpoint_fixtures.py")
    }
    return try JSONValue(parsing: data, source: path)
}

func hexString(_ tensor: Tensor) -> String {
    tensor.contiguousBytes().map { byte in
        let digits = String(byte, radix: 16)
        return digits.count == 1 ? "0" + digits : digits
    }.joined()
}

/// Checks every tensor of `group` in expected.json against `checkpoint`: bytes, dtype, shape,
/// and, when `layout` is set, strides, offsets and which tensors share a storage.
func expectMatches(
    _ checkpoint: Checkpoint, group: String, layout: Bool = false, ordered: Bool = true,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    let expected: JSONValue
    do { expected = try expectedFile.get() } catch {
        Issue.record(error, sourceLocation: sourceLocation)
        return
    }
    guard let tensors = expected[group]?.objectValue else {
        Issue.record(
            "Fixtures/expected.json has no group \(group): run /usr/bin/python3 tools/fixtures/make_checkpoint_fixtures.py"
        )
        return
    }
    if ordered {
        #expect(checkpoint.names == tensors.map(\.0), sourceLocation: sourceLocation)
    } else {
        #expect(checkpoint.names.sorted() == tensors.map(\.0).sorted(), sourceLocation: sourceLocation)
    }
    var storageOf = [Int: ObjectIdentifier]()
    for (name, info) in tensors {
        guard let tensor = checkpoint[name] else {
            Issue.record("missing \(name)", sourceLocation: sourceLocation); continue
        }
        #expect(tensor.dtype.rawValue == info["dtype"]?.stringValue, "\(name) dtype", sourceLocation: sourceLocation)
        #expect(
            tensor.shape == info["shape"]?.arrayValue?.compactMap(\.intValue), "\(name) shape",
            sourceLocation: sourceLocation)
        #expect(hexString(tensor) == info["hex"]?.stringValue, "\(name) bytes", sourceLocation: sourceLocation)
        if layout {
            #expect(
                tensor.strides == info["stride"]?.arrayValue?.compactMap(\.intValue), "\(name) strides",
                sourceLocation: sourceLocation)
            #expect(
                tensor.storageOffset == info["storage_offset"]?.intValue, "\(name) offset",
                sourceLocation: sourceLocation)
            let id = info["storage"]!.intValue!
            if let previous = storageOf[id] {
                #expect(
                    previous == ObjectIdentifier(tensor.storage), "\(name) shares its storage",
                    sourceLocation: sourceLocation)
            } else {
                #expect(
                    !storageOf.values.contains(ObjectIdentifier(tensor.storage)), "\(name) has its own storage",
                    sourceLocation: sourceLocation)
                storageOf[id] = ObjectIdentifier(tensor.storage)
            }
        }
    }
}

/// A fresh directory under the system temp dir, removed by the caller with `cleanUp`.
func makeTemporaryDirectory() -> String {
    let path = NSTemporaryDirectory() + "zoo-checkpoint-tests-" + UUID().uuidString
    try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

func cleanUp(_ directory: String) { try? FileManager.default.removeItem(atPath: directory) }

/// Files in `directory` (to prove failed writes leave nothing behind).
func listing(_ directory: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
}

/// Runs Debian's python3 (real torch 1.13 and safetensors) on `script`; returns stdout.
func runPython(_ script: String, arguments: [String] = []) throws -> String {
    let result = try BoundedProcess.run(URL(fileURLWithPath: "/usr/bin/python3"), ["-c", script] + arguments)
    guard result.status == 0 else { throw CheckpointError.invalidArgument("python failed: " + result.stderr) }
    return result.stdout
}

/// Python that prints {name: {dtype, shape, hex}} for a file, as real PyTorch/safetensors read it.
let describeWithPython = """
    import json, sys, collections, torch
    path, reader = sys.argv[1], sys.argv[2]
    if reader == "torch":
        sd = torch.load(path, weights_only=True)
    else:
        from safetensors.torch import load_file
        sd = load_file(path)
    def raw_hex(t):
        t = t.detach().contiguous().reshape(-1)
        return "" if t.numel() == 0 else t.view(torch.uint8).numpy().tobytes().hex()
    out = collections.OrderedDict()
    for k, t in sd.items():
        out[k] = {"dtype": str(t.dtype).replace("torch.", ""), "shape": list(t.shape), "hex": raw_hex(t)}
    print(json.dumps(out))
    """

/// What real PyTorch (`torch`) or safetensors (`safetensors`) reads from `path`.
func readWithPython(_ path: String, reader: String) throws -> Checkpoint {
    let json = try JSONValue(parsing: Array(try runPython(describeWithPython, arguments: [path, reader]).utf8))
    var checkpoint = Checkpoint()
    for (name, info) in json.objectValue! {
        let dtype = DType(rawValue: info["dtype"]!.stringValue!)!
        let shape = info["shape"]!.arrayValue!.map { $0.intValue! }
        let hex = Array(info["hex"]!.stringValue!.utf8)
        var bytes = [UInt8]()
        var index = 0
        while index + 1 < hex.count {
            bytes.append(UInt8(String(decoding: hex[index...index + 1], as: UTF8.self), radix: 16)!); index += 2
        }
        checkpoint.tensors.append((name, bytes.withUnsafeBytes { Tensor(copying: $0, dtype: dtype, shape: shape) }))
    }
    return checkpoint
}

/// A fixture that `tools/parity/make_*_fixtures.py` made (too large to commit): under
/// `$ZOO_PARITY_DIR`, else `<repo>/.cache/parity`. Missing, it is an error saying which script makes it.
func parityFixture(_ name: String, madeBy script: String) throws -> String {
    let folder =
        ProcessInfo.processInfo.environment["ZOO_PARITY_DIR"].flatMap { $0.isEmpty ? nil : $0 }
        ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent(".cache/parity").path
    let path = folder + "/" + name
    guard FileManager.default.fileExists(atPath: path) else {
        throw CheckpointError.io(
            path: path, operation: "find the fixture", reason: "run /usr/bin/python3 tools/parity/\(script) first")
    }
    return path
}

/// This process's file-backed memory mappings: address range and file, from /proc/self/maps.
func fileMappings() throws -> [(range: Range<UInt>, path: String)] {
    // read(2) to the end: procfs files report size 0, and Foundation's whole-file readers may stop early.
    let descriptor = open("/proc/self/maps", O_RDONLY)
    guard descriptor >= 0 else { throw CheckpointError.invalidArgument("cannot open /proc/self/maps") }
    defer { close(descriptor) }
    var bytes: [UInt8] = [], chunk = [UInt8](repeating: 0, count: 65536)
    while true {
        let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        guard count > 0 else { break }
        bytes += chunk[..<count]
    }
    return String(decoding: bytes, as: UTF8.self).split(separator: "\n").compactMap { line in
        // "start-end perms offset dev inode path"
        let fields = line.split(separator: " ", maxSplits: 5, omittingEmptySubsequences: true)
        guard fields.count == 6 else { return nil }
        let path = fields[5].trimmingCharacters(in: .whitespaces), bounds = fields[0].split(separator: "-")
        guard path.hasPrefix("/"), bounds.count == 2, let start = UInt(bounds[0], radix: 16),
            let end = UInt(bounds[1], radix: 16)
        else { return nil }
        return (start..<end, path)
    }
}
