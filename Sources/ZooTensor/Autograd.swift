/// Define-by-run autograd, as PyTorch's: each op that sees an input requiring gradients records a
/// `GradFn` on its output; `backward()` walks the graph once in reverse topological order,
/// accumulates into leaves' `grad`, and frees the graph.

/// A recorded operation: its inputs and how to turn the output's gradient into theirs.
public final class GradFn: @unchecked Sendable {
    public let name: String
    fileprivate var inputs: [Tensor]
    fileprivate var backward: ((Tensor) -> [Tensor?])?

    init(name: String, inputs: [Tensor], backward: @escaping (Tensor) -> [Tensor?]) {
        self.name = name
        self.inputs = inputs
        self.backward = backward
    }
}

/// Whether operations record a graph. Task-local, so parallel tests and tasks don't interfere.
public enum GradMode {
    @TaskLocal public static var isEnabled = true
}

/// Runs `body` without recording a graph (PyTorch's `torch.no_grad()`).
public func withNoGrad<T>(_ body: () throws -> T) rethrows -> T {
    try GradMode.$isEnabled.withValue(false, operation: body)
}

/// Runs `body` with graph recording on or off (PyTorch's `torch.set_grad_enabled`).
public func withGradEnabled<T>(_ enabled: Bool, _ body: () throws -> T) rethrows -> T {
    try GradMode.$isEnabled.withValue(enabled, operation: body)
}

extension Tensor {
    /// Attaches `backward` to `output` when grad mode is on and some input requires gradients.
    /// `backward` returns one gradient (or nil) per input, each shaped like that input.
    @discardableResult
    func record(
        _ name: String, _ inputs: [Tensor], _ output: Tensor,
        _ backward: @escaping (Tensor) -> [Tensor?]
    ) -> Tensor {
        Tensor.record(name, inputs, output, backward)
    }

    @discardableResult
    static func record(
        _ name: String, _ inputs: [Tensor], _ output: Tensor,
        _ backward: @escaping (Tensor) -> [Tensor?]
    ) -> Tensor {
        guard GradMode.isEnabled, inputs.contains(where: { $0.requiresGrad }) else { return output }
        output.gradFn = GradFn(name: name, inputs: inputs, backward: backward)
        return output
    }

    /// Computes gradients of this tensor with respect to every leaf that requires them and adds
    /// them to the leaves' `grad`. A non-scalar tensor needs `gradient` (PyTorch's `grad_tensors`).
    /// The graph is freed afterwards; calling backward through it again is an error.
    public func backward(_ gradient: Tensor? = nil) {
        precondition(requiresGrad, "backward() on a tensor that does not require grad")
        let seed: Tensor
        if let gradient {
            precondition(gradient.shape == shape, "gradient shape \(gradient.shape) does not match \(shape)")
            seed = gradient
        } else {
            precondition(count == 1, "backward() without a gradient needs a one-element tensor, got \(shape)")
            seed = Tensor.ones(shape)
        }

        // Reverse topological order by iterative depth-first search (deep nets would overflow recursion).
        var order: [Tensor] = []
        var visited = Set<ObjectIdentifier>()
        var stack: [(Tensor, Bool)] = [(self, false)]
        while let (tensor, expanded) = stack.popLast() {
            if expanded { order.append(tensor); continue }
            guard visited.insert(ObjectIdentifier(tensor)).inserted else { continue }
            stack.append((tensor, true))
            for input in tensor.gradFn?.inputs ?? []
            where input.requiresGrad && !visited.contains(ObjectIdentifier(input)) {
                stack.append((input, false))
            }
        }

        var pending: [ObjectIdentifier: Tensor] = [ObjectIdentifier(self): seed]
        withNoGrad {
            for tensor in order.reversed() {
                guard let grad = pending.removeValue(forKey: ObjectIdentifier(tensor)) else { continue }
                guard let fn = tensor.gradFn else {
                    // A leaf owns its grad: the same gradient tensor may reach several leaves.
                    tensor.grad = tensor.grad.map { $0 + grad } ?? grad.copy()
                    continue
                }
                guard let backward = fn.backward else {
                    preconditionFailure("backward through the graph a second time (\(fn.name)): its buffers are freed")
                }
                let inputGrads = backward(grad)
                for (input, inputGrad) in zip(fn.inputs, inputGrads) {
                    guard let inputGrad, input.requiresGrad else { continue }
                    precondition(
                        inputGrad.shape == input.shape,
                        "\(fn.name) backward produced \(inputGrad.shape) for an input of \(input.shape)")
                    let key = ObjectIdentifier(input)
                    pending[key] = pending[key].map { $0 + inputGrad } ?? inputGrad
                }
                fn.backward = nil
                fn.inputs = []
            }
        }
    }
}

extension Tensor {
    /// For backward functions: a gradient they made fresh for `input` and hold no other reference
    /// to becomes the leaf's `grad` as it is when the leaf has none yet (PyTorch's AccumulateGrad
    /// steals such a gradient), and nil is returned so the engine does not copy it; otherwise
    /// (not a leaf, or a gradient to add to) it is returned for the engine to accumulate.
    static func deliverFresh(_ gradient: Tensor?, to input: Tensor?) -> Tensor? {
        guard let gradient, let input, input.isLeaf, input.requiresGrad, input.grad == nil, !GradMode.isEnabled,
            gradient.shape == input.shape, gradient.dtype == .float32
        else { return gradient }
        input.grad = gradient
        return nil
    }
}
