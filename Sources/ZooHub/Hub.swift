import Foundation
import ZooCheckpoint
import ZooRegistry

/// Gets pretrained weights into the cache, verified and converted, and answers from the cache
/// afterwards (`zoo pull`).
///
/// Where weights come from, first match wins: the zoo given as `zoo` (an index URL or folder),
/// the embedded default zoo when it lists the name, else the manifest cfg's `url`, `hf_hub_id` or
/// `file` — with `mirror` replacing scheme and host of URLs, for sites without the internet.
///
/// ```swift
/// var hub = Hub()
/// hub.progress = { print($0.received) }
/// let file = try hub.pull("resnet18.tv_in1k").modelFile   // …/models/resnet18.tv_in1k/model.zoo
/// ```
public struct Hub: Sendable {
    public var home: ZooHome
    /// A static zoo to pull from (URL or folder); nil uses the embedded default and the manifests.
    public var zoo: String?
    /// Base URL replacing scheme and host of manifest URLs.
    public var mirror: String?
    /// Use only the cache (`ZOO_OFFLINE=1`).
    public var offline: Bool
    /// Download again even when cached.
    public var force = false
    public var progress: (@Sendable (TransferProgress) -> Void)?
    /// Called with a line of news (source chosen, verified, converted) for the CLI to print.
    public var log: (@Sendable (String) -> Void)?

    public init(home: ZooHome = .fromEnvironment(), zoo: String? = nil, mirror: String? = nil,
                offline: Bool = ProcessInfo.processInfo.environment["ZOO_OFFLINE"].map { $0 == "1" || $0.lowercased() == "true" } ?? false) {
        self.home = home
        self.zoo = zoo
        self.mirror = mirror
        self.offline = offline
    }

    /// The zoo that ships in this repository (`zoo/`), or `$ZOO_DEFAULT_ZOO`.
    public static var embeddedZoo: String {
        if let path = ProcessInfo.processInfo.environment["ZOO_DEFAULT_ZOO"], !path.isEmpty { return path }
        // Sources/ZooHub/Hub.swift → the repository root.
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("zoo").path
    }

    /// A cached model.
    public struct Cached: Sendable {
        public let name: String
        public let modelFile: URL
        public let entry: CacheEntry
    }

    /// Pulls with the environment's settings: the shortcut `createModel(pretrained: true)` uses.
    public static func pull(_ name: String, registry: ModelRegistry) throws -> URL {
        try Hub().pull(name, registry: registry).modelFile
    }

    /// Makes `name` (`arch` or `arch.tag`) available in the cache and returns it.
    public func pull(_ name: String, registry: ModelRegistry = .shared) throws -> Cached {
        let source = try resolveSource(name, registry: registry)
        let key = source.name
        if !force, let cached = cached(key) { return cached }
        if offline { throw HubError.offline(model: key, missing: home.modelFile(key).path) }
        return try FileLock.withLock(at: home.lock(key)) {
            // Another process may have finished the same pull while we waited for the lock.
            if !force, let cached = cached(key) { return cached }
            return try download(source)
        }
    }

    /// The cached model `name`, if complete.
    public func cached(_ name: String) -> Cached? {
        let entryFile = home.entry(name).appendingPathComponent("entry.json")
        guard let data = FileManager.default.contents(atPath: entryFile.path),
              let entry = try? JSONDecoder().decode(CacheEntry.self, from: data),
              FileManager.default.fileExists(atPath: home.modelFile(name).path) else { return nil }
        return Cached(name: name, modelFile: home.modelFile(name), entry: entry)
    }

    // MARK: Resolving where weights come from

    struct Source {
        let name: String
        let location: String
        let fileName: String
        let sha256: String?
        let size: Int64?
        let cfg: PretrainedCfg?
        /// Whether the source is already a .zoo carrying its cfg.
        let isZoo: Bool
    }

    func resolveSource(_ name: String, registry: ModelRegistry) throws -> Source {
        let zoos = zoo.map { [$0] } ?? [Hub.embeddedZoo]
        for location in zoos {
            guard let index = try? ZooIndex.load(zoo: location) else {
                if zoo != nil { _ = try ZooIndex.load(zoo: location) }  // an explicit zoo must be readable: rethrow
                continue
            }
            let key = try? registry.resolve(name).cfg?.name.description
            guard let entryName = [name, key].compactMap({ $0 }).first(where: { index.models[$0] != nil }),
                  let entry = index.models[entryName] else { continue }
            let cfg = entry.cfg
            return Source(name: entryName, location: ZooIndex.resolve(entry.file, in: location),
                          fileName: (entry.file as NSString).lastPathComponent, sha256: entry.sha256,
                          size: entry.size, cfg: cfg, isZoo: true)
        }
        if zoo != nil { throw HubError.unknownModel("\(name) (not in the zoo at \(zoo!))") }
        let resolved = try registry.resolve(name)
        guard let cfg = resolved.cfg else { throw HubError.noSource(model: name) }
        let key = cfg.name.description
        let location: String
        if let url = cfg.url, !url.isEmpty {
            location = url
        } else if let hub = cfg.hfHubID, !hub.isEmpty {
            let file = cfg.hfHubFilename ?? "model.safetensors"
            location = "https://huggingface.co/\(hub)/resolve/main/\(file)"
        } else if let file = cfg.file, !file.isEmpty {
            location = file
        } else {
            throw HubError.noSource(model: key)
        }
        let mirrored = mirror.map { Hub.mirror(location, base: $0) } ?? location
        let fileName = URL(string: location)?.lastPathComponent ?? (location as NSString).lastPathComponent
        return Source(name: key, location: mirrored, fileName: fileName, sha256: cfg.sha256, size: nil, cfg: cfg, isZoo: false)
    }

    /// `https://host/a/b.pth` with base `http://mirror:8080/x` → `http://mirror:8080/x/a/b.pth`.
    public static func mirror(_ location: String, base: String) -> String {
        guard let url = URL(string: location), url.scheme == "http" || url.scheme == "https" else { return location }
        let trimmed = base.hasSuffix("/") ? String(base.dropLast()) : base
        var path = url.path
        if let query = url.query { path += "?" + query }
        return trimmed + path
    }

    /// torch.hub's convention: `name-<sha256 prefix>.ext` (resnet18-f37072fd.pth).
    public static func hashPrefix(inFileName fileName: String) -> String? {
        let stem = (fileName as NSString).deletingPathExtension
        guard let dash = stem.lastIndex(of: "-") else { return nil }
        let candidate = String(stem[stem.index(after: dash)...])
        guard candidate.count >= 6, candidate.allSatisfy({ $0.isHexDigit && !$0.isUppercase }) else { return nil }
        return candidate
    }

    // MARK: Downloading, verifying, converting

    private func download(_ source: Source) throws -> Cached {
        let fm = FileManager.default
        let partialDirectory = home.partial(source.name)
        try fm.createDirectory(at: partialDirectory, withIntermediateDirectories: true)
        let partial = partialDirectory.appendingPathComponent(source.fileName + ".part")
        if force { try? fm.removeItem(at: partial) }
        log?("pulling \(source.name) from \(source.location)")

        if source.location.contains("://") {
            try Download.fetch(source.location, to: partial, progress: progress)
        } else {
            // A local file: copy it in so the cache does not depend on it staying put.
            guard fm.fileExists(atPath: source.location) else { throw HubError.unreadable(source.location) }
            try? fm.removeItem(at: partial)
            try fm.copyItem(atPath: source.location, toPath: partial.path)
        }

        // Nothing enters the cache before its bytes are checked.
        let size = (try fm.attributesOfItem(atPath: partial.path)[.size] as? Int64) ?? 0
        let digest = try SHA256Hasher.hexDigest(ofFile: partial)
        var verified = false
        do {
            if let expectedSize = source.size, expectedSize != size {
                throw HubError.sizeMismatch(url: source.location, expected: expectedSize, actual: size)
            }
            if let expected = source.sha256?.lowercased(), !expected.isEmpty {
                guard digest == expected else { throw HubError.checksumMismatch(url: source.location, expected: expected, actual: digest) }
                verified = true
            } else if let prefix = Hub.hashPrefix(inFileName: source.fileName) {
                guard digest.hasPrefix(prefix) else {
                    throw HubError.checksumMismatch(url: source.location, expected: prefix + "…", actual: digest)
                }
                verified = true
            }
        } catch {
            try? fm.removeItem(at: partial)
            throw error
        }
        log?(verified ? "verified sha256 \(digest)" : "no known hash for \(source.fileName); recorded sha256 \(digest)")

        // Assemble the entry in a scratch directory, then rename it into place.
        try fm.createDirectory(at: home.models, withIntermediateDirectories: true)
        let scratch = home.models.appendingPathComponent(".incoming-\(UUID().uuidString)")
        try fm.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? fm.removeItem(at: scratch) }
        let original = scratch.appendingPathComponent(source.fileName)
        try fm.moveItem(at: partial, to: original)
        let model = scratch.appendingPathComponent("model.zoo")
        if source.isZoo {
            try fm.linkItem(at: original, to: model)
        } else {
            var checkpoint = try Checkpoint.load(original.path)
            if let cfg = source.cfg {
                checkpoint.architecture = cfg.architecture
                checkpoint.tag = cfg.tag
                checkpoint.config = cfg.timmDict
            }
            try checkpoint.save(model.path, format: .zoo)
            log?("converted \(source.fileName) to model.zoo")
        }
        let modelSize = (try fm.attributesOfItem(atPath: model.path)[.size] as? Int64) ?? 0
        let entry = CacheEntry(name: source.name, source: source.location, originalFile: source.fileName,
                               originalSHA256: digest, originalSize: size,
                               modelSHA256: source.isZoo ? digest : try SHA256Hasher.hexDigest(ofFile: model),
                               modelSize: modelSize, verified: verified)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(entry).write(to: scratch.appendingPathComponent("entry.json"))

        let final = home.entry(source.name)
        if fm.fileExists(atPath: final.path) { try fm.removeItem(at: final) }  // --force
        try fm.moveItem(at: scratch, to: final)
        try? fm.removeItem(at: partialDirectory)
        return Cached(name: source.name, modelFile: home.modelFile(source.name), entry: entry)
    }
}
