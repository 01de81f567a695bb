import Foundation
import Testing
import ZooDistributed
import ZooNN
import ZooTensor
import ZooTestSupport
import ZooTrain

/// Real Open MPI: the test process starts `mpirun -np 2` on its own test binary, which runs
/// `MPIWorkerTests` in two ranks (enabled only there, by ZOO_MPI_WORKER). A failed expectation in
/// a rank makes that rank, and so mpirun, exit non-zero.
@Suite(.serialized) struct MPITests {
    @Test func twoRanksAgreeWithOneProcessOverTheWholeBatch() throws {
        let run = try MPIRun.start(ranks: 2, suite: "MPIWorkerTests", timeout: 240)
        #expect(run.status == 0, "mpirun failed:\n\(run.output)")
        // Both ranks really ran the worker tests (a filter that matched nothing would also exit 0).
        #expect(run.output.components(separatedBy: "MPI worker rank").count - 1 == 2, "\(run.output)")
    }
}

@Suite(.enabled(if: ProcessInfo.processInfo.environment["ZOO_MPI_WORKER"] != nil), .serialized)
struct MPIWorkerTests {
    static let communicator: any Communicator = try! MPICommunicator()

    @Test func collectivesSumAndBroadcast() throws {
        let world = Self.communicator
        print("MPI worker rank \(world.rank) of \(world.size)")
        #expect(world.size == 2)
        var values = [Float](repeating: Float(world.rank + 1), count: 1000)
        try values.withUnsafeMutableBufferPointer { try world.allReduceSum($0) }
        #expect(values.allSatisfy { $0 == 3 })
        var doubles = [Double(world.rank), 0.5]
        try world.allReduceSum(&doubles)
        #expect(doubles == [1, 1])
        var bytes: [UInt8] = world.rank == 0 ? [1, 2, 3] : [0, 0, 0]
        try bytes.withUnsafeMutableBytes { try world.broadcast($0, from: 0) }
        #expect(bytes == [1, 2, 3])
    }

    /// Sync BN plus averaged gradients over two half batches equal one process over the whole batch.
    @Test func syncBatchNormStepEqualsTheWholeBatch() throws {
        let world = Self.communicator
        func tinyNet(seed: UInt64) -> Module {
            DefaultRandom.seed(seed)
            return Sequential(
                Conv2d(3, 4, kernelSize: 3, padding: 1), BatchNorm2d(4), ReLU(), Flatten(),
                Linear(4 * 6 * 6, 3))
        }
        var rng = RandomGenerator(seed: 11)
        let images = Tensor.normal([8, 3, 6, 6], using: &rng), targets = Tensor.normal([8, 3], using: &rng)
        func loss(_ model: Module, rows: [Int]) -> Tensor {
            let index = Tensor(indices: rows)
            let difference = model(images.indexSelect(dim: 0, index: index)) - targets.indexSelect(dim: 0, index: index)
            return (difference * difference).mean(dims: [0, 1])
        }

        let reference = tinyNet(seed: 0)
        loss(reference, rows: Array(0..<8)).backward()

        // Rank 1 starts from other weights: broadcasting rank 0's state must fix that.
        let model = tinyNet(seed: UInt64(world.rank))
        let parallel = DataParallel(communicator: world)
        try parallel.broadcastState(of: model)
        parallel.synchronizeBatchNorm(in: model)
        let rows = DistributedSampler(rank: world.rank, size: world.size).shard(0..<8)
        loss(model, rows: rows).backward()
        try parallel.averageGradients(of: model.parameters())

        // Errors relative to the model's largest gradient: a bias in front of batch norm has a
        // gradient of zero up to rounding, which no per-tensor scale can judge.
        let scale = reference.parameters().map { $0.grad!.toArray().map(abs).max()! }.max()!
        for ((key, mine), (_, expected)) in zip(model.namedParameters(), reference.namedParameters()) {
            let a = mine.grad!.toArray(), b = expected.grad!.toArray()
            let worst = zip(a, b).map { abs($0 - $1) }.max()! / scale
            #expect(worst < 1e-5, "rank \(world.rank) \(key): \(worst)")
        }
        for ((key, mine), (_, expected)) in zip(model.namedBuffers(), reference.namedBuffers())
        where key.hasSuffix("running_var") || key.hasSuffix("running_mean") {
            let worst = zip(mine.toArray(), expected.toArray()).map { abs($0 - $1) }.max()!
            #expect(worst < 1e-5, "rank \(world.rank) \(key): \(worst)")
        }
    }
}

extension MPIWorkerTests {
    /// A whole fine-tuning run (two epochs of SGD with momentum, cosine schedule, sync BN, shuffled
    /// data) on two ranks equals the same run in one process over the global batches.
    @Test func fineTuneOnTwoRanksEqualsOneProcess() throws {
        let world = Self.communicator
        var rng = RandomGenerator(seed: 5)
        let samples = 40, globalBatch = 8, classes = 3
        let images = Tensor.normal([samples, 3, 6, 6], using: &rng)
        let labels = (0..<samples).map { ($0 * 7 + 3) % classes }
        func run(_ communicator: any Communicator) throws -> [FineTuneEpoch] {
            DefaultRandom.seed(1)
            let model = Sequential(
                Conv2d(3, 4, kernelSize: 3, padding: 1), BatchNorm2d(4), ReLU(), Flatten(),
                Linear(4 * 6 * 6, classes))
            DataParallel(communicator: communicator).synchronizeBatchNorm(in: model)
            let optimizer = SGD(parameters: model.parameters(), lr: 0.05, momentum: 0.9, weightDecay: 1e-4)
            let scheduler = CosineAnnealingLR(baseLRs: optimizer.learningRates, tMax: 2)
            let fineTune = FineTune(
                model: model, loss: .crossEntropy(), optimizer: optimizer, scheduler: scheduler,
                options: FineTuneOptions(epochs: 2))
            fineTune.communicator = communicator
            let sampler = DistributedSampler(rank: communicator.rank, size: communicator.size)
            func batch(_ rows: [Int]) -> Trainer.Batch {
                (images.indexSelect(dim: 0, index: Tensor(indices: rows)), Tensor(indices: rows.map { labels[$0] }))
            }
            let localBatch = globalBatch / communicator.size
            return try fineTune.fit(
                train: { epoch in
                    // The same shuffled order on every rank, each reading its stride of it.
                    var order = Array(0..<samples)
                    var shuffler = RandomGenerator(seed: 100 + UInt64(epoch))
                    order.shuffle(using: &shuffler)
                    let mine = sampler.shard(order)
                    return stride(from: 0, to: mine.count, by: localBatch).map {
                        batch(Array(mine[$0..<min($0 + localBatch, mine.count)]))
                    }
                },
                validation: {
                    let mine = sampler.evaluationShard(0..<samples)
                    return stride(from: 0, to: mine.count, by: 5).map {
                        batch(Array(mine[$0..<min($0 + 5, mine.count)]))
                    }
                })
        }
        let distributed = try run(world)
        let alone = try run(SingleProcess())
        #expect(distributed.count == 2 && alone.count == 2)
        for (mine, reference) in zip(distributed, alone) {
            #expect(
                abs(mine.trainLoss - reference.trainLoss) <= 1e-4 * abs(reference.trainLoss), "\(mine) vs \(reference)")
            #expect(mine.top1 == reference.top1, "\(mine) vs \(reference)")
        }
    }
}

/// `mpirun` on this test binary, bounded in time (BoundedProcess), its output as one text.
struct MPIRun {
    let status: Int32
    let output: String

    static func start(ranks: Int, suite: String, timeout: TimeInterval) throws -> MPIRun {
        let mpirun = URL(fileURLWithPath: "/usr/bin/mpirun")
        try #require(
            FileManager.default.isExecutableFile(atPath: mpirun.path),
            "mpirun missing: tools/setup.sh installs openmpi-bin")
        let binary = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        // Root is allowed (CI runs as root); more ranks than cores is fine; loopback TCP and shared
        // memory only, without the single-copy mechanism that containers forbid.
        let arguments = [
            "--allow-run-as-root", "--oversubscribe", "-np", "\(ranks)",
            "--mca", "btl", "self,vader,tcp", "--mca", "btl_vader_single_copy_mechanism", "none",
            "-x", "ZOO_MPI_WORKER=1", binary, "--testing-library", "swift-testing", "--filter", suite,
        ]
        var environment = ProcessInfo.processInfo.environment
        environment["OMPI_ALLOW_RUN_AS_ROOT"] = "1"
        environment["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1"
        environment["OMPI_MCA_plm_rsh_agent"] = ""  // one machine: no ssh
        let result = try BoundedProcess.run(mpirun, arguments, environment: environment, timeout: timeout)
        return MPIRun(status: result.status, output: result.stdout + result.stderr)
    }
}
