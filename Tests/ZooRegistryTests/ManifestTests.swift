import Foundation
import Testing

@testable import ZooRegistry

@Suite struct ManifestTests {
    /// A registry knowing `resnet50` only, for loading manifests into.
    func registry() -> ModelRegistry {
        let registry = ModelRegistry()
        registry.register(architecture: "resnet50", family: "resnet")
        return registry
    }

    func load(_ json: String, into registry: ModelRegistry? = nil) throws {
        try (registry ?? self.registry()).load(Manifest(json: json.utf8, file: "bad.json"), file: "bad.json")
    }

    @Test func embeddedManifestsEqualTheFilesInManifestsFolder() throws {
        let folder = repositoryRoot.appendingPathComponent("manifests")
        let onDisk = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".json") }
            .sorted()
        #expect(
            BuiltinManifests.files.map(\.name) == onDisk, "run /usr/bin/python3 tools/make_manifests.py --embed-only")
        for (name, json) in BuiltinManifests.files {
            let text = try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
            #expect(
                json + "\n" == text,
                "manifests/\(name) changed; run /usr/bin/python3 tools/make_manifests.py --embed-only")
        }
    }

    /// The manifests and the registry fixture were made with the timm that tools/setup.sh pins, so
    /// a new timm release cannot silently change what the tests expect.
    @Test func manifestsAndFixturesRecordThePinnedTimm() throws {
        let setup = try String(contentsOf: repositoryRoot.appendingPathComponent("tools/setup.sh"), encoding: .utf8)
        let pin = try #require(
            setup.firstMatch(of: /timm==([0-9][0-9A-Za-z.+-]*)/)?.1, "tools/setup.sh pins no timm version")
        let madeWith = "from timm \(pin)"
        let folder = repositoryRoot.appendingPathComponent("manifests")
        let manifests = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter {
            $0.hasSuffix(".json")
        }
        #expect(!manifests.isEmpty)
        func generatedBy(_ file: URL) throws -> String? {
            (try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any])?["generated_by"]
                as? String
        }
        for name in manifests.sorted() {
            let generatedBy = try #require(
                try generatedBy(folder.appendingPathComponent(name)),
                "manifests/\(name) does not say what made it")
            #expect(
                generatedBy.hasSuffix(madeWith), "manifests/\(name): \(generatedBy); tools/setup.sh pins timm \(pin)")
        }
        let fixture = repositoryRoot.appendingPathComponent("Tests/ZooRegistryTests/Fixtures/registry.json")
        let fixtureMadeBy = try generatedBy(fixture)
        #expect(fixtureMadeBy?.hasSuffix(madeWith) == true, "registry.json: \(fixtureMadeBy ?? "no generated_by")")
    }

    @Test func roundTripsThroughCodable() throws {
        let cfgs = try #require(ModelRegistry.builtin().architecture("resnet50")).pretrainedCfgs
        let data = try JSONEncoder().encode(Manifest(cfgs: cfgs))
        #expect(try Manifest(json: data, file: "memory").cfgs == cfgs)
    }

    @Test func missingFieldsTakeTimmDefaults() throws {
        let cfg = try #require(
            try Manifest(json: #"{"cfgs": [{"architecture": "resnet50"}]}"#.utf8, file: "x").cfgs.first)
        #expect(cfg == PretrainedCfg(architecture: "resnet50"))
        #expect(
            cfg.inputSize == [3, 224, 224] && cfg.cropPct == 0.875 && cfg.interpolation == "bicubic" && !cfg.hasWeights)
    }

    @Test func invalidJSONNamesLineColumnAndField() {
        let json = """
            {"cfgs": [
              {"architecture": "resnet50", "mean": [0.5, 0.5,, 0.5]}
            ]}
            """
        #expect(
            throws: ManifestError.invalidJSON(
                file: "bad.json", field: "cfgs[0].mean[2]", line: 2, column: 50, reason: "expected a value, found ','")
        ) {
            try load(json)
        }
    }

    @Test func wrongTypeNamesTheField() throws {
        let error = try #require(throws: ManifestError.self) {
            try load(
                #"{"cfgs": [{"architecture": "resnet50"}, {"architecture": "resnet50", "tag": "x", "crop_pct": "high"}]}"#
            )
        }
        #expect(error.file == "bad.json" && error.field == "cfgs[1].crop_pct")
        #expect(error.description.hasPrefix("bad.json: cfgs[1].crop_pct: "))
    }

    @Test func malformedSizeNamesTheField() throws {
        let error = try #require(throws: ManifestError.self) {
            try load(#"{"cfgs": [{"architecture": "resnet50", "input_size": [224, 224]}]}"#)
        }
        #expect(error.field == "cfgs[0].input_size")
    }

    @Test func unknownArchitectureNamesTheField() {
        #expect(
            throws: ManifestError.unknownArchitecture(
                file: "bad.json", field: "cfgs[1].architecture", architecture: "resnet5", suggestions: ["resnet50"])
        ) {
            try load(#"{"cfgs": [{"architecture": "resnet50"}, {"architecture": "resnet5", "tag": "x"}]}"#)
        }
    }

    @Test func unknownMissingAndDuplicateFieldsAreErrors() throws {
        let misspelt = try #require(throws: ManifestError.self) {
            try load(#"{"cfgs": [{"architecture": "resnet50", "crop_pc": 0.9}]}"#)
        }
        #expect(misspelt.field == "cfgs[0].crop_pc")
        let missing = try #require(throws: ManifestError.self) { try load(#"{"cfgs": [{"tag": "a"}]}"#) }
        #expect(missing.field == "cfgs[0].architecture")
        let noCfgs = try #require(throws: ManifestError.self) { try load(#"{"format_version": 1}"#) }
        #expect(noCfgs.field == "cfgs")
        let newer = try #require(throws: ManifestError.self) { try load(#"{"format_version": 2, "cfgs": []}"#) }
        #expect(newer.field == "format_version")
        let twice = try #require(throws: ManifestError.self) {
            try load(#"{"cfgs": [{"architecture": "resnet50", "tag": "a"}, {"architecture": "resnet50", "tag": "a"}]}"#)
        }
        #expect(twice.field == "cfgs[1].tag")
    }

    @Test func aFailedManifestAddsNothing() {
        let registry = registry()
        #expect(throws: ManifestError.self) {
            try load(#"{"cfgs": [{"architecture": "resnet50", "tag": "a"}, {"architecture": "nope"}]}"#, into: registry)
        }
        #expect(registry.list(includeTags: true) == ["resnet50"])
    }

    @Test func loadsTheFolderNamedByZooManifests() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("zoo-manifests-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try #"{"cfgs": [{"architecture": "resnet50", "tag": "mine", "file": "/weights/mine.pth", "sha256": "ab12"}]}"#
            .write(to: folder.appendingPathComponent("mine.json"), atomically: true, encoding: .utf8)
        try "not a manifest".write(to: folder.appendingPathComponent("README.txt"), atomically: true, encoding: .utf8)

        let registry = registry()
        try registry.loadManifestsFromEnvironment(["ZOO_MANIFESTS": folder.path])
        try registry.loadManifestsFromEnvironment(["ZOO_MANIFESTS": folder.path])  // once per folder
        #expect(registry.list(pretrained: true) == ["resnet50.mine"])
        #expect(try registry.pretrainedCfg(for: "resnet50")?.sha256 == "ab12")

        try "{".write(to: folder.appendingPathComponent("broken.json"), atomically: true, encoding: .utf8)
        let error = try #require(throws: ManifestError.self) {
            try ModelRegistry().loadManifests(inFolder: folder.path)
        }
        #expect(error.file == folder.appendingPathComponent("broken.json").path)

        #expect(throws: ManifestError.missingFolder(path: "/no/such/folder", setBy: "ZOO_MANIFESTS")) {
            try registry.loadManifestsFromEnvironment(["ZOO_MANIFESTS": "/no/such/folder"])
        }
        try registry.loadManifestsFromEnvironment([:])  // unset: nothing to do
    }
}
