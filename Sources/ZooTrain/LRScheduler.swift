// Learning-rate schedulers with PyTorch's semantics (torch.optim.lr_scheduler, 1.13).
//
// A scheduler owns the learning rate of each parameter group; it knows nothing of tensors or
// optimizers. Construction sets the first learning rates, exactly as PyTorch's constructor does,
// and each `step()` — called after the optimizer's step, once per epoch or once per iteration —
// moves to the next ones. Where PyTorch computes the next rate from the previous one (its
// "chainable" form), so do we: agreeing with PyTorch to the last bits requires following the
// same floating-point path.
//
// This file holds the protocol, the optimizer-facing protocol, the linear warmup wrapper and the
// scheduler built from a hand-written function. The PyTorch schedulers live in Schedulers.swift,
// CyclicSchedulers.swift and ReduceLROnPlateau.swift.

/// A learning-rate schedule over the parameter groups of one optimizer.
///
/// `lrs` holds the learning rates in effect now; call `step()` after each optimizer step (per
/// epoch or per iteration, as the schedule was designed for) to move to the next ones.
///
/// ```swift
/// let scheduler = StepLR(baseLRs: [0.1], stepSize: 30, gamma: 0.1)
/// for epoch in 0..<100 {
///     optimizer.learningRates = scheduler.lrs   // or scheduler.apply(to: optimizer)
///     train(epoch)
///     scheduler.step()
/// }
/// ```
public protocol LRScheduler: AnyObject {
    /// The learning rate of each parameter group, in effect until the next `step`.
    var lrs: [Double] { get }

    /// How many times `step` has been called: PyTorch's `last_epoch`, 0 right after construction.
    /// It counts iterations when the schedule is stepped per iteration.
    var lastEpoch: Int { get }

    /// Moves to the next learning rates. `metric` (a validation loss or accuracy) is read by
    /// metric-driven schedulers such as ``ReduceLROnPlateau`` and ignored by the others, so a
    /// training loop can pass it to whatever scheduler it was given.
    func step(metric: Double?)
}

extension LRScheduler {
    /// Moves to the next learning rates (schedules that need no metric).
    public func step() {
        step(metric: nil)
    }

    /// Writes the current learning rates into an optimizer, one per parameter group.
    ///
    /// ```swift
    /// scheduler.step()
    /// scheduler.apply(to: optimizer)
    /// ```
    public func apply(to optimizer: some LearningRateControlled) {
        precondition(
            optimizer.learningRates.count == lrs.count,
            "the optimizer has \(optimizer.learningRates.count) parameter groups but the scheduler drives \(lrs.count)")
        optimizer.learningRates = lrs
    }
}

/// Something whose learning rates a scheduler sets: an optimizer, one rate per parameter group.
///
/// ```swift
/// final class SGD: LearningRateControlled { var learningRates: [Double] = [0.1] }
/// ```
public protocol LearningRateControlled: AnyObject {
    var learningRates: [Double] { get set }
}

// MARK: - Linear warmup

/// Linear warmup in front of any scheduler.
///
/// For the first `warmupSteps` steps the learning rate of each group rises linearly from
/// `warmupStartFactor × lr` towards `lr`, where `lr` is the wrapped scheduler's first learning
/// rate; at step `warmupSteps` the wrapped scheduler starts from its beginning and runs as if the
/// warmup had not been there, shifted by `warmupSteps`:
///
///     lr(t) = lr × (warmupStartFactor + (1 − warmupStartFactor) × t / warmupSteps)   for t < warmupSteps
///     lr(t) = wrapped's lr after (t − warmupSteps) steps                              for t ≥ warmupSteps
///
/// This is PyTorch's `SequentialLR([LinearLR(start_factor, total_iters=warmupSteps), scheduler],
/// milestones=[warmupSteps])` (warmup rates computed in closed form, so they may differ from
/// `LinearLR`'s recursive ones in the last bit, and a start factor of 0 works where `LinearLR`
/// divides by zero); the default start factor is `LinearLR`'s, 1/3. Steps count
/// whatever the schedule is stepped by (epochs or iterations). A metric passed during warmup is
/// not shown to the wrapped scheduler (a ``ReduceLROnPlateau`` starts judging after warmup).
///
/// ```swift
/// let scheduler = LinearWarmup(CosineAnnealingLR(baseLRs: [0.1], tMax: 95), warmupSteps: 5)
/// scheduler.lrs  // [0.0333…], then 0.0467…, 0.06, 0.0733…, 0.0867…, 0.1, cosine from there
/// ```
public final class LinearWarmup: LRScheduler {
    public let wrapped: any LRScheduler
    public let warmupSteps: Int
    public let warmupStartFactor: Double
    public private(set) var lrs: [Double]
    public private(set) var lastEpoch = 0
    private let targetLRs: [Double]

    /// - Parameters:
    ///   - scheduler: a freshly constructed scheduler (not stepped yet); it starts after warmup.
    ///   - warmupSteps: length of the warmup, in steps; 0 means no warmup.
    ///   - warmupStartFactor: the first learning rate as a fraction of the wrapped one, in [0, 1].
    public init(_ scheduler: any LRScheduler, warmupSteps: Int, warmupStartFactor: Double = 1.0 / 3.0) {
        precondition(scheduler.lastEpoch == 0, "LinearWarmup needs a scheduler that has not been stepped yet")
        precondition(warmupSteps >= 0, "warmupSteps must be >= 0, got \(warmupSteps)")
        precondition(
            (0...1).contains(warmupStartFactor), "warmupStartFactor must be in [0, 1], got \(warmupStartFactor)")
        self.wrapped = scheduler
        self.warmupSteps = warmupSteps
        self.warmupStartFactor = warmupStartFactor
        self.targetLRs = scheduler.lrs
        self.lrs = scheduler.lrs
        if warmupSteps > 0 { lrs = warmupLRs(at: 0) }
    }

    public func step(metric: Double?) {
        lastEpoch += 1
        if lastEpoch < warmupSteps {
            lrs = warmupLRs(at: lastEpoch)
        } else if lastEpoch == warmupSteps {
            lrs = wrapped.lrs  // the wrapped scheduler's own first learning rates
        } else {
            wrapped.step(metric: metric)
            lrs = wrapped.lrs
        }
    }

    private func warmupLRs(at step: Int) -> [Double] {
        let factor = warmupStartFactor + (1 - warmupStartFactor) * Double(step) / Double(warmupSteps)
        return targetLRs.map { $0 * factor }
    }
}

// MARK: - A hand-written schedule

/// A schedule given as a function of (epoch, iteration) → learning rate, like the hand-written
/// `adjust_learning_rate` of PyTorch's ImageNet example. The rate applies to every parameter group.
///
/// `iteration` counts within the epoch (0 ..< `stepsPerEpoch`); with the default
/// `stepsPerEpoch: 1` each `step()` is one epoch and `iteration` is always 0.
///
/// ```swift
/// // Divide the learning rate by 10 every 30 epochs.
/// let scheduler = FunctionLR { epoch, _ in 0.1 * pow(0.1, Double(epoch / 30)) }
///
/// // Per iteration: two warmup epochs of 500 iterations each, then constant.
/// let warm = FunctionLR(stepsPerEpoch: 500) { epoch, iteration in
///     0.1 * min(1, Double(epoch * 500 + iteration + 1) / 1000)
/// }
/// ```
public final class FunctionLR: LRScheduler {
    public let stepsPerEpoch: Int
    public private(set) var lrs: [Double]
    public private(set) var lastEpoch = 0
    private let learningRate: (_ epoch: Int, _ iteration: Int) -> Double

    /// - Parameters:
    ///   - groupCount: how many parameter groups receive the rate.
    ///   - stepsPerEpoch: iterations per epoch when stepped per iteration; 1 when stepped per epoch.
    ///   - learningRate: the learning rate for an epoch and an iteration within it.
    public init(
        groupCount: Int = 1, stepsPerEpoch: Int = 1,
        learningRate: @escaping (_ epoch: Int, _ iteration: Int) -> Double
    ) {
        precondition(groupCount > 0, "groupCount must be positive, got \(groupCount)")
        precondition(stepsPerEpoch > 0, "stepsPerEpoch must be positive, got \(stepsPerEpoch)")
        self.stepsPerEpoch = stepsPerEpoch
        self.learningRate = learningRate
        self.lrs = Array(repeating: learningRate(0, 0), count: groupCount)
    }

    public func step(metric: Double?) {
        lastEpoch += 1
        let (epoch, iteration) = lastEpoch.quotientAndRemainder(dividingBy: stepsPerEpoch)
        lrs = Array(repeating: learningRate(epoch, iteration), count: lrs.count)
    }
}

// MARK: - Scaled parameter groups

/// One schedule driving several parameter groups, each at a fixed fraction of it: how a backbone
/// trains at a lower rate than the head (`zoo finetune --backbone-lr-scale F` is `scales: [1, F]`).
///
/// ```swift
/// let scheduler = ScaledGroups(CosineAnnealingLR(baseLRs: [0.1], tMax: 10), scales: [1, 0.1])
/// scheduler.lrs  // [0.1, 0.01], both following the cosine
/// ```
public final class ScaledGroups: LRScheduler {
    public let wrapped: any LRScheduler
    public let scales: [Double]

    /// - Parameter scheduler: a one-group scheduler; group `i` gets its rate times `scales[i]`.
    public init(_ scheduler: any LRScheduler, scales: [Double]) {
        precondition(scheduler.lrs.count == 1, "ScaledGroups needs a one-group scheduler, got \(scheduler.lrs.count)")
        wrapped = scheduler
        self.scales = scales
    }

    public var lrs: [Double] { scales.map { wrapped.lrs[0] * $0 } }
    public var lastEpoch: Int { wrapped.lastEpoch }
    public func step(metric: Double?) { wrapped.step(metric: metric) }
}
