/// What timm's `load_pretrained` does between reading a checkpoint and loading it into a model:
/// adapt the first convolution to other input channels, drop a classifier of another size.

/// timm's `adapt_input_conv`: a first-conv weight trained on RGB, made to take `inChans` channels.
/// One channel sums the RGB filters; more channels repeat them and scale by 3 / inChans so
/// activations keep their magnitude. Returns nil where timm gives up (then the conv stays fresh).
public func adaptInputConv(_ weight: Tensor, inChans: Int) -> Tensor? {
    let shape = weight.shape
    guard shape.count == 4 else { return nil }
    let (out, channels, kh, kw) = (shape[0], shape[1], shape[2], shape[3])
    let w = weight.to(.float32)
    let adapted: Tensor
    if inChans == 1 {
        if channels > 3 {
            // Space-to-depth stems stack RGB groups: sum within each group of three.
            guard channels % 3 == 0 else { return nil }
            adapted = w.reshape([out, channels / 3, 3, kh, kw]).sum(dim: 2)
        } else {
            adapted = w.sum(dim: 1, keepDim: true)
        }
    } else if inChans != 3 {
        guard channels == 3 else { return nil }
        let repeats = (inChans + 2) / 3
        adapted = Tensor.concat(Array(repeating: w, count: repeats), dim: 1).slice(1, 0, inChans).contiguous() * (3 / Float(inChans))
    } else {
        adapted = w
    }
    return adapted.to(weight.dtype)
}

/// The pretrained state dict shaped for a model with `numClasses` outputs and `inChans` input
/// channels, as timm's `load_pretrained`; `strict` tells whether every key must then match.
func prepareStateDict(_ tensors: [(name: String, tensor: Tensor)], cfg: PretrainedCfg,
                      numClasses: Int, inChans: Int) -> (stateDict: StateDict, strict: Bool) {
    var state = StateDict(tensors.map { ($0.name, $0.tensor) })
    var strict = true
    if inChans != 3, let firstConvs = cfg.firstConv?.values {
        for name in firstConvs {
            let key = name + ".weight"
            guard let weight = state[key] else { continue }
            if let adapted = adaptInputConv(weight, inChans: inChans) {
                state[key] = adapted
            } else {
                state[key] = nil
                strict = false
            }
        }
    }
    if let classifiers = cfg.classifier?.values {
        if numClasses != cfg.numClasses {
            // A head of another size starts fresh.
            for name in classifiers {
                state[name + ".weight"] = nil
                state[name + ".bias"] = nil
            }
            strict = false
        } else if let offset = cfg.labelOffset, offset > 0 {
            // Checkpoints with a background class: drop its row.
            for name in classifiers {
                for suffix in [".weight", ".bias"] {
                    if let t = state[name + suffix] { state[name + suffix] = t.slice(0, offset, t.shape[0]).contiguous() }
                }
            }
        }
    }
    return (state, strict)
}
