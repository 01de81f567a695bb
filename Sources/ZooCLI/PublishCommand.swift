import ArgumentParser
import Foundation
import Zoo

/// `zoo publish CHECKPOINT --zoo DIR --name ARCH.TAG`: add a model to a static zoo folder.
struct PublishCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish",
        abstract: "Write a checkpoint into a static zoo folder as .zoo with an index entry.",
        discussion: "Serve the folder with any static HTTP server and pull from it with zoo pull --zoo URL."
    )

    @Argument(help: "The checkpoint: .zoo, .pth/.pt/.bin/.ckpt or .safetensors.")
    var checkpoint: String

    @Option(help: ArgumentHelp("The zoo folder (created if missing).", valueName: "dir"))
    var zoo: String

    @Option(help: ArgumentHelp("The name to publish under, architecture.tag.", valueName: "arch.tag"))
    var name: String

    @Flag(help: "Deflate tensor entries where that pays: smaller files, slower loads.")
    var compress = false

    func validate() throws {
        guard name.split(separator: ".").count == 2 else {
            throw ValidationError("--name must be architecture.tag, such as resnet18.my_data; got \"\(name)\"")
        }
    }

    func run() throws {
        let registry = Zoo.registry
        try registry.loadManifestsFromEnvironment()
        let entry = try Publisher.publish(
            checkpoint: checkpoint, name: name, zoo: URL(fileURLWithPath: zoo),
            registry: registry, compress: compress)
        print("published \(name): \(entry.file) (\(entry.size) bytes, sha256 \(entry.sha256))")
    }
}
