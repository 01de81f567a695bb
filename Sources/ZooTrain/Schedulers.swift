// The epoch-wise schedulers of torch.optim.lr_scheduler: multiplicative decays and cosine annealing.
//
// Each one follows PyTorch's `get_lr` for the default `scheduler.step()` call: the chainable form
// (next rate from the current one) where PyTorch has it, the closed form where PyTorch uses it.
// `lastEpoch` is advanced first, then the rates are recomputed, as in `_LRScheduler.step`.

import Foundation

/// The learning rate is the base rate times a function of the epoch (PyTorch's `LambdaLR`).
///
/// ```swift
/// let scheduler = LambdaLR(baseLRs: [0.1]) { epoch in pow(0.95, Double(epoch)) }
/// ```
public final class LambdaLR: LRScheduler {
    public let baseLRs: [Double]
    public private(set) var lrs: [Double]
    public private(set) var lastEpoch = 0
    private let factor: (_ epoch: Int) -> Double

    public init(baseLRs: [Double], factor: @escaping (_ epoch: Int) -> Double) {
        self.baseLRs = baseLRs
        self.factor = factor
        self.lrs = baseLRs.map { $0 * factor(0) }
    }

    public func step(metric: Double?) {
        lastEpoch += 1
        let scale = factor(lastEpoch)
        lrs = baseLRs.map { $0 * scale }
    }
}

/// Each step multiplies the learning rate by a function of the epoch (PyTorch's `MultiplicativeLR`).
///
/// ```swift
/// let scheduler = MultiplicativeLR(baseLRs: [0.1]) { _ in 0.95 }
/// ```
public final class MultiplicativeLR: LRScheduler {
    public private(set) var lrs: [Double]
    public private(set) var lastEpoch = 0
    private let factor: (_ epoch: Int) -> Double

    public init(baseLRs: [Double], factor: @escaping (_ epoch: Int) -> Double) {
        self.factor = factor
        self.lrs = baseLRs
    }

    public func step(metric: Double?) {
        lastEpoch += 1
        let scale = factor(lastEpoch)
        lrs = lrs.map { $0 * scale }
    }
}

/// Multiplies the learning rate by `gamma` every `stepSize` epochs (PyTorch's `StepLR`).
///
/// ```swift
/// let scheduler = StepLR(baseLRs: [0.1], stepSize: 30, gamma: 0.1)  // 0.1, then 0.01 from epoch 30, …
/// ```
public final class StepLR: LRScheduler {
    public let stepSize: Int
    public let gamma: Double
    public private(set) var lrs: [Double]
    public private(set) var lastEpoch = 0

    public init(baseLRs: [Double], stepSize: Int, gamma: Double = 0.1) {
        precondition(stepSize > 0, "StepLR's stepSize must be positive, got \(stepSize)")
        self.stepSize = stepSize
        self.gamma = gamma
        self.lrs = baseLRs
    }

    public func step(metric: Double?) {
        lastEpoch += 1
        if lastEpoch % stepSize == 0 {
            lrs = lrs.map { $0 * gamma }
        }
    }
}

/// Multiplies the learning rate by `gamma` at each milestone epoch (PyTorch's `MultiStepLR`).
/// A milestone listed twice applies `gamma` twice, as in PyTorch.
///
/// ```swift
/// let scheduler = MultiStepLR(baseLRs: [0.1], milestones: [30, 80])  // 0.1, 0.01 from 30, 0.001 from 80
/// ```
public final class MultiStepLR: LRScheduler {
    public let milestones: [Int]
    public let gamma: Double
    public private(set) var lrs: [Double]
    public private(set) var lastEpoch = 0
    private let decaysAtEpoch: [Int: Int]

    public init(baseLRs: [Double], milestones: [Int], gamma: Double = 0.1) {
        self.milestones = milestones
        self.gamma = gamma
        self.decaysAtEpoch = milestones.reduce(into: [:]) { counts, epoch in counts[epoch, default: 0] += 1 }
        self.lrs = baseLRs
        decayIfMilestone()  // PyTorch applies a milestone at epoch 0 on construction
    }

    public func step(metric: Double?) {
        lastEpoch += 1
        decayIfMilestone()
    }

    private func decayIfMilestone() {
        if let count = decaysAtEpoch[lastEpoch] {
            let decay = pow(gamma, Double(count))
            lrs = lrs.map { $0 * decay }
        }
    }
}

/// Multiplies the learning rate by `gamma` every epoch (PyTorch's `ExponentialLR`).
///
/// ```swift
/// let scheduler = ExponentialLR(baseLRs: [0.1], gamma: 0.95)
/// ```
public final class ExponentialLR: LRScheduler {
    public let gamma: Double
    public private(set) var lrs: [Double]
    public private(set) var lastEpoch = 0

    public init(baseLRs: [Double], gamma: Double) {
        self.gamma = gamma
        self.lrs = baseLRs
    }

    public func step(metric: Double?) {
        lastEpoch += 1
        lrs = lrs.map { $0 * gamma }
    }
}

/// Cosine annealing from the base rate to `etaMin` over `tMax` epochs (PyTorch's
/// `CosineAnnealingLR`, the annealing half of SGDR without restarts).
///
/// Like PyTorch it is recursive, so past `tMax` the rate climbs back along the cosine to the base
/// rate at `2 × tMax`, then falls again: a period of `2 × tMax`.
///
/// ```swift
/// let scheduler = CosineAnnealingLR(baseLRs: [0.1], tMax: 100, etaMin: 0)
/// ```
public final class CosineAnnealingLR: LRScheduler {
    public let baseLRs: [Double]
    public let tMax: Int
    public let etaMin: Double
    public private(set) var lrs: [Double]
    public private(set) var lastEpoch = 0

    public init(baseLRs: [Double], tMax: Int, etaMin: Double = 0) {
        precondition(tMax > 0, "CosineAnnealingLR's tMax must be positive, got \(tMax)")
        self.baseLRs = baseLRs
        self.tMax = tMax
        self.etaMin = etaMin
        self.lrs = baseLRs
    }

    public func step(metric: Double?) {
        lastEpoch += 1
        let period = Double(tMax)
        if (lastEpoch - 1 - tMax) % (2 * tMax) == 0 {
            // Leaving a minimum: the ratio below would divide by 1 + cos(π) = 0.
            let oneMinusCosine = 1 - cos(Double.pi / period)
            lrs = zip(lrs, baseLRs).map { lr, base in lr + (base - etaMin) * oneMinusCosine / 2 }
        } else {
            let ratio =
                (1 + cos(Double.pi * Double(lastEpoch) / period))
                / (1 + cos(Double.pi * Double(lastEpoch - 1) / period))
            lrs = lrs.map { lr in ratio * (lr - etaMin) + etaMin }
        }
    }
}

/// Cosine annealing with warm restarts, SGDR (PyTorch's `CosineAnnealingWarmRestarts`): the rate
/// anneals from the base rate to `etaMin` over `t0` epochs, jumps back to the base rate, and each
/// following period is `tMult` times longer.
///
/// ```swift
/// let scheduler = CosineAnnealingWarmRestarts(baseLRs: [0.1], t0: 10, tMult: 2)  // restarts at 10, 30, 70, …
/// ```
public final class CosineAnnealingWarmRestarts: LRScheduler {
    public let baseLRs: [Double]
    public let t0: Int
    public let tMult: Int
    public let etaMin: Double
    public private(set) var lrs: [Double]
    public private(set) var lastEpoch = 0
    /// Epochs since the last restart (PyTorch's `T_cur`).
    public private(set) var epochsSinceRestart = 0
    /// Length of the current period (PyTorch's `T_i`).
    public private(set) var currentPeriod: Int

    public init(baseLRs: [Double], t0: Int, tMult: Int = 1, etaMin: Double = 0) {
        precondition(t0 > 0, "CosineAnnealingWarmRestarts's t0 must be positive, got \(t0)")
        precondition(tMult >= 1, "CosineAnnealingWarmRestarts's tMult must be >= 1, got \(tMult)")
        self.baseLRs = baseLRs
        self.t0 = t0
        self.tMult = tMult
        self.etaMin = etaMin
        self.currentPeriod = t0
        self.lrs = []
        lrs = annealedLRs()
    }

    public func step(metric: Double?) {
        lastEpoch += 1
        epochsSinceRestart += 1
        if epochsSinceRestart >= currentPeriod {
            epochsSinceRestart -= currentPeriod
            currentPeriod *= tMult
        }
        lrs = annealedLRs()
    }

    private func annealedLRs() -> [Double] {
        let cosine = 1 + cos(Double.pi * Double(epochsSinceRestart) / Double(currentPeriod))
        return baseLRs.map { base in etaMin + (base - etaMin) * cosine / 2 }
    }
}
