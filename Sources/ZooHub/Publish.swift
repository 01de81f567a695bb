import Foundation
import ZooCheckpoint
import ZooNN
import ZooRegistry

/// Writes models into a static zoo folder (`zoo publish`).
public enum Publisher {
    /// Converts `checkpoint` to `<zoo>/<name>/model.zoo`, embedding the cfg, and records it in
    /// `<zoo>/index.json`. The cfg is the registry's for `name` when it knows it, else the
    /// architecture's default cfg under the new tag, with the classes the checkpoint's head has;
    /// either way without url, hf_hub_id or file (the zoo is the source). `compress` deflates
    /// tensor entries where that pays (smaller files in a repository, slower loads).
    @discardableResult
    public static func publish(
        checkpoint path: String, name: String, zoo: URL, registry: ModelRegistry = .shared,
        compress: Bool = false
    ) throws -> ZooIndex.Entry {
        let modelName = ModelName(name)
        let fm = FileManager.default
        try fm.createDirectory(at: zoo, withIntermediateDirectories: true)
        var checkpoint = try Checkpoint.load(path)
        let cfg = publishedCfg(for: modelName, checkpoint: checkpoint, registry: registry)
        checkpoint.architecture = cfg.architecture
        checkpoint.tag = cfg.tag
        checkpoint.config = cfg.timmDict
        let relative = "\(name)/model.zoo"
        let target = zoo.appendingPathComponent(relative)
        try fm.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        return try FileLock.withLock(at: zoo.appendingPathComponent(".index.lock").path) {
            try checkpoint.save(target.path, format: .zoo, options: SaveOptions(compress: compress))
            let size = (try fm.attributesOfItem(atPath: target.path)[.size] as? Int64) ?? 0
            let entry = ZooIndex.Entry(
                file: relative, sha256: try SHA256Hasher.hexDigest(ofFile: target), size: size, cfg: cfg)
            var index =
                fm.fileExists(atPath: zoo.appendingPathComponent(ZooIndex.fileName).path)
                ? try ZooIndex.load(zoo: zoo.path) : ZooIndex()
            index.models[name] = entry
            try index.write(to: zoo)
            return entry
        }
    }

    static func publishedCfg(for name: ModelName, checkpoint: Checkpoint, registry: ModelRegistry) -> PretrainedCfg {
        var cfg: PretrainedCfg
        if let known = try? registry.resolve(name.description).cfg, known.tag == name.tag {
            cfg = known
        } else {
            cfg = (try? registry.resolve(name.architecture).cfg) ?? PretrainedCfg(architecture: name.architecture)
            cfg.tag = name.tag
        }
        cfg.url = nil
        cfg.hfHubID = nil
        cfg.hfHubFilename = nil
        cfg.file = nil
        cfg.sha256 = nil
        if let classifier = cfg.classifier?.values.first, let head = checkpoint[classifier + ".weight"] {
            cfg.numClasses = head.shape[0]
        }
        return cfg
    }
}

/// The cache seen as a whole (`zoo cache list|rm|verify`).
public struct HubCache {
    public let home: ZooHome

    public init(home: ZooHome) { self.home = home }

    public func entries() -> [CacheEntry] {
        home.cachedNames().compactMap { name in
            CacheEntry.read(from: home.entry(name))
        }
    }

    /// Removes cached models whose names match the fnmatch `pattern`; returns their names.
    public func remove(matching pattern: String) throws -> [String] {
        let matcher = FnMatchPattern(pattern)
        let names = home.cachedNames().filter { matcher.matches($0) }
        for name in names {
            try FileLock.withLock(at: home.lock(name)) {
                try FileManager.default.removeItem(at: home.entry(name))
                try? FileManager.default.removeItem(at: home.partial(name))
            }
        }
        return names
    }

    /// Recomputes the SHA-256 of every cached original against `entry.json`, and checks each
    /// `model.zoo` by its SHA-256 when recorded, else by reading it with every CRC-32 checked;
    /// returns how many models fail.
    public func verify(report: (String, Bool) -> Void) throws -> Int {
        var problems = 0
        for entry in entries() {
            let original = home.entry(entry.name).appendingPathComponent(entry.originalFile)
            let model = home.modelFile(entry.name)
            var ok = (try? SHA256Hasher.hexDigest(ofFile: original)) == entry.originalSHA256
            if ok, entry.originalFile != "model.zoo" {
                if let expected = entry.modelSHA256 {
                    ok = (try? SHA256Hasher.hexDigest(ofFile: model)) == expected
                } else {
                    ok = (try? Checkpoint.load(model.path, options: LoadOptions(verifyChecksums: true))) != nil
                }
            }
            if !ok { problems += 1 }
            report(entry.name, ok)
        }
        return problems
    }
}
