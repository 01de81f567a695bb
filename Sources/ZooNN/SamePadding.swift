import ZooTensor

/// How a convolution or pool pads its input, as timm's `padding` strings.
public enum ConvPadding: String, Sendable {
    /// PyTorch-style symmetric padding `((stride − 1) + dilation·(kernel − 1)) / 2` (timm's '').
    case symmetric = ""
    /// TensorFlow's "SAME": output = ⌈input / stride⌉, extra padding on the bottom/right; computed
    /// from the input size at run time unless the padding is the same for every size.
    case same
    /// No padding.
    case valid
}

/// timm's `get_padding`: symmetric padding for a kernel, stride and dilation.
public func symmetricPadding(kernel: Int, stride: Int = 1, dilation: Int = 1) -> Int {
    ((stride - 1) + dilation * (kernel - 1)) / 2
}

/// timm's `get_same_padding`: the total TensorFlow "SAME" padding of one dimension.
public func samePadding(size: Int, kernel: Int, stride: Int, dilation: Int) -> Int {
    Swift.max(((size + stride - 1) / stride - 1) * stride + (kernel - 1) * dilation + 1 - size, 0)
}

/// timm's `is_static_pad`: whether "SAME" padding is the same for every input size.
public func isStaticSamePadding(kernel: Int, stride: Int, dilation: Int) -> Bool {
    stride == 1 && (dilation * (kernel - 1)) % 2 == 0
}

extension Tensor {
    /// Zero padding of the last two dimensions (PyTorch's `F.pad(x, (left, right, top, bottom))`).
    public func zeroPad2d(left: Int, right: Int, top: Int, bottom: Int) -> Tensor {
        precondition(rank >= 2 && Swift.min(left, right, top, bottom) >= 0, "zeroPad2d: bad padding for \(shape)")
        var x = self
        let h = rank - 2, w = rank - 1
        func zeros(_ dim: Int, _ size: Int) -> Tensor {
            var s = x.shape
            s[dim] = size
            return Tensor.zeros(s)
        }
        if left + right > 0 {
            x = Tensor.concat((left > 0 ? [zeros(w, left)] : []) + [x] + (right > 0 ? [zeros(w, right)] : []), dim: w)
        }
        if top + bottom > 0 {
            x = Tensor.concat((top > 0 ? [zeros(h, top)] : []) + [x] + (bottom > 0 ? [zeros(h, bottom)] : []), dim: h)
        }
        return x
    }

    /// TensorFlow "SAME" zero padding for a window (timm's `pad_same`).
    public func padSame(kernel: (Int, Int), stride: (Int, Int), dilation: (Int, Int) = (1, 1)) -> Tensor {
        let padH = samePadding(size: shape[rank - 2], kernel: kernel.0, stride: stride.0, dilation: dilation.0)
        let padW = samePadding(size: shape[rank - 1], kernel: kernel.1, stride: stride.1, dilation: dilation.1)
        if padH == 0 && padW == 0 { return self }
        return zeroPad2d(left: padW / 2, right: padW - padW / 2, top: padH / 2, bottom: padH - padH / 2)
    }
}

/// A convolution with TensorFlow's "SAME" padding computed from each input (timm's `Conv2dSame`);
/// keys `weight`, `bias` as `Conv2d`'s. Used where ported TensorFlow weights need it (`tf_*` models).
public final class Conv2dSame: Module {
    public let inChannels: Int
    public let outChannels: Int
    public let kernelSize: (Int, Int)
    public let stride: (Int, Int)
    public let dilation: (Int, Int)
    public let groups: Int
    public let weight: Tensor
    public let bias: Tensor?

    public init(
        _ inChannels: Int, _ outChannels: Int, kernelSize: Int, stride: Int = 1, dilation: Int = 1,
        groups: Int = 1, bias: Bool = true
    ) {
        // Same parameters and initialization as the symmetric convolution; only the padding differs.
        let plain = Conv2d(
            inChannels, outChannels, kernelSize: kernelSize, stride: stride, dilation: dilation,
            groups: groups, bias: bias)
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernelSize = (kernelSize, kernelSize)
        self.stride = (stride, stride)
        self.dilation = (dilation, dilation)
        self.groups = groups
        weight = plain.weight
        self.bias = plain.bias
    }

    public override var ownParameters: [(String, Tensor)] {
        [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
    }

    public override func forward(_ input: Tensor) -> Tensor {
        Tensor.conv2d(
            input.padSame(kernel: kernelSize, stride: stride, dilation: dilation), weight: weight, bias: bias,
            stride: stride, dilation: dilation, groups: groups)
    }
}

/// timm's `create_conv2d_pad`: a `Conv2d` with the padding `mode` asks for, or a `Conv2dSame`
/// when "SAME" padding depends on the input size.
public func makePaddedConv2d(
    _ inChannels: Int, _ outChannels: Int, kernelSize: Int, stride: Int = 1,
    dilation: Int = 1, groups: Int = 1, bias: Bool = false,
    padding mode: ConvPadding = .symmetric
) -> Module {
    let padding: Int
    switch mode {
    case .valid: padding = 0
    case .symmetric: padding = symmetricPadding(kernel: kernelSize, stride: stride, dilation: dilation)
    case .same:
        guard isStaticSamePadding(kernel: kernelSize, stride: stride, dilation: dilation) else {
            return Conv2dSame(
                inChannels, outChannels, kernelSize: kernelSize, stride: stride, dilation: dilation,
                groups: groups, bias: bias)
        }
        padding = symmetricPadding(kernel: kernelSize, stride: stride, dilation: dilation)
    }
    return Conv2d(
        inChannels, outChannels, kernelSize: kernelSize, stride: stride, padding: padding,
        dilation: dilation, groups: groups, bias: bias)
}
