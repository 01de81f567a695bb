import Foundation
import Testing
import ZooCheckpoint

/// The `zoo` command end to end: arguments in, exit status and output out, checked against what
/// timm and PyTorch answered (the fixtures of the library's own tests).
struct ZooCommandTests {
    /// ArgumentParser's exit status for a usage error (sysexits' EX_USAGE).
    static let usageError: Int32 = 64

    @Test func helpListsTheSubcommands() throws {
        let result = try ZooProcess.run("--help")
        #expect(result.status == 0)
        for subcommand in ["list", "info", "lr", "pull", "publish", "cache", "predict", "convert", "inspect"] {
            #expect(
                result.stdout.contains("\n  \(subcommand) "), "--help does not list \(subcommand):\n\(result.stdout)")
        }
    }

    // timm.list_models("*resnet*") and timm.list_models("resnet50*", pretrained=True)
    @Test(arguments: [(["*resnet*"], false), (["resnet50*"], true)])
    func listMatchesTimm(patterns: [String], pretrained: Bool) throws {
        let expected = try #require(try RegistryFixture.listCase(patterns: patterns, pretrained: pretrained))
        let result = try ZooProcess.run(["list"] + (pretrained ? ["--pretrained"] : []) + patterns)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdoutLines == expected)
    }

    /// The transformer issue's patterns through the command, every family included (torchvision's
    /// too): timm's `list_models(P)` of the modules zoo claims. torchvision's `swin_v2_t/s/b` are
    /// aliases of timm's `swinv2_*_window8_256`, so `swin_*` is timm's nine Swin V1 names; the
    /// aliases still resolve (`zoo info`).
    @Test(arguments: ["vit_*", "deit*", "convnext*", "swin_*"])
    func transformerPatternsListTimmsNamesOnly(_ pattern: String) throws {
        let listed = try RegistryFixture.root()["patterns"]?[pattern]?.arrayValue?.compactMap { $0.stringValue }
        let expected = try #require(listed)
        #expect(!expected.isEmpty)
        let result = try ZooProcess.run("list", pattern)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdoutLines == expected)
        if pattern == "swin_*" {
            let info = try ZooProcess.run("info", "swin_v2_t", "--json")
            #expect(info.status == 0, "\(info.stderr)")
            let json = try JSONValue(parsing: Array(info.stdout.utf8))
            #expect(json["alias_of"] == .string("swinv2_tiny_window8_256"))
            #expect(json["family"] == .string("torchvision"))
        }
    }

    /// `zoo list --module M` is timm's `list_models(module=M)` for every module zoo claims, in timm's
    /// order (timm's `test_*` smoke models, which the fixture leaves out, compared without; of
    /// `vision_transformer`, its `vit_*`).
    @Test func moduleListsAreTimmsModules() throws {
        let fixture = try RegistryFixture.root()
        let claimed = try #require(fixture["claimed"]?.arrayValue?.compactMap { $0.stringValue })
        #expect(claimed.count >= 12)
        for module in claimed {
            let timmNames = try #require(fixture["modules"]?[module]?.arrayValue?.compactMap { $0.stringValue })
            let expected = timmNames.filter { !$0.hasPrefix("test_") }
            #expect(!expected.isEmpty, "\(module)")
            let result = try ZooProcess.run("list", "--module", module)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdoutLines.filter { !$0.hasPrefix("test_") } == expected, "module \(module)")
        }
        let unknown = try ZooProcess.run("list", "--module", "resnett")
        #expect(unknown.status != 0)
        #expect(unknown.stderr.contains("unknown module \"resnett\""), "\(unknown.stderr)")
    }

    // timm.get_pretrained_cfg("resnet50.a1_in1k").crop_pct; sum(p.numel() for p in timm.create_model("resnet50").parameters())
    @Test func infoJSONHasTimmsCfgAndParameterCount() throws {
        let result = try ZooProcess.run("info", "resnet50.a1_in1k", "--json")
        #expect(result.status == 0, "\(result.stderr)")
        let info = try JSONValue(parsing: Array(result.stdout.utf8))
        let timmCfg = try #require(try RegistryFixture.timmDict("resnet50.a1_in1k"))
        #expect(info["pretrained_cfg"]?["crop_pct"]?.numberValue == timmCfg["crop_pct"]?.numberValue)
        #expect(info["pretrained_cfg"]?["crop_pct"]?.numberValue == 0.95)
        let timmCount = try #require(try RegistryFixture.root()["parameter_counts"]?["resnet50"]?.intValue)
        #expect(info["num_params"]?.intValue == timmCount)
    }

    @Test func unknownModelFailsNamingIt() throws {
        let result = try ZooProcess.run("info", "resnet_nope")
        #expect(result.status != 0)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("resnet_nope"), "\(result.stderr)")
    }

    // sched = torch.optim.lr_scheduler.StepLR(torch.optim.SGD(params, lr=0.1), step_size=30)
    // lrs = [opt.param_groups[0]["lr"] for each of 100 epochs, sched.step() after each]
    @Test func lrStepLRMatchesPyTorch() throws {
        let result = try ZooProcess.run("lr", "StepLR", "--lr", "0.1", "--epochs", "100", "--step-size", "30", "--csv")
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdoutLines
        #expect(lines.first == "epoch,lr")
        #expect(lines.count == 101)
        let expected = try #require(try SchedulerFixture.stepLR())
        for (epoch, line) in lines.dropFirst().enumerated() {
            let fields = line.split(separator: ",")
            #expect(
                fields.count == 2 && Int(fields[0]) == epoch && Double(fields[1]) == expected[epoch],
                "row \(epoch): \(line)")
        }
        #expect(lines.count > 31 && lines[31] == "30,0.010000000000000002")  // 0.1 * 0.1 in float64, as PyTorch
    }

    @Test(arguments: [
        ["lr", "NoSuchLR", "--lr", "0.1", "--epochs", "10"],  // unknown scheduler
        ["lr", "StepLR", "--lr", "0.1", "--epochs", "-5", "--step-size", "3"],  // negative epochs
        ["lr", "StepLR", "--lr", "0.1", "--step-size", "3"],  // --epochs missing
        ["predict", "resnet18", "--input", "x.npy"],  // --output missing
    ])
    func badArgumentsAreUsageErrors(arguments: [String]) throws {
        let result = try ZooProcess.run(arguments)
        #expect(result.status == Self.usageError, "\(result.stderr)")
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("Error:"))
    }

    @Test func convertPyTorchToZooThenInspect() throws {
        let scratch = try TemporaryDirectory()
        let input = Fixtures.url("Tests/ZooCheckpointTests/Fixtures/nested_state_dict.pth").path
        let output = scratch.path("model.zoo")
        let convert = try ZooProcess.run("convert", input, output)
        #expect(convert.status == 0, "\(convert.stderr)")
        #expect(convert.stdout.contains("wrote \(output): 9 tensors"))

        let inspect = try ZooProcess.run("inspect", output)
        #expect(inspect.status == 0, "\(inspect.stderr)")
        #expect(inspect.stdoutLines.first == "\(output): zoo")
        // The key order of the checkpoint's state dict, as torch.load gives it.
        let expectedKeys = try #require(try CheckpointFixture.keys("nested_model"))
        let listed = inspect.stdoutLines.compactMap { $0.split(separator: " ").first.map(String.init) }
        #expect(listed.filter(expectedKeys.contains) == expectedKeys)
        #expect(inspect.stdout.contains("total: 9 tensors"))
    }

    @Test func convertToUnknownExtensionWritesNothing() throws {
        let scratch = try TemporaryDirectory()
        let input = Fixtures.url("Tests/ZooCheckpointTests/Fixtures/nested_state_dict.pth").path
        let output = scratch.path("model.weights")
        let result = try ZooProcess.run("convert", input, output)
        #expect(result.status == Self.usageError)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("model.weights"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.url.path).isEmpty)
    }

    @Test func convertWithArchEmbedsTheResolvedCfg() throws {
        let scratch = try TemporaryDirectory()
        let input = Fixtures.url("Tests/ZooCheckpointTests/Fixtures/nested_state_dict.pth").path
        let output = scratch.path("model.zoo")
        let convert = try ZooProcess.run("convert", input, output, "--arch", "resnet50.a1_in1k")
        #expect(convert.status == 0, "\(convert.stderr)")

        let inspect = try ZooProcess.run("inspect", output)
        #expect(inspect.status == 0, "\(inspect.stderr)")
        #expect(inspect.stdoutLines.contains("architecture: resnet50 (tag a1_in1k)"), "\(inspect.stdout)")
        let cfgLine = try #require(inspect.stdoutLines.first { $0.hasPrefix("default_cfg: ") })
        let cfg = try JSONValue(parsing: Array(cfgLine.dropFirst("default_cfg: ".count).utf8))
        // The whole cfg, as timm's get_pretrained_cfg("resnet50.a1_in1k").to_dict() gives it.
        #expect(cfg == (try RegistryFixture.timmDict("resnet50.a1_in1k")))
    }

    @Test func convertWithUnknownArchWritesNothing() throws {
        let scratch = try TemporaryDirectory()
        let input = Fixtures.url("Tests/ZooCheckpointTests/Fixtures/nested_state_dict.pth").path
        let result = try ZooProcess.run("convert", input, scratch.path("model.zoo"), "--arch", "resnet_nope")
        #expect(result.status != 0)
        #expect(result.stderr.contains("resnet_nope"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.url.path).isEmpty)
    }

    // model = timm.create_model("resnet18"); model.load_state_dict(fixture); model.eval()
    // logits = model(input)
    @Test func predictMatchesTimmLogits() throws {
        let scratch = try TemporaryDirectory()
        let io = try Checkpoint.load(Fixtures.parity("resnet18.io.safetensors").path)
        let input = try #require(io["input"]), logits = try #require(io["logits"])
        let x = scratch.path("x.npy"), y = scratch.path("y.npy")
        try NPY.write(input, to: x)

        let result = try ZooProcess.run(
            "predict", "resnet18", "--checkpoint", Fixtures.parity("resnet18.safetensors").path,
            "--input", x, "--output", y)
        #expect(result.status == 0, "\(result.stderr)")
        let predicted = try NPY.read(y)
        #expect(predicted.shape == logits.shape)
        guard predicted.shape == logits.shape else { return }
        let actual = predicted.toArray(), expected = logits.toArray()
        let scale = expected.reduce(0) { max($0, abs($1)) }
        let worst = zip(actual, expected).reduce(0) { max($0, abs($1.0 - $1.1)) }
        #expect(worst <= 1e-4 * scale, "max |Δ| \(worst), largest logit \(scale)")
    }
}

/// What timm answered for the registry (Tests/ZooRegistryTests/Fixtures/registry.json).
enum RegistryFixture {
    static func root() throws -> JSONValue {
        try Fixtures.json(Fixtures.url("Tests/ZooRegistryTests/Fixtures/registry.json"))
    }

    /// `expected` of the list case with these patterns, no exclusions and the default include_tags.
    static func listCase(patterns: [String], pretrained: Bool) throws -> [String]? {
        let match = try root()["list_cases"]?.arrayValue?.first {
            $0["patterns"]?.arrayValue?.compactMap(\.stringValue) == patterns
                && $0["exclude"]?.arrayValue?.isEmpty == true
                && $0["pretrained"]?.boolValue == pretrained && $0["include_tags"] == .null
        }
        return match?["expected"]?.arrayValue?.compactMap(\.stringValue)
    }

    /// timm's `get_pretrained_cfg(name).to_dict()`.
    static func timmDict(_ name: String) throws -> JSONValue? {
        try root()["cfgs"]?.arrayValue?.first { $0["name"]?.stringValue == name }?["timm_dict"]
    }
}

/// What PyTorch's schedulers produced (Tests/ZooTrainTests/Fixtures/schedulers.json).
enum SchedulerFixture {
    /// StepLR(lr=0.1, step_size=30): the learning rate of each epoch.
    static func stepLR() throws -> [Double]? {
        let root = try Fixtures.json(Fixtures.url("Tests/ZooTrainTests/Fixtures/schedulers.json"))
        let match = root["cases"]?.arrayValue?.first {
            $0["scheduler"]?.stringValue == "StepLR" && $0["lr"]?.numberValue == 0.1
                && $0["options"] == .object([("step_size", .integer(30))])
        }
        return match?["lrs"]?.arrayValue?.compactMap(\.numberValue)
    }
}

/// What torch.load read from the checkpoint fixtures (Tests/ZooCheckpointTests/Fixtures/expected.json).
enum CheckpointFixture {
    /// The fixture's tensor names in torch.load's order (JSONValue keeps the file's key order).
    static func keys(_ fixture: String) throws -> [String]? {
        try Fixtures.json(Fixtures.url("Tests/ZooCheckpointTests/Fixtures/expected.json"))[fixture]?.objectValue?.map(
            \.0)
    }
}

extension JSONValue {
    /// Any JSON number as a Double.
    var numberValue: Double? {
        switch self {
        case let .integer(i): Double(i)
        case let .number(d): d
        default: nil
        }
    }
}
