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
        ("efficientnet", [
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
            "semnasnet_050", "semnasnet_075", "semnasnet_100", "semnasnet_140", "spnasnet_100", "test_efficientnet", "test_efficientnet_evos",
            "test_efficientnet_gn", "test_efficientnet_ln", "tf_efficientnet_b0", "tf_efficientnet_b1",
            "tf_efficientnet_b2", "tf_efficientnet_b3", "tf_efficientnet_b4", "tf_efficientnet_b5",
            "tf_efficientnet_b6", "tf_efficientnet_b7", "tf_efficientnet_b8", "tf_efficientnet_cc_b0_4e",
            "tf_efficientnet_cc_b0_8e", "tf_efficientnet_cc_b1_8e", "tf_efficientnet_el", "tf_efficientnet_em",
            "tf_efficientnet_es", "tf_efficientnet_l2", "tf_efficientnet_lite0", "tf_efficientnet_lite1",
            "tf_efficientnet_lite2", "tf_efficientnet_lite3", "tf_efficientnet_lite4", "tf_efficientnetv2_b0",
            "tf_efficientnetv2_b1", "tf_efficientnetv2_b2", "tf_efficientnetv2_b3", "tf_efficientnetv2_l",
            "tf_efficientnetv2_m", "tf_efficientnetv2_s", "tf_efficientnetv2_xl", "tf_mixnet_l", "tf_mixnet_m",
            "tf_mixnet_s", "tinynet_a", "tinynet_b", "tinynet_c", "tinynet_d", "tinynet_e"
        ]),
        ("mobilenetv3", [
            "fbnetv3_b", "fbnetv3_d", "fbnetv3_g", "lcnet_035", "lcnet_050", "lcnet_075", "lcnet_100", "lcnet_150",
            "mobilenetv3_large_075", "mobilenetv3_large_100", "mobilenetv3_large_150d", "mobilenetv3_rw",
            "mobilenetv3_small_050", "mobilenetv3_small_075", "mobilenetv3_small_100", "mobilenetv4_conv_aa_large",
            "mobilenetv4_conv_aa_medium", "mobilenetv4_conv_blur_medium", "mobilenetv4_conv_large",
            "mobilenetv4_conv_medium", "mobilenetv4_conv_small", "mobilenetv4_conv_small_035",
            "mobilenetv4_conv_small_050", "mobilenetv4_hybrid_large", "mobilenetv4_hybrid_large_075",
            "mobilenetv4_hybrid_medium", "mobilenetv4_hybrid_medium_075", "tf_mobilenetv3_large_075",
            "tf_mobilenetv3_large_100", "tf_mobilenetv3_large_minimal_100", "tf_mobilenetv3_small_075",
            "tf_mobilenetv3_small_100", "tf_mobilenetv3_small_minimal_100"
        ]),
    ]

    static func register(into registry: ModelRegistry) {
        for (family, names) in architectures {
            for name in names { registry.register(architecture: name, family: family) }
        }
    }
}
