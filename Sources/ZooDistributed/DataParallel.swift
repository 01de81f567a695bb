import ZooNN
import ZooTensor

/// Data-parallel training over a `Communicator`, as PyTorch's DistributedDataParallel: every process
/// starts from rank 0's weights, trains on its own shard of each batch, and averages gradients
/// before the optimizer steps, so every process applies the same update.
public struct DataParallel {
    public let communicator: any Communicator
    /// Largest all-reduce, in floats: gradients travel in buckets of at most this size (DDP's 25 MB).
    public var bucketCapacity = 25 << 18

    public init(communicator: any Communicator) {
        self.communicator = communicator
    }

    /// Copies rank 0's parameters and buffers into every process (DDP does this at construction).
    public func broadcastState(of model: Module) throws {
        guard communicator.size > 1 else { return }
        for (_, tensor) in model.namedParameters() + model.namedBuffers() {
            // The whole storage: every process built the same model, so storages match byte for byte.
            let storage = tensor.storage
            try communicator.broadcast(
                UnsafeMutableRawBufferPointer(start: storage.bytes, count: storage.byteCount),
                from: 0)
        }
    }

    /// Makes every `BatchNorm2d` in `model` use statistics over all processes in training mode
    /// (PyTorch's `SyncBatchNorm.convert_sync_batchnorm`). Without it each process keeps its own
    /// batch statistics, PyTorch's default under DDP.
    public func synchronizeBatchNorm(in model: Module) {
        guard communicator.size > 1 else { return }
        let sum = communicator.crossProcessSum
        for case (_, let norm as BatchNorm2d) in model.namedModules() { norm.crossProcessSum = sum }
    }

    /// Replaces each parameter's gradient with its mean over all processes. A parameter without a
    /// gradient on this process (unused in its forward) counts as zeros, so every process reduces
    /// the same buffers.
    public func averageGradients(of parameters: [Tensor]) throws {
        guard communicator.size > 1 else { return }
        let scale = 1 / Float(communicator.size)
        var bucket: [Tensor] = [], bucketCount = 0
        func flush() throws {
            guard !bucket.isEmpty else { return }
            var flat = [Float](repeating: 0, count: bucketCount), offset = 0
            for parameter in bucket {
                let grad = parameter.grad ?? parameter.zerosLike()
                grad.withUnsafeFloats { source in
                    for i in 0..<grad.count { flat[offset + i] = source[i] }
                }
                offset += grad.count
            }
            try flat.withUnsafeMutableBufferPointer { try communicator.allReduceSum($0) }
            offset = 0
            for parameter in bucket {
                let count = parameter.count
                parameter.grad = Tensor(flat[offset..<offset + count].map { $0 * scale }, shape: parameter.shape)
                offset += count
            }
            bucket.removeAll()
            bucketCount = 0
        }
        for parameter in parameters where parameter.requiresGrad {
            if bucketCount + parameter.count > bucketCapacity { try flush() }
            bucket.append(parameter)
            bucketCount += parameter.count
        }
        try flush()
    }

    /// Sums per-process totals (loss sums, correct counts, sample counts) over all processes.
    public func sum(_ totals: [Double]) throws -> [Double] {
        var values = totals
        try communicator.allReduceSum(&values)
        return values
    }
}

/// Which samples of an epoch's order this process reads, as PyTorch's `DistributedSampler`: the
/// order is padded (repeating its start) to a multiple of the process count, or cut to one with
/// `dropLast`, and process `rank` takes every `size`-th sample from position `rank`. Sharding by
/// stride keeps batches whole: the k-th batch of every process together are the k-th global batch
/// of a one-process run over the same order.
public struct DistributedSampler: Sendable, Equatable {
    public var rank: Int
    public var size: Int
    public var dropLast: Bool

    public init(rank: Int, size: Int, dropLast: Bool = false) {
        precondition(size > 0 && (0..<size).contains(rank), "rank \(rank) outside 0..<\(size)")
        self.rank = rank
        self.size = size
        self.dropLast = dropLast
    }

    /// How many samples each process reads from an epoch of `count` samples.
    public func samplesPerProcess(of count: Int) -> Int {
        dropLast && count % size != 0 ? (count - size + size - 1) / size : (count + size - 1) / size
    }

    /// This process's share of the epoch's `order` (indices into the data set).
    public func shard<Indices: Collection>(_ order: Indices) -> [Int] where Indices.Element == Int {
        let all = Array(order)
        let total = samplesPerProcess(of: all.count) * size
        guard !all.isEmpty else { return [] }
        var padded = Array(all.prefix(total))
        while padded.count < total { padded += all.prefix(total - padded.count) }
        return stride(from: rank, to: total, by: size).map { padded[$0] }
    }

    /// This process's share for evaluation: every `size`-th sample from position `rank`, without
    /// padding, so the shards of all processes together hold each sample exactly once and summed
    /// metrics equal a one-process evaluation.
    public func evaluationShard<Indices: Collection>(_ order: Indices) -> [Int] where Indices.Element == Int {
        Array(order).enumerated().compactMap { $0.offset % size == rank ? $0.element : nil }
    }
}
