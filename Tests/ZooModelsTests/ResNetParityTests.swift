import Foundation
import Testing
import ZooModels
import ZooNN
import ZooTensor

/// Every ResNet variant against timm on the same weights and input (fixtures from
/// tools/parity/make_resnet_fixtures.py). Serialized: the big models need a GB each.
@Suite(.serialized)
struct ResNetParityTests {
    /// timm: `model.state_dict()` keys, shapes and dtypes, in order.
    @Test(arguments: ResNetVariants.names)
    func stateDictMatchesTimm(variant: String) throws {
        let manifest = try ParityFixtures.manifest(variant)
        let model = try withoutWeightInitialization { try makeResNet(variant) }
        let ours = model.stateDict().map { key, tensor in
            ParityFixtures.Manifest.KeyEntry(key: key, shape: tensor.shape, dtype: tensor.dtype == .int64 ? "I64" : "F32")
        }
        #expect(ours.count == manifest.keys.count)
        for (index, (mine, theirs)) in zip(ours, manifest.keys).enumerated() where mine != theirs {
            Issue.record("\(variant) entry \(index): ours \(mine), timm's \(theirs)")
            break
        }
    }

    /// timm: `model.eval(); logits = model(x)`, x of [2, 3, 64, 64], within 1e-4 of the largest logit.
    @Test(arguments: ResNetVariants.names)
    func evalLogitsMatchTimm(variant: String) throws {
        let weights = try ParityFixtures.tensors("\(variant).safetensors")
        let io = try ParityFixtures.tensors("\(variant).io.safetensors")
        let model = try withoutWeightInitialization { try makeResNet(variant) }
        let report = try model.loadStateDict(weights.tensors)
        #expect(report.isComplete)
        model.eval()
        let logits = withNoGrad { model(try! io["input"]) }
        let error = relativeError(logits, try io["logits"])
        print("parity \(variant): eval logits relative error \(error)")
        #expect(error <= 1e-4, "\(variant): logits differ from timm's by \(error) of the largest logit")
    }

    /// timm, resnet18 in train mode: `loss = F.cross_entropy(model(x), target); loss.backward()`,
    /// then the running statistics and every parameter gradient, each within 1e-3 of its largest value.
    @Test func resnet18TrainStepMatchesPyTorch() throws {
        let weights = try ParityFixtures.tensors("resnet18.safetensors")
        let step = try ParityFixtures.tensors("resnet18.train.safetensors")
        let model = try withoutWeightInitialization { try makeResNet("resnet18") }
        try model.loadStateDict(weights.tensors)
        model.train()

        let logits = model(try step["input"])
        let target = try step["target"]
        // Cross entropy: −mean(log softmax at the target). Written as a scaled sum because gather's
        // backward misreads a non-contiguous incoming gradient (mean's broadcast one) in ZooTensor today.
        let picked = logits.logSoftmax(dim: 1).gather(dim: 1, index: target.reshape([target.count, 1]))
        let loss = -(picked * (1 / Float(target.count))).sum()
        loss.backward()

        let expectedLoss = try step["loss"].item()
        #expect(abs(loss.item() - expectedLoss) <= 1e-3 * abs(expectedLoss), "loss \(loss.item()) vs PyTorch's \(expectedLoss)")
        var worstBuffer: Float = 0, worstGradient: Float = 0
        for (key, buffer) in model.namedBuffers() {
            let expected = try step["after.\(key)"]
            if buffer.dtype == .int64 {
                #expect(buffer.toInts() == expected.toInts(), "\(key)")
                continue
            }
            let error = relativeError(buffer, expected)
            worstBuffer = max(worstBuffer, error)
            #expect(error <= 1e-3, "running statistic \(key) differs by \(error)")
        }
        for (key, parameter) in model.namedParameters() {
            guard let grad = parameter.grad else { Issue.record("no gradient for \(key)"); continue }
            let error = relativeError(grad, try step["grad.\(key)"])
            worstGradient = max(worstGradient, error)
            #expect(error <= 1e-3, "gradient of \(key) differs by \(error)")
        }
        print("parity resnet18 train: loss \(loss.item()) vs \(expectedLoss), running stats \(worstBuffer), gradients \(worstGradient)")
    }
}
