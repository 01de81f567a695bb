import ZooTensor

/// 2-d convolution over NCHW (PyTorch's `nn.Conv2d`). Keys `weight` [out, in/groups, kh, kw], `bias` [out].
/// Initialized as PyTorch's: kaiming-uniform weight (a = √5), bias uniform on ±1/√fan_in.
/// ```swift
/// let stem = Conv2d(3, 64, kernelSize: 7, stride: 2, padding: 3, bias: false)
/// let y = stem(x)                  // [N, 3, 224, 224] → [N, 64, 112, 112]
/// ```
public final class Conv2d: Module {
    public let inChannels: Int
    public let outChannels: Int
    public let kernelSize: (Int, Int)
    public let stride: (Int, Int)
    public let padding: (Int, Int)
    public let dilation: (Int, Int)
    public let groups: Int
    public let weight: Tensor
    public let bias: Tensor?
    /// Eval-mode weights with a batch norm folded in (`forward(_:normalizedBy:adding:relu:)`).
    let inferenceCache = InferenceCache()

    public init(
        _ inChannels: Int, _ outChannels: Int, kernelSize: (Int, Int), stride: (Int, Int) = (1, 1),
        padding: (Int, Int) = (0, 0), dilation: (Int, Int) = (1, 1), groups: Int = 1, bias: Bool = true
    ) {
        precondition(
            inChannels % groups == 0 && outChannels % groups == 0,
            "Conv2d: channels \(inChannels)→\(outChannels) not divisible by groups \(groups)")
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernelSize = kernelSize
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.groups = groups
        let shape = [outChannels, inChannels / groups, kernelSize.0, kernelSize.1]
        weight = WeightInitialization.parameter(shape) { Tensor.kaimingUniform(shape, using: &$0) }
        let fanIn = shape[1] * kernelSize.0 * kernelSize.1
        self.bias =
            bias
            ? WeightInitialization.parameter([outChannels]) {
                Tensor.biasUniform(outChannels, fanIn: fanIn, using: &$0)
            } : nil
    }

    /// Square kernel, stride, padding and dilation.
    public convenience init(
        _ inChannels: Int, _ outChannels: Int, kernelSize: Int, stride: Int = 1,
        padding: Int = 0, dilation: Int = 1, groups: Int = 1, bias: Bool = true
    ) {
        self.init(
            inChannels, outChannels, kernelSize: (kernelSize, kernelSize), stride: (stride, stride),
            padding: (padding, padding), dilation: (dilation, dilation), groups: groups, bias: bias)
    }

    public override var ownParameters: [(String, Tensor)] {
        [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
    }

    public override func forward(_ input: Tensor) -> Tensor {
        Tensor.conv2d(
            input, weight: weight, bias: bias, stride: stride, padding: padding, dilation: dilation, groups: groups)
    }
}
