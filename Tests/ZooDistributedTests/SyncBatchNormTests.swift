import Testing
import ZooNN
import ZooTensor

/// Alone, synchronized batch norm must be batch norm: same output, same gradients, same running
/// statistics (the plain kernel is checked against PyTorch elsewhere).
struct SyncBatchNormTests {
    @Test func aloneItEqualsBatchNorm() {
        var rng = RandomGenerator(seed: 7)
        let input = Tensor.normal([4, 3, 5, 5], using: &rng) * 2 + 1
        let plain = BatchNorm2d(3), synced = BatchNorm2d(3)
        synced.crossProcessSum = { _ in }
        for norm in [plain, synced] {
            norm.weight!.withUnsafeMutableFloats {
                $0[0] = 1.5; $0[1] = -0.5; $0[2] = 2
            }
            norm.bias!.withUnsafeMutableFloats {
                $0[0] = 0.1; $0[1] = 0.2; $0[2] = -0.3
            }
        }
        let upstream = Tensor.normal([4, 3, 5, 5], using: &rng)
        var results:
            [(output: [Float], input: [Float], weight: [Float], bias: [Float], mean: [Float], variance: [Float])] = []
        for norm in [plain, synced] {
            let x = Tensor(input.toArray(), shape: input.shape, requiresGrad: true)
            let y = norm(x)
            (y * upstream).sum().backward()
            results.append(
                (
                    y.toArray(), x.grad!.toArray(), norm.weight!.grad!.toArray(), norm.bias!.grad!.toArray(),
                    norm.runningMean!.toArray(), norm.runningVar!.toArray()
                ))
        }
        func close(_ a: [Float], _ b: [Float]) -> Bool {
            zip(a, b).allSatisfy { abs($0 - $1) <= 1e-5 * max(1, abs($1)) }
        }
        #expect(close(results[1].output, results[0].output))
        #expect(close(results[1].input, results[0].input))
        #expect(close(results[1].weight, results[0].weight))
        #expect(close(results[1].bias, results[0].bias))
        #expect(close(results[1].mean, results[0].mean))
        #expect(close(results[1].variance, results[0].variance))
    }
}
