import ZooRegistry

/// How a model's images must be prepared: timm's `resolve_data_config` for a pretrained cfg
/// (input size, interpolation, mean, std, crop_pct, crop_mode).
///
/// ```swift
/// let config = DataConfig(cfg: try ModelRegistry.shared.pretrainedCfg(for: "resnet50.a1_in1k")!)
/// let x = EvalTransform(config)(try Image(contentsOf: "cat.jpg"))   // [3, 224, 224], normalized
/// ```
public struct DataConfig: Sendable, Equatable {
    /// Channels, height, width.
    public var inputSize: [Int]
    /// A PIL filter name (`bilinear`, `bicubic`, ...); `random` picks bilinear or bicubic per image in training.
    public var interpolation: String
    public var mean: [Double]
    public var std: [Double]
    public var cropPct: Double
    /// `center`, `squash` or `border` (timm's `crop_mode`).
    public var cropMode: String

    public init(
        inputSize: [Int] = [3, 224, 224], interpolation: String = "bicubic",
        mean: [Double] = [0.485, 0.456, 0.406], std: [Double] = [0.229, 0.224, 0.225],
        cropPct: Double = 0.875, cropMode: String = "center"
    ) {
        (self.inputSize, self.interpolation, self.mean, self.std) = (inputSize, interpolation, mean, std)
        (self.cropPct, self.cropMode) = (cropPct, cropMode)
    }

    /// The cfg's preprocessing; `inputSize` (a square side, as `--input-size`) overrides the cfg's.
    public init(cfg: PretrainedCfg, inputSize: Int? = nil) {
        var size = cfg.inputSize
        if let side = inputSize { size = [size.first ?? 3, side, side] }
        self.init(
            inputSize: size, interpolation: cfg.interpolation, mean: cfg.mean, std: cfg.std,
            cropPct: cfg.cropPct, cropMode: cfg.cropMode)
    }

    public var channels: Int { inputSize[0] }
    public var height: Int { inputSize[1] }
    public var width: Int { inputSize[2] }

    /// The image mode the model reads: one channel is gray, otherwise RGB.
    public var imageMode: Image.Mode { channels == 1 ? .gray : .rgb }

    /// `interpolation` as a filter; anything unknown (and `random` outside training) is bilinear, as timm.
    var filter: Interpolation { Interpolation(timmName: interpolation) ?? .bilinear }
}
