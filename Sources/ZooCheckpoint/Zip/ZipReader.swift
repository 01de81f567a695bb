import Foundation
import ZooTensor

/// One member of a zip archive, as its central directory describes it.
struct ZipEntry: Sendable {
    enum Method: UInt16, Sendable {
        case stored = 0
        case deflate = 8
        /// Zstandard (APPNOTE 6.3.7); written by `zoo convert --compress`.
        case zstd = 93
    }
    let name: String
    let method: Method
    let crc32: UInt32
    let compressedSize: Int
    let uncompressedSize: Int
    let localHeaderOffset: Int
    /// Where the entry's bytes begin (after its local header).
    let dataOffset: Int
}

/// A read-only zip archive over a mapped file: the central directory (Zip64 included) is parsed
/// and checked against the file size up front; entry bytes are read (and inflated, and checked)
/// only when asked for.
///
/// Our own reader rather than libarchive's: stored entries must be handed out as views into the
/// mapping, which needs exact data offsets, and every declared size must be checked against the
/// file before anything is allocated.
final class ZipArchive: @unchecked Sendable {
    let file: MappedFile
    let entries: [ZipEntry]
    let limits: ReadLimits
    private let indexByName: [String: Int]

    var path: String { file.path }

    init(file: MappedFile, limits: ReadLimits = ReadLimits()) throws {
        self.file = file
        self.limits = limits
        let path = file.path
        let directory = try ZipArchive.locateCentralDirectory(file)
        var entries = [ZipEntry]()
        var indexByName = [String: Int]()
        var cursor = ByteCursor(try file.slice(directory.offset, directory.size, "central directory"), path: path)
        // Each central record is at least 46 bytes, which bounds the count before anything is allocated.
        guard directory.count <= directory.size / 46 else {
            throw CheckpointError.corrupt(
                path: path, what: "central directory claims \(directory.count) entries in \(directory.size) bytes")
        }
        entries.reserveCapacity(directory.count)
        for index in 0..<directory.count {
            let entry = try ZipArchive.readCentralRecord(&cursor, file: file, index: index)
            if indexByName[entry.name] != nil {
                throw CheckpointError.corrupt(path: path, what: "entry '\(entry.name)' appears twice")
            }
            indexByName[entry.name] = entries.count
            entries.append(entry)
        }
        self.entries = entries
        self.indexByName = indexByName
        // The bomb check, on declared sizes, before any entry is read: the inflater never goes
        // past an entry's declared size, so these sizes bound what reading can allocate.
        let inflated = entries.lazy.filter { $0.method != .stored }.reduce(0) {
            $0.addingReportingOverflow($1.uncompressedSize).partialValue
        }
        try InflationLimit.check(inflated: inflated, fileSize: file.count, limits: limits, path: path)
    }

    func entry(named name: String) -> ZipEntry? { indexByName[name].map { entries[$0] } }

    /// The bytes of `entry` as a storage: a view into the mapping for stored entries whose data is
    /// 64-byte aligned (no copy), fresh memory otherwise. The CRC is checked when `verify` is set.
    func storage(of entry: ZipEntry, verify: Bool) throws -> TensorStorage {
        let data = try file.slice(entry.dataOffset, entry.compressedSize, "entry '\(entry.name)'")
        switch entry.method {
        case .stored:
            if verify { try check(entry, UnsafeRawBufferPointer(data)) }
            if entry.dataOffset % 64 == 0 { return file.storage(viewing: entry.dataOffset, entry.uncompressedSize) }
            let storage = TensorStorage(uninitializedByteCount: entry.uncompressedSize)
            if entry.uncompressedSize > 0 {
                storage.bytes.copyMemory(from: data.baseAddress!, byteCount: entry.uncompressedSize)
            }
            return storage
        case .deflate, .zstd:
            try checkInflateBounds(entry)
            let storage = TensorStorage(uninitializedByteCount: entry.uncompressedSize)
            try decompress(
                entry, into: UnsafeMutableRawBufferPointer(start: storage.bytes, count: entry.uncompressedSize),
                verify: verify)
            return storage
        }
    }

    /// Decompresses a deflate or zstd entry into `destination`, which must hold exactly its
    /// declared size; the CRC is checked when `verify` is set.
    func decompress(_ entry: ZipEntry, into destination: UnsafeMutableRawBufferPointer, verify: Bool) throws {
        precondition(entry.method != .stored && destination.count == entry.uncompressedSize)
        try checkInflateBounds(entry)
        let data = try file.slice(entry.dataOffset, entry.compressedSize, "entry '\(entry.name)'")
        if entry.method == .deflate {
            try Deflate.decompress(data, into: destination, path: path, entry: entry.name)
        } else {
            try Zstd.decompress(data, into: destination, path: path, entry: entry.name)
        }
        if verify { try check(entry, UnsafeRawBufferPointer(destination)) }
    }

    /// The bytes of `entry` as an array (for small entries: headers, pickles, text records).
    func bytes(of entry: ZipEntry, verify: Bool = true) throws -> [UInt8] {
        let storage = try storage(of: entry, verify: verify)
        return Array(UnsafeRawBufferPointer(start: storage.bytes, count: storage.byteCount))
    }

    /// CRC-32s of stored entries' bytes in the file, by entry name, computed on all cores.
    ///
    /// Most of a verified load is the kernel mapping the file's pages in as the CRC first reads
    /// them (on tmpfs, whose pages are 4 KiB each, more than the CRC itself: docs/benchmarks.md).
    /// So the bytes are cut into pieces of at most `pieceBytes` that every core takes in turn (page
    /// faults and CRC keep all cores busy to the last piece, whatever the entries' sizes) and the
    /// pieces' CRCs are combined per entry. (Mapping each piece first with `MADV_POPULATE_READ`
    /// measured 2 ms of CPU more per 100 MB than letting the CRC's reads fault the pages in.)
    func storedCRCs(_ entries: [ZipEntry], pieceBytes: Int = 1 << 20) throws -> [String: UInt32] {
        let slices = try entries.map { try file.slice($0.dataOffset, $0.compressedSize, "entry '\($0.name)'") }
        var pieces: [(slice: Int, offset: Int, count: Int)] = []
        for (index, slice) in slices.enumerated() {
            var offset = 0
            repeat {
                let count = min(pieceBytes, slice.count - offset)
                pieces.append((index, offset, count))
                offset += count
            } while offset < slice.count
        }
        nonisolated(unsafe) let views = slices
        let work = pieces
        var crcs = [UInt32](repeating: 0, count: pieces.count)
        crcs.withUnsafeMutableBufferPointer { out in
            nonisolated(unsafe) let out = out
            let next = WorkCounter()
            let workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, work.count))
            DispatchQueue.concurrentPerform(iterations: workers) { _ in
                while let index = next.take(below: work.count) {
                    let piece = work[index]
                    out[index] = crc32(
                        UnsafeRawBufferPointer(rebasing: views[piece.slice][piece.offset..<piece.offset + piece.count]))
                }
            }
        }
        var results = [UInt32](repeating: 0, count: entries.count)
        for (piece, crc) in zip(pieces, crcs) {
            results[piece.slice] = piece.offset == 0 ? crc : crc32Combine(results[piece.slice], crc, piece.count)
        }
        return Dictionary(zip(entries.map(\.name), results), uniquingKeysWith: { first, _ in first })
    }

    /// The CRC-32 of a stored entry computed from the file, or a mismatch error.
    func check(_ entry: ZipEntry, _ data: UnsafeRawBufferPointer) throws {
        let actual = crc32(data)
        if actual != entry.crc32 {
            throw CheckpointError.checksumMismatch(path: path, entry: entry.name, expected: entry.crc32, actual: actual)
        }
    }

    private func checkInflateBounds(_ entry: ZipEntry) throws {
        if entry.uncompressedSize > limits.maxEntryBytes {
            throw CheckpointError.limitExceeded(
                path: path,
                what: "entry '\(entry.name)' declares \(entry.uncompressedSize) bytes, limit is \(limits.maxEntryBytes)"
            )
        }
        // Deflate cannot expand data more than 1032:1: a declared size beyond that is a lie.
        // (zstd can: a 3-byte block header stands for up to 128 KiB; the limits above bound it.)
        guard entry.method == .deflate else { return }
        let (bound, overflow) = entry.compressedSize.multipliedReportingOverflow(by: 1032)
        if !overflow && entry.uncompressedSize > bound + 1024 {
            throw CheckpointError.corrupt(
                path: path,
                what:
                    "entry '\(entry.name)' declares \(entry.uncompressedSize) bytes from \(entry.compressedSize) compressed, beyond deflate's 1032:1 ratio"
            )
        }
    }

    // MARK: - Parsing the directory

    private struct CentralDirectory { var offset: Int; var size: Int; var count: Int }

    private static func locateCentralDirectory(_ file: MappedFile) throws -> CentralDirectory {
        let path = file.path
        guard file.count >= 22 else {
            throw CheckpointError.truncated(path: path, what: "too short for a zip archive (\(file.count) bytes)")
        }
        // The end record is the last 22 bytes plus a comment of up to 65535 bytes.
        let buffer = file.buffer
        var recordOffset = -1
        var candidate = file.count - 22
        let lowest = max(0, file.count - 22 - 65535)
        while candidate >= lowest {
            if buffer.loadUnaligned(fromByteOffset: candidate, as: UInt32.self) == UInt32(0x0605_4b50).littleEndian {
                let commentLength = Int(
                    UInt16(littleEndian: buffer.loadUnaligned(fromByteOffset: candidate + 20, as: UInt16.self)))
                if candidate + 22 + commentLength == file.count { recordOffset = candidate; break }
            }
            candidate -= 1
        }
        guard recordOffset >= 0 else {
            throw CheckpointError.truncated(path: path, what: "no end-of-central-directory record (zip cut short?)")
        }
        var cursor = ByteCursor(buffer, path: path, position: recordOffset + 4)
        let disk = try cursor.u16("end record"), directoryDisk = try cursor.u16("end record")
        _ = try cursor.u16("end record")
        var count = Int(try cursor.u16("end record"))
        var size = Int(try cursor.u32("end record"))
        var offset = Int(try cursor.u32("end record"))
        guard disk == 0 || disk == 0xFFFF, directoryDisk == 0 || directoryDisk == 0xFFFF else {
            throw CheckpointError.corrupt(path: path, what: "multi-disk zip archives are not supported")
        }
        // Zip64: a locator sits right before the end record and points at the Zip64 end record.
        if recordOffset >= 20,
            buffer.loadUnaligned(fromByteOffset: recordOffset - 20, as: UInt32.self) == UInt32(0x0706_4b50).littleEndian
        {
            var locator = ByteCursor(buffer, path: path, position: recordOffset - 12)
            let zip64Offset = try locator.u64("zip64 locator")
            guard zip64Offset <= UInt64(recordOffset - 20) else {
                throw CheckpointError.corrupt(
                    path: path, what: "zip64 end record offset \(zip64Offset) is past the file")
            }
            var record = ByteCursor(buffer, path: path, position: Int(zip64Offset))
            guard try record.u32("zip64 end record") == 0x0606_4b50 else {
                throw CheckpointError.corrupt(path: path, what: "zip64 end record signature missing")
            }
            _ = try record.u64("zip64 end record")  // record size
            _ = try record.u16("zip64 end record"); _ = try record.u16("zip64 end record")
            _ = try record.u32("zip64 end record"); _ = try record.u32("zip64 end record")
            _ = try record.u64("zip64 end record")
            let count64 = try record.u64("zip64 end record")
            let size64 = try record.u64("zip64 end record")
            let offset64 = try record.u64("zip64 end record")
            guard count64 <= UInt64(file.count), size64 <= UInt64(file.count), offset64 <= UInt64(file.count) else {
                throw CheckpointError.corrupt(path: path, what: "zip64 end record declares sizes beyond the file")
            }
            count = Int(count64); size = Int(size64); offset = Int(offset64)
        }
        guard offset <= file.count, size <= file.count - offset else {
            throw CheckpointError.truncated(
                path: path,
                what: "central directory at \(offset) (\(size) bytes) lies past the end of the \(file.count)-byte file")
        }
        return CentralDirectory(offset: offset, size: size, count: count)
    }

    private static func readCentralRecord(_ cursor: inout ByteCursor, file: MappedFile, index: Int) throws -> ZipEntry {
        let path = file.path
        let what = "central directory record \(index)"
        guard try cursor.u32(what) == 0x0201_4b50 else {
            throw CheckpointError.corrupt(path: path, what: "\(what) has a bad signature")
        }
        _ = try cursor.u16(what); _ = try cursor.u16(what)  // versions
        let flags = try cursor.u16(what)
        let methodCode = try cursor.u16(what)
        _ = try cursor.u16(what); _ = try cursor.u16(what)  // time, date
        let crc = try cursor.u32(what)
        var compressed = UInt64(try cursor.u32(what))
        var uncompressed = UInt64(try cursor.u32(what))
        let nameLength = Int(try cursor.u16(what))
        let extraLength = Int(try cursor.u16(what))
        let commentLength = Int(try cursor.u16(what))
        _ = try cursor.u16(what); _ = try cursor.u16(what); _ = try cursor.u32(what)  // disk, attributes
        var localOffset = UInt64(try cursor.u32(what))
        let nameBytes = try cursor.bytes(nameLength, what)
        let nameUTF8 = UnsafeBufferPointer(
            start: nameBytes.baseAddress?.assumingMemoryBound(to: UInt8.self), count: nameBytes.count)
        guard
            let name = nameUTF8.allSatisfy({ $0 < 0x80 })
                ? String(decoding: nameUTF8, as: UTF8.self)
                : String(validating: nameUTF8, as: UTF8.self)
        else {
            throw CheckpointError.corrupt(path: path, what: "\(what) has a name that is not UTF-8")
        }
        var extra = ByteCursor(try cursor.bytes(extraLength, what), path: path)
        _ = try cursor.bytes(commentLength, what)
        // Zip64 extended information: only the fields whose 32-bit slot is saturated, in this order.
        while extra.remaining >= 4 {
            let id = try extra.u16(what), length = Int(try extra.u16(what))
            var field = ByteCursor(try extra.bytes(length, "extra field of '\(name)'"), path: path)
            guard id == 0x0001 else { continue }
            if uncompressed == 0xFFFF_FFFF { uncompressed = try field.u64("zip64 field of '\(name)'") }
            if compressed == 0xFFFF_FFFF { compressed = try field.u64("zip64 field of '\(name)'") }
            if localOffset == 0xFFFF_FFFF { localOffset = try field.u64("zip64 field of '\(name)'") }
        }
        if flags & 1 != 0 { throw CheckpointError.corrupt(path: path, what: "entry '\(name)' is encrypted") }
        guard let method = ZipEntry.Method(rawValue: methodCode) else {
            throw CheckpointError.corrupt(
                path: path,
                what:
                    "entry '\(name)' uses compression method \(methodCode) (only stored, deflate and zstd are supported)"
            )
        }
        let fileSize = UInt64(file.count)
        guard localOffset < fileSize, compressed <= fileSize, uncompressed <= UInt64(Int.max) else {
            throw CheckpointError.truncated(
                path: path, what: "entry '\(name)' declares data beyond the \(file.count)-byte file")
        }
        if method == .stored && compressed != uncompressed {
            throw CheckpointError.corrupt(
                path: path, what: "stored entry '\(name)' has compressed size \(compressed) but size \(uncompressed)")
        }
        // The local header repeats the name and has its own extra field; data follows it.
        var local = ByteCursor(file.buffer, path: path, position: Int(localOffset))
        guard try local.u32("local header of '\(name)'") == 0x0403_4b50 else {
            throw CheckpointError.corrupt(path: path, what: "local header of '\(name)' has a bad signature")
        }
        local.position += 22
        let localNameLength = Int(try local.u16("local header of '\(name)'"))
        let localExtraLength = Int(try local.u16("local header of '\(name)'"))
        guard localNameLength == nameLength else {
            throw CheckpointError.corrupt(path: path, what: "local and central names of '\(name)' differ")
        }
        let dataOffset = Int(localOffset) + 30 + localNameLength + localExtraLength
        guard dataOffset <= file.count, Int(compressed) <= file.count - dataOffset else {
            throw CheckpointError.truncated(
                path: path,
                what: "entry '\(name)' needs \(compressed) bytes at offset \(dataOffset), file has \(file.count)")
        }
        return ZipEntry(
            name: name, method: method, crc32: crc, compressedSize: Int(compressed),
            uncompressedSize: Int(uncompressed), localHeaderOffset: Int(localOffset), dataOffset: dataOffset)
    }
}
