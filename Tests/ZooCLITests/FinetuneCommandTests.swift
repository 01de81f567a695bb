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
            (["--data", train, "--val", train, "--val-split", "0.2"], "give --val or --val-split, not both"),
            (["--data", train, "--val-split", "1.5"], "--val-split 1.5: give a fraction between 0 and 1"),
            (["--data", train, "--freeze", "nosuch*"], "--freeze nosuch*: no parameter of resnet10t matches it"),
            (["--data", train, "--unfreeze", "layer9"], "--unfreeze layer9: no parameter of resnet10t matches it"),
            (["--data", train, "--backbone-lr-scale", "0"], "--backbone-lr-scale 0.0: give a positive fraction"),
            (["--data", train, "--mixup=-1"], "--mixup -1.0: alpha must be 0 or more"),
            (["--data", train, "--cutmix=-0.5"], "--cutmix -0.5: alpha must be 0 or more"),
            (["--data", train, "--loss", "hinge"], "'cross-entropy', 'bce', 'mse', 'l1' or 'smooth-l1'"),
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

    /// The transfer-learning flags together: a held-out split validates, a frozen stage and
    /// a slower backbone group, mixup and cutmix with soft targets, and a loss chosen by name.
    @Test func transferLearningFlagsRun() throws {
        let scratch = try TemporaryDirectory()
        let out = scratch.path("out")
        let result = try ZooProcess.run([
            "finetune", "resnet10t", "--data", Self.photos.appendingPathComponent("train").path,
            "--val-split", "0.25", "--freeze", "conv1*", "--unfreeze", "layer4", "--freeze-epochs", "1",
            "--backbone-lr-scale", "0.1", "--mixup", "0.2", "--cutmix", "1.0", "--loss", "bce",
            "--input-size", "32", "--batch-size", "16", "--epochs", "2", "--out", out,
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = try String(contentsOfFile: out + "/metrics.csv", encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 3)
        for line in lines.dropFirst() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            // The held-out quarter was validated: val_loss and val_top1 are there.
            #expect(fields.count == 6 && !fields[2].isEmpty && !fields[3].isEmpty, "\(line)")
        }
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
