import Foundation
import ZooTensor

/// A sharded checkpoint as the Hugging Face Hub stores one: `model.safetensors.index.json` (or
/// `pytorch_model.bin.index.json`) maps each tensor to the shard file holding it,
///
///     {"metadata": {"total_size": 46827520},
///      "weight_map": {"conv1.weight": "model-00001-of-00003.safetensors", ...}}
///
/// and the shards sit beside it. Reading the index reads every shard and gives one checkpoint,
/// tensors in the weight map's order; `zoo convert` and `zoo inspect` take the index's path.
public enum ShardIndex {
    /// Whether `file` looks like an index: JSON text where a safetensors file has its length.
    static func looks(like file: MappedFile) -> Bool {
        let bytes = file.buffer
        guard let first = bytes.firstIndex(where: { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }) else { return false }
        return bytes[first] == UInt8(ascii: "{")
    }

    /// The shard file names, in the order the weight map first names them, with the map itself.
    static func parse(_ file: MappedFile) throws -> (shards: [String], weightMap: [(tensor: String, shard: String)]) {
        let path = file.path
        let json = try JSONValue(parsing: UnsafeRawBufferPointer(file.buffer), source: path)
        guard let map = json["weight_map"]?.objectValue else {
            throw CheckpointError.corrupt(path: path, what: "a shard index needs a \"weight_map\" object")
        }
        var shards = [String]()
        var weightMap = [(tensor: String, shard: String)]()
        for (tensor, value) in map {
            guard let shard = value.stringValue else {
                throw CheckpointError.corrupt(path: path, what: "weight_map[\"\(tensor)\"] is not a file name")
            }
            // A shard is a file beside the index: never a path that reaches elsewhere.
            guard !shard.isEmpty, !shard.contains("/"), !shard.contains("\\"), shard != ".", shard != "..",
                !shard.hasSuffix(".index.json")
            else {
                throw CheckpointError.corrupt(
                    path: path, what: "weight_map[\"\(tensor)\"] names '\(shard)', not a shard file beside the index")
            }
            if !shards.contains(shard) { shards.append(shard) }
            weightMap.append((tensor, shard))
        }
        guard !shards.isEmpty else { throw CheckpointError.corrupt(path: path, what: "the weight_map is empty") }
        return (shards, weightMap)
    }

    /// The shard files an index names, in order (what a downloader fetches beside it).
    public static func shardNames(ofIndex path: String) throws -> [String] {
        try parse(MappedFile(path: path)).shards
    }

    /// Every shard read and joined; each tensor must be in the shard the map names, and each
    /// shard must hold only tensors the map gives it.
    static func read(_ file: MappedFile, options: LoadOptions) throws -> Checkpoint {
        let path = file.path
        let (shards, weightMap) = try parse(file)
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
        var tensors = [String: Tensor]()
        var result = Checkpoint()
        for shard in shards {
            let shardPath = folder.appendingPathComponent(shard).path
            guard FileManager.default.fileExists(atPath: shardPath) else {
                throw CheckpointError.io(
                    path: shardPath, operation: "open shard '\(shard)' of \(path)", reason: "no such file")
            }
            let shardFile = try MappedFile(path: shardPath)
            if try Checkpoint.detectFormat(shardFile) == .shardIndex {
                throw CheckpointError.corrupt(path: shardPath, what: "a shard cannot be another index")
            }
            let part = try Checkpoint.load(shardFile, options: options)
            let expected = Set(weightMap.filter { $0.shard == shard }.map(\.tensor))
            for (name, tensor) in part.tensors {
                guard expected.contains(name) else {
                    throw CheckpointError.corrupt(
                        path: shardPath, what: "tensor '\(name)' is not in the weight_map of \(path) for this shard")
                }
                tensors[name] = tensor
            }
            for (key, value) in part.metadata where result.metadata[key] == nil { result.metadata[key] = value }
            result.verifiedChecksums.merge(part.verifiedChecksums) { $1 }
            result.pendingChecksums.merge(part.pendingChecksums) { $1 }
        }
        for (name, shard) in weightMap {
            guard let tensor = tensors[name] else {
                throw CheckpointError.missingEntry(path: folder.appendingPathComponent(shard).path, entry: name)
            }
            result.tensors.append((name, tensor))
        }
        return result
    }
}
