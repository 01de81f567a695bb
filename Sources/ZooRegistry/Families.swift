/// The architectures this package ships, by family: names only, so the registry and its built-in
/// manifests answer `zoo list` without building anything. ZooModels attaches the builders
/// (`BuiltinModels.register()`); a test checks every name here gets one.
///
/// `tools/make_manifests.py` reads this list (the quoted names) to know which cfgs to write.
enum BuiltinFamilies {
    static let architectures: [(family: String, names: [String])] = [
        ("resnet", [
            "resnet10t", "resnet18", "resnet26", "resnet34", "resnet50", "resnet50d", "resnet101", "resnet152",
            "resnext50_32x4d", "resnext101_32x8d", "wide_resnet50_2", "wide_resnet101_2",
        ]),
        ("vision_transformer", [
            "vit_base_patch8_224", "vit_base_patch14_dinov2", "vit_base_patch14_reg1_tipsv2",
            "vit_base_patch14_reg4_dinov2", "vit_base_patch16_18x2_224", "vit_base_patch16_224",
            "vit_base_patch16_224_miil", "vit_base_patch16_384", "vit_base_patch16_clip_224",
            "vit_base_patch16_clip_384", "vit_base_patch16_clip_quickgelu_224", "vit_base_patch16_gap_224",
            "vit_base_patch16_plus_240", "vit_base_patch16_plus_clip_240", "vit_base_patch16_radio_v3",
            "vit_base_patch16_reg4_gap_256", "vit_base_patch16_rpn_224", "vit_base_patch16_siglip_224",
            "vit_base_patch16_siglip_256", "vit_base_patch16_siglip_384", "vit_base_patch16_siglip_512",
            "vit_base_patch16_siglip_gap_224", "vit_base_patch16_siglip_gap_256", "vit_base_patch16_siglip_gap_384",
            "vit_base_patch16_siglip_gap_512", "vit_base_patch16_xp_224", "vit_base_patch32_224",
            "vit_base_patch32_384", "vit_base_patch32_clip_224", "vit_base_patch32_clip_256",
            "vit_base_patch32_clip_384", "vit_base_patch32_clip_448", "vit_base_patch32_clip_quickgelu_224",
            "vit_base_patch32_plus_256", "vit_base_patch32_siglip_256", "vit_base_patch32_siglip_gap_256",
            "vit_betwixt_patch16_gap_256", "vit_betwixt_patch16_reg1_gap_256", "vit_betwixt_patch16_reg4_gap_256",
            "vit_betwixt_patch16_reg4_gap_384", "vit_betwixt_patch32_clip_224", "vit_dlittle_patch16_reg1_gap_256",
            "vit_dpwee_patch16_reg1_gap_256", "vit_dwee_patch16_reg1_gap_256", "vit_giant_patch14_224",
            "vit_giant_patch14_clip_224", "vit_giant_patch14_dinov2", "vit_giant_patch14_reg1_tipsv2",
            "vit_giant_patch14_reg4_dinov2", "vit_giant_patch16_gap_224", "vit_giant_patch16_radio_v3",
            "vit_giantopt_patch16_siglip_256", "vit_giantopt_patch16_siglip_384", "vit_giantopt_patch16_siglip_gap_256",
            "vit_giantopt_patch16_siglip_gap_384", "vit_gigantic_patch14_224", "vit_gigantic_patch14_clip_224",
            "vit_gigantic_patch14_clip_378", "vit_gigantic_patch14_clip_quickgelu_224", "vit_huge_patch14_224",
            "vit_huge_patch14_clip_224", "vit_huge_patch14_clip_336", "vit_huge_patch14_clip_378",
            "vit_huge_patch14_clip_quickgelu_224", "vit_huge_patch14_clip_quickgelu_378", "vit_huge_patch14_gap_224",
            "vit_huge_patch14_xp_224", "vit_huge_patch16_gap_448", "vit_huge_patch16_radio_v3",
            "vit_huge_patch16_radio_v4", "vit_intern300m_patch14_448", "vit_large_patch14_224",
            "vit_large_patch14_clip_224", "vit_large_patch14_clip_336", "vit_large_patch14_clip_quickgelu_224",
            "vit_large_patch14_clip_quickgelu_336", "vit_large_patch14_dinov2", "vit_large_patch14_reg1_tipsv2",
            "vit_large_patch14_reg4_dinov2", "vit_large_patch14_xp_224", "vit_large_patch16_224",
            "vit_large_patch16_384", "vit_large_patch16_radio_v3", "vit_large_patch16_siglip_256",
            "vit_large_patch16_siglip_384", "vit_large_patch16_siglip_512", "vit_large_patch16_siglip_gap_256",
            "vit_large_patch16_siglip_gap_384", "vit_large_patch16_siglip_gap_512", "vit_large_patch32_224",
            "vit_large_patch32_384", "vit_little_patch16_reg1_gap_256", "vit_little_patch16_reg4_gap_256",
            "vit_medium_patch16_clip_224", "vit_medium_patch16_gap_240", "vit_medium_patch16_gap_256",
            "vit_medium_patch16_gap_384", "vit_medium_patch16_reg1_gap_256", "vit_medium_patch16_reg4_gap_256",
            "vit_medium_patch32_clip_224", "vit_mediumd_patch16_reg4_gap_256", "vit_mediumd_patch16_reg4_gap_384",
            "vit_pwee_patch16_reg1_gap_256", "vit_small_patch8_224", "vit_small_patch14_dinov2",
            "vit_small_patch14_reg4_dinov2", "vit_small_patch16_18x2_224", "vit_small_patch16_36x1_224",
            "vit_small_patch16_224", "vit_small_patch16_384", "vit_small_patch32_224", "vit_small_patch32_384",
            "vit_so150m2_patch16_reg1_gap_256", "vit_so150m2_patch16_reg1_gap_384", "vit_so150m2_patch16_reg1_gap_448",
            "vit_so150m_patch16_reg4_gap_256", "vit_so150m_patch16_reg4_gap_384", "vit_so150m_patch16_reg4_map_256",
            "vit_so400m_patch14_reg1_tipsv2", "vit_so400m_patch14_siglip_224", "vit_so400m_patch14_siglip_378",
            "vit_so400m_patch14_siglip_384", "vit_so400m_patch14_siglip_gap_224", "vit_so400m_patch14_siglip_gap_378",
            "vit_so400m_patch14_siglip_gap_384", "vit_so400m_patch14_siglip_gap_448",
            "vit_so400m_patch14_siglip_gap_896", "vit_so400m_patch16_radio_v4", "vit_so400m_patch16_siglip_256",
            "vit_so400m_patch16_siglip_384", "vit_so400m_patch16_siglip_512", "vit_so400m_patch16_siglip_gap_256",
            "vit_so400m_patch16_siglip_gap_384", "vit_so400m_patch16_siglip_gap_512", "vit_tiny_patch16_224",
            "vit_tiny_patch16_384", "vit_wee_patch16_reg1_gap_256", "vit_xsmall_patch16_clip_224",
        ]),
        ("deit", [
            "deit3_base_patch16_224", "deit3_base_patch16_384", "deit3_huge_patch14_224", "deit3_large_patch16_224",
            "deit3_large_patch16_384", "deit3_medium_patch16_224", "deit3_small_patch16_224", "deit3_small_patch16_384",
            "deit_base_distilled_patch16_224", "deit_base_distilled_patch16_384", "deit_base_patch16_224",
            "deit_base_patch16_384", "deit_small_distilled_patch16_224", "deit_small_patch16_224",
            "deit_tiny_distilled_patch16_224", "deit_tiny_patch16_224",
        ]),
        ("convnext", [
            "convnext_atto", "convnext_atto_ols", "convnext_atto_rms", "convnext_base", "convnext_femto",
            "convnext_femto_ols", "convnext_large", "convnext_large_mlp", "convnext_nano", "convnext_nano_ols",
            "convnext_pico", "convnext_pico_ols", "convnext_small", "convnext_tiny", "convnext_tiny_hnf",
            "convnext_xlarge", "convnext_xxlarge", "convnext_zepto_rms", "convnext_zepto_rms_ols", "convnextv2_atto",
            "convnextv2_base", "convnextv2_femto", "convnextv2_huge", "convnextv2_large", "convnextv2_nano",
            "convnextv2_pico", "convnextv2_small", "convnextv2_tiny",
        ]),
        ("swin_transformer", [
            "swin_base_patch4_window7_224", "swin_base_patch4_window12_384", "swin_large_patch4_window7_224",
            "swin_large_patch4_window12_384", "swin_s3_base_224", "swin_s3_small_224", "swin_s3_tiny_224",
            "swin_small_patch4_window7_224", "swin_tiny_patch4_window7_224",
        ]),
    ]

    static func register(into registry: ModelRegistry) {
        for (family, names) in architectures {
            for name in names { registry.register(architecture: name, family: family) }
        }
    }
}
