import Foundation
import Testing
import ZooCheckpoint

/// `--max-inflated-size` / `--max-inflate-ratio` and their environment variables, end to end.
struct ReadLimitCommandTests {
    @Test func bombIsRefusedNamingTheFlagAndWritesNothing() throws {
        let bomb = try Fixtures.parity("inflate_bomb.pth")
        let scratch = try TemporaryDirectory()
        let result = try ZooProcess.run("convert", bomb.path, scratch.path("out.zoo"))
        #expect(result.status != 0)
        #expect(result.stderr.contains(bomb.path) && result.stderr.contains("--max-inflated-size"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: scratch.path("out.zoo")))
        let pull = try ZooProcess.run("pull", "resnet18", "--zoo", scratch.path("nowhere"), "--max-inflate-ratio", "x")
        #expect(pull.status == ZooCommandTests.usageError && pull.stderr.contains("--max-inflate-ratio"))
    }

    /// The one test that lets the 1 GiB through (it allocates it).
    @Test func raisingTheLimitLetsTheBombThrough() throws {
        let bomb = try Fixtures.parity("inflate_bomb.pth")
        let result = try ZooProcess.run("inspect", bomb.path, "--max-inflated-size", "2GiB")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("[268435456]"), "\(result.stdout)")
    }

    @Test func environmentSetsTheLimitsAndFlagsWin() throws {
        let scratch = try TemporaryDirectory()
        let compressed = scratch.path("small.zoo")
        let convert = try ZooProcess.run(
            "convert", Fixtures.url("Tests/ZooCheckpointTests/Fixtures/every_dtype_zip.pth").path,
            compressed, "--compress")
        #expect(convert.status == 0, "\(convert.stderr)")
        // Limits low enough to refuse an ordinary compressed file: the environment's are used...
        let strict = ["ZOO_MAX_INFLATED_SIZE": "1K", "ZOO_MAX_INFLATE_RATIO": "0.01"]
        let refused = try ZooProcess.run(["inspect", compressed], environment: strict)
        #expect(refused.status != 0 && refused.stderr.contains("ZOO_MAX_INFLATE_RATIO"), "\(refused.stderr)")
        // ...unless a flag says otherwise; a malformed variable is an error, not ignored.
        let flagged = try ZooProcess.run(["inspect", compressed, "--max-inflate-ratio", "100"], environment: strict)
        #expect(flagged.status == 0, "\(flagged.stderr)")
        let malformed = try ZooProcess.run(["inspect", compressed], environment: ["ZOO_MAX_INFLATE_RATIO": "many"])
        #expect(
            malformed.status != 0 && malformed.stderr.contains("ZOO_MAX_INFLATE_RATIO='many'"), "\(malformed.stderr)")
    }
}

/// `zoo convert` and `zoo inspect` take a sharded checkpoint's index.
struct ShardedCommandTests {
    @Test func convertAndInspectTakeAShardIndex() throws {
        let index = try Fixtures.parity("sharded/model.safetensors.index.json")
        let inspect = try ZooProcess.run("inspect", index.path)
        #expect(inspect.status == 0, "\(inspect.stderr)")
        #expect(inspect.stdoutLines.first == "\(index.path): safetensors")
        let scratch = try TemporaryDirectory()
        let convert = try ZooProcess.run("convert", index.path, scratch.path("joined.zoo"))
        #expect(convert.status == 0, "\(convert.stderr)")
        let whole = try ZooProcess.run("inspect", try Fixtures.parity("sharded/model.safetensors").path)
        let joined = try ZooProcess.run("inspect", scratch.path("joined.zoo"))
        #expect(inspect.stdoutLines.last == whole.stdoutLines.last)
        #expect(joined.stdoutLines.last == whole.stdoutLines.last)
    }
}
