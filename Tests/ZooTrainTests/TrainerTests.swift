import Testing
import ZooNN
import ZooTensor
import ZooTrain

/// The trainer with built-in, plain-function and stateful custom losses.
@Suite struct TrainerTests {
    /// Two separable blobs: class 0 around (−1, −1), class 1 around (1, 1).
    static func blobs(seed: UInt64) -> [Trainer.Batch] {
        var rng = RandomGenerator(seed: seed)
        return (0..<4).map { _ in
            let noise = Tensor.normal([16, 2], std: 0.3, using: &rng)
            let labels = (0..<16).map { $0 % 2 }
            let centers = Tensor(labels.flatMap { $0 == 0 ? [Float(-1), -1] : [1, 1] }, shape: [16, 2])
            return (centers + noise, Tensor(indices: labels))
        }
    }

    @Test func learnsWithABuiltInLossAndAScheduler() {
        let model = Sequential([Linear(2, 8), ReLU(), Linear(8, 2)])
        let optimizer = SGD(parameters: model.parameters(), lr: 0.5, momentum: 0.9)
        let trainer = Trainer(
            model: model, loss: .crossEntropy(), optimizer: optimizer,
            scheduler: StepLR(baseLRs: [0.5], stepSize: 5, gamma: 0.5))
        let data = Self.blobs(seed: 1), held = Self.blobs(seed: 2)
        let history = trainer.fit(epochs: 10, train: { data }, validation: { held })
        #expect(history.count == 10)
        #expect(history[0].learningRates == [0.5] && history[5].learningRates == [0.25])
        #expect(history.last!.trainLoss < history.first!.trainLoss / 4)
        #expect(history.last!.validationAccuracy == 1)
    }

    @Test func plainFunctionLoss() {
        // A hand-written loss, as people write in PyTorch: def my_loss(output, target): ...
        func marginLoss(_ output: Tensor, _ target: Tensor) -> Tensor {
            Loss.crossEntropy(output, target) + 0.01 * output.pow(2).mean()
        }
        let model = Sequential([Linear(2, 2)])
        let trainer = Trainer(
            model: model, loss: .custom(marginLoss), optimizer: Adam(parameters: model.parameters(), lr: 0.05))
        let data = Self.blobs(seed: 3)
        let history = trainer.fit(epochs: 15, train: { data })
        #expect(history.last!.trainLoss < history.first!.trainLoss / 2)
    }

    @Test func statefulLossTypeWithPerIterationScheduler() throws {
        // Segmentation-style: each sample's 4 "pixels" are on where the input is positive.
        var rng = RandomGenerator(seed: 4)
        let inputs = Tensor.normal([32, 4], using: &rng)
        let masks = inputs.gt(0).to(.float32)
        let model = Sequential([Linear(4, 4)])
        let optimizer = Adam(parameters: model.parameters(), lr: 0.05)
        let loss = RunningNormalizedDice { optimizer.learningRates[0] }
        let trainer = Trainer(
            model: model, loss: loss, optimizer: optimizer,
            scheduler: CosineAnnealingLR(baseLRs: [0.05], tMax: 40), schedulerInterval: .iteration)
        let history = trainer.fit(epochs: 20, train: { [(inputs, masks), (inputs * 0.5, masks)] })

        // Every one of the 40 steps ran at the scheduler's learning rate for that step, not the epoch's.
        let reference = CosineAnnealingLR(baseLRs: [0.05], tMax: 40)
        var expected: [Double] = []
        for _ in 0..<40 {
            expected.append(reference.lrs[0])
            reference.step()
        }
        #expect(loss.observedLearningRates == expected)
        // The trainer used this one instance throughout: its state saw all 40 calls, and each epoch's
        // loss is the mean of what the stateful loss returned in it.
        #expect(loss.calls == 40)
        #expect(history.count == 20)
        for (epoch, metrics) in history.enumerated() {
            let returned = loss.returned[2 * epoch..<2 * epoch + 2]
            #expect(
                abs(metrics.trainLoss - returned.reduce(0, +) / 2) <= 1e-6 * abs(metrics.trainLoss), "epoch \(epoch)")
        }
        let raw = try #require(loss.raw.first), rawLast = try #require(loss.raw.last)
        #expect(rawLast < raw * 0.7)
    }
}

/// A loss that carries state from call to call: Dice loss divided by the running mean of its
/// earlier values (an adaptive loss weighting, as multi-task training uses), so each value depends
/// on what the loss saw before. It also notes the learning rate in effect at each call.
final class RunningNormalizedDice: LossFunction {
    private let dice = DiceLoss(smooth: 1)
    private let learningRate: () -> Double
    private var runningMean: Double?
    private(set) var calls = 0
    private(set) var observedLearningRates: [Double] = []
    private(set) var raw: [Double] = []
    private(set) var returned: [Double] = []

    init(learningRate: @escaping () -> Double) { self.learningRate = learningRate }

    func callAsFunction(_ output: Tensor, _ target: Tensor) -> Tensor {
        observedLearningRates.append(learningRate())
        let value = dice(output, target)
        let scale = Float(1 / max(runningMean ?? 1, 1e-3))
        let plain = Double(value.item())
        runningMean = runningMean.map { 0.9 * $0 + 0.1 * plain } ?? plain
        calls += 1
        let scaled = value * scale
        raw.append(plain)
        returned.append(Double(scaled.item()))
        return scaled
    }
}
