import ZooTensor

/// Named tensors in a fixed order, as PyTorch's `state_dict()` (an OrderedDict).
/// ```swift
/// var state = model.stateDict()
/// state["fc.weight"] = nil              // drop the classifier before loading elsewhere
/// for (key, tensor) in state { print(key, tensor.shape) }
/// ```
public struct StateDict: Sequence, ExpressibleByDictionaryLiteral {
    public private(set) var keys: [String] = []
    private var tensors: [String: Tensor] = [:]

    public init() {}

    /// Entries in the given order; a repeated key keeps its first position and its last tensor.
    public init(_ entries: [(String, Tensor)]) {
        for (key, tensor) in entries { self[key] = tensor }
    }

    /// Entries from an unordered dictionary (a checkpoint reader's), ordered by key.
    public init(_ dictionary: [String: Tensor]) {
        self.init(dictionary.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
    }

    public init(dictionaryLiteral elements: (String, Tensor)...) { self.init(elements) }

    public var count: Int { keys.count }

    /// Reading gives the tensor or nil; writing a new key appends it, writing nil removes it.
    public subscript(key: String) -> Tensor? {
        get { tensors[key] }
        set {
            switch (tensors[key] != nil, newValue) {
            case (false, let tensor?): keys.append(key); tensors[key] = tensor
            case (true, let tensor?): tensors[key] = tensor
            case (true, nil): tensors[key] = nil; keys.removeAll { $0 == key }
            case (false, nil): break
            }
        }
    }

    public func makeIterator() -> some IteratorProtocol<(String, Tensor)> {
        keys.lazy.map { ($0, tensors[$0]!) }.makeIterator()
    }
}

/// What `loadStateDict` found when it compared a state dict with a module.
public struct LoadReport: Equatable, CustomStringConvertible, Sendable {
    /// A key both sides have, with different shapes.
    public struct ShapeMismatch: Equatable, Sendable {
        public let key: String
        public let expected: [Int]
        public let found: [Int]

        public init(key: String, expected: [Int], found: [Int]) {
            (self.key, self.expected, self.found) = (key, expected, found)
        }
    }

    /// Keys the module has and the state dict lacks: left as they were.
    public var missingKeys: [String] = []
    /// Keys in the state dict the module doesn't have: ignored.
    public var unexpectedKeys: [String] = []
    /// Keys whose tensors don't fit: not loaded.
    public var mismatchedShapes: [ShapeMismatch] = []

    /// Every key of the module was loaded and nothing was left over.
    public var isComplete: Bool { missingKeys.isEmpty && unexpectedKeys.isEmpty && mismatchedShapes.isEmpty }

    public var description: String {
        if isComplete { return "all keys matched" }
        func listed(_ keys: [String]) -> String {
            keys.count <= 8
                ? keys.joined(separator: ", ") : keys.prefix(8).joined(separator: ", ") + ", … (\(keys.count) in all)"
        }
        var lines: [String] = []
        if !missingKeys.isEmpty { lines.append("missing keys: \(listed(missingKeys))") }
        if !unexpectedKeys.isEmpty { lines.append("unexpected keys: \(listed(unexpectedKeys))") }
        if !mismatchedShapes.isEmpty {
            lines.append(
                "shape mismatches: "
                    + listed(mismatchedShapes.map { "\($0.key) (module \($0.expected), state dict \($0.found))" }))
        }
        return lines.joined(separator: "\n")
    }
}

/// A strict load that found keys or shapes that don't line up; nothing was loaded.
public struct StateDictError: Error, CustomStringConvertible {
    public let report: LoadReport
    public var description: String {
        "state dict does not match the module (nothing was loaded):\n\(report)\n"
            + "Load with strict: false to take the matching keys, or rename keys before loading."
    }
}

extension Module {
    /// Every parameter and buffer under its PyTorch key, module by module, parameters before
    /// buffers (PyTorch's order). The tensors share storage with the module's and carry no
    /// autograd state (PyTorch's detached state-dict tensors).
    public func stateDict() -> StateDict {
        StateDict(stateEntries().map { ($0.0, $0.1.detach()) })
    }

    /// Copies values from `stateDict` into this module's parameters and buffers, in place (the
    /// tensors keep their identity, so optimizers holding them stay valid). Values are converted
    /// to each tensor's dtype (e.g. int64 `num_batches_tracked`, float16 weights).
    ///
    /// `strict` (the default) loads all or nothing: any missing, unexpected or mismatched key
    /// throws `StateDictError` with the report. Non-strict loads every key that fits and returns
    /// the report of the rest (unlike PyTorch, shape mismatches are skipped rather than fatal:
    /// this is how a 1000-class checkpoint goes into a 10-class model).
    /// ```swift
    /// try model.loadStateDict(checkpoint)                          // must match exactly
    /// let report = try model.loadStateDict(checkpoint, strict: false)
    /// print(report.mismatchedShapes.map(\.key))                   // ["fc.weight", "fc.bias"]
    /// ```
    @discardableResult
    public func loadStateDict(_ stateDict: StateDict, strict: Bool = true) throws(StateDictError) -> LoadReport {
        let own = stateEntries()
        let ownKeys = Set(own.map(\.0))
        var report = LoadReport()
        var loads: [(Tensor, Tensor)] = []
        for (key, destination) in own {
            guard let source = stateDict[key] else { report.missingKeys.append(key); continue }
            if source.shape == destination.shape {
                loads.append((destination, source))
            } else {
                report.mismatchedShapes.append(.init(key: key, expected: destination.shape, found: source.shape))
            }
        }
        report.unexpectedKeys = stateDict.keys.filter { !ownKeys.contains($0) }
        if strict && !report.isComplete { throw StateDictError(report: report) }
        for (destination, source) in loads { destination.assign(source) }
        return report
    }

    /// Loads from an unordered dictionary, as a checkpoint reader returns it.
    @discardableResult
    public func loadStateDict(_ tensors: [String: Tensor], strict: Bool = true) throws(StateDictError) -> LoadReport {
        try loadStateDict(StateDict(tensors), strict: strict)
    }

    /// The live tensors behind `stateDict()`.
    private func stateEntries() -> [(String, Tensor)] {
        namedModules().flatMap { prefix, module in
            (module.ownParameters + module.ownBuffers).map { (prefix.isEmpty ? $0.0 : "\(prefix).\($0.0)", $0.1) }
        }
    }
}
