import Testing
import ZooModels
import ZooNN
import ZooTensor

struct ResNetTests {
    /// The Done-when case: only `fc` trains, and nothing before it records a graph.
    @Test func freezingAllButTheClassifierTrainsOnlyTheClassifier() throws {
        let model = try makeResNet("resnet18", numClasses: 10)
        try model.freeze(matching: "*")
        try model.unfreeze(matching: "fc")
        #expect(model.trainableParameters().count == 2)

        var rng = RandomGenerator(seed: 42)
        let images = Tensor.normal([2, 3, 64, 64], using: &rng)
        let features = model.forwardFeatures(images)
        #expect(features.gradFn == nil, "the frozen backbone recorded a graph")
        let logits = model.forwardHead(features)
        #expect(logits.shape == [2, 10])
        #expect(logits.gradFn != nil)
        logits.sum().backward()

        let withGradients = model.namedParameters().filter { $0.1.grad != nil }.map(\.0)
        #expect(withGradients == ["fc.weight", "fc.bias"])
    }

    @Test func resetClassifierReplacesFc() throws {
        let model = try withoutWeightInitialization { try makeResNet("resnet18") }
        model.eval()
        model.resetClassifier(numClasses: 10)
        #expect(model.numClasses == 10)
        #expect(model.stateDict()["fc.weight"]?.shape == [10, 512])
        #expect(model.fc.isTraining == false, "the new classifier should follow the model's mode")
        var rng = RandomGenerator(seed: 42)
        let images = Tensor.normal([1, 3, 32, 32], using: &rng)
        #expect(withNoGrad { model(images) }.shape == [1, 10])

        model.resetClassifier(numClasses: 0)
        #expect(model.stateDict().keys.contains { $0.hasPrefix("fc.") } == false)
        #expect(withNoGrad { model(images) }.shape == [1, 512])
        #expect(withNoGrad { model.forwardHead(model.forwardFeatures(images), preLogits: true) }.shape == [1, 512])
    }

    /// timm's init: kaiming-normal (fan out) convs, the residual branch's last BN weight at zero.
    @Test func initializationFollowsTimm() throws {
        let model = try makeResNet("resnet26")
        let conv = model.layer3[0] as! Bottleneck
        let weights = conv.conv2.weight.toArray()
        let std = (weights.map { $0 * $0 }.reduce(0, +) / Float(weights.count)).squareRoot()
        let expected = (2 / Float(256 * 9)).squareRoot()  // fan_out = 256 · 3 · 3
        #expect(abs(std - expected) / expected < 0.02)
        #expect((conv.bn3 as! BatchNorm2d).weight!.toArray().allSatisfy { $0 == 0 })
        #expect((conv.bn2 as! BatchNorm2d).weight!.toArray().allSatisfy { $0 == 1 })
    }

    @Test func unknownVariantNamesTheKnownOnes() {
        #expect(throws: ResNetError.self) { try makeResNet("resnet19") }
        #expect(ResNetVariants.names.count == 80)
        #expect(Set(ResNetVariants.names) == Set(ResNetVariants.all.keys))
    }

    @Test func dropRateIsOnlyActiveInTraining() throws {
        let model = try makeResNet("resnet10t", numClasses: 4, dropRate: 1)
        var rng = RandomGenerator(seed: 42)
        let images = Tensor.normal([2, 3, 32, 32], using: &rng)
        model.eval()
        let evalLogits = withNoGrad { model(images) }
        model.train()
        let trainLogits = withNoGrad { model(images) }
        // With every feature dropped the logits are the bias alone; in eval they are not.
        let bias = (model.fc as! Linear).bias!.toArray()
        #expect(trainLogits.toArray() == bias + bias)
        #expect(evalLogits.toArray() != bias + bias)
    }
}
