import ZooTensor

/// Parameters trained with their own hyperparameters: one entry of PyTorch's `param_groups`.
/// A hyperparameter left nil (or absent from `options`) takes the optimizer's default.
/// ```swift
/// let optimizer = SGD(groups: [
///     ParameterGroup(params: backbone, lr: 0.001),
///     ParameterGroup(params: head, weightDecay: 0, options: ["momentum": 0.5]),
/// ], lr: 0.01, momentum: 0.9, weightDecay: 1e-4)
/// ```
public struct ParameterGroup {
    public var params: [Tensor]
    public var lr: Double?
    public var weightDecay: Double?
    /// Overrides of the optimizer's own hyperparameters, by PyTorch name
    /// (`momentum`, `dampening`, `beta1`, `beta2`, `eps`, `alpha`).
    public var options: [String: Double]

    public init(params: [Tensor], lr: Double? = nil, weightDecay: Double? = nil, options: [String: Double] = [:]) {
        self.params = params
        self.lr = lr
        self.weightDecay = weightDecay
        self.options = options
    }
}

/// Numeric hyperparameters by PyTorch name: `lr`, `weight_decay` and the optimizer's own.
public struct Hyperparameters: Sendable, Equatable, CustomStringConvertible {
    public var values: [String: Double]

    public init(_ values: [String: Double]) { self.values = values }

    public subscript(name: String) -> Double {
        guard let value = values[name] else {
            preconditionFailure("no hyperparameter \"\(name)\" among \(values.keys.sorted())")
        }
        return value
    }

    public var lr: Double { self["lr"] }
    public var weightDecay: Double { self["weight_decay"] }

    public var description: String {
        values.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")
    }
}

/// What goes wrong when loading an optimizer state, with enough detail to find the mismatch.
public enum OptimizerStateError: Error, Equatable, CustomStringConvertible {
    case groupCountMismatch(saved: Int, current: Int)
    case groupSizeMismatch(group: Int, saved: Int, current: Int)
    case unknownHyperparameter(group: Int, name: String, known: [String])
    case bufferShapeMismatch(parameter: Int, buffer: String, saved: [Int], parameterShape: [Int])
    case parameterIndexOutOfRange(Int, count: Int)
    case malformedKey(String)

    public var description: String {
        switch self {
        case .groupCountMismatch(let saved, let current):
            "optimizer state has \(saved) parameter groups, the optimizer has \(current)"
        case .groupSizeMismatch(let group, let saved, let current):
            "parameter group \(group) holds \(saved) parameters in the saved state, \(current) in the optimizer"
        case .unknownHyperparameter(let group, let name, let known):
            "parameter group \(group): hyperparameter \"\(name)\" is not one of this optimizer's \(known) (state saved by another optimizer?)"
        case .bufferShapeMismatch(let parameter, let buffer, let saved, let shape):
            "state \"\(buffer)\" of parameter \(parameter) has shape \(saved), the parameter has \(shape)"
        case .parameterIndexOutOfRange(let index, let count):
            "saved state names parameter \(index), the optimizer has \(count) parameters"
        case .malformedKey(let key):
            "\"\(key)\" is not an optimizer state key (state.<index>.<name>, param_groups.<index>.<name>)"
        }
    }
}

/// Updates parameters in place from their gradients, PyTorch's `torch.optim.Optimizer`.
///
/// Subclasses implement `update(_:gradient:hyperparameters:state:)` for one parameter; this class
/// walks the groups, skips frozen parameters and those without a gradient, resolves each group's
/// hyperparameters, keeps the per-parameter buffers and saves and loads them.
/// ```swift
/// let optimizer = AdamW(parameters: model.parameters, lr: 1e-3)
/// for batch in loader {
///     optimizer.zeroGrad()
///     Loss.crossEntropy(model(batch.images), batch.labels).backward()
///     optimizer.step()
/// }
/// ```
open class Optimizer {
    public private(set) var groups: [ParameterGroup]
    /// Hyperparameters of groups that don't set their own. Their keys are the ones groups may set.
    public let defaults: Hyperparameters
    /// Buffers per parameter (momentum, moments, step count), keyed by the parameter's identity.
    private var buffers: [ObjectIdentifier: [String: Tensor]] = [:]

    public init(groups: [ParameterGroup], defaults: Hyperparameters) {
        precondition(
            defaults.values["lr"] != nil && defaults.values["weight_decay"] != nil,
            "optimizer defaults need lr and weight_decay")
        self.defaults = defaults
        self.groups = []
        for group in groups { addGroup(group) }
    }

    /// Adds a group (PyTorch's `add_param_group`), e.g. layers unfrozen mid-training.
    public func addGroup(_ group: ParameterGroup) {
        let known = Set(defaults.values.keys).subtracting(["lr", "weight_decay"])
        for name in group.options.keys {
            precondition(
                known.contains(name), "unknown option \"\(name)\" for \(type(of: self)); known: \(known.sorted())")
        }
        let existing = Set(groups.flatMap(\.params).map(ObjectIdentifier.init))
        var seen = Set<ObjectIdentifier>()
        for parameter in group.params {
            let id = ObjectIdentifier(parameter)
            precondition(
                !existing.contains(id) && seen.insert(id).inserted,
                "a parameter appears in more than one parameter group")
            precondition(
                parameter.dtype == .float32 && parameter.isContiguous,
                "optimizers update contiguous float32 parameters, got \(parameter.dtype) \(parameter.shape)")
        }
        groups.append(group)
    }

    /// The hyperparameters group `index` trains with: its own values over the defaults.
    public func hyperparameters(ofGroup index: Int) -> Hyperparameters {
        let group = groups[index]
        var values = defaults.values.merging(group.options) { _, own in own }
        if let lr = group.lr { values["lr"] = lr }
        if let weightDecay = group.weightDecay { values["weight_decay"] = weightDecay }
        return Hyperparameters(values)
    }

    /// Each group's learning rate; schedulers set these between steps.
    public var learningRates: [Double] {
        get { groups.indices.map { hyperparameters(ofGroup: $0).lr } }
        set {
            precondition(
                newValue.count == groups.count, "\(newValue.count) learning rates for \(groups.count) parameter groups")
            for (index, lr) in newValue.enumerated() { groups[index].lr = lr }
        }
    }

    /// One update of every trainable parameter that has a gradient.
    public func step() {
        withNoGrad {
            for index in groups.indices {
                let hyperparameters = hyperparameters(ofGroup: index)
                for parameter in groups[index].params where parameter.requiresGrad {
                    guard let gradient = parameter.grad else { continue }
                    precondition(
                        gradient.shape == parameter.shape,
                        "gradient shape \(gradient.shape) does not match its parameter \(parameter.shape)")
                    let id = ObjectIdentifier(parameter)
                    var state = buffers[id] ?? [:]
                    update(parameter, gradient: gradient, hyperparameters: hyperparameters, state: &state)
                    buffers[id] = state
                }
            }
        }
    }

    /// Updates `parameter` in place (`assign` or `withUnsafeMutableFloats`) and its `state`
    /// buffers, which start empty. Subclasses override this.
    open func update(
        _ parameter: Tensor, gradient: Tensor, hyperparameters: Hyperparameters, state: inout [String: Tensor]
    ) {
        preconditionFailure("\(type(of: self)) must override update(_:gradient:hyperparameters:state:)")
    }

    /// Clears the gradients of every parameter: to nil (the default, as PyTorch 2) or to zeros.
    public func zeroGrad(setToNone: Bool = true) {
        for parameter in groups.flatMap(\.params) {
            if setToNone {
                parameter.grad = nil
            } else if let grad = parameter.grad {
                parameter.grad = grad.zerosLike()
            }
        }
    }

    /// The buffers of one parameter, nil before its first update.
    public func state(of parameter: Tensor) -> [String: Tensor]? { buffers[ObjectIdentifier(parameter)] }

    // MARK: Saving and resuming

    /// A copy of the buffers and group hyperparameters, with parameters numbered in group order
    /// as PyTorch's `optimizer.state_dict()`.
    public func stateDict() -> OptimizerState {
        var parameters: [Int: [String: Tensor]] = [:]
        var savedGroups: [OptimizerState.Group] = []
        var index = 0
        for (groupIndex, group) in groups.enumerated() {
            var numbers: [Int] = []
            for parameter in group.params {
                if let state = buffers[ObjectIdentifier(parameter)] {
                    parameters[index] = state.mapValues { $0.copy() }
                }
                numbers.append(index)
                index += 1
            }
            savedGroups.append(
                OptimizerState.Group(params: numbers, hyperparameters: hyperparameters(ofGroup: groupIndex)))
        }
        return OptimizerState(parameters: parameters, groups: savedGroups)
    }

    /// Restores buffers and group hyperparameters saved by `stateDict()` of an optimizer of the
    /// same kind over parameters of the same shapes, in the same group layout.
    public func loadStateDict(_ saved: OptimizerState) throws {
        guard saved.groups.count == groups.count else {
            throw OptimizerStateError.groupCountMismatch(saved: saved.groups.count, current: groups.count)
        }
        let known = defaults.values.keys.sorted()
        for (index, (savedGroup, group)) in zip(saved.groups, groups).enumerated() {
            guard savedGroup.params.count == group.params.count else {
                throw OptimizerStateError.groupSizeMismatch(
                    group: index, saved: savedGroup.params.count, current: group.params.count)
            }
            if let name = savedGroup.hyperparameters.values.keys.sorted().first(where: { !known.contains($0) }) {
                throw OptimizerStateError.unknownHyperparameter(group: index, name: name, known: known)
            }
        }
        // Saved numbering → this optimizer's parameters, group by group.
        var parameterFor: [Int: Tensor] = [:]
        for (savedGroup, group) in zip(saved.groups, groups) {
            for (number, parameter) in zip(savedGroup.params, group.params) { parameterFor[number] = parameter }
        }
        var restored: [ObjectIdentifier: [String: Tensor]] = [:]
        for (number, state) in saved.parameters {
            guard let parameter = parameterFor[number] else {
                throw OptimizerStateError.parameterIndexOutOfRange(number, count: parameterFor.count)
            }
            for (name, buffer) in state where buffer.rank > 0 && buffer.shape != parameter.shape {
                throw OptimizerStateError.bufferShapeMismatch(
                    parameter: number, buffer: name, saved: buffer.shape, parameterShape: parameter.shape)
            }
            restored[ObjectIdentifier(parameter)] = state.mapValues { $0.to(.float32).copy() }
        }
        buffers = restored
        for (index, savedGroup) in saved.groups.enumerated() {
            var options = savedGroup.hyperparameters.values
            groups[index].lr = options.removeValue(forKey: "lr")
            groups[index].weightDecay = options.removeValue(forKey: "weight_decay")
            groups[index].options = options
        }
    }
}

/// An optimizer's saved state: buffers per parameter number and each group's hyperparameters,
/// PyTorch's `{"state": ..., "param_groups": ...}`.
public struct OptimizerState {
    public struct Group: Equatable {
        /// The numbers of the group's parameters.
        public var params: [Int]
        public var hyperparameters: Hyperparameters

        public init(params: [Int], hyperparameters: Hyperparameters) {
            self.params = params
            self.hyperparameters = hyperparameters
        }
    }

    public var parameters: [Int: [String: Tensor]]
    public var groups: [Group]

    public init(parameters: [Int: [String: Tensor]], groups: [Group]) {
        self.parameters = parameters
        self.groups = groups
    }

    /// The state as named tensors, for any tensor container (a `.zoo` checkpoint, safetensors):
    /// `state.<n>.<buffer>`, `param_groups.<g>.<hyperparameter>` (0-d float64) and
    /// `param_groups.<g>.params` (int64).
    public var tensors: [String: Tensor] {
        var named: [String: Tensor] = [:]
        for (number, state) in parameters {
            for (name, buffer) in state { named["state.\(number).\(name)"] = buffer }
        }
        for (index, group) in groups.enumerated() {
            named["param_groups.\(index).params"] = Tensor(indices: group.params)
            for (name, value) in group.hyperparameters.values {
                named["param_groups.\(index).\(name)"] = Tensor([value], shape: [], dtype: .float64)
            }
        }
        return named
    }

    /// Reads the layout `tensors` writes.
    public init(tensors: [String: Tensor]) throws {
        var parameters: [Int: [String: Tensor]] = [:]
        var params: [Int: [Int]] = [:], hyperparameters: [Int: [String: Double]] = [:]
        for (key, tensor) in tensors {
            let parts = key.split(separator: ".", maxSplits: 2).map(String.init)
            guard parts.count == 3, let number = Int(parts[1]), number >= 0 else {
                throw OptimizerStateError.malformedKey(key)
            }
            switch (parts[0], parts[2]) {
            case ("state", let name): parameters[number, default: [:]][name] = tensor
            case ("param_groups", "params"): params[number] = tensor.toInts()
            case ("param_groups", let name) where tensor.count == 1:
                hyperparameters[number, default: [:]][name] = tensor.toDoubles()[0]
            default: throw OptimizerStateError.malformedKey(key)
            }
        }
        let groupCount = Set(params.keys).union(hyperparameters.keys).count
        self.parameters = parameters
        self.groups = try (0..<groupCount).map { index in
            guard let numbers = params[index] else {
                throw OptimizerStateError.malformedKey("param_groups.\(index).params")
            }
            return Group(params: numbers, hyperparameters: Hyperparameters(hyperparameters[index] ?? [:]))
        }
    }
}

// MARK: - Helpers for update rules

extension Dictionary where Key == String, Value == Tensor {
    /// The buffer `name`, created as zeros shaped like `parameter` on first use.
    mutating func buffer(_ name: String, like parameter: Tensor) -> Tensor {
        if let existing = self[name] { return existing }
        let created = Tensor(zeros: parameter.shape)
        self[name] = created
        return created
    }

    /// Advances the `step` counter (a 0-d float32 tensor, as PyTorch keeps it) and returns it.
    mutating func advanceStep() -> Double {
        let step = Double(self["step"]?.item() ?? 0) + 1
        self["step"] = Tensor(scalar: Float(step))
        return step
    }
}

/// Runs `body` with the float32 values of `gradient` and write access to `tensors`' values, so an
/// update rule is one loop over elements. The gradient is read densely whatever its layout.
func withElements(
    gradient: Tensor, mutating tensors: [Tensor],
    _ body: (UnsafePointer<Float>, [UnsafeMutablePointer<Float>], Int) -> Void
) {
    func nest(_ index: Int, _ pointers: [UnsafeMutablePointer<Float>], _ g: UnsafePointer<Float>) {
        if index == tensors.count { body(g, pointers, gradient.count); return }
        tensors[index].withUnsafeMutableFloats { nest(index + 1, pointers + [$0], g) }
    }
    gradient.to(.float32).withUnsafeFloats { nest(0, [], $0) }
}

/// Schedulers drive optimizers' per-group learning rates (`scheduler.apply(to: optimizer)`).
extension Optimizer: LearningRateControlled {}
