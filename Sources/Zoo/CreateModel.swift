import Foundation

/// Errors of `createModel` beyond the registry's and the checkpoint readers' own.
public enum CreateModelError: Error, CustomStringConvertible {
    case noBuilder(String)
    case incompatibleCheckpoint(model: String, file: String, report: LoadReport)
    case noFeatures(String)

    public var description: String {
        switch self {
        case .noBuilder(let name): "\(name): registered without a builder; nothing can build it"
        case .incompatibleCheckpoint(let model, let file, let report):
            "\(file) does not fit \(model): \(report)"
        case .noFeatures(let name): "\(name) cannot return feature maps (featuresOnly)"
        }
    }
}

/// Builds a registered model, optionally with pretrained weights, as timm's `create_model`.
///
/// ```swift
/// // A 10-class fine-tuning start from ImageNet weights:
/// let model = try createModel("resnet50.a1_in1k", pretrained: true, numClasses: 10)
/// // Grayscale input, weights from a file of your own:
/// let gray = try createModel("resnet18", inChans: 1, checkpointPath: "resnet18.pth")
/// ```
/// - Parameters:
///   - name: `architecture` or `architecture.tag`; the tag picks the pretrained cfg.
///   - pretrained: Load the cfg's weights, pulled into the cache if needed.
///   - numClasses: Classifier outputs; a number other than the checkpoint's keeps a fresh head.
///   - inChans: Input channels; other than the cfg's (3) adapts the first conv as timm's `adapt_input_conv`.
///   - checkpointPath: Weights from this file (any format zoo reads) instead of the cfg's source.
///   - cfgOverlay: Changes to the pretrained cfg (timm's `pretrained_cfg_overlay`); a `file` set
///     here is where `pretrained` weights come from, as in timm.
///   - imgSize: Input image size to build for (timm's `img_size`), other than the cfg's: learned
///     position embeddings and relative-position tables of a checkpoint are resampled to it on load.
///   - modelArgs: Architecture keywords as timm's `**kwargs` (`window_size`, `dynamic_img_size`, …).
///   - registry: Where to look `name` up: the shared registry with the built-in families by default.
///   - dropPathRate: Stochastic depth of the deepest block (timm's `drop_path_rate`), linear from 0.
///   - featuresOnly: Return a `FeatureExtractor` (timm's `features_only=True`): no head, `features(x)`
///     gives the maps at `outIndices` (default all), described by its `featureInfo`.
///
/// The family's `checkpointFilter` (registry) first maps foreign key layouts onto the model's.
/// Loading is strict except for what was dropped on purpose: a classifier of another size, or a
/// first conv that cannot be adapted.
/// - Throws: unknown names, unreadable checkpoints, and checkpoints whose keys don't fit, with a
///   report of missing, unexpected and mismatched keys.
public func createModel(
    _ name: String, pretrained: Bool = false, numClasses: Int? = nil, inChans: Int? = nil,
    dropRate: Double = 0, checkpointPath: String? = nil,
    cfgOverlay: ((inout PretrainedCfg) -> Void)? = nil, imgSize: Int? = nil,
    modelArgs: [String: ModelArgValue] = [:],
    registry: ModelRegistry = Zoo.registry, dropPathRate: Double? = nil,
    featuresOnly: Bool = false, outIndices: [Int]? = nil
) throws -> Module {
    if featuresOnly {
        // timm's features_only: the backbone without its head, cut to the maps at `outIndices`.
        let model = try createModel(
            name, pretrained: pretrained, numClasses: 0, inChans: inChans, dropRate: dropRate,
            checkpointPath: checkpointPath, cfgOverlay: cfgOverlay, imgSize: imgSize,
            modelArgs: modelArgs, registry: registry, dropPathRate: dropPathRate)
        guard let backbone = model as? any FeatureExtracting else { throw CreateModelError.noFeatures(name) }
        return FeatureExtractor(backbone, outIndices: outIndices ?? Array(backbone.featureInfo.indices))
    }
    let resolved = try registry.resolve(name)
    guard let builder = resolved.architecture.builder else { throw CreateModelError.noBuilder(name) }
    var cfg = resolved.cfg ?? PretrainedCfg(architecture: resolved.architecture.name)
    cfgOverlay?(&cfg)
    // Defaults from the cfg, as timm's `_update_default_model_kwargs`.
    let classes = numClasses ?? cfg.numClasses
    let channels = inChans ?? cfg.inputSize.first ?? 3
    var args = ModelArgs(
        numClasses: classes, inChans: channels, dropRate: dropRate, dropPathRate: dropPathRate,
        extra: modelArgs)
    // timm's `_update_default_model_kwargs`: img_size from the cfg's input size unless given.
    if let imgSize {
        args.extra["img_size"] = .ints([imgSize, imgSize])
    } else if args.extra["img_size"] == nil, cfg.inputSize.count == 3 {
        args.extra["img_size"] = .ints(Array(cfg.inputSize[1...]))
    }
    let model = try builder(args)
    if resolved.cfg == nil, cfg.classifier == nil, let classifier = model as? any ClassifierModel {
        // No registered cfg names the head; the model knows it, so a 1000-class file still fits 10 classes.
        cfg.classifier = .single(classifier.classifierName)
    }

    // timm's order: an explicit file (`pretrained_cfg_overlay=dict(file=...)`), then the cfg's source.
    let source: String?
    if let checkpointPath {
        source = checkpointPath
    } else if pretrained {
        source = try cfg.file ?? Hub.pull(cfg.name.description, registry: registry).path
    } else {
        source = nil
    }
    guard let source else { return model }

    var tensors = try Checkpoint.load(source).tensors
    if let filter = resolved.architecture.checkpointFilter { tensors = filter(tensors) }
    if let adapting = model as? any CheckpointAdapting { tensors = adapting.adaptCheckpoint(tensors) }
    let modelShapes = Dictionary(model.stateDict().map { ($0.0, $0.1.shape) }, uniquingKeysWith: { first, _ in first })
    let (state, strict) = prepareStateDict(
        tensors, cfg: cfg, numClasses: classes, inChans: channels, modelShapes: modelShapes)
    let report: LoadReport
    do {
        report = try model.loadStateDict(state, strict: strict)
    } catch {
        throw CreateModelError.incompatibleCheckpoint(model: name, file: source, report: error.report)
    }
    // Non-strict loads may miss only what was dropped on purpose (the head, an unadaptable first
    // conv); anything else is a checkpoint for another model, which timm would only log.
    if !strict {
        let droppedPrefixes = (cfg.classifier?.values ?? []) + (cfg.firstConv?.values ?? [])
        let allowed = Set(droppedPrefixes.flatMap { [$0 + ".weight", $0 + ".bias"] })
        if !report.unexpectedKeys.isEmpty || !report.mismatchedShapes.isEmpty
            || report.missingKeys.contains(where: { !allowed.contains($0) })
        {
            throw CreateModelError.incompatibleCheckpoint(model: name, file: source, report: report)
        }
    }
    return model
}

/// Names of registered models matching timm-style patterns, in timm's order.
///
/// ```swift
/// listModels("*resnet*")                        // architectures
/// listModels("resnet50*", pretrained: true)     // arch.tag names with weights
/// ```
public func listModels(_ patterns: String..., excluding: [String] = [], pretrained: Bool = false) -> [String] {
    Zoo.registry.list(patterns, excluding: excluding, pretrained: pretrained)
}

/// The package's entry points share one registry with the built-in families attached.
public enum Zoo {
    /// `ModelRegistry.shared` with this package's model builders registered.
    /// The embedded default zoo's names (`resnet10t.zoo_demo`) are registered too.
    public static var registry: ModelRegistry {
        BuiltinModels.register()
        _ = embeddedZooRegistered
        return .shared
    }

    private static let embeddedZooRegistered: Void = {
        // With the manifests, when a cfg is first needed (`zoo list` without --pretrained needs none).
        ModelRegistry.shared.registerLazily { registry in
            _ = try? Hub.registerCfgs(ofZoo: Hub.embeddedZoo, into: registry)
        }
    }()
}
