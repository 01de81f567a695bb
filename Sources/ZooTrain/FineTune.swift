// A fine-tuning run a person can start, watch, stop and resume: epochs of accumulated, clipped
// steps with an optional weight average, a frozen-backbone phase, validation with top-1/top-5,
// metrics.csv and the curves' picture, and last/best checkpoints that carry everything a resume
// needs (weights, optimizer, EMA, schedule position, history), each written atomically.

import Foundation
import ZooCheckpoint
import ZooDistributed
import ZooNN
import ZooPlot
import ZooTensor

/// How a run trains; the CLI's `zoo finetune` flags map onto these one to one.
public struct FineTuneOptions: Sendable {
    public var epochs: Int
    /// Batches whose gradients are summed (each loss divided by this) before one optimizer step.
    public var accumulationSteps = 1
    /// Clip the gradients' joint L2 norm to this before each step.
    public var clipGradNorm: Double?
    /// Keep a ModelEmaV3 average with this decay and validate it alongside the model.
    public var emaDecay: Double?
    /// Epochs at the start during which only parameters matching `headPattern` train.
    public var freezeEpochs = 0
    /// The classifier's parameters (fnmatch, as `Module.freeze`), such as "fc".
    public var headPattern = "fc"
    /// Stop when validation top-1 has not improved for this many epochs.
    public var earlyStopPatience: Int?
    /// Where metrics.csv, curves.png/.svg, last.zoo and best.zoo go; nil writes nothing.
    public var outputDirectory: String?
    /// Step the scheduler after each epoch (PyTorch's usual) or each optimizer step.
    public var schedulerInterval: StepInterval = .epoch
    /// Parameters (fnmatch, as `Module.freeze`) frozen for the whole run.
    public var freezePatterns: [String] = []
    /// Parameters kept training throughout, even during `freezeEpochs` or matched by `freezePatterns`.
    public var unfreezePatterns: [String] = []

    public init(epochs: Int) { self.epochs = epochs }
}

/// What one epoch measured (a row of metrics.csv).
public struct FineTuneEpoch: Sendable, Equatable {
    /// 1-based.
    public var epoch: Int
    public var trainLoss: Double
    public var validationLoss: Double?
    public var top1: Double?
    public var top5: Double?
    /// The first parameter group's learning rate during the epoch.
    public var lr: Double

    /// `epoch,train_loss,val_loss,val_top1,val_top5,lr`, numbers round-tripping, blanks when unknown.
    public var csvLine: String {
        func number(_ value: Double?) -> String { value.map { "\($0)" } ?? "" }
        return "\(epoch),\(trainLoss),\(number(validationLoss)),\(number(top1)),\(number(top5)),\(lr)"
    }

    public static let csvHeader = "epoch,train_loss,val_loss,val_top1,val_top5,lr"
}

/// Progress inside an epoch, for a bar or a log line.
public struct FineTuneProgress: Sendable {
    public var epoch: Int
    public var batch: Int
    public var batches: Int?
    public var loss: Double
    public var elapsed: Double
}

public enum FineTuneError: Error, Equatable, CustomStringConvertible {
    case resumeMismatch(path: String, reason: String)
    case output(path: String, reason: String)

    public var description: String {
        switch self {
        case .resumeMismatch(let path, let reason): return "\(path): cannot resume this run from it: \(reason)"
        case .output(let path, let reason): return "\(path): \(reason)"
        }
    }
}

/// The fine-tuning loop around a model, a loss, an optimizer and a scheduler.
///
/// ```swift
/// var options = FineTuneOptions(epochs: 10)
/// options.freezeEpochs = 2
/// options.emaDecay = 0.999
/// options.outputDirectory = "out"
/// let run = FineTune(model: model, loss: CrossEntropyLoss(), optimizer: optimizer, scheduler: scheduler,
///                    options: options, classNames: classes)
/// run.onEpoch = { print($0.csvLine) }
/// try run.fit(train: { epoch in loader.batches(epoch: epoch) }, validation: { validationLoader.batches() })
/// ```
public final class FineTune {
    public let model: Module
    public let loss: any LossFunction
    public let optimizer: Optimizer
    public let scheduler: (any LRScheduler)?
    public let options: FineTuneOptions
    public let classNames: [String]
    /// The resolved pretrained cfg, stored in checkpoints so predict needs nothing else.
    public let config: JSONValue?
    public let architecture: String?
    public let ema: ModelEMA?

    public var onEpoch: ((FineTuneEpoch) -> Void)?
    public var onProgress: ((FineTuneProgress) -> Void)?
    /// The processes training together (docs/distributed.md): each gives `fit` its own shard of every
    /// batch; gradients are averaged and metrics summed over all, and rank 0 alone writes files.
    public var communicator: any Communicator = SingleProcess()

    public private(set) var history: [FineTuneEpoch] = []
    /// Optimizer steps taken (the EMA's and a per-step scheduler's clock).
    public private(set) var globalStep = 0
    private var schedulerMetrics: [Double?] = []

    public init(
        model: Module, loss: any LossFunction, optimizer: Optimizer, scheduler: (any LRScheduler)? = nil,
        options: FineTuneOptions, classNames: [String] = [], config: JSONValue? = nil,
        architecture: String? = nil
    ) {
        self.model = model
        self.loss = loss
        self.optimizer = optimizer
        self.scheduler = scheduler
        self.options = options
        self.classNames = classNames
        self.config = config
        self.architecture = architecture
        ema = options.emaDecay.map { ModelEMA(model, decay: $0) }
        scheduler?.apply(to: optimizer)
    }

    /// Trains the remaining epochs; `train(epoch)` gives epoch `epoch`'s batches (0-based, the same
    /// batches for the same epoch, so a resumed run sees the data a whole run would).
    @discardableResult
    public func fit<Train: Sequence, Validation: Sequence>(
        train: (Int) throws -> Train, validation: (() throws -> Validation)? = nil
    ) throws -> [FineTuneEpoch] where Train.Element == Trainer.Batch, Validation.Element == Trainer.Batch {
        let writes = communicator.isMain ? options.outputDirectory : nil
        if let directory = writes { try Self.prepare(directory) }
        try DataParallel(communicator: communicator).broadcastState(of: model)
        var bestTop1 = history.compactMap(\.top1).max() ?? -1
        var sinceBest = 0
        for epoch in history.count..<options.epochs {
            try setFrozen(epoch < options.freezeEpochs)
            var record = try trainEpoch(try train(epoch), epoch: epoch)
            if let validation {
                let measured = try evaluate(try validation())
                (record.validationLoss, record.top1, record.top5) = (measured.loss, measured.top1, measured.top5)
            }
            history.append(record)
            if options.schedulerInterval == .epoch, let scheduler {
                let metric = record.validationLoss ?? record.trainLoss
                scheduler.step(metric: metric)
                scheduler.apply(to: optimizer)
                schedulerMetrics.append(metric)
            }
            let improved = (record.top1 ?? -1) > bestTop1
            if improved { bestTop1 = record.top1 ?? -1; sinceBest = 0 } else { sinceBest += 1 }
            if let directory = writes { try writeOutputs(to: directory, best: improved) }
            onEpoch?(record)
            if let patience = options.earlyStopPatience, sinceBest >= patience, record.top1 != nil { break }
        }
        return history
    }

    /// Freezes everything but the head (or unfreezes all), then applies the run's own freeze and
    /// unfreeze patterns: the optimizer keeps every parameter, and frozen ones simply get no gradient.
    private func setFrozen(_ frozen: Bool) throws {
        guard options.freezeEpochs > 0 || !options.freezePatterns.isEmpty || !options.unfreezePatterns.isEmpty
        else { return }
        if frozen {
            _ = try? model.freeze(matching: "*")
            _ = try? model.unfreeze(matching: options.headPattern)
        } else {
            _ = try? model.unfreeze(matching: "*")
        }
        for pattern in options.freezePatterns { try model.freeze(matching: pattern) }
        for pattern in options.unfreezePatterns { try model.unfreeze(matching: pattern) }
    }

    private func trainEpoch<Batches: Sequence>(_ batches: Batches, epoch: Int) throws -> FineTuneEpoch
    where Batches.Element == Trainer.Batch {
        model.trainKeepingFrozenNormsInEval()
        let lr = optimizer.learningRates.first ?? 0
        let started = Date()
        var total = 0.0, count = 0, pending = 0
        optimizer.zeroGrad()
        for batch in batches {
            let value = loss(model(batch.input), batch.target)
            let scaled =
                options.accumulationSteps > 1
                ? value * Tensor(scalar: Float(1) / Float(options.accumulationSteps)) : value
            scaled.backward()
            pending += 1
            total += Double(value.item())
            count += 1
            if pending == options.accumulationSteps { try step(); pending = 0 }
            onProgress?(
                FineTuneProgress(
                    epoch: epoch + 1, batch: count, batches: nil, loss: total / Double(count),
                    elapsed: Date().timeIntervalSince(started)))
        }
        if pending > 0 { try step() }
        // Every rank's batch losses: equal shards make this the mean loss of the global batches.
        let summed = try DataParallel(communicator: communicator).sum([total, Double(count)])
        return FineTuneEpoch(epoch: epoch + 1, trainLoss: summed[1] > 0 ? summed[0] / summed[1] : .nan, lr: lr)
    }

    private func step() throws {
        try DataParallel(communicator: communicator).averageGradients(of: model.trainableParameters())
        if let maxNorm = options.clipGradNorm { clipGradNorm(model.parameters(), maxNorm: maxNorm) }
        optimizer.step()
        optimizer.zeroGrad()
        globalStep += 1
        ema?.update(from: model, step: globalStep)
        if options.schedulerInterval == .iteration, let scheduler {
            scheduler.step(metric: nil)
            scheduler.apply(to: optimizer)
            schedulerMetrics.append(nil)
        }
    }

    /// Mean loss, top-1 and top-5 in eval mode without a graph — of the EMA weights when there are.
    /// Under several ranks each evaluates its own shard and the counts are summed over all.
    public func evaluate<Batches: Sequence>(_ batches: Batches) throws -> (loss: Double, top1: Double?, top5: Double?)
    where Batches.Element == Trainer.Batch {
        func measure() throws -> (Double, Double?, Double?) {
            model.eval()
            // Losses weighted by batch size (timm's AverageMeter): a per-sample mean, whatever the
            // batches, so shards of any size sum to the one-process figure.
            var total = 0.0, weight = 0.0, correct1 = 0, correct5 = 0, samples = 0
            withNoGrad {
                for batch in batches {
                    let output = model(batch.input), size = Double(batch.input.shape.first ?? 1)
                    total += Double(loss(output, batch.target).item()) * size
                    weight += size
                    guard batch.target.dtype == .int64, output.rank == 2 else { continue }
                    let classes = output.shape[1], scores = output.toArray(), truth = batch.target.toInts()
                    for (row, label) in truth.enumerated() {
                        let rowScores = scores[row * classes..<(row + 1) * classes]
                        let above = rowScores.filter { $0 > rowScores[rowScores.startIndex + label] }.count
                        if above == 0 { correct1 += 1 }
                        if above < 5 { correct5 += 1 }
                    }
                    samples += truth.count
                }
            }
            let summed = try DataParallel(communicator: communicator).sum(
                [total, weight, Double(correct1), Double(correct5), Double(samples)])
            (total, weight) = (summed[0], summed[1])
            (correct1, correct5, samples) = (Int(summed[2]), Int(summed[3]), Int(summed[4]))
            let mean = weight > 0 ? total / weight : .nan
            return samples > 0
                ? (mean, Double(correct1) / Double(samples), Double(correct5) / Double(samples)) : (mean, nil, nil)
        }
        if let ema { return try ema.withWeights(in: model, measure) }
        return try measure()
    }

    // MARK: Files

    private static func prepare(_ directory: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw FineTuneError.output(
                path: directory, reason: "cannot create the output folder: \(error.localizedDescription)")
        }
        guard access(directory, W_OK) == 0 else {
            throw FineTuneError.output(path: directory, reason: "the output folder is not writable")
        }
    }

    /// metrics.csv, the curves, last.zoo and (when validation top-1 improved) best.zoo.
    private func writeOutputs(to directory: String, best: Bool) throws {
        let csv = ([FineTuneEpoch.csvHeader] + history.map(\.csvLine)).joined(separator: "\n") + "\n"
        try AtomicFileWriter.write(to: directory + "/metrics.csv") { try $0.write(Array(csv.utf8)) }
        let figure = Figure.trainingCurves(
            title: architecture.map { "\($0) fine-tuning" } ?? "", epochs: history.map(\.epoch),
            trainLoss: history.map(\.trainLoss), validationLoss: history.map(\.validationLoss),
            top1: history.map(\.top1), top5: history.map(\.top5))
        try figure.write(to: directory + "/curves.png")
        try figure.write(to: directory + "/curves.svg")
        let checkpoint = makeCheckpoint()
        try checkpoint.save(directory + "/last.zoo")
        if best { try checkpoint.save(directory + "/best.zoo") }
    }

    /// Weights (the EMA's when kept, as timm ships them), cfg, class names, and the training state.
    public func makeCheckpoint() -> Checkpoint {
        let weights = ema?.state ?? model.stateDict()
        var stateTensors = optimizer.stateDict().tensors.map { (name: "optimizer.\($0.key)", tensor: $0.value) }
            .sorted { $0.name < $1.name }
        stateTensors += model.stateDict().map { (name: "model.\($0.0)", tensor: $0.1) }
        var config = self.config
        if !classNames.isEmpty {
            let names = JSONValue.array(classNames.map(JSONValue.string))
            if case .object(var pairs) = config ?? .object([]) {
                pairs.removeAll { $0.0 == "class_names" }
                pairs.append(("class_names", names))
                config = .object(pairs)
            }
        }
        let training: JSONValue = .object([
            ("epoch", .integer(Int64(history.count))),
            ("global_step", .integer(Int64(globalStep))),
            ("scheduler_steps", .integer(Int64(schedulerMetrics.count))),
            ("scheduler_metrics", .array(schedulerMetrics.map { $0.map(JSONValue.number) ?? .null })),
            ("history", .array(history.map { Self.json($0) })),
            ("class_names", .array(classNames.map(JSONValue.string))),
            ("weights", .string(ema == nil ? "model" : "ema")),
        ])
        return Checkpoint(
            tensors: weights.map { (name: $0.0, tensor: $0.1) }, architecture: architecture, config: config,
            training: training, optimizer: ZooCheckpoint.OptimizerState(tensors: stateTensors))
    }

    /// Continues the run saved in `path` (a `last.zoo` of the same model and optimizer): weights,
    /// optimizer state, EMA, history, and the scheduler replayed to where it was.
    public func resume(from path: String) throws {
        let checkpoint = try Checkpoint.load(path)
        guard let training = checkpoint.training, let saved = checkpoint.optimizer else {
            throw FineTuneError.resumeMismatch(path: path, reason: "it holds weights only, no training state")
        }
        if let architecture, let other = checkpoint.architecture, other != architecture {
            throw FineTuneError.resumeMismatch(
                path: path, reason: "it is a run of \(other), this one is \(architecture)")
        }
        var modelState: [(String, Tensor)] = [], optimizerTensors: [String: Tensor] = [:]
        for (name, tensor) in saved.tensors {
            if name.hasPrefix("model.") { modelState.append((String(name.dropFirst(6)), tensor)) }
            if name.hasPrefix("optimizer.") { optimizerTensors[String(name.dropFirst(10))] = tensor }
        }
        do {
            try model.loadStateDict(StateDict(modelState))
        } catch {
            throw FineTuneError.resumeMismatch(path: path, reason: "\(error)")
        }
        try optimizer.loadStateDict(try OptimizerState(tensors: optimizerTensors))
        if let ema {
            if training["weights"]?.stringValue == "ema" {
                ema.restore(StateDict(checkpoint.tensors.map { ($0.name, $0.tensor) }))
            } else {
                ema.restore(model.stateDict())
            }
        }
        history = (training["history"]?.arrayValue ?? []).compactMap(Self.epoch(from:))
        globalStep = training["global_step"]?.intValue ?? 0
        schedulerMetrics = (training["scheduler_metrics"]?.arrayValue ?? []).map(Self.double(_:))
        if let scheduler {
            guard scheduler.lastEpoch == 0 else {
                throw FineTuneError.resumeMismatch(path: path, reason: "the scheduler given has already been stepped")
            }
            for metric in schedulerMetrics { scheduler.step(metric: metric) }
            scheduler.apply(to: optimizer)
        }
    }

    private static func json(_ epoch: FineTuneEpoch) -> JSONValue {
        func number(_ value: Double?) -> JSONValue { value.map(JSONValue.number) ?? .null }
        return .object([
            ("epoch", .integer(Int64(epoch.epoch))), ("train_loss", .number(epoch.trainLoss)),
            ("val_loss", number(epoch.validationLoss)), ("val_top1", number(epoch.top1)),
            ("val_top5", number(epoch.top5)), ("lr", .number(epoch.lr)),
        ])
    }

    private static func double(_ value: JSONValue) -> Double? {
        switch value {
        case .number(let number): return number
        case .integer(let integer): return Double(integer)
        default: return nil
        }
    }

    private static func epoch(from value: JSONValue) -> FineTuneEpoch? {
        guard let epoch = value["epoch"]?.intValue, let loss = value["train_loss"].flatMap(double),
            let lr = value["lr"].flatMap(double)
        else { return nil }
        return FineTuneEpoch(
            epoch: epoch, trainLoss: loss, validationLoss: value["val_loss"].flatMap(double),
            top1: value["val_top1"].flatMap(double), top5: value["val_top5"].flatMap(double), lr: lr)
    }
}
