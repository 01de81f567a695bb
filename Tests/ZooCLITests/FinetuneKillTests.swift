// A `zoo finetune` killed with SIGKILL while it rewrites last.zoo leaves the previous last.zoo whole:
// it loads, holds a complete epoch's training state, and a run resumes from it.

import Foundation
import Testing
import ZooCheckpoint

@Suite struct FinetuneKillTests {
    /// What the folder looks like at one moment: last.zoo's identity and size, and any of its temp files.
    struct Snapshot: Equatable {
        var inode: UInt64 = 0
        var size: Int64 = 0
        var modified: Double = 0
        var temporaries: [String] = []

        init(_ directory: String) {
            var info = stat()
            if stat(directory + "/last.zoo", &info) == 0 {
                inode = UInt64(info.st_ino)
                size = Int64(info.st_size)
                modified = Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) * 1e-9
            }
            temporaries = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
                .filter { $0.hasPrefix(".last.zoo.") }
        }

        var hasLast: Bool { inode != 0 }
    }

    /// Runs a long fine-tune and SIGKILLs it the moment the `rewrites`-th rewrite of last.zoo begins
    /// (a temp file appears beside it, or last.zoo itself changes); returns whether a temp file was
    /// caught, so the kill really fell inside a write.
    static func killDuringWrite(out: String, rewrites: Int) throws -> Bool {
        guard FileManager.default.isExecutableFile(atPath: ZooProcess.binary.path) else {
            throw ZooProcess.MissingBinary()
        }
        let photos = FinetuneCommandTests.photos
        let process = Process()
        process.executableURL = ZooProcess.binary
        process.arguments = [
            "finetune", "resnet10t", "--data", photos.appendingPathComponent("train").path,
            "--val", photos.appendingPathComponent("val").path, "--input-size", "32", "--batch-size", "16",
            "--epochs", "1000", "--lr", "0.01", "--ema", "0.9", "--out", out,
        ]
        var environment = ProcessInfo.processInfo.environment
        environment["ZOO_MANIFESTS"] = nil
        environment["ZOO_HOME"] = out + "-home"
        process.environment = environment
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        let finished = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in finished.signal() }
        try process.run()
        defer {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            _ = finished.wait(timeout: .now() + 30)
        }

        // Bounded: the whole trial gives up after 10 minutes.
        let deadline = Date().addingTimeInterval(600)
        var last = Snapshot(out)
        var seen = 0
        while Date() < deadline {
            guard process.isRunning else {
                Issue.record("zoo finetune exited (\(process.terminationStatus)) before it was killed")
                return false
            }
            let now = Snapshot(out)
            let writing = !now.temporaries.isEmpty
            let lastChanged =
                last.hasLast && (now.inode != last.inode || now.size != last.size || now.modified != last.modified)
            if now.hasLast && ((writing && last.temporaries.isEmpty) || lastChanged) {
                seen += 1
                if seen >= rewrites {
                    kill(process.processIdentifier, SIGKILL)
                    _ = finished.wait(timeout: .now() + 30)
                    #expect(process.terminationReason == .uncaughtSignal)
                    return writing
                }
            }
            last = now
            usleep(500)
        }
        Issue.record("no rewrite of last.zoo began within 10 minutes")
        return false
    }

    @Test func sigkillDuringTheCheckpointWriteKeepsThePreviousLastZoo() throws {
        var caughtInWrite = 0
        for rewrites in [1, 2] {
            let scratch = try TemporaryDirectory()
            let out = scratch.path("out")
            if try Self.killDuringWrite(out: out, rewrites: rewrites) { caughtInWrite += 1 }

            // The previous last.zoo is whole: it loads (checksums on) with a full epoch's state.
            let checkpoint = try Checkpoint.load(out + "/last.zoo")
            let training = try #require(checkpoint.training)
            let epoch = try #require(training["epoch"]?.intValue)
            #expect(epoch >= 1)
            #expect(training["history"]?.arrayValue?.count == epoch)
            #expect(training["weights"]?.stringValue == "ema")
            #expect(checkpoint.architecture == "resnet10t")
            #expect(checkpoint.tensors.contains { $0.name == "fc.weight" })
            let optimizer = try #require(checkpoint.optimizer)
            #expect(optimizer.tensors.contains { $0.name == "model.fc.weight" })
            #expect(optimizer.tensors.contains { $0.name.hasPrefix("optimizer.") })
            let metrics = try String(contentsOfFile: out + "/metrics.csv", encoding: .utf8)
            #expect(metrics.split(separator: "\n").count >= epoch + 1)

            // And a run continues from it.
            let photos = FinetuneCommandTests.photos
            let resumed = try ZooProcess.run([
                "finetune", "resnet10t", "--data", photos.appendingPathComponent("train").path,
                "--input-size", "32", "--batch-size", "16", "--epochs", "\(epoch + 1)", "--ema", "0.9",
                "--out", scratch.path("resumed"), "--resume", out + "/last.zoo",
            ])
            #expect(resumed.status == 0, "\(resumed.stderr)")
        }
        // At least one kill fell while the temp file was being written, or the test proved nothing.
        #expect(caughtInWrite >= 1)
    }
}
