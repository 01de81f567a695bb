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
    enum LossName: String, ExpressibleByArgument, CaseIterable {
        case crossEntropy = "cross-entropy"
        case bce, mse, l1
        case smoothL1 = "smooth-l1"
    }
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

    @Option(help: ArgumentHelp("Hold out this fraction of --data for validation (split by --seed).", valueName: "f"))
    var valSplit: Double?
    @Option(parsing: .upToNextOption, help: ArgumentHelp("Parameters frozen the whole run (fnmatch).", valueName: "p"))
    var freeze: [String] = []
    @Option(parsing: .upToNextOption, help: ArgumentHelp("Parameters always trained (fnmatch).", valueName: "p"))
    var unfreeze: [String] = []
    @Option(help: "The backbone's learning rate as a fraction of the classifier's.") var backboneLrScale: Double?
    @Option(help: "Mixup alpha (0 or absent: off).") var mixup: Double?
    @Option(help: "CutMix alpha (0 or absent: off).") var cutmix: Double?

    @Flag(help: "Train data-parallel over MPI; on by itself under mpirun or srun (docs/distributed.md).")
    var distributed = false
    @Flag(help: "Batch-norm statistics over all ranks (PyTorch's SyncBatchNorm) instead of per rank.")
    var syncBn = false
    @OptionGroup(title: "Scheduler options (as `zoo lr` takes them)") var schedulerOptions: SchedulerArguments

    func validate() throws {
        if pretrained && checkpoint != nil { throw ValidationError("give --pretrained or --checkpoint, not both") }
        guard epochs > 0, batchSize > 0, accumSteps > 0 else {
            throw ValidationError("--epochs, --batch-size and --accum-steps must be positive")
        }
        if val != nil && valSplit != nil { throw ValidationError("give --val or --val-split, not both") }
        if let valSplit, !(valSplit > 0 && valSplit < 1) {
            throw ValidationError("--val-split \(valSplit): give a fraction between 0 and 1, such as 0.2")
        }
        if let backboneLrScale, !(backboneLrScale > 0) {
            throw ValidationError("--backbone-lr-scale \(backboneLrScale): give a positive fraction, such as 0.1")
        }
        for (flag, alpha) in [("--mixup", mixup), ("--cutmix", cutmix)] {
            if let alpha, !(alpha >= 0) { throw ValidationError("\(flag) \(alpha): alpha must be 0 or more") }
        }
    }

    func run() throws {
        // Every rank runs this same command; rank 0 alone prints and writes files.
        let world = try MPICommunicator.fromEnvironment(force: distributed)
        (world as? MPICommunicator)?.shareCores()
        if world.size > 1 && findLr { throw ValidationError("--find-lr runs in one process, not under mpirun") }
        let registry = Zoo.registry
        let resolved = try registry.resolve(name)
        let cfg = resolved.cfg ?? PretrainedCfg(architecture: resolved.architecture.name)
        let folder = try ImageFolder(root: data)
        var train: any ImageDataset = folder
        var validation: (any ImageDataset)? = try val.map { try ImageFolder(root: $0) }
        if let valSplit {
            guard folder.count >= 2 else { throw ValidationError("--val-split: \(data) has too few images to split") }
            let parts = DatasetSubset.split(folder, validationFraction: valSplit, seed: seed)
            (train, validation) = (parts.train, parts.validation)
        }
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
        for (flag, patterns) in [("--freeze", freeze), ("--unfreeze", unfreeze)] {
            for pattern in patterns where !model.namedParameters().contains(where: { Self.matches(pattern, $0.0) }) {
                throw ValidationError("\(flag) \(pattern): no parameter of \(name) matches it")
            }
        }
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
        if (mixup ?? 0) > 0 || (cutmix ?? 0) > 0 {
            loaderOptions.mixup = Mixup(
                numClasses: classes, mixupAlpha: mixup ?? 0, cutmixAlpha: cutmix ?? 0, labelSmoothing: labelSmoothing)
        }
        let sampler = DistributedSampler(rank: world.rank, size: world.size)
        if world.size > 1 { loaderOptions.shard = { sampler.shard($0) } }
        let trainLoader = DataLoader(train, transform: trainTransform, options: loaderOptions)
        loaderOptions.mixup = nil
        loaderOptions.shuffle = false
        if world.size > 1 { loaderOptions.shard = { sampler.evaluationShard($0) } }
        let validationLoader = validation.map {
            DataLoader($0, transform: EvalTransform(config), options: loaderOptions)
        }

        // --backbone-lr-scale: the classifier and the rest as two parameter groups, one schedule.
        var groups = [ParameterGroup(params: model.parameters())]
        if let backboneLrScale {
            let named = model.namedParameters()
            groups = [
                ParameterGroup(params: named.filter { Self.matches(head, $0.0) }.map(\.1)),
                ParameterGroup(params: named.filter { !Self.matches(head, $0.0) }.map(\.1), lr: lr * backboneLrScale),
            ]
        }
        let groupScheduler: any LRScheduler =
            backboneLrScale.map { ScaledGroups(scheduler, scales: [1, $0]) } ?? scheduler
        let optimizer: Optimizer
        switch opt {
        case .sgd: optimizer = SGD(groups: groups, lr: lr, momentum: momentum, weightDecay: weightDecay)
        case .adam: optimizer = Adam(groups: groups, lr: lr, weightDecay: weightDecay)
        case .adamw: optimizer = AdamW(groups: groups, lr: lr, weightDecay: weightDecay)
        case .rmsprop:
            optimizer = RMSprop(groups: groups, lr: lr, weightDecay: weightDecay, momentum: momentum)
        }
        let lossFunction = Self.lossFunction(loss, labelSmoothing: Float(labelSmoothing))

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
        runOptions.freezePatterns = freeze
        runOptions.unfreezePatterns = unfreeze
        var savedCfg = cfg
        savedCfg.numClasses = classes
        if let inputSize { savedCfg.inputSize = [config.channels, inputSize, inputSize] }
        let run = FineTune(
            model: model, loss: lossFunction, optimizer: optimizer, scheduler: groupScheduler,
            options: runOptions,
            classNames: train.classNames + (train.classNames.count..<classes).map { "class \($0)" },
            config: savedCfg.timmDict, architecture: resolved.architecture.name)
        if let resume { try run.resume(from: resume) }
        run.communicator = world
        if syncBn { DataParallel(communicator: world).synchronizeBatchNorm(in: model) }

        let progress = EpochProgress(epochs: epochs, batches: trainLoader.count)
        if world.isMain {
            run.onProgress = { progress.update($0) }
            run.onEpoch = { progress.finish($0) }
        }
        var loaderError: Error?
        try run.fit(
            train: { epoch in trainLoader.trainerBatches(epoch: epoch) { loaderError = $0 } },
            validation: validationLoader.map { loader in { loader.trainerBatches(epoch: 0) { loaderError = $0 } } })
        if let loaderError { throw loaderError }
        if !trainLoader.failures.isEmpty {
            printError("skipped \(trainLoader.failures.count) unreadable images, such as \(trainLoader.failures[0])")
        }
        if world.isMain { print("wrote \(out)/metrics.csv, curves.png, curves.svg, last.zoo and best.zoo") }
    }

    /// Whether `pattern` (fnmatch, as `Module.freeze`) names parameter `key` or a module holding it.
    static func matches(_ pattern: String, _ key: String) -> Bool {
        let matcher = FnMatchPattern(pattern)
        let parts = key.split(separator: ".")
        return (1...parts.count).contains { matcher.matches(parts.prefix($0).joined(separator: ".")) }
    }

    /// The built-in loss by name; for the ones that compare with a target vector (bce, mse, l1,
    /// smooth-l1), class indices become one-hot rows (label-smoothed as timm's BinaryCrossEntropy).
    static func lossFunction(_ name: LossName, labelSmoothing: Float) -> ClosureLoss {
        if name == .crossEntropy {
            // Mixup's soft targets carry the smoothing already (timm's SoftTargetCrossEntropy).
            return ClosureLoss { Loss.crossEntropy($0, $1, labelSmoothing: $1.dtype == .int64 ? labelSmoothing : 0) }
        }
        let compare: (Tensor, Tensor) -> Tensor
        switch name {
        case .crossEntropy, .bce: compare = { Loss.binaryCrossEntropyWithLogits($0, $1) }
        case .mse: compare = { Loss.mse($0, $1) }
        case .l1: compare = { Loss.l1($0, $1) }
        case .smoothL1: compare = { Loss.smoothL1($0, $1) }
        }
        return ClosureLoss { output, target in
            guard target.dtype == .int64 else { return compare(output, target) }  // already soft (mixup)
            let classes = output.shape[1], off = labelSmoothing / Float(classes), on = 1 - labelSmoothing + off
            var rows = [Float](repeating: off, count: target.count * classes)
            for (row, label) in target.toArray().enumerated() { rows[row * classes + Int(label)] = on }
            return compare(output, Tensor(rows, shape: [target.count, classes]))
        }
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
