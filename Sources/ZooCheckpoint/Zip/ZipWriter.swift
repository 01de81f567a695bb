/// Writes a zip archive entry by entry into an `AtomicFileWriter`.
///
/// Stored entries start on a 64-byte boundary (padding goes in an extra field, as PyTorch's own
/// writer does), so readers can map them. Zip64 records are written for any entry or offset past
/// 4 GiB and, when `forceZip64` is set, for everything (tests use it to exercise Zip64 readers
/// without 4 GiB files). Times are fixed at 1980-01-01 so equal inputs give equal files.
final class ZipWriter {
    private struct Record {
        let name: [UInt8]
        let method: ZipEntry.Method
        let crc32: UInt32
        let compressedSize: Int
        let uncompressedSize: Int
        let localHeaderOffset: Int
        let usesZip64Sizes: Bool
    }

    let output: AtomicFileWriter
    let forceZip64: Bool
    let alignment: Int
    private var records: [Record] = []
    private var names = Set<String>()

    init(output: AtomicFileWriter, alignment: Int = 64, forceZip64: Bool = false) {
        self.output = output
        self.alignment = alignment
        self.forceZip64 = forceZip64
    }

    /// Adds a stored entry; `crc32` may be passed when the caller already knows it.
    func addStored(_ name: String, _ bytes: UnsafeRawBufferPointer, crc32 known: UInt32? = nil) throws {
        try add(name, method: .stored, data: bytes, uncompressedSize: bytes.count, crc32: known ?? crc32(bytes))
    }

    func addStored(_ name: String, _ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try addStored(name, $0) }
    }

    /// Adds an entry whose data is already raw-deflated.
    func addDeflated(_ name: String, compressed: [UInt8], uncompressedSize: Int, crc32: UInt32) throws {
        try addCompressed(
            name, method: .deflate, compressed: compressed, uncompressedSize: uncompressedSize, crc32: crc32)
    }

    /// Adds an entry whose data is already compressed with `method` (raw deflate or a zstd frame).
    func addCompressed(
        _ name: String, method: ZipEntry.Method, compressed: [UInt8], uncompressedSize: Int, crc32: UInt32
    ) throws {
        try compressed.withUnsafeBytes {
            try add(name, method: method, data: $0, uncompressedSize: uncompressedSize, crc32: crc32)
        }
    }

    private func add(
        _ name: String, method: ZipEntry.Method, data: UnsafeRawBufferPointer, uncompressedSize: Int, crc32: UInt32
    ) throws {
        guard names.insert(name).inserted else {
            throw CheckpointError.invalidArgument("zip entry '\(name)' written twice")
        }
        let nameBytes = Array(name.utf8)
        let zip64Sizes = forceZip64 || data.count >= 0xFFFF_FFFF || uncompressedSize >= 0xFFFF_FFFF
        let headerOffset = output.offset
        var extra = [UInt8]()
        if zip64Sizes {
            extra.append16(0x0001); extra.append16(16)
            extra.append64(UInt64(uncompressedSize)); extra.append64(UInt64(data.count))
        }
        if method == .stored && alignment > 1 {
            // Pad with an extra field so the data begins on an alignment boundary.
            let unpadded = headerOffset + 30 + nameBytes.count + extra.count
            var padding = (alignment - unpadded % alignment) % alignment
            if padding > 0 && padding < 4 { padding += alignment }
            if padding > 0 {
                extra.append16(0x4246)  // "FB", the id PyTorch uses for the same padding
                extra.append16(UInt16(padding - 4))
                extra += [UInt8](repeating: 0, count: padding - 4)
            }
        }
        var header = [UInt8]()
        header.append32(0x0403_4b50)
        header.append16(zip64Sizes ? 45 : 20)
        header.append16(0x0800)  // names are UTF-8
        header.append16(method.rawValue)
        header.append16(0); header.append16(0x21)  // 00:00, 1980-01-01
        header.append32(crc32)
        header.append32(zip64Sizes ? 0xFFFF_FFFF : UInt32(data.count))
        header.append32(zip64Sizes ? 0xFFFF_FFFF : UInt32(uncompressedSize))
        header.append16(UInt16(nameBytes.count))
        header.append16(UInt16(extra.count))
        header += nameBytes
        header += extra
        try output.write(header)
        try output.write(data)
        records.append(
            Record(
                name: nameBytes, method: method, crc32: crc32, compressedSize: data.count,
                uncompressedSize: uncompressedSize, localHeaderOffset: headerOffset, usesZip64Sizes: zip64Sizes))
    }

    /// Writes the central directory and end records. The archive is complete afterwards.
    func finish() throws {
        let directoryOffset = output.offset
        var directory = [UInt8]()
        for record in records {
            let zip64Offset = forceZip64 || record.localHeaderOffset >= 0xFFFF_FFFF
            var extra = [UInt8]()
            if record.usesZip64Sizes || zip64Offset {
                var field = [UInt8]()
                if record.usesZip64Sizes {
                    field.append64(UInt64(record.uncompressedSize)); field.append64(UInt64(record.compressedSize))
                }
                if zip64Offset { field.append64(UInt64(record.localHeaderOffset)) }
                extra.append16(0x0001); extra.append16(UInt16(field.count))
                extra += field
            }
            let zip64 = !extra.isEmpty
            directory.append32(0x0201_4b50)
            directory.append16(0x0300 | (zip64 ? 45 : 20))  // made by: Unix
            directory.append16(zip64 ? 45 : 20)
            directory.append16(0x0800)
            directory.append16(record.method.rawValue)
            directory.append16(0); directory.append16(0x21)
            directory.append32(record.crc32)
            directory.append32(record.usesZip64Sizes ? 0xFFFF_FFFF : UInt32(record.compressedSize))
            directory.append32(record.usesZip64Sizes ? 0xFFFF_FFFF : UInt32(record.uncompressedSize))
            directory.append16(UInt16(record.name.count))
            directory.append16(UInt16(extra.count))
            directory.append16(0)  // comment
            directory.append16(0)  // disk
            directory.append16(0)  // internal attributes
            directory.append32(0o100644 << 16)  // regular file, rw-r--r--
            directory.append32(zip64Offset ? 0xFFFF_FFFF : UInt32(record.localHeaderOffset))
            directory += record.name
            directory += extra
            if directory.count >= 1 << 20 { try output.write(directory); directory.removeAll(keepingCapacity: true) }
        }
        try output.write(directory)
        let directorySize = output.offset - directoryOffset
        let needsZip64 =
            forceZip64 || records.count >= 0xFFFF || directoryOffset >= 0xFFFF_FFFF || directorySize >= 0xFFFF_FFFF
        var end = [UInt8]()
        if needsZip64 {
            let zip64RecordOffset = output.offset
            end.append32(0x0606_4b50)
            end.append64(44)
            end.append16(0x0300 | 45); end.append16(45)
            end.append32(0); end.append32(0)
            end.append64(UInt64(records.count)); end.append64(UInt64(records.count))
            end.append64(UInt64(directorySize)); end.append64(UInt64(directoryOffset))
            end.append32(0x0706_4b50)
            end.append32(0)
            end.append64(UInt64(zip64RecordOffset))
            end.append32(1)
        }
        end.append32(0x0605_4b50)
        end.append16(0); end.append16(0)
        end.append16(needsZip64 ? 0xFFFF : UInt16(records.count))
        end.append16(needsZip64 ? 0xFFFF : UInt16(records.count))
        end.append32(needsZip64 ? 0xFFFF_FFFF : UInt32(directorySize))
        end.append32(needsZip64 ? 0xFFFF_FFFF : UInt32(directoryOffset))
        end.append16(0)
        try output.write(end)
    }
}

extension Array where Element == UInt8 {
    mutating func append16(_ value: UInt16) { Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) } }
    mutating func append32(_ value: UInt32) { Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) } }
    mutating func append64(_ value: UInt64) { Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) } }
}
