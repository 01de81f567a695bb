import Foundation
import Testing
import ZooRegistry

/// What timm and Python answered, from tools/fixtures/make_registry_fixtures.py.
struct RegistryFixture: Decodable {
    struct FnMatchCases: Decodable {
        struct Case: Decodable, CustomTestStringConvertible {
            let pattern: String
            let matches: [String]
            var testDescription: String { "pattern \(pattern.debugDescription)" }
        }
        let names: [String]
        let cases: [Case]
    }
    struct ListCase: Decodable, CustomTestStringConvertible {
        let patterns: [String]
        let exclude: [String]
        let pretrained: Bool
        let include_tags: Bool?
        let expected: [String]
        var testDescription: String {
            "list(\(patterns), excluding: \(exclude), pretrained: \(pretrained), includeTags: \(include_tags.map(String.init) ?? "nil"))"
        }
    }
    struct Cfg: Decodable, CustomTestStringConvertible {
        let name: String
        let timm_dict: PretrainedCfg
        let rendered: String
        var testDescription: String { name }
    }

    let fnmatch: FnMatchCases
    let natural_sort: [[String]]
    /// The timm modules whose tags the fixture carries.
    let claimed: [String]
    /// timm.list_models(module=M) for every timm module.
    let modules: [String: [String]]
    let tags: [String: [String]]
    let list_cases: [ListCase]
    let cfgs: [Cfg]
    /// timm's parameter count of each architecture the fixture counts.
    let parameter_counts: [String: Int]
    /// timm.list_models(P), kept to the claimed modules, for the patterns issue 14 names.
    let patterns: [String: [String]]

    /// The fixture, read once; a missing or unreadable file fails every test that asks for it.
    static func shared() throws -> RegistryFixture { try loaded.get() }

    private static let loaded = Result { () throws -> RegistryFixture in
        guard let url = Bundle.module.url(forResource: "registry", withExtension: "json", subdirectory: "Fixtures")
        else {
            throw MissingFixture(name: "registry.json", script: "tools/fixtures/make_registry_fixtures.py")
        }
        return try JSONDecoder().decode(RegistryFixture.self, from: Data(contentsOf: url))
    }
}

/// The repository's top folder, for checks against manifests/ itself.
let repositoryRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

struct MissingFixture: Error, CustomStringConvertible {
    let name: String
    let script: String
    var description: String { "Fixtures/\(name) is missing: run /usr/bin/python3 \(script)" }
}
