// Running a scheduler through a whole training run without training: the learning rate of every
// epoch (or iteration), for `zoo lr`, for logs and for plots.

import Foundation

/// The learning rate in effect for every epoch, or every iteration, of a run.
///
/// The scheduler is stepped as a training loop would: the first row holds the rate right after
/// construction, and `step()` follows each epoch (or each iteration with `stepEvery: .iteration`).
///
/// ```swift
/// let trace = LRTrace(scheduler: StepLR(baseLRs: [0.1], stepSize: 30), epochs: 100)
/// print(trace.csv())   // epoch,lr / 0,0.1 / … / 30,0.010000000000000002 / …
/// ```
public struct LRTrace: Sendable {
    public struct Row: Sendable, Equatable {
        public var epoch: Int
        /// Iteration counted from the start of the run (`epoch × stepsPerEpoch + i`); nil when
        /// the trace has one row per epoch.
        public var iteration: Int?
        /// Learning rate of the first parameter group.
        public var lr: Double
    }

    public let rows: [Row]
    /// Iterations per epoch when the trace has a row per iteration.
    public let stepsPerEpoch: Int?

    /// How many times a run of `epochs` steps its scheduler: after every row but the last.
    public static func stepCount(epochs: Int, stepsPerEpoch: Int?, stepEvery: StepInterval) -> Int {
        let iterations = epochs * (stepsPerEpoch ?? 1)
        return stepEvery == .iteration ? iterations - 1 : epochs - 1
    }

    /// Runs `scheduler` through `epochs` epochs.
    ///
    /// - Parameters:
    ///   - stepsPerEpoch: when given, one row per iteration instead of one per epoch.
    ///   - stepEvery: step the scheduler after every iteration or only at the end of each epoch;
    ///     the same when there is one row per epoch.
    ///   - metrics: one metric per step, for ``ReduceLROnPlateau``.
    public init(
        scheduler: any LRScheduler, epochs: Int, stepsPerEpoch: Int? = nil,
        stepEvery: StepInterval = .epoch, metrics: [Double] = []
    ) {
        precondition(epochs > 0, "a run needs at least one epoch, got \(epochs)")
        precondition((stepsPerEpoch ?? 1) > 0, "stepsPerEpoch must be positive, got \(stepsPerEpoch ?? 0)")
        let iterationsPerEpoch = stepsPerEpoch ?? 1
        let lastIteration = epochs * iterationsPerEpoch - 1
        var rows: [Row] = []
        rows.reserveCapacity(lastIteration + 1)
        var stepsTaken = 0
        for iteration in 0...lastIteration {
            rows.append(
                Row(
                    epoch: iteration / iterationsPerEpoch,
                    iteration: stepsPerEpoch == nil ? nil : iteration,
                    lr: scheduler.lrs[0]))
            let endsEpoch = (iteration + 1) % iterationsPerEpoch == 0
            if iteration < lastIteration && (stepEvery == .iteration || endsEpoch) {
                scheduler.step(metric: stepsTaken < metrics.count ? metrics[stepsTaken] : nil)
                stepsTaken += 1
            }
        }
        self.rows = rows
        self.stepsPerEpoch = stepsPerEpoch
    }

    /// "iteration" or "epoch": what one row stands for.
    public var rowUnit: String {
        stepsPerEpoch == nil ? "epoch" : "iteration"
    }

    /// `epoch,lr` (or `epoch,iteration,lr`) and one row per line, learning rates printed so that
    /// they read back to the same Double.
    public func csv() -> String {
        var lines = [stepsPerEpoch == nil ? "epoch,lr" : "epoch,iteration,lr"]
        for row in rows {
            let iteration = row.iteration.map { "\($0)," } ?? ""
            lines.append("\(row.epoch),\(iteration)\(row.lr)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// An aligned table for people, learning rates to 6 significant digits.
    public func table() -> String {
        var lines = [stepsPerEpoch == nil ? "epoch  lr" : "epoch  iteration  lr"]
        for row in rows {
            let lr = String(format: "%.6g", row.lr)
            if let iteration = row.iteration {
                lines.append(pad(row.epoch, to: 5) + "  " + pad(iteration, to: 9) + "  " + lr)
            } else {
                lines.append(pad(row.epoch, to: 5) + "  " + lr)
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A plot of the learning rate against the epoch or iteration.
    public func plot(title: String, subtitle: String = "") -> LRPlot {
        let points = rows.map { row in LRPlot.Point(x: Double(row.iteration ?? row.epoch), y: row.lr) }
        return LRPlot(title: title, subtitle: subtitle, xLabel: rowUnit, yLabel: "learning rate", points: points)
    }

    private func pad(_ number: Int, to width: Int) -> String {
        let text = String(number)
        return String(repeating: " ", count: max(0, width - text.count)) + text
    }
}

extension SchedulerSpec {
    /// Builds the scheduler and runs it through `epochs` epochs, checking the run first so that a
    /// mistake is reported before anything is produced.
    ///
    /// - Parameters:
    ///   - stepEvery: nil steps the scheduler as PyTorch designed it (see
    ///     ``SchedulerKind/defaultStepInterval``): CyclicLR and OneCycleLR every iteration, the
    ///     others every epoch. Step counts in the options (`step_size`, `T_max`, …) count these steps.
    ///   - metrics: for ReduceLROnPlateau, one validation metric per step.
    ///
    /// ```swift
    /// let spec = try SchedulerSpec(name: "OneCycleLR", lr: 0.1)
    /// let trace = try spec.trace(epochs: 10, stepsPerEpoch: 100)   // 1000 iterations, one cycle
    /// ```
    public func trace(
        epochs: Int, stepsPerEpoch: Int? = nil, stepEvery: StepInterval? = nil,
        metrics: [Double] = []
    ) throws(SchedulerSpecError) -> LRTrace {
        guard epochs > 0 else { throw .invalidRun("--epochs must be a positive number of epochs, got \(epochs)") }
        if let stepsPerEpoch, stepsPerEpoch <= 0 {
            throw .invalidRun("--steps-per-epoch must be a positive number of iterations, got \(stepsPerEpoch)")
        }
        let interval = stepEvery ?? kind.defaultStepInterval
        let steps = LRTrace.stepCount(epochs: epochs, stepsPerEpoch: stepsPerEpoch, stepEvery: interval)
        let scheduler = try makeScheduler(runLength: steps + 1)
        try checkLength(of: scheduler, steps: steps)
        try checkMetrics(metrics, steps: steps)
        return LRTrace(
            scheduler: scheduler, epochs: epochs, stepsPerEpoch: stepsPerEpoch,
            stepEvery: interval, metrics: metrics)
    }

    /// OneCycleLR cannot be stepped past its total steps (PyTorch raises): say so up front.
    private func checkLength(of scheduler: any LRScheduler, steps: Int) throws(SchedulerSpecError) {
        let warmup = scheduler as? LinearWarmup
        guard let oneCycle = (warmup?.wrapped ?? scheduler) as? OneCycleLR else { return }
        let warmupSteps = warmup?.warmupSteps ?? 0
        if steps > oneCycle.totalSteps + warmupSteps {
            throw .invalidRun(
                "OneCycleLR's cycle lasts \(oneCycle.totalSteps) steps"
                    + (warmupSteps > 0 ? " after \(warmupSteps) warmup steps" : "")
                    + " but the run steps it \(steps) times; raise --total-steps or shorten the run")
        }
    }

    private func checkMetrics(_ metrics: [Double], steps: Int) throws(SchedulerSpecError) {
        if kind == .reduceLROnPlateau {
            if metrics.count < steps {
                throw .invalidRun(
                    "ReduceLROnPlateau needs one metric per step: the run steps it \(steps) times"
                        + " but \(metrics.count) metrics were given (--metrics)")
            }
        } else if !metrics.isEmpty {
            throw .invalidRun("--metrics applies only to ReduceLROnPlateau, not \(kind.rawValue)")
        }
    }
}
