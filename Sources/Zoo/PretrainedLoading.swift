/// What timm's `load_pretrained` does between reading a checkpoint and loading it into a model:
/// adapt the first convolution to other input channels, drop a classifier of another size.

/// timm's `adapt_input_conv`: a first-conv weight trained on `baseChans` channels (RGB), made to
/// take `inChans`. One channel sums the source filters; more channels repeat them and scale by
/// baseChans / inChans so activations keep their magnitude. Returns nil where timm raises
/// `NotImplementedError` (the caller then leaves the conv freshly initialized).
public func adaptInputConv(_ weight: Tensor, inChans: Int, baseChans: Int = 3) -> Tensor? {
    let shape = weight.shape
    guard shape.count == 4, inChans >= 1, baseChans >= 1 else { return nil }
    guard inChans != baseChans else { return weight }
    let (out, channels, kh, kw) = (shape[0], shape[1], shape[2], shape[3])
    // Half-precision weights are summed in float32, as timm does (`conv_weight.float()`).
    let w = weight.to(.float32)
    let adapted: Tensor
    if inChans == 1 {
        if channels > baseChans {
            // Space-to-depth stems stack groups of source channels: sum within each group.
            guard channels % baseChans == 0 else { return nil }
            adapted = w.reshape([out, channels / baseChans, baseChans, kh, kw]).sum(dim: 2)
        } else {
            adapted = w.sum(dim: 1, keepDim: true)
        }
    } else {
        guard channels == baseChans else { return nil }
        let repeats = (inChans + baseChans - 1) / baseChans
        adapted =
            Tensor.concat(Array(repeating: w, count: repeats), dim: 1).slice(1, 0, inChans).contiguous()
            * (Float(baseChans) / Float(inChans))
    }
    return adapted.to(weight.dtype)
}

/// The pretrained state dict shaped for a model with `numClasses` outputs and `inChans` input
/// channels, as timm's `load_pretrained`; `strict` tells whether every key must then match.
///
/// - Parameter modelShapes: The model's own shapes by key: a first conv that already fits is
///   loaded unchanged, as in timm (a checkpoint saved from a 1-channel model stays as it is).
func prepareStateDict(
    _ tensors: [(name: String, tensor: Tensor)], cfg: PretrainedCfg,
    numClasses: Int, inChans: Int, modelShapes: [String: [Int]]
) -> (stateDict: StateDict, strict: Bool) {
    var state = StateDict(tensors.map { ($0.name, $0.tensor) })
    var strict = true
    let pretrainedInChans = cfg.inputSize.first ?? 3
    for name in cfg.firstConv?.values ?? [] {
        let key = name + ".weight"
        // A family filter may have renamed the stem: then loading reports what doesn't fit.
        guard let weight = state[key], weight.shape != modelShapes[key], inChans != pretrainedInChans else { continue }
        if let adapted = adaptInputConv(weight, inChans: inChans, baseChans: pretrainedInChans) {
            state[key] = adapted
        } else {
            state[key] = nil
            strict = false
        }
    }
    if let classifiers = cfg.classifier?.values {
        if numClasses != cfg.numClasses {
            // A head of another size starts fresh; one that already fits (a checkpoint fine-tuned to
            // these classes, as timm's load_checkpoint) is loaded as it is.
            for name in classifiers
            where state[name + ".weight"].map({ $0.shape != modelShapes[name + ".weight"] }) ?? true {
                state[name + ".weight"] = nil
                state[name + ".bias"] = nil
                strict = false
            }
        } else if let offset = cfg.labelOffset, offset > 0 {
            // Checkpoints with a background class: drop its row.
            for name in classifiers {
                for suffix in [".weight", ".bias"] {
                    if let t = state[name + suffix] {
                        state[name + suffix] = t.slice(0, offset, t.shape[0]).contiguous()
                    }
                }
            }
        }
    }
    return (state, strict)
}
