import ZooTensor

/// Runs its layers one after another (PyTorch's `nn.Sequential`); children are keyed "0", "1", …
/// ```swift
/// let downsample = Sequential(Conv2d(64, 256, kernelSize: 1, bias: false), BatchNorm2d(256))
/// downsample.stateDict().keys   // ["0.weight", "1.weight", "1.bias", "1.running_mean", …]
/// ```
public final class Sequential: Module {
    public private(set) var layers: [Module]

    public init(_ layers: [Module]) { self.layers = layers }
    public convenience init(_ layers: Module...) { self.init(layers) }

    public var count: Int { layers.count }
    public subscript(index: Int) -> Module { layers[index] }

    public func append(_ layer: Module) { layers.append(layer) }

    public override func namedChildren() -> [(String, Module)] {
        layers.enumerated().map { (String($0.offset), $0.element) }
    }

    public override func forward(_ input: Tensor) -> Tensor {
        // A convolution followed by its batch norm (and a ReLU) runs as one fused layer; outside
        // eval mode that is the same as calling them in turn.
        var x = input, index = 0
        while index < layers.count {
            if let conv = layers[index] as? Conv2d, index + 1 < layers.count,
                let norm = layers[index + 1] as? BatchNormAct2d
            {
                x = conv.forward(x, normalizedAndActivatedBy: norm)
                index += 2
            } else if let conv = layers[index] as? Conv2d, index + 1 < layers.count,
                let norm = layers[index + 1] as? BatchNorm2d
            {
                let relu = index + 2 < layers.count && layers[index + 2] is ReLU
                x = conv.forward(x, normalizedBy: norm, relu: relu)
                index += relu ? 3 : 2
            } else {
                x = layers[index](x)
                index += 1
            }
        }
        return x
    }
}

/// Returns its input (PyTorch's `nn.Identity`): a placeholder that keeps keys and structure,
/// e.g. a removed classifier.
public final class Identity: Module {
    public override init() {}
    public override func forward(_ input: Tensor) -> Tensor { input }
}

/// Flattens dimensions `startDim...endDim` into one (PyTorch's `nn.Flatten`, default from dimension 1).
/// ```swift
/// Flatten()(x)                     // [N, C, 1, 1] → [N, C]
/// ```
public final class Flatten: Module {
    public let startDim: Int, endDim: Int

    public init(startDim: Int = 1, endDim: Int = -1) {
        self.startDim = startDim
        self.endDim = endDim
    }

    public override func forward(_ input: Tensor) -> Tensor { input.flatten(start: startDim, end: endDim) }
}
