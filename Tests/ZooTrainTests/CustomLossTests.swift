import Testing
import ZooTensor
import ZooTrain

/// A loss with state that changes per call: the class form of `LossFunction`.
final class RunningMeanLoss: LossFunction {
    private(set) var calls = 0
    private(set) var runningMean: Float = 0

    func callAsFunction(_ output: Tensor, _ target: Tensor) -> Tensor {
        let loss = Loss.mse(output, target)
        calls += 1
        runningMean += (loss.item() - runningMean) / Float(calls)
        return loss
    }
}

/// The plain-function form.
func meanAbsoluteError(_ output: Tensor, _ target: Tensor) -> Tensor { (output - target).abs().mean() }

@Suite struct CustomLossTests {
    @Test(arguments: try LossFixture.dice())
    func diceLossMatchesPyTorch(_ fixture: LossFixture) {
        let input = fixture.inputs["input"]!.tensor(requiresGrad: true), target = fixture.inputs["target"]!.tensor()
        let dice = DiceLoss(
            smooth: fixture.number("smooth", default: 1),
            fromLogits: fixture.options["from_logits"].map { if case .flag(let b) = $0 { b } else { true } } ?? true)
        let loss = dice(input, target)
        expectClose(loss, fixture.output, "\(fixture.name) value")
        loss.backward()
        expectClose(input.grad, fixture.grads["input"]!, "\(fixture.name) gradient")
    }

    /// A function, a closure and a built-in behind `LossFunction` give the built-in's value and gradient.
    @Test func closureLossesCarryGradients() {
        let target = Tensor([0.5, -1, 2, 0], shape: [2, 2])
        let reference = Tensor([1, 2, 3, 4], shape: [2, 2], requiresGrad: true)
        Loss.l1(reference, target).backward()
        let forms: [any LossFunction] = [.custom(meanAbsoluteError), ClosureLoss { Loss.l1($0, $1) }, .l1]
        for loss in forms {
            let output = Tensor([1, 2, 3, 4], shape: [2, 2], requiresGrad: true)
            let value = loss(output, target)
            #expect(value.item() == Loss.l1(reference, target).item())
            value.backward()
            #expect(output.grad?.toArray() == reference.grad?.toArray())
        }
    }

    /// Each form trains a small linear model with an optimizer, as the trainer does: the loss falls.
    @Test(arguments: ["dice", "function", "stateful", "crossEntropy"])
    func lossFormsTrain(_ form: String) {
        var rng = RandomGenerator(seed: 7)
        let inputs = Tensor.normal([16, 4], using: &rng)
        let weight = Tensor.normal([4, 3], std: 0.1, using: &rng)
        weight.requiresGrad = true
        let stateful = RunningMeanLoss()
        let loss: any LossFunction
        var target = withNoGrad { (inputs.matmul(Tensor.normal([4, 3], using: &rng))).gt(0).to(.float32) }
        switch form {
        case "dice": loss = DiceLoss(smooth: 1)
        case "function": loss = .custom(meanAbsoluteError)
        case "stateful": loss = stateful
        default:
            loss = .crossEntropy(labelSmoothing: 0.1)
            target = withNoGrad { inputs.matmul(Tensor.normal([4, 3], using: &rng)).argmax(dim: 1) }
        }
        let optimizer = SGD(parameters: [weight], lr: 0.5, momentum: 0.5)
        var values: [Float] = []
        for _ in 0..<30 {
            optimizer.zeroGrad()
            let value = loss(inputs.matmul(weight), target)
            value.backward()
            optimizer.step()
            values.append(value.item())
        }
        #expect(values.last! < 0.8 * values.first!, "\(form): \(values.first!) → \(values.last!)")
        if form == "stateful" { #expect(stateful.calls == 30 && stateful.runningMean > 0) }
    }
}
