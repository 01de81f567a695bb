import ZooTensor

/// Image to patch tokens (timm's `PatchEmbed`): a p×p stride-p convolution, then [N, T, C] tokens
/// (or the [N, H, W, C] grid when `outputGrid`), then an optional norm. Keys `proj`, `norm`.
public final class PatchEmbed: Module {
    public let patchSize: (Int, Int)
    public private(set) var imgSize: (Int, Int)
    public let proj: Conv2d
    public let norm: Module?
    /// Whether inputs of another size than `imgSize` are accepted (timm's `strict_img_size=False`).
    public let dynamicSize: Bool

    public init(
        imgSize: (Int, Int), patchSize: (Int, Int), inChans: Int, embedDim: Int, bias: Bool = true,
        norm: NormKind? = nil, dynamicSize: Bool = false
    ) {
        self.imgSize = imgSize
        self.patchSize = patchSize
        proj = Conv2d(inChans, embedDim, kernelSize: patchSize, stride: patchSize, bias: bias)
        self.norm = norm?.make(embedDim)
        self.dynamicSize = dynamicSize
    }

    /// Patches per side at `imgSize`.
    public var gridSize: (Int, Int) { (imgSize.0 / patchSize.0, imgSize.1 / patchSize.1) }

    /// [N, C, H, W] → [N, H/p, W/p, embed].
    public func grid(_ input: Tensor) -> Tensor {
        if !dynamicSize {
            precondition(
                input.shape[2] == imgSize.0 && input.shape[3] == imgSize.1,
                "input \(input.shape[2])×\(input.shape[3]) does not match the model's \(imgSize.0)×\(imgSize.1)")
        }
        let x = proj(input).permute(0, 2, 3, 1)
        return norm?(x) ?? x
    }

    /// [N, C, H, W] → [N, T, embed].
    public override func forward(_ input: Tensor) -> Tensor {
        let g = grid(input)
        return g.reshape([g.shape[0], g.shape[1] * g.shape[2], g.shape[3]])
    }
}
