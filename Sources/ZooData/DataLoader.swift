import Foundation
import ZooTensor

/// How a `DataLoader` batches and schedules.
public struct LoaderOptions: Sendable {
    public var batchSize = 32
    public var shuffle = false
    /// Drop the last batch when it is short.
    public var dropLast = false
    /// Shuffling and every augmentation draw derive from (seed, epoch, sample index): the same
    /// seed gives the same batches whatever `workers` is.
    public var seed: UInt64 = 0
    /// Threads decoding and transforming; default one per core.
    public var workers = ProcessInfo.processInfo.activeProcessorCount
    /// Batches made ahead of the consumer.
    public var prefetch = 2
    /// A sample that fails to load is reported and skipped (true) or stops the epoch with its error.
    public var skipFailures = true
    /// Batch-level mixup/cutmix with soft targets (`Batch.targets`).
    public var mixup: Mixup?
    /// Which part of each epoch's order this process reads, in a data-parallel run
    /// (`DistributedSampler.shard` for training, `.evaluationShard` for validation); nil reads all.
    public var shard: (@Sendable ([Int]) -> [Int])?

    public init(batchSize: Int = 32, shuffle: Bool = false, dropLast: Bool = false, seed: UInt64 = 0) {
        (self.batchSize, self.shuffle, self.dropLast, self.seed) = (batchSize, shuffle, dropLast, seed)
    }
}

/// One batch: inputs [N, C, H, W], labels, the dataset indices they came from, and soft targets
/// [N, classes] when mixup is on.
public struct Batch: @unchecked Sendable {
    public let inputs: Tensor
    public let labels: [Int]
    public let indices: [Int]
    public let targets: Tensor?
}

/// A sample the loader could not use, with why.
public struct LoadFailure: Sendable, Equatable, CustomStringConvertible {
    public let index: Int
    public let path: String
    public let reason: String
    public var description: String { "\(path): \(reason)" }
}

/// Batches of a dataset through a transform, decoded and augmented on `workers` threads while the
/// consumer works on earlier batches (at most `prefetch` batches ahead).
///
/// ```swift
/// let data = try ImageFolder(root: "train")
/// let loader = DataLoader(data, transform: try TrainTransform(config), options: .init(batchSize: 64, shuffle: true))
/// let epoch = loader.epoch(0)
/// while let batch = try epoch.next() { ... batch.inputs, batch.labels ... }
/// print(loader.failures)   // unreadable images, skipped
/// ```
public final class DataLoader: @unchecked Sendable {
    public let dataset: any ImageDataset
    public let transform: any ImageTransform
    public let options: LoaderOptions
    private let lock = NSLock()
    private var failed: [LoadFailure] = []

    public init(_ dataset: any ImageDataset, transform: any ImageTransform, options: LoaderOptions = LoaderOptions()) {
        precondition(options.batchSize > 0, "batch size must be positive")
        (self.dataset, self.transform, self.options) = (dataset, transform, options)
    }

    public var classNames: [String] { dataset.classNames }

    /// Samples this process reads per epoch (all of them, or its shard's).
    public var sampleCount: Int { options.shard.map { $0(Array(0..<dataset.count)).count } ?? dataset.count }

    /// Batches per epoch.
    public var count: Int {
        options.dropLast
            ? sampleCount / options.batchSize : (sampleCount + options.batchSize - 1) / options.batchSize
    }

    /// Samples skipped so far, across epochs.
    public var failures: [LoadFailure] { lock.withLock { failed } }

    /// The sample order of an epoch: the identity, or a permutation seeded by (seed, epoch) — the
    /// same in every process — cut to this process's shard.
    public func order(epoch: Int) -> [Int] {
        var all = Array(0..<dataset.count)
        if options.shuffle {
            var rng = RandomGenerator(seed: options.seed, stream: 0x5348_5546, UInt64(epoch))
            all = rng.permutation(dataset.count)
        }
        return options.shard?(all) ?? all
    }

    /// One sample, transformed with its own generator.
    public func load(_ index: Int, epoch: Int) throws -> (values: Tensor, label: Int) {
        let (sample, label) = dataset.sample(at: index)
        var rng = RandomGenerator(seed: options.seed, stream: UInt64(epoch), UInt64(index))
        switch sample {
        case .tensor(let tensor): return (tensor, label)
        case .image(let image): return (transform(image, using: &rng), label)
        case .file(let path): return (try transform(try EncodedImage(contentsOf: path), using: &rng), label)
        }
    }

    /// Assembles batch `number` from its samples' results (in batch order): failures recorded or
    /// thrown, the rest stacked, mixup applied. Nil when every sample failed.
    func assemble(_ number: Int, indices: [Int], results: [Result<(Tensor, Int), Error>], epoch: Int) throws -> Batch? {
        var tensors = [Tensor](), labels = [Int](), kept = [Int]()
        for (k, result) in results.enumerated() {
            switch result {
            case .success(let (tensor, label)): tensors.append(tensor); labels.append(label); kept.append(indices[k])
            case .failure(let error):
                let path: String
                if case .file(let p) = dataset.sample(at: indices[k]).sample {
                    path = p
                } else {
                    path = "sample \(indices[k])"
                }
                var reason = "\(error)"
                if reason.hasPrefix(path + ": ") { reason.removeFirst(path.count + 2) }
                guard options.skipFailures else { throw DataError.sampleFailed(path: path, reason: reason) }
                lock.withLock { failed.append(LoadFailure(index: indices[k], path: path, reason: reason)) }
            }
        }
        guard let first = tensors.first else { return nil }
        for (k, t) in tensors.enumerated() where t.shape != first.shape {
            throw DataError.badDataset(
                path: "sample \(kept[k])", reason: "shape \(t.shape) differs from the batch's \(first.shape)")
        }
        let shape = [tensors.count] + first.shape, size = first.shape.reduce(1, *)
        guard let mixup = options.mixup else {
            // Each sample copied once, straight into the batch tensor's storage.
            let inputs = Tensor(zeros: shape)
            inputs.withUnsafeMutableFloats { out in
                for (k, t) in tensors.enumerated() {
                    t.withUnsafeFloats { (out + k * size).update(from: $0, count: size) }
                }
            }
            return Batch(inputs: inputs, labels: labels, indices: kept, targets: nil)
        }
        var values = [Float](repeating: 0, count: shape.reduce(1, *))
        values.withUnsafeMutableBufferPointer { out in
            for (k, t) in tensors.enumerated() {
                let dense = t.contiguous().toArray()
                dense.withUnsafeBufferPointer {
                    (out.baseAddress! + k * size).update(from: $0.baseAddress!, count: size)
                }
            }
        }
        var rng = RandomGenerator(seed: options.seed, stream: 0x4D49_5855, UInt64(epoch), UInt64(number))
        let soft = mixup.apply(inputs: &values, shape: shape, labels: labels, using: &rng).targets
        let targets = Tensor(soft, shape: [labels.count, mixup.numClasses])
        return Batch(inputs: Tensor(values, shape: shape), labels: labels, indices: kept, targets: targets)
    }

    /// The batches of `epoch`, made ahead on `workers` background threads.
    public func epoch(_ epoch: Int) -> EpochIterator { EpochIterator(loader: self, epoch: epoch) }
}

/// Batches of one epoch, in order. `workers` threads take samples one at a time in epoch order,
/// never more than `prefetch` batches ahead of the consumer, so no worker waits for a batch's
/// slowest sample; `next()` waits for the batch it needs and assembles it. Dropping the iterator
/// before the end stops the workers.
public final class EpochIterator: @unchecked Sendable {
    /// What the workers and the consumer share (the workers must not own the iterator).
    final class State: @unchecked Sendable {
        let condition = NSCondition()
        var results: [[Result<(Tensor, Int), Error>?]]
        var remaining: [Int]
        var nextSample = 0
        var consumed = 0
        var cancelled = false
        init(batchSizes: [Int]) {
            results = batchSizes.map { [Result<(Tensor, Int), Error>?](repeating: nil, count: $0) }
            remaining = batchSizes
        }
    }

    private let state: State
    private let loader: DataLoader
    private let epoch: Int
    private let order: [Int]

    init(loader: DataLoader, epoch: Int) {
        let batchSize = loader.options.batchSize, total = loader.count
        let order = Array(loader.order(epoch: epoch).prefix(min(loader.sampleCount, total * batchSize)))
        let sizes = (0..<total).map { min(batchSize, order.count - $0 * batchSize) }
        let state = State(batchSizes: sizes)
        (self.state, self.loader, self.epoch, self.order) = (state, loader, epoch, order)
        let prefetch = max(1, loader.options.prefetch)
        for _ in 0..<max(1, loader.options.workers) {
            let thread = Thread {
                while true {
                    state.condition.lock()
                    while !state.cancelled && state.nextSample < order.count
                        && state.nextSample / batchSize >= state.consumed + prefetch
                    { state.condition.wait() }
                    guard !state.cancelled && state.nextSample < order.count else { state.condition.unlock(); return }
                    let k = state.nextSample
                    state.nextSample += 1
                    state.condition.unlock()
                    let result = Result<(Tensor, Int), Error> {
                        let (values, label) = try loader.load(order[k], epoch: epoch); return (values, label)
                    }
                    state.condition.lock()
                    state.results[k / batchSize][k % batchSize] = result
                    state.remaining[k / batchSize] -= 1
                    if state.remaining[k / batchSize] == 0 { state.condition.broadcast() }
                    state.condition.unlock()
                }
            }
            thread.stackSize = 1 << 22
            thread.start()
        }
    }

    /// The next batch, nil at the end of the epoch; throws a sample's error when failures are fatal.
    public func next() throws -> Batch? {
        let batchSize = loader.options.batchSize
        while true {
            state.condition.lock()
            let number = state.consumed
            guard number < state.results.count else { state.condition.unlock(); return nil }
            while state.remaining[number] > 0 { state.condition.wait() }
            let results = state.results[number].map { $0! }
            state.results[number] = []
            state.consumed += 1
            state.condition.broadcast()
            state.condition.unlock()
            let indices = Array(order[number * batchSize..<number * batchSize + results.count])
            do {
                if let batch = try loader.assemble(number, indices: indices, results: results, epoch: epoch) {
                    return batch
                }
            } catch {
                cancel()
                state.condition.lock()
                state.consumed = state.results.count
                state.condition.unlock()
                throw error
            }
        }
    }

    private func cancel() {
        state.condition.lock()
        state.cancelled = true
        state.condition.broadcast()
        state.condition.unlock()
    }

    deinit { cancel() }
}
