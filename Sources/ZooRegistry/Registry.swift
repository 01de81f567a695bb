import ZooCheckpoint
import ZooNN

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// An architecture as the registry holds it: its family, its builder and its pretrained cfgs.
public struct RegisteredArchitecture: Sendable {
    /// The architecture name (`resnet50`), never containing a `.`.
    public let name: String
    /// The family it belongs to (`resnet`); timm calls it the module.
    public let family: String
    /// Builds the model; `nil` while only the name is registered.
    public let builder: ModelBuilder?
    /// Maps foreign checkpoint layouts onto this architecture's keys before `createModel` loads them
    /// (timm's `checkpoint_filter_fn`); `nil` when checkpoints already use the model's keys.
    public let checkpointFilter: CheckpointFilter?
    /// Pretrained cfgs in order; the first is the default tag.
    public let pretrainedCfgs: [PretrainedCfg]
    /// The timm architecture this name is another library's name for (torchvision's `swin_v2_t`
    /// for `swinv2_tiny_window8_256`), or `nil`. An alias resolves, builds and loads checkpoints
    /// like any architecture, but ``ModelRegistry/list(_:excluding:families:pretrained:includeTags:)``
    /// leaves it out, as timm's `list_models` does not know it (docs/torchvision.md).
    public let aliasOf: String?

    /// The cfg `architecture` alone resolves to.
    public var defaultCfg: PretrainedCfg? { pretrainedCfgs.first }
}

/// A model name resolved against the registry: `resnet50` resolves to its default tag.
public struct ResolvedModel: Sendable {
    public let architecture: RegisteredArchitecture
    /// The cfg of the requested tag, or the default one; `nil` when the architecture has none.
    public let cfg: PretrainedCfg?
    /// Whether `cfg` is the architecture's default.
    public let isDefaultTag: Bool

    /// The full name, `architecture.tag`.
    public var name: ModelName { cfg?.name ?? ModelName(architecture: architecture.name, tag: nil) }

    /// What `zoo info` shows: name, architecture, family, tag, parameter count (`null` if unknown)
    /// and the cfg as timm's `get_pretrained_cfg(name).to_dict()` (`null` without cfgs); an alias
    /// also names the timm architecture it stands for (`alias_of`).
    public func info(parameterCount: Int?) -> JSONValue {
        .object(
            [
                ("name", .string(name.description)),
                ("architecture", .string(architecture.name)),
                ("family", .string(architecture.family)),
            ] + (architecture.aliasOf.map { [("alias_of", JSONValue.string($0))] } ?? []) + [
                ("tag", JSONValue(cfg?.tag)),
                ("is_default_tag", .bool(isDefaultTag)),
                ("num_params", parameterCount.map(JSONValue.int) ?? .null),
                ("pretrained_cfg", cfg?.timmDict ?? .null),
            ])
    }
}

/// Why a name could not be resolved or a cfg registered.
public enum RegistryError: Error, Equatable, CustomStringConvertible {
    /// No such architecture; `suggestions` are registered names close to it.
    case unknownModel(name: String, suggestions: [String])
    /// The architecture exists but has no cfg with that tag.
    case unknownTag(architecture: String, tag: String, availableTags: [String])

    public var description: String {
        switch self {
        case let .unknownModel(name, suggestions):
            let hint = suggestions.isEmpty ? "" : "; did you mean \(suggestions.joined(separator: ", "))?"
            return "unknown model \"\(name)\"\(hint)"
        case let .unknownTag(architecture, tag, available):
            let known =
                available.isEmpty ? "it has no pretrained tags" : "its tags are \(available.joined(separator: ", "))"
            return "\(architecture) has no pretrained tag \"\(tag)\"; \(known)"
        }
    }
}

/// The registry of architectures and their pretrained cfgs, looked up with timm's names and
/// wildcards.
///
/// Families register their variants with ``register(architecture:family:builder:checkpointFilter:)``; pretrained
/// cfgs come from manifests (``load(_:file:)``) or ``register(cfgs:)``. Any package can add its
/// own to ``shared``:
///
/// ```swift
/// ModelRegistry.shared.register(architecture: "tinynet", family: "tinynet") { args in
///     TinyNet(classes: args.numClasses)
/// }
/// try ModelRegistry.shared.register(cfgs: [PretrainedCfg(architecture: "tinynet", tag: "in1k")])
/// ModelRegistry.shared.list(["tiny*"], pretrained: true)   // ["tinynet.in1k"] if it has weights
/// ```
///
/// All methods are safe to call from any thread.
public final class ModelRegistry: Sendable {
    /// The process-wide registry, holding the built-in families and manifests.
    ///
    /// Manifests from the `ZOO_MANIFESTS` folder are added by ``loadManifestsFromEnvironment(_:)``,
    /// which the `zoo` command calls; a library user calls it too (it reports bad manifests as errors,
    /// which a lazily created singleton could not).
    public static let shared = ModelRegistry.builtin()

    /// A fresh registry holding the built-in families and manifests, as ``shared`` starts out:
    /// for code (and tests) that must not see what others registered into ``shared``.
    public static func builtin() -> ModelRegistry {
        let registry = ModelRegistry()
        BuiltinFamilies.register(into: registry)
        // Parsed when a cfg is first needed: `zoo list` without --pretrained never needs one, and
        // parsing every family's manifests was most of its time (docs/benchmarks.md).
        for (fileName, json) in BuiltinManifests.files {
            registry.registerLazily { registry in
                let file = "manifests/\(fileName) (built in)"
                do {
                    try registry.load(Manifest(json: json.utf8, file: file), file: file)
                } catch {
                    fatalError("\(error)")  // the tests load every built-in manifest; this is a broken build
                }
            }
        }
        return registry
    }

    private struct State {
        var architectures: [String: RegisteredArchitecture] = [:]
        var loadedFolders: Set<String> = []
        /// Cfg registrations waiting for the first look at a cfg, in the order they were made.
        var pendingCfgs: [@Sendable (ModelRegistry) -> Void] = []
        /// The thread running `pendingCfgs`; its own registrations apply at once.
        var loadingThread: pthread_t?
    }
    private let state = Locked(State())
    /// Held while pending cfg registrations run, so other threads wait for all of them.
    private let cfgLoading = Locked(())

    /// An empty registry; most code wants ``shared``.
    public init() {}

    // MARK: Registering

    /// Registers an architecture, or replaces its family and builder if it exists (its cfgs stay).
    ///
    /// - Parameters:
    ///   - architecture: The name, such as `resnet50`: not empty, no `.` or white space.
    ///   - family: The family it belongs to, such as `resnet`.
    ///   - builder: Builds the model; `nil` registers the name only.
    ///   - checkpointFilter: Maps foreign key layouts onto the model's before loading (a second
    ///     trailing closure: `register(...) { args in ... } checkpointFilter: { tensors in ... }`).
    ///   - aliasOf: The timm architecture this is another library's name for: resolved and built,
    ///     never listed (``RegisteredArchitecture/aliasOf``).
    public func register(
        architecture: String, family: String, builder: ModelBuilder? = nil,
        checkpointFilter: CheckpointFilter? = nil, aliasOf: String? = nil
    ) {
        precondition(
            !architecture.isEmpty && !architecture.contains(where: { $0 == "." || $0.isWhitespace }),
            "architecture name \"\(architecture)\" must be non-empty without '.' or white space")
        state.withLock { state in
            let cfgs = state.architectures[architecture]?.pretrainedCfgs ?? []
            state.architectures[architecture] = RegisteredArchitecture(
                name: architecture, family: family, builder: builder, checkpointFilter: checkpointFilter,
                pretrainedCfgs: cfgs, aliasOf: aliasOf)
        }
    }

    /// Adds pretrained cfgs to registered architectures, in order: an architecture's first cfg is its
    /// default tag. A cfg whose `architecture.tag` exists replaces it in place.
    ///
    /// As in timm, an `hf_hub_id` of just `timm/` is completed to `timm/architecture.tag`.
    /// - Throws: ``RegistryError/unknownModel(name:suggestions:)`` if an architecture is not
    ///   registered; then nothing is added.
    public func register(cfgs: [PretrainedCfg]) throws {
        let deferred = try state.withLock { state -> Bool in
            if let unknown = cfgs.first(where: { state.architectures[$0.architecture] == nil }) {
                throw RegistryError.unknownModel(
                    name: unknown.architecture, suggestions: Self.suggestions(for: unknown.architecture, in: state))
            }
            // Behind registrations still pending, this one waits its turn, so the order (and with
            // it each architecture's default tag) is the order of the calls.
            let loader = state.loadingThread.map { pthread_equal($0, pthread_self()) != 0 } ?? false
            guard !state.pendingCfgs.isEmpty && !loader else { return false }
            state.pendingCfgs.append { registry in registry.apply(cfgs) }
            return true
        }
        if !deferred { apply(cfgs) }
    }

    /// Runs `registration` (which registers cfgs or loads manifests) when a cfg is first looked up,
    /// after the registrations made before it: for work that costs start-up time and that name
    /// listing does not need. It must handle its own errors.
    public func registerLazily(_ registration: @escaping @Sendable (ModelRegistry) -> Void) {
        state.withLock { $0.pendingCfgs.append(registration) }
    }

    /// Runs the pending cfg registrations, once, before anything reads cfgs.
    private func loadPendingCfgs() {
        let (pending, reentered) = state.withLock { state -> (Bool, Bool) in
            let loader = state.loadingThread.map { pthread_equal($0, pthread_self()) != 0 } ?? false
            return (!state.pendingCfgs.isEmpty, loader)
        }
        // A registration being run looks cfgs up as the earlier ones left them.
        guard pending && !reentered else { return }
        cfgLoading.withLock { _ in
            state.withLock { $0.loadingThread = pthread_self() }
            defer { state.withLock { $0.loadingThread = nil } }
            // Removed only once done, so other threads see pending work (and wait) until then.
            while let registration = state.withLock({ $0.pendingCfgs.first }) {
                registration(self)
                state.withLock { _ = $0.pendingCfgs.removeFirst() }
            }
        }
    }

    /// Whether cfg registrations are still waiting for a first look at a cfg (for tests).
    var hasPendingCfgs: Bool { state.withLock { !$0.pendingCfgs.isEmpty } }

    /// Adds checked cfgs now.
    private func apply(_ cfgs: [PretrainedCfg]) {
        state.withLock { state in
            for var cfg in cfgs {
                if cfg.hfHubID == "timm/" { cfg.hfHubID = "timm/\(cfg.name)" }
                let entry = state.architectures[cfg.architecture]!
                var entryCfgs = entry.pretrainedCfgs
                if let existing = entryCfgs.firstIndex(where: { $0.tag == cfg.tag }) {
                    entryCfgs[existing] = cfg
                } else {
                    entryCfgs.append(cfg)
                }
                state.architectures[cfg.architecture] = RegisteredArchitecture(
                    name: entry.name, family: entry.family, builder: entry.builder,
                    checkpointFilter: entry.checkpointFilter, pretrainedCfgs: entryCfgs, aliasOf: entry.aliasOf)
            }
        }
    }

    /// Adds a manifest's cfgs, all or none: a later manifest replaces cfgs of the same name.
    /// - Throws: ``ManifestError`` naming `file` and the field if an architecture is unknown or a
    ///   name is listed twice.
    public func load(_ manifest: Manifest, file: String) throws {
        var firstIndexOfName: [ModelName: Int] = [:]
        for (index, cfg) in manifest.cfgs.enumerated() {
            guard isModel(cfg.architecture) else {
                throw ManifestError.unknownArchitecture(
                    file: file, field: "cfgs[\(index)].architecture", architecture: cfg.architecture,
                    suggestions: suggestions(for: cfg.architecture))
            }
            if let earlier = firstIndexOfName[cfg.name] {
                throw ManifestError.invalidField(
                    file: file, field: "cfgs[\(index)].tag",
                    reason: "\(cfg.name) is already listed at cfgs[\(earlier)].")
            }
            firstIndexOfName[cfg.name] = index
        }
        try register(cfgs: manifest.cfgs)
    }

    /// Reads and adds the manifest at `path`.
    /// - Throws: ``ManifestError`` naming the file and the field.
    public func loadManifest(atPath path: String) throws {
        try load(Manifest(contentsOfFile: path), file: path)
    }

    /// Adds every `*.json` manifest in `folder`, in file-name order.
    /// - Throws: ``ManifestError`` naming the first bad file and its field.
    public func loadManifests(inFolder folder: String) throws {
        try loadManifests(inFolder: folder, setBy: nil)
    }

    /// Adds the manifests in the folder named by the `ZOO_MANIFESTS` environment variable, once per
    /// folder; does nothing when the variable is unset or empty.
    /// - Parameter environment: The environment to read; the process's by default.
    /// - Throws: ``ManifestError`` naming the bad file and its field, or the missing folder.
    public func loadManifestsFromEnvironment(_ environment: [String: String]? = nil) throws {
        let environment = environment ?? ProcessInfo.processInfo.environment
        guard let folder = environment["ZOO_MANIFESTS"], !folder.isEmpty else { return }
        guard !state.withLock({ $0.loadedFolders.contains(folder) }) else { return }
        try loadManifests(inFolder: folder, setBy: "ZOO_MANIFESTS")
        state.withLock { _ = $0.loadedFolders.insert(folder) }
    }

    private func loadManifests(inFolder folder: String, setBy variable: String?) throws {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: folder)
        } catch {
            guard FileManager.default.fileExists(atPath: folder) else {
                throw ManifestError.missingFolder(path: folder, setBy: variable)
            }
            throw ManifestError.unreadable(file: folder, reason: "not a readable folder (\(error))")
        }
        for name in names.filter({ $0.hasSuffix(".json") }).sorted() {
            try loadManifest(atPath: folder.hasSuffix("/") ? folder + name : "\(folder)/\(name)")
        }
    }

    // MARK: Looking up

    /// Model names in timm's natural order, as timm's `list_models` gives them (aliases left out).
    ///
    /// - Parameters:
    ///   - patterns: Wildcards a name must match one of (``FnMatchPattern``); all names when empty.
    ///   - excluding: Wildcards removing names the patterns let in.
    ///   - families: Only architectures of these families; all when empty.
    ///   - pretrained: Only names with weights; names then carry their tags (`resnet50.a1_in1k`).
    ///   - includeTags: List `architecture.tag` names; defaults to `pretrained`. A pattern without a
    ///     `.` then also matches the tags of the architectures it matches (timm's `_expand_filter`).
    public func list(
        _ patterns: [String] = [], excluding: [String] = [], families: [String] = [],
        pretrained: Bool = false, includeTags: Bool? = nil
    ) -> [String] {
        let includeTags = includeTags ?? pretrained
        if includeTags || pretrained { loadPendingCfgs() }
        let architectures = state.withLock { Array($0.architectures.values) }
            .filter { $0.aliasOf == nil && (families.isEmpty || families.contains($0.family)) }

        var candidates: [(name: String, hasWeights: Bool)] = []
        for architecture in architectures {
            let defaultHasWeights = architecture.defaultCfg?.hasWeights ?? false
            if includeTags && !architecture.pretrainedCfgs.isEmpty {
                // An untagged cfg is listed by the architecture name, which stands for the default.
                candidates += architecture.pretrainedCfgs.map {
                    ($0.name.description, $0.tag == nil ? defaultHasWeights : $0.hasWeights)
                }
            } else {
                candidates.append((architecture.name, defaultHasWeights))
            }
        }

        func expanded(_ patterns: [String]) -> [FnMatchPattern] {
            patterns.flatMap { pattern in
                includeTags && ModelName(pattern).tag == nil ? [pattern + ".*", pattern] : [pattern]
            }.map(FnMatchPattern.init)
        }
        let include = expanded(patterns), exclude = expanded(excluding)
        return
            candidates
            .filter { candidate in
                (include.isEmpty || include.contains { $0.matches(candidate.name) })
                    && !exclude.contains { $0.matches(candidate.name) }
                    && (!pretrained || candidate.hasWeights)
            }
            .map(\.name)
            .naturallySorted()
    }

    /// The registered architecture of `name` (any tag is ignored), or `nil`.
    public func architecture(_ name: String) -> RegisteredArchitecture? {
        let architecture = ModelName(name).architecture
        loadPendingCfgs()
        return state.withLock { $0.architectures[architecture] }
    }

    /// All registered architectures, in natural order of their names.
    public var architectures: [RegisteredArchitecture] {
        loadPendingCfgs()
        let byName = state.withLock { $0.architectures }
        return byName.keys.naturallySorted().map { byName[$0]! }
    }

    /// Whether the architecture of `name` is registered (any tag is ignored), like timm's `is_model`.
    public func isModel(_ name: String) -> Bool {
        let architecture = ModelName(name).architecture
        return state.withLock { $0.architectures[architecture] != nil }  // no cfgs needed
    }

    /// Whether `name` has weights to download: `architecture.tag` its own, `architecture` its default's.
    public func isPretrained(_ name: String) -> Bool {
        (try? resolve(name).cfg?.hasWeights) == true
    }

    /// The cfg of `architecture.tag`, or the default cfg of `architecture`, like timm's
    /// `get_pretrained_cfg`; `nil` if the architecture has no cfgs.
    /// - Throws: ``RegistryError`` for an unknown architecture or tag.
    public func pretrainedCfg(for name: String) throws -> PretrainedCfg? {
        try resolve(name).cfg
    }

    /// Resolves `name` to its architecture and cfg.
    /// - Throws: ``RegistryError`` for an unknown architecture (with close names) or tag.
    public func resolve(_ name: String) throws -> ResolvedModel {
        let modelName = ModelName(name)
        guard let architecture = architecture(modelName.architecture) else {
            throw RegistryError.unknownModel(name: name, suggestions: suggestions(for: name))
        }
        let cfgs = architecture.pretrainedCfgs
        guard let tag = modelName.tag else {
            return ResolvedModel(architecture: architecture, cfg: cfgs.first, isDefaultTag: true)
        }
        guard let index = cfgs.firstIndex(where: { $0.tag == tag }) else {
            throw RegistryError.unknownTag(
                architecture: architecture.name, tag: tag, availableTags: cfgs.compactMap(\.tag))
        }
        return ResolvedModel(architecture: architecture, cfg: cfgs[index], isDefaultTag: index == 0)
    }

    /// The parameter count of the model `name` builds with its cfg's classes and channels, or `nil`
    /// when no builder is registered or the model cannot count.
    /// - Throws: ``RegistryError`` for an unknown name, or what the builder throws.
    public func parameterCount(of name: String) throws -> Int? {
        let resolved = try resolve(name)
        guard let builder = resolved.architecture.builder else { return nil }
        let args = resolved.cfg.map(ModelArgs.init(matching:)) ?? ModelArgs()
        // Zero-filled weights: counting needs shapes, not random draws.
        let model = try withoutWeightInitialization { try builder(args) }
        return model.parameters().reduce(0) { $0 + $1.count }
    }

    /// Registered names (architectures and `architecture.tag`) close to `name`, closest first.
    public func suggestions(for name: String, limit: Int = 5) -> [String] {
        loadPendingCfgs()
        return state.withLock { Self.suggestions(for: name, in: $0, limit: limit) }
    }

    private static func suggestions(for name: String, in state: State, limit: Int = 5) -> [String] {
        let query = Array(name.lowercased().unicodeScalars)
        let allowed = max(2, query.count / 3)
        var close: [(distance: Int, name: String)] = []
        for (architecture, entry) in state.architectures {
            for candidate in [architecture] + entry.pretrainedCfgs.map({ $0.name.description }) {
                let distance = editDistance(query, Array(candidate.lowercased().unicodeScalars))
                if distance <= allowed { close.append((distance, candidate)) }
            }
        }
        let byDistance = Dictionary(grouping: close, by: \.distance)
        return byDistance.keys.sorted().flatMap { byDistance[$0]!.map(\.name).naturallySorted() }
            .reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
            .prefix(limit).map { $0 }
    }
}

/// Levenshtein distance: insertions, deletions and substitutions.
private func editDistance(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar]) -> Int {
    var previous = Array(0...b.count)
    for (i, x) in a.enumerated() {
        var current = [i + 1] + Array(repeating: 0, count: b.count)
        for (j, y) in b.enumerated() {
            current[j + 1] = min(previous[j + 1] + 1, current[j] + 1, previous[j] + (x == y ? 0 : 1))
        }
        previous = current
    }
    return previous[b.count]
}
