import ZooNN
import ZooTensor

/// What one epoch of training (and optional evaluation) measured.
public struct EpochMetrics: Sendable, Equatable {
    public var epoch: Int
    /// Mean training loss over the epoch's batches.
    public var trainLoss: Double
    /// Learning rates in effect during the epoch, one per parameter group.
    public var learningRates: [Double]
    public var validationLoss: Double?
    /// Top-1 accuracy on the validation batches, when targets are class indices.
    public var validationAccuracy: Double?
}

/// The supervised loop PyTorch users write by hand: forward, loss, backward, optimizer step,
/// scheduler step (after the optimizer's, per epoch or per iteration), then evaluation without a graph.
///
/// ```swift
/// let trainer = Trainer(model: model, loss: .crossEntropy(labelSmoothing: 0.1),
///                       optimizer: SGD(parameters: model.trainableParameters(), lr: 0.1, momentum: 0.9),
///                       scheduler: StepLR(baseLRs: [0.1], stepSize: 30))
/// let history = trainer.fit(epochs: 90, train: { loader.batches() }, validation: { valLoader.batches() })
/// ```
/// Any `LossFunction` works: the built-ins, a wrapped plain function (`.custom { output, target in … }`),
/// or a type of your own such as `DiceLoss`.
public final class Trainer {
    public typealias Batch = (input: Tensor, target: Tensor)

    public let model: Module
    public let loss: any LossFunction
    public let optimizer: Optimizer
    public let scheduler: (any LRScheduler)?
    /// When the scheduler steps: after every epoch (PyTorch's usual) or every batch.
    public let schedulerInterval: StepInterval
    public private(set) var history: [EpochMetrics] = []

    public init(
        model: Module, loss: any LossFunction, optimizer: Optimizer,
        scheduler: (any LRScheduler)? = nil, schedulerInterval: StepInterval = .epoch
    ) {
        self.model = model
        self.loss = loss
        self.optimizer = optimizer
        self.scheduler = scheduler
        self.schedulerInterval = schedulerInterval
        scheduler?.apply(to: optimizer)
    }

    /// Trains for `epochs` epochs; `train` and `validation` give each epoch's batches afresh.
    @discardableResult
    public func fit<Train: Sequence, Validation: Sequence>(
        epochs: Int, train: () -> Train, validation: (() -> Validation)? = nil
    ) -> [EpochMetrics] where Train.Element == Batch, Validation.Element == Batch {
        for _ in 0..<epochs {
            var metrics = trainEpoch(train())
            if let validation {
                let result = evaluate(validation())
                metrics.validationLoss = result.loss
                metrics.validationAccuracy = result.accuracy
                history[history.count - 1] = metrics
            }
            if schedulerInterval == .epoch { stepScheduler(metric: metrics.validationLoss ?? metrics.trainLoss) }
        }
        return history
    }

    /// Fit with training batches only.
    @discardableResult
    public func fit<Train: Sequence>(epochs: Int, train: () -> Train) -> [EpochMetrics] where Train.Element == Batch {
        fit(epochs: epochs, train: train, validation: Optional<() -> [Batch]>.none)
    }

    /// One pass over `batches` in training mode. Does not step an epoch-interval scheduler.
    @discardableResult
    public func trainEpoch<Batches: Sequence>(_ batches: Batches) -> EpochMetrics where Batches.Element == Batch {
        model.train()
        let learningRates = optimizer.learningRates
        var total = 0.0, count = 0
        for batch in batches {
            optimizer.zeroGrad()
            let value = loss(model(batch.input), batch.target)
            value.backward()
            optimizer.step()
            if schedulerInterval == .iteration { stepScheduler(metric: Double(value.item())) }
            total += Double(value.item())
            count += 1
        }
        let metrics = EpochMetrics(
            epoch: history.count, trainLoss: count > 0 ? total / Double(count) : .nan,
            learningRates: learningRates)
        history.append(metrics)
        return metrics
    }

    /// Mean loss (and top-1 accuracy for class-index targets) in eval mode, without a graph.
    public func evaluate<Batches: Sequence>(_ batches: Batches) -> (loss: Double, accuracy: Double?)
    where Batches.Element == Batch {
        model.eval()
        var total = 0.0, batchesSeen = 0, correct = 0, samples = 0
        var classification = true
        withNoGrad {
            for batch in batches {
                let output = model(batch.input)
                total += Double(loss(output, batch.target).item())
                batchesSeen += 1
                if batch.target.dtype == .int64 && output.rank == 2 && batch.target.rank == 1 {
                    let predicted = output.argmax(dim: 1).toInts(), truth = batch.target.toInts()
                    correct += zip(predicted, truth).filter { $0 == $1 }.count
                    samples += truth.count
                } else {
                    classification = false
                }
            }
        }
        let accuracy = classification && samples > 0 ? Double(correct) / Double(samples) : nil
        return (batchesSeen > 0 ? total / Double(batchesSeen) : .nan, accuracy)
    }

    private func stepScheduler(metric: Double) {
        guard let scheduler else { return }
        scheduler.step(metric: metric)
        scheduler.apply(to: optimizer)
    }
}
