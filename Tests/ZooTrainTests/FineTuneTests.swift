// The fine-tuning pieces against PyTorch/timm (EMA, gradient clipping) and against themselves
// (a stopped and resumed run equals a whole one; frozen layers stay put; the LR range test
// leaves the model as it found it).

import Foundation
import Testing
import ZooCheckpoint
import ZooNN
import ZooTensor

@testable import ZooTrain

/// A convolution with batch norm and a classifier named `fc`, small enough for many epochs.
final class TinyClassifier: Module {
    let conv = Conv2d(3, 4, kernelSize: (3, 3), padding: (1, 1))
    let bn = BatchNorm2d(4)
    let pool = GlobalAvgPool2d()
    let fc = Linear(4, 3)

    override func forward(_ input: Tensor) -> Tensor { fc(pool(bn(conv(input)).relu())) }

    /// The same initial weights for every instance.
    static func make() -> TinyClassifier {
        let model = TinyClassifier()
        var generator = RandomGenerator(seed: 3)
        for (_, parameter) in model.namedParameters() {
            parameter.assign(Tensor.normal(parameter.shape, std: 0.5, using: &generator))
        }
        return model
    }
}

struct FineTuneFixture: Decodable {
    struct State: Decodable {
        let shape: [Int]
        let data: [Double]
    }

    struct Step: Decodable {
        let step: Int
        let decay: Double
        let model: [String: State]
        let ema: [String: State]
    }

    struct EMACase: Decodable {
        let name: String
        let options: [String: Double]
        let start: [String: State]
        let trajectory: [Step]
    }

    struct ClipCase: Decodable {
        let maxNorm: Double
        let grads: [State]
        let totalNorm: Double
        let clipped: [State]

        enum CodingKeys: String, CodingKey {
            case grads, clipped
            case maxNorm = "max_norm"
            case totalNorm = "total_norm"
        }
    }

    let ema: [EMACase]
    let clip: [ClipCase]

    static func load() throws -> FineTuneFixture { try loadFixture("finetune", as: FineTuneFixture.self) }
}

@Suite struct FineTuneTests {
    static func tensor(_ state: FineTuneFixture.State, like dtype: DType = .float32) -> Tensor {
        Tensor(state.data, shape: state.shape, dtype: dtype)
    }

    /// The fixture's model: Sequential(Linear(3, 4), BatchNorm2d(4))  // BatchNorm1d's state keys and shapes as a state dict in PyTorch's key order.
    static func stateDict(_ states: [String: FineTuneFixture.State]) -> StateDict {
        let keys = [
            "0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean", "1.running_var", "1.num_batches_tracked",
        ]
        return StateDict(keys.map { ($0, tensor(states[$0]!, like: $0.hasSuffix("tracked") ? .int64 : .float32)) })
    }

    @Test(arguments: try FineTuneFixture.load().ema.map(\.name))
    func emaFollowsTimmsModelEmaV3(name: String) throws {
        let fixture = try #require(try FineTuneFixture.load().ema.first { $0.name == name })
        #expect(!fixture.trajectory.isEmpty)
        let model = Sequential(Linear(3, 4), BatchNorm2d(4))  // BatchNorm1d's state keys and shapes
        try model.loadStateDict(Self.stateDict(fixture.start))
        let options = fixture.options
        let ema = ModelEMA(
            model, decay: options["decay"]!, updateAfterStep: Int(options["update_after_step"] ?? 0),
            useWarmup: options["use_warmup"] == 1, warmupGamma: options["warmup_gamma"] ?? 1,
            warmupPower: options["warmup_power"] ?? 2.0 / 3.0)
        for step in fixture.trajectory {
            #expect(abs(ema.decay(atStep: step.step) - step.decay) < 1e-12, "decay at step \(step.step)")
            ema.update(from: Self.stateDict(step.model), step: step.step)
            for (key, expected) in step.ema {
                let actual = try #require(ema.state[key])
                #expect(actual.shape == expected.shape)
                let error = zip(actual.toDoubles(), expected.data).map { abs($0 - $1) }.max() ?? 0
                #expect(error <= 1e-6 * max(1, expected.data.map(abs).max() ?? 1), "\(name) step \(step.step) \(key)")
            }
        }
    }

    @Test func clipGradNormMatchesPyTorch() throws {
        let cases = try FineTuneFixture.load().clip
        #expect(cases.count == 2)
        for fixture in cases {
            let parameters = fixture.grads.map { grad -> Tensor in
                let parameter = Tensor(zeros: grad.shape)
                parameter.grad = Self.tensor(grad)
                return parameter
            }
            let total = clipGradNorm(parameters, maxNorm: fixture.maxNorm)
            #expect(abs(total - fixture.totalNorm) <= 1e-5 * fixture.totalNorm)
            for (parameter, expected) in zip(parameters, fixture.clipped) {
                expectClose(
                    parameter.grad, FixtureTensor(shape: expected.shape, dtype: nil, data: expected.data),
                    tolerance: 1e-6,
                    "clipped to \(fixture.maxNorm)")
            }
        }
    }

    /// Three fixed batches per epoch, a different order each epoch, from the epoch number alone.
    static func batches(epoch: Int) -> [Trainer.Batch] {
        (0..<3).map { index in
            var generator = RandomGenerator(seed: UInt64(100 + (index + epoch) % 3))
            let input = Tensor.normal([6, 3, 5, 5], using: &generator)
            return (input, Tensor(indices: (0..<6).map { ($0 + index) % 3 }))
        }
    }

    static func validation() -> [Trainer.Batch] {
        var generator = RandomGenerator(seed: 200)
        return [(Tensor.normal([9, 3, 5, 5], using: &generator), Tensor(indices: (0..<9).map { $0 % 3 }))]
    }

    static func run(epochs: Int, out: String, resumeFrom: String? = nil) throws -> FineTune {
        let model = TinyClassifier.make()
        let optimizer = SGD(parameters: model.parameters(), lr: 0.05, momentum: 0.9, weightDecay: 1e-4)
        let scheduler = LinearWarmup(CosineAnnealingLR(baseLRs: [0.05], tMax: 4), warmupSteps: 1)
        var options = FineTuneOptions(epochs: epochs)
        options.accumulationSteps = 2
        options.clipGradNorm = 1
        options.emaDecay = 0.5
        options.freezeEpochs = 1
        options.outputDirectory = out
        let run = FineTune(
            model: model, loss: ClosureLoss.crossEntropy(), optimizer: optimizer, scheduler: scheduler,
            options: options, classNames: ["a", "b", "c"], architecture: "tiny")
        if let resumeFrom { try run.resume(from: resumeFrom) }
        try run.fit(train: { batches(epoch: $0) }, validation: { validation() })
        return run
    }

    @Test func aResumedRunEndsAsAWholeRun() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("zoo-finetune-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let whole = root.appendingPathComponent("whole").path, parts = root.appendingPathComponent("parts").path
        let complete = try Self.run(epochs: 4, out: whole)
        _ = try Self.run(epochs: 2, out: parts)
        let stoppedCSV = try String(contentsOfFile: parts + "/metrics.csv", encoding: .utf8)
        #expect(stoppedCSV.split(separator: "\n").count == 3)
        let resumed = try Self.run(epochs: 4, out: parts, resumeFrom: parts + "/last.zoo")
        let expected = try String(contentsOfFile: whole + "/metrics.csv", encoding: .utf8)
        #expect(expected.split(separator: "\n").count == 5 && expected.hasPrefix(FineTuneEpoch.csvHeader))
        #expect(try String(contentsOfFile: parts + "/metrics.csv", encoding: .utf8) == expected)
        #expect(resumed.history == complete.history && resumed.globalStep == complete.globalStep)
        for (key, tensor) in complete.model.stateDict() {
            #expect(resumed.model.stateDict()[key]?.toArray() == tensor.toArray(), "\(key)")
        }
        // What the run leaves: the curves, and checkpoints with the weights, class names and state.
        for name in ["curves.png", "curves.svg", "last.zoo", "best.zoo"] {
            #expect(FileManager.default.fileExists(atPath: whole + "/" + name), "\(name)")
        }
        let last = try Checkpoint.load(whole + "/last.zoo")
        #expect(last.architecture == "tiny" && last["fc.weight"]?.shape == [3, 4])
        #expect(last.training?["class_names"] == .array(["a", "b", "c"].map(JSONValue.string)))
        #expect(last.training?["epoch"]?.intValue == 4)
    }

    @Test func freezeEpochsTrainTheHeadThenEverything() throws {
        let model = TinyClassifier.make()
        let conv = model.conv.weight.copy(), fc = model.fc.weight.copy()
        let runningMean = model.bn.runningMean!.copy()
        var options = FineTuneOptions(epochs: 1)
        options.freezeEpochs = 1
        let optimizer = SGD(parameters: model.parameters(), lr: 0.1, momentum: 0.9)
        let run = FineTune(model: model, loss: ClosureLoss.crossEntropy(), optimizer: optimizer, options: options)
        try run.fit(train: { Self.batches(epoch: $0) }, validation: Optional<() -> [Trainer.Batch]>.none)
        // Frozen: no change to the backbone, its batch norm kept in eval mode (statistics untouched).
        #expect(model.conv.weight.toArray() == conv.toArray())
        #expect(model.bn.runningMean!.toArray() == runningMean.toArray())
        #expect(model.fc.weight.toArray() != fc.toArray())
        var more = FineTuneOptions(epochs: 2)
        more.freezeEpochs = 1
        let next = FineTune(model: model, loss: ClosureLoss.crossEntropy(), optimizer: optimizer, options: more)
        try next.fit(train: { Self.batches(epoch: $0 + 1) }, validation: Optional<() -> [Trainer.Batch]>.none)
        #expect(model.conv.weight.toArray() != conv.toArray())
        #expect(model.bn.runningMean!.toArray() != runningMean.toArray())
    }

    @Test func freezeAndUnfreezePatternsHoldTheWholeRun() throws {
        let model = TinyClassifier.make()
        let conv = model.conv.weight.copy(), bn = model.bn.weight!.copy(), fc = model.fc.weight.copy()
        var options = FineTuneOptions(epochs: 2)
        options.freezeEpochs = 1
        options.freezePatterns = ["conv"]
        options.unfreezePatterns = ["bn"]
        let optimizer = SGD(parameters: model.parameters(), lr: 0.1, momentum: 0.9)
        let run = FineTune(model: model, loss: ClosureLoss.crossEntropy(), optimizer: optimizer, options: options)
        try run.fit(train: { Self.batches(epoch: $0) }, validation: Optional<() -> [Trainer.Batch]>.none)
        // conv stays frozen after the head-only epoch ends; bn trained even during it.
        #expect(model.conv.weight.toArray() == conv.toArray())
        #expect(model.bn.weight!.toArray() != bn.toArray())
        #expect(model.fc.weight.toArray() != fc.toArray())

        var wrong = FineTuneOptions(epochs: 1)
        wrong.freezePatterns = ["nosuch"]
        let failing = FineTune(
            model: TinyClassifier.make(), loss: ClosureLoss.crossEntropy(),
            optimizer: SGD(parameters: model.parameters(), lr: 0.1), options: wrong)
        #expect(throws: (any Error).self) {
            try failing.fit(train: { Self.batches(epoch: $0) }, validation: Optional<() -> [Trainer.Batch]>.none)
        }
    }

    @Test func scaledGroupsFollowOneSchedule() {
        let cosine = CosineAnnealingLR(baseLRs: [0.1], tMax: 4)
        let reference = CosineAnnealingLR(baseLRs: [0.1], tMax: 4)
        let scaled = ScaledGroups(cosine, scales: [1, 0.25])
        for _ in 0..<4 {
            #expect(scaled.lrs == [reference.lrs[0], reference.lrs[0] * 0.25])
            scaled.step()
            reference.step()
        }
        #expect(scaled.lastEpoch == 4)
    }

    @Test func lrRangeTestLeavesTheModelAndSuggestsARate() throws {
        let model = TinyClassifier.make()
        let before = model.stateDict().map { ($0.0, $0.1.toArray()) }
        let optimizer = SGD(parameters: model.parameters(), lr: 0.01, momentum: 0.9)
        let test = LRRangeTest(start: 1e-5, end: 10, steps: 60)
        let result = test.run(
            model: model, loss: ClosureLoss.crossEntropy(), optimizer: optimizer,
            batches: Self.batches(epoch: 0))
        #expect(result.learningRates.count >= 10 && result.learningRates.count == result.smoothedLosses.count)
        #expect(zip(result.learningRates, result.learningRates.dropFirst()).allSatisfy { $0 < $1 })
        #expect(abs(result.learningRates[1] / result.learningRates[0] - pow(1e6, 1.0 / 59)) < 1e-9)
        let suggestion = try #require(result.suggestion)
        #expect(suggestion > 1e-5 && suggestion < 10)
        for (key, values) in before { #expect(model.stateDict()[key]?.toArray() == values, "\(key)") }
        #expect(optimizer.learningRates == [0.01] && optimizer.state(of: model.fc.weight) == nil)
        #expect(try result.figure.layout().first?.xScale == .log)
    }
}
