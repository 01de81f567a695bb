// torchvision's EfficientNet (V1 and V2), MobileNetV2/V3 and MNASNet checkpoints, loaded into timm's
// module tree. Where torchvision's architecture is exactly a timm variant (efficientnet_b0…b4,
// mobilenet_v2, mnasnet0_5/0_75/1_0), the timm name loads torchvision's file through its family's
// checkpoint filter; where only a hyperparameter differs (batch-norm eps 1e-3 in efficientnet_b5…b7,
// efficientnet_v2_*, mobilenet_v3_*; width 1.3 in mnasnet1_3), the model is registered under
// torchvision's name (`tv_` prefixed where timm has the name) with timm's keys. docs/torchvision.md.
import ZooNN
import ZooRegistry
import ZooTensor

/// Maps a torchvision state dict of these families onto timm's keys. Both register their modules in
/// the same order (stem, blocks: expand, depthwise, SE, projection; head; classifier), so the
/// tensors pair up one to one once torchvision's keys are put in module order; torchvision's
/// post-pool `Linear` (MobileNetV3's `classifier.0`) becomes timm's 1×1 `conv_head`.
public enum TorchvisionMobileCheckpoint {
    /// Whether the tensors are laid out as torchvision's (`features.*` or MNASNet's `layers.*`).
    public static func isTorchvision(_ tensors: [(name: String, tensor: Tensor)]) -> Bool {
        tensors.contains { $0.name.hasPrefix("features.0.") || $0.name.hasPrefix("layers.0.") }
            && !tensors.contains { $0.name.hasPrefix("conv_stem.") }
    }

    /// torchvision's tensors renamed to `model`'s keys; unchanged when the counts or shapes don't pair up
    /// (the strict load then names what is wrong).
    public static func remap(_ tensors: [(name: String, tensor: Tensor)], onto model: Module)
        -> [(name: String, tensor: Tensor)]
    {
        let targets = model.stateDict()
        let sources = tensors.sorted { moduleOrder($0.name, $1.name) }
        guard sources.count == targets.count else { return tensors }
        var mapped: [(name: String, tensor: Tensor)] = []
        for (source, (key, target)) in zip(sources, targets) {
            var tensor = source.tensor
            if tensor.shape != target.shape {
                guard tensor.count == target.count, tensor.rank == 2, target.rank == 4 else { return tensors }
                tensor = tensor.reshape(target.shape)  // Linear [out, in] → 1×1 conv [out, in, 1, 1]
            }
            mapped.append((key, tensor))
        }
        return mapped
    }

    /// Module registration order of torchvision's keys: the trunk before the classifier, module
    /// paths by their numbers, a module's tensors as PyTorch lists them.
    static func moduleOrder(_ a: String, _ b: String) -> Bool {
        func parts(_ key: String) -> (top: Int, path: [Substring], leaf: Int) {
            var path = key.split(separator: ".")
            let leaf = path.removeLast()
            let tops = ["features", "layers", "classifier"]
            let leaves = ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]
            return (
                tops.firstIndex(of: String(path.first ?? "")) ?? tops.count, path,
                leaves.firstIndex(of: String(leaf)) ?? 0
            )
        }
        let (x, y) = (parts(a), parts(b))
        if x.top != y.top { return x.top < y.top }
        for (p, q) in zip(x.path, y.path) where p != q {
            if let m = Int(p), let n = Int(q) { return m < n }
            return p < q
        }
        if x.path.count != y.path.count { return x.path.count < y.path.count }
        return x.leaf < y.leaf
    }

    /// The filter a timm architecture registers: torchvision layouts remapped, anything else unchanged.
    static func filter(building make: @escaping @Sendable () throws -> Module) -> CheckpointFilter {
        { tensors in
            guard isTorchvision(tensors), let model = try? withoutWeightInitialization(make) else { return tensors }
            return remap(tensors, onto: model)
        }
    }
}

/// torchvision's models of these families that are not exactly a timm variant, by torchvision's name.
public enum TorchvisionMobileVariants {
    public static let names: [String] = table.map(\.0)

    typealias G = EfficientNetGenerators
    typealias M = MobileNetV3Generators

    /// torchvision's batch norm of EfficientNet B5-B7, EfficientNetV2 and MobileNetV3.
    static let torchvisionNorm = EfficientNetNorm.batch(eps: 1e-3, momentum: 0.01)

    private static let table: [(String, @Sendable (ModelArgs) throws -> Module)] = [
        ("tv_efficientnet_b5", { efficientNet(try G.efficientNet(1.6, 2.2), $0) }),
        ("tv_efficientnet_b6", { efficientNet(try G.efficientNet(1.8, 2.6), $0) }),
        ("tv_efficientnet_b7", { efficientNet(try G.efficientNet(2.0, 3.1), $0) }),
        ("efficientnet_v2_s", { efficientNet(try G.efficientNetV2S(), $0) }),
        ("efficientnet_v2_m", { efficientNet(try G.efficientNetV2(G.efficientNetV2M, stemSize: 24), $0) }),
        ("efficientnet_v2_l", { efficientNet(try G.efficientNetV2(G.efficientNetV2L, stemSize: 32), $0) }),
        (
            "mnasnet1_3",
            { args in
                EfficientNet(
                    config: try G.mnasnetB1(1.3), numClasses: args.numClasses, inChans: args.inChans,
                    dropRate: Float(args.dropRate))
            }
        ),
        ("mobilenet_v3_large", { mobileNetV3(try M.mobilenetV3("mobilenet_v3_large", 1.0), $0) }),
        ("mobilenet_v3_small", { mobileNetV3(try M.mobilenetV3("mobilenet_v3_small", 1.0), $0) }),
    ]

    private static func efficientNet(_ config: EfficientNetConfig, _ args: ModelArgs) -> Module {
        EfficientNet(
            config: config.with { $0.layers.norm = torchvisionNorm }, numClasses: args.numClasses,
            inChans: args.inChans, dropRate: Float(args.dropRate), dropPathRate: Float(args.dropPathRate ?? 0))
    }

    private static func mobileNetV3(_ config: EfficientNetConfig, _ args: ModelArgs) -> Module {
        MobileNetV3(
            config: config.with { $0.layers.norm = torchvisionNorm }, numClasses: args.numClasses,
            inChans: args.inChans, dropRate: Float(args.dropRate), dropPathRate: Float(args.dropPathRate ?? 0))
    }

    /// Attaches these names under the family "torchvision", each with the torchvision filter.
    public static func register(into registry: ModelRegistry) {
        for (name, build) in table {
            registry.register(
                architecture: name, family: "torchvision", builder: build,
                checkpointFilter: TorchvisionMobileCheckpoint.filter { try build(ModelArgs()) })
        }
    }
}
