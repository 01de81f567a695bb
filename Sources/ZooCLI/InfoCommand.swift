import ArgumentParser
import Zoo

/// `zoo info NAME [--json]`: the resolved pretrained cfg and the parameter count.
struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Show a model's pretrained cfg (timm's default_cfg) and parameter count.",
        discussion: "A name without a tag resolves to the architecture's default tag."
    )

    @Argument(help: "architecture or architecture.tag, such as resnet50.a1_in1k.")
    var name: String

    @Flag(help: "Print JSON instead of key: value lines.")
    var json = false

    func run() throws {
        let registry = Zoo.registry  // with builders, for the parameter count
        try registry.loadManifestsFromEnvironment()
        let info = try registry.resolve(name).info(parameterCount: registry.parameterCount(of: name))
        print(json ? info.serialized(pretty: true) : Self.keyValueLines(info))
    }

    /// `key: value` a line; nested objects indented under their key, lists on one line.
    private static func keyValueLines(_ value: JSONValue, indent: String = "") -> String {
        guard case .object(let fields) = value else { return indent + value.serialized(pretty: true) }
        return fields.map { key, value in
            switch value {
            case .object: "\(indent)\(key):\n" + keyValueLines(value, indent: indent + "  ")
            case .string(let text): "\(indent)\(key): \(text)"
            case .null where key == "num_params": "\(indent)\(key): unknown (no builder registered)"
            default: "\(indent)\(key): \(value.serialized(pretty: true))"
            }
        }.joined(separator: "\n")
    }
}
