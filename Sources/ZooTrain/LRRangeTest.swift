import Foundation
import ZooNN
import ZooPlot
import ZooTensor

/// The learning-rate range test (Smith 2017, as fastai's `lr_find`): the learning rate grows
/// exponentially from `start` to `end` over `steps` batches, the loss is smoothed (exponential
/// average with bias correction), the test stops when the smoothed loss exceeds `divergence` times
/// its best, and the suggestion is the rate where the smoothed loss falls fastest. The model's
/// weights and the optimizer's state are restored afterwards: the test changes nothing.
///
/// ```swift
/// let result = try LRRangeTest(start: 1e-7, end: 10, steps: 200).run(model: model, loss: CrossEntropyLoss(),
///                                                                     optimizer: optimizer, batches: batches)
/// try result.figure.write(to: "lr-find.png")
/// print(result.suggestion)
/// ```
public struct LRRangeTest: Sendable {
    public var start: Double
    public var end: Double
    public var steps: Int
    /// Weight of the past in the smoothed loss.
    public var smoothing: Double
    public var divergence: Double

    public init(
        start: Double = 1e-7, end: Double = 10, steps: Int = 100, smoothing: Double = 0.98,
        divergence: Double = 4
    ) {
        self.start = start
        self.end = end
        self.steps = steps
        self.smoothing = smoothing
        self.divergence = divergence
    }

    public struct Result: Sendable {
        public var learningRates: [Double]
        public var losses: [Double]
        public var smoothedLosses: [Double]
        /// Where the smoothed loss falls fastest; nil with too few points.
        public var suggestion: Double?

        public var figure: Figure {
            Figure.lrFinder(learningRates: learningRates, losses: smoothedLosses, suggestion: suggestion)
        }
    }

    /// The rate of step `index` of the sweep.
    public func learningRate(at index: Int) -> Double {
        start * pow(end / start, Double(index) / Double(max(1, steps - 1)))
    }

    /// Runs the sweep over `batches` (cycled when shorter than `steps`).
    public func run(
        model: Module, loss: any LossFunction, optimizer: Optimizer,
        batches: [Trainer.Batch]
    ) -> Result {
        precondition(!batches.isEmpty, "the learning-rate range test needs batches")
        let savedWeights = StateDict(model.stateDict().map { ($0.0, $0.1.copy()) })
        let savedOptimizer = optimizer.stateDict()
        let savedRates = optimizer.learningRates
        defer {
            try! model.loadStateDict(savedWeights)
            try! optimizer.loadStateDict(savedOptimizer)
            optimizer.learningRates = savedRates
        }
        model.trainKeepingFrozenNormsInEval()
        var result = Result(learningRates: [], losses: [], smoothedLosses: [], suggestion: nil)
        var average = 0.0, best = Double.infinity
        for index in 0..<steps {
            let rate = learningRate(at: index)
            optimizer.learningRates = savedRates.map { _ in rate }
            let batch = batches[index % batches.count]
            optimizer.zeroGrad()
            let value = loss(model(batch.input), batch.target)
            value.backward()
            optimizer.step()
            let raw = Double(value.item())
            average = smoothing * average + (1 - smoothing) * raw
            let smoothed = average / (1 - pow(smoothing, Double(index + 1)))
            result.learningRates.append(rate)
            result.losses.append(raw)
            result.smoothedLosses.append(smoothed)
            best = min(best, smoothed)
            if !smoothed.isFinite || smoothed > divergence * best { break }
        }
        result.suggestion = Self.steepestDescent(result.learningRates, result.smoothedLosses)
        return result
    }

    /// The rate at the most negative slope of loss against log10(rate), ignoring the diverging tail.
    static func steepestDescent(_ rates: [Double], _ losses: [Double]) -> Double? {
        guard rates.count >= 3, let lowest = losses.indices.min(by: { losses[$0] < losses[$1] }), lowest >= 1 else {
            return nil
        }
        var bestIndex = 1, bestSlope = Double.infinity
        for index in 1...lowest {
            let slope = (losses[index] - losses[index - 1]) / (log10(rates[index]) - log10(rates[index - 1]))
            if slope < bestSlope { (bestIndex, bestSlope) = (index, slope) }
        }
        return rates[bestIndex]
    }
}
