import ZooTensor

/// One feature map a backbone can hand out (timm's `feature_info` entry): its channels, its
/// reduction (input size ÷ map size) and the module that produces it.
public struct FeatureInfo: Sendable, Equatable, Hashable, Codable {
    public var channels: Int
    public var reduction: Int
    public var module: String

    public init(channels: Int, reduction: Int, module: String) {
        (self.channels, self.reduction, self.module) = (channels, reduction, module)
    }
}

/// A model that can return intermediate feature maps (timm's `forward_intermediates`), the base of
/// `features_only` backbones for detection and segmentation.
public protocol FeatureExtracting: Module {
    /// Every map the model can return, in order; indices below refer to positions here.
    var featureInfo: [FeatureInfo] { get }
    /// The maps at `indices` (ascending), computing no further than the last one needs.
    func forwardIntermediates(_ input: Tensor, indices: [Int]) -> [Tensor]
}

/// A backbone cut to feature maps (timm's `features_only=True`): `features(x)` returns the maps at
/// `outIndices`, described by `featureInfo`. Its state dict is the backbone's, less the head.
/// ```swift
/// let backbone = try createModel("resnet50", featuresOnly: true, outIndices: [1, 2, 3, 4])
/// backbone.featureInfo.map(\.channels)       // [256, 512, 1024, 2048]
/// let maps = backbone.features(images)        // strides 4, 8, 16, 32
/// ```
public final class FeatureExtractor: Module {
    public let backbone: FeatureExtracting
    public let outIndices: [Int]

    public init(_ backbone: FeatureExtracting, outIndices: [Int]) {
        let count = backbone.featureInfo.count
        let normalized = outIndices.map { $0 < 0 ? $0 + count : $0 }
        precondition(
            normalized.allSatisfy { (0..<count).contains($0) },
            "out indices \(outIndices) outside the \(count) feature maps")
        self.backbone = backbone
        self.outIndices = normalized.sorted()
    }

    /// The selected entries of the backbone's feature info.
    public var featureInfo: [FeatureInfo] { outIndices.map { backbone.featureInfo[$0] } }

    public func features(_ input: Tensor) -> [Tensor] { backbone.forwardIntermediates(input, indices: outIndices) }

    /// The children are the backbone's own, so keys read `conv1.weight`, not `backbone.conv1.weight`.
    public override func namedChildren() -> [(String, Module)] { backbone.namedChildren() }
    public override var ownParameters: [(String, Tensor)] { backbone.ownParameters }
    public override var ownBuffers: [(String, Tensor)] { backbone.ownBuffers }

    /// The last selected map (`features` gives all of them).
    public override func forward(_ input: Tensor) -> Tensor { features(input).last! }
}
