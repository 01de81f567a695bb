import ArgumentParser
import Foundation
import Zoo

/// `zoo finetune NAME --data DIR ...`: fine-tune a registered model on a folder of images.
struct FinetuneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "finetune",
        abstract: "Fine-tune a model on an image folder (one subfolder per class), resumably.",
        discussion: """
            Leaves in --out: metrics.csv (epoch,train_loss,val_loss,val_top1,val_top5,lr), curves.png and \
            curves.svg, last.zoo every epoch and best.zoo by validation top-1 (weights, cfg, class names and \
            the training state; `zoo predict NAME --checkpoint out/best.zoo photo.jpg` needs nothing else). \
            Scheduler options are spelled as `zoo lr` takes them.

            Example:
              zoo finetune resnet10t.zoo_demo --pretrained --data train --val val --freeze-epochs 1 --epochs 3
            """)

    enum OptimizerName: String, ExpressibleByArgument, CaseIterable { case sgd, adam, adamw, rmsprop }
    enum LossName: String, ExpressibleByArgument, CaseIterable { case crossEntropy = "cross-entropy" }
    enum AugmentationName: String, ExpressibleByArgument, CaseIterable {
        case none, trivial
        case randAugment = "rand-m9-mstd0.5"
    }

    @Argument(help: "architecture or architecture.tag, such as resnet18.a1_in1k.") var name: String
    @Option(help: ArgumentHelp("Training images: DIR/CLASS/IMAGE.", valueName: "dir")) var data: String
    @Option(help: ArgumentHelp("Validation images, same classes.", valueName: "dir")) var val: String?
    @Flag(help: "Start from the cfg's pretrained weights (pulled into the cache).") var pretrained = false
    @Option(help: ArgumentHelp("Start from these weights.", valueName: "file")) var checkpoint: String?
    @Option(help: "Classifier outputs (default: the number of class folders).") var numClasses: Int?
    @Option(help: "Epochs training only the classifier before everything unfreezes.") var freezeEpochs = 0
    @Option(help: "The loss.") var loss: LossName = .crossEntropy
    @Option(help: "Label smoothing of the cross-entropy.") var labelSmoothing: Double = 0
    @Option(help: "Training augmentation.") var aug: AugmentationName = .none
    @Option(help: "The optimizer.") var opt: OptimizerName = .sgd
    @Option(help: "Learning rate.") var lr: Double = 0.01
    @Option(help: "Weight decay.") var weightDecay: Double = 1e-4
    @Option(help: "Momentum (SGD, RMSprop).") var momentum: Double = 0.9
    @Option(help: "Scheduler, as `zoo lr` names it (cosine, step, onecycle, ...).") var sched = "cosine"
    @Option(help: "Epochs of linear warmup before the schedule.") var warmupEpochs = 0
    @Option(help: "Epochs to train.") var epochs = 10
    @Option(help: "Images per batch.") var batchSize = 32
    @Option(help: "Batches per optimizer step (gradient accumulation).") var accumSteps = 1
    @Option(help: "Clip the gradients' L2 norm to this.") var clipGrad: Double?
    @Option(help: "Keep an EMA of the weights with this decay (validated and saved).") var ema: Double?
    @Option(help: "Input side in pixels (default: the cfg's).") var inputSize: Int?
    @Option(help: "Seed of the data order, augmentation and new layers.") var seed: UInt64 = 0
    @Option(help: "Stop after this many epochs without a better validation top-1.") var earlyStop: Int?
    @Option(help: ArgumentHelp("Where the run's files go.", valueName: "dir")) var out = "finetune-out"
    @Option(help: ArgumentHelp("Continue the run saved in this last.zoo.", valueName: "file")) var resume: String?
    @Flag(help: "Run the learning-rate range test, plot it into --out and suggest a rate; trains nothing.")
    var findLr = false

    @OptionGroup(title: "Scheduler options (as `zoo lr` takes them)") var schedulerOptions: SchedulerArguments

    func validate() throws {
        if pretrained && checkpoint != nil { throw ValidationError("give --pretrained or --checkpoint, not both") }
        guard epochs > 0, batchSize > 0, accumSteps > 0 else {
            throw ValidationError("--epochs, --batch-size and --accum-steps must be positive")
        }
    }

    func run() throws {
        let registry = Zoo.registry
        let resolved = try registry.resolve(name)
        let cfg = resolved.cfg ?? PretrainedCfg(architecture: resolved.architecture.name)
        let train = try ImageFolder(root: data)
        let validation = try val.map { try ImageFolder(root: $0) }
        if let validation, validation.classNames != train.classNames {
            throw ValidationError(
                "\(val!): its classes \(validation.classNames) differ from \(data)'s \(train.classNames)")
        }
        let classes = numClasses ?? train.classNames.count
        guard classes >= train.classNames.count else {
            throw ValidationError(
                "--num-classes \(classes) is smaller than the \(train.classNames.count) classes in \(data)")
        }
        do {
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        } catch {
            throw ValidationError("--out \(out): cannot create the folder: \(error.localizedDescription)")
        }
        guard access(out, W_OK) == 0 else { throw ValidationError("--out \(out): the folder is not writable") }

        // The schedule is checked before anything is built or written.
        var options = try schedulerOptions.pytorchOptions()
        if sched.lowercased().hasPrefix("cosine") && options["T_max"] == nil {
            options["T_max"] = .int(max(1, epochs - warmupEpochs))
        }
        if warmupEpochs > 0 { options["warmup_steps"] = .int(warmupEpochs) }
        let scheduler: any LRScheduler
        do {
            scheduler = try SchedulerSpec(name: sched, lr: lr, options: options).makeScheduler(runLength: epochs)
        } catch {
            throw ValidationError("\(error)")
        }

        let model = try createModel(name, pretrained: pretrained, numClasses: classes, checkpointPath: checkpoint)
        let head = cfg.classifier?.values.first ?? "fc"
        let config = DataConfig(cfg: cfg, inputSize: inputSize)
        var augmentation = TrainAugmentation()
        switch aug {
        case .none:
            augmentation.scale = 1...1
            augmentation.ratio = 1...1
            augmentation.hflip = 0
            augmentation.colorJitter = nil
        case .trivial: augmentation.autoAugment = "trivialaugment"
        case .randAugment: augmentation.autoAugment = "rand-m9-mstd0.5"
        }
        let trainTransform: any ImageTransform =
            aug == .none ? EvalTransform(config) : try TrainTransform(config, augmentation)
        var loaderOptions = LoaderOptions(batchSize: batchSize, shuffle: true, dropLast: false, seed: seed)
        let trainLoader = DataLoader(train, transform: trainTransform, options: loaderOptions)
        loaderOptions.shuffle = false
        let validationLoader = validation.map {
            DataLoader($0, transform: EvalTransform(config), options: loaderOptions)
        }

        let parameters = model.parameters()
        let optimizer: Optimizer
        switch opt {
        case .sgd: optimizer = SGD(parameters: parameters, lr: lr, momentum: momentum, weightDecay: weightDecay)
        case .adam: optimizer = Adam(parameters: parameters, lr: lr, weightDecay: weightDecay)
        case .adamw: optimizer = AdamW(groups: [ParameterGroup(params: parameters)], lr: lr, weightDecay: weightDecay)
        case .rmsprop:
            optimizer = RMSprop(
                groups: [ParameterGroup(params: parameters)], lr: lr, weightDecay: weightDecay,
                momentum: momentum)
        }
        let smoothing = Float(labelSmoothing)
        let lossFunction = ClosureLoss { Loss.crossEntropy($0, $1, labelSmoothing: smoothing) }

        if findLr {
            var batches: [Trainer.Batch] = []
            let iterator = trainLoader.epoch(0)
            while batches.count < 100, let batch = try iterator.next() {
                batches.append((batch.inputs, Tensor(indices: batch.labels)))
            }
            let result = LRRangeTest(start: 1e-7, end: 10, steps: 100).run(
                model: model, loss: lossFunction,
                optimizer: optimizer, batches: batches)
            try result.figure.write(to: out + "/lr-find.png")
            try result.figure.write(to: out + "/lr-find.svg")
            print("wrote \(out)/lr-find.png and .svg")
            print(
                result.suggestion.map { "suggested learning rate: \(String(format: "%.3g", $0))" }
                    ?? "no suggestion: the loss did not fall")
            return
        }

        var runOptions = FineTuneOptions(epochs: epochs)
        runOptions.accumulationSteps = accumSteps
        runOptions.clipGradNorm = clipGrad
        runOptions.emaDecay = ema
        runOptions.freezeEpochs = freezeEpochs
        runOptions.headPattern = head
        runOptions.earlyStopPatience = earlyStop
        runOptions.outputDirectory = out
        var savedCfg = cfg
        savedCfg.numClasses = classes
        if let inputSize { savedCfg.inputSize = [config.channels, inputSize, inputSize] }
        let run = FineTune(
            model: model, loss: lossFunction, optimizer: optimizer, scheduler: scheduler,
            options: runOptions,
            classNames: train.classNames + (train.classNames.count..<classes).map { "class \($0)" },
            config: savedCfg.timmDict, architecture: resolved.architecture.name)
        if let resume { try run.resume(from: resume) }

        let progress = EpochProgress(epochs: epochs, batches: (train.count + batchSize - 1) / batchSize)
        run.onProgress = { progress.update($0) }
        run.onEpoch = { progress.finish($0) }
        var loaderError: Error?
        try run.fit(
            train: { epoch in trainLoader.trainerBatches(epoch: epoch) { loaderError = $0 } },
            validation: validationLoader.map { loader in { loader.trainerBatches(epoch: 0) { loaderError = $0 } } })
        if let loaderError { throw loaderError }
        if !trainLoader.failures.isEmpty {
            printError("skipped \(trainLoader.failures.count) unreadable images, such as \(trainLoader.failures[0])")
        }
        print("wrote \(out)/metrics.csv, curves.png, curves.svg, last.zoo and best.zoo")
    }
}

/// A bar per epoch on a terminal (loss, rate, ETA), one plain line per epoch otherwise.
final class EpochProgress: @unchecked Sendable {
    private let isTerminal = isatty(STDERR_FILENO) == 1
    private let epochs: Int
    private let batches: Int
    private var started = Date()

    init(epochs: Int, batches: Int) {
        self.epochs = epochs
        self.batches = batches
    }

    func update(_ progress: FineTuneProgress) {
        if progress.batch == 1 { started = Date().addingTimeInterval(-progress.elapsed) }
        guard isTerminal else { return }
        let fraction = min(1, Double(progress.batch) / Double(max(1, batches)))
        let width = 30, filled = Int(fraction * Double(width))
        let rate = progress.elapsed > 0 ? Double(progress.batch) / progress.elapsed : 0
        let eta = rate > 0 ? Double(batches - progress.batch) / rate : 0
        let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
        let text = String(
            format: "epoch %d/%d %@ %d/%d  loss %.4f  %.1f batch/s  ETA %@", progress.epoch, epochs, bar,
            progress.batch, batches, progress.loss, rate, ProgressBar.duration(eta))
        FileHandle.standardError.write(Data(("\r\u{1B}[K" + text).utf8))
    }

    func finish(_ epoch: FineTuneEpoch) {
        if isTerminal { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        var line = String(format: "epoch %d/%d  train_loss %.4f", epoch.epoch, epochs, epoch.trainLoss)
        if let loss = epoch.validationLoss { line += String(format: "  val_loss %.4f", loss) }
        if let top1 = epoch.top1 { line += String(format: "  val_top1 %.1f%%", top1 * 100) }
        if let top5 = epoch.top5 { line += String(format: "  val_top5 %.1f%%", top5 * 100) }
        line += String(format: "  lr %.3g  (%.1f s)", epoch.lr, Date().timeIntervalSince(started))
        print(line)
    }
}
