import Foundation
import Testing
import Zoo

/// `createModel` against timm's `create_model(..., pretrained=True)` on the same checkpoint file,
/// from tools/parity/make_create_model_fixtures.py.
struct CreateModelTests {
    /// The shared registry's names and cfgs with the ResNet builders, apart from `ModelRegistry.shared`:
    /// every test target runs in one process, and registry tests there expect the shared registry
    /// without builders or architectures made up by tests.
    static let registry: ModelRegistry = {
        let registry = ModelRegistry()
        for architecture in ModelRegistry.shared.architectures {
            registry.register(architecture: architecture.name, family: architecture.family)
            try! registry.register(cfgs: architecture.pretrainedCfgs)
        }
        ResNetVariants.register(into: registry)
        return registry
    }()
    var registry: ModelRegistry { Self.registry }

    struct Case: Sendable, CustomTestStringConvertible {
        let variant: String, numClasses: Int, inChans: Int
        var fixture: String { "create_model.\(variant).classes\(numClasses)_chans\(inChans).safetensors" }
        var testDescription: String { "\(variant), numClasses \(numClasses), inChans \(inChans)" }
    }

    // resnet18's first conv is `conv1`, resnet50d's deep stem starts at `conv1.0`.
    static let cases: [Case] = ["resnet18", "resnet50d"].flatMap { variant in
        [(10, 1), (10, 5), (1000, 3)].map { Case(variant: variant, numClasses: $0, inChans: $1) }
    }

    // model = timm.create_model(name, pretrained=True, num_classes=N, in_chans=C,
    //                           pretrained_cfg_overlay=dict(file="create_model.<name>.pth"))
    @Test(arguments: cases)
    func matchesTimm(_ c: Case) throws {
        let checkpoint = try CreateModelFixtures.file("create_model.\(c.variant).pth")
        let model = try createModel(
            c.variant, pretrained: true, numClasses: c.numClasses, inChans: c.inChans,
            cfgOverlay: { $0.file = checkpoint.path }, registry: registry)
        let expected = try Checkpoint.load(CreateModelFixtures.file(c.fixture).path).tensors
        let actual = model.stateDict()
        #expect(Set(actual.keys) == Set(expected.map(\.name)))
        for (key, want) in expected {
            guard let got = actual[key] else { continue }
            #expect(got.shape == want.shape, "\(key)")
            // A head of another size is freshly initialized on both sides: only its shape compares.
            if c.numClasses != 1000 && key.hasPrefix("fc.") { continue }
            guard got.shape == want.shape else { continue }
            let error = relativeError(got, want)
            #expect(error <= 1e-6, "\(key): relative error \(error)")
        }
    }

    // model = timm.create_model("resnet18", pretrained=True, pretrained_cfg_overlay=dict(file=path))
    // raises on unexpected and missing keys (strict load) — ours names them.
    @Test func strictLoadReportsMissingAndUnexpectedKeys() throws {
        var tensors = try Checkpoint.load(CreateModelFixtures.file("create_model.resnet18.pth").path).tensors
        tensors.removeAll { $0.name == "layer1.0.bn1.running_mean" }
        tensors.append((name: "extra.weight", tensor: Tensor([1, 2, 3])))
        let path = try temporaryCheckpoint(tensors)
        defer { try? FileManager.default.removeItem(atPath: path) }

        for numClasses in [1000, 10] {  // strict, then non-strict with the head dropped
            let error = #expect(throws: CreateModelError.self) {
                try createModel("resnet18", numClasses: numClasses, checkpointPath: path, registry: registry)
            }
            let message = error.map(String.init(describing:)) ?? ""
            #expect(message.contains("missing keys: layer1.0.bn1.running_mean"), "\(message)")
            #expect(message.contains("unexpected keys: extra.weight"), "\(message)")
            #expect(message.contains(path))
        }
    }

    @Test func strictLoadReportsShapeMismatch() throws {
        var tensors = try Checkpoint.load(CreateModelFixtures.file("create_model.resnet18.pth").path).tensors
        let index = try #require(tensors.firstIndex { $0.name == "layer1.0.conv1.weight" })
        tensors[index].tensor = Tensor(zeros: [64, 64, 1, 1])
        let path = try temporaryCheckpoint(tensors)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let error = #expect(throws: CreateModelError.self) {
            try createModel("resnet18", checkpointPath: path, registry: registry)
        }
        #expect(error.map(String.init(describing:))?.contains("layer1.0.conv1.weight") == true)
    }

    // tv = torchvision.models.resnet18().state_dict()
    // timm.create_model("resnet18").load_state_dict(tv)   # strict: the keys are the same
    @Test func torchvisionResNetLoadsWithoutFilter() throws {
        let path = try CreateModelFixtures.file("create_model.resnet18.torchvision.pth").path
        #expect(registry.architecture("resnet18")?.checkpointFilter == nil)
        let model = try createModel("resnet18", checkpointPath: path, registry: registry)
        let state = model.stateDict()
        for (key, want) in try Checkpoint.load(path).tensors {
            let got = try #require(state[key], "\(key)")
            #expect(relativeError(got, want) == 0, "\(key)")
        }
    }

    /// A family whose checkpoints nest everything under `backbone.`: its filter strips the prefix.
    @Test func familyCheckpointFilterRunsBeforeLoading() throws {
        let registry = ModelRegistry()  // an architecture made up here stays out of the shared registry
        registry.register(architecture: "prefixed_resnet18", family: "prefixed_resnet") { args in
            try makeResNet("resnet18", numClasses: args.numClasses, inChans: args.inChans)
        } checkpointFilter: { tensors in
            tensors.map {
                (name: $0.name.hasPrefix("backbone.") ? String($0.name.dropFirst(9)) : $0.name, tensor: $0.tensor)
            }
        }
        let original = try Checkpoint.load(CreateModelFixtures.file("create_model.resnet18.pth").path).tensors
        let path = try temporaryCheckpoint(original.map { (name: "backbone." + $0.name, tensor: $0.tensor) })
        defer { try? FileManager.default.removeItem(atPath: path) }

        // No registered cfg: the head is the model's own `fc`, so 10 classes drop the 1000-class one.
        let model = try createModel("prefixed_resnet18", numClasses: 10, checkpointPath: path, registry: registry)
        let state = model.stateDict()
        #expect(state["fc.weight"]?.shape == [10, 512])
        for (key, want) in original where !key.hasPrefix("fc.") {
            #expect(relativeError(try #require(state[key]), want) == 0, "\(key)")
        }
    }

    // timm.models.adapt_input_conv(in_chans, w) for a space-to-depth stem: 12 = 4 groups of RGB.
    @Test func adaptInputConvSumsWithinSpaceToDepthGroups() throws {
        let weight = Tensor((0..<24).map(Float.init), shape: [2, 12, 1, 1])
        let adapted = try #require(adaptInputConv(weight, inChans: 1))
        #expect(adapted.shape == [2, 4, 1, 1])
        #expect(adapted.toArray() == [3, 12, 21, 30, 39, 48, 57, 66])
        #expect(adaptInputConv(weight, inChans: 2) == nil)  // timm: NotImplementedError
    }

    private func temporaryCheckpoint(_ tensors: [(name: String, tensor: Tensor)]) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            "zoo-create-\(UUID().uuidString).safetensors"
        ).path
        try Checkpoint(tensors: tensors).save(path)
        return path
    }
}

/// Where the PyTorch-made fixtures live: `$ZOO_PARITY_DIR`, else `<repo>/.cache/parity`.
enum CreateModelFixtures {
    static let directory: URL = {
        if let path = ProcessInfo.processInfo.environment["ZOO_PARITY_DIR"], !path.isEmpty {
            return URL(fileURLWithPath: path)
        }
        // This file is <repo>/Tests/ZooTests/CreateModelTests.swift.
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(".cache/parity")
    }()

    /// The fixture, or an error telling how to make it (a missing fixture fails, never skips).
    static func file(_ name: String) throws -> URL {
        let url = directory.appendingPathComponent(name)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw MissingFixture(
                description: "\(url.path) is missing: run `/usr/bin/python3 "
                    + "tools/parity/make_create_model_fixtures.py` from the repository root before `swift test`")
        }
        return url
    }

    struct MissingFixture: Error, CustomStringConvertible { let description: String }
}

/// max |actual − expected| / max |expected|, in float32 (int64 buffers convert exactly here).
/// One plain loop over buffers: closures over millions of values take seconds in debug builds.
func relativeError(_ actual: Tensor, _ expected: Tensor) -> Float {
    let a = actual.to(.float32).toArray(), e = expected.to(.float32).toArray()
    precondition(a.count == e.count, "comparing \(actual.shape) with \(expected.shape)")
    var scale: Float = 0, worst: Float = 0
    a.withUnsafeBufferPointer { a in
        e.withUnsafeBufferPointer { e in
            for i in 0..<a.count {
                scale = max(scale, abs(e[i]))
                let difference = abs(a[i] - e[i])
                worst = difference.isNaN ? .infinity : max(worst, difference)
            }
        }
    }
    return scale > 0 ? worst / scale : worst
}
