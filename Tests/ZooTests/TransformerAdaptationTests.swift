import Foundation
import Testing
import Zoo

/// Load-time adaptation against timm: a checkpoint saved for one image size, patch size or window
/// size loads into a model built for another and gives timm's logits
/// (fixtures from tools/parity/make_transformer_fixtures.py, `adapt_*`).
struct TransformerAdaptationTests {
    static let registry: ModelRegistry = {
        let registry = ModelRegistry()
        for architecture in ModelRegistry.shared.architectures {
            registry.register(architecture: architecture.name, family: architecture.family)
            try! registry.register(cfgs: architecture.pretrainedCfgs)
        }
        VisionTransformerVariants.register(into: registry)
        SwinVariants.register(into: registry)
        return registry
    }()

    struct Case: Sendable, CustomTestStringConvertible {
        let name: String, model: String, imgSize: Int, args: [String: ModelArgValue]
        /// The file with the case's input and timm's logits.
        var expectations = "adapt_transformers.safetensors"
        var testDescription: String { name }
    }

    static let swinArgs: [String: ModelArgValue] = [
        "embed_dim": 24, "depths": .ints([2, 2, 2, 1]), "num_heads": .ints([2, 2, 4, 4]), "drop_path_rate": 0.0,
    ]

    // timm.create_model(model, pretrained=True, pretrained_cfg_overlay=dict(file=checkpoint), **load_kwargs)
    static let cases = [
        Case(name: "vit_img48", model: "vit_tiny_patch16_224", imgSize: 48, args: ["depth": 2]),
        Case(name: "vit_patch8", model: "vit_tiny_patch16_224", imgSize: 32, args: ["depth": 2, "patch_size": 8]),
        Case(name: "dinov2_img42", model: "vit_small_patch14_reg4_dinov2", imgSize: 42, args: ["depth": 2]),
        Case(
            name: "swin_window8", model: "swin_tiny_patch4_window7_224", imgSize: 64,
            args: swinArgs.merging(["window_size": 8]) { $1 }),
        // Windows of 4 at 64 → windows of 6 at 72: resized tables, padded windows, odd patch merging.
        Case(
            name: "swin_img72_window6", model: "swin_tiny_patch4_window7_224", imgSize: 72,
            args: swinArgs.merging(["window_size": 6]) { $1 }, expectations: "adapt_swin_img_size.safetensors"),
        // The "Done when" sizes: a ViT saved at 224 loaded at 384 (14×14 → 24×24 position grid), a Swin
        // saved at 224 with windows of 7 loaded at 384 with windows of 12 (every bias table resized).
        Case(
            name: "vit_img224to384", model: "vit_tiny_patch16_224", imgSize: 384, args: ["depth": 2],
            expectations: "adapt_full_size.safetensors"),
        Case(
            name: "swin_img224to384_window12", model: "swin_tiny_patch4_window7_224", imgSize: 384,
            args: swinArgs.merging(["window_size": 12]) { $1 }, expectations: "adapt_full_size.safetensors"),
    ]

    @Test(arguments: cases)
    func loadsAtAnotherSizeAsTimm(_ c: Case) throws {
        let checkpoint = try CreateModelFixtures.file("adapt_\(c.name).checkpoint.safetensors")
        let io = try Checkpoint.load(CreateModelFixtures.file(c.expectations).path).tensors
        let tensors = Dictionary(uniqueKeysWithValues: io.map { ($0.name, $0.tensor) })
        let model = try createModel(
            c.model, checkpointPath: checkpoint.path, imgSize: c.imgSize, modelArgs: c.args,
            registry: Self.registry)
        model.eval()
        let logits = withNoGrad { model(tensors["\(c.name).input"]!) }
        let error = relativeError(logits, tensors["\(c.name).logits"]!)
        print("adaptation \(c.name): logits relative error \(error)")
        #expect(error <= 1e-4, "\(c.name): logits differ from timm's by \(error)")
    }
}
