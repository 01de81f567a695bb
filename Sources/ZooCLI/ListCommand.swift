import ArgumentParser
import Zoo

/// `zoo list [PATTERN ...] [--exclude PATTERN ...] [--module MODULE ...] [--pretrained]`: model names,
/// one a line.
struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List model names, one a line, in timm's order.",
        discussion: """
            Patterns are shell wildcards as in timm: * (any run), ? (one character), [seq], [!seq]; \
            quote them so the shell leaves them alone. Manifests in the folder named by \
            ZOO_MANIFESTS are added to the built-in ones.
            """
    )

    @Argument(
        help: ArgumentHelp("Wildcards a name must match one of; every name when none is given.", valueName: "pattern"))
    var patterns: [String] = []

    @Option(parsing: .upToNextOption, help: ArgumentHelp("Wildcards of names to leave out.", valueName: "pattern"))
    var exclude: [String] = []

    @Option(
        name: .customLong("module"),
        help: ArgumentHelp(
            "Only the architectures of this timm module (zoo's family of that name), as timm's "
                + "list_models(module=...); repeat for several.", valueName: "module"))
    var modules: [String] = []

    @Flag(help: "Only names with pretrained weights, as architecture.tag.")
    var pretrained = false

    func run() throws {
        // Zoo.registry, not ModelRegistry.shared: the names registered in code (torchvision's own
        // models, family "torchvision") and the embedded zoo's tags are attached there.
        let registry = Zoo.registry
        try registry.loadManifestsFromEnvironment()
        // Checked through `list`, which parses no manifest (`architectures` would parse them all).
        if let unknown = modules.first(where: { registry.list(families: [$0]).isEmpty }) {
            let families = Set(registry.architectures.map(\.family)).sorted()
            throw ValidationError(
                "unknown module \"\(unknown)\"; the modules are: \(families.joined(separator: ", "))")
        }
        let names = registry.list(patterns, excluding: exclude, families: modules, pretrained: pretrained)
        if !names.isEmpty { print(names.joined(separator: "\n")) }
    }
}
