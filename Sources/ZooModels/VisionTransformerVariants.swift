// Every ViT and DeiT variant timm 1.0 registers in `vision_transformer.py` and `deit.py`, each as
// timm's `model_args` (written out by reading timm's entry points; names of layer classes become
// strings: "layernorm:1e-5" is partial(LayerNorm, eps=1e-5), "glu" GluMlp(SiLU, gate first)).
import ZooRegistry

public enum VisionTransformerVariants {
    /// Variants of timm's `vision_transformer` module, in timm's registration order.
    public static let visionTransformerNames: [String] = vitTable.map(\.0)
    /// Variants of timm's `deit` module.
    public static let deitNames: [String] = deitTable.map(\.0)
    public static let all: [String: [String: ModelArgValue]] = Dictionary(uniqueKeysWithValues: vitTable + deitTable)

    private static let vitTable: [(String, [String: ModelArgValue])] = [
        ("vit_base_patch8_224", ["patch_size": 8, "embed_dim": 768, "depth": 12, "num_heads": 12]),
        (
            "vit_base_patch14_dinov2",
            ["patch_size": 14, "embed_dim": 768, "depth": 12, "num_heads": 12, "init_values": 1e-05]
        ),
        (
            "vit_base_patch14_reg1_tipsv2",
            [
                "patch_size": 14, "embed_dim": 768, "depth": 12, "num_heads": 12, "init_values": 1.0, "reg_tokens": 1,
                "no_embed_class": true,
            ]
        ),
        (
            "vit_base_patch14_reg4_dinov2",
            [
                "patch_size": 14, "embed_dim": 768, "depth": 12, "num_heads": 12, "init_values": 1e-05, "reg_tokens": 4,
                "no_embed_class": true,
            ]
        ),
        (
            "vit_base_patch16_18x2_224",
            [
                "patch_size": 16, "embed_dim": 768, "depth": 18, "num_heads": 12, "init_values": 1e-05,
                "block_fn": "parallel_things",
            ]
        ),
        ("vit_base_patch16_224", ["patch_size": 16, "embed_dim": 768, "depth": 12, "num_heads": 12]),
        (
            "vit_base_patch16_224_miil",
            ["patch_size": 16, "embed_dim": 768, "depth": 12, "num_heads": 12, "qkv_bias": false]
        ),
        ("vit_base_patch16_384", ["patch_size": 16, "embed_dim": 768, "depth": 12, "num_heads": 12]),
        (
            "vit_base_patch16_clip_224",
            [
                "patch_size": 16, "embed_dim": 768, "depth": 12, "num_heads": 12, "pre_norm": true,
                "norm_layer": "layernorm:1e-5",
            ]
        ),
        (
            "vit_base_patch16_clip_384",
            [
                "patch_size": 16, "embed_dim": 768, "depth": 12, "num_heads": 12, "pre_norm": true,
                "norm_layer": "layernorm:1e-5",
            ]
        ),
        (
            "vit_base_patch16_clip_quickgelu_224",
            [
                "patch_size": 16, "embed_dim": 768, "depth": 12, "num_heads": 12, "pre_norm": true,
                "norm_layer": "layernorm:1e-5", "act_layer": "quick_gelu",
            ]
        ),
        (
            "vit_base_patch16_gap_224",
            [
                "patch_size": 16, "embed_dim": 768, "depth": 12, "num_heads": 16, "class_token": false,
                "global_pool": "avg", "fc_norm": false,
            ]
        ),
        (
            "vit_base_patch16_plus_240",
            ["patch_size": 16, "embed_dim": 896, "depth": 12, "num_heads": 14, "init_values": 1e-05]
        ),
        (
            "vit_base_patch16_plus_clip_240",
            [
                "patch_size": 16, "embed_dim": 896, "depth": 12, "num_heads": 14, "pre_norm": true,
                "norm_layer": "layernorm:1e-5",
            ]
        ),
        (
            "vit_base_patch16_radio_v3",
            [
                "img_size": 512, "patch_size": 16, "embed_dim": 768, "depth": 12, "num_heads": 12, "init_values": 1e-05,
                "reg_tokens": 7, "no_embed_class": true, "final_norm": false,
            ]
        ),
        (
            "vit_base_patch16_reg4_gap_256",
            [
                "patch_size": 16, "embed_dim": 768, "depth": 12, "num_heads": 12, "class_token": false,
                "no_embed_class": true, "global_pool": "avg", "reg_tokens": 4,
            ]
        ),
        (
            "vit_base_patch16_rpn_224",
            [
                "patch_size": 16, "embed_dim": 768, "depth": 12, "num_heads": 12, "qkv_bias": false,
                "init_values": 1e-05, "class_token": false, "block_fn": "res_post", "global_pool": "avg",
            ]
        ),
        (
            "vit_base_patch16_siglip_224",
            [
                "patch_size": 16, "embed_dim": 768, "depth": 12, "num_heads": 12, "class_token": false,
                "global_pool": "map",
            ]
        ),
        (
            "vit_base_patch16_siglip_256",
            [
                "patch_size": 16, "embed_dim": 768, "depth": 12, "num_heads": 12, "class_token": false,
                "global_pool": "map",
            ]
        ),
        (
            "vit_base_patch16_siglip_384",
            [
                "patch_size": 16, "embed_dim": 768, "depth": 12, "num_heads": 12, "class_token": false,
                "global_pool": "map",
            ]
        ),
        (
            "vit_base_patch16_siglip_512",
            [
                "patch_size": 16, "embed_dim": 768, "depth": 12, "num_heads": 12, "class_token": false,
                "global_pool": "map",
            ]
        ),
        (
            "vit_base_patch16_siglip_gap_224",
            [
                "patch_size": 16, "embed_dim": 768, "depth": 12, "num_heads": 12, "class_token": false,
                "global_pool": "avg", "fc_norm": false,
            ]
        ),
        (
            "vit_base_patch16_siglip_gap_256",
            [
                "patch_size": 16, "embed_dim": 768, "depth": 12, "num_heads": 12, "class_token": false,
                "global_pool": "avg", "fc_norm": false,
            ]
        ),
        (
            "vit_base_patch16_siglip_gap_384",
            [
                "patch_size": 16, "embed_dim": 768, "depth": 12, "num_heads": 12, "class_token": false,
                "global_pool": "avg", "fc_norm": false,
            ]
        ),
        (
            "vit_base_patch16_siglip_gap_512",
            [
                "patch_size": 16, "embed_dim": 768, "depth": 12, "num_heads": 12, "class_token": false,
                "global_pool": "avg", "fc_norm": false,
            ]
        ),
        (
            "vit_base_patch16_xp_224",
            [
                "patch_size": 16, "embed_dim": 768, "depth": 12, "num_heads": 12, "pre_norm": true,
                "no_embed_class": true, "norm_layer": "rmsnorm", "block_fn": "parallel_scaling", "qkv_bias": false,
                "qk_norm": true,
            ]
        ),
        ("vit_base_patch32_224", ["patch_size": 32, "embed_dim": 768, "depth": 12, "num_heads": 12]),
        ("vit_base_patch32_384", ["patch_size": 32, "embed_dim": 768, "depth": 12, "num_heads": 12]),
        (
            "vit_base_patch32_clip_224",
            [
                "patch_size": 32, "embed_dim": 768, "depth": 12, "num_heads": 12, "pre_norm": true,
                "norm_layer": "layernorm:1e-5",
            ]
        ),
        (
            "vit_base_patch32_clip_256",
            [
                "patch_size": 32, "embed_dim": 768, "depth": 12, "num_heads": 12, "pre_norm": true,
                "norm_layer": "layernorm:1e-5",
            ]
        ),
        (
            "vit_base_patch32_clip_384",
            [
                "patch_size": 32, "embed_dim": 768, "depth": 12, "num_heads": 12, "pre_norm": true,
                "norm_layer": "layernorm:1e-5",
            ]
        ),
        (
            "vit_base_patch32_clip_448",
            [
                "patch_size": 32, "embed_dim": 768, "depth": 12, "num_heads": 12, "pre_norm": true,
                "norm_layer": "layernorm:1e-5",
            ]
        ),
        (
            "vit_base_patch32_clip_quickgelu_224",
            [
                "patch_size": 32, "embed_dim": 768, "depth": 12, "num_heads": 12, "pre_norm": true,
                "norm_layer": "layernorm:1e-5", "act_layer": "quick_gelu",
            ]
        ),
        (
            "vit_base_patch32_plus_256",
            ["patch_size": 32, "embed_dim": 896, "depth": 12, "num_heads": 14, "init_values": 1e-05]
        ),
        (
            "vit_base_patch32_siglip_256",
            [
                "patch_size": 32, "embed_dim": 768, "depth": 12, "num_heads": 12, "class_token": false,
                "global_pool": "map", "act_layer": "gelu_tanh",
            ]
        ),
        (
            "vit_base_patch32_siglip_gap_256",
            [
                "patch_size": 32, "embed_dim": 768, "depth": 12, "num_heads": 12, "class_token": false,
                "global_pool": "avg", "fc_norm": false, "act_layer": "gelu_tanh",
            ]
        ),
        (
            "vit_betwixt_patch16_gap_256",
            [
                "patch_size": 16, "embed_dim": 640, "depth": 12, "num_heads": 10, "class_token": false,
                "global_pool": "avg", "qkv_bias": false, "init_values": 1e-06, "fc_norm": false,
            ]
        ),
        (
            "vit_betwixt_patch16_reg1_gap_256",
            [
                "patch_size": 16, "embed_dim": 640, "depth": 12, "num_heads": 10, "init_values": 1e-05,
                "class_token": false, "no_embed_class": true, "reg_tokens": 1, "global_pool": "avg",
            ]
        ),
        (
            "vit_betwixt_patch16_reg4_gap_256",
            [
                "patch_size": 16, "embed_dim": 640, "depth": 12, "num_heads": 10, "init_values": 1e-05,
                "class_token": false, "no_embed_class": true, "reg_tokens": 4, "global_pool": "avg",
            ]
        ),
        (
            "vit_betwixt_patch16_reg4_gap_384",
            [
                "patch_size": 16, "embed_dim": 640, "depth": 12, "num_heads": 10, "init_values": 1e-05,
                "class_token": false, "no_embed_class": true, "reg_tokens": 4, "global_pool": "avg",
            ]
        ),
        (
            "vit_betwixt_patch32_clip_224",
            [
                "patch_size": 32, "embed_dim": 640, "depth": 12, "num_heads": 10, "pre_norm": true,
                "norm_layer": "layernorm:1e-5",
            ]
        ),
        (
            "vit_dlittle_patch16_reg1_gap_256",
            [
                "patch_size": 16, "embed_dim": 320, "depth": 14, "num_heads": 5, "init_values": 1e-05, "mlp_ratio": 5.6,
                "class_token": false, "no_embed_class": true, "reg_tokens": 1, "global_pool": "avg",
                "attn_layer": "diff",
            ]
        ),
        (
            "vit_dpwee_patch16_reg1_gap_256",
            [
                "patch_size": 16, "embed_dim": 256, "depth": 16, "num_heads": 4, "init_values": 1e-05, "mlp_ratio": 5,
                "class_token": false, "no_embed_class": true, "reg_tokens": 1, "global_pool": "avg",
                "block_fn": "diff_parallel_scaling",
            ]
        ),
        (
            "vit_dwee_patch16_reg1_gap_256",
            [
                "patch_size": 16, "embed_dim": 256, "depth": 14, "num_heads": 4, "init_values": 1e-05, "mlp_ratio": 5,
                "class_token": false, "no_embed_class": true, "reg_tokens": 1, "global_pool": "avg",
                "attn_layer": "diff",
            ]
        ),
        (
            "vit_giant_patch14_224",
            ["patch_size": 14, "embed_dim": 1408, "mlp_ratio": 4.363636363636363, "depth": 40, "num_heads": 16]
        ),
        (
            "vit_giant_patch14_clip_224",
            [
                "patch_size": 14, "embed_dim": 1408, "mlp_ratio": 4.363636363636363, "depth": 40, "num_heads": 16,
                "pre_norm": true, "norm_layer": "layernorm:1e-5",
            ]
        ),
        (
            "vit_giant_patch14_dinov2",
            [
                "patch_size": 14, "embed_dim": 1536, "depth": 40, "num_heads": 24, "init_values": 1e-05,
                "mlp_ratio": 5.33334, "mlp_layer": "glu", "act_layer": "silu",
            ]
        ),
        (
            "vit_giant_patch14_reg1_tipsv2",
            [
                "patch_size": 14, "embed_dim": 1536, "depth": 40, "num_heads": 24, "init_values": 1.0,
                "mlp_ratio": 5.33334, "mlp_layer": "glu", "act_layer": "silu", "reg_tokens": 1, "no_embed_class": true,
            ]
        ),
        (
            "vit_giant_patch14_reg4_dinov2",
            [
                "patch_size": 14, "embed_dim": 1536, "depth": 40, "num_heads": 24, "init_values": 1e-05,
                "mlp_ratio": 5.33334, "mlp_layer": "glu", "act_layer": "silu", "reg_tokens": 4, "no_embed_class": true,
            ]
        ),
        (
            "vit_giant_patch16_gap_224",
            [
                "patch_size": 16, "embed_dim": 1408, "depth": 40, "num_heads": 16, "mlp_ratio": 4.363636363636363,
                "class_token": false, "global_pool": "avg", "fc_norm": false,
            ]
        ),
        (
            "vit_giant_patch16_radio_v3",
            [
                "img_size": 512, "patch_size": 16, "embed_dim": 1536, "depth": 40, "num_heads": 24, "reg_tokens": 7,
                "no_embed_class": true, "final_norm": false,
            ]
        ),
        (
            "vit_giantopt_patch16_siglip_256",
            [
                "patch_size": 16, "embed_dim": 1536, "depth": 40, "num_heads": 16, "class_token": false,
                "global_pool": "map", "act_layer": "gelu_tanh",
            ]
        ),
        (
            "vit_giantopt_patch16_siglip_384",
            [
                "patch_size": 16, "embed_dim": 1536, "depth": 40, "num_heads": 16, "class_token": false,
                "global_pool": "map", "act_layer": "gelu_tanh",
            ]
        ),
        (
            "vit_giantopt_patch16_siglip_gap_256",
            [
                "patch_size": 16, "embed_dim": 1536, "depth": 40, "num_heads": 16, "class_token": false,
                "global_pool": "avg", "fc_norm": false, "act_layer": "gelu_tanh",
            ]
        ),
        (
            "vit_giantopt_patch16_siglip_gap_384",
            [
                "patch_size": 16, "embed_dim": 1536, "depth": 40, "num_heads": 16, "class_token": false,
                "global_pool": "avg", "fc_norm": false, "act_layer": "gelu_tanh",
            ]
        ),
        (
            "vit_gigantic_patch14_224",
            ["patch_size": 14, "embed_dim": 1664, "mlp_ratio": 4.923076923076923, "depth": 48, "num_heads": 16]
        ),
        (
            "vit_gigantic_patch14_clip_224",
            [
                "patch_size": 14, "embed_dim": 1664, "mlp_ratio": 4.923076923076923, "depth": 48, "num_heads": 16,
                "pre_norm": true, "norm_layer": "layernorm:1e-5",
            ]
        ),
        (
            "vit_gigantic_patch14_clip_378",
            [
                "patch_size": 14, "embed_dim": 1664, "mlp_ratio": 4.923076923076923, "depth": 48, "num_heads": 16,
                "pre_norm": true, "norm_layer": "layernorm:1e-5",
            ]
        ),
        (
            "vit_gigantic_patch14_clip_quickgelu_224",
            [
                "patch_size": 14, "embed_dim": 1664, "mlp_ratio": 4.923076923076923, "depth": 48, "num_heads": 16,
                "pre_norm": true, "norm_layer": "layernorm:1e-5", "act_layer": "quick_gelu",
            ]
        ),
        ("vit_huge_patch14_224", ["patch_size": 14, "embed_dim": 1280, "depth": 32, "num_heads": 16]),
        (
            "vit_huge_patch14_clip_224",
            [
                "patch_size": 14, "embed_dim": 1280, "depth": 32, "num_heads": 16, "pre_norm": true,
                "norm_layer": "layernorm:1e-5",
            ]
        ),
        (
            "vit_huge_patch14_clip_336",
            [
                "patch_size": 14, "embed_dim": 1280, "depth": 32, "num_heads": 16, "pre_norm": true,
                "norm_layer": "layernorm:1e-5",
            ]
        ),
        (
            "vit_huge_patch14_clip_378",
            [
                "patch_size": 14, "embed_dim": 1280, "depth": 32, "num_heads": 16, "pre_norm": true,
                "norm_layer": "layernorm:1e-5",
            ]
        ),
        (
            "vit_huge_patch14_clip_quickgelu_224",
            [
                "patch_size": 14, "embed_dim": 1280, "depth": 32, "num_heads": 16, "pre_norm": true,
                "norm_layer": "layernorm:1e-5", "act_layer": "quick_gelu",
            ]
        ),
        (
            "vit_huge_patch14_clip_quickgelu_378",
            [
                "patch_size": 14, "embed_dim": 1280, "depth": 32, "num_heads": 16, "pre_norm": true,
                "norm_layer": "layernorm:1e-5", "act_layer": "quick_gelu",
            ]
        ),
        (
            "vit_huge_patch14_gap_224",
            [
                "patch_size": 14, "embed_dim": 1280, "depth": 32, "num_heads": 16, "class_token": false,
                "global_pool": "avg", "fc_norm": false,
            ]
        ),
        (
            "vit_huge_patch14_xp_224",
            [
                "patch_size": 14, "embed_dim": 1280, "depth": 32, "num_heads": 16, "pre_norm": true,
                "no_embed_class": true, "norm_layer": "rmsnorm", "block_fn": "parallel_scaling", "qkv_bias": false,
                "qk_norm": true,
            ]
        ),
        (
            "vit_huge_patch16_gap_448",
            [
                "patch_size": 16, "embed_dim": 1280, "depth": 32, "num_heads": 16, "class_token": false,
                "global_pool": "avg", "fc_norm": false,
            ]
        ),
        (
            "vit_huge_patch16_radio_v3",
            [
                "img_size": 512, "patch_size": 16, "embed_dim": 1280, "depth": 32, "num_heads": 16, "reg_tokens": 7,
                "no_embed_class": true, "final_norm": false,
            ]
        ),
        (
            "vit_huge_patch16_radio_v4",
            [
                "img_size": 512, "patch_size": 16, "embed_dim": 1280, "depth": 32, "num_heads": 16, "reg_tokens": 9,
                "no_embed_class": true, "final_norm": false,
            ]
        ),
        (
            "vit_intern300m_patch14_448",
            [
                "patch_size": 14, "embed_dim": 1024, "depth": 24, "num_heads": 16, "init_values": 0.1,
                "final_norm": false, "dynamic_img_size": true,
            ]
        ),
        ("vit_large_patch14_224", ["patch_size": 14, "embed_dim": 1024, "depth": 24, "num_heads": 16]),
        (
            "vit_large_patch14_clip_224",
            [
                "patch_size": 14, "embed_dim": 1024, "depth": 24, "num_heads": 16, "pre_norm": true,
                "norm_layer": "layernorm:1e-5",
            ]
        ),
        (
            "vit_large_patch14_clip_336",
            [
                "patch_size": 14, "embed_dim": 1024, "depth": 24, "num_heads": 16, "pre_norm": true,
                "norm_layer": "layernorm:1e-5",
            ]
        ),
        (
            "vit_large_patch14_clip_quickgelu_224",
            [
                "patch_size": 14, "embed_dim": 1024, "depth": 24, "num_heads": 16, "pre_norm": true,
                "norm_layer": "layernorm:1e-5", "act_layer": "quick_gelu",
            ]
        ),
        (
            "vit_large_patch14_clip_quickgelu_336",
            [
                "patch_size": 14, "embed_dim": 1024, "depth": 24, "num_heads": 16, "pre_norm": true,
                "norm_layer": "layernorm:1e-5", "act_layer": "quick_gelu",
            ]
        ),
        (
            "vit_large_patch14_dinov2",
            ["patch_size": 14, "embed_dim": 1024, "depth": 24, "num_heads": 16, "init_values": 1e-05]
        ),
        (
            "vit_large_patch14_reg1_tipsv2",
            [
                "patch_size": 14, "embed_dim": 1024, "depth": 24, "num_heads": 16, "init_values": 1.0, "reg_tokens": 1,
                "no_embed_class": true,
            ]
        ),
        (
            "vit_large_patch14_reg4_dinov2",
            [
                "patch_size": 14, "embed_dim": 1024, "depth": 24, "num_heads": 16, "init_values": 1e-05,
                "reg_tokens": 4, "no_embed_class": true,
            ]
        ),
        (
            "vit_large_patch14_xp_224",
            [
                "patch_size": 14, "embed_dim": 1024, "depth": 24, "num_heads": 16, "pre_norm": true,
                "no_embed_class": true, "norm_layer": "rmsnorm", "block_fn": "parallel_scaling", "qkv_bias": false,
                "qk_norm": true,
            ]
        ),
        ("vit_large_patch16_224", ["patch_size": 16, "embed_dim": 1024, "depth": 24, "num_heads": 16]),
        ("vit_large_patch16_384", ["patch_size": 16, "embed_dim": 1024, "depth": 24, "num_heads": 16]),
        (
            "vit_large_patch16_radio_v3",
            [
                "img_size": 512, "patch_size": 16, "embed_dim": 1024, "depth": 24, "num_heads": 16,
                "init_values": 1e-05, "reg_tokens": 7, "no_embed_class": true, "final_norm": false,
            ]
        ),
        (
            "vit_large_patch16_siglip_256",
            [
                "patch_size": 16, "embed_dim": 1024, "depth": 24, "num_heads": 16, "class_token": false,
                "global_pool": "map",
            ]
        ),
        (
            "vit_large_patch16_siglip_384",
            [
                "patch_size": 16, "embed_dim": 1024, "depth": 24, "num_heads": 16, "class_token": false,
                "global_pool": "map",
            ]
        ),
        (
            "vit_large_patch16_siglip_512",
            [
                "patch_size": 16, "embed_dim": 1024, "depth": 24, "num_heads": 16, "class_token": false,
                "global_pool": "map", "act_layer": "gelu_tanh",
            ]
        ),
        (
            "vit_large_patch16_siglip_gap_256",
            [
                "patch_size": 16, "embed_dim": 1024, "depth": 24, "num_heads": 16, "class_token": false,
                "global_pool": "avg", "fc_norm": false,
            ]
        ),
        (
            "vit_large_patch16_siglip_gap_384",
            [
                "patch_size": 16, "embed_dim": 1024, "depth": 24, "num_heads": 16, "class_token": false,
                "global_pool": "avg", "fc_norm": false,
            ]
        ),
        (
            "vit_large_patch16_siglip_gap_512",
            [
                "patch_size": 16, "embed_dim": 1024, "depth": 24, "num_heads": 16, "class_token": false,
                "global_pool": "avg", "fc_norm": false, "act_layer": "gelu_tanh",
            ]
        ),
        ("vit_large_patch32_224", ["patch_size": 32, "embed_dim": 1024, "depth": 24, "num_heads": 16]),
        ("vit_large_patch32_384", ["patch_size": 32, "embed_dim": 1024, "depth": 24, "num_heads": 16]),
        (
            "vit_little_patch16_reg1_gap_256",
            [
                "patch_size": 16, "embed_dim": 320, "depth": 14, "num_heads": 5, "init_values": 1e-05, "mlp_ratio": 5.6,
                "class_token": false, "no_embed_class": true, "reg_tokens": 1, "global_pool": "avg",
            ]
        ),
        (
            "vit_little_patch16_reg4_gap_256",
            [
                "patch_size": 16, "embed_dim": 320, "depth": 14, "num_heads": 5, "init_values": 1e-05, "mlp_ratio": 5.6,
                "class_token": false, "no_embed_class": true, "reg_tokens": 4, "global_pool": "avg",
            ]
        ),
        (
            "vit_medium_patch16_clip_224",
            ["embed_dim": 512, "depth": 12, "num_heads": 8, "pre_norm": true, "norm_layer": "layernorm:1e-5"]
        ),
        (
            "vit_medium_patch16_gap_240",
            [
                "patch_size": 16, "embed_dim": 512, "depth": 12, "num_heads": 8, "class_token": false,
                "global_pool": "avg", "qkv_bias": false, "init_values": 1e-06, "fc_norm": false,
            ]
        ),
        (
            "vit_medium_patch16_gap_256",
            [
                "patch_size": 16, "embed_dim": 512, "depth": 12, "num_heads": 8, "class_token": false,
                "global_pool": "avg", "qkv_bias": false, "init_values": 1e-06, "fc_norm": false,
            ]
        ),
        (
            "vit_medium_patch16_gap_384",
            [
                "patch_size": 16, "embed_dim": 512, "depth": 12, "num_heads": 8, "class_token": false,
                "global_pool": "avg", "qkv_bias": false, "init_values": 1e-06, "fc_norm": false,
            ]
        ),
        (
            "vit_medium_patch16_reg1_gap_256",
            [
                "patch_size": 16, "embed_dim": 512, "depth": 12, "num_heads": 8, "init_values": 1e-05,
                "class_token": false, "no_embed_class": true, "reg_tokens": 1, "global_pool": "avg",
            ]
        ),
        (
            "vit_medium_patch16_reg4_gap_256",
            [
                "patch_size": 16, "embed_dim": 512, "depth": 12, "num_heads": 8, "init_values": 1e-05,
                "class_token": false, "no_embed_class": true, "reg_tokens": 4, "global_pool": "avg",
            ]
        ),
        (
            "vit_medium_patch32_clip_224",
            [
                "patch_size": 32, "embed_dim": 512, "depth": 12, "num_heads": 8, "pre_norm": true,
                "norm_layer": "layernorm:1e-5",
            ]
        ),
        (
            "vit_mediumd_patch16_reg4_gap_256",
            [
                "patch_size": 16, "embed_dim": 512, "depth": 20, "num_heads": 8, "init_values": 1e-05,
                "class_token": false, "no_embed_class": true, "reg_tokens": 4, "global_pool": "avg",
            ]
        ),
        (
            "vit_mediumd_patch16_reg4_gap_384",
            [
                "patch_size": 16, "embed_dim": 512, "depth": 20, "num_heads": 8, "init_values": 1e-05,
                "class_token": false, "no_embed_class": true, "reg_tokens": 4, "global_pool": "avg",
            ]
        ),
        (
            "vit_pwee_patch16_reg1_gap_256",
            [
                "patch_size": 16, "embed_dim": 256, "depth": 16, "num_heads": 4, "init_values": 1e-05, "mlp_ratio": 5,
                "class_token": false, "no_embed_class": true, "reg_tokens": 1, "global_pool": "avg",
                "block_fn": "parallel_scaling",
            ]
        ),
        ("vit_small_patch8_224", ["patch_size": 8, "embed_dim": 384, "depth": 12, "num_heads": 6]),
        (
            "vit_small_patch14_dinov2",
            ["patch_size": 14, "embed_dim": 384, "depth": 12, "num_heads": 6, "init_values": 1e-05]
        ),
        (
            "vit_small_patch14_reg4_dinov2",
            [
                "patch_size": 14, "embed_dim": 384, "depth": 12, "num_heads": 6, "init_values": 1e-05, "reg_tokens": 4,
                "no_embed_class": true,
            ]
        ),
        (
            "vit_small_patch16_18x2_224",
            [
                "patch_size": 16, "embed_dim": 384, "depth": 18, "num_heads": 6, "init_values": 1e-05,
                "block_fn": "parallel_things",
            ]
        ),
        (
            "vit_small_patch16_36x1_224",
            ["patch_size": 16, "embed_dim": 384, "depth": 36, "num_heads": 6, "init_values": 1e-05]
        ),
        ("vit_small_patch16_224", ["patch_size": 16, "embed_dim": 384, "depth": 12, "num_heads": 6]),
        ("vit_small_patch16_384", ["patch_size": 16, "embed_dim": 384, "depth": 12, "num_heads": 6]),
        ("vit_small_patch32_224", ["patch_size": 32, "embed_dim": 384, "depth": 12, "num_heads": 6]),
        ("vit_small_patch32_384", ["patch_size": 32, "embed_dim": 384, "depth": 12, "num_heads": 6]),
        (
            "vit_so150m2_patch16_reg1_gap_256",
            [
                "patch_size": 16, "embed_dim": 832, "depth": 21, "num_heads": 13, "mlp_ratio": 2.6153846153846154,
                "init_values": 1e-05, "qkv_bias": false, "class_token": false, "reg_tokens": 1, "global_pool": "avg",
            ]
        ),
        (
            "vit_so150m2_patch16_reg1_gap_384",
            [
                "patch_size": 16, "embed_dim": 832, "depth": 21, "num_heads": 13, "mlp_ratio": 2.6153846153846154,
                "init_values": 1e-05, "qkv_bias": false, "class_token": false, "reg_tokens": 1, "global_pool": "avg",
            ]
        ),
        (
            "vit_so150m2_patch16_reg1_gap_448",
            [
                "patch_size": 16, "embed_dim": 832, "depth": 21, "num_heads": 13, "mlp_ratio": 2.6153846153846154,
                "init_values": 1e-05, "qkv_bias": false, "class_token": false, "reg_tokens": 1, "global_pool": "avg",
            ]
        ),
        (
            "vit_so150m_patch16_reg4_gap_256",
            [
                "patch_size": 16, "embed_dim": 896, "depth": 18, "num_heads": 14, "mlp_ratio": 2.572,
                "class_token": false, "reg_tokens": 4, "global_pool": "avg", "fc_norm": false,
            ]
        ),
        (
            "vit_so150m_patch16_reg4_gap_384",
            [
                "patch_size": 16, "embed_dim": 896, "depth": 18, "num_heads": 14, "mlp_ratio": 2.572,
                "class_token": false, "reg_tokens": 4, "global_pool": "avg", "fc_norm": false,
            ]
        ),
        (
            "vit_so150m_patch16_reg4_map_256",
            [
                "patch_size": 16, "embed_dim": 896, "depth": 18, "num_heads": 14, "mlp_ratio": 2.572,
                "class_token": false, "reg_tokens": 4, "global_pool": "map",
            ]
        ),
        (
            "vit_so400m_patch14_reg1_tipsv2",
            [
                "patch_size": 14, "embed_dim": 1152, "depth": 27, "num_heads": 16, "init_values": 1.0,
                "mlp_ratio": 3.736111111111111, "reg_tokens": 1, "no_embed_class": true,
            ]
        ),
        (
            "vit_so400m_patch14_siglip_224",
            [
                "patch_size": 14, "embed_dim": 1152, "depth": 27, "num_heads": 16, "mlp_ratio": 3.7362,
                "class_token": false, "global_pool": "map",
            ]
        ),
        (
            "vit_so400m_patch14_siglip_378",
            [
                "patch_size": 14, "embed_dim": 1152, "depth": 27, "num_heads": 16, "mlp_ratio": 3.7362,
                "class_token": false, "global_pool": "map",
            ]
        ),
        (
            "vit_so400m_patch14_siglip_384",
            [
                "patch_size": 14, "embed_dim": 1152, "depth": 27, "num_heads": 16, "mlp_ratio": 3.7362,
                "class_token": false, "global_pool": "map",
            ]
        ),
        (
            "vit_so400m_patch14_siglip_gap_224",
            [
                "patch_size": 14, "embed_dim": 1152, "depth": 27, "num_heads": 16, "mlp_ratio": 3.7362,
                "class_token": false, "global_pool": "avg", "fc_norm": false,
            ]
        ),
        (
            "vit_so400m_patch14_siglip_gap_378",
            [
                "patch_size": 14, "embed_dim": 1152, "depth": 27, "num_heads": 16, "mlp_ratio": 3.7362,
                "class_token": false, "global_pool": "avg", "fc_norm": false,
            ]
        ),
        (
            "vit_so400m_patch14_siglip_gap_384",
            [
                "patch_size": 14, "embed_dim": 1152, "depth": 27, "num_heads": 16, "mlp_ratio": 3.7362,
                "class_token": false, "global_pool": "avg", "fc_norm": false,
            ]
        ),
        (
            "vit_so400m_patch14_siglip_gap_448",
            [
                "patch_size": 14, "embed_dim": 1152, "depth": 27, "num_heads": 16, "mlp_ratio": 3.7362,
                "class_token": false, "global_pool": "avg", "fc_norm": false,
            ]
        ),
        (
            "vit_so400m_patch14_siglip_gap_896",
            [
                "patch_size": 14, "embed_dim": 1152, "depth": 27, "num_heads": 16, "mlp_ratio": 3.7362,
                "class_token": false, "global_pool": "avg", "fc_norm": false,
            ]
        ),
        (
            "vit_so400m_patch16_radio_v4",
            [
                "img_size": 512, "patch_size": 16, "embed_dim": 1152, "depth": 27, "num_heads": 16,
                "mlp_ratio": 3.736111111111111, "reg_tokens": 9, "no_embed_class": true, "final_norm": false,
            ]
        ),
        (
            "vit_so400m_patch16_siglip_256",
            [
                "patch_size": 16, "embed_dim": 1152, "depth": 27, "num_heads": 16, "mlp_ratio": 3.7362,
                "class_token": false, "global_pool": "map", "act_layer": "gelu_tanh",
            ]
        ),
        (
            "vit_so400m_patch16_siglip_384",
            [
                "patch_size": 16, "embed_dim": 1152, "depth": 27, "num_heads": 16, "mlp_ratio": 3.7362,
                "class_token": false, "global_pool": "map", "act_layer": "gelu_tanh",
            ]
        ),
        (
            "vit_so400m_patch16_siglip_512",
            [
                "patch_size": 16, "embed_dim": 1152, "depth": 27, "num_heads": 16, "mlp_ratio": 3.7362,
                "class_token": false, "global_pool": "map", "act_layer": "gelu_tanh",
            ]
        ),
        (
            "vit_so400m_patch16_siglip_gap_256",
            [
                "patch_size": 16, "embed_dim": 1152, "depth": 27, "num_heads": 16, "mlp_ratio": 3.7362,
                "class_token": false, "global_pool": "avg", "fc_norm": false, "act_layer": "gelu_tanh",
            ]
        ),
        (
            "vit_so400m_patch16_siglip_gap_384",
            [
                "patch_size": 16, "embed_dim": 1152, "depth": 27, "num_heads": 16, "mlp_ratio": 3.7362,
                "class_token": false, "global_pool": "avg", "fc_norm": false, "act_layer": "gelu_tanh",
            ]
        ),
        (
            "vit_so400m_patch16_siglip_gap_512",
            [
                "patch_size": 16, "embed_dim": 1152, "depth": 27, "num_heads": 16, "mlp_ratio": 3.7362,
                "class_token": false, "global_pool": "avg", "fc_norm": false, "act_layer": "gelu_tanh",
            ]
        ),
        ("vit_tiny_patch16_224", ["patch_size": 16, "embed_dim": 192, "depth": 12, "num_heads": 3]),
        ("vit_tiny_patch16_384", ["patch_size": 16, "embed_dim": 192, "depth": 12, "num_heads": 3]),
        (
            "vit_wee_patch16_reg1_gap_256",
            [
                "patch_size": 16, "embed_dim": 256, "depth": 14, "num_heads": 4, "init_values": 1e-05, "mlp_ratio": 5,
                "class_token": false, "no_embed_class": true, "reg_tokens": 1, "global_pool": "avg",
            ]
        ),
        (
            "vit_xsmall_patch16_clip_224",
            ["embed_dim": 256, "depth": 10, "num_heads": 4, "pre_norm": true, "norm_layer": "layernorm:1e-5"]
        ),
    ]

    private static let deitTable: [(String, [String: ModelArgValue])] = [
        (
            "deit3_base_patch16_224",
            [
                "patch_size": 16, "embed_dim": 768, "depth": 12, "num_heads": 12, "no_embed_class": true,
                "init_values": 1e-06,
            ]
        ),
        (
            "deit3_base_patch16_384",
            [
                "patch_size": 16, "embed_dim": 768, "depth": 12, "num_heads": 12, "no_embed_class": true,
                "init_values": 1e-06,
            ]
        ),
        (
            "deit3_huge_patch14_224",
            [
                "patch_size": 14, "embed_dim": 1280, "depth": 32, "num_heads": 16, "no_embed_class": true,
                "init_values": 1e-06,
            ]
        ),
        (
            "deit3_large_patch16_224",
            [
                "patch_size": 16, "embed_dim": 1024, "depth": 24, "num_heads": 16, "no_embed_class": true,
                "init_values": 1e-06,
            ]
        ),
        (
            "deit3_large_patch16_384",
            [
                "patch_size": 16, "embed_dim": 1024, "depth": 24, "num_heads": 16, "no_embed_class": true,
                "init_values": 1e-06,
            ]
        ),
        (
            "deit3_medium_patch16_224",
            [
                "patch_size": 16, "embed_dim": 512, "depth": 12, "num_heads": 8, "no_embed_class": true,
                "init_values": 1e-06,
            ]
        ),
        (
            "deit3_small_patch16_224",
            [
                "patch_size": 16, "embed_dim": 384, "depth": 12, "num_heads": 6, "no_embed_class": true,
                "init_values": 1e-06,
            ]
        ),
        (
            "deit3_small_patch16_384",
            [
                "patch_size": 16, "embed_dim": 384, "depth": 12, "num_heads": 6, "no_embed_class": true,
                "init_values": 1e-06,
            ]
        ),
        (
            "deit_base_distilled_patch16_224",
            ["distilled": true, "patch_size": 16, "embed_dim": 768, "depth": 12, "num_heads": 12]
        ),
        (
            "deit_base_distilled_patch16_384",
            ["distilled": true, "patch_size": 16, "embed_dim": 768, "depth": 12, "num_heads": 12]
        ),
        ("deit_base_patch16_224", ["patch_size": 16, "embed_dim": 768, "depth": 12, "num_heads": 12]),
        ("deit_base_patch16_384", ["patch_size": 16, "embed_dim": 768, "depth": 12, "num_heads": 12]),
        (
            "deit_small_distilled_patch16_224",
            ["distilled": true, "patch_size": 16, "embed_dim": 384, "depth": 12, "num_heads": 6]
        ),
        ("deit_small_patch16_224", ["patch_size": 16, "embed_dim": 384, "depth": 12, "num_heads": 6]),
        (
            "deit_tiny_distilled_patch16_224",
            ["distilled": true, "patch_size": 16, "embed_dim": 192, "depth": 12, "num_heads": 3]
        ),
        ("deit_tiny_patch16_224", ["patch_size": 16, "embed_dim": 192, "depth": 12, "num_heads": 3]),
    ]
}

// MARK: - Registration

extension VisionTransformerVariants {
    /// Attaches a builder for every variant under timm's module names ("vision_transformer", "deit").
    public static func register(into registry: ModelRegistry) {
        for (family, names) in [("vision_transformer", visionTransformerNames), ("deit", deitNames)] {
            for name in names {
                registry.register(
                    architecture: name, family: family,
                    builder: { args in try makeVisionTransformer(name, args: args) },
                    checkpointFilter: TorchvisionCheckpoints.vit)
            }
        }
    }
}
