/// The architectures this package ships, by family: names only, so the registry and its built-in
/// manifests answer `zoo list` without building anything. ZooModels attaches the builders
/// (`BuiltinModels.register()`); a test checks every name here gets one.
///
/// `tools/make_manifests.py` reads this list (the quoted names) to know which cfgs to write.
enum BuiltinFamilies {
    static let architectures: [(family: String, names: [String])] = [
        (
            "resnet",
            [
                "ecaresnet26t", "ecaresnet50d", "ecaresnet50d_pruned", "ecaresnet50t", "ecaresnet101d",
                "ecaresnet101d_pruned", "ecaresnet200d", "ecaresnet269d", "ecaresnetlight", "ecaresnext26t_32x4d",
                "ecaresnext50t_32x4d", "resnet10t", "resnet14t", "resnet18", "resnet18d", "resnet26", "resnet26d",
                "resnet26t", "resnet34", "resnet34d", "resnet50", "resnet50_gn", "resnet50c", "resnet50d", "resnet50s",
                "resnet50t", "resnet101", "resnet101c", "resnet101d", "resnet101s", "resnet152", "resnet152c",
                "resnet152d",
                "resnet152s", "resnet200", "resnet200d", "resnetaa34d", "resnetaa50", "resnetaa50d", "resnetaa101d",
                "resnetblur18", "resnetblur50", "resnetblur50d", "resnetblur101d", "resnetrs50", "resnetrs101",
                "resnetrs152", "resnetrs200", "resnetrs270", "resnetrs350", "resnetrs420", "resnext50_32x4d",
                "resnext50d_32x4d", "resnext101_32x4d", "resnext101_32x8d", "resnext101_32x16d", "resnext101_32x32d",
                "resnext101_64x4d", "senet154", "seresnet18", "seresnet34", "seresnet50", "seresnet50t", "seresnet101",
                "seresnet152", "seresnet152d", "seresnet200d", "seresnet269d", "seresnetaa50d", "seresnext26d_32x4d",
                "seresnext26t_32x4d", "seresnext50_32x4d", "seresnext101_32x4d", "seresnext101_32x8d",
                "seresnext101_64x4d",
                "seresnext101d_32x8d", "seresnextaa101d_32x8d", "seresnextaa201d_32x8d", "wide_resnet50_2",
                "wide_resnet101_2",
            ]
        ),
        (
            "efficientnet",
            [
                "efficientnet_b0", "efficientnet_b0_g8_gn", "efficientnet_b0_g16_evos", "efficientnet_b0_gn",
                "efficientnet_b1", "efficientnet_b1_pruned", "efficientnet_b2", "efficientnet_b2_pruned",
                "efficientnet_b3", "efficientnet_b3_g8_gn", "efficientnet_b3_gn", "efficientnet_b3_pruned",
                "efficientnet_b4", "efficientnet_b5", "efficientnet_b6", "efficientnet_b7", "efficientnet_b8",
                "efficientnet_blur_b0", "efficientnet_cc_b0_4e", "efficientnet_cc_b0_8e", "efficientnet_cc_b1_8e",
                "efficientnet_el", "efficientnet_el_pruned", "efficientnet_em", "efficientnet_es",
                "efficientnet_es_pruned", "efficientnet_h_b5", "efficientnet_l2", "efficientnet_lite0",
                "efficientnet_lite1", "efficientnet_lite2", "efficientnet_lite3", "efficientnet_lite4",
                "efficientnet_x_b3", "efficientnet_x_b5", "efficientnetv2_l", "efficientnetv2_m", "efficientnetv2_rw_m",
                "efficientnetv2_rw_s", "efficientnetv2_rw_t", "efficientnetv2_s", "efficientnetv2_xl", "fbnetc_100",
                "gc_efficientnetv2_rw_t", "mixnet_l", "mixnet_m", "mixnet_s", "mixnet_xl", "mixnet_xxl", "mnasnet_050",
                "mnasnet_075", "mnasnet_100", "mnasnet_140", "mnasnet_small", "mobilenet_edgetpu_100",
                "mobilenet_edgetpu_v2_l", "mobilenet_edgetpu_v2_m", "mobilenet_edgetpu_v2_s", "mobilenet_edgetpu_v2_xs",
                "mobilenetv1_100", "mobilenetv1_100h", "mobilenetv1_125", "mobilenetv2_035", "mobilenetv2_050",
                "mobilenetv2_075", "mobilenetv2_100", "mobilenetv2_110d", "mobilenetv2_120d", "mobilenetv2_140",
                "semnasnet_050", "semnasnet_075", "semnasnet_100", "semnasnet_140", "spnasnet_100", "test_efficientnet",
                "test_efficientnet_evos",
                "test_efficientnet_gn", "test_efficientnet_ln", "tf_efficientnet_b0", "tf_efficientnet_b1",
                "tf_efficientnet_b2", "tf_efficientnet_b3", "tf_efficientnet_b4", "tf_efficientnet_b5",
                "tf_efficientnet_b6", "tf_efficientnet_b7", "tf_efficientnet_b8", "tf_efficientnet_cc_b0_4e",
                "tf_efficientnet_cc_b0_8e", "tf_efficientnet_cc_b1_8e", "tf_efficientnet_el", "tf_efficientnet_em",
                "tf_efficientnet_es", "tf_efficientnet_l2", "tf_efficientnet_lite0", "tf_efficientnet_lite1",
                "tf_efficientnet_lite2", "tf_efficientnet_lite3", "tf_efficientnet_lite4", "tf_efficientnetv2_b0",
                "tf_efficientnetv2_b1", "tf_efficientnetv2_b2", "tf_efficientnetv2_b3", "tf_efficientnetv2_l",
                "tf_efficientnetv2_m", "tf_efficientnetv2_s", "tf_efficientnetv2_xl", "tf_mixnet_l", "tf_mixnet_m",
                "tf_mixnet_s", "tinynet_a", "tinynet_b", "tinynet_c", "tinynet_d", "tinynet_e",
            ]
        ),
        (
            "mobilenetv3",
            [
                "fbnetv3_b", "fbnetv3_d", "fbnetv3_g", "lcnet_035", "lcnet_050", "lcnet_075", "lcnet_100", "lcnet_150",
                "mobilenetv3_large_075", "mobilenetv3_large_100", "mobilenetv3_large_150d", "mobilenetv3_rw",
                "mobilenetv3_small_050", "mobilenetv3_small_075", "mobilenetv3_small_100", "mobilenetv4_conv_aa_large",
                "mobilenetv4_conv_aa_medium", "mobilenetv4_conv_blur_medium", "mobilenetv4_conv_large",
                "mobilenetv4_conv_medium", "mobilenetv4_conv_small", "mobilenetv4_conv_small_035",
                "mobilenetv4_conv_small_050", "mobilenetv4_hybrid_large", "mobilenetv4_hybrid_large_075",
                "mobilenetv4_hybrid_medium", "mobilenetv4_hybrid_medium_075", "tf_mobilenetv3_large_075",
                "tf_mobilenetv3_large_100", "tf_mobilenetv3_large_minimal_100", "tf_mobilenetv3_small_075",
                "tf_mobilenetv3_small_100", "tf_mobilenetv3_small_minimal_100",
            ]
        ),
        (
            "vision_transformer",
            [
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
                "vit_giantopt_patch16_siglip_256", "vit_giantopt_patch16_siglip_384",
                "vit_giantopt_patch16_siglip_gap_256",
                "vit_giantopt_patch16_siglip_gap_384", "vit_gigantic_patch14_224", "vit_gigantic_patch14_clip_224",
                "vit_gigantic_patch14_clip_378", "vit_gigantic_patch14_clip_quickgelu_224", "vit_huge_patch14_224",
                "vit_huge_patch14_clip_224", "vit_huge_patch14_clip_336", "vit_huge_patch14_clip_378",
                "vit_huge_patch14_clip_quickgelu_224", "vit_huge_patch14_clip_quickgelu_378",
                "vit_huge_patch14_gap_224",
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
                "vit_so150m2_patch16_reg1_gap_256", "vit_so150m2_patch16_reg1_gap_384",
                "vit_so150m2_patch16_reg1_gap_448",
                "vit_so150m_patch16_reg4_gap_256", "vit_so150m_patch16_reg4_gap_384", "vit_so150m_patch16_reg4_map_256",
                "vit_so400m_patch14_reg1_tipsv2", "vit_so400m_patch14_siglip_224", "vit_so400m_patch14_siglip_378",
                "vit_so400m_patch14_siglip_384", "vit_so400m_patch14_siglip_gap_224",
                "vit_so400m_patch14_siglip_gap_378",
                "vit_so400m_patch14_siglip_gap_384", "vit_so400m_patch14_siglip_gap_448",
                "vit_so400m_patch14_siglip_gap_896", "vit_so400m_patch16_radio_v4", "vit_so400m_patch16_siglip_256",
                "vit_so400m_patch16_siglip_384", "vit_so400m_patch16_siglip_512", "vit_so400m_patch16_siglip_gap_256",
                "vit_so400m_patch16_siglip_gap_384", "vit_so400m_patch16_siglip_gap_512", "vit_tiny_patch16_224",
                "vit_tiny_patch16_384", "vit_wee_patch16_reg1_gap_256", "vit_xsmall_patch16_clip_224",
            ]
        ),
        (
            "deit",
            [
                "deit3_base_patch16_224", "deit3_base_patch16_384", "deit3_huge_patch14_224", "deit3_large_patch16_224",
                "deit3_large_patch16_384", "deit3_medium_patch16_224", "deit3_small_patch16_224",
                "deit3_small_patch16_384",
                "deit_base_distilled_patch16_224", "deit_base_distilled_patch16_384", "deit_base_patch16_224",
                "deit_base_patch16_384", "deit_small_distilled_patch16_224", "deit_small_patch16_224",
                "deit_tiny_distilled_patch16_224", "deit_tiny_patch16_224",
            ]
        ),
        (
            "convnext",
            [
                "convnext_atto", "convnext_atto_ols", "convnext_atto_rms", "convnext_base", "convnext_femto",
                "convnext_femto_ols", "convnext_large", "convnext_large_mlp", "convnext_nano", "convnext_nano_ols",
                "convnext_pico", "convnext_pico_ols", "convnext_small", "convnext_tiny", "convnext_tiny_hnf",
                "convnext_xlarge", "convnext_xxlarge", "convnext_zepto_rms", "convnext_zepto_rms_ols",
                "convnextv2_atto",
                "convnextv2_base", "convnextv2_femto", "convnextv2_huge", "convnextv2_large", "convnextv2_nano",
                "convnextv2_pico", "convnextv2_small", "convnextv2_tiny",
                "test_convnext", "test_convnext2", "test_convnext3",
            ]
        ),
        (
            "swin_transformer",
            [
                "swin_base_patch4_window7_224", "swin_base_patch4_window12_384", "swin_large_patch4_window7_224",
                "swin_large_patch4_window12_384", "swin_s3_base_224", "swin_s3_small_224", "swin_s3_tiny_224",
                "swin_small_patch4_window7_224", "swin_tiny_patch4_window7_224",
            ]
        ),
        (
            "swin_transformer_v2",
            [
                "swinv2_base_window8_256", "swinv2_base_window12_192", "swinv2_base_window12to16_192to256",
                "swinv2_base_window12to24_192to384", "swinv2_base_window16_256", "swinv2_large_window12_192",
                "swinv2_large_window12to16_192to256", "swinv2_large_window12to24_192to384", "swinv2_small_window8_256",
                "swinv2_small_window16_256", "swinv2_tiny_window8_256", "swinv2_tiny_window16_256",
            ]
        ),
        ("vgg", ["vgg11", "vgg11_bn", "vgg13", "vgg13_bn", "vgg16", "vgg16_bn", "vgg19", "vgg19_bn"]),
        ("inception_v3", ["inception_v3"]),
        (
            "regnet",
            [
                "regnetv_040", "regnetv_064", "regnetx_002", "regnetx_004", "regnetx_004_tv", "regnetx_006",
                "regnetx_008", "regnetx_016", "regnetx_032", "regnetx_040", "regnetx_064", "regnetx_080",
                "regnetx_120", "regnetx_160", "regnetx_320", "regnety_002", "regnety_004", "regnety_006",
                "regnety_008", "regnety_008_tv", "regnety_016", "regnety_032", "regnety_040", "regnety_040_sgn",
                "regnety_064", "regnety_080", "regnety_080_tv", "regnety_120", "regnety_160", "regnety_320",
                "regnety_640", "regnety_1280", "regnety_2560", "regnetz_005", "regnetz_040", "regnetz_040_h",
            ]
        ),
        (
            "densenet",
            [
                "densenet121", "densenet161", "densenet169", "densenet201", "densenet264d", "densenetblur121d",
            ]
        ),
    ]

    static func register(into registry: ModelRegistry) {
        for (family, names) in architectures {
            for name in names { registry.register(architecture: name, family: family) }
        }
    }
}
