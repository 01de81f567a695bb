import Foundation
import Testing
import ZooTensor

@testable import ZooCheckpoint

/// The decompression limits (issue 15, item 2): a zip whose entries inflate past 256 MiB and past
/// 100 times its size is refused when opened, naming the ways to raise the limits.
@Suite struct InflationLimitTests {
    /// `inflate_bomb.pth` from tools/parity/make_inflate_bomb_fixtures.py: a real torch.save zip,
    /// about 1 MB, whose one storage is 1 GiB of zeros, with honest sizes in its headers.
    static func bomb() throws -> String {
        try parityFixture("inflate_bomb.pth", madeBy: "make_inflate_bomb_fixtures.py")
    }

    /// A torch.save-style .pth whose storage is `zeros` zero bytes, deflated (~1000:1).
    static func zeroPth(zeros: Int) throws -> [UInt8] {
        let pickle = try HostileInputTests.stateDictPickle(numel: zeros / 4)
        return try HostileInputTests.zip(
            [("archive/data.pkl", pickle), ("archive/version", Array("3\n".utf8))],
            deflated: ("archive/data/0", [UInt8](repeating: 0, count: zeros), zeros))
    }

    @Test func honestBombIsRefusedNamingTheLimitsAndNothingIsWritten() throws {
        let bomb = try Self.bomb()
        let directory = makeTemporaryDirectory()
        defer { cleanUp(directory) }
        for output in ["out.zoo", "out.safetensors"] {
            #expect {
                try convertCheckpoint(from: bomb, to: directory + "/" + output)
            } throws: { error in
                guard case let .limitExceeded(path, _) = error as? CheckpointError else { return false }
                let message = "\(error)"
                return path == bomb && message.contains("1.0 GiB") && message.contains("--max-inflated-size")
                    && message.contains("ZOO_MAX_INFLATED_SIZE") && message.contains("ReadLimits.maxInflatedSize")
            }
        }
        #expect(listing(directory) == [])
        #expect(throws: CheckpointError.self) { try Checkpoint.load(bomb) }
    }

    @Test func refusedOnlyPastBothLimitsAndRaisingEitherLetsItThrough() throws {
        let bytes = try Self.zeroPth(zeros: 4 << 20)  // 4 MiB from ~4 KiB
        var limits = ReadLimits()
        limits.maxInflatedSize = 1 << 20
        #expect(throws: CheckpointError.self) {
            try Checkpoint.load(bytes: bytes, label: "zeros.pth", options: LoadOptions(limits: limits))
        }
        var bySize = limits
        bySize.maxInflatedSize = 4 << 20
        let loaded = try Checkpoint.load(bytes: bytes, label: "zeros.pth", options: LoadOptions(limits: bySize))
        #expect(loaded["w"]?.shape == [1 << 20])
        var byRatio = limits
        byRatio.maxInflateRatio = 5000
        _ = try Checkpoint.load(bytes: bytes, label: "zeros.pth", options: LoadOptions(limits: byRatio))
        // Well-compressible but not bomb-like: a ratio under 100 passes whatever the size.
        var tinySize = ReadLimits()
        tinySize.maxInflatedSize = 0
        _ = try Checkpoint.load(fixture("every_dtype_zip.pth"), options: LoadOptions(limits: tinySize))
    }

    @Test func environmentSetsTheDefaultsAndAMalformedValueIsReported() throws {
        let set = ReadLimits.fromEnvironment(["ZOO_MAX_INFLATED_SIZE": "1.5GiB", "ZOO_MAX_INFLATE_RATIO": "250"])
        #expect(set.maxInflatedSize == 3 << 29 && set.maxInflateRatio == 250)
        #expect(ReadLimits.fromEnvironment([:]) == ReadLimits.fromEnvironment(["ZOO_MAX_INFLATED_SIZE": ""]))
        #expect(ReadLimits.fromEnvironment([:]).maxInflatedSize == 256 << 20)
        let bad = ReadLimits.fromEnvironment(["ZOO_MAX_INFLATED_SIZE": "lots"])
        #expect {
            try Checkpoint.load(fixture("every_dtype_zip.pth"), options: LoadOptions(limits: bad))
        } throws: { error in
            "\(error)".contains("ZOO_MAX_INFLATED_SIZE='lots'")
        }
        var fixed = bad
        fixed.maxInflatedSize = 1 << 30  // a program's own setting replaces the malformed one
        _ = try Checkpoint.load(fixture("every_dtype_zip.pth"), options: LoadOptions(limits: fixed))
    }

    @Test(arguments: [
        ("268435456", 268_435_456), ("256M", 256 << 20), ("256MiB", 256 << 20), ("1g", 1 << 30),
        ("2 GB", 2 << 30), ("512k", 512 << 10), ("0", 0),
    ])
    func sizesParseAsDuPrintsThem(text: String, bytes: Int) {
        #expect(InflationLimit.parseSize(text) == bytes)
    }

    @Test(arguments: ["", "M", "-1", "12Q", "1e30"])
    func malformedSizesAreRejected(text: String) {
        #expect(InflationLimit.parseSize(text) == nil)
    }
}
