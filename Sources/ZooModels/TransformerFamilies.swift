import ZooNN
import ZooRegistry

/// The transformer-era families by timm name, for tools and tests that build any of them directly.
public enum TransformerFamilies {
    /// Builds a ViT, DeiT, ConvNeXt or Swin variant by its timm name with timm's keyword arguments.
    public static func build(_ name: String, args: ModelArgs) throws -> Module {
        if VisionTransformerVariants.all[name] != nil { return try makeVisionTransformer(name, args: args) }
        if ConvNeXtVariants.all[name] != nil { return try makeConvNeXt(name, args: args) }
        if SwinVariants.all[name] != nil { return try makeSwinTransformer(name, args: args) }
        if SwinV2Variants.all[name] != nil { return try makeSwinTransformerV2(name, args: args) }
        throw ModelBuildError.unknownVariant(name)
    }
}
