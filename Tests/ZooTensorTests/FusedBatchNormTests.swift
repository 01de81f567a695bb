import Testing
import ZooTensor

/// `Tensor.batchNorm(…adding:relu:)`: the residual add and ReLU fused into batch norm (ResNet's
/// `relu(bn3(x) + shortcut)`, DenseNet's norm + ReLU) must give the values, running statistics
/// and gradients of batch norm, `+` and `relu()` run in turn, bit for bit: the ReLU's mask applied
/// inside batch norm's backward passes is the same mask.
@Suite struct FusedBatchNormTests {
    enum Epilogue: String, CaseIterable, Sendable {
        case relu, add, addRelu, addReluConstantResidual
        var adds: Bool { self != .relu }
        var relu: Bool { self != .add }
    }

    struct Run {
        var output: [Float], gradients: [[Float]], runningMean: [Float], runningVar: [Float]
    }

    /// Odd planes (5×7) so the vector loops' tails run too; values of both signs around the kink.
    static func run(_ epilogue: Epilogue, training: Bool, fused: Bool) -> Run {
        var rng = RandomGenerator(seed: 7)
        let shape = [3, 4, 5, 7]
        let x = Tensor.normal(shape, using: &rng), upstream = Tensor.normal(shape, using: &rng)
        let weight = Tensor.normal([4], using: &rng), bias = Tensor.normal([4], using: &rng)
        let residual = Tensor.normal(shape, using: &rng)
        let runningMean = Tensor.normal([4], using: &rng), runningVar = Tensor.normal([4], using: &rng).abs() + 0.5
        for leaf in [x, weight, bias] { leaf.requiresGrad = true }
        residual.requiresGrad = epilogue.adds && epilogue != .addReluConstantResidual
        let added = epilogue.adds ? residual : nil
        let y: Tensor
        if fused {
            y = Tensor.batchNorm(
                x, runningMean: runningMean, runningVar: runningVar, weight: weight, bias: bias, training: training,
                adding: added, relu: epilogue.relu)
        } else {
            var z = Tensor.batchNorm(
                x, runningMean: runningMean, runningVar: runningVar, weight: weight, bias: bias, training: training)
            if let added { z = z + added }
            y = epilogue.relu ? z.relu() : z
        }
        y.backward(upstream)
        let leaves = [x, weight, bias] + (residual.requiresGrad ? [residual] : [])
        return Run(
            output: y.toArray(), gradients: leaves.map { $0.grad?.toArray() ?? [] },
            runningMean: runningMean.toArray(), runningVar: runningVar.toArray())
    }

    @Test(arguments: Epilogue.allCases, [true, false])
    func fusedEqualsOpsInTurn(_ epilogue: Epilogue, training: Bool) {
        let fused = Self.run(epilogue, training: training, fused: true)
        let separate = Self.run(epilogue, training: training, fused: false)
        #expect(fused.output == separate.output, "\(epilogue) output")
        #expect(fused.output.contains(0) == epilogue.relu, "the inputs reach both sides of the ReLU's kink")
        #expect(fused.runningMean == separate.runningMean && fused.runningVar == separate.runningVar)
        #expect(fused.gradients.count == separate.gradients.count)
        for (index, (a, b)) in zip(fused.gradients, separate.gradients).enumerated() {
            #expect(!a.isEmpty && a == b, "\(epilogue), training \(training): gradient of leaf \(index) differs")
        }
    }
}
