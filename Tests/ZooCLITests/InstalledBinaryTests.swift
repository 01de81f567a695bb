// An installed `zoo` carries what it needs: a copy of the binary in another prefix, run from
// another directory with the source tree it was built from hidden (an empty tmpfs mounted over
// it in a private mount namespace, so nothing of the repository is readable), lists, pulls the
// embedded demo model and predicts.

import Foundation
import Testing
import ZooCheckpoint
import ZooTensor

@Suite struct InstalledBinaryTests {
    /// Runs `binary arguments...` in a mount namespace where the repository is an empty tmpfs.
    /// Needs root (CI runs as root) and util-linux's unshare, which Debian always has.
    static func runHidingTheSource(_ binary: URL, _ arguments: [String], home: URL, directory: URL) throws
        -> ZooProcess.Result
    {
        let script = "mount -t tmpfs -o size=1m zoo-source-hidden \"$0\" && exec \"$@\""
        return try ZooProcess.run(
            [
                "--mount", "--propagation", "private", "/bin/sh", "-c", script,
                ZooProcess.repositoryRoot.path, binary.path,
            ] + arguments,
            executable: URL(fileURLWithPath: "/usr/bin/unshare"),
            environment: ["ZOO_HOME": home.path, "ZOO_DEFAULT_ZOO": ""], directory: directory)
    }

    @Test func aCopiedBinaryWorksWithTheSourceTreeHidden() throws {
        let scratch = try TemporaryDirectory()
        let prefix = scratch.url.appendingPathComponent("prefix/bin"), work = scratch.url.appendingPathComponent("work")
        let home = scratch.url.appendingPathComponent("home")
        try FileManager.default.createDirectory(at: prefix, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        let zoo = prefix.appendingPathComponent("zoo")
        try FileManager.default.copyItem(at: ZooProcess.binary, to: zoo)

        // The namespace really hides the repository: its root reads as an empty folder there.
        let probe = try ZooProcess.run(
            [
                "--mount", "--propagation", "private", "/bin/sh", "-c",
                "mount -t tmpfs -o size=1m zoo-source-hidden \"$0\" && ls -A \"$0\"",
                ZooProcess.repositoryRoot.path,
            ],
            executable: URL(fileURLWithPath: "/usr/bin/unshare"))
        try #require(probe.status == 0, "cannot hide the source tree (root and unshare needed): \(probe.stderr)")
        #expect(probe.stdout.isEmpty)

        let version = try Self.runHidingTheSource(zoo, ["--version"], home: home, directory: work)
        #expect(
            version.status == 0 && version.stdout.hasPrefix("zoo ") && version.stdout.contains("kernels: "),
            "\(version.stdout)\(version.stderr)")

        let list = try Self.runHidingTheSource(
            zoo, ["list", "resnet10t*", "--pretrained"], home: home, directory: work)
        #expect(list.status == 0, "\(list.stderr)")
        // The manifests are compiled in: timm's pretrained tags answer without the manifests/ folder.
        #expect(list.stdoutLines.contains("resnet10t.c3_in1k"), "\(list.stdout)")

        let pull = try Self.runHidingTheSource(zoo, ["pull", "resnet10t.zoo_demo"], home: home, directory: work)
        #expect(pull.status == 0, "\(pull.stderr)")
        #expect(
            FileManager.default.fileExists(
                atPath: home.appendingPathComponent("models/resnet10t.zoo_demo/model.zoo").path))

        var generator = RandomGenerator(seed: 7)
        try NPY.write(Tensor.normal([2, 3, 64, 64], using: &generator), to: work.appendingPathComponent("x.npy").path)
        let predict = try Self.runHidingTheSource(
            zoo,
            [
                "predict", "resnet10t.zoo_demo", "--input", "x.npy",
                "--output", "y.npy",
            ], home: home, directory: work)
        #expect(predict.status == 0, "\(predict.stderr)")
        let logits = try NPY.read(work.appendingPathComponent("y.npy").path)
        #expect(logits.shape == [2, 10])

        // The same logits as the repository's zoo/ folder gives the built binary: the embedded zoo is that folder.
        let reference = try ZooProcess.run(
            ["predict", "resnet10t.zoo_demo", "--input", "x.npy", "--output", "ref.npy"],
            environment: [
                "ZOO_DEFAULT_ZOO":
                    ZooProcess.repositoryRoot.appendingPathComponent("zoo").path
            ],
            directory: work)
        #expect(reference.status == 0, "\(reference.stderr)")
        #expect(try NPY.read(work.appendingPathComponent("ref.npy").path).toArray() == logits.toArray())
    }
}
