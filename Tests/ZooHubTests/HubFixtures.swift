import Foundation
import Testing
import Zoo

@testable import ZooHub

/// The scratch root's path, for the exit hook (a C function pointer cannot capture).
nonisolated(unsafe) private var hubTestScratchRoot: UnsafeMutablePointer<CChar>?

/// A tiny registered architecture (8 → 16 → 3 MLP, kilobytes of weights), checkpoints of it, and
/// cfgs registered under fresh tags whose `url` or `file` points where a test wants.
enum HubFixtures {
    static let architecture = "hubtest_mlp"

    /// `Zoo.registry` with the test architecture; `ZOO_HOME` points at a scratch directory so that
    /// `createModel(pretrained: true)`, which reads the environment, never touches a real cache.
    static let registry: ModelRegistry = {
        setenv("ZOO_HOME", temporaryDirectory().path, 1)
        unsetenv("ZOO_OFFLINE")
        let registry = Zoo.registry
        registry.register(architecture: architecture, family: "hubtest") { args in
            Sequential(Linear(8, 16), ReLU(), Linear(16, args.numClasses))
        }
        // The default cfg, without weights: what `zoo publish` starts from for a new tag.
        try! registry.register(cfgs: [cfg(tag: "untrained")])
        return registry
    }()

    /// Every test's files, under one directory removed when the test process exits.
    private static let scratchRoot: URL = {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("zoo-hubtest-\(getpid())")
        hubTestScratchRoot = strdup(root.path)
        atexit {
            if let root = hubTestScratchRoot { try? FileManager.default.removeItem(atPath: String(cString: root)) }
        }
        return root
    }()

    static func temporaryDirectory() -> URL {
        let url = scratchRoot.appendingPathComponent(UUID().uuidString)
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func temporaryHome() -> ZooHome { ZooHome(root: temporaryDirectory()) }

    /// The MLP's state dict with deterministic values.
    static func checkpoint(seed: UInt64) throws -> Checkpoint {
        var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        func values(_ count: Int) -> [Float] {
            (0..<count).map { _ in
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                return Float(Int64(bitPattern: state >> 11) % 2001 - 1000) / 1000
            }
        }
        return Checkpoint(tensors: [
            ("0.weight", Tensor(values(128), shape: [16, 8])), ("0.bias", Tensor(values(16))),
            ("2.weight", Tensor(values(48), shape: [3, 16])), ("2.bias", Tensor(values(3))),
        ])
    }

    /// The file `checkpoint` makes in the format of `pathExtension`.
    static func bytes(of checkpoint: Checkpoint, as pathExtension: String) throws -> Data {
        let file = temporaryDirectory().appendingPathComponent("checkpoint.\(pathExtension)")
        try checkpoint.save(file.path)
        return try Data(contentsOf: file)
    }

    static func sha256(_ data: Data) -> String {
        let hasher = SHA256Hasher()
        hasher.update(data)
        return hasher.finalizeHex()
    }

    /// Registers `hubtest_mlp.<fresh tag>` downloading from `url` or `file`; returns the name.
    static func register(url: String? = nil, file: String? = nil, sha256: String?, tag: String? = nil) throws -> String
    {
        var cfg = cfg(tag: tag ?? "t_\(UUID().uuidString.prefix(8).lowercased())")
        cfg.url = url
        cfg.file = file
        cfg.sha256 = sha256
        try registry.register(cfgs: [cfg])
        return cfg.name.description
    }

    static func cfg(tag: String, architecture: String = architecture) -> PretrainedCfg {
        var cfg = PretrainedCfg(architecture: architecture, tag: tag)
        cfg.numClasses = 3
        cfg.inputSize = [8, 1, 1]
        cfg.firstConv = .single("0")
        cfg.classifier = .single("2")
        return cfg
    }

    static func expectSameTensors(
        _ loaded: Checkpoint, _ expected: Checkpoint, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(loaded.names == expected.names, sourceLocation: sourceLocation)
        for (name, tensor) in expected.tensors {
            #expect(loaded[name]?.shape == tensor.shape, sourceLocation: sourceLocation)
            #expect(loaded[name]?.toArray() == tensor.toArray(), "\(name)", sourceLocation: sourceLocation)
        }
    }

    /// No entry, no partial download and no scratch directory for `name`.
    static func expectNothingCached(_ home: ZooHome, _ name: String, sourceLocation: SourceLocation = #_sourceLocation)
    {
        let fm = FileManager.default
        #expect(!fm.fileExists(atPath: home.entry(name).path), sourceLocation: sourceLocation)
        #expect(
            ((try? fm.contentsOfDirectory(atPath: home.partial(name).path)) ?? []).isEmpty,
            sourceLocation: sourceLocation)
        #expect(((try? fm.contentsOfDirectory(atPath: home.models.path)) ?? []).isEmpty, sourceLocation: sourceLocation)
        #expect(Hub(home: home, offline: true).cached(name) == nil, sourceLocation: sourceLocation)
    }

    /// A flag set once from any thread.
    final class Flag: @unchecked Sendable {
        private let lock = NSLock()
        private var value = false
        var isSet: Bool { lock.withLock { value } }
        /// Sets the flag; true only for the first caller.
        func setOnce() -> Bool {
            lock.withLock {
                defer { value = true }; return !value
            }
        }
    }

    /// Results gathered from concurrent work.
    final class Results: @unchecked Sendable {
        private let lock = NSLock()
        private var values: [Result<CacheEntry, Error>] = []
        func append(_ result: Result<CacheEntry, Error>) { lock.withLock { values.append(result) } }
        var all: [Result<CacheEntry, Error>] { lock.withLock { values } }
    }
}
