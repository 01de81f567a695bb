import Foundation
import ZooRegistry

/// A static zoo: a folder holding `index.json` and one `.zoo` file per model, served by any HTTP
/// server or read as a plain directory. `zoo publish` writes it; `zoo pull --zoo` reads it.
///
///     index.json                       {"format": "zoo-index", "version": 1, "models": {...}}
///     <arch>.<tag>/model.zoo
public struct ZooIndex: Codable, Sendable, Equatable {
    public struct Entry: Codable, Sendable, Equatable {
        /// Path of the `.zoo` file relative to the index.
        public var file: String
        public var sha256: String
        public var size: Int64
        /// The model's pretrained cfg, in timm's `to_dict()` layout.
        public var cfg: PretrainedCfg?
    }

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
            let temporary = FileManager.default.temporaryDirectory.appendingPathComponent("zoo-index-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: temporary) }
            try Download.fetch(indexLocation, to: temporary, attempts: 3)
            data = try Data(contentsOf: temporary)
        } else {
            let path = indexLocation.hasPrefix("file://") ? URL(string: indexLocation)!.path : indexLocation
            guard let contents = FileManager.default.contents(atPath: path) else { throw HubError.unreadable(path) }
            data = contents
        }
        do {
            let index = try JSONDecoder().decode(ZooIndex.self, from: data)
            guard index.format == "zoo-index" else { throw HubError.badIndex(path: indexLocation, reason: "format is \"\(index.format)\"") }
            return index
        } catch let error as HubError {
            throw error
        } catch {
            throw HubError.badIndex(path: indexLocation, reason: "\(error)")
        }
    }

    /// `relative` inside a zoo given as a URL or directory.
    public static func resolve(_ relative: String, in zoo: String) -> String {
        if zoo.contains("://") { return zoo.hasSuffix("/") ? zoo + relative : zoo + "/" + relative }
        return URL(fileURLWithPath: zoo).appendingPathComponent(relative).path
    }

    /// Writes the index into `directory` atomically.
    public func write(to directory: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let target = directory.appendingPathComponent(ZooIndex.fileName)
        try encoder.encode(self).write(to: target, options: .atomic)
    }
}
