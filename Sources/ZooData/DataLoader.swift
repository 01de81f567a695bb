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

    /// Batches per epoch.
    public var count: Int {
        options.dropLast ? dataset.count / options.batchSize : (dataset.count + options.batchSize - 1) / options.batchSize
    }

    /// Samples skipped so far, across epochs.
    public var failures: [LoadFailure] { lock.withLock { failed } }

    /// The sample order of an epoch: the identity, or a permutation seeded by (seed, epoch).
    public func order(epoch: Int) -> [Int] {
        guard options.shuffle else { return Array(0..<dataset.count) }
        var rng = RandomGenerator(seed: options.seed, stream: 0x5348_5546, UInt64(epoch))
        return rng.permutation(dataset.count)
    }

    /// One sample, transformed with its own generator.
    public func load(_ index: Int, epoch: Int) throws -> (values: Tensor, label: Int) {
        let (sample, label) = dataset.sample(at: index)
        var rng = RandomGenerator(seed: options.seed, stream: UInt64(epoch), UInt64(index))
        switch sample {
        case .tensor(let tensor): return (tensor, label)
        case .image(let image): return (transform(image, using: &rng), label)
        case .file(let path): return (transform(try Image(contentsOf: path), using: &rng), label)
        }
    }

    /// Builds batch `number` of `order` on the worker threads; nil values are skipped samples.
    func makeBatch(_ number: Int, order: [Int], epoch: Int) throws -> Batch? {
        let lo = number * options.batchSize, hi = min(lo + options.batchSize, order.count)
        let indices = Array(order[lo..<hi])
        var results = [Result<(Tensor, Int), Error>?](repeating: nil, count: indices.count)
        let next = ManagedAtomicCounter()
        let workers = max(1, min(options.workers, indices.count))
        results.withUnsafeMutableBufferPointer { slots in
            let slots = UncheckedBuffer(slots)
            DispatchQueue.concurrentPerform(iterations: workers) { _ in
                while true {
                    let k = next.increment()
                    if k >= indices.count { break }
                    slots.value[k] = Result { try self.load(indices[k], epoch: epoch) }
                }
            }
        }
        var tensors = [Tensor](), labels = [Int](), kept = [Int]()
        for (k, result) in results.enumerated() {
            switch result! {
            case .success(let (tensor, label)): tensors.append(tensor); labels.append(label); kept.append(indices[k])
            case .failure(let error):
                let path: String
                if case .file(let p) = dataset.sample(at: indices[k]).sample { path = p } else { path = "sample \(indices[k])" }
                var reason = "\(error)"
                if reason.hasPrefix(path + ": ") { reason.removeFirst(path.count + 2) }
                let failure = LoadFailure(index: indices[k], path: path, reason: reason)
                guard options.skipFailures else { throw DataError.sampleFailed(path: path, reason: reason) }
                lock.withLock { failed.append(failure) }
            }
        }
        guard let first = tensors.first else { return nil }
        for (k, t) in tensors.enumerated() where t.shape != first.shape {
            throw DataError.badDataset(path: "sample \(kept[k])", reason: "shape \(t.shape) differs from the batch's \(first.shape)")
        }
        let shape = [tensors.count] + first.shape
        var values = [Float]()
        values.reserveCapacity(shape.reduce(1, *))
        for t in tensors { values += t.contiguous().toArray() }
        var targets: Tensor?
        if let mixup = options.mixup {
            var rng = RandomGenerator(seed: options.seed, stream: 0x4D49_5855, UInt64(epoch), UInt64(number))
            let soft = mixup.apply(inputs: &values, shape: shape, labels: labels, using: &rng).targets
            targets = Tensor(soft, shape: [labels.count, mixup.numClasses])
        }
        return Batch(inputs: Tensor(values, shape: shape), labels: labels, indices: kept, targets: targets)
    }

    /// The batches of `epoch`, made ahead on a background thread.
    public func epoch(_ epoch: Int) -> EpochIterator { EpochIterator(loader: self, epoch: epoch) }
}

/// Batches of one epoch, in order; `next()` waits for the background producer. Dropping the
/// iterator before the end stops the producer.
public final class EpochIterator: @unchecked Sendable {
    /// What the producer thread and the consumer share (the thread must not own the iterator).
    final class Queue: @unchecked Sendable {
        let condition = NSCondition()
        var ready: [Int: Result<Batch?, Error>] = [:]
        var consumed = 0
        var cancelled = false
    }

    private let queue = Queue()
    private let total: Int

    init(loader: DataLoader, epoch: Int) {
        let total = loader.count, queue = self.queue
        self.total = total
        let order = loader.order(epoch: epoch)
        let prefetch = max(1, loader.options.prefetch)
        let thread = Thread {
            for number in 0..<total {
                queue.condition.lock()
                while !queue.cancelled && number - queue.consumed >= prefetch { queue.condition.wait() }
                let stop = queue.cancelled
                queue.condition.unlock()
                if stop { return }
                let result = Result { try loader.makeBatch(number, order: order, epoch: epoch) }
                queue.condition.lock()
                queue.ready[number] = result
                queue.condition.broadcast()
                queue.condition.unlock()
                if case .failure = result { return }
            }
        }
        thread.stackSize = 1 << 22
        thread.start()
    }

    /// The next batch, nil at the end of the epoch; throws a sample's error when failures are fatal.
    public func next() throws -> Batch? {
        while true {
            queue.condition.lock()
            guard queue.consumed < total else { queue.condition.unlock(); return nil }
            while queue.ready[queue.consumed] == nil { queue.condition.wait() }
            let result = queue.ready.removeValue(forKey: queue.consumed)!
            queue.consumed += 1
            if case .failure = result { queue.consumed = total }
            queue.condition.broadcast()
            queue.condition.unlock()
            if let batch = try result.get() { return batch }
        }
    }

    deinit {
        queue.condition.lock()
        queue.cancelled = true
        queue.condition.broadcast()
        queue.condition.unlock()
    }
}

/// A shared counter for work stealing between the worker threads.
final class ManagedAtomicCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func increment() -> Int { lock.withLock { defer { value += 1 }; return value } }
}

/// Workers write disjoint slots, which the type system cannot see.
struct UncheckedBuffer<T>: @unchecked Sendable {
    let value: UnsafeMutableBufferPointer<T>
    init(_ value: UnsafeMutableBufferPointer<T>) { self.value = value }
}
