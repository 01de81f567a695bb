import Foundation
import ZooCheckpoint
import ZooRegistry

/// Gets pretrained weights into the cache, verified and converted, and answers from the cache
/// afterwards (`zoo pull`).
///
/// Where weights come from, first match wins: the zoo given as `zoo` (an index URL or folder),
/// the embedded default zoo when it lists the name, else the manifest cfg's `file`, then, as
/// timm's `_resolve_pretrained_source`, the Hugging Face Hub when it has an `hf_hub_id` (its
/// weight files in timm's order, sharded ones included; `huggingFace` says where the Hub is and
/// which token to send it), then its `url` — each with `mirror` replacing scheme and host of
/// URLs, for sites without the internet. A source that answers 404 (or fails to connect) passes
/// the turn to the next.
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
    /// The Hub's endpoint (`HF_ENDPOINT`) and token (`HF_TOKEN`, or the token file).
    public var huggingFace: HuggingFace = .fromEnvironment()
    /// The Hub revision (branch, tag or commit) to pull; a name may also carry it (`NAME@REV`).
    /// Nil takes the cfg's own (`hf_hub_id` `repo@rev`), else `main`. A revision given here or
    /// in the name is part of the cache key (`resnet50.a1_in1k@v2`).
    public var revision: String?
    public var progress: (@Sendable (TransferProgress) -> Void)?
    /// Called with a line of news (source chosen, verified, converted) for the CLI to print.
    public var log: (@Sendable (String) -> Void)?

    public init(
        home: ZooHome = .fromEnvironment(), zoo: String? = nil, mirror: String? = nil,
        offline: Bool = Hub.offlineFromEnvironment()
    ) {
        self.home = home
        self.zoo = zoo
        self.mirror = mirror
        self.offline = offline
    }

    /// `ZOO_OFFLINE=1` (or `true`), or Hugging Face's `HF_HUB_OFFLINE=1`.
    public static func offlineFromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment)
        -> Bool
    {
        ["ZOO_OFFLINE", "HF_HUB_OFFLINE"].contains {
            environment[$0].map { $0 == "1" || $0.lowercased() == "true" } ?? false
        }
    }

    /// The zoo that ships in this repository (`zoo/`), or `$ZOO_DEFAULT_ZOO`. Its files are
    /// compiled into the binary and unpacked once into `$ZOO_HOME/embedded/` (or, when the home
    /// cannot be written, the temporary directory), so it is found wherever `zoo` is installed.
    public static var embeddedZoo: String {
        if let path = ProcessInfo.processInfo.environment["ZOO_DEFAULT_ZOO"], !path.isEmpty { return path }
        if let folder = try? EmbeddedZoo.unpacked(in: .fromEnvironment()) { return folder.path }
        let temporary = ZooHome(root: FileManager.default.temporaryDirectory.appendingPathComponent("zoo-\(getuid())"))
        return (try? EmbeddedZoo.unpacked(in: temporary).path) ?? temporary.root.path
    }

    /// Adds the cfgs a zoo's index carries to `registry`, so `createModel` knows names that exist
    /// only there (`resnet10t.zoo_demo`). Their `file` points at the zoo's copy and `sha256` is
    /// the index's; entries of unknown architectures are skipped. Returns the names added.
    @discardableResult
    public static func registerCfgs(ofZoo location: String, into registry: ModelRegistry) throws -> [String] {
        let index = try ZooIndex.load(zoo: location)
        var cfgs: [PretrainedCfg] = []
        for (name, entry) in index.models.sorted(by: { $0.key < $1.key }) {
            guard var cfg = entry.cfg, registry.isModel(cfg.architecture), cfg.name.description == name else {
                continue
            }
            cfg.url = nil
            cfg.hfHubID = nil
            cfg.hfHubFilename = nil
            cfg.file = ZooIndex.resolve(entry.file, in: location)
            cfg.sha256 = entry.sha256
            // Keep an existing default tag the default: append, never replace a manifest's cfg.
            if (try? registry.resolve(name)) != nil { continue }
            cfgs.append(cfg)
        }
        try registry.register(cfgs: cfgs)
        return cfgs.map { $0.name.description }
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
    ///
    /// A cached copy answers without touching the network. Concurrent pulls of one model, in
    /// this process or others, download it once: the second waits on the model's lock and then
    /// finds it cached.
    public func pull(_ name: String, registry: ModelRegistry = .shared) throws -> Cached {
        let candidates = cacheKeys(for: name, registry: registry)
        if !force, let cached = candidates.lazy.compactMap(cached).first { return cached }
        if offline {
            let key = candidates.last ?? name
            throw HubError.offline(model: key, missing: home.modelFile(key).path)
        }
        let sources = try resolveSources(name, registry: registry)
        return try FileLock.withLock(at: home.lock(sources[0].name)) {
            // Another pull may have finished the same model while we waited for the lock.
            if !force, let cached = cached(sources[0].name) { return cached }
            var failures = [String]()
            for (index, source) in sources.enumerated() {
                do {
                    return try download(source)
                } catch let error as HubError where index + 1 < sources.count && error.passesTheTurn {
                    log?("\(error); trying the next source")
                    failures.append("\(error)")
                } catch let error as HubError where !failures.isEmpty && error.passesTheTurn {
                    throw HubError.noSourceAnswered(model: sources[0].name, attempts: failures + ["\(error)"])
                }
            }
            throw HubError.noSource(model: sources[0].name)  // not reached: the last source throws or returns
        }
    }

    /// The cached model `name`, if complete.
    public func cached(_ name: String) -> Cached? {
        guard let entry = CacheEntry.read(from: home.entry(name)),
            FileManager.default.fileExists(atPath: home.modelFile(name).path)
        else { return nil }
        return Cached(name: name, modelFile: home.modelFile(name), entry: entry)
    }

    /// Names `name` may be cached under, found without the network: as given, and the registry's
    /// `architecture.tag` for it (`resnet18` → `resnet18.tv_in1k`).
    func cacheKeys(for name: String, registry: ModelRegistry) -> [String] {
        let (base, revision) = split(name)
        var keys = [base]
        if let key = try? registry.resolve(base).cfg?.name.description, key != base { keys.append(key) }
        return keys.map { key in revision.map { Hub.cacheKey(key, revision: $0) } ?? key }
    }

    /// `resnet50.a1_in1k@v2`; a revision's slashes (`refs/pr/1`) are quoted, so a key stays one
    /// directory name.
    static func cacheKey(_ name: String, revision: String) -> String {
        name + "@" + revision.replacingOccurrences(of: "%", with: "%25").replacingOccurrences(of: "/", with: "%2F")
    }

    /// The name without its revision, and the revision asked for (in the name, else `revision`).
    func split(_ name: String) -> (name: String, revision: String?) {
        let (base, given) = HuggingFace.splitRevision(name)
        return (base, given ?? revision)
    }

    // MARK: Resolving where weights come from

    struct Source {
        let name: String
        let location: String
        let fileName: String
        let sha256: String?
        let size: Int64?
        let cfg: PretrainedCfg?
        /// Whether the source is already a .zoo carrying its cfg (from a zoo index).
        let isZoo: Bool
        /// A shard index (`model.safetensors.index.json`): its shards are fetched beside it.
        var sharded = false
        /// The Hub's token, for the Hub's own origin.
        var authorization: Download.Authorization?
    }

    func resolveSource(_ name: String, registry: ModelRegistry) throws -> Source {
        try resolveSources(name, registry: registry)[0]
    }

    /// Every place `name` may be pulled from, in the order they are tried.
    func resolveSources(_ name: String, registry: ModelRegistry) throws -> [Source] {
        let (base, revision) = split(name)
        guard revision == nil, let zooSource = try resolveUnrevisioned(base, registry: registry) else {
            return try manifestSources(base, registry: registry, revision: revision)
        }
        // The zoo's copy first; the cfg's sources, if it has any, when that copy is unreachable.
        return [zooSource] + ((try? manifestSources(base, registry: registry, revision: nil)) ?? [])
    }

    /// A zoo's answer for a name without a revision (zoos have no revisions), or nil.
    private func resolveUnrevisioned(_ name: String, registry: ModelRegistry) throws -> Source? {
        let keys = cacheKeys(for: name, registry: registry)
        if let zoo {
            // An explicit zoo must be readable and must list the name.
            let index = try ZooIndex.load(zoo: zoo)
            guard let source = source(in: index, at: zoo, keys: keys) else {
                throw HubError.unknownModel("\(name) (not in the zoo at \(zoo))")
            }
            return source
        }
        let embedded = Hub.embeddedZoo
        if let index = try? ZooIndex.load(zoo: embedded), let source = source(in: index, at: embedded, keys: keys) {
            return source
        }
        return nil
    }

    /// The cfg's sources in timm's order: `file`, the Hub's weight files, `url`.
    private func manifestSources(_ name: String, registry: ModelRegistry, revision: String?) throws -> [Source] {
        // An explicit zoo answered (or failed) already.
        if zoo != nil && revision == nil { return [] }
        let resolved = try registry.resolve(name)
        guard let cfg = resolved.cfg else { throw HubError.noSource(model: name) }
        let key = revision.map { Hub.cacheKey(cfg.name.description, revision: $0) } ?? cfg.name.description
        var sources = [Source]()
        func add(_ location: String, sharded: Bool = false, authorization: Download.Authorization? = nil) {
            let mirrored = mirror.map { Hub.mirror(location, base: $0) } ?? location
            sources.append(
                Source(
                    name: key, location: mirrored, fileName: Hub.fileName(of: location),
                    sha256: sharded ? nil : cfg.sha256, size: nil, cfg: cfg, isZoo: false,
                    sharded: sharded, authorization: authorization))
        }
        if let file = cfg.file, !file.isEmpty, revision == nil { add(file) }
        if let hubID = cfg.hfHubID, !hubID.isEmpty {
            let (repo, cfgRevision) = HuggingFace.splitRevision(hubID)
            for file in HuggingFace.weightFiles(hfHubFilename: cfg.hfHubFilename) {
                let url = huggingFace.url(repo: repo, revision: revision ?? cfgRevision ?? "main", file: file)
                add(url, sharded: file.hasSuffix(".index.json"), authorization: huggingFace.authorization(for: url))
            }
        }
        if let url = cfg.url, !url.isEmpty, revision == nil { add(url) }
        guard !sources.isEmpty else {
            throw HubError.noSource(model: revision == nil ? key : "\(key) (a revision needs an hf_hub_id)")
        }
        return sources
    }

    private func source(in index: ZooIndex, at zoo: String, keys: [String]) -> Source? {
        guard let key = keys.first(where: { index.models[$0] != nil }), let entry = index.models[key] else {
            return nil
        }
        return Source(
            name: key, location: ZooIndex.resolve(entry.file, in: zoo), fileName: "model.zoo",
            sha256: entry.sha256, size: entry.size, cfg: entry.cfg, isZoo: true)
    }

    /// The last path component of a URL or path, percent-decoded.
    static func fileName(of location: String) -> String {
        if location.contains("://"), let url = URL(string: location), !url.lastPathComponent.isEmpty {
            return url.lastPathComponent
        }
        return (location as NSString).lastPathComponent
    }

    /// `https://host/a/b.pth` with base `http://mirror:8080/x` → `http://mirror:8080/x/a/b.pth`.
    /// The path is kept byte for byte (percent escapes included), and so is the query.
    public static func mirror(_ location: String, base: String) -> String {
        guard let components = URLComponents(string: location),
            components.scheme == "http" || components.scheme == "https"
        else { return location }
        let trimmed = base.hasSuffix("/") ? String(base.dropLast()) : base
        var path = components.percentEncodedPath
        if !path.hasPrefix("/") { path = "/" + path }
        if let query = components.percentEncodedQuery { path += "?" + query }
        return trimmed + path
    }

    /// torch.hub's convention: `name-<sha256 prefix>.ext` (resnet18-f37072fd.pth).
    public static func hashPrefix(inFileName fileName: String) -> String? {
        let stem = (fileName as NSString).deletingPathExtension
        guard let dash = stem.lastIndex(of: "-") else { return nil }
        let candidate = String(stem[stem.index(after: dash)...])
        guard candidate.count >= 6, candidate.count <= 64, candidate.allSatisfy({ $0.isHexDigit && !$0.isUppercase })
        else { return nil }
        return candidate
    }

    // MARK: Downloading, verifying, converting

    /// How long each step of a pull took, for the benchmark.
    public struct Timings: Sendable {
        /// The transfer, with SHA-256 following on another thread.
        public var download = 0.0
        /// `.pth`/`.safetensors` → `model.zoo`, while the hash finishes.
        public var convert = 0.0
        /// Waiting for the hash, and checking it.
        public var verify = 0.0
        /// entry.json, renames, syncs.
        public var finish = 0.0
    }

    private func download(_ source: Source) throws -> Cached {
        try download(source, timings: nil)
    }

    func download(_ source: Source, timings: UnsafeMutablePointer<Timings>?) throws -> Cached {
        let fm = FileManager.default
        let partialDirectory = home.partial(source.name)
        try fm.createDirectory(at: partialDirectory, withIntermediateDirectories: true)
        let partial = partialDirectory.appendingPathComponent(source.fileName + ".part")
        if force { try? fm.removeItem(at: partial) }
        if let expected = source.size, let existing = fileSize(partial), existing > expected {
            try? fm.removeItem(at: partial)  // a leftover of some other file: start over
        }
        log?("pulling \(source.name) from \(source.location)")

        var clock = Date()
        let url: String
        if source.location.contains("://") {
            url = source.location
        } else {
            // A local file goes through libcurl's file:// too: one path, one hash on the way.
            guard fm.fileExists(atPath: source.location) else { throw HubError.unreadable(source.location) }
            url = URL(fileURLWithPath: source.location).absoluteString
        }
        // Hashing runs on another core, following the file as it grows.
        let existing = fileSize(partial) ?? 0
        if existing == 0 {
            guard fm.createFile(atPath: partial.path, contents: nil) else { throw HubError.unreadable(partial.path) }
        }
        let hasher = GrowingFileHasher(following: partial, existing: existing)
        let size: Int64
        do {
            size = try Download.fetch(
                url, to: partial, hasher: hasher, authorization: source.authorization, progress: progress)
        } catch {
            hasher.cancel()
            // Keep bytes a later pull can resume (shards of another source too); drop an empty
            // file, and any file the server says is gone.
            let gone: Bool =
                if case HubError.httpStatus(_, let status) = error { status == 404 || status == 410 } else { false }
            if gone || (fileSize(partial) ?? 0) == 0 {
                try? fm.removeItem(at: partial)
                rmdir(partialDirectory.path)  // only when nothing else is in it
            }
            throw error
        }
        var shards = [URL]()
        if source.sharded {
            do {
                shards = try fetchShards(
                    index: partial, indexURL: url, into: partialDirectory, authorization: source.authorization)
            } catch {
                hasher.cancel()
                // An index that cannot be followed is useless to resume: start afresh next time.
                if case HubError.badShardIndex = error { try? fm.removeItem(at: partialDirectory) }
                throw error
            }
        }
        timings?.pointee.download = -clock.timeIntervalSinceNow

        // Convert while the hash catches up, into a scratch directory next to the entry's final
        // place. Nothing enters the cache before the bytes are checked: the scratch directory is
        // renamed into place only after verification, and removed on any failure.
        clock = Date()
        try fm.createDirectory(at: home.models, withIntermediateDirectories: true)
        let scratch = home.models.appendingPathComponent(".incoming-\(UUID().uuidString)")
        try fm.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? fm.removeItem(at: scratch) }
        let model = scratch.appendingPathComponent("model.zoo")
        var conversionError: Error?
        if !source.isZoo {
            do {
                // Tensor bytes pass through unchanged: the writer checks the source's CRCs as it copies.
                try convertCheckpoint(
                    from: partial.path, to: model.path,
                    options: ConvertOptions(
                        architecture: source.cfg?.architecture, tag: source.cfg?.tag, config: source.cfg?.timmDict))
            } catch {
                conversionError = error
            }
        }
        timings?.pointee.convert = -clock.timeIntervalSinceNow

        clock = Date()
        let digest = try hasher.finish(size: size)
        var verified = false
        do {
            if let expectedSize = source.size, expectedSize != size {
                throw HubError.sizeMismatch(url: source.location, expected: expectedSize, actual: size)
            }
            if let expected = source.sha256?.lowercased(), !expected.isEmpty {
                guard digest == expected else {
                    throw HubError.checksumMismatch(url: source.location, expected: expected, actual: digest)
                }
                verified = true
            } else if let prefix = Hub.hashPrefix(inFileName: source.fileName) {
                guard digest.hasPrefix(prefix) else {
                    throw HubError.checksumMismatch(url: source.location, expected: prefix + "…", actual: digest)
                }
                verified = true
            }
            if let conversionError { throw HubError.conversion(url: source.location, reason: "\(conversionError)") }
        } catch {
            try? fm.removeItem(at: partialDirectory)
            throw error
        }
        timings?.pointee.verify = -clock.timeIntervalSinceNow
        log?(verified ? "verified sha256 \(digest)" : "no known hash for \(source.fileName); recorded sha256 \(digest)")
        if !source.isZoo { log?("converted \(source.fileName) to model.zoo") }

        clock = Date()
        // The original is kept beside model.zoo (a rename, no copy): `zoo cache verify` re-checks
        // its upstream SHA-256, and a future .zoo version can be converted again without the
        // network. A converted model.zoo is not hashed again (a second pass over every byte):
        // its per-tensor CRC-32s, checked by `zoo cache verify`, cover it.
        let clashes = !source.isZoo && ["model.zoo", "entry.json"].contains(source.fileName)
        let originalName = clashes ? "original-" + source.fileName : source.fileName
        let original = scratch.appendingPathComponent(originalName)
        try fm.moveItem(at: partial, to: original)
        // The shards stay beside their index, as the index names them.
        for shard in shards { try fm.moveItem(at: shard, to: scratch.appendingPathComponent(shard.lastPathComponent)) }
        if source.isZoo { try syncFile(original) }  // a converted model.zoo was synced by its writer
        let entry = CacheEntry(
            name: source.name, source: source.location, originalFile: originalName,
            originalSHA256: digest, originalSize: size,
            modelSHA256: source.isZoo ? digest : nil, modelSize: fileSize(model) ?? 0, verified: verified)
        try entry.write(to: scratch)

        let final = home.entry(source.name)
        if fm.fileExists(atPath: final.path) { try fm.removeItem(at: final) }  // --force
        try fm.moveItem(at: scratch, to: final)
        syncDirectory(home.models)
        try? fm.removeItem(at: partialDirectory)
        timings?.pointee.finish = -clock.timeIntervalSinceNow
        return Cached(name: source.name, modelFile: home.modelFile(source.name), entry: entry)
    }

    /// Downloads the shards a (complete) index names, each into `folder` under its own name, one
    /// after the other: a shard already there is kept, a `.part` one is resumed with Range.
    private func fetchShards(
        index: URL, indexURL: String, into folder: URL,
        authorization: Download.Authorization?
    ) throws -> [URL] {
        let names: [String]
        do {
            names = try ShardIndex.shardNames(ofIndex: index.path)
        } catch {
            throw HubError.badShardIndex(url: indexURL, reason: "\(error)")
        }
        let base = String(indexURL[...indexURL.lastIndex(of: "/")!])
        var files = [URL]()
        for (number, name) in names.enumerated() {
            let file = folder.appendingPathComponent(name)
            files.append(file)
            if FileManager.default.fileExists(atPath: file.path) { continue }
            let part = folder.appendingPathComponent(name + ".part")
            let shardURL = base + (name.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? name)
            log?("shard \(number + 1) of \(names.count): \(name)")
            try Download.fetch(shardURL, to: part, authorization: authorization, progress: progress)
            try FileManager.default.moveItem(at: part, to: file)
        }
        return files
    }

    /// Pulls `name` bypassing the cache check, reporting each step's time (the benchmark).
    public func timedPull(_ name: String, registry: ModelRegistry = .shared) throws -> (Cached, Timings) {
        var timings = Timings()
        let source = try resolveSource(name, registry: registry)
        let cached = try FileLock.withLock(at: home.lock(source.name)) { try download(source, timings: &timings) }
        return (cached, timings)
    }
}

private func fileSize(_ url: URL) -> Int64? {
    (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int64) ?? nil
}

private func syncFile(_ url: URL) throws {
    let descriptor = open(url.path, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else { throw HubError.unreadable(url.path) }
    fsync(descriptor)
    close(descriptor)
}

private func syncDirectory(_ url: URL) {
    let descriptor = open(url.path, O_RDONLY | O_CLOEXEC)
    if descriptor >= 0 { fsync(descriptor); close(descriptor) }
}
