import ZooTensor

/// A layer or a model, as PyTorch's `nn.Module`: it owns named parameters and buffers and a tree
/// of child modules, and everything keyed by name uses PyTorch's dotted keys
/// (`layer1.0.conv1.weight`, `bn1.running_mean`), so timm and torchvision checkpoints load as they are.
///
/// How a module registers what it owns:
/// - **Parameters and buffers** are listed by the layer itself, overriding `ownParameters` and
///   `ownBuffers` with PyTorch's keys in PyTorch's order. Only the layers in ZooNN do this.
/// - **Children** are found by reflection: every stored property holding a `Module` (or an
///   optional one) is a child, in declaration order, keyed by its property name converted from
///   camelCase to snake_case (`globalPool` → `global_pool`, `layer1` → `layer1`). An array of
///   modules gives `name.0`, `name.1`, … (PyTorch's `ModuleList`). So a model file only declares
///   its layers, in the order PyTorch registers them. A module whose keys don't follow from
///   property names overrides `namedChildren()` (as `Sequential` does with "0", "1", …).
///
/// ```swift
/// final class TinyNet: Module {
///     let conv1 = Conv2d(3, 8, kernelSize: 3, padding: 1)
///     let bn1 = BatchNorm2d(8)
///     var fc = Linear(8, 10)
///     override func forward(_ x: Tensor) -> Tensor {
///         fc(bn1(conv1(x)).relu().mean(dims: [2, 3]))
///     }
/// }
/// let net = TinyNet()
/// net.stateDict().keys   // ["conv1.weight", "conv1.bias", "bn1.weight", …, "fc.bias"]
/// ```
open class Module {
    /// Whether the module is in training mode (batch statistics, active dropout). New modules
    /// start in training mode, as in PyTorch; switch the whole tree with `train()` / `eval()`.
    public private(set) var isTraining = true

    public init() {}

    // MARK: What a module owns (override points)

    /// This module's own parameters with their PyTorch keys, in registration order.
    open var ownParameters: [(String, Tensor)] { [] }

    /// This module's own buffers (state that is saved but not trained, e.g. running statistics).
    open var ownBuffers: [(String, Tensor)] { [] }

    /// Direct children with their keys, in registration order. Default: reflected stored properties.
    open func namedChildren() -> [(String, Module)] {
        var levels: [Mirror] = []
        var mirror: Mirror? = Mirror(reflecting: self)
        while let current = mirror {
            levels.append(current)
            mirror = current.superclassMirror
        }
        // Superclass properties first: they were registered first.
        var children: [(String, Module)] = []
        for level in levels.reversed() {
            for case (let label?, let value) in level.children where !label.hasPrefix("$") {
                let key = Module.checkpointKey(forProperty: label.hasPrefix("_") ? String(label.dropFirst()) : label)
                if let child = value as? Module {
                    children.append((key, child))
                } else if let list = value as? [Module] {
                    children += list.enumerated().map { ("\(key).\($0.offset)", $0.element) }
                }
            }
        }
        return children
    }

    /// camelCase → snake_case, the bridge between Swift property names and PyTorch attribute names.
    public static func checkpointKey(forProperty name: String) -> String {
        var key = ""
        for character in name {
            if character.isUppercase {
                if !key.isEmpty { key.append("_") }
                key += character.lowercased()
            } else {
                key.append(character)
            }
        }
        return key
    }

    // MARK: Running

    /// The computation. Subclasses override it; call the module itself (`layer(x)`) to run it.
    open func forward(_ input: Tensor) -> Tensor {
        fatalError("\(type(of: self)) does not implement forward(_:)")
    }

    public final func callAsFunction(_ input: Tensor) -> Tensor { forward(input) }

    /// Puts this module and every descendant in training (`true`) or evaluation mode.
    public func train(_ training: Bool = true) {
        for (_, module) in namedModules() { module.isTraining = training }
    }

    /// Evaluation mode: running statistics instead of batch statistics, dropout off.
    public func eval() { train(false) }

    // MARK: Walking the tree

    /// This module (key "") and every descendant with its dotted key, depth first in registration order.
    public func namedModules() -> [(String, Module)] {
        var result: [(String, Module)] = []
        var seen = Set<ObjectIdentifier>()
        func visit(_ module: Module, _ prefix: String) {
            guard seen.insert(ObjectIdentifier(module)).inserted else { return }
            result.append((prefix, module))
            for (key, child) in module.namedChildren() { visit(child, prefix.isEmpty ? key : "\(prefix).\(key)") }
        }
        visit(self, "")
        return result
    }

    /// Every parameter with its full key (`layer1.0.conv1.weight`), each tensor once.
    public func namedParameters() -> [(String, Tensor)] {
        var seen = Set<ObjectIdentifier>()
        return namedTensors(\.ownParameters).filter { seen.insert(ObjectIdentifier($0.1)).inserted }
    }

    public func parameters() -> [Tensor] { namedParameters().map(\.1) }

    /// Parameters that receive gradients: what an optimizer should update (frozen ones are skipped).
    public func trainableParameters() -> [Tensor] { parameters().filter(\.requiresGrad) }

    /// Every buffer with its full key (`bn1.running_mean`).
    public func namedBuffers() -> [(String, Tensor)] { namedTensors(\.ownBuffers) }

    /// Own tensors of every module under its dotted key, module by module (PyTorch's state-dict order).
    private func namedTensors(_ own: (Module) -> [(String, Tensor)]) -> [(String, Tensor)] {
        namedModules().flatMap { prefix, module in
            own(module).map { (prefix.isEmpty ? $0.0 : "\(prefix).\($0.0)", $0.1) }
        }
    }

    /// Clears every parameter's gradient (PyTorch's `zero_grad(set_to_none=True)`).
    public func zeroGrad() {
        for parameter in parameters() { parameter.grad = nil }
    }

    // MARK: Freezing

    /// Stops gradients for every parameter whose key matches `pattern`: those parameters get
    /// `requiresGrad = false`, so no graph is recorded through layers whose inputs don't need one,
    /// and optimizers (via `trainableParameters()`) skip them. Returns the keys frozen.
    ///
    /// The pattern is fnmatch-style (`*` any run of characters including dots, `?` one character,
    /// `[abc]` / `[!abc]` a set), matched against the full key **or any module prefix of it**, so
    /// `"layer1"` freezes everything under `layer1`, `"*.bn*"` every batch-norm parameter below the
    /// top, and `"*"` the whole model. Running statistics still update in training mode, as in PyTorch.
    /// ```swift
    /// try model.freeze(matching: "*")
    /// try model.unfreeze(matching: "fc")   // fine-tune only the classifier
    /// ```
    /// - Throws: `ModuleError.noParameterMatches` when nothing matches (a mistyped name).
    @discardableResult
    public func freeze(matching pattern: String) throws(ModuleError) -> [String] {
        try setRequiresGrad(false, matching: pattern)
    }

    /// Lets gradients flow again to parameters matching `pattern` (same rules as `freeze(matching:)`).
    @discardableResult
    public func unfreeze(matching pattern: String) throws(ModuleError) -> [String] {
        try setRequiresGrad(true, matching: pattern)
    }

    private func setRequiresGrad(_ enabled: Bool, matching pattern: String) throws(ModuleError) -> [String] {
        let matcher = FnMatchPattern(pattern)
        let matches = namedParameters().filter { key, _ in
            Module.keyAndPrefixes(key).contains { matcher.matches($0) }
        }
        guard !matches.isEmpty else {
            throw .noParameterMatches(pattern: pattern, example: namedParameters().first?.0)
        }
        for (_, parameter) in matches { parameter.requiresGrad = enabled }
        return matches.map(\.0)
    }

    /// "a.b.c" → ["a", "a.b", "a.b.c"].
    private static func keyAndPrefixes(_ key: String) -> [String] {
        let parts = key.split(separator: ".")
        return parts.indices.map { parts[...$0].joined(separator: ".") }
    }
}

/// Mistakes in how a module is used, with enough context to fix them.
public enum ModuleError: Error, CustomStringConvertible, Equatable {
    case noParameterMatches(pattern: String, example: String?)

    public var description: String {
        switch self {
        case let .noParameterMatches(pattern, example):
            "no parameter key matches \"\(pattern)\""
                + (example.map { " (keys look like \"\($0)\")" } ?? " (the module has no parameters)")
        }
    }
}
