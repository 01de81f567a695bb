import Foundation
import ZooCheckpoint
import ZooRegistry

/// A static zoo: a folder holding `index.json` and one `.zoo` file per model, served by any HTTP
/// server or read as a plain directory. `zoo publish` writes it; `zoo pull --zoo` reads it.
///
///     index.json                       {"format": "zoo-index", "version": 1, "models": {...}}
///     <arch>.<tag>/model.zoo
public struct ZooIndex: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        /// Path of the `.zoo` file relative to the index.
        public var file: String
        public var sha256: String
        public var size: Int64
        /// The model's pretrained cfg, in timm's `to_dict()` layout.
        public var cfg: PretrainedCfg?

        enum Field: String { case file, sha256, size, cfg }
    }

    enum Field: String { case format, version, models }

    public var format = "zoo-index"
    public var version = 1
    public var models: [String: Entry] = [:]

    public init() {}

    public static let fileName = "index.json"

    /// Reads the index of a zoo given as a URL (http, https, file) or a directory path.
    public static func load(zoo location: String) throws -> ZooIndex {
        let data: Data
        let indexLocation = ZooIndex.resolve(ZooIndex.fileName, in: location)
        if let url = URL(string: indexLocation), url.scheme == "http" || url.scheme == "https" {
            let temporary = FileManager.default.temporaryDirectory.appendingPathComponent(
                "zoo-index-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: temporary) }
            try Download.fetch(indexLocation, to: temporary, attempts: 3)
            data = try Data(contentsOf: temporary)
        } else {
            let path = indexLocation.hasPrefix("file://") ? URL(string: indexLocation)!.path : indexLocation
            guard let contents = FileManager.default.contents(atPath: path) else { throw HubError.unreadable(path) }
            data = contents
        }
        let index: ZooIndex
        do {
            index = try ZooIndex(json: JSONValue.parse(data))
        } catch {
            throw HubError.badIndex(path: indexLocation, reason: "\(error)")
        }
        guard index.format == "zoo-index" else {
            throw HubError.badIndex(path: indexLocation, reason: "format is \"\(index.format)\"")
        }
        return index
    }

    /// Reads an index's JSON; errors name the field (`models.resnet18.tv_in1k.sha256`).
    public init(json: JSONValue) throws(JSONFieldError) {
        let object = try JSONObjectReader<Field>(json, path: "")
        format = try object.string(.format) ?? format
        version = try object.int(.version) ?? version
        for (name, value) in try object.object(.models) ?? [] {
            let entry = try JSONObjectReader<Entry.Field>(value, path: "models.\(name)")
            guard let file = try entry.string(.file) else { throw entry.missing(.file) }
            guard let sha256 = try entry.string(.sha256) else { throw entry.missing(.sha256) }
            guard let size = try entry.int64(.size) else { throw entry.missing(.size) }
            let cfg = try entry.read(.cfg, "a pretrained cfg") { $0 }.map { value throws(JSONFieldError) in
                try PretrainedCfg(json: value, path: entry.fieldPath(.cfg))
            }
            models[name] = Entry(file: file, sha256: sha256, size: size, cfg: cfg)
        }
    }

    /// The index as its file holds it: models sorted by name, each cfg in timm's `to_dict()` order.
    public var json: JSONValue {
        .object([
            (Field.format.rawValue, .string(format)), (Field.version.rawValue, .int(version)),
            (
                Field.models.rawValue,
                .object(
                    models.sorted { $0.key < $1.key }.map { name, entry in
                        var fields: [(String, JSONValue)] = [
                            (Entry.Field.file.rawValue, .string(entry.file)),
                            (Entry.Field.sha256.rawValue, .string(entry.sha256)),
                            (Entry.Field.size.rawValue, .integer(entry.size)),
                        ]
                        if let cfg = entry.cfg { fields.append((Entry.Field.cfg.rawValue, cfg.timmDict)) }
                        return (name, .object(fields))
                    })
            ),
        ])
    }

    /// `relative` inside a zoo given as a URL or directory.
    public static func resolve(_ relative: String, in zoo: String) -> String {
        if zoo.contains("://") { return zoo.hasSuffix("/") ? zoo + relative : zoo + "/" + relative }
        return URL(fileURLWithPath: zoo).appendingPathComponent(relative).path
    }

    /// Writes the index into `directory` atomically.
    public func write(to directory: URL) throws {
        let target = directory.appendingPathComponent(ZooIndex.fileName)
        try Data((json.serialized(pretty: true) + "\n").utf8).write(to: target, options: .atomic)
    }
}
