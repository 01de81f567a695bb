import Foundation
import Testing
import ZooTensor

@testable import ZooCheckpoint

/// Broken and malicious files: each gets a clear error, never a crash, and never an output file.
@Suite struct HostileInputTests {
    /// A zip archive built in memory from (name, bytes) entries; deflated ones may lie about their size.
    static func zip(
        _ entries: [(name: String, data: [UInt8])], deflated: (name: String, data: [UInt8], declaredSize: Int)? = nil
    ) throws -> [UInt8] {
        let directory = makeTemporaryDirectory()
        defer { cleanUp(directory) }
        let path = directory + "/archive.zip"
        try AtomicFileWriter.write(to: path) { output in
            let writer = ZipWriter(output: output)
            for (name, data) in entries { try writer.addStored(name, data) }
            if let deflated {
                let compressed = deflated.data.withUnsafeBytes { Deflate.compress($0) }
                try writer.addDeflated(
                    deflated.name, compressed: compressed, uncompressedSize: deflated.declaredSize,
                    crc32: crc32(deflated.data))
            }
            try writer.finish()
        }
        return Array(FileManager.default.contents(atPath: path)!)
    }

    /// A torch.save-style archive whose data.pkl is `pickle`.
    static func pth(pickle: [UInt8], storages: [[UInt8]] = []) throws -> [UInt8] {
        var entries: [(name: String, data: [UInt8])] = [("archive/data.pkl", pickle)]
        for (index, storage) in storages.enumerated() { entries.append(("archive/data/\(index)", storage)) }
        entries.append(("archive/version", Array("3\n".utf8)))
        return try zip(entries)
    }

    static func load(_ bytes: [UInt8], limits: ReadLimits = ReadLimits()) throws -> Checkpoint {
        try Checkpoint.load(bytes: bytes, label: "hostile", options: LoadOptions(limits: limits))
    }

    static let goodPth = Array(FileManager.default.contents(atPath: fixture("every_dtype_zip.pth"))!)

    // MARK: Zip container

    @Test func truncatedZipIsReportedAtEveryCut() throws {
        for length in stride(from: 0, to: Self.goodPth.count, by: 211) {
            #expect(throws: CheckpointError.self, "cut at \(length)") { try Self.load(Array(Self.goodPth[..<length])) }
        }
        #expect {
            try Self.load(Array(Self.goodPth.dropLast(100)))
        } throws: { error in
            guard case let .truncated(path, what) = error as? CheckpointError else { return false }
            return path == "hostile" && what.contains("end-of-central-directory")
        }
    }

    @Test func badCRCNamesTheEntry() throws {
        var bytes = Self.goodPth
        let archive = try ZipArchive(file: MappedFile(bytes: bytes, label: "x"))
        let entry = try #require(archive.entries.first { $0.uncompressedSize == 64 * 64 * 4 })
        bytes[entry.dataOffset + 100] ^= 0x40
        #expect {
            try Self.load(bytes)
        } throws: { error in
            guard case let .checksumMismatch(_, name, expected, actual) = error as? CheckpointError else {
                return false
            }
            return name == entry.name && expected == entry.crc32 && actual != expected
        }
        // With verification off the same file loads (the caller chose speed over the check).
        _ = try Checkpoint.load(bytes: bytes, options: LoadOptions(verifyChecksums: false))
    }

    /// The converter checks most CRCs while writing (one pass over the bytes); a bad one still
    /// aborts the conversion and leaves no file, for .pth and .zoo inputs and outputs.
    @Test(arguments: ["out.zoo", "out.pth"])
    func badCRCStopsConversionMidWrite(output: String) throws {
        let directory = makeTemporaryDirectory()
        defer { cleanUp(directory) }
        var bytes = Self.goodPth
        let archive = try ZipArchive(file: MappedFile(bytes: bytes, label: "x"))
        let entry = try #require(archive.entries.first { $0.uncompressedSize == 64 * 64 * 4 })
        bytes[entry.dataOffset + 5] ^= 1
        let input = directory + "/bad.pth"
        _ = FileManager.default.createFile(atPath: input, contents: Data(bytes))
        #expect {
            try convertCheckpoint(from: input, to: directory + "/" + output)
        } throws: { error in
            guard case let .checksumMismatch(path, name, _, _) = error as? CheckpointError else { return false }
            return path == input && name == entry.name
        }
        #expect(listing(directory) == ["bad.pth"])
        // The same through a .zoo: corrupt one tensor entry of a converted file.
        try convertCheckpoint(from: fixture("every_dtype_zip.pth"), to: directory + "/good.zoo")
        var zoo = Array(FileManager.default.contents(atPath: directory + "/good.zoo")!)
        let zooArchive = try ZipArchive(file: MappedFile(bytes: zoo, label: "z"))
        let tensorEntry = try #require(zooArchive.entries.first { $0.uncompressedSize == 64 * 64 * 4 })
        zoo[tensorEntry.dataOffset + 9] ^= 1
        _ = FileManager.default.createFile(atPath: directory + "/bad.zoo", contents: Data(zoo))
        #expect(throws: CheckpointError.self) {
            try convertCheckpoint(from: directory + "/bad.zoo", to: directory + "/" + output)
        }
        #expect(throws: CheckpointError.self) { try Checkpoint.load(directory + "/bad.zoo") }
        #expect(listing(directory) == ["bad.pth", "bad.zoo", "good.zoo"])
    }

    @Test func deflatedEntryExpandingPastItsDeclaredSizeIsRefused() throws {
        // data/0 claims 16 bytes (four floats, as the pickle says) but inflates to a megabyte.
        let pickle = try Self.stateDictPickle(numel: 4)
        let bytes = try Self.zip(
            [("archive/data.pkl", pickle), ("archive/version", Array("3\n".utf8))],
            deflated: ("archive/data/0", [UInt8](repeating: 0, count: 1 << 20), 16))
        #expect {
            try Self.load(bytes)
        } throws: { error in
            guard case let .limitExceeded(_, what) = error as? CheckpointError else { return false }
            return what.contains("inflates past its declared size")
        }
    }

    @Test func declaredSizeBeyondDeflateRatioOrLimitIsRefusedBeforeAllocating() throws {
        let bytes = try Self.zip([], deflated: ("bomb", [UInt8](repeating: 7, count: 1000), 1 << 40))
        // The decompression limits refuse it when it is opened (InflationLimitTests)...
        #expect {
            try ZipArchive(file: MappedFile(bytes: bytes, label: "bomb.zip"))
        } throws: { error in
            guard case let .limitExceeded(_, what) = error as? CheckpointError else { return false }
            return what.contains("ratio")
        }
        // ...and with them raised, deflate's own 1032:1 bound still refuses it before allocating.
        var raised = ReadLimits()
        raised.maxInflatedSize = .max
        let archive = try ZipArchive(file: MappedFile(bytes: bytes, label: "bomb.zip"), limits: raised)
        #expect {
            try archive.storage(of: archive.entry(named: "bomb")!, verify: true)
        } throws: { error in
            guard case let .corrupt(_, what) = error as? CheckpointError else { return false }
            return what.contains("ratio")
        }
        var limits = ReadLimits()
        limits.maxEntryBytes = 500
        let honest = try Self.zip([], deflated: ("big", [UInt8](repeating: 7, count: 1000), 1000))
        let limited = try ZipArchive(file: MappedFile(bytes: honest, label: "big.zip"), limits: limits)
        #expect(throws: CheckpointError.self) { try limited.storage(of: limited.entry(named: "big")!, verify: true) }
    }

    // MARK: Pickle

    @Test(arguments: [
        // GLOBAL 'os system', then REDUCE: what a malicious torch.save payload looks like.
        (
            "os", "system",
            Array(
                "\u{80}\u{02}cos\nsystem\nX\u{04}\u{00}\u{00}\u{00}echo\u{85}R.".unicodeScalars.map { UInt8($0.value) })
        ),
        // Protocol 4 STACK_GLOBAL builtins.eval.
        (
            "builtins", "eval",
            Array(
                "\u{80}\u{04}\u{8c}\u{08}builtins\u{8c}\u{04}eval\u{93}X\u{01}\u{00}\u{00}\u{00}1\u{85}R."
                    .unicodeScalars.map { UInt8($0.value) })
        ),
        ("posix", "system", Array("cposix\nsystem\n(S'ls'\ntR.".utf8)),
    ])
    func forbiddenGlobalIsNamedAndNeverCalled(module: String, name: String, pickle: [UInt8]) throws {
        for bytes in [try Self.pth(pickle: pickle), pickle] {  // inside a zip, and as a legacy file
            #expect {
                try Self.load(bytes)
            } throws: { error in
                guard let error = error as? CheckpointError, case let .forbiddenGlobal(_, m, n) = error else {
                    return false
                }
                return m == module && n == name && error.description.contains("'\(module).\(name)'")
            }
        }
    }

    @Test func unknownOpcodeIsReportedWithItsOffset() throws {
        #expect {
            try Self.load(try Self.pth(pickle: [0x80, 0x02, 0xFF, 0x2E]))
        } throws: { error in
            guard case let .unknownOpcode(_, opcode, offset) = error as? CheckpointError else { return false }
            return opcode == 0xFF && offset == 2
        }
    }

    @Test func tensorViewPastItsStorageIsRefused() throws {
        // The pickle says 4 elements of storage but asks for a 10-element view.
        var pickle = try Self.stateDictPickle(numel: 4, shape: [10])
        _ = pickle.popLast()
        pickle.append(0x2E)
        let bytes = try Self.pth(pickle: pickle, storages: [[UInt8](repeating: 0, count: 16)])
        #expect {
            try Self.load(bytes)
        } throws: { error in
            guard case let .invalidTensor(_, tensor, reason) = error as? CheckpointError else { return false }
            return tensor == "w" && reason.contains("reaches element 9")
        }
    }

    @Test func malformedPicklesFailCleanly() throws {
        let programs: [[UInt8]] = [
            [0x80, 0x02],  // no STOP
            [0x80, 0x02, 0x2E],  // STOP on an empty stack
            [0x80, 0x02, 0x68, 0x05, 0x2E],  // BINGET before BINPUT
            [0x80, 0x02, 0x58, 0xFF, 0xFF, 0xFF, 0x7F, 0x2E],  // string longer than the file
            [0x80, 0x02, 0x5D, 0x71, 0x00, 0x68, 0x00, 0x61, 0x2E],  // a list appended to itself
            [0x80, 0x02, 0x4B, 0x01, 0x2E],  // top level is an int
            [0x80, 0x02, 0x82, 0x01, 0x2E],  // EXT1
        ]
        for program in programs {
            #expect(throws: CheckpointError.self, "\(program)") { try Self.load(try Self.pth(pickle: program)) }
        }
    }

    // MARK: safetensors

    static func safetensors(header: String, dataBytes: Int, declaredLength: UInt64? = nil) -> [UInt8] {
        var bytes = [UInt8]()
        bytes.append64(declaredLength ?? UInt64(header.utf8.count))
        bytes += Array(header.utf8)
        bytes += [UInt8](repeating: 1, count: dataBytes)
        return bytes
    }

    @Test func safetensorsOverlappingOffsetsAreRefused() throws {
        let header =
            #"{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},"b":{"dtype":"F32","shape":[4],"data_offsets":[8,24]}}"#
        #expect {
            try Self.load(Self.safetensors(header: header, dataBytes: 24))
        } throws: { error in
            guard case let .corrupt(_, what) = error as? CheckpointError else { return false }
            return what.contains("'b' starts at byte 8") && what.contains("overlap")
        }
    }

    @Test func safetensorsHeaderPastTheEndIsRefused() throws {
        let header = #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#
        #expect {
            try Self.load(Self.safetensors(header: header, dataBytes: 4, declaredLength: 10_000))
        } throws: { error in
            guard case let .truncated(_, what) = error as? CheckpointError else { return false }
            return what.contains("header of 10000 bytes runs past the end")
        }
    }

    @Test func safetensorsValidationRules() throws {
        let cases: [(String, Int)] = [
            (#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}"#, 4),  // span ≠ shape × size
            (#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, 8),  // gap at the start
            (#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, 8),  // data left over
            (
                #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#,
                8
            ),  // duplicate key
            (#"{"a":{"dtype":"X9","shape":[1],"data_offsets":[0,4]}}"#, 4),  // unknown dtype
            (#"{"a":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,4]}}"#, 4),  // overflow
            (#"{"a":1}"#, 0),
            (#"[1,2]    "#, 0),
        ]
        for (header, data) in cases {
            #expect(throws: CheckpointError.self, "\(header)") {
                try Self.load(Self.safetensors(header: header, dataBytes: data))
            }
        }
        #expect(throws: CheckpointError.self) {
            try Self.load(Self.safetensors(header: "{}", dataBytes: 0, declaredLength: 200_000_000))
        }
    }

    /// Found by ZooFuzzNPY: an empty tensor whose other sizes overflow when multiplied into strides.
    @Test func emptyTensorWithOverflowingStridesIsRefused() throws {
        let npyHeader = Array(
            "{'descr': '<f4', 'fortran_order': False, 'shape': (0, 6311867437618, 793996318180796), }\n".utf8)
        let npy = NPY.magic + [1, 0, UInt8(npyHeader.count), 0] + npyHeader
        #expect {
            try NPY.decode(npy)
        } throws: { error in
            guard case let .invalidTensor(_, _, reason) = error as? CheckpointError else { return false }
            return reason.contains("overflows")
        }
        let header = #"{"a":{"dtype":"F32","shape":[0,6311867437618,793996318180796],"data_offsets":[0,0]}}"#
        #expect(throws: CheckpointError.self) { try Self.load(Self.safetensors(header: header, dataBytes: 0)) }
        let pickle = try Self.stateDictPickle(numel: 4, shape: [0, 1 << 40, 1 << 40], strides: [0, 1 << 40, 1])
        #expect(throws: CheckpointError.self) {
            try Self.load(try Self.pth(pickle: pickle, storages: [[UInt8](repeating: 0, count: 16)]))
        }
    }

    // MARK: No partial output

    @Test func failedConversionLeavesNoFile() throws {
        let directory = makeTemporaryDirectory()
        defer { cleanUp(directory) }
        let input = directory + "/evil.pth"
        _ = FileManager.default.createFile(
            atPath: input, contents: Data(try Self.pth(pickle: Array("cos\nsystem\n(S'ls'\ntR.".utf8))))
        #expect(throws: CheckpointError.self) { try convertCheckpoint(from: input, to: directory + "/out.zoo") }
        #expect(listing(directory) == ["evil.pth"])
        // A failure in the middle of writing removes the temporary file too.
        struct Interrupted: Error {}
        #expect(throws: Interrupted.self) {
            try AtomicFileWriter.write(to: directory + "/half.zoo") { output in
                try output.write([UInt8](repeating: 1, count: 1 << 20))
                throw Interrupted()
            }
        }
        #expect(listing(directory) == ["evil.pth"])
        // Remapping two names onto one is refused before anything is written.
        var options = ConvertOptions()
        options.remaps = [try KeyRemap(rule: "^float.*=x")]
        #expect(throws: CheckpointError.self) {
            try convertCheckpoint(from: fixture("every_dtype_zip.pth"), to: directory + "/x.zoo", options: options)
        }
        #expect(listing(directory) == ["evil.pth"])
    }

    // MARK: Helpers

    /// OrderedDict(w=tensor over storage '0' with `numel` floats), as torch.save pickles it.
    static func stateDictPickle(numel: Int, shape: [Int]? = nil, strides: [Int] = [1]) throws -> [UInt8] {
        var pickle = PickleWriter()
        pickle.emptyOrderedDict()
        pickle.op(.mark)
        pickle.string("w")
        pickle.global("torch._utils", "_rebuild_tensor_v2")
        pickle.op(.mark)
        pickle.op(.mark)
        pickle.string("storage"); pickle.global("torch", "FloatStorage"); pickle.string("0"); pickle.string("cpu");
        pickle.int(numel)
        pickle.op(.tuple)
        pickle.op(.binPersId)
        pickle.int(0)
        pickle.tuple(shape ?? [numel])
        pickle.tuple(strides)
        pickle.bool(false)
        pickle.emptyOrderedDict()
        pickle.op(.tuple)
        pickle.op(.reduce)
        pickle.op(.setItems)
        pickle.op(.stop)
        return pickle.bytes
    }
}
