// The per-iteration schedulers of torch.optim.lr_scheduler: CyclicLR and OneCycleLR.
//
// Both compute the rate in closed form from the step count, as PyTorch does. PyTorch also cycles
// the optimizer's momentum inversely to the rate; that belongs to the optimizer and is left out.

import Foundation

/// Cyclical learning rates (PyTorch's `CyclicLR`, Smith 2017): the rate goes from `baseLRs` up to
/// `maxLRs` over `stepSizeUp` iterations and back down over `stepSizeDown`, again and again, with
/// the amplitude scaled by the mode. Step it once per iteration.
///
/// ```swift
/// let scheduler = CyclicLR(baseLRs: [0.001], maxLRs: [0.1], stepSizeUp: 2000, mode: .triangular2)
/// ```
public final class CyclicLR: LRScheduler {
    /// How the amplitude `maxLR − baseLR` is scaled.
    public enum Mode: Sendable, Equatable {
        /// Constant amplitude.
        case triangular
        /// Amplitude halved every cycle.
        case triangular2
        /// Amplitude multiplied by `gamma` every iteration.
        case expRange(gamma: Double)
    }

    public let baseLRs: [Double]
    public let maxLRs: [Double]
    public let stepSizeUp: Int
    public let stepSizeDown: Int
    public let mode: Mode
    public private(set) var lrs: [Double]
    public private(set) var lastEpoch = 0

    /// - Parameter stepSizeDown: iterations of the falling half; `nil` means `stepSizeUp`.
    public init(
        baseLRs: [Double], maxLRs: [Double], stepSizeUp: Int = 2000, stepSizeDown: Int? = nil,
        mode: Mode = .triangular
    ) {
        precondition(baseLRs.count == maxLRs.count, "CyclicLR needs one maxLR per base learning rate")
        precondition(stepSizeUp > 0 && (stepSizeDown ?? 1) > 0, "CyclicLR's step sizes must be positive")
        self.baseLRs = baseLRs
        self.maxLRs = maxLRs
        self.stepSizeUp = stepSizeUp
        self.stepSizeDown = stepSizeDown ?? stepSizeUp
        self.mode = mode
        self.lrs = []
        lrs = cyclicLRs()
    }

    public func step(metric: Double?) {
        lastEpoch += 1
        lrs = cyclicLRs()
    }

    private func cyclicLRs() -> [Double] {
        let cycleLength = Double(stepSizeUp) + Double(stepSizeDown)
        let upFraction = Double(stepSizeUp) / cycleLength
        let cycle = (1 + Double(lastEpoch) / cycleLength).rounded(.down)
        let positionInCycle = 1 + Double(lastEpoch) / cycleLength - cycle
        let height =
            positionInCycle <= upFraction
            ? positionInCycle / upFraction
            : (positionInCycle - 1) / (upFraction - 1)
        let amplitudeScale: Double
        switch mode {
        case .triangular: amplitudeScale = 1
        case .triangular2: amplitudeScale = 1 / pow(2, cycle - 1)
        case .expRange(let gamma): amplitudeScale = pow(gamma, Double(lastEpoch))
        }
        return zip(baseLRs, maxLRs).map { base, max in base + (max - base) * height * amplitudeScale }
    }
}

/// The 1cycle policy (PyTorch's `OneCycleLR`, Smith & Topin 2018): over `totalSteps` iterations
/// the rate rises from `maxLR / divFactor` to `maxLR` during the first `pctStart` of the steps,
/// then anneals to `maxLR / divFactor / finalDivFactor`. With `threePhase` it first comes back
/// down to the initial rate symmetrically, then anneals to the minimum. Step it once per iteration.
///
/// As in PyTorch, stepping past `totalSteps` is an error (a precondition failure here).
///
/// ```swift
/// let scheduler = OneCycleLR(maxLRs: [0.1], totalSteps: 10 * batchesPerEpoch)
/// ```
public final class OneCycleLR: LRScheduler {
    public enum AnnealStrategy: String, Sendable, CaseIterable {
        case cosine = "cos"
        case linear
    }

    /// One stretch of the cycle: from `startLR` at the previous phase's end step to `endLR` at `endStep`.
    private struct Phase {
        var endStep: Double
        var startLR: (Group) -> Double
        var endLR: (Group) -> Double
    }

    private struct Group {
        var initialLR: Double
        var maxLR: Double
        var minLR: Double
    }

    public let totalSteps: Int
    public let annealStrategy: AnnealStrategy
    public private(set) var lrs: [Double]
    public private(set) var lastEpoch = 0
    private let groups: [Group]
    private let phases: [Phase]

    /// - Parameters:
    ///   - maxLRs: the peak rate of each parameter group.
    ///   - totalSteps: iterations in the whole cycle (epochs × steps per epoch).
    ///   - pctStart: fraction of the steps spent rising, in [0, 1].
    public init(
        maxLRs: [Double], totalSteps: Int, pctStart: Double = 0.3,
        annealStrategy: AnnealStrategy = .cosine, divFactor: Double = 25,
        finalDivFactor: Double = 1e4, threePhase: Bool = false
    ) {
        precondition(totalSteps > 0, "OneCycleLR's totalSteps must be positive, got \(totalSteps)")
        precondition((0...1).contains(pctStart), "OneCycleLR's pctStart must be in [0, 1], got \(pctStart)")
        self.totalSteps = totalSteps
        self.annealStrategy = annealStrategy
        self.groups = maxLRs.map { maxLR in
            let initialLR = maxLR / divFactor
            return Group(initialLR: initialLR, maxLR: maxLR, minLR: initialLR / finalDivFactor)
        }
        let riseEnd = pctStart * Double(totalSteps) - 1
        let lastStep = Double(totalSteps - 1)
        if threePhase {
            phases = [
                Phase(endStep: riseEnd, startLR: \.initialLR, endLR: \.maxLR),
                Phase(endStep: 2 * pctStart * Double(totalSteps) - 2, startLR: \.maxLR, endLR: \.initialLR),
                Phase(endStep: lastStep, startLR: \.initialLR, endLR: \.minLR),
            ]
        } else {
            phases = [
                Phase(endStep: riseEnd, startLR: \.initialLR, endLR: \.maxLR),
                Phase(endStep: lastStep, startLR: \.maxLR, endLR: \.minLR),
            ]
        }
        self.lrs = []
        lrs = cycleLRs()
    }

    /// Same as `init(maxLRs:totalSteps:…)` with `totalSteps = epochs × stepsPerEpoch`.
    public convenience init(
        maxLRs: [Double], epochs: Int, stepsPerEpoch: Int, pctStart: Double = 0.3,
        annealStrategy: AnnealStrategy = .cosine, divFactor: Double = 25,
        finalDivFactor: Double = 1e4, threePhase: Bool = false
    ) {
        precondition(epochs > 0 && stepsPerEpoch > 0, "OneCycleLR's epochs and stepsPerEpoch must be positive")
        self.init(
            maxLRs: maxLRs, totalSteps: epochs * stepsPerEpoch, pctStart: pctStart,
            annealStrategy: annealStrategy, divFactor: divFactor,
            finalDivFactor: finalDivFactor, threePhase: threePhase)
    }

    public func step(metric: Double?) {
        lastEpoch += 1
        // PyTorch allows exactly one step beyond the last scheduled one (step number totalSteps).
        precondition(
            lastEpoch <= totalSteps,
            "OneCycleLR stepped \(lastEpoch + 1) times but its totalSteps is \(totalSteps)")
        lrs = cycleLRs()
    }

    private func cycleLRs() -> [Double] {
        let step = Double(lastEpoch)
        return groups.map { group in
            var phaseStart = 0.0
            for (index, phase) in phases.enumerated() {
                if step <= phase.endStep || index == phases.count - 1 {
                    let fraction = (step - phaseStart) / (phase.endStep - phaseStart)
                    return anneal(from: phase.startLR(group), to: phase.endLR(group), fraction: fraction)
                }
                phaseStart = phase.endStep
            }
            fatalError("unreachable: the last phase always matches")
        }
    }

    private func anneal(from start: Double, to end: Double, fraction: Double) -> Double {
        switch annealStrategy {
        case .cosine: return end + (start - end) / 2 * (cos(Double.pi * fraction) + 1)
        case .linear: return (end - start) * fraction + start
        }
    }
}
