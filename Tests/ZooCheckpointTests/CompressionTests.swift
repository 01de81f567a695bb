import CZlib
import Foundation
import Testing
import ZooTensor

@testable import ZooCheckpoint

/// The fast paths of checkpoint I/O keep its safety: the folded CRC-32 equals zlib's, zstd entries
/// obey the decompression limits and answer malformed data with an error naming the file.
@Suite struct CompressionTests {
    static let random: [UInt8] = {
        var generator = SystemRandomNumberGenerator()
        return (0..<(1 << 20) + 300).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }()

    /// zlib's table-driven CRC-32 is the reference: every length around the folding path's block
    /// sizes and thresholds, every alignment, continued from any value.
    @Test func crc32EqualsZlibAtEveryLengthAlignmentAndStart() throws {
        var lengths = [0, 1, 15, 16, 127, 128, 129, 1023, 1024, 1025, 1151, 1152, 4096 + 17, 65536, 1 << 20]
        lengths += (0..<40).map { _ in Int.random(in: 0..<(1 << 20)) }
        try Self.random.withUnsafeBytes { bytes in
            for length in lengths {
                for offset in [0, 1, 3, 8, 31, 63] where offset + length <= bytes.count {
                    let slice = UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + length])
                    let start = UInt32.random(in: 0...UInt32.max)
                    let expected = UInt32(
                        CZlib.crc32(uLong(start), slice.baseAddress?.assumingMemoryBound(to: Bytef.self), uInt(length)))
                    try #require(crc32(slice, continuing: start) == expected, "length \(length) at offset \(offset)")
                }
            }
            // Continuing is the same as one pass.
            let whole = crc32(bytes)
            let split = crc32(
                UnsafeRawBufferPointer(rebasing: bytes[5000...]),
                continuing: crc32(
                    UnsafeRawBufferPointer(rebasing: bytes[..<5000])))
            #expect(whole == split)
        }
    }

    @Test(arguments: [1, 2, 4, 8, 3])
    func byteShuffleRoundTripsAndGroupsBytes(elementSize: Int) throws {
        let count = 10_001
        let source = Array(Self.random[0..<count * elementSize])
        let shuffled = source.withUnsafeBytes { ByteShuffle.shuffle($0, elementSize: elementSize) }
        for index in [0, 1, 5000, count - 1] {
            for byte in 0..<elementSize {
                #expect(shuffled[byte * count + index] == source[index * elementSize + byte])
            }
        }
        var back = [UInt8](repeating: 0, count: source.count)
        shuffled.withUnsafeBytes { input in
            back.withUnsafeMutableBytes { ByteShuffle.unshuffle(input, into: $0, elementSize: elementSize) }
        }
        #expect(back == source)
    }

    /// 8 MiB of float zeros: a zstd `.zoo` of a few KiB (a ratio of thousands).
    static func zeroZoo(in directory: String) throws -> String {
        let path = directory + "/zeros.zoo"
        let checkpoint = Checkpoint(tensors: [("w", Tensor(zeros: [2 << 20], dtype: .float32))])
        try checkpoint.save(path, options: SaveOptions(compress: true))
        return path
    }

    @Test func zstdBombIsRefusedByTheLimitsAndNothingIsWritten() throws {
        let directory = makeTemporaryDirectory()
        defer { cleanUp(directory) }
        let bomb = try Self.zeroZoo(in: directory)
        let archive = try ZipArchive(file: MappedFile(path: bomb))
        #expect(archive.entries.contains { $0.method == .zstd })
        var limits = ReadLimits()
        limits.maxInflatedSize = 1 << 20
        #expect {
            try convertCheckpoint(
                from: bomb, to: directory + "/out.zoo", options: ConvertOptions(load: LoadOptions(limits: limits)))
        } throws: { error in
            guard case let .limitExceeded(path, _) = error as? CheckpointError else { return false }
            return path == bomb && "\(error)".contains("--max-inflated-size") && "\(error)".contains("8 MiB")
        }
        #expect(listing(directory) == ["zeros.zoo"])
        var raised = limits
        raised.maxInflateRatio = 100_000
        let loaded = try Checkpoint.load(bomb, options: LoadOptions(limits: raised))
        #expect(loaded["w"]!.shape == [2 << 20])
        #expect(loaded["w"]!.contiguousBytes().allSatisfy { $0 == 0 })
    }

    @Test func zstdEntryPastItsDeclaredSizeIsRefused() throws {
        let directory = makeTemporaryDirectory()
        defer { cleanUp(directory) }
        let path = directory + "/liar.zip"
        try AtomicFileWriter.write(to: path) { output in
            let writer = ZipWriter(output: output)
            let data = [UInt8](repeating: 1, count: 1 << 20)
            let compressed = data.withUnsafeBytes { Zstd.compress($0) }
            try writer.addCompressed("liar", method: .zstd, compressed: compressed, uncompressedSize: 16, crc32: 0)
            try writer.finish()
        }
        var raised = ReadLimits()
        raised.maxInflateRatio = 1e9
        let archive = try ZipArchive(file: MappedFile(path: path), limits: raised)
        #expect {
            try archive.storage(of: archive.entry(named: "liar")!, verify: true)
        } throws: { error in
            guard case let .limitExceeded(errorPath, what) = error as? CheckpointError else { return false }
            return errorPath == path && what.contains("past its declared size")
        }
    }

    /// Every byte of a zstd entry changed in turn (a stride through it): an error naming the file, never a crash.
    @Test func malformedZstdDataIsReportedNamingTheFile() throws {
        let directory = makeTemporaryDirectory()
        defer { cleanUp(directory) }
        let path = directory + "/smooth.zoo"
        let values = (0..<20_000).map { Float(sin(Double($0) / 300)) }
        try Checkpoint(tensors: [("w", Tensor(values, shape: [values.count]))]).save(
            path, options: SaveOptions(compress: true))
        let good = Array(FileManager.default.contents(atPath: path)!)
        let archive = try ZipArchive(file: MappedFile(bytes: good, label: "x"))
        let entry = try #require(archive.entry(named: "tensors/0"))
        #expect(entry.method == .zstd)
        let broken = directory + "/broken.zoo"
        for offset in stride(from: entry.dataOffset, to: entry.dataOffset + entry.compressedSize, by: 97) {
            var bytes = good
            bytes[offset] ^= 0x5A
            _ = FileManager.default.createFile(atPath: broken, contents: Data(bytes))
            #expect("byte \(offset)") {
                try Checkpoint.load(broken)
            } throws: { error in
                (error as? CheckpointError).map { "\($0)".contains(broken) } ?? false
            }
        }
    }

    /// A verified `.zoo` load checks an entry's CRC in 1 MiB pieces on every core and combines them
    /// (`ZipArchive.storedCRCs`): a byte flipped in any piece of a multi-piece entry, first, middle
    /// or last, still fails the load with an error naming the file and the entry; the good file loads
    /// with the values saved, and the combined CRCs equal zlib's over each whole entry.
    @Test func verifiedLoadCatchesAFlippedByteInEveryPieceOfAnEntry() throws {
        let directory = makeTemporaryDirectory()
        defer { cleanUp(directory) }
        let path = directory + "/pieces.zoo"
        let count = (5 << 20) / 8 + 3  // 2.5 MiB of floats and a few bytes: three pieces, the last short
        let values = (0..<count).map { Float($0 % 1009) * 0.25 }
        try Checkpoint(tensors: [("small", Tensor([1, 2, 3], shape: [3])), ("big", Tensor(values, shape: [count]))])
            .save(path)
        let good = Array(FileManager.default.contents(atPath: path)!)
        let archive = try ZipArchive(file: MappedFile(path: path))
        let entries = archive.entries.filter { $0.name.hasPrefix("tensors/") }
        let crcs = try archive.storedCRCs(entries)
        for entry in entries {
            let expected = good.withUnsafeBufferPointer {
                UInt32(CZlib.crc32(0, $0.baseAddress! + entry.dataOffset, uInt(entry.compressedSize)))
            }
            #expect(crcs[entry.name] == expected, "\(entry.name)")
        }
        let loaded = try Checkpoint.load(path).tensors
        #expect(loaded.map(\.name) == ["small", "big"])
        #expect(loaded[1].tensor.toArray() == values)

        let big = try #require(entries.first { $0.uncompressedSize == count * 4 })
        let broken = directory + "/broken.zoo"
        for offset in [0, 700_000, (1 << 20) + 5, 2 << 20, big.compressedSize - 1] {
            var bytes = good
            bytes[big.dataOffset + offset] ^= 0x10
            _ = FileManager.default.createFile(atPath: broken, contents: Data(bytes))
            #expect("byte \(offset) of the entry") {
                try Checkpoint.load(broken)
            } throws: { error in
                guard case let .checksumMismatch(file, name, expected, actual) = error as? CheckpointError else {
                    return false
                }
                return file == broken && name == big.name && expected == big.crc32 && actual != expected
            }
        }
    }
}
