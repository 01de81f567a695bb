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
    ]

    static func register(into registry: ModelRegistry) {
        for (family, names) in architectures {
            for name in names { registry.register(architecture: name, family: family) }
        }
    }
}
