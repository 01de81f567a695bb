// `zoo finetune`'s mistakes are caught before any training, with a message naming what is wrong
// (the runs themselves are tested in ZooTrainTests' FineTuneTests, which are fast).

import Foundation
import Testing

@Suite struct FinetuneCommandTests {
    static let photos = ZooProcess.repositoryRoot.appendingPathComponent("examples/photos")

    @Test func badInputIsAClearErrorAndLeavesNothing() throws {
        let scratch = try TemporaryDirectory()
        let train = Self.photos.appendingPathComponent("train").path
        let emptyFolder = scratch.url.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: emptyFolder, withIntermediateDirectories: true)
        let out = scratch.path("out")
        let cases: [([String], String)] = [
            (["--data", scratch.path("missing")], "missing"),
            (["--data", emptyFolder.path], "no class folders"),
            (["--data", train, "--num-classes", "2"], "--num-classes 2 is smaller than the 3 classes"),
            (["--data", train, "--opt", "lamb"], "'sgd', 'adam', 'adamw' or 'rmsprop'"),
            (["--data", train, "--sched", "sawtooth"], "sawtooth"),
            (["--data", train, "--out", "/proc/zoo-cannot-write"], "--out /proc/zoo-cannot-write"),
            (["--data", train, "--pretrained", "--checkpoint", "x.zoo"], "not both"),
        ]
        for (arguments, message) in cases {
            let result = try ZooProcess.run(
                ["finetune", "resnet10t", "--epochs", "1"]
                    + (arguments.contains("--out") ? [] : ["--out", out]) + arguments)
            #expect(result.status != 0, "\(arguments)")
            #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
        }
        // Nothing was trained or written for any of them.
        let written = (try? FileManager.default.contentsOfDirectory(atPath: out)) ?? []
        #expect(written.isEmpty, "\(written)")
    }

    @Test func theExamplePhotosAreThreeClasses() throws {
        for split in ["train", "val"] {
            let classes = try FileManager.default.contentsOfDirectory(
                atPath: Self.photos.appendingPathComponent(split).path
            ).sorted()
            #expect(classes == ["astronaut", "cat", "coffee"])
        }
    }
}
