// torchvision's ConvNeXt, ViT and Swin state dicts mapped onto their timm twins' keys, as rule
// lists: torchvision `convnext_tiny` → timm `convnext_tiny`, `vit_b_16` → `vit_base_patch16_224`,
// `swin_t` → `swin_tiny_patch4_window7_224`. Each family's checkpoint filter applies them when it
// recognizes torchvision's layout; timm's own checkpoints pass unchanged.
import Foundation
import ZooRegistry
import ZooTensor

/// Key rewriting for torchvision checkpoints of the transformer-era families.
public enum TorchvisionCheckpoints {
    /// torchvision name → timm twin.
    public static let timmTwins: [String: String] = [
        "convnext_tiny": "convnext_tiny", "convnext_small": "convnext_small", "convnext_base": "convnext_base",
        "convnext_large": "convnext_large",
        "vit_b_16": "vit_base_patch16_224", "vit_b_32": "vit_base_patch32_224", "vit_l_16": "vit_large_patch16_224",
        "vit_l_32": "vit_large_patch32_224", "vit_h_14": "vit_huge_patch14_224",
        "swin_t": "swin_tiny_patch4_window7_224", "swin_s": "swin_small_patch4_window7_224",
        "swin_b": "swin_base_patch4_window7_224",
    ]

    typealias Rule = (pattern: String, template: String)

    /// Rewrites every key by the first rule whose pattern matches it whole; `reshape` fixes a value.
    static func apply(
        _ rules: [Rule], to tensors: [(name: String, tensor: Tensor)],
        reshape: (String, Tensor) -> Tensor = { $1 }
    ) -> [(name: String, tensor: Tensor)] {
        let compiled = rules.map { (try! NSRegularExpression(pattern: "^" + $0.pattern + "$"), $0.template) }
        return tensors.compactMap { name, tensor in
            let range = NSRange(name.startIndex..., in: name)
            for (regex, template) in compiled where regex.firstMatch(in: name, range: range) != nil {
                if template.isEmpty { return nil }  // dropped
                let key = regex.stringByReplacingMatches(in: name, range: range, withTemplate: template)
                return (key, reshape(key, tensor))
            }
            return (name, tensor)
        }
    }

    // MARK: ConvNeXt

    /// `features.0` is the stem, odd `features.k` the stages' blocks, even ones the downsamples;
    /// `block.0/2/3/5` are conv_dw, norm, fc1, fc2; `layer_scale` [C, 1, 1] is timm's `gamma` [C].
    static let convnextRules: [Rule] = [
        (#"features\.0\.([01])\.(weight|bias)"#, "stem.$1.$2"),
        (#"features\.([1357])\.(\d+)\.layer_scale"#, "stages.STAGE$1.blocks.$2.gamma"),
        (#"features\.([1357])\.(\d+)\.block\.0\.(weight|bias)"#, "stages.STAGE$1.blocks.$2.conv_dw.$3"),
        (#"features\.([1357])\.(\d+)\.block\.2\.(weight|bias)"#, "stages.STAGE$1.blocks.$2.norm.$3"),
        (#"features\.([1357])\.(\d+)\.block\.3\.(weight|bias)"#, "stages.STAGE$1.blocks.$2.mlp.fc1.$3"),
        (#"features\.([1357])\.(\d+)\.block\.5\.(weight|bias)"#, "stages.STAGE$1.blocks.$2.mlp.fc2.$3"),
        (#"features\.([246])\.([01])\.(weight|bias)"#, "stages.DOWN$1.downsample.$2.$3"),
        (#"classifier\.0\.(weight|bias)"#, "head.norm.$1"),
        (#"classifier\.2\.(weight|bias)"#, "head.fc.$1"),
    ]

    /// torchvision ConvNeXt keys → timm's, when the checkpoint has torchvision's layout.
    public static func convnext(_ tensors: [(name: String, tensor: Tensor)]) -> [(name: String, tensor: Tensor)] {
        guard tensors.contains(where: { $0.name == "classifier.2.weight" || $0.name == "features.1.0.layer_scale" })
        else {
            return tensors
        }
        return renumberStages(
            apply(convnextRules, to: tensors) { key, value in
                key.hasSuffix(".gamma") ? value.reshape([value.count]) : value
            })
    }

    /// torchvision counts blocks and downsamples together (features.1…7); timm's stage i holds
    /// features.(2i+1) and the downsample features.(2i) before it.
    private static func renumberStages(_ tensors: [(name: String, tensor: Tensor)]) -> [(name: String, tensor: Tensor)]
    {
        tensors.map { name, tensor in
            var key = name
            if let match = key.firstMatch(of: /STAGE(\d)/), let k = Int(match.1) {
                key.replaceSubrange(match.range, with: "\((k - 1) / 2)")
            }
            if let match = key.firstMatch(of: /DOWN(\d)/), let k = Int(match.1) {
                key.replaceSubrange(match.range, with: "\(k / 2)")
            }
            return (key, tensor)
        }
    }

    // MARK: ViT

    static let vitRules: [Rule] = [
        ("class_token", "cls_token"),
        (#"conv_proj\.(weight|bias)"#, "patch_embed.proj.$1"),
        (#"encoder\.pos_embedding"#, "pos_embed"),
        (#"encoder\.layers\.encoder_layer_(\d+)\.ln_1\.(weight|bias)"#, "blocks.$1.norm1.$2"),
        (#"encoder\.layers\.encoder_layer_(\d+)\.self_attention\.in_proj_(weight|bias)"#, "blocks.$1.attn.qkv.$2"),
        (#"encoder\.layers\.encoder_layer_(\d+)\.self_attention\.out_proj\.(weight|bias)"#, "blocks.$1.attn.proj.$2"),
        (#"encoder\.layers\.encoder_layer_(\d+)\.ln_2\.(weight|bias)"#, "blocks.$1.norm2.$2"),
        (#"encoder\.layers\.encoder_layer_(\d+)\.mlp\.0\.(weight|bias)"#, "blocks.$1.mlp.fc1.$2"),
        (#"encoder\.layers\.encoder_layer_(\d+)\.mlp\.3\.(weight|bias)"#, "blocks.$1.mlp.fc2.$2"),
        (#"encoder\.ln\.(weight|bias)"#, "norm.$1"),
        (#"heads\.head\.(weight|bias)"#, "head.$1"),
    ]

    /// torchvision VisionTransformer keys → timm's, when the checkpoint has torchvision's layout.
    public static func vit(_ tensors: [(name: String, tensor: Tensor)]) -> [(name: String, tensor: Tensor)] {
        guard tensors.contains(where: { $0.name == "encoder.pos_embedding" }) else { return tensors }
        return apply(vitRules, to: tensors)
    }

    // MARK: Swin

    static let swinRules: [Rule] = [
        (#"features\.0\.0\.(weight|bias)"#, "patch_embed.proj.$1"),
        (#"features\.0\.2\.(weight|bias)"#, "patch_embed.norm.$1"),
        (#"features\.([1357])\.(\d+)\.attn\.relative_position_index"#, ""),
        (#"features\.([1357])\.(\d+)\.mlp\.0\.(weight|bias)"#, "layers.STAGE$1.blocks.$2.mlp.fc1.$3"),
        (#"features\.([1357])\.(\d+)\.mlp\.3\.(weight|bias)"#, "layers.STAGE$1.blocks.$2.mlp.fc2.$3"),
        (#"features\.([1357])\.(\d+)\.(.*)"#, "layers.STAGE$1.blocks.$2.$3"),
        (#"features\.([246])\.(reduction|norm)\.(weight|bias)"#, "layers.DOWN$1.downsample.$2.$3"),
        (#"head\.(weight|bias)"#, "head.fc.$1"),
    ]

    /// torchvision SwinTransformer (v1) keys → timm's, when the checkpoint has torchvision's layout.
    public static func swin(_ tensors: [(name: String, tensor: Tensor)]) -> [(name: String, tensor: Tensor)] {
        guard tensors.contains(where: { $0.name == "features.0.2.weight" }) else { return tensors }
        return renumberStages(apply(swinRules, to: tensors))
    }
}
