import ZooNN
import ZooTensor

/// Builds one architecture from model arguments: timm's model entrypoint (`resnet50(**kwargs)`).
public typealias ModelBuilder = @Sendable (ModelArgs) throws -> Module

/// Rewrites a checkpoint's tensors into an architecture's key layout, as timm's per-family
/// `checkpoint_filter_fn`: renames, reshapes, drops. Applied to every checkpoint `createModel` loads.
///
/// ResNet registers none: torchvision's resnet keys (`conv1`, `bn1`, `layer1.0.downsample.0`, `fc`)
/// are timm's, so its filter would be the identity.
public typealias CheckpointFilter = @Sendable ([(name: String, tensor: Tensor)]) -> [(name: String, tensor: Tensor)]

/// The arguments every architecture accepts, as timm's `create_model` passes them, plus a bag of
/// architecture-specific ones (`output_stride`, `stem_width`, ...).
///
/// ```swift
/// var args = ModelArgs(numClasses: 10)
/// args.extra["output_stride"] = 16
/// ```
public struct ModelArgs: Hashable, Sendable {
    /// Classifier outputs; 0 builds the model without a classifier.
    public var numClasses: Int
    /// Channels of the input image.
    public var inChans: Int
    /// Dropout before the classifier.
    public var dropRate: Double
    /// Stochastic depth rate, if the architecture has it.
    public var dropPathRate: Double?
    /// Global pooling: `avg`, `max`, `avgmax`, ... or empty for none.
    public var globalPool: String
    /// Arguments only some architectures understand, by timm's keyword name.
    public var extra: [String: ModelArgValue]

    public init(
        numClasses: Int = 1000, inChans: Int = 3, dropRate: Double = 0, dropPathRate: Double? = nil,
        globalPool: String = "avg", extra: [String: ModelArgValue] = [:]
    ) {
        self.numClasses = numClasses
        self.inChans = inChans
        self.dropRate = dropRate
        self.dropPathRate = dropPathRate
        self.globalPool = globalPool
        self.extra = extra
    }

    /// The arguments timm builds a pretrained model with: classes, input channels and (timm's
    /// `_update_default_model_kwargs`) `img_size` from its cfg, which sizes a ViT's position embedding.
    public init(matching cfg: PretrainedCfg) {
        self.init(numClasses: cfg.numClasses, inChans: cfg.inputSize.first ?? 3)
        if cfg.inputSize.count == 3 { extra["img_size"] = .ints(Array(cfg.inputSize[1...])) }
    }
}

/// One architecture-specific argument value.
public enum ModelArgValue: Hashable, Sendable, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByStringLiteral
{
    case int(Int)
    case double(Double)
    case bool(Bool)
    case string(String)
    /// A list of integers (`depths`, `img_size` as (H, W)).
    case ints([Int])

    public init(integerLiteral value: Int) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(stringLiteral value: String) { self = .string(value) }
}
