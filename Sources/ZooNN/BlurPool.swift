import ZooTensor

/// Anti-aliased downsampling (timm's `BlurPool2d`, Zhang 2019): pad, then a fixed binomial blur
/// per channel with a stride. The filter is not part of the state dict (timm's buffer is
/// non-persistent), so checkpoints carry no key for it.
/// ```swift
/// let aa = BlurPool2d(channels: 64)         // 3×3 [1 2 1]ᵀ[1 2 1]/16, stride 2, reflect padding
/// let y = aa(x)                             // [N, 64, 56, 56] → [N, 64, 28, 28]
/// ```
public final class BlurPool2d: Module {
    public let channels: Int, filterSize: Int, stride: Int
    public let padMode: PaddingMode
    /// [channels, 1, k, k], the outer product of binomial coefficients C(k−1, i)/2^(k−1).
    public let filter: Tensor

    public init(channels: Int, filterSize: Int = 3, stride: Int = 2, padMode: PaddingMode = .reflect) {
        precondition(filterSize > 1, "BlurPool2d: filter size must be above 1")
        (self.channels, self.filterSize, self.stride, self.padMode) = (channels, filterSize, stride, padMode)
        var coefficients: [Float] = [1]
        for _ in 1..<filterSize { coefficients = zip(coefficients + [0], [0] + coefficients).map { $0 + $1 } }
        let total = coefficients.reduce(0, +)
        let normalized = coefficients.map { $0 / total }
        let plane = normalized.flatMap { row in normalized.map { row * $0 } }
        filter = Tensor(
            Array((0..<channels).map { _ in plane }.joined()), shape: [channels, 1, filterSize, filterSize])
    }

    public override func forward(_ input: Tensor) -> Tensor {
        // timm's get_padding(k, stride): ((stride − 1) + (k − 1)) / 2 on every side.
        let pad = ((stride - 1) + (filterSize - 1)) / 2
        let x = input.padded(left: pad, right: pad, top: pad, bottom: pad, mode: padMode)
        return Tensor.conv2d(x, weight: filter, stride: (stride, stride), groups: channels)
    }
}
