import Foundation

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
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> ZooHome {
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
    public func lock(_ name: String) -> String { root.appendingPathComponent("locks").appendingPathComponent(name + ".lock").path }

    /// Cached model names, sorted.
    public func cachedNames() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: models.path)) ?? []
        return names.filter { !$0.hasPrefix(".") && FileManager.default.fileExists(atPath: modelFile($0).path) }.sorted()
    }
}

/// What `entry.json` records about a cached model.
public struct CacheEntry: Codable, Sendable, Equatable {
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

    enum CodingKeys: String, CodingKey {
        case name, source, verified
        case originalFile = "original_file", originalSHA256 = "original_sha256", originalSize = "original_size"
        case modelSHA256 = "model_sha256", modelSize = "model_size"
    }
}
