import Foundation
import ZooTensor

/// timm's `Mixup` in batch mode: with probability `probability` the batch is mixed with its own
/// reverse, by mixup (λ ~ Beta(α, α)) or cutmix (a box of area 1 − λ pasted, λ then corrected to
/// the box actually pasted), chosen by `switchProbability` when both are on; targets become soft,
/// λ·onehot(y) + (1 − λ)·onehot(reversed y), with label smoothing (off = s/K, on = 1 − s + s/K).
public struct Mixup: Sendable, Equatable {
    public var mixupAlpha = 0.8
    public var cutmixAlpha = 1.0
    public var probability = 1.0
    public var switchProbability = 0.5
    public var labelSmoothing = 0.1
    public var numClasses: Int

    public init(
        numClasses: Int, mixupAlpha: Double = 0.8, cutmixAlpha: Double = 1.0, probability: Double = 1.0,
        switchProbability: Double = 0.5, labelSmoothing: Double = 0.1
    ) {
        (self.numClasses, self.mixupAlpha, self.cutmixAlpha) = (numClasses, mixupAlpha, cutmixAlpha)
        (self.probability, self.switchProbability, self.labelSmoothing) = (
            probability, switchProbability, labelSmoothing
        )
    }

    /// Mixes `inputs` [N, C, H, W] (in place, as timm) and returns λ and the soft targets [N, classes].
    public func apply(
        inputs values: inout [Float], shape: [Int], labels: [Int],
        using rng: inout RandomGenerator
    ) -> (lambda: Double, targets: [Float]) {
        var lambda = 1.0, cutmix = false
        if rng.random() < probability {
            if mixupAlpha > 0 && cutmixAlpha > 0 {
                cutmix = rng.random() < switchProbability
                lambda = cutmix ? rng.beta(cutmixAlpha, cutmixAlpha) : rng.beta(mixupAlpha, mixupAlpha)
            } else if mixupAlpha > 0 {
                lambda = rng.beta(mixupAlpha, mixupAlpha)
            } else if cutmixAlpha > 0 {
                cutmix = true
                lambda = rng.beta(cutmixAlpha, cutmixAlpha)
            }
        }
        let n = shape[0], c = shape[1], h = shape[2], w = shape[3], plane = h * w
        if lambda < 1 {
            let original = values
            if cutmix {
                let ratio = (1 - lambda).squareRoot(), cutH = Int(Double(h) * ratio), cutW = Int(Double(w) * ratio)
                let cy = rng.randint(0, h - 1), cx = rng.randint(0, w - 1)
                let y0 = min(max(cy - cutH / 2, 0), h), y1 = min(max(cy + cutH / 2, 0), h)
                let x0 = min(max(cx - cutW / 2, 0), w), x1 = min(max(cx + cutW / 2, 0), w)
                for i in 0..<n {
                    let j = n - 1 - i
                    for ch in 0..<c {
                        for y in y0..<y1 {
                            for x in x0..<x1 {
                                values[(i * c + ch) * plane + y * w + x] = original[(j * c + ch) * plane + y * w + x]
                            }
                        }
                    }
                }
                lambda = 1 - Double((y1 - y0) * (x1 - x0)) / Double(plane)
            } else {
                let sample = c * plane, l = Float(lambda)
                for i in 0..<n {
                    let j = n - 1 - i
                    for k in 0..<sample {
                        values[i * sample + k] = original[i * sample + k] * l + original[j * sample + k] * (1 - l)
                    }
                }
            }
        }
        return (lambda, softTargets(labels, lambda: lambda))
    }

    /// timm's `mixup_target`: smoothed one-hot targets of the labels and of the reversed labels, mixed by λ.
    public func softTargets(_ labels: [Int], lambda: Double) -> [Float] {
        let off = labelSmoothing / Double(numClasses), on = 1 - labelSmoothing + off, n = labels.count
        var targets = [Float](repeating: 0, count: n * numClasses)
        for i in 0..<n {
            for k in 0..<numClasses {
                let a = labels[i] == k ? on : off, b = labels[n - 1 - i] == k ? on : off
                targets[i * numClasses + k] = Float(a * lambda + b * (1 - lambda))
            }
        }
        return targets
    }
}
