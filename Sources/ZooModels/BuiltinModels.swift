import ZooRegistry

/// The model families this package ships, attached to the shared registry.
public enum BuiltinModels {
    /// Registers every family's builders with `ModelRegistry.shared`, once; later calls return at once.
    /// `createModel`, `listModels` and the `zoo` command call it before they look anything up.
    public static func register() { _ = registered }

    private static let registered: Void = {
        ResNetVariants.register(into: .shared)
        EfficientNetVariants.register(into: .shared)
        MobileNetV3Variants.register(into: .shared)
        TorchvisionMobileVariants.register(into: .shared)
        VisionTransformerVariants.register(into: .shared)
        ConvNeXtVariants.register(into: .shared)
        SwinVariants.register(into: .shared)
        SwinV2Variants.register(into: .shared)
        TorchvisionSwinV2.register(into: .shared)
        MaxViTVariants.register(into: .shared)
        VGGVariants.register(into: .shared)
        InceptionV3Variants.register(into: .shared)
        TorchvisionClassicVariants.register(into: .shared)
        RegNetVariants.register(into: .shared)
        DenseNetVariants.register(into: .shared)
    }()
}
