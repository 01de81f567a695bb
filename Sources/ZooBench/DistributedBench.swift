import Foundation
import Zoo

/// Data-parallel training speed: run under `mpirun -np R` (tools/bench_distributed.sh runs 1 rank x 2
/// threads and 2 ranks x 1 thread). Each rank trains on its shard of a fixed global batch; rank 0
/// prints the global images/s and the all-reduce time per step.
enum DistributedBench {
    static func run(model name: String = "resnet18", globalBatch: Int = 16, size: Int = 160, steps: Int = 5) {
        do {
            let world = try MPICommunicator.fromEnvironment()
            precondition(
                globalBatch % world.size == 0, "global batch \(globalBatch) must split evenly over \(world.size) ranks")
            let model = try createModel(name, numClasses: 10)
            let parallel = DataParallel(communicator: world)
            try parallel.broadcastState(of: model)
            let optimizer = SGD(parameters: model.trainableParameters(), lr: 0.01, momentum: 0.9)
            var rng = RandomGenerator(seed: UInt64(world.rank))
            let batch = globalBatch / world.size
            let images = Tensor.normal([batch, 3, size, size], using: &rng)
            let labels = Tensor(indices: (0..<batch).map { $0 % 10 })
            var reduceTimes: [Double] = []
            let step = medianSeconds(runs: steps) {
                optimizer.zeroGrad()
                Loss.crossEntropy(model(images), labels).backward()
                reduceTimes.append(seconds { try! parallel.averageGradients(of: model.parameters()) })
                optimizer.step()
            }
            guard world.isMain else { return }
            let threads = Parallel.threads
            print(
                "\(name) train step, global batch \(globalBatch) at \(size)px, \(world.size) rank(s) x \(threads) thread(s): "
                    + "median \(format(step * 1000, 1)) ms, \(format(Double(globalBatch) / step, 1)) images/s, "
                    + "all-reduce \(format(median(reduceTimes) * 1000, 2)) ms/step")
            let json = JSONValue.object([
                ("model", .string(name)), ("ranks", .int(world.size)), ("threads", .int(threads)),
                ("step_ms", .double(step * 1000)), ("images_per_s", .double(Double(globalBatch) / step)),
                ("allreduce_ms", .double(median(reduceTimes) * 1000)),
            ])
            print("BENCH_JSON " + json.serialized())
        } catch {
            FileHandle.standardError.write("zoo-bench distributed: \(error)\n".data(using: .utf8)!)
            exit(1)
        }
    }
}
