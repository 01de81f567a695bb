import Foundation
import ZooTensor

/// The formats zoo reads and writes.
public enum CheckpointFormat: String, Sendable, CaseIterable {
    /// zoo's own zip archive: JSON header with the model's config, one entry per tensor.
    case zoo
    /// `torch.save` files: zip (PyTorch ≥ 1.6) on write; zip or legacy pickle on read.
    case pytorch
    case safetensors

    /// The format an output path asks for, from its extension.
    public init?(pathExtension path: String) {
        switch URL(fileURLWithPath: path).pathExtension.lowercased() {
        case "zoo": self = .zoo
        case "pth", "pt", "bin", "ckpt", "tar": self = .pytorch
        case "safetensors": self = .safetensors
        default: return nil
        }
    }
}

/// Optimizer state carried alongside weights: its tensors flattened to dotted names
/// (`state.0.exp_avg`) and everything else as JSON (`param_groups`, with `{"$tensor": name}`
/// where a tensor stood).
public struct OptimizerState: @unchecked Sendable {
    public var tensors: [(name: String, tensor: Tensor)]
    public var state: JSONValue

    public init(tensors: [(name: String, tensor: Tensor)] = [], state: JSONValue = .object([])) {
        self.tensors = tensors
        self.state = state
    }
}

/// A model's weights in order, with what zoo knows about them.
///
/// ```swift
/// let checkpoint = try Checkpoint.load("resnet50.pth")
/// print(checkpoint["fc.weight"]!.shape)
/// try checkpoint.save("resnet50.zoo")
/// ```
public struct Checkpoint: @unchecked Sendable {
    /// Tensors in file order, PyTorch key names.
    public var tensors: [(name: String, tensor: Tensor)]
    /// The architecture (`resnet50`) and pretrained tag (`a1_in1k`) these weights belong to.
    public var architecture: String?
    public var tag: String?
    /// The resolved `default_cfg` (input size, mean/std, classifier, ...), embedded by `.zoo`.
    public var config: JSONValue?
    /// Free-form string metadata (safetensors' `__metadata__`).
    public var metadata: [String: String]
    /// Training metadata (epoch, step, metrics, ...).
    public var training: JSONValue?
    public var optimizer: OptimizerState?

    /// CRCs of tensors' bytes already verified by a reader, keyed by tensor identity. Only the
    /// converter passes these to a writer: nothing can modify tensors between its read and write.
    var verifiedChecksums: [ObjectIdentifier: UInt32] = [:]
    /// CRCs recorded in the file but not yet checked (`LoadOptions.deferChecksums`), by tensor identity.
    var pendingChecksums: [ObjectIdentifier: PendingChecksum] = [:]

    public init(
        tensors: [(name: String, tensor: Tensor)] = [], architecture: String? = nil, tag: String? = nil,
        config: JSONValue? = nil, metadata: [String: String] = [:], training: JSONValue? = nil,
        optimizer: OptimizerState? = nil
    ) {
        self.tensors = tensors
        self.architecture = architecture
        self.tag = tag
        self.config = config
        self.metadata = metadata
        self.training = training
        self.optimizer = optimizer
    }

    /// The tensor named `name`, if any.
    public subscript(name: String) -> Tensor? { tensors.first { $0.name == name }?.tensor }

    public var names: [String] { tensors.map(\.name) }

    /// Bytes of all tensors' values (views count their own elements only).
    public var byteCount: Int { tensors.reduce(0) { $0 + $1.tensor.count * $1.tensor.dtype.byteSize } }

    /// Reads any supported file: `.zoo`, PyTorch zip or legacy, safetensors, or the index of a
    /// sharded checkpoint (`model.safetensors.index.json`, its shards beside it). The format
    /// comes from the first bytes, not the extension. Nothing in the file is executed.
    public static func load(_ path: String, options: LoadOptions = LoadOptions()) throws -> Checkpoint {
        let file = try MappedFile(path: path)
        return try load(file, options: options)
    }

    /// Parses a checkpoint held in memory; `label` names it in errors.
    public static func load(bytes: [UInt8], label: String = "<memory>", options: LoadOptions = LoadOptions()) throws
        -> Checkpoint
    {
        try load(MappedFile(bytes: bytes, label: label), options: options)
    }

    static func load(_ file: MappedFile, options: LoadOptions) throws -> Checkpoint {
        switch try detectFormat(file) {
        case .zip:
            let archive = try ZipArchive(file: file, limits: options.limits)
            if archive.entry(named: ZooFormat.headerEntry) != nil {
                return try ZooFormat.read(archive, options: options)
            }
            return try PyTorchReader.read(archive: archive, options: options)
        case .legacyPyTorch: return try PyTorchReader.readLegacy(file, options: options)
        case .safetensors: return try SafeTensors.read(file, options: options)
        case .shardIndex: return try ShardIndex.read(file, options: options)
        }
    }

    enum DetectedFormat { case zip, legacyPyTorch, safetensors, shardIndex }

    static func detectFormat(_ file: MappedFile) throws -> DetectedFormat {
        let bytes = file.buffer
        if bytes.count >= 4, bytes.loadUnaligned(as: UInt32.self) == UInt32(0x0403_4b50).littleEndian { return .zip }
        if bytes.count >= 4, bytes.loadUnaligned(as: UInt32.self) == UInt32(0x0605_4b50).littleEndian { return .zip }  // empty zip
        // safetensors: a little-endian header length that fits the file, then the header's '{'.
        // Checked before pickles: a length whose low byte is 0x80 (384, 640, ...) starts as a
        // protocol-2 pickle does.
        if bytes.count >= 9, bytes[8] == UInt8(ascii: "{"),
            UInt64(littleEndian: bytes.loadUnaligned(as: UInt64.self)) <= UInt64(bytes.count - 8)
        {
            return .safetensors
        }
        if bytes.count >= 2, bytes[0] == 0x80, bytes[1] <= 5 { return .legacyPyTorch }
        if ShardIndex.looks(like: file) { return .shardIndex }
        // A header length past the end: the safetensors reader names the truncation.
        if bytes.count >= 9, bytes[8] == UInt8(ascii: "{") { return .safetensors }
        // Protocol 0/1 pickles start with an opcode rather than PROTO.
        if let first = bytes.first, Array("(c]}".utf8).contains(first) { return .legacyPyTorch }
        if bytes.count < 9 {
            throw CheckpointError.truncated(
                path: file.path, what: "only \(bytes.count) bytes, too short for any checkpoint format")
        }
        throw CheckpointError.unknownFormat(
            path: file.path, reason: "not a zip archive, a pickle or a safetensors file")
    }

    /// Writes the checkpoint; the format comes from `format` or else the extension. The file
    /// appears only when complete.
    public func save(_ path: String, format: CheckpointFormat? = nil, options: SaveOptions = SaveOptions()) throws {
        guard let format = format ?? CheckpointFormat(pathExtension: path) else {
            throw CheckpointError.unknownFormat(
                path: path,
                reason: "cannot tell the format from the extension (use .zoo, .pth, .pt, .bin, .ckpt or .safetensors)")
        }
        switch format {
        case .zoo: try ZooFormat.write(self, to: path, options: options)
        case .pytorch: try PyTorchWriter.write(self, to: path, forceZip64: options.forceZip64)
        case .safetensors: try SafeTensors.write(self, to: path)
        }
    }
}

/// How readers treat what they find.
public struct LoadOptions: Sendable {
    /// Check CRC-32s of every entry (zip formats). Costs one pass over the bytes.
    public var verifyChecksums = true
    /// For training checkpoints holding both, take `state_dict_ema`/`model_ema` over `state_dict`/`model`.
    public var preferEMA = false
    /// Strip the `module.` prefix (DataParallel) from tensor names.
    public var stripModulePrefix = true
    public var limits = ReadLimits()
    /// For the converter: leave the CRCs of entries that are exactly one tensor unchecked and
    /// record them in `pendingChecksums`; its writer checks them while writing those bytes.
    var deferChecksums = false

    public init(
        verifyChecksums: Bool = true, preferEMA: Bool = false, stripModulePrefix: Bool = true,
        limits: ReadLimits = ReadLimits()
    ) {
        self.verifyChecksums = verifyChecksums
        self.preferEMA = preferEMA
        self.stripModulePrefix = stripModulePrefix
        self.limits = limits
    }
}

/// How `.zoo` tensor entries are compressed (docs/zoo-format.md, "Compression").
public enum Compression: String, Sendable, CaseIterable {
    /// zip method 93, byte-shuffled multi-byte types: fast both ways; read by zoo, libarchive and
    /// 7-Zip, not by Python's `zipfile` or Info-ZIP's `unzip`.
    case zstd
    /// zip method 8, the one every zip tool reads; several times slower to write and read.
    case deflate

    var method: ZipEntry.Method { self == .zstd ? .zstd : .deflate }
}

/// How writers lay out their output.
public struct SaveOptions: Sendable {
    /// `.zoo`: compress tensor entries with `compression` where that saves space, else store them aligned.
    public var compress = false
    /// The codec `compress` uses.
    public var compression = Compression.zstd
    /// Write Zip64 records even for small files (testing Zip64 readers).
    public var forceZip64 = false

    public init(compress: Bool = false, compression: Compression = .zstd, forceZip64: Bool = false) {
        self.compress = compress
        self.compression = compression
        self.forceZip64 = forceZip64
    }
}

extension Checkpoint {
    /// Checks names are unique; writers call it first.
    func checkUniqueNames(_ path: String) throws {
        var seen = Set<String>()
        for (name, _) in tensors where !seen.insert(name).inserted {
            throw CheckpointError.invalidArgument("\(path): tensor name '\(name)' appears twice")
        }
    }
}

extension Checkpoint {
    /// Which format a file is in, judged by its bytes (legacy and zip PyTorch files are both `.pytorch`).
    public static func format(of path: String) throws -> CheckpointFormat {
        let file = try MappedFile(path: path)
        switch try detectFormat(file) {
        case .zip: return try ZipArchive(file: file).entry(named: ZooFormat.headerEntry) != nil ? .zoo : .pytorch
        case .legacyPyTorch: return .pytorch
        case .safetensors: return .safetensors
        case .shardIndex:
            // The format of the shards (an index of .safetensors shards is a safetensors checkpoint).
            let first = try ShardIndex.parse(file).shards[0]
            return try format(
                of: URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent(first).path)
        }
    }
}
