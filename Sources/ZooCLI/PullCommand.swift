import ArgumentParser
import Foundation
import Zoo

/// `zoo pull NAME[.TAG]`: weights into the verified cache.
struct PullCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pull",
        abstract: "Download a model's weights into the cache, verified and converted to .zoo.",
        discussion: """
            Sources, first match wins: --zoo (a static zoo's URL or folder), the embedded default zoo, \
            then the manifest's file, its hf_hub_id on the Hugging Face Hub (model.safetensors, \
            pytorch_model.bin and their sharded forms, as timm tries them), then its url. The cache is \
            $ZOO_HOME (default ~/.cache/zoo); with ZOO_OFFLINE=1 (or HF_HUB_OFFLINE=1) only the cache \
            is used. HF_ENDPOINT replaces the Hub's address; HF_TOKEN (else the file HF_TOKEN_PATH, \
            else $HF_HOME/token) is sent to the Hub's host only.
            """
    )

    @Argument(help: "architecture or architecture.tag, such as resnet18.tv_in1k; NAME@REVISION pulls a Hub revision.")
    var name: String

    @Option(help: ArgumentHelp("A static zoo to pull from: its URL or folder.", valueName: "url-or-dir"))
    var zoo: String?

    @Option(help: ArgumentHelp("Replace scheme and host of manifest URLs with this base.", valueName: "base-url"))
    var mirror: String?

    @Flag(help: "Download again even if cached.")
    var force = false

    @Option(
        help: ArgumentHelp(
            "The Hugging Face Hub revision: a branch, tag or commit (default: the cfg's, else main).",
            valueName: "rev"))
    var revision: String?

    @OptionGroup(title: "Decompression limits") var readLimits: ReadLimitOptions

    func validate() throws {
        if let mirror, URL(string: mirror)?.scheme.map({ ["http", "https", "file"].contains($0) }) != true {
            throw ValidationError("--mirror must be an http(s) or file URL, got \"\(mirror)\"")
        }
    }

    func run() throws {
        readLimits.apply()
        let registry = Zoo.registry
        try registry.loadManifestsFromEnvironment()
        let bar = ProgressBar()
        var hub = Hub(zoo: zoo, mirror: mirror)
        hub.force = force
        hub.revision = revision
        hub.progress = { bar.update($0) }
        hub.log = { line in
            bar.finish(); printError(line)
        }
        let cached = try hub.pull(name, registry: registry)
        bar.finish()
        print(cached.modelFile.path)
    }
}
