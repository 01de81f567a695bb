import ZooTensor

/// The safetensors format: an 8-byte little-endian header length, a JSON header mapping names to
/// `{dtype, shape, data_offsets}` (plus an optional `__metadata__` of strings), then the bytes.
///
/// Reading applies the format's own validation rules: header at most 100 MB and inside the file,
/// offsets contiguous from 0 with no gap or overlap and ending exactly at the end of the file,
/// each tensor's byte span equal to its shape times its dtype size.
public enum SafeTensors {
    static let dtypeNames: [(String, DType)] = [
        ("F32", .float32), ("F16", .float16), ("BF16", .bfloat16), ("F64", .float64), ("I64", .int64),
        ("I32", .int32), ("I16", .int16), ("I8", .int8), ("U8", .uint8), ("BOOL", .bool),
    ]
    /// Sizes of dtypes zoo has no `DType` for, so their byte spans can still be validated.
    static let foreignDTypeSizes: [String: Int] = ["U16": 2, "U32": 4, "U64": 8, "F8_E5M2": 1, "F8_E4M3": 1, "C64": 8]
    /// Metadata keys zoo uses to carry what `.zoo` headers hold.
    static let architectureKey = "zoo.architecture", tagKey = "zoo.tag", configKey = "zoo.default_cfg"

    static func dtypeName(of dtype: DType) -> String { dtypeNames.first { $0.1 == dtype }!.0 }

    static func read(_ file: MappedFile, options: LoadOptions) throws -> Checkpoint {
        let path = file.path
        var cursor = ByteCursor(file.buffer, path: path)
        let headerSize = try cursor.u64("safetensors header length")
        guard headerSize <= UInt64(options.limits.maxHeaderBytes) else {
            throw CheckpointError.limitExceeded(
                path: path,
                what:
                    "safetensors header of \(headerSize) bytes exceeds the \(options.limits.maxHeaderBytes)-byte limit")
        }
        guard headerSize <= UInt64(file.count - 8) else {
            throw CheckpointError.truncated(
                path: path,
                what: "safetensors header of \(headerSize) bytes runs past the end of the \(file.count)-byte file")
        }
        let headerBytes = try cursor.bytes(Int(headerSize), "safetensors header")
        guard headerBytes.first == UInt8(ascii: "{") else {
            throw CheckpointError.corrupt(path: path, what: "safetensors header does not start with '{'")
        }
        let header = try JSONValue(parsing: headerBytes, source: path)
        guard case let .object(pairs) = header else {
            throw CheckpointError.corrupt(path: path, what: "safetensors header is not an object")
        }
        let dataStart = 8 + Int(headerSize)
        let dataSize = file.count - dataStart

        struct Entry {
            let name: String; let dtype: DType?; let dtypeName: String; let shape: [Int]; let begin: Int; let end: Int
        }
        var entries = [Entry]()
        var checkpoint = Checkpoint()
        for (name, value) in pairs {
            if name == "__metadata__" {
                guard case let .object(items) = value else {
                    throw CheckpointError.corrupt(path: path, what: "__metadata__ is not an object")
                }
                for (key, item) in items {
                    guard case let .string(text) = item else {
                        throw CheckpointError.corrupt(path: path, what: "__metadata__ value '\(key)' is not a string")
                    }
                    checkpoint.metadata[key] = text
                }
                continue
            }
            func fail(_ reason: String) -> CheckpointError { .invalidTensor(path: path, tensor: name, reason: reason) }
            guard let dtypeName = value["dtype"]?.stringValue else { throw fail("no dtype") }
            guard let shapeValues = value["shape"]?.arrayValue else { throw fail("no shape") }
            let shape = try shapeValues.map { item -> Int in
                guard let dim = item.intValue, dim >= 0 else {
                    throw fail("shape entry \(item.serialized()) is not a size")
                }
                return dim
            }
            guard let offsets = value["data_offsets"]?.arrayValue, offsets.count == 2,
                let begin = offsets[0].intValue, let end = offsets[1].intValue, begin >= 0, end >= 0
            else {
                throw fail("data_offsets is not a pair of byte offsets")
            }
            let dtype = dtypeNames.first { $0.0 == dtypeName }?.1
            guard let elementSize = dtype?.byteSize ?? foreignDTypeSizes[dtypeName] else {
                throw CheckpointError.unsupportedDType(path: path, tensor: name, dtype: dtypeName)
            }
            guard let bytes = denseByteCount(shape: shape, elementSize: elementSize) else {
                throw fail("shape \(shape) overflows")
            }
            guard end >= begin, end - begin == bytes else {
                throw fail(
                    "data_offsets [\(begin), \(end)] span \(end - begin) bytes, shape \(shape) of \(dtypeName) needs \(bytes)"
                )
            }
            entries.append(Entry(name: name, dtype: dtype, dtypeName: dtypeName, shape: shape, begin: begin, end: end))
        }
        // Offsets must tile the data section exactly: no gaps, no overlaps, nothing past the end.
        var expected = 0
        for entry in entries.sorted(by: { ($0.begin, $0.end) < ($1.begin, $1.end) }) {
            guard entry.begin == expected else {
                throw CheckpointError.corrupt(
                    path: path,
                    what:
                        "tensor '\(entry.name)' starts at byte \(entry.begin) of the data, expected \(expected) (offsets overlap or leave a gap)"
                )
            }
            expected = entry.end
        }
        guard expected == dataSize else {
            throw CheckpointError.corrupt(
                path: path,
                what: "tensors cover \(expected) bytes of data but the file holds \(dataSize) after the header")
        }
        for entry in entries.sorted(by: { ($0.begin, $0.end) < ($1.begin, $1.end) }) {
            guard let dtype = entry.dtype else {
                throw CheckpointError.unsupportedDType(path: path, tensor: entry.name, dtype: entry.dtypeName)
            }
            let start = dataStart + entry.begin, length = entry.end - entry.begin
            // Views need 64-byte alignment (what TensorStorage promises); safetensors only aligns to 8.
            let storage =
                (start % 64 == 0)
                ? file.storage(viewing: start, length)
                : PyTorchReader.copyStorage(try file.slice(start, length, "tensor '\(entry.name)'"))
            checkpoint.tensors.append((entry.name, Tensor(storage: storage, dtype: dtype, shape: entry.shape)))
        }
        // zoo's own keys come back as fields.
        if let architecture = checkpoint.metadata.removeValue(forKey: architectureKey) {
            checkpoint.architecture = architecture
        }
        if let tag = checkpoint.metadata.removeValue(forKey: tagKey) { checkpoint.tag = tag }
        if let config = checkpoint.metadata.removeValue(forKey: configKey) {
            checkpoint.config = try JSONValue(parsing: Array(config.utf8), source: path + " (\(configKey))")
        }
        if options.stripModulePrefix {
            checkpoint.tensors = checkpoint.tensors.map {
                ($0.name.hasPrefix("module.") ? String($0.name.dropFirst(7)) : $0.name, $0.tensor)
            }
            try checkpoint.checkUniqueNames(path)
        }
        return checkpoint
    }

    static func header(for checkpoint: Checkpoint) -> [UInt8] {
        var metadata = checkpoint.metadata
        if metadata["format"] == nil { metadata["format"] = "pt" }
        if let architecture = checkpoint.architecture { metadata[architectureKey] = architecture }
        if let tag = checkpoint.tag { metadata[tagKey] = tag }
        if let config = checkpoint.config { metadata[configKey] = config.serialized() }
        var pairs: [(String, JSONValue)] = [
            ("__metadata__", .object(metadata.keys.sorted().map { ($0, .string(metadata[$0]!)) }))
        ]
        var offset = 0
        for (name, tensor) in checkpoint.tensors {
            let end = offset + tensor.valueByteCount
            pairs.append(
                (
                    name,
                    .object([
                        ("dtype", .string(dtypeName(of: tensor.dtype))),
                        ("shape", .array(tensor.shape.map { .integer(Int64($0)) })),
                        ("data_offsets", .array([.integer(Int64(offset)), .integer(Int64(end))])),
                    ])
                ))
            offset = end
        }
        var bytes = Array(JSONValue.object(pairs).serialized().utf8)
        // Pad with spaces so the data starts 8-byte aligned, as the reference writer does.
        while (8 + bytes.count) % 8 != 0 { bytes.append(0x20) }
        return bytes
    }

    static func write(_ checkpoint: Checkpoint, to path: String) throws {
        try checkpoint.checkUniqueNames(path)
        let header = header(for: checkpoint)
        try AtomicFileWriter.write(to: path) { output in
            var length = [UInt8]()
            length.append64(UInt64(header.count))
            try output.write(length)
            try output.write(header)
            for (_, tensor) in checkpoint.tensors { try tensor.withContiguousBytes { try output.write($0) } }
        }
    }

    /// Parses safetensors bytes held in memory.
    public static func read(bytes: [UInt8], label: String = "<memory>", options: LoadOptions = LoadOptions()) throws
        -> Checkpoint
    {
        try read(MappedFile(bytes: bytes, label: label), options: options)
    }
}
