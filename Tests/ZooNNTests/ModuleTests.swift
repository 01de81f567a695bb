import Foundation
import Testing
import ZooNN
import ZooTensor

/// PyTorch's nn.BatchNorm2d over three batches (train, train, eval): Fixtures/batchnorm.json,
/// written by tools/fixtures/make_nn_fixtures.py.
struct BatchNormFixture: Decodable {
    struct Step: Decodable {
        let mode: String
        let input: [Double]
        let output: [Double]
        let running_mean: [Double]
        let running_var: [Double]
        let num_batches_tracked: Int
    }
    let channels: Int
    let shape: [Int]
    let steps: [Step]

    static func load() throws -> BatchNormFixture {
        let url = try #require(
            Bundle.module.url(forResource: "batchnorm", withExtension: "json", subdirectory: "Fixtures"),
            "Fixtures/batchnorm.json is missing: run tools/fixtures/make_nn_fixtures.py")
        return try JSONDecoder().decode(BatchNormFixture.self, from: Data(contentsOf: url))
    }
}

/// Within 1e-5 of the larger magnitude (and 1e-6 absolute near zero).
private func expectClose(
    _ actual: [Float], _ expected: [Double], _ comment: Comment,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(actual.count == expected.count, comment, sourceLocation: sourceLocation)
    for (index, (got, want)) in zip(actual, expected).enumerated()
    where !(abs(Double(got) - want) <= 1e-6 + 1e-5 * abs(want)) {
        Issue.record("\(comment): [\(index)] got \(got), PyTorch \(want)", sourceLocation: sourceLocation)
        return
    }
}

/// A small model shaped like a ResNet's stem and head, to check keys and order by hand.
/// PyTorch: `conv1`, `bn1`, `downsample = nn.Sequential(conv, bn)`, `fc`.
private final class TinyNet: Module {
    let conv1 = Conv2d(3, 4, kernelSize: 3, padding: 1, bias: false)
    let bn1 = BatchNorm2d(4)
    let act1 = ReLU()
    let downsample: Sequential? = Sequential(Conv2d(4, 8, kernelSize: 1, stride: 2, bias: false), BatchNorm2d(8))
    let globalPool = GlobalAvgPool2d()
    var fc = Linear(8, 3)

    override func forward(_ input: Tensor) -> Tensor {
        fc(globalPool(downsample!(act1(bn1(conv1(input))))))
    }
}

private let tinyNetKeys = [
    "conv1.weight",
    "bn1.weight", "bn1.bias", "bn1.running_mean", "bn1.running_var", "bn1.num_batches_tracked",
    "downsample.0.weight",
    "downsample.1.weight", "downsample.1.bias", "downsample.1.running_mean", "downsample.1.running_var",
    "downsample.1.num_batches_tracked",
    "fc.weight", "fc.bias",
]

struct StateDictTests {
    @Test func keysFollowPyTorchOrder() {
        let net = TinyNet()
        #expect(net.stateDict().keys == tinyNetKeys)
        #expect(
            net.namedParameters().map(\.0)
                == tinyNetKeys.filter { !$0.contains("running") && !$0.contains("num_batches") })
        #expect(net.namedBuffers().map(\.0).allSatisfy { $0.contains("running") || $0.contains("num_batches") })
        #expect(
            net.namedModules().map(\.0) == [
                "", "conv1", "bn1", "act1", "downsample", "downsample.0", "downsample.1", "global_pool", "fc",
            ])
        #expect(net.stateDict()["bn1.num_batches_tracked"]?.dtype == .int64)
    }

    @Test func loadingCopiesValuesIntoTheSameTensors() throws {
        let source = TinyNet(), target = TinyNet()
        source.bn1.runningMean!.assign(Tensor([1, 2, 3, 4]))
        let weight = target.fc.weight
        try target.loadStateDict(source.stateDict())
        #expect(target.fc.weight === weight, "parameters must keep their identity")
        #expect(target.fc.weight.toArray() == source.fc.weight.toArray())
        #expect(target.bn1.runningMean!.toArray() == [1, 2, 3, 4])
    }

    @Test func strictLoadReportsEverythingAndLoadsNothing() {
        let source = TinyNet(), target = TinyNet()
        let before = target.conv1.weight.toArray()
        var state = source.stateDict()
        state["fc.bias"] = nil
        state["head.weight"] = Tensor.zeros([1])
        state["fc.weight"] = Tensor.zeros([5, 8])
        do {
            try target.loadStateDict(state)
            Issue.record("a strict load of a mismatched state dict should throw")
        } catch {
            #expect(error.report.missingKeys == ["fc.bias"])
            #expect(error.report.unexpectedKeys == ["head.weight"])
            #expect(error.report.mismatchedShapes == [.init(key: "fc.weight", expected: [3, 8], found: [5, 8])])
            #expect(error.description.contains("fc.bias"))
        }
        #expect(target.conv1.weight.toArray() == before, "a failed strict load must not load anything")
    }

    @Test func nonStrictLoadTakesWhatFits() throws {
        let source = TinyNet(), target = TinyNet()
        var state = source.stateDict()
        state["fc.weight"] = Tensor.zeros([5, 8])
        let report = try target.loadStateDict(state, strict: false)
        #expect(report.mismatchedShapes.map(\.key) == ["fc.weight"])
        #expect(report.missingKeys.isEmpty && report.unexpectedKeys.isEmpty)
        #expect(target.conv1.weight.toArray() == source.conv1.weight.toArray())
        #expect(target.fc.weight.toArray() != source.fc.weight.toArray())
    }

    @Test func loadConvertsDtypes() throws {
        let bn = BatchNorm2d(2)
        try bn.loadStateDict([
            "weight": Tensor([1, 2], shape: [2], dtype: .float16),
            "bias": Tensor([0, 0]),
            "running_mean": Tensor([0, 0]),
            "running_var": Tensor([1, 1]),
            "num_batches_tracked": Tensor([7], shape: [], dtype: .int64),
        ])
        #expect(bn.weight!.toArray() == [1, 2])
        #expect(bn.numBatchesTracked!.toInts() == [7])
        #expect(bn.numBatchesTracked!.dtype == .int64)
    }

    @Test func stateDictEditsKeepOrder() {
        var state: StateDict = ["a": Tensor.zeros([1]), "b": Tensor.zeros([2])]
        state["c"] = Tensor.zeros([3])
        state["a"] = nil
        state["b"] = Tensor.ones([2])
        #expect(state.keys == ["b", "c"])
        #expect(state["b"]?.toArray() == [1, 1])
        #expect(state.count == 2)
    }
}

struct ModeTests {
    /// PyTorch: in train mode BN normalizes with batch statistics and updates
    /// running_mean = 0.9·0 + 0.1·mean, running_var = 0.9·1 + 0.1·unbiased var; eval uses them.
    /// Train mode normalizes by the batch and updates the running statistics; eval mode uses them
    /// and counts nothing: PyTorch's answers from tools/fixtures/make_nn_fixtures.py.
    @Test func batchNormFollowsTheMode() throws {
        let fixture = try BatchNormFixture.load()
        let bn = BatchNorm2d(fixture.channels)
        for (index, step) in fixture.steps.enumerated() {
            if step.mode == "train" { bn.train() } else { bn.eval() }
            #expect(bn.isTraining == (step.mode == "train"))
            let output = bn(Tensor(step.input.map(Float.init), shape: fixture.shape)).toArray()
            expectClose(output, step.output, "step \(index) (\(step.mode)) output")
            expectClose(try #require(bn.runningMean).toArray(), step.running_mean, "step \(index) running_mean")
            expectClose(try #require(bn.runningVar).toArray(), step.running_var, "step \(index) running_var")
            #expect(try #require(bn.numBatchesTracked).toInts() == [step.num_batches_tracked], "step \(index)")
        }
        #expect(fixture.steps.map(\.mode) == ["train", "train", "eval"])
    }

    /// PyTorch `momentum=None`: a cumulative average, factor 1/num_batches_tracked.
    @Test func batchNormWithoutMomentumAveragesAllBatches() {
        let bn = BatchNorm2d(1, momentum: nil)
        _ = bn(Tensor([1, 3], shape: [2, 1, 1, 1]))
        _ = bn(Tensor([5, 7], shape: [2, 1, 1, 1]))
        #expect(bn.runningMean!.toArray() == [4])
    }

    @Test func trainAndEvalReachEveryModule() {
        let net = TinyNet()
        net.eval()
        #expect(net.namedModules().allSatisfy { !$0.1.isTraining })
        net.train()
        #expect(net.namedModules().allSatisfy { $0.1.isTraining })
    }

    @Test func dropoutIsTheIdentityInEval() {
        let dropout = Dropout(0.5)
        let x = Tensor.ones([100])
        #expect(dropout(x).toArray().contains(0))
        dropout.eval()
        #expect(dropout(x) === x)
    }
}

struct FreezeTests {
    @Test func freezingByPatternStopsGradients() throws {
        let net = TinyNet()
        let frozen = try net.freeze(matching: "*")
        #expect(frozen.count == net.namedParameters().count)
        try net.unfreeze(matching: "fc")
        #expect(net.trainableParameters().count == 2)

        let x = Tensor.ones([2, 3, 4, 4])
        let y = net(x)
        y.sum().backward()
        #expect(net.conv1.weight.grad == nil)
        #expect(net.fc.weight.grad != nil)
    }

    @Test func patternsMatchModulePrefixes() throws {
        let net = TinyNet()
        #expect(
            try net.freeze(matching: "downsample") == [
                "downsample.0.weight", "downsample.1.weight", "downsample.1.bias",
            ])
        #expect(try net.freeze(matching: "*.bias") == ["bn1.bias", "downsample.1.bias", "fc.bias"])
        #expect(try net.freeze(matching: "bn?") == ["bn1.weight", "bn1.bias"])
    }

    @Test func aPatternMatchingNothingIsAnError() {
        #expect(throws: ModuleError.noParameterMatches(pattern: "layer9", example: "conv1.weight")) {
            try TinyNet().freeze(matching: "layer9")
        }
    }

}

struct LayerTests {
    @Test func weightInitializationCanBeSkipped() {
        let linear = withoutWeightInitialization { Linear(4, 3) }
        #expect(linear.weight.toArray().allSatisfy { $0 == 0 })
        #expect(linear.weight.requiresGrad)
        let norm = withoutWeightInitialization { BatchNorm2d(2) }
        #expect(norm.weight!.toArray() == [1, 1], "constant initial values are kept")
    }

    @Test func linearInitializationBounds() {
        let linear = Linear(100, 50)
        let bound: Float = 1 / 10
        #expect(linear.weight.toArray().allSatisfy { abs($0) <= bound })
        #expect(linear.bias!.toArray().allSatisfy { abs($0) <= bound })
    }

    @Test func containersAndShapes() {
        let x = Tensor.ones([2, 3, 8, 8])
        let net = Sequential(
            Conv2d(3, 6, kernelSize: 3, stride: 2, padding: 1), MaxPool2d(kernelSize: 2),
            AvgPool2d(kernelSize: 2, ceilMode: true), AdaptiveAvgPool2d(1), Flatten(), Identity())
        #expect(net(x).shape == [2, 6])
        #expect(net.stateDict().keys == ["0.weight", "0.bias"])
        #expect(LayerNorm(6)(Tensor.ones([2, 6])).shape == [2, 6])
        #expect(LayerNorm(6).stateDict().keys == ["weight", "bias"])
        #expect(GELU()(Tensor([0])).toArray() == [0])
    }

    @Test func propertyNamesBecomeSnakeCaseKeys() {
        #expect(Module.checkpointKey(forProperty: "globalPool") == "global_pool")
        #expect(Module.checkpointKey(forProperty: "layer1") == "layer1")
        #expect(Module.checkpointKey(forProperty: "numBatchesTracked") == "num_batches_tracked")
    }
}
