import Foundation
import ZooNN
import ZooTensor

/// An exponential moving average of a model's weights, as timm's `ModelEmaV3`: after each
/// optimizer step every floating-point entry of the state dict (parameters and batch-norm
/// statistics) moves toward the model's, `ema ← ema + (1 − decay)·(model − ema)`, and integer
/// entries (batch counters) are copied. The decay can warm up (`1 − (1 + step/γ)^−power`, kept
/// within `minDecay...decay`) and the average can start only after `updateAfterStep` steps.
///
/// ```swift
/// let ema = ModelEMA(model, decay: 0.9998, useWarmup: true)
/// // after each optimizer.step():
/// ema.update(from: model, step: globalStep)
/// let validation = ema.withWeights(in: model) { trainer.evaluate(validationBatches) }
/// ```
public final class ModelEMA {
    public let decay: Double
    public let minDecay: Double
    public let updateAfterStep: Int
    public let useWarmup: Bool
    public let warmupGamma: Double
    public let warmupPower: Double
    /// The averaged state, in the model's state-dict order.
    public private(set) var state: StateDict

    public init(
        _ model: Module, decay: Double = 0.9999, minDecay: Double = 0, updateAfterStep: Int = 0,
        useWarmup: Bool = false, warmupGamma: Double = 1, warmupPower: Double = 2.0 / 3.0
    ) {
        self.decay = decay
        self.minDecay = minDecay
        self.updateAfterStep = updateAfterStep
        self.useWarmup = useWarmup
        self.warmupGamma = warmupGamma
        self.warmupPower = warmupPower
        state = StateDict(model.stateDict().map { ($0.0, $0.1.copy()) })
    }

    /// The decay used at optimizer step `step` (1 for the first), timm's `get_decay`.
    public func decay(atStep step: Int?) -> Double {
        guard let step else { return decay }
        let steps = max(0, step - updateAfterStep - 1)
        guard steps > 0 else { return 0 }
        guard useWarmup else { return decay }
        let warm = 1 - pow(1 + Double(steps) / warmupGamma, -warmupPower)
        return max(min(warm, decay), minDecay)
    }

    public func update(from model: Module, step: Int?) { update(from: model.stateDict(), step: step) }

    /// Moves the average toward `current` (a state dict with the same keys and shapes).
    public func update(from current: StateDict, step: Int?) {
        let weight = Float(1 - decay(atStep: step))
        for (key, average) in state {
            guard let value = current[key] else { continue }
            guard average.dtype.isFloatingPoint else {
                average.assign(value)
                continue
            }
            let source = value.to(.float32).contiguous()
            withExtendedLifetime(source) {
                source.withUnsafeFloats { model in
                    average.withUnsafeMutableFloats { ema in
                        // torch.lerp's two-sided form, so the result matches PyTorch's bits.
                        for i in 0..<average.count {
                            let difference = model[i] - ema[i]
                            ema[i] = weight < 0.5 ? ema[i] + weight * difference : model[i] - difference * (1 - weight)
                        }
                    }
                }
            }
        }
    }

    /// Runs `body` with the averaged weights loaded into `model`, then puts the model's own back.
    public func withWeights<R>(in model: Module, _ body: () throws -> R) rethrows -> R {
        let own = StateDict(model.stateDict().map { ($0.0, $0.1.copy()) })
        try! model.loadStateDict(state)
        defer { try! model.loadStateDict(own) }
        return try body()
    }

    /// Replaces the average with `saved`'s entries of the same keys (resuming from a checkpoint).
    public func restore(_ saved: StateDict) {
        state = StateDict(state.map { key, average in (key, (saved[key] ?? average).to(average.dtype).copy()) })
    }
}
