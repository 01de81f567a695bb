import ZooTensor

/// Max over windows of NCHW input (PyTorch's `nn.MaxPool2d`); `stride` defaults to the kernel.
/// ```swift
/// let pool = MaxPool2d(kernelSize: 3, stride: 2, padding: 1)   // the ResNet stem's pool
/// ```
public final class MaxPool2d: Module {
    public let kernelSize: (Int, Int), stride: (Int, Int), padding: (Int, Int), dilation: (Int, Int)
    public let ceilMode: Bool

    public init(
        kernelSize: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0),
        dilation: (Int, Int) = (1, 1), ceilMode: Bool = false
    ) {
        self.kernelSize = kernelSize
        self.stride = stride ?? kernelSize
        self.padding = padding
        self.dilation = dilation
        self.ceilMode = ceilMode
    }

    public convenience init(
        kernelSize: Int, stride: Int? = nil, padding: Int = 0, dilation: Int = 1, ceilMode: Bool = false
    ) {
        self.init(
            kernelSize: (kernelSize, kernelSize), stride: stride.map { ($0, $0) }, padding: (padding, padding),
            dilation: (dilation, dilation), ceilMode: ceilMode)
    }

    public override func forward(_ input: Tensor) -> Tensor {
        input.maxPool2d(kernel: kernelSize, stride: stride, padding: padding, dilation: dilation, ceilMode: ceilMode)
    }
}

/// Mean over windows of NCHW input (PyTorch's `nn.AvgPool2d`); `stride` defaults to the kernel.
/// ```swift
/// let pool = AvgPool2d(kernelSize: 2, stride: 2, ceilMode: true, countIncludePad: false)  // ResNet-D shortcut
/// ```
public final class AvgPool2d: Module {
    public let kernelSize: (Int, Int), stride: (Int, Int), padding: (Int, Int)
    public let ceilMode: Bool, countIncludePad: Bool

    public init(
        kernelSize: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0),
        ceilMode: Bool = false, countIncludePad: Bool = true
    ) {
        self.kernelSize = kernelSize
        self.stride = stride ?? kernelSize
        self.padding = padding
        self.ceilMode = ceilMode
        self.countIncludePad = countIncludePad
    }

    public convenience init(
        kernelSize: Int, stride: Int? = nil, padding: Int = 0, ceilMode: Bool = false,
        countIncludePad: Bool = true
    ) {
        self.init(
            kernelSize: (kernelSize, kernelSize), stride: stride.map { ($0, $0) }, padding: (padding, padding),
            ceilMode: ceilMode, countIncludePad: countIncludePad)
    }

    public override func forward(_ input: Tensor) -> Tensor {
        input.avgPool2d(
            kernel: kernelSize, stride: stride, padding: padding, ceilMode: ceilMode, countIncludePad: countIncludePad)
    }
}

/// Mean pooling to a fixed output size whatever the input size (PyTorch's `nn.AdaptiveAvgPool2d`).
/// ```swift
/// let pool = AdaptiveAvgPool2d(1)          // [N, C, H, W] → [N, C, 1, 1]
/// ```
public final class AdaptiveAvgPool2d: Module {
    public let outputSize: (Int, Int)

    public init(_ outputSize: (Int, Int)) { self.outputSize = outputSize }
    public convenience init(_ outputSize: Int) { self.init((outputSize, outputSize)) }

    public override func forward(_ input: Tensor) -> Tensor { input.adaptiveAvgPool2d(outputSize) }
}

/// Global average pooling for classifier heads, flattened to [N, C] by default (timm's
/// `SelectAdaptivePool2d(pool_type="avg", flatten=True)`).
/// ```swift
/// let pool = GlobalAvgPool2d()             // [N, 2048, 7, 7] → [N, 2048]
/// ```
public final class GlobalAvgPool2d: Module {
    public let flatten: Bool

    public init(flatten: Bool = true) { self.flatten = flatten }

    public override func forward(_ input: Tensor) -> Tensor {
        precondition(input.rank == 4, "GlobalAvgPool2d expects NCHW input, got \(input.shape)")
        return input.mean(dims: [2, 3], keepDim: !flatten)
    }
}
