import ArgumentParser
import Foundation
import Zoo

/// `zoo lr`: print or plot a learning-rate schedule exactly as PyTorch would produce it.
struct LRCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lr",
        abstract: "Print or plot a learning-rate schedule, computed as PyTorch computes it.",
        discussion: """
            SCHEDULER is a torch.optim.lr_scheduler class name in any case, with or without "LR", or an \
            alias: \(SchedulerKind.allCases.filter { $0 != .lambdaLR && $0 != .multiplicativeLR }
                .map { "\($0.rawValue) (\($0.aliases.joined(separator: ", ")))" }.joined(separator: ", ")).
            Options are PyTorch's constructor arguments in kebab-case.

            Each row is the learning rate in effect for an epoch, or for an iteration with \
            --steps-per-epoch. CyclicLR and OneCycleLR are stepped every iteration and the others every \
            epoch, as PyTorch intends them; --step-every changes that, and step counts such as \
            --step-size and --t-max count those steps. OneCycleLR without --total-steps spans the run.

            Examples:
              zoo lr StepLR --lr 0.1 --epochs 100 --step-size 30 --csv
              zoo lr onecycle --lr 0.1 --epochs 10 --steps-per-epoch 100 --plot 1cycle.png
              zoo lr cosine --lr 0.1 --epochs 100 --t-max 95 --warmup-steps 5 --plot cos.svg
            """)

    @Argument(help: "The scheduler: a PyTorch class name such as StepLR or OneCycleLR, or an alias.")
    var scheduler: String

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp(
            "The optimizer's learning rate (for OneCycleLR: max_lr unless --max-lr; for CyclicLR: base_lr unless --base-lr).",
            valueName: "base"))
    var lr: Double?

    @Option(parsing: .unconditional, help: "Epochs in the run.")
    var epochs: Int

    @Option(parsing: .unconditional, help: "Iterations per epoch: print one row per iteration.")
    var stepsPerEpoch: Int?

    @Option(help: "Step the scheduler every epoch or every iteration (default: as PyTorch intends the scheduler).")
    var stepEvery: StepInterval?

    @Flag(help: "Print CSV: epoch,lr (or epoch,iteration,lr) with round-trippable learning rates.")
    var csv = false

    @Option(help: ArgumentHelp("Draw the curve into an .svg or .png file.", valueName: "file"))
    var plot: String?

    @Option(
        help: ArgumentHelp(
            "ReduceLROnPlateau's metric after each step: comma-separated numbers, or @FILE.",
            valueName: "list"))
    var metrics: String?

    @OptionGroup(title: "Scheduler options (PyTorch's constructor arguments)")
    var options: SchedulerArguments

    /// Checks everything before producing anything, so a mistake leaves no partial output.
    func validate() throws {
        _ = try makeTrace()
    }

    func run() throws {
        let (spec, trace) = try makeTrace()
        if let plot {
            try trace.plot(title: spec.kind.rawValue, subtitle: spec.optionSummary).write(to: plot)
            FileHandle.standardError.write(Data("wrote plot to \(plot)\n".utf8))
        }
        if csv {
            print(trace.csv(), terminator: "")
        } else if plot == nil {
            print(trace.table(), terminator: "")
        }
    }

    private func makeTrace() throws -> (SchedulerSpec, LRTrace) {
        do {
            _ = try plot.map { try PlotFormat(path: $0) }
            let spec = try SchedulerSpec(name: scheduler, lr: lr, options: try options.pytorchOptions())
            let trace = try spec.trace(
                epochs: epochs, stepsPerEpoch: stepsPerEpoch, stepEvery: stepEvery,
                metrics: try metricValues())
            return (spec, trace)
        } catch let error as SchedulerSpecError {
            throw ValidationError(error.description)
        } catch let error as PlotError {
            throw ValidationError(error.description)
        }
    }

    private func metricValues() throws -> [Double] {
        guard let metrics else { return [] }
        var text = metrics
        if metrics.hasPrefix("@") {
            let path = String(metrics.dropFirst())
            guard let contents = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw ValidationError("--metrics: cannot read '\(path)'")
            }
            text = contents
        }
        let items = text.split(whereSeparator: { $0 == "," || $0.isWhitespace })
        return try items.map { item in
            guard let value = Double(item) else { throw ValidationError("--metrics: '\(item)' is not a number") }
            return value
        }
    }
}

/// The constructor arguments, kebab-case on the command line, PyTorch's names in the library.
struct SchedulerArguments: ParsableArguments {
    @Option(parsing: .unconditional, help: "StepLR: period of decay (step_size).") var stepSize: Int?
    @Option(
        parsing: .unconditional, help: "StepLR, MultiStepLR, ExponentialLR, CyclicLR exp_range: decay factor (gamma).")
    var gamma: Double?
    @Option(help: ArgumentHelp("MultiStepLR: epochs of decay, such as 30,80 (milestones).", valueName: "list"))
    var milestones: String?
    @Option(name: .customLong("t-max"), parsing: .unconditional, help: "CosineAnnealingLR: half period (T_max).")
    var tMax: Int?
    @Option(parsing: .unconditional, help: "Cosine schedulers: minimum learning rate (eta_min).") var etaMin: Double?
    @Option(name: .customLong("t-0"), parsing: .unconditional, help: "CosineAnnealingWarmRestarts: first period (T_0).")
    var t0: Int?
    @Option(
        name: .customLong("t-mult"), parsing: .unconditional,
        help: "CosineAnnealingWarmRestarts: period growth (T_mult).")
    var tMult: Int?
    @Option(name: .customLong("base-lr"), parsing: .unconditional, help: "CyclicLR: lower bound (base_lr).")
    var baseLR: Double?
    @Option(name: .customLong("max-lr"), parsing: .unconditional, help: "CyclicLR, OneCycleLR: peak (max_lr).")
    var maxLR: Double?
    @Option(parsing: .unconditional, help: "CyclicLR: iterations rising (step_size_up).") var stepSizeUp: Int?
    @Option(parsing: .unconditional, help: "CyclicLR: iterations falling (step_size_down).") var stepSizeDown: Int?
    @Option(help: "CyclicLR: triangular, triangular2 or exp_range; ReduceLROnPlateau: min or max (mode).")
    var mode: String?
    @Option(parsing: .unconditional, help: "OneCycleLR: steps in the cycle (total_steps).") var totalSteps: Int?
    @Option(parsing: .unconditional, help: "OneCycleLR: fraction of the cycle rising (pct_start).") var pctStart:
        Double?
    @Option(help: "OneCycleLR: cos or linear (anneal_strategy).") var annealStrategy: String?
    @Flag(help: "OneCycleLR: come back down before annealing (three_phase).") var threePhase = false
    @Option(parsing: .unconditional, help: "OneCycleLR: initial_lr = max_lr / div_factor (div_factor).")
    var divFactor: Double?
    @Option(parsing: .unconditional, help: "OneCycleLR: min_lr = initial_lr / final_div_factor (final_div_factor).")
    var finalDivFactor: Double?
    @Option(parsing: .unconditional, help: "ReduceLROnPlateau: multiplier on a plateau (factor).") var factor: Double?
    @Option(parsing: .unconditional, help: "ReduceLROnPlateau: bad epochs tolerated (patience).") var patience: Int?
    @Option(parsing: .unconditional, help: "ReduceLROnPlateau: significant change (threshold).") var threshold: Double?
    @Option(help: "ReduceLROnPlateau: rel or abs (threshold_mode).") var thresholdMode: String?
    @Option(parsing: .unconditional, help: "ReduceLROnPlateau: epochs to wait after a reduction (cooldown).")
    var cooldown: Int?
    @Option(name: .customLong("min-lr"), parsing: .unconditional, help: "ReduceLROnPlateau: lower bound (min_lr).")
    var minLR: Double?
    @Option(parsing: .unconditional, help: "ReduceLROnPlateau: smallest reduction applied (eps).") var eps: Double?
    @Option(parsing: .unconditional, help: "Any scheduler: steps of linear warmup before it (ours).") var warmupSteps:
        Int?
    @Option(
        parsing: .unconditional, help: "Any scheduler: first warmup rate as a fraction of the rate (ours, default 1/3)."
    )
    var warmupStartFactor: Double?

    /// The options given, by PyTorch argument name.
    func pytorchOptions() throws -> [String: SchedulerOption] {
        var options: [String: SchedulerOption?] = [
            "step_size": stepSize.map(SchedulerOption.int), "gamma": gamma.map(SchedulerOption.double),
            "T_max": tMax.map(SchedulerOption.int), "eta_min": etaMin.map(SchedulerOption.double),
            "T_0": t0.map(SchedulerOption.int), "T_mult": tMult.map(SchedulerOption.int),
            "base_lr": baseLR.map(SchedulerOption.double), "max_lr": maxLR.map(SchedulerOption.double),
            "step_size_up": stepSizeUp.map(SchedulerOption.int),
            "step_size_down": stepSizeDown.map(SchedulerOption.int),
            "mode": mode.map(SchedulerOption.string), "total_steps": totalSteps.map(SchedulerOption.int),
            "pct_start": pctStart.map(SchedulerOption.double),
            "anneal_strategy": annealStrategy.map(SchedulerOption.string),
            "three_phase": threePhase ? .bool(true) : nil, "div_factor": divFactor.map(SchedulerOption.double),
            "final_div_factor": finalDivFactor.map(SchedulerOption.double),
            "factor": factor.map(SchedulerOption.double),
            "patience": patience.map(SchedulerOption.int), "threshold": threshold.map(SchedulerOption.double),
            "threshold_mode": thresholdMode.map(SchedulerOption.string), "cooldown": cooldown.map(SchedulerOption.int),
            "min_lr": minLR.map(SchedulerOption.double), "eps": eps.map(SchedulerOption.double),
            "warmup_steps": warmupSteps.map(SchedulerOption.int),
            "warmup_start_factor": warmupStartFactor.map(SchedulerOption.double),
        ]
        if let milestones {
            options["milestones"] = try SchedulerOption(integerList: milestones, for: "milestones")
        }
        return options.compactMapValues { $0 }
    }
}

extension StepInterval: ExpressibleByArgument {}
