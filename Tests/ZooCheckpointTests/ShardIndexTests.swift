import Foundation
import Testing
import ZooTensor

@testable import ZooCheckpoint

/// Sharded checkpoints read from their index (`model.safetensors.index.json`,
/// `pytorch_model.bin.index.json`), and formats told by content, never by extension.
@Suite struct ShardIndexTests {
    /// tools/parity/make_sharded_fixtures.py: resnet18 in one file and in three shards.
    static func folder() throws -> String {
        let index = try parityFixture("sharded/model.safetensors.index.json", madeBy: "make_sharded_fixtures.py")
        return URL(fileURLWithPath: index).deletingLastPathComponent().path
    }

    @Test(arguments: ["model.safetensors.index.json", "pytorch_model.bin.index.json"])
    func anIndexConvertsToTheSameTensorsAsTheUnshardedFile(index: String) throws {
        let folder = try Self.folder()
        let whole = try Checkpoint.load(folder + "/model.safetensors")
        let directory = makeTemporaryDirectory()
        defer { cleanUp(directory) }
        try convertCheckpoint(from: folder + "/" + index, to: directory + "/joined.zoo")
        let joined = try Checkpoint.load(directory + "/joined.zoo")
        #expect(joined.names.count == whole.names.count && Set(joined.names) == Set(whole.names))
        for (name, tensor) in whole.tensors {
            #expect(joined[name]?.shape == tensor.shape && joined[name]?.dtype == tensor.dtype, "\(name)")
            #expect(joined[name]?.contiguousBytes() == tensor.contiguousBytes(), "\(name)")
        }
        // In the weight map's order, which is the state dict's.
        let map = try JSONValue(parsing: Array(FileManager.default.contents(atPath: folder + "/" + index)!))
        #expect(joined.names == map["weight_map"]?.objectValue?.map(\.0))
        #expect(try Checkpoint.format(of: folder + "/" + index) == (index.hasPrefix("model") ? .safetensors : .pytorch))
    }

    @Test func brokenIndexesNameTheFileAndTheProblem() throws {
        let folder = try Self.folder()
        let directory = makeTemporaryDirectory()
        defer { cleanUp(directory) }
        let shard = "model-00001-of-00003.safetensors"
        try FileManager.default.copyItem(atPath: folder + "/" + shard, toPath: directory + "/" + shard)
        let first = try Checkpoint.load(directory + "/" + shard)
        func index(_ map: [(String, String)]) throws -> String {
            let path = directory + "/\(UUID().uuidString).index.json"
            let json = JSONValue.object([("weight_map", .object(map.map { ($0.0, JSONValue.string($0.1)) }))])
            try Data(json.serialized().utf8).write(to: URL(fileURLWithPath: path))
            return path
        }
        let all = first.names.map { ($0, shard) }
        _ = try Checkpoint.load(try index(all))
        let cases: [([(String, String)], String)] = [
            (all + [("extra.weight", "missing.safetensors")], "missing.safetensors"),  // shard not there
            (Array(all.dropLast()), "not in the weight_map"),  // shard holds a tensor the map does not list
            (all + [("ghost", shard)], "ghost"),  // the map lists a tensor the shard lacks
            ([("a", "../" + shard)], "not a shard file beside the index"),
            ([("a", "/etc/passwd")], "not a shard file beside the index"),
            ([], "empty"),
        ]
        for (map, problem) in cases {
            let path = try index(map)
            #expect(throws: CheckpointError.self) { try Checkpoint.load(path) }
            do { _ = try Checkpoint.load(path) } catch {
                #expect("\(error)".contains(problem), "\(error)")
            }
        }
        #expect(listing(directory).filter { $0.hasSuffix(".zoo") }.isEmpty)
    }

    /// A safetensors header of 384 bytes starts the file with 0x80 0x01, which is also how a
    /// protocol-1... pickle (PROTO 1) starts: the header length decides, not the first byte.
    @Test func safetensorsWhoseLengthLooksLikeAPickleIsStillSafetensors() throws {
        let directory = makeTemporaryDirectory()
        defer { cleanUp(directory) }
        let tensor = Tensor([1, 2, 3], shape: [3])
        var found: [UInt8]?
        for padding in 0..<400 {
            let path = directory + "/weights.pth"  // the extension says PyTorch; the bytes say otherwise
            try Checkpoint(tensors: [("w", tensor)], metadata: ["pad": String(repeating: "x", count: padding)])
                .save(path, format: .safetensors)
            let bytes = Array(FileManager.default.contents(atPath: path)!)
            if bytes[0] == 0x80 && bytes[1] <= 5 { found = bytes; break }
        }
        let bytes = try #require(found)
        #expect(try Checkpoint.detectFormat(MappedFile(bytes: bytes, label: "weights.pth")) == .safetensors)
        #expect(try Checkpoint.load(bytes: bytes, label: "weights.pth")["w"]?.toArray() == [1, 2, 3])
        // And an index is an index whatever its name.
        let index = try JSONValue.object([("weight_map", .object([("w", .string("x.safetensors"))]))]).serialized()
        #expect(try Checkpoint.detectFormat(MappedFile(bytes: Array(index.utf8), label: "weights.bin")) == .shardIndex)
    }
}
