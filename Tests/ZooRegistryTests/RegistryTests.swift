import Testing
import ZooModels

@testable import ZooRegistry

@Suite struct RegistryTests {
    // Timm's lists hold for the built-in registry; `shared` may carry what other tests added.
    let registry = ModelRegistry.builtin()

    /// timm's `test_*` smoke-test models are out of the fixture's scope; a family may still carry
    /// them (efficientnet does, as small CI representatives of its rarer norms).
    static func isTimmTestModel(_ name: String) -> Bool { name.hasPrefix("test_") }

    /// A family named after a timm module holds every architecture of that module, in timm's order:
    /// `timm.list_models(module=family)` (less what tools/fixtures/make_registry_fixtures.py leaves
    /// out of scope). A variant missing from a family we ship fails here.
    @Test func familiesHoldTheirWholeTimmModule() throws {
        let modules = try RegistryFixture.shared().modules
        let families = Set(registry.architectures.map(\.family))
        #expect(families.contains("resnet"))
        for family in families.sorted() {
            guard let timmNames = modules[family] else { continue }  // not one of timm's modules
            let names = registry.list(families: [family]).filter { !Self.isTimmTestModel($0) }
            let missing = timmNames.filter { !names.contains($0) }, extra = names.filter { !timmNames.contains($0) }
            #expect(missing.isEmpty, "family \(family) lacks \(missing.count) of timm's: \(missing)")
            #expect(extra.isEmpty, "family \(family) has architectures timm's \(family) module has not: \(extra)")
            if missing.isEmpty && extra.isEmpty { #expect(names == timmNames, "family \(family): not in timm's order") }
        }
    }

    /// `zoo list "vit_*" "deit*" "convnext*" "swin_*"`: timm's names (every `vit_*` of its
    /// vision_transformer module, none left out) in timm's order, among timm's module families.
    @Test(arguments: ["vit_*", "deit*", "convnext*", "swin_*"])
    func transformerPatternsListLikeTimm(_ pattern: String) throws {
        let expected = try #require(try RegistryFixture.shared().patterns[pattern])
        let claimed = try RegistryFixture.shared().claimed
        #expect(!expected.isEmpty)
        #expect(registry.list([pattern], families: claimed) == expected)
    }

    /// Every counted architecture builds, with timm's parameter count (its cfg's input size included).
    @Test(arguments: try RegistryFixture.shared().parameter_counts.keys.sorted())
    func parameterCountEqualsTimm(_ architecture: String) throws {
        BuiltinModels.register()
        let count = try ModelRegistry.shared.parameterCount(of: architecture)
        #expect(count == (try RegistryFixture.shared().parameter_counts[architecture]))
    }

    /// `list` answers what timm's `list_models` answers, kept to timm's resnet module.
    @Test(arguments: try RegistryFixture.shared().list_cases)
    func listsLikeTimm(_ testCase: RegistryFixture.ListCase) {
        let names = registry.list(
            testCase.patterns, excluding: testCase.exclude, families: ["resnet"],
            pretrained: testCase.pretrained, includeTags: testCase.include_tags)
        #expect(names == testCase.expected)
    }

    @Test func doneWhenCases() throws {
        let fixture = try RegistryFixture.shared().list_cases
        #expect(
            registry.list(["*resnet*"])
                == fixture.first { $0.patterns == ["*resnet*"] && !$0.pretrained && $0.exclude.isEmpty }!.expected)
        #expect(
            registry.list(["resnet50*"], pretrained: true)
                == fixture.first { $0.patterns == ["resnet50*"] && $0.pretrained }!.expected)
    }

    /// Tags in timm's order, the first being the default, for every registered architecture of
    /// the timm modules the fixture claims.
    @Test(arguments: try RegistryFixture.shared().claimed)
    func tagsInTimmOrder(_ family: String) throws {
        let fixture = try RegistryFixture.shared()
        for entry in registry.architectures where entry.family == family && !Self.isTimmTestModel(entry.name) {
            let tags = try #require(fixture.tags[entry.name], "\(entry.name) is not in timm's \(family) module")
            #expect(entry.pretrainedCfgs.map(\.name.description) == tags, "\(entry.name)")
            #expect(try registry.pretrainedCfg(for: entry.name) == entry.pretrainedCfgs.first)
        }
    }

    /// The cfg equals timm's `get_pretrained_cfg(name).to_dict()`, value for value and as printed.
    @Test(arguments: try RegistryFixture.shared().cfgs)
    func cfgEqualsTimm(_ expected: RegistryFixture.Cfg) throws {
        let cfg = try #require(try registry.pretrainedCfg(for: expected.name))
        #expect(cfg == expected.timm_dict)
        #expect(cfg.timmDict.serialized(pretty: true) == expected.rendered)
    }

    @Test func resolvesDefaultsAndRejectsUnknownNames() throws {
        let resolved = try registry.resolve("resnet50")
        #expect(resolved.name.description == "resnet50.a1_in1k" && resolved.isDefaultTag)
        #expect(try registry.resolve("resnet50.tv_in1k").isDefaultTag == false)
        #expect(registry.isPretrained("resnet50") && registry.isPretrained("resnet50.tv_in1k"))
        #expect(!registry.isModel("resnet51") && registry.isModel("resnet50.whatever"))

        #expect(
            throws: RegistryError.unknownModel(
                name: "resnet5", suggestions: ["resnet50", "resnet18", "resnet26", "resnet34", "resnet50c"])
        ) {
            try registry.resolve("resnet5")
        }
        #expect {
            try registry.resolve("resnet50.nope")
        } throws: { error in
            guard case RegistryError.unknownTag("resnet50", "nope", let tags) = error else { return false }
            return tags.first == "a1_in1k"
        }
    }

    /// Listing names parses no manifest; the first cfg lookup parses them all, and registrations
    /// made before it still come after the manifests' cfgs (which stay the default tags).
    @Test func manifestsAreParsedOnTheFirstCfgLookupInOrder() throws {
        let registry = ModelRegistry.builtin()
        let names = registry.list(["*"])
        #expect(names.contains("resnet50") && registry.hasPendingCfgs)
        try registry.register(cfgs: [PretrainedCfg(architecture: "resnet50", tag: "mine")])
        #expect(throws: RegistryError.self) { try registry.register(cfgs: [PretrainedCfg(architecture: "resnet51")]) }
        #expect(registry.hasPendingCfgs)
        let resolved = try registry.resolve("resnet50")
        #expect(!registry.hasPendingCfgs)
        #expect(resolved.name.description == "resnet50.a1_in1k")
        #expect(resolved.architecture.pretrainedCfgs.last?.tag == "mine")
        let fresh = ModelRegistry.builtin()
        #expect(registry.list(["resnet50"], pretrained: true) == fresh.list(["resnet50"], pretrained: true))
    }

    @Test func infoCarriesTheCfgAndParameterCount() throws {
        ResNetVariants.register(into: registry)
        let info = try registry.resolve("resnet50.a1_in1k").info(
            parameterCount: registry.parameterCount(of: "resnet50"))
        #expect(info["num_params"] == .int(25_557_032))  // sum(p.numel() for p in timm.create_model("resnet50").parameters())
        #expect(info["pretrained_cfg"]?["crop_pct"] == .double(0.95))
        #expect(info["family"] == .string("resnet"))
    }
}
