import Foundation
import ZooCheckpoint

/// The local cache: `$ZOO_HOME`, or `~/.cache/zoo`. Layout (docs/cache.md):
///
///     models/<arch>.<tag>/model.zoo      weights + cfg, what createModel loads
///     models/<arch>.<tag>/<source file>  the verified download, as it arrived
///     models/<arch>.<tag>/entry.json     where it came from, sizes and SHA-256s
///     partial/<arch>.<tag>/<file>.part   interrupted downloads, resumed with Range
///     locks/<arch>.<tag>.lock            one pull of a model at a time, across processes
///
/// An entry directory appears by rename only once complete, so a reader never sees half of one.
public struct ZooHome: Sendable {
    public let root: URL

    public init(root: URL) { self.root = root }

    /// `$ZOO_HOME`, else `$XDG_CACHE_HOME/zoo`, else `~/.cache/zoo`.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> ZooHome
    {
        if let home = environment["ZOO_HOME"], !home.isEmpty { return ZooHome(root: URL(fileURLWithPath: home)) }
        if let cache = environment["XDG_CACHE_HOME"], !cache.isEmpty {
            return ZooHome(root: URL(fileURLWithPath: cache).appendingPathComponent("zoo"))
        }
        return ZooHome(root: FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/zoo"))
    }

    public var models: URL { root.appendingPathComponent("models") }
    public func entry(_ name: String) -> URL { models.appendingPathComponent(name) }
    public func modelFile(_ name: String) -> URL { entry(name).appendingPathComponent("model.zoo") }
    public func partial(_ name: String) -> URL { root.appendingPathComponent("partial").appendingPathComponent(name) }
    public func lock(_ name: String) -> String {
        root.appendingPathComponent("locks").appendingPathComponent(name + ".lock").path
    }

    /// Cached model names, sorted.
    public func cachedNames() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: models.path)) ?? []
        return names.filter { !$0.hasPrefix(".") && FileManager.default.fileExists(atPath: modelFile($0).path) }
            .sorted()
    }
}

/// What `entry.json` records about a cached model.
public struct CacheEntry: Sendable, Equatable {
    public var name: String
    /// Where the weights came from (URL or path).
    public var source: String
    /// File name of the original download inside the entry directory.
    public var originalFile: String
    public var originalSHA256: String
    public var originalSize: Int64
    /// SHA-256 of `model.zoo` when it is the download itself (pulled from a zoo); a converted
    /// one is checked by its per-tensor CRC-32s instead.
    public var modelSHA256: String?
    public var modelSize: Int64
    /// Whether `originalSHA256` was checked against a known hash before caching.
    public var verified: Bool

    public init(
        name: String, source: String, originalFile: String, originalSHA256: String, originalSize: Int64,
        modelSHA256: String?, modelSize: Int64, verified: Bool
    ) {
        (self.name, self.source, self.originalFile, self.originalSHA256, self.originalSize) =
            (name, source, originalFile, originalSHA256, originalSize)
        (self.modelSHA256, self.modelSize, self.verified) = (modelSHA256, modelSize, verified)
    }

    enum Field: String {
        case name, source, verified
        case originalFile = "original_file"
        case originalSHA256 = "original_sha256"
        case originalSize = "original_size"
        case modelSHA256 = "model_sha256"
        case modelSize = "model_size"
    }

    /// Reads `entry.json`'s JSON; errors name the field.
    public init(json: JSONValue) throws(JSONFieldError) {
        let object = try JSONObjectReader<Field>(json, path: "")
        func required<T>(_ key: Field, _ value: T?) throws(JSONFieldError) -> T {
            guard let value else { throw object.missing(key) }
            return value
        }
        self.init(
            name: try required(.name, object.string(.name)), source: try required(.source, object.string(.source)),
            originalFile: try required(.originalFile, object.string(.originalFile)),
            originalSHA256: try required(.originalSHA256, object.string(.originalSHA256)),
            originalSize: try required(.originalSize, object.int64(.originalSize)),
            modelSHA256: try object.string(.modelSHA256),
            modelSize: try required(.modelSize, object.int64(.modelSize)),
            verified: try required(.verified, object.bool(.verified)))
    }

    /// `entry.json` as written: fields in a fixed order, `model_sha256` only when known.
    public var json: JSONValue {
        var fields: [(Field, JSONValue)] = [
            (.name, .string(name)), (.source, .string(source)), (.originalFile, .string(originalFile)),
            (.originalSHA256, .string(originalSHA256)), (.originalSize, .integer(originalSize)),
        ]
        if let modelSHA256 { fields.append((.modelSHA256, .string(modelSHA256))) }
        fields += [(.modelSize, .integer(modelSize)), (.verified, .bool(verified))]
        return .object(fields.map { ($0.0.rawValue, $0.1) })
    }

    /// The entry in `directory/entry.json`, or nil when it is missing or unreadable.
    public static func read(from directory: URL) -> CacheEntry? {
        guard let data = FileManager.default.contents(atPath: directory.appendingPathComponent("entry.json").path),
            let json = try? JSONValue.parse(data)
        else { return nil }
        return try? CacheEntry(json: json)
    }

    /// Writes `directory/entry.json`.
    public func write(to directory: URL) throws {
        try Data((json.serialized(pretty: true) + "\n").utf8).write(to: directory.appendingPathComponent("entry.json"))
    }
}
