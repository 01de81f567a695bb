import Foundation
import ZooTensor

/// zoo's own checkpoint format (spec: docs/zoo-format.md): a zip archive with a JSON header
/// entry `zoo.json` and one entry per tensor holding its raw little-endian bytes, stored
/// 64-byte aligned (mappable) or deflated (floats byte-shuffled when that shrinks them).
enum ZooFormat {
    static let headerEntry = "zoo.json"
    static let trainingEntry = "training.json"
    static let formatVersion = 1
    /// The header's `compression` names and the zip methods they stand for.
    static let methods: [String: ZipEntry.Method] = ["stored": .stored, "deflate": .deflate, "zstd": .zstd]

    /// What the header says about one tensor.
    struct TensorRecord {
        var name: String
        var dtype: DType
        var shape: [Int]
        var entry: String
        var byteSize: Int
        var crc32: UInt32
        var compression: String  // "stored", "deflate" or "zstd": the zip method of its entry
        var shuffled: Bool

        var json: JSONValue {
            .object([
                ("name", .string(name)),
                ("dtype", .string(dtype.rawValue)),
                ("shape", .array(shape.map { .integer(Int64($0)) })),
                ("entry", .string(entry)),
                ("byte_size", .integer(Int64(byteSize))),
                ("checksum", .string("crc32:" + hex(crc32))),
                ("compression", .string(compression)),
                ("byte_shuffle", .bool(shuffled)),
            ])
        }

        init(
            name: String, dtype: DType, shape: [Int], entry: String, byteSize: Int, crc32: UInt32, compression: String,
            shuffled: Bool
        ) {
            self.name = name; self.dtype = dtype; self.shape = shape; self.entry = entry
            self.byteSize = byteSize; self.crc32 = crc32; self.compression = compression; self.shuffled = shuffled
        }

        init(_ json: JSONValue, path: String) throws {
            let name = json["name"]?.stringValue ?? "?"
            func fail(_ reason: String) -> CheckpointError { .invalidTensor(path: path, tensor: name, reason: reason) }
            guard json["name"]?.stringValue != nil else {
                throw CheckpointError.corrupt(path: path, what: "tensor record without a name")
            }
            guard let dtypeName = json["dtype"]?.stringValue else { throw fail("no dtype") }
            guard let dtype = DType(rawValue: dtypeName) else {
                throw CheckpointError.unsupportedDType(path: path, tensor: name, dtype: dtypeName)
            }
            guard let shape = json["shape"]?.arrayValue?.compactMap(\.intValue),
                shape.count == json["shape"]?.arrayValue?.count,
                shape.allSatisfy({ $0 >= 0 })
            else { throw fail("shape is not a list of sizes") }
            guard let entry = json["entry"]?.stringValue else { throw fail("no entry") }
            guard let byteSize = json["byte_size"]?.intValue else { throw fail("no byte_size") }
            guard let checksum = json["checksum"]?.stringValue, checksum.hasPrefix("crc32:"),
                let crc = UInt32(checksum.dropFirst(6), radix: 16)
            else { throw fail("checksum is not 'crc32:<8 hex digits>'") }
            let compression = json["compression"]?.stringValue ?? "stored"
            guard ZooFormat.methods[compression] != nil else {
                throw fail("unknown compression '\(compression)'")
            }
            guard let expected = denseByteCount(shape: shape, elementSize: dtype.byteSize) else {
                throw fail("shape \(shape) overflows")
            }
            guard byteSize == expected else {
                throw fail("byte_size \(byteSize) does not match shape \(shape) of \(dtype) (\(expected))")
            }
            self.init(
                name: name, dtype: dtype, shape: shape, entry: entry, byteSize: byteSize, crc32: crc,
                compression: compression, shuffled: json["byte_shuffle"]?.boolValue ?? false)
        }
    }

    // MARK: - Reading

    static func read(_ archive: ZipArchive, options: LoadOptions) throws -> Checkpoint {
        let path = archive.path
        guard let headerZipEntry = archive.entry(named: headerEntry) else {
            throw CheckpointError.missingEntry(path: path, entry: headerEntry)
        }
        guard headerZipEntry.uncompressedSize <= options.limits.maxHeaderBytes else {
            throw CheckpointError.limitExceeded(
                path: path, what: "zoo.json of \(headerZipEntry.uncompressedSize) bytes exceeds the header limit")
        }
        let header = try JSONValue(parsing: try archive.bytes(of: headerZipEntry), source: path + " (zoo.json)")
        guard header["format"]?.stringValue == "zoo", let version = header["format_version"]?.intValue else {
            throw CheckpointError.unknownFormat(
                path: path, reason: "zoo.json lacks format \"zoo\" and a format_version")
        }
        guard version <= formatVersion else {
            throw CheckpointError.unknownFormat(
                path: path, reason: "format_version \(version) is newer than this reader (\(formatVersion)); update zoo"
            )
        }
        var checkpoint = Checkpoint()
        checkpoint.architecture = header["architecture"]?.stringValue
        checkpoint.tag = header["tag"]?.stringValue
        if let config = header["default_cfg"], config != .null { checkpoint.config = config }
        if let metadata = header["metadata"]?.objectValue {
            for (key, value) in metadata { if let text = value.stringValue { checkpoint.metadata[key] = text } }
        }
        checkpoint.tensors = try readTensors(
            header["tensors"], archive: archive, options: options, checkpoint: &checkpoint)
        if let optimizer = header["optimizer"], optimizer != .null {
            var state = OptimizerState(state: optimizer["state"] ?? .object([]))
            state.tensors = try readTensors(
                optimizer["tensors"], archive: archive, options: options, checkpoint: &checkpoint)
            checkpoint.optimizer = state
        }
        if let training = archive.entry(named: trainingEntry) {
            guard training.uncompressedSize <= options.limits.maxHeaderBytes else {
                throw CheckpointError.limitExceeded(path: path, what: "training.json exceeds the header limit")
            }
            checkpoint.training = try JSONValue(
                parsing: try archive.bytes(of: training, verify: options.verifyChecksums),
                source: path + " (training.json)")
        }
        if options.stripModulePrefix {
            checkpoint.tensors = checkpoint.tensors.map {
                ($0.name.hasPrefix("module.") ? String($0.name.dropFirst(7)) : $0.name, $0.tensor)
            }
        }
        try checkpoint.checkUniqueNames(path)
        return checkpoint
    }

    private static func readTensors(
        _ list: JSONValue?, archive: ZipArchive, options: LoadOptions,
        checkpoint: inout Checkpoint
    ) throws -> [(name: String, tensor: Tensor)] {
        let path = archive.path
        guard let records = list?.arrayValue else {
            throw CheckpointError.corrupt(path: path, what: "zoo.json has no tensor list")
        }
        var tensors = [(name: String, tensor: Tensor)]()
        tensors.reserveCapacity(records.count)
        var pairs: [(TensorRecord, ZipEntry)] = []
        for json in records {
            let record = try TensorRecord(json, path: path)
            guard let entry = archive.entry(named: record.entry) else {
                throw CheckpointError.missingEntry(path: path, entry: record.entry)
            }
            guard entry.uncompressedSize == record.byteSize else {
                throw CheckpointError.invalidTensor(
                    path: path, tensor: record.name,
                    reason:
                        "entry '\(entry.name)' holds \(entry.uncompressedSize) bytes, header says \(record.byteSize)")
            }
            guard entry.method == methods[record.compression] else {
                throw CheckpointError.corrupt(
                    path: path, what: "entry '\(entry.name)' compression differs from the header")
            }
            pairs.append((record, entry))
        }
        // Stored entries checked now are checked on every core at once (CRC-32 runs at memory speed).
        let checkedNow = pairs.map { record, entry in
            options.verifyChecksums && entry.method == .stored
                && !(options.deferChecksums && !record.shuffled && record.crc32 == entry.crc32)
        }
        let crcs = try archive.storedCRCs(pairs.enumerated().compactMap { checkedNow[$0.offset] ? $0.element.1 : nil })
        // Compressed entries decompress, unshuffle and check their CRC independently: all at once on every core.
        let inflated = Self.inParallel(pairs.indices.filter { pairs[$0].1.method != .stored }) { index, scratch in
            try Self.materialize(
                pairs[index].0, pairs[index].1, archive: archive, options: options, checked: false, scratch: scratch)
        }
        for (index, (record, entry)) in pairs.enumerated() {
            let deferred =
                options.verifyChecksums && options.deferChecksums && entry.method == .stored
                && !record.shuffled && record.crc32 == entry.crc32
            if let actual = crcs[entry.name], actual != entry.crc32 {
                throw CheckpointError.checksumMismatch(
                    path: path, entry: entry.name, expected: entry.crc32, actual: actual)
            }
            let storage =
                try inflated[index]?.get()
                ?? Self.materialize(record, entry, archive: archive, options: options, checked: crcs[entry.name] != nil)
            let tensor = Tensor(storage: storage, dtype: record.dtype, shape: record.shape)
            if deferred {
                checkpoint.pendingChecksums[ObjectIdentifier(tensor)] = PendingChecksum(
                    expected: record.crc32, path: path, entry: entry.name)
            } else if options.verifyChecksums {
                checkpoint.verifiedChecksums[ObjectIdentifier(tensor)] = record.crc32
            }
            tensors.append((record.name, tensor))
        }
        return tensors
    }

    /// An entry's values: a view of the mapped file, or inflated (and unshuffled) into new memory,
    /// with the CRCs checked that are due now.
    private static func materialize(
        _ record: TensorRecord, _ entry: ZipEntry, archive: ZipArchive, options: LoadOptions,
        checked: Bool, scratch: ScratchBuffer? = nil
    ) throws -> TensorStorage {
        let deferred =
            options.verifyChecksums && options.deferChecksums && entry.method == .stored
            && !record.shuffled && record.crc32 == entry.crc32
        var storage: TensorStorage
        var inPlace = true  // whether `storage` holds the values (else their shuffled bytes)
        if record.shuffled && entry.method != .stored, let scratch {
            // Decompressed into the worker's reused buffer (warm pages, no fresh allocation per
            // entry), then unshuffled into the tensor's own memory.
            let shuffled = scratch.bytes(record.byteSize)
            try archive.decompress(entry, into: shuffled, verify: options.verifyChecksums)
            storage = TensorStorage(uninitializedByteCount: record.byteSize)
            ByteShuffle.unshuffle(
                UnsafeRawBufferPointer(shuffled),
                into: UnsafeMutableRawBufferPointer(start: storage.bytes, count: record.byteSize),
                elementSize: record.dtype.byteSize)
        } else {
            storage = try archive.storage(of: entry, verify: options.verifyChecksums && !deferred && !checked)
            inPlace = !record.shuffled
        }
        if !inPlace {
            let plain = TensorStorage(uninitializedByteCount: record.byteSize)
            ByteShuffle.unshuffle(
                UnsafeRawBufferPointer(start: storage.bytes, count: record.byteSize),
                into: UnsafeMutableRawBufferPointer(start: plain.bytes, count: record.byteSize),
                elementSize: record.dtype.byteSize)
            storage = plain
        }
        // The zip CRC covers the entry's bytes; the header's covers the values (they differ when shuffled).
        if options.verifyChecksums && !deferred && (record.shuffled || record.crc32 != entry.crc32) {
            let actual = crc32(UnsafeRawBufferPointer(start: storage.bytes, count: record.byteSize))
            if actual != record.crc32 {
                throw CheckpointError.checksumMismatch(
                    path: archive.path, entry: record.entry, expected: record.crc32, actual: actual)
            }
        }
        return storage
    }

    /// `body` for each index, spread over the cores; results (or errors) by index.
    private static func inParallel(_ indices: [Int], _ body: (Int, ScratchBuffer) throws -> TensorStorage)
        -> [Int: Result<TensorStorage, Error>]
    {
        guard !indices.isEmpty else { return [:] }
        let results = UnsafeMutableBufferPointer<Result<TensorStorage, Error>?>.allocate(capacity: indices.count)
        results.initialize(repeating: nil)
        defer { results.deinitialize(); results.deallocate() }
        nonisolated(unsafe) let slots = results
        let next = WorkCounter()
        withoutActuallyEscaping(body) { body in
            nonisolated(unsafe) let work = body
            DispatchQueue.concurrentPerform(
                iterations: min(ProcessInfo.processInfo.activeProcessorCount, indices.count)
            ) { _ in
                let scratch = ScratchBuffer()
                while let position = next.take(below: indices.count) {
                    slots[position] = Result { try work(indices[position], scratch) }
                }
            }
        }
        var byIndex: [Int: Result<TensorStorage, Error>] = [:]
        for (position, index) in indices.enumerated() { byIndex[index] = results[position] }
        return byIndex
    }

    /// A worker's reusable buffer, 64-byte aligned, grown to the largest request.
    final class ScratchBuffer {
        private var base: UnsafeMutableRawPointer?
        private var capacity = 0

        func bytes(_ count: Int) -> UnsafeMutableRawBufferPointer {
            if count > capacity {
                free(base)
                base = nil
                guard posix_memalign(&base, 64, max(count, 64)) == 0 else { fatalError("zoo: out of memory") }
                capacity = count
            }
            return UnsafeMutableRawBufferPointer(start: base, count: count)
        }

        deinit { free(base) }
    }

    // MARK: - Writing

    static func write(
        _ checkpoint: Checkpoint, to path: String, options: SaveOptions,
        checksums: WriterChecksums = WriterChecksums()
    ) throws {
        try checkpoint.checkUniqueNames(path)
        try AtomicFileWriter.write(to: path) { output in
            let zip = ZipWriter(output: output, forceZip64: options.forceZip64)
            let codec = options.compress ? options.compression : nil
            let records = try writeTensors(
                checkpoint.tensors, prefix: "tensors/", zip: zip, codec: codec, checksums: checksums)
            var header: [(String, JSONValue)] = [
                ("format", .string("zoo")),
                ("format_version", .integer(Int64(formatVersion))),
                ("architecture", checkpoint.architecture.map { .string($0) } ?? .null),
                ("tag", checkpoint.tag.map { .string($0) } ?? .null),
                ("default_cfg", checkpoint.config ?? .null),
                (
                    "metadata",
                    .object(checkpoint.metadata.keys.sorted().map { ($0, .string(checkpoint.metadata[$0]!)) })
                ),
                ("tensors", .array(records.map(\.json))),
            ]
            if let optimizer = checkpoint.optimizer {
                let optimizerRecords = try writeTensors(
                    optimizer.tensors, prefix: "optimizer/", zip: zip, codec: codec, checksums: checksums)
                header.append(
                    (
                        "optimizer",
                        .object([("state", optimizer.state), ("tensors", .array(optimizerRecords.map(\.json)))])
                    ))
            }
            if let training = checkpoint.training {
                try zip.addStored(trainingEntry, Array(training.serialized(pretty: true).utf8))
            }
            // The header goes last: it records checksums computed while writing the entries.
            try zip.addStored(headerEntry, Array(JSONValue.object(header).serialized(pretty: true).utf8))
            try zip.finish()
        }
    }

    private static func writeTensors(
        _ tensors: [(name: String, tensor: Tensor)], prefix: String, zip: ZipWriter,
        codec: Compression?, checksums: WriterChecksums
    ) throws -> [TensorRecord] {
        let compress = codec != nil
        // Stored, dense tensors are checksummed on a second thread while earlier ones are written.
        let ahead: [UnsafeRawBufferPointer?] = tensors.map { _, tensor in
            guard !compress, tensor.isContiguous, checksums.known[ObjectIdentifier(tensor)] == nil else { return nil }
            return tensor.withContiguousBytes { $0 }
        }
        let pipeline = ChecksumPipeline(buffers: ahead, owners: tensors.map(\.tensor))
        defer { pipeline.cancel() }
        // Entries are compressed independently, so all of them at once on every core.
        let packs = codec.map { packAll(tensors.map(\.tensor), codec: $0, checksums: checksums) } ?? []
        var records = [TensorRecord]()
        for (index, (name, tensor)) in tensors.enumerated() {
            let entry = prefix + String(index)
            let record = try tensor.withContiguousBytes { bytes -> TensorRecord in
                let id = ObjectIdentifier(tensor)
                let crc =
                    checksums.known[id] ?? (index < packs.count ? packs[index]?.valueCRC : nil)
                    ?? (ahead[index] != nil ? pipeline.crc(index) : crc32(bytes))
                try checksums.pending[id]?.check(crc)
                var record = TensorRecord(
                    name: name, dtype: tensor.dtype, shape: tensor.shape, entry: entry,
                    byteSize: bytes.count, crc32: crc, compression: "stored", shuffled: false)
                if let codec, let packed = packs[index] {
                    record.compression = codec.rawValue
                    record.shuffled = packed.shuffled
                    let entryCRC = packed.plainCRC ?? crc
                    try zip.addCompressed(
                        entry, method: codec.method, compressed: packed.compressed, uncompressedSize: bytes.count,
                        crc32: entryCRC)
                } else {
                    try zip.addStored(entry, bytes, crc32: crc)
                }
                return record
            }
            records.append(record)
        }
        return records
    }

    private struct Packed: @unchecked Sendable {
        let compressed: [UInt8]
        let shuffled: Bool
        /// CRC-32 of the shuffled bytes the entry holds, when shuffled.
        let plainCRC: UInt32?
        /// CRC-32 of the tensor's bytes, computed on the same core while they are in cache.
        let valueCRC: UInt32?
    }

    private static func packAll(_ tensors: [Tensor], codec: Compression, checksums: WriterChecksums) -> [Packed?] {
        let results = UnsafeMutableBufferPointer<Packed?>.allocate(capacity: tensors.count)
        results.initialize(repeating: nil)
        defer { results.deallocate() }
        nonisolated(unsafe) let slots = results
        // Largest first, so the long entries don't end up last on one core.
        let order = tensors.indices.sorted {
            tensors[$0].count * tensors[$0].dtype.byteSize > tensors[$1].count * tensors[$1].dtype.byteSize
        }
        let next = WorkCounter()
        DispatchQueue.concurrentPerform(iterations: ProcessInfo.processInfo.activeProcessorCount) { _ in
            while let position = next.take(below: order.count) {
                let index = order[position], tensor = tensors[index]
                slots[index] = tensor.withContiguousBytes { bytes -> Packed? in
                    guard bytes.count >= 256 else { return nil }
                    let known = checksums.known[ObjectIdentifier(tensor)] != nil
                    switch codec {
                    case .deflate:
                        guard let packed = deflateIfSmaller(bytes, dtype: tensor.dtype) else { return nil }
                        return Packed(
                            compressed: packed.compressed, shuffled: packed.shuffled,
                            plainCRC: packed.plain.map { crc32($0) }, valueCRC: known ? nil : crc32(bytes))
                    case .zstd:
                        return zstdIfSmaller(bytes, dtype: tensor.dtype, valueCRC: !known)
                    }
                }
            }
        }
        return Array(results)
    }

    /// zstd when it saves at least 1% (else the entry stays stored and mappable). Multi-byte types
    /// are always byte-shuffled first: zstd passes the planes that do not shrink (low mantissa
    /// bytes) through as raw blocks quickly, and squeezes the sign/exponent planes.
    private static func zstdIfSmaller(_ bytes: UnsafeRawBufferPointer, dtype: DType, valueCRC: Bool) -> Packed? {
        let valueCRC = valueCRC ? crc32(bytes) : nil
        if dtype.byteSize > 1 {
            let plain = ByteShuffle.shuffle(bytes, elementSize: dtype.byteSize)
            let compressed = plain.withUnsafeBytes { Zstd.compress($0) }
            guard Double(compressed.count) <= 0.99 * Double(bytes.count) else { return nil }
            return Packed(compressed: compressed, shuffled: true, plainCRC: crc32(plain), valueCRC: valueCRC)
        }
        let compressed = Zstd.compress(bytes)
        guard Double(compressed.count) <= 0.99 * Double(bytes.count) else { return nil }
        return Packed(compressed: compressed, shuffled: false, plainCRC: nil, valueCRC: valueCRC)
    }

    /// Deflate when it saves at least 1% (else the entry stays stored and mappable). Multi-byte
    /// types are tried byte-shuffled on a sample first, and shuffled when that is 2% smaller.
    private static func deflateIfSmaller(_ bytes: UnsafeRawBufferPointer, dtype: DType)
        -> (compressed: [UInt8], shuffled: Bool, plain: [UInt8]?)?
    {
        var shuffle = false
        if dtype.byteSize > 1 {
            let sampleCount = min(bytes.count, 1 << 18) / dtype.byteSize * dtype.byteSize
            let sample = UnsafeRawBufferPointer(rebasing: bytes[0..<sampleCount])
            let direct = Deflate.compress(sample).count
            let shuffled = ByteShuffle.shuffle(sample, elementSize: dtype.byteSize).withUnsafeBytes {
                Deflate.compress($0).count
            }
            shuffle = Double(shuffled) < 0.98 * Double(direct)
        }
        let plain = shuffle ? ByteShuffle.shuffle(bytes, elementSize: dtype.byteSize) : nil
        let compressed = plain.map { $0.withUnsafeBytes { Deflate.compress($0) } } ?? Deflate.compress(bytes)
        guard Double(compressed.count) <= 0.99 * Double(bytes.count) else { return nil }
        return (compressed, shuffle, plain)
    }
}
