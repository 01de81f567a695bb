import Testing
import ZooNN
import ZooRegistry

@Suite struct FnMatchTests {
    /// Each pattern selects from the fixture's names what Python's `fnmatch.filter` selected.
    @Test(arguments: try RegistryFixture.shared().fnmatch.cases)
    func matchesLikePython(_ testCase: RegistryFixture.FnMatchCases.Case) throws {
        let pattern = FnMatchPattern(testCase.pattern)
        let matches = try RegistryFixture.shared().fnmatch.names.filter(pattern.matches)
        #expect(matches == testCase.matches)
    }

    @Test func readableCases() {
        #expect(fnmatch("resnet50d", "resnet5?d"))
        #expect(fnmatch("resnet50.a1_in1k", "resnet50*"))  // `*` crosses the tag's dot
        #expect(!fnmatch("ResNet50", "resnet*"))  // case-sensitive, as timm on Linux/macOS
        #expect(fnmatch("resnet18", "resnet[0-9]8"))
        #expect(!fnmatch("resnet18", "resnet[!1]8"))
        #expect(fnmatch("a[b", "a[b"))  // unclosed bracket is literal
        #expect(fnmatch("", "*") && !fnmatch("", "?"))
    }

    @Test func backtracksAcrossManyStars() {
        let name = String(repeating: "a", count: 200)
        #expect(!fnmatch(name, "*a*a*a*a*a*b"))
        #expect(fnmatch(name + "b", "*a*a*a*a*a*b"))
    }
}
