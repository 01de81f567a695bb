/// The architectures this package ships, by family: names only, so the registry and its built-in
/// manifests answer `zoo list` without building anything. ZooModels attaches the builders
/// (`BuiltinModels.register()`); a test checks every name here gets one.
///
/// `tools/make_manifests.py` reads this list (the quoted names) to know which cfgs to write.
enum BuiltinFamilies {
    static let architectures: [(family: String, names: [String])] = [
        ("resnet", [
            "ecaresnet26t", "ecaresnet50d", "ecaresnet50d_pruned", "ecaresnet50t", "ecaresnet101d",
            "ecaresnet101d_pruned", "ecaresnet200d", "ecaresnet269d", "ecaresnetlight", "ecaresnext26t_32x4d",
            "ecaresnext50t_32x4d", "resnet10t", "resnet14t", "resnet18", "resnet18d", "resnet26", "resnet26d",
            "resnet26t", "resnet34", "resnet34d", "resnet50", "resnet50_gn", "resnet50c", "resnet50d", "resnet50s",
            "resnet50t", "resnet101", "resnet101c", "resnet101d", "resnet101s", "resnet152", "resnet152c", "resnet152d",
            "resnet152s", "resnet200", "resnet200d", "resnetaa34d", "resnetaa50", "resnetaa50d", "resnetaa101d",
            "resnetblur18", "resnetblur50", "resnetblur50d", "resnetblur101d", "resnetrs50", "resnetrs101",
            "resnetrs152", "resnetrs200", "resnetrs270", "resnetrs350", "resnetrs420", "resnext50_32x4d",
            "resnext50d_32x4d", "resnext101_32x4d", "resnext101_32x8d", "resnext101_32x16d", "resnext101_32x32d",
            "resnext101_64x4d", "senet154", "seresnet18", "seresnet34", "seresnet50", "seresnet50t", "seresnet101",
            "seresnet152", "seresnet152d", "seresnet200d", "seresnet269d", "seresnetaa50d", "seresnext26d_32x4d",
            "seresnext26t_32x4d", "seresnext50_32x4d", "seresnext101_32x4d", "seresnext101_32x8d", "seresnext101_64x4d",
            "seresnext101d_32x8d", "seresnextaa101d_32x8d", "seresnextaa201d_32x8d", "wide_resnet50_2",
            "wide_resnet101_2"
        ]),
    ]

    static func register(into registry: ModelRegistry) {
        for (family, names) in architectures {
            for name in names { registry.register(architecture: name, family: family) }
        }
    }
}
