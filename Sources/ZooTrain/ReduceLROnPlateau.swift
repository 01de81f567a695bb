// ReduceLROnPlateau: the one scheduler driven by a validation metric instead of the step count.

/// Multiplies the learning rate by `factor` when a metric has stopped improving for more than
/// `patience` epochs (PyTorch's `ReduceLROnPlateau`). Call `step(metric:)` after each validation.
///
/// "Improving" means beating the best value so far by the threshold: in `.min` mode with
/// `.relative` threshold, `metric < best × (1 − threshold)`; with `.absolute`,
/// `metric < best − threshold` (mirrored in `.max` mode). After a reduction the scheduler waits
/// `cooldown` epochs, counting no bad epochs, before judging again; rates never go below `minLR`,
/// and a reduction smaller than `eps` is skipped.
///
/// ```swift
/// let scheduler = ReduceLROnPlateau(baseLRs: [0.1], mode: .min, factor: 0.1, patience: 10)
/// for epoch in 0..<100 {
///     train(epoch)
///     scheduler.step(metric: validationLoss())
/// }
/// ```
public final class ReduceLROnPlateau: LRScheduler {
    public enum Mode: String, Sendable, CaseIterable {
        /// Lower is better (a loss).
        case min
        /// Higher is better (an accuracy).
        case max
    }

    public enum ThresholdMode: String, Sendable, CaseIterable {
        /// The threshold is a fraction of the best value.
        case relative = "rel"
        /// The threshold is in the metric's own units.
        case absolute = "abs"
    }

    public let mode: Mode
    public let factor: Double
    public let patience: Int
    public let threshold: Double
    public let thresholdMode: ThresholdMode
    public let cooldown: Int
    public let minLRs: [Double]
    public let eps: Double
    public private(set) var lrs: [Double]
    public private(set) var lastEpoch = 0
    /// The best metric seen so far (±infinity before the first one).
    public private(set) var best: Double
    /// Epochs in a row without improvement, outside cooldown.
    public private(set) var badEpochs = 0
    /// Epochs of cooldown left after the last reduction.
    public private(set) var cooldownLeft = 0

    /// - Parameters:
    ///   - baseLRs: the optimizer's learning rate of each parameter group.
    ///   - factor: multiplier applied on a plateau, below 1.
    ///   - minLR: lower bound on every group's rate.
    public init(
        baseLRs: [Double], mode: Mode = .min, factor: Double = 0.1, patience: Int = 10,
        threshold: Double = 1e-4, thresholdMode: ThresholdMode = .relative, cooldown: Int = 0,
        minLR: Double = 0, eps: Double = 1e-8
    ) {
        precondition(factor < 1, "ReduceLROnPlateau's factor must be < 1, got \(factor)")
        self.mode = mode
        self.factor = factor
        self.patience = patience
        self.threshold = threshold
        self.thresholdMode = thresholdMode
        self.cooldown = cooldown
        self.minLRs = Array(repeating: minLR, count: baseLRs.count)
        self.eps = eps
        self.lrs = baseLRs
        self.best = mode == .min ? .infinity : -.infinity
    }

    /// Judges one epoch's metric and reduces the rates on a plateau.
    public func step(metric: Double) {
        lastEpoch += 1
        if isImprovement(metric) {
            best = metric
            badEpochs = 0
        } else {
            badEpochs += 1
        }
        if cooldownLeft > 0 {
            cooldownLeft -= 1
            badEpochs = 0  // bad epochs during cooldown do not count
        }
        if badEpochs > patience {
            reduceLRs()
            cooldownLeft = cooldown
            badEpochs = 0
        }
    }

    /// `LRScheduler` conformance: a metric is required.
    public func step(metric: Double?) {
        guard let metric else {
            preconditionFailure("ReduceLROnPlateau needs the validation metric: call step(metric:) with it")
        }
        step(metric: metric)
    }

    private func isImprovement(_ value: Double) -> Bool {
        switch (mode, thresholdMode) {
        case (.min, .relative): return value < best * (1 - threshold)
        case (.min, .absolute): return value < best - threshold
        case (.max, .relative): return value > best * (threshold + 1)
        case (.max, .absolute): return value > best + threshold
        }
    }

    private func reduceLRs() {
        for group in lrs.indices {
            let reduced = Swift.max(lrs[group] * factor, minLRs[group])
            if lrs[group] - reduced > eps {
                lrs[group] = reduced
            }
        }
    }
}
