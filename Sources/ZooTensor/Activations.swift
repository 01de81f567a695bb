import Foundation

/// Activation functions with PyTorch's definitions; each gradient is a single `zipMap` pass.
extension Tensor {
    public func relu() -> Tensor {
        let out = mapVectors { v in SIMD8(repeating: 0).replacing(with: v, where: v .> 0) }
        // The mask is read from the output (positive exactly where the input is), through a second
        // view so the graph does not hold the tensor that holds the graph.
        let output = out.detach()
        return record("relu", [self], out) { g in [Tensor.reluGradient(g, output: output)] }
    }

    /// ReLU's backward: `g` where `output` is positive, else 0 (PyTorch's `threshold_backward`).
    static func reluGradient(_ g: Tensor, output: Tensor) -> Tensor {
        zipVectors(g, output) { g, y in SIMD8(repeating: 0).replacing(with: g, where: y .> 0) }
    }

    public func relu6() -> Tensor {
        let x = self
        return record("relu6", [x], map { Swift.min(Swift.max($0, 0), 6) }) { g in
            [Tensor.zipMap(g, x) { g, x in x > 0 && x < 6 ? g : 0 }]
        }
    }

    public func leakyRelu(negativeSlope: Float = 0.01) -> Tensor {
        let x = self
        return record("leaky_relu", [x], map { $0 > 0 ? $0 : $0 * negativeSlope }) { g in
            [Tensor.zipMap(g, x) { g, x in x > 0 ? g : g * negativeSlope }]
        }
    }

    /// GELU, exact (erf) or with PyTorch's tanh approximation.
    public func gelu(approximateTanh: Bool = false) -> Tensor {
        let x = self
        let k: Float = 0.7978845608028654  // sqrt(2/π)
        if approximateTanh {
            let out = mapVectors { v in 0.5 * v * (1 + VectorMath.tanh(k * (v + 0.044715 * v * v * v))) }
            return record("gelu_tanh", [x], out) { g in
                [
                    Tensor.zipMap(g, x) { g, v in
                        let inner = k * (v + 0.044715 * v * v * v)
                        let t = Foundation.tanh(inner)
                        let dInner = k * (1 + 3 * 0.044715 * v * v)
                        return g * (0.5 * (1 + t) + 0.5 * v * (1 - t * t) * dInner)
                    }
                ]
            }
        }
        let out = mapVectors { v in 0.5 * v * (1 + VectorMath.erf(v * 0.7071067811865476)) }
        return record("gelu", [x], out) { g in
            [
                Tensor.zipMap(g, x) { g, v in
                    let cdf = 0.5 * (1 + Foundation.erf(v * 0.7071067811865476))
                    let pdf = Foundation.exp(-0.5 * v * v) * 0.3989422804014327
                    return g * (cdf + v * pdf)
                }
            ]
        }
    }

    public func sigmoid() -> Tensor {
        let out = map { 1 / (1 + Foundation.exp(-$0)) }
        return record("sigmoid", [self], out) { g in [Tensor.zipMap(g, out) { g, y in g * y * (1 - y) }] }
    }

    public func tanh() -> Tensor {
        let out = map { Foundation.tanh($0) }
        return record("tanh", [self], out) { g in [Tensor.zipMap(g, out) { g, y in g * (1 - y * y) }] }
    }

    /// x · sigmoid(x) (a.k.a. swish).
    public func silu() -> Tensor {
        let x = self
        return record("silu", [x], map { $0 / (1 + Foundation.exp(-$0)) }) { g in
            [
                Tensor.zipMap(g, x) { g, v in
                    let s = 1 / (1 + Foundation.exp(-v))
                    return g * s * (1 + v * (1 - s))
                }
            ]
        }
    }

    /// x · relu6(x + 3) / 6.
    public func hardswish() -> Tensor {
        let x = self
        return record("hardswish", [x], map { $0 * Swift.min(Swift.max($0 + 3, 0), 6) / 6 }) { g in
            [Tensor.zipMap(g, x) { g, v in v < -3 ? 0 : (v > 3 ? g : g * (2 * v + 3) / 6) }]
        }
    }

    /// relu6(x + 3) / 6.
    public func hardsigmoid() -> Tensor {
        let x = self
        return record("hardsigmoid", [x], map { Swift.min(Swift.max($0 + 3, 0), 6) / 6 }) { g in
            [Tensor.zipMap(g, x) { g, v in v > -3 && v < 3 ? g / 6 : 0 }]
        }
    }

    /// log(1 + exp(βx)) / β, linear above `threshold` as PyTorch's.
    public func softplus(beta: Float = 1, threshold: Float = 20) -> Tensor {
        let x = self
        let out = map { v in v * beta > threshold ? v : Foundation.log1p(Foundation.exp(v * beta)) / beta }
        return record("softplus", [x], out) { g in
            [
                Tensor.zipMap(g, x) { g, v in
                    v * beta > threshold ? g : g / (1 + Foundation.exp(-v * beta))
                }
            ]
        }
    }
}
