import Foundation
import ZooNN
import ZooTensor

/// Scales the gradients of `parameters` so that their joint L2 norm is at most `maxNorm`, as
/// `torch.nn.utils.clip_grad_norm_`: the norm of the per-tensor norms, a factor
/// `maxNorm / (norm + 1e-6)` applied only when below 1. Returns the norm before clipping.
@discardableResult
public func clipGradNorm(_ parameters: [Tensor], maxNorm: Double) -> Double {
    let gradients = parameters.compactMap(\.grad)
    var squares = 0.0
    for gradient in gradients {
        let dense = gradient.to(.float32).contiguous()
        let norm = dense.withUnsafeFloats { pointer in
            var sum: Float = 0
            for i in 0..<dense.count { sum += pointer[i] * pointer[i] }
            return sum.squareRoot()
        }
        squares += Double(norm) * Double(norm)
    }
    let total = Float(squares.squareRoot())
    let coefficient = Float(maxNorm) / (total + 1e-6)
    guard coefficient < 1 else { return Double(total) }
    for parameter in parameters {
        guard let gradient = parameter.grad else { continue }
        let scaled = gradient.to(.float32).contiguous()
        scaled.withUnsafeMutableFloats { pointer in
            for i in 0..<scaled.count { pointer[i] *= coefficient }
        }
        parameter.grad = scaled
    }
    return Double(total)
}

extension Module {
    /// Training mode for everything except batch norms whose parameters are all frozen: those stay
    /// in eval mode (running statistics used and left alone), timm's `FrozenBatchNorm2d` semantics,
    /// so a frozen backbone behaves as it did when it was trained.
    public func trainKeepingFrozenNormsInEval() {
        train()
        for (_, module) in namedModules() where module is BatchNorm2d {
            let parameters = module.parameters()
            if !parameters.isEmpty && parameters.allSatisfy({ !$0.requiresGrad }) { module.eval() }
        }
    }
}
