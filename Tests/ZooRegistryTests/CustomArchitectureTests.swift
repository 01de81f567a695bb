import Testing
import ZooNN
import ZooRegistry  // not @testable: only what another package sees
import ZooTensor

/// A model another package might register: pixels → 8 hidden units → classes.
final class TinyNet: Module {
    let classes: Int
    let hidden: Linear
    let head: Linear
    init(args: ModelArgs) {
        classes = args.numClasses
        hidden = Linear(args.inChans, 8)
        head = Linear(8, args.numClasses)
    }
    override func forward(_ x: Tensor) -> Tensor { head(hidden(x).relu()) }
}

@Suite struct CustomArchitectureTests {
    @Test func registersIntoTheSharedRegistryFromAnotherModule() throws {
        let registry = ModelRegistry.shared
        registry.register(architecture: "tinynet_from_tests", family: "tinynet") { TinyNet(args: $0) }
        var cfg = PretrainedCfg(architecture: "tinynet_from_tests", tag: "toy_in10")
        cfg.hfHubID = "timm/"
        cfg.numClasses = 10
        cfg.inputSize = [1, 28, 28]
        try registry.register(cfgs: [cfg, PretrainedCfg(architecture: "tinynet_from_tests", tag: "untrained")])

        #expect(registry.list(["tinynet_from*"]) == ["tinynet_from_tests"])
        #expect(registry.list(["tinynet_from*"], pretrained: true) == ["tinynet_from_tests.toy_in10"])
        #expect(
            registry.list(["tinynet_from*"], includeTags: true) == [
                "tinynet_from_tests.toy_in10", "tinynet_from_tests.untrained",
            ])
        #expect(try registry.pretrainedCfg(for: "tinynet_from_tests")?.hfHubID == "timm/tinynet_from_tests.toy_in10")
        #expect(try registry.parameterCount(of: "tinynet_from_tests") == (1 * 8 + 8) + (8 * 10 + 10))

        let built = try #require(
            try registry.architecture("tinynet_from_tests")?.builder?(ModelArgs(numClasses: 3)) as? TinyNet)
        #expect(built.classes == 3)
    }

    @Test func replacesACfgInPlaceAndKeepsCfgsWhenTheBuilderChanges() throws {
        let registry = ModelRegistry()
        registry.register(architecture: "toy", family: "toy")
        try registry.register(cfgs: [
            PretrainedCfg(architecture: "toy", tag: "a"), PretrainedCfg(architecture: "toy", tag: "b"),
        ])
        var replacement = PretrainedCfg(architecture: "toy", tag: "a")
        replacement.url = "https://example.com/toy_a.pth"
        try registry.register(cfgs: [replacement])
        registry.register(architecture: "toy", family: "toy") { TinyNet(args: $0) }

        let entry = try #require(registry.architecture("toy"))
        #expect(entry.pretrainedCfgs.map(\.tag) == ["a", "b"])
        #expect(entry.defaultCfg?.url == "https://example.com/toy_a.pth")
        #expect(entry.builder != nil)
    }

    @Test func cfgsForUnknownArchitecturesAreRejected() {
        #expect(throws: RegistryError.unknownModel(name: "toy", suggestions: [])) {
            try ModelRegistry().register(cfgs: [PretrainedCfg(architecture: "toy")])
        }
    }

    @Test func isSafeToUseFromManyTasks() async {
        let registry = ModelRegistry()
        await withTaskGroup(of: Void.self) { group in
            for index in 0..<50 {
                group.addTask {
                    registry.register(architecture: "net\(index)", family: "concurrent")
                    _ = registry.list(["net*"])
                }
            }
        }
        #expect(registry.list(["net*"]).count == 50)
        #expect(registry.list(["net?"]) == (0..<10).map { "net\($0)" })
    }
}
