import Testing
import ZooRegistry

@Suite struct ModelNameTests {
    @Test func splitsAtTheFirstDot() {
        #expect(ModelName("resnet50.a1_in1k") == ModelName(architecture: "resnet50", tag: "a1_in1k"))
        #expect(ModelName("resnet50") == ModelName(architecture: "resnet50", tag: nil))
        #expect(ModelName("vit.augreg.in21k").tag == "augreg.in21k")
        #expect(ModelName("resnet50.").tag == nil)
        #expect(ModelName("resnet50.a1_in1k").description == "resnet50.a1_in1k")
    }

    /// Lists sorted by timm's `_natural_key`, among them timm's whole `list_models()`.
    @Test(arguments: try RegistryFixture.shared().natural_sort)
    func sortsLikeTimm(_ expected: [String]) {
        #expect(expected.reversed().naturallySorted() == expected)
        #expect(expected.sorted(by: >).naturallySorted() == expected)
    }

    @Test func numbersCompareByValue() {
        #expect(["resnet101", "resnet18", "resnet50"].naturallySorted() == ["resnet18", "resnet50", "resnet101"])
        #expect(NaturalSortKey("a2") < NaturalSortKey("A10"))
    }
}
