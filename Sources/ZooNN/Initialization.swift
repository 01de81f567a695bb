import ZooTensor

/// Whether new layers draw random initial weights. Building a model only to load a checkpoint
/// into it wastes that work (hundreds of millions of draws for the big ResNets), so loaders build
/// inside `withoutWeightInitialization { }`, where parameters start at zero — PyTorch's
/// `skip_init` / meta-device construction, task-local so other tasks are unaffected.
public enum WeightInitialization {
    @TaskLocal public static var isEnabled = true

    /// A new trainable parameter: `draw` fills it from the default generator (seed it with
    /// `DefaultRandom.seed`), or zeros when initialization is off.
    public static func parameter(_ shape: [Int], _ draw: (inout RandomGenerator) -> Tensor) -> Tensor {
        let tensor = isEnabled ? DefaultRandom.with(draw) : Tensor(zeros: shape)
        tensor.requiresGrad = true
        return tensor
    }

    /// A new trainable parameter with a fixed starting value (ones, zeros): kept even when
    /// initialization is off, since it costs nothing to make.
    public static func parameter(_ initialValue: Tensor) -> Tensor {
        initialValue.requiresGrad = true
        return initialValue
    }

    /// Overwrites `tensor` in place with a draw (for models that re-initialize their layers,
    /// as timm's `init_weights`); does nothing when initialization is off.
    public static func reinitialize(_ tensor: Tensor, _ draw: (inout RandomGenerator) -> Tensor) {
        guard isEnabled else { return }
        tensor.assign(DefaultRandom.with(draw))
    }
}

/// Builds modules with parameters left at zero, for when a checkpoint will overwrite them.
/// ```swift
/// let model = try withoutWeightInitialization { try makeResNet("resnet50") }
/// try model.loadStateDict(checkpoint)
/// ```
public func withoutWeightInitialization<T>(_ body: () throws -> T) rethrows -> T {
    try WeightInitialization.$isEnabled.withValue(false, operation: body)
}
