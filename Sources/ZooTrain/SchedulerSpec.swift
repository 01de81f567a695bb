// Building a scheduler from its PyTorch class name and constructor arguments, as given on the
// command line (`zoo lr StepLR --step-size 30`) or in a config file (`{"step_size": 30}`).
//
// Options keep PyTorch's argument names (`step_size`, `T_max`, `max_lr`); on the command line they
// are spelled in kebab-case (`--step-size`, `--t-max`, `--max-lr`). Two options are ours and apply
// to every scheduler: `warmup_steps` and `warmup_start_factor` (see ``LinearWarmup``).

import Foundation

/// The schedulers of torch.optim.lr_scheduler that zoo implements, by PyTorch class name.
public enum SchedulerKind: String, CaseIterable, Sendable {
    case lambdaLR = "LambdaLR"
    case multiplicativeLR = "MultiplicativeLR"
    case stepLR = "StepLR"
    case multiStepLR = "MultiStepLR"
    case exponentialLR = "ExponentialLR"
    case cosineAnnealingLR = "CosineAnnealingLR"
    case reduceLROnPlateau = "ReduceLROnPlateau"
    case cyclicLR = "CyclicLR"
    case oneCycleLR = "OneCycleLR"
    case cosineAnnealingWarmRestarts = "CosineAnnealingWarmRestarts"

    /// Finds a scheduler by name, ignoring case, `-` and `_`, with or without the `LR` suffix, or
    /// by a short alias (`step`, `cosine`, `plateau`, `onecycle`, `sgdr`, …).
    ///
    /// ```swift
    /// SchedulerKind(name: "steplr")     // .stepLR
    /// SchedulerKind(name: "one-cycle")  // .oneCycleLR
    /// ```
    public init?(name: String) {
        let wanted = Self.normalized(name)
        let match = Self.allCases.first { kind in
            let full = Self.normalized(kind.rawValue)
            return wanted == full || wanted + "lr" == full || kind.aliases.contains(wanted)
        }
        guard let match else { return nil }
        self = match
    }

    /// Short names accepted besides the class name.
    public var aliases: [String] {
        switch self {
        case .lambdaLR: return ["lambda"]
        case .multiplicativeLR: return ["multiplicative"]
        case .stepLR: return ["step"]
        case .multiStepLR: return ["multistep"]
        case .exponentialLR: return ["exp", "exponential"]
        case .cosineAnnealingLR: return ["cos", "cosine", "cosineannealing"]
        case .reduceLROnPlateau: return ["plateau", "reduceonplateau"]
        case .cyclicLR: return ["cyclic", "clr"]
        case .oneCycleLR: return ["onecycle", "1cycle"]
        case .cosineAnnealingWarmRestarts: return ["sgdr", "warmrestarts", "cosinewarmrestarts"]
        }
    }

    /// Whether PyTorch designed the scheduler to be stepped per epoch or per iteration (batch).
    public var defaultStepInterval: StepInterval {
        switch self {
        case .cyclicLR, .oneCycleLR: return .iteration
        default: return .epoch
        }
    }

    /// The constructor arguments accepted, with PyTorch's names, in PyTorch's order (ours last).
    public var optionNames: [String] {
        let own: [String]
        switch self {
        case .lambdaLR, .multiplicativeLR: own = []
        case .stepLR: own = ["step_size", "gamma"]
        case .multiStepLR: own = ["milestones", "gamma"]
        case .exponentialLR: own = ["gamma"]
        case .cosineAnnealingLR: own = ["T_max", "eta_min"]
        case .reduceLROnPlateau:
            own = ["mode", "factor", "patience", "threshold", "threshold_mode", "cooldown", "min_lr", "eps"]
        case .cyclicLR: own = ["base_lr", "max_lr", "step_size_up", "step_size_down", "mode", "gamma"]
        case .oneCycleLR:
            own = [
                "max_lr", "total_steps", "epochs", "steps_per_epoch", "pct_start", "anneal_strategy",
                "div_factor", "final_div_factor", "three_phase",
            ]
        case .cosineAnnealingWarmRestarts: own = ["T_0", "T_mult", "eta_min"]
        }
        return own + ["warmup_steps", "warmup_start_factor"]
    }

    static func normalized(_ name: String) -> String {
        String(name.lowercased().filter { $0 != "-" && $0 != "_" && $0 != " " })
    }
}

/// How often a schedule is stepped.
public enum StepInterval: String, CaseIterable, Sendable {
    case epoch
    case iteration
}

/// The value of one scheduler option, as read from JSON or the command line.
public enum SchedulerOption: Sendable, Equatable, Decodable, CustomStringConvertible {
    case int(Int)
    case double(Double)
    case bool(Bool)
    case string(String)
    case integers([Int])

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int.self) {
            self = .int(value)
        } else if let value = try? container.decode(Double.self) {
            self = .double(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else {
            self = .integers(try container.decode([Int].self))
        }
    }

    /// Parses a comma-separated list of integers such as `30,80`.
    ///
    /// ```swift
    /// try SchedulerOption(integerList: "30,80", for: "milestones")  // .integers([30, 80])
    /// ```
    public init(integerList text: String, for option: String) throws(SchedulerSpecError) {
        var values: [Int] = []
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            let trimmed = item.trimmingCharacters(in: .whitespaces)
            guard let value = Int(trimmed) else {
                throw .invalidValue(
                    option: option, value: text,
                    expected: "a comma-separated list of integers such as 30,80")
            }
            values.append(value)
        }
        self = .integers(values)
    }

    /// Python's spelling, as in the constructor call.
    public var description: String {
        switch self {
        case .int(let value): return String(value)
        case .double(let value): return String(value)
        case .bool(let value): return value ? "True" : "False"
        case .string(let value): return "'\(value)'"
        case .integers(let values): return "[" + values.map(String.init).joined(separator: ", ") + "]"
        }
    }
}

/// A scheduler named by its PyTorch class and constructor arguments; `makeScheduler` builds it.
///
/// ```swift
/// let spec = try SchedulerSpec(name: "StepLR", lr: 0.1, options: ["step_size": .int(30)])
/// let scheduler = try spec.makeScheduler()
/// ```
public struct SchedulerSpec: Sendable, CustomStringConvertible {
    public var kind: SchedulerKind
    /// The optimizer's learning rate (one parameter group). CyclicLR and OneCycleLR may instead
    /// take theirs from `base_lr` and `max_lr`.
    public var lr: Double?
    /// Constructor arguments by PyTorch name.
    public var options: [String: SchedulerOption]

    /// Checks the name and that every option belongs to the scheduler; values are checked by
    /// `makeScheduler`.
    public init(name: String, lr: Double?, options: [String: SchedulerOption] = [:]) throws(SchedulerSpecError) {
        guard let kind = SchedulerKind(name: name) else { throw .unknownScheduler(name) }
        try self.init(kind: kind, lr: lr, options: options)
    }

    public init(kind: SchedulerKind, lr: Double?, options: [String: SchedulerOption] = [:]) throws(SchedulerSpecError) {
        if kind == .lambdaLR || kind == .multiplicativeLR { throw .needsFunction(kind) }
        for name in options.keys.sorted() where !kind.optionNames.contains(name) {
            throw .unknownOption(name, scheduler: kind)
        }
        self.kind = kind
        self.lr = lr
        self.options = options
    }

    /// `StepLR(lr=0.1, step_size=30, gamma=0.1)`: the options in PyTorch's order.
    public var description: String {
        "\(kind.rawValue)(\(optionSummary))"
    }

    /// `lr=0.1, step_size=30`: the learning rate and the options given, in PyTorch's order.
    public var optionSummary: String {
        let lrPart = lr.map { ["lr=\($0)"] } ?? []
        let given = kind.optionNames.compactMap { name in options[name].map { "\(name)=\($0)" } }
        return (lrPart + given).joined(separator: ", ")
    }

    /// Builds the scheduler for one parameter group.
    ///
    /// - Parameter runLength: learning rates the run will use (epochs, or iterations when stepped
    ///   per iteration). OneCycleLR without `total_steps` (nor `epochs` and `steps_per_epoch`)
    ///   spans it, warmup excluded; other schedulers ignore it.
    public func makeScheduler(runLength: Int? = nil) throws(SchedulerSpecError) -> any LRScheduler {
        let warmupSteps = try int("warmup_steps", default: 0, atLeast: 0)
        let warmupStartFactor = try double(
            "warmup_start_factor", default: 1.0 / 3.0, where: { (0...1).contains($0) },
            expected: "a number between 0 and 1")
        let scheduler: any LRScheduler
        switch kind {
        case .lambdaLR, .multiplicativeLR:
            throw .needsFunction(kind)
        case .stepLR:
            scheduler = StepLR(
                baseLRs: [try learningRate()],
                stepSize: try requiredInt("step_size", atLeast: 1),
                gamma: try double("gamma", default: 0.1))
        case .multiStepLR:
            scheduler = MultiStepLR(
                baseLRs: [try learningRate()], milestones: try milestones(),
                gamma: try double("gamma", default: 0.1))
        case .exponentialLR:
            scheduler = ExponentialLR(baseLRs: [try learningRate()], gamma: try requiredDouble("gamma"))
        case .cosineAnnealingLR:
            scheduler = CosineAnnealingLR(
                baseLRs: [try learningRate()],
                tMax: try requiredInt("T_max", atLeast: 1),
                etaMin: try double("eta_min", default: 0))
        case .reduceLROnPlateau:
            scheduler = ReduceLROnPlateau(
                baseLRs: [try learningRate()],
                mode: try choice("mode", default: ReduceLROnPlateau.Mode.min),
                factor: try double(
                    "factor", default: 0.1, where: { $0 >= 0 && $0 < 1 },
                    expected: "a number in [0, 1)"),
                patience: try int("patience", default: 10, atLeast: 0),
                threshold: try double("threshold", default: 1e-4),
                thresholdMode: try choice("threshold_mode", default: ReduceLROnPlateau.ThresholdMode.relative),
                cooldown: try int("cooldown", default: 0, atLeast: 0),
                minLR: try double("min_lr", default: 0, where: { $0 >= 0 }, expected: "a non-negative number"),
                eps: try double("eps", default: 1e-8))
        case .cyclicLR:
            scheduler = try makeCyclicLR()
        case .oneCycleLR:
            scheduler = try makeOneCycleLR(runLength: runLength.map { $0 - warmupSteps })
        case .cosineAnnealingWarmRestarts:
            scheduler = CosineAnnealingWarmRestarts(
                baseLRs: [try learningRate()],
                t0: try requiredInt("T_0", atLeast: 1),
                tMult: try int("T_mult", default: 1, atLeast: 1),
                etaMin: try double("eta_min", default: 0))
        }
        guard warmupSteps > 0 else { return scheduler }
        return LinearWarmup(scheduler, warmupSteps: warmupSteps, warmupStartFactor: warmupStartFactor)
    }

    private func makeCyclicLR() throws(SchedulerSpecError) -> CyclicLR {
        guard let baseLR = try double("base_lr") ?? lr else { throw .missingLearningRate(kind, alternative: "base_lr") }
        try checkLearningRate(baseLR, option: "base_lr")
        let maxLR = try requiredDouble("max_lr")
        try checkLearningRate(maxLR, option: "max_lr")
        let mode: CyclicLR.Mode
        switch try string("mode") ?? "triangular" {
        case "triangular": mode = .triangular
        case "triangular2": mode = .triangular2
        case "exp_range": mode = .expRange(gamma: try double("gamma", default: 1))
        case let other:
            throw .invalidValue(option: "mode", value: other, expected: "one of triangular, triangular2, exp_range")
        }
        let stepSizeDown = try int("step_size_down", atLeast: 1)
        return CyclicLR(
            baseLRs: [baseLR], maxLRs: [maxLR],
            stepSizeUp: try int("step_size_up", default: 2000, atLeast: 1),
            stepSizeDown: stepSizeDown, mode: mode)
    }

    private func makeOneCycleLR(runLength: Int?) throws(SchedulerSpecError) -> OneCycleLR {
        guard let maxLR = try double("max_lr") ?? lr else { throw .missingLearningRate(kind, alternative: "max_lr") }
        try checkLearningRate(maxLR, option: "max_lr")
        // PyTorch's precedence: total_steps, else epochs × steps_per_epoch; ours last: the whole run.
        let totalSteps: Int
        if let given = try int("total_steps", atLeast: 1) {
            totalSteps = given
        } else if options["epochs"] != nil || options["steps_per_epoch"] != nil {
            totalSteps = try requiredInt("epochs", atLeast: 1) * requiredInt("steps_per_epoch", atLeast: 1)
        } else if let runLength, runLength > 0 {
            totalSteps = runLength
        } else {
            throw .missingOption("total_steps", scheduler: kind)
        }
        let strategyName = try string("anneal_strategy") ?? "cos"
        guard let strategy = OneCycleLR.AnnealStrategy(rawValue: strategyName) else {
            throw .invalidValue(option: "anneal_strategy", value: strategyName, expected: "cos or linear")
        }
        return OneCycleLR(
            maxLRs: [maxLR], totalSteps: totalSteps,
            pctStart: try double(
                "pct_start", default: 0.3, where: { (0...1).contains($0) },
                expected: "a number between 0 and 1"),
            annealStrategy: strategy,
            divFactor: try double("div_factor", default: 25, where: { $0 > 0 }, expected: "a positive number"),
            finalDivFactor: try double(
                "final_div_factor", default: 1e4, where: { $0 > 0 },
                expected: "a positive number"),
            threePhase: try bool("three_phase", default: false))
    }

    private func milestones() throws(SchedulerSpecError) -> [Int] {
        guard let option = options["milestones"] else { throw .missingOption("milestones", scheduler: kind) }
        let values: [Int]
        switch option {
        case .integers(let list): values = list
        case .int(let single): values = [single]
        default:
            throw .invalidValue(
                option: "milestones", value: option.description, expected: "a list of epochs such as 30,80")
        }
        let text = values.map(String.init).joined(separator: ",")
        if values.isEmpty || values.contains(where: { $0 < 0 }) {
            throw .invalidValue(option: "milestones", value: text, expected: "a non-empty list of epochs >= 0")
        }
        if zip(values, values.dropFirst()).contains(where: { $0 > $1 }) {
            throw .invalidValue(option: "milestones", value: text, expected: "epochs in increasing order")
        }
        return values
    }

    // MARK: Reading options

    private func learningRate() throws(SchedulerSpecError) -> Double {
        guard let lr else { throw .missingLearningRate(kind, alternative: nil) }
        try checkLearningRate(lr, option: "lr")
        return lr
    }

    private func checkLearningRate(_ value: Double, option: String) throws(SchedulerSpecError) {
        guard value.isFinite, value >= 0 else {
            throw .invalidValue(option: option, value: String(value), expected: "a non-negative learning rate")
        }
    }

    private func int(_ name: String, atLeast minimum: Int = .min) throws(SchedulerSpecError) -> Int? {
        guard let option = options[name] else { return nil }
        let value: Int
        switch option {
        case .int(let integer): value = integer
        case .double(let real) where real.rounded() == real && abs(real) < 1e15: value = Int(real)
        default: throw .invalidValue(option: name, value: option.description, expected: "an integer")
        }
        guard value >= minimum else {
            throw .invalidValue(
                option: name, value: String(value),
                expected: minimum == 1 ? "a positive integer" : "an integer >= \(minimum)")
        }
        return value
    }

    private func int(_ name: String, default defaultValue: Int, atLeast minimum: Int) throws(SchedulerSpecError) -> Int
    {
        try int(name, atLeast: minimum) ?? defaultValue
    }

    private func requiredInt(_ name: String, atLeast minimum: Int) throws(SchedulerSpecError) -> Int {
        guard let value = try int(name, atLeast: minimum) else { throw .missingOption(name, scheduler: kind) }
        return value
    }

    private func double(_ name: String) throws(SchedulerSpecError) -> Double? {
        guard let option = options[name] else { return nil }
        switch option {
        case .double(let value) where value.isFinite: return value
        case .int(let value): return Double(value)
        default: throw .invalidValue(option: name, value: option.description, expected: "a number")
        }
    }

    private func double(
        _ name: String, default defaultValue: Double, where isValid: (Double) -> Bool = { _ in true },
        expected: String = "a number"
    ) throws(SchedulerSpecError) -> Double {
        let value = try double(name) ?? defaultValue
        guard isValid(value) else { throw .invalidValue(option: name, value: String(value), expected: expected) }
        return value
    }

    private func requiredDouble(_ name: String) throws(SchedulerSpecError) -> Double {
        guard let value = try double(name) else { throw .missingOption(name, scheduler: kind) }
        return value
    }

    private func string(_ name: String) throws(SchedulerSpecError) -> String? {
        guard let option = options[name] else { return nil }
        guard case .string(let value) = option else {
            throw .invalidValue(option: name, value: option.description, expected: "a word")
        }
        return value
    }

    private func choice<Choice: RawRepresentable & CaseIterable>(_ name: String, default defaultValue: Choice)
        throws(SchedulerSpecError) -> Choice where Choice.RawValue == String
    {
        guard let text = try string(name) else { return defaultValue }
        guard let value = Choice(rawValue: text) else {
            let choices = Choice.allCases.map(\.rawValue).joined(separator: ", ")
            throw .invalidValue(option: name, value: text, expected: "one of \(choices)")
        }
        return value
    }

    private func bool(_ name: String, default defaultValue: Bool) throws(SchedulerSpecError) -> Bool {
        guard let option = options[name] else { return defaultValue }
        guard case .bool(let value) = option else {
            throw .invalidValue(option: name, value: option.description, expected: "true or false")
        }
        return value
    }
}

/// What can be wrong with a scheduler's name, options or run; messages name the command-line flag.
public enum SchedulerSpecError: Error, Equatable, CustomStringConvertible {
    case unknownScheduler(String)
    case needsFunction(SchedulerKind)
    case unknownOption(String, scheduler: SchedulerKind)
    case missingOption(String, scheduler: SchedulerKind)
    case missingLearningRate(SchedulerKind, alternative: String?)
    case invalidValue(option: String, value: String, expected: String)
    case invalidRun(String)

    /// `--t-max` for `T_max`: the command-line spelling of a PyTorch argument name.
    public static func flag(for option: String) -> String {
        "--" + option.lowercased().replacingOccurrences(of: "_", with: "-")
    }

    public var description: String {
        switch self {
        case .unknownScheduler(let name):
            let known = SchedulerKind.allCases.map(\.rawValue).joined(separator: ", ")
            return "unknown scheduler '\(name)'; known: \(known)"
        case .needsFunction(let kind):
            return "\(kind.rawValue) takes a Swift function, so it cannot be built from a name and options;"
                + " use \(kind.rawValue)(baseLRs:factor:) or FunctionLR in code"
        case .unknownOption(let option, let kind):
            let accepted = kind.optionNames.map { Self.flag(for: $0) }.joined(separator: ", ")
            return "\(Self.flag(for: option)) (\(option)) does not apply to \(kind.rawValue); it accepts \(accepted)"
        case .missingOption(let option, let kind):
            return "\(kind.rawValue) needs \(Self.flag(for: option)) (\(option))"
        case .missingLearningRate(let kind, let alternative):
            let or = alternative.map { " or \(Self.flag(for: $0))" } ?? ""
            return "\(kind.rawValue) needs a learning rate: give --lr\(or)"
        case .invalidValue(let option, let value, let expected):
            let flag = option == "lr" ? "--lr" : "\(Self.flag(for: option)) (\(option))"
            return "\(flag) must be \(expected), got \(value)"
        case .invalidRun(let message):
            return message
        }
    }
}
