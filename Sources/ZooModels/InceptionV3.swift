// Inception-v3 after timm's `timm/models/inception_v3.py` (itself after torchvision's `Inception3`):
// the same module tree and keys (`Conv2d_1a_3x3.conv`, `Mixed_5b.branch1x1.bn`, `AuxLogits.fc`, `fc`),
// so torchvision's checkpoint loads into timm's `inception_v3` as it is; without the auxiliary head
// its `AuxLogits.*` tensors are dropped on load, as timm's non-strict load of the `tv_in1k` weights.
import ZooNN
import ZooRegistry
import ZooTensor

// MARK: - Blocks

/// Convolution without bias, batch norm (eps 1e-3) and ReLU: timm's `ConvNormAct` as Inception uses
/// it, torchvision's `BasicConv2d`. Keys `conv`, `bn`.
public final class BasicConv2d: Module {
    public let conv: Conv2d
    public let bn: BatchNorm2d

    public init(
        _ inChannels: Int, _ outChannels: Int, kernelSize: (Int, Int), stride: Int = 1, padding: (Int, Int) = (0, 0)
    ) {
        conv = Conv2d(
            inChannels, outChannels, kernelSize: kernelSize, stride: (stride, stride), padding: padding, bias: false)
        bn = BatchNorm2d(outChannels, eps: 1e-3)
    }

    public convenience init(_ inChannels: Int, _ outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0) {
        self.init(
            inChannels, outChannels, kernelSize: (kernelSize, kernelSize), stride: stride,
            padding: (padding, padding))
    }

    public override func forward(_ input: Tensor) -> Tensor { conv.forward(input, normalizedBy: bn, relu: true) }
}

/// The 3×3, stride-1 average pool of Inception's pool branches (zero padding counted, as PyTorch's default).
func inceptionAveragePool(_ x: Tensor) -> Tensor {
    x.avgPool2d(kernel: (3, 3), stride: (1, 1), padding: (1, 1), ceilMode: false, countIncludePad: true)
}

/// The 3×3, stride-2 max pool of Inception's reduction blocks.
func inceptionMaxPool(_ x: Tensor) -> Tensor {
    x.maxPool2d(kernel: (3, 3), stride: (2, 2), padding: (0, 0), dilation: (1, 1), ceilMode: false)
}

/// An Inception block's convolutions under timm's attribute names (`branch5x5_1`, `branch3x3dbl_3a`),
/// which no Swift property name maps to: registered in timm's order, looked up by name in `forward`.
public class InceptionBranches: Module {
    let convs: [(String, BasicConv2d)]
    private let byName: [String: BasicConv2d]

    init(_ convs: [(String, BasicConv2d)]) {
        self.convs = convs
        byName = Dictionary(uniqueKeysWithValues: convs)
    }

    public override func namedChildren() -> [(String, Module)] { convs.map { ($0.0, $0.1 as Module) } }

    /// Runs the named convolutions one after another.
    func run(_ x: Tensor, _ names: String...) -> Tensor { names.reduce(x) { byName[$1]!($0) } }
}

/// 35×35 block: 1×1, 5×5, double 3×3 and pool branches.
public final class InceptionA: InceptionBranches {
    init(_ inChannels: Int, poolFeatures: Int) {
        super.init([
            ("branch1x1", BasicConv2d(inChannels, 64, kernelSize: 1)),
            ("branch5x5_1", BasicConv2d(inChannels, 48, kernelSize: 1)),
            ("branch5x5_2", BasicConv2d(48, 64, kernelSize: 5, padding: 2)),
            ("branch3x3dbl_1", BasicConv2d(inChannels, 64, kernelSize: 1)),
            ("branch3x3dbl_2", BasicConv2d(64, 96, kernelSize: 3, padding: 1)),
            ("branch3x3dbl_3", BasicConv2d(96, 96, kernelSize: 3, padding: 1)),
            ("branch_pool", BasicConv2d(inChannels, poolFeatures, kernelSize: 1)),
        ])
    }

    public override func forward(_ x: Tensor) -> Tensor {
        Tensor.concat(
            [
                run(x, "branch1x1"), run(x, "branch5x5_1", "branch5x5_2"),
                run(x, "branch3x3dbl_1", "branch3x3dbl_2", "branch3x3dbl_3"),
                run(inceptionAveragePool(x), "branch_pool"),
            ], dim: 1)
    }
}

/// 35→17 reduction: strided 3×3, double 3×3 and max-pool branches.
public final class InceptionB: InceptionBranches {
    init(_ inChannels: Int) {
        super.init([
            ("branch3x3", BasicConv2d(inChannels, 384, kernelSize: 3, stride: 2)),
            ("branch3x3dbl_1", BasicConv2d(inChannels, 64, kernelSize: 1)),
            ("branch3x3dbl_2", BasicConv2d(64, 96, kernelSize: 3, padding: 1)),
            ("branch3x3dbl_3", BasicConv2d(96, 96, kernelSize: 3, stride: 2)),
        ])
    }

    public override func forward(_ x: Tensor) -> Tensor {
        Tensor.concat(
            [
                run(x, "branch3x3"), run(x, "branch3x3dbl_1", "branch3x3dbl_2", "branch3x3dbl_3"),
                inceptionMaxPool(x),
            ], dim: 1)
    }
}

/// 17×17 block: factorized 7×7 convolutions (1×7 then 7×1).
public final class InceptionC: InceptionBranches {
    init(_ inChannels: Int, channels7x7 c7: Int) {
        func row(_ i: Int, _ o: Int) -> BasicConv2d { BasicConv2d(i, o, kernelSize: (1, 7), padding: (0, 3)) }
        func column(_ i: Int, _ o: Int) -> BasicConv2d { BasicConv2d(i, o, kernelSize: (7, 1), padding: (3, 0)) }
        super.init([
            ("branch1x1", BasicConv2d(inChannels, 192, kernelSize: 1)),
            ("branch7x7_1", BasicConv2d(inChannels, c7, kernelSize: 1)),
            ("branch7x7_2", row(c7, c7)),
            ("branch7x7_3", column(c7, 192)),
            ("branch7x7dbl_1", BasicConv2d(inChannels, c7, kernelSize: 1)),
            ("branch7x7dbl_2", column(c7, c7)),
            ("branch7x7dbl_3", row(c7, c7)),
            ("branch7x7dbl_4", column(c7, c7)),
            ("branch7x7dbl_5", row(c7, 192)),
            ("branch_pool", BasicConv2d(inChannels, 192, kernelSize: 1)),
        ])
    }

    public override func forward(_ x: Tensor) -> Tensor {
        Tensor.concat(
            [
                run(x, "branch1x1"), run(x, "branch7x7_1", "branch7x7_2", "branch7x7_3"),
                run(x, "branch7x7dbl_1", "branch7x7dbl_2", "branch7x7dbl_3", "branch7x7dbl_4", "branch7x7dbl_5"),
                run(inceptionAveragePool(x), "branch_pool"),
            ], dim: 1)
    }
}

/// 17→8 reduction: strided 3×3, 7×7-then-strided-3×3 and max-pool branches.
public final class InceptionD: InceptionBranches {
    init(_ inChannels: Int) {
        super.init([
            ("branch3x3_1", BasicConv2d(inChannels, 192, kernelSize: 1)),
            ("branch3x3_2", BasicConv2d(192, 320, kernelSize: 3, stride: 2)),
            ("branch7x7x3_1", BasicConv2d(inChannels, 192, kernelSize: 1)),
            ("branch7x7x3_2", BasicConv2d(192, 192, kernelSize: (1, 7), padding: (0, 3))),
            ("branch7x7x3_3", BasicConv2d(192, 192, kernelSize: (7, 1), padding: (3, 0))),
            ("branch7x7x3_4", BasicConv2d(192, 192, kernelSize: 3, stride: 2)),
        ])
    }

    public override func forward(_ x: Tensor) -> Tensor {
        Tensor.concat(
            [
                run(x, "branch3x3_1", "branch3x3_2"),
                run(x, "branch7x7x3_1", "branch7x7x3_2", "branch7x7x3_3", "branch7x7x3_4"), inceptionMaxPool(x),
            ], dim: 1)
    }
}

/// 8×8 block: 1×3 and 3×1 convolutions side by side in the 3×3 branches.
public final class InceptionE: InceptionBranches {
    init(_ inChannels: Int) {
        super.init([
            ("branch1x1", BasicConv2d(inChannels, 320, kernelSize: 1)),
            ("branch3x3_1", BasicConv2d(inChannels, 384, kernelSize: 1)),
            ("branch3x3_2a", BasicConv2d(384, 384, kernelSize: (1, 3), padding: (0, 1))),
            ("branch3x3_2b", BasicConv2d(384, 384, kernelSize: (3, 1), padding: (1, 0))),
            ("branch3x3dbl_1", BasicConv2d(inChannels, 448, kernelSize: 1)),
            ("branch3x3dbl_2", BasicConv2d(448, 384, kernelSize: 3, padding: 1)),
            ("branch3x3dbl_3a", BasicConv2d(384, 384, kernelSize: (1, 3), padding: (0, 1))),
            ("branch3x3dbl_3b", BasicConv2d(384, 384, kernelSize: (3, 1), padding: (1, 0))),
            ("branch_pool", BasicConv2d(inChannels, 192, kernelSize: 1)),
        ])
    }

    public override func forward(_ x: Tensor) -> Tensor {
        let three = run(x, "branch3x3_1")
        let double = run(x, "branch3x3dbl_1", "branch3x3dbl_2")
        return Tensor.concat(
            [
                run(x, "branch1x1"), run(three, "branch3x3_2a"), run(three, "branch3x3_2b"),
                run(double, "branch3x3dbl_3a"), run(double, "branch3x3dbl_3b"),
                run(inceptionAveragePool(x), "branch_pool"),
            ], dim: 1)
    }
}

/// The auxiliary classifier on the 17×17 map: 5×5/3 average pool, 1×1 and 5×5 convolutions, `fc`.
public final class InceptionAux: Module {
    public let conv0: BasicConv2d
    public let conv1: BasicConv2d
    public private(set) var fc: Module

    init(_ inChannels: Int, numClasses: Int) {
        conv0 = BasicConv2d(inChannels, 128, kernelSize: 1)
        conv1 = BasicConv2d(128, 768, kernelSize: 5)
        fc = numClasses > 0 ? Linear(768, numClasses) : Identity()
    }

    public override func forward(_ input: Tensor) -> Tensor {
        let pooled = input.avgPool2d(
            kernel: (5, 5), stride: (3, 3), padding: (0, 0), ceilMode: false, countIncludePad: true)
        return fc(conv1(conv0(pooled)).mean(dims: [2, 3]))
    }

    func reset(numClasses: Int) {
        fc = numClasses > 0 ? Linear(768, numClasses) : Identity()
        fc.train(isTraining)
    }
}

// MARK: - Model

/// A classifier that also has auxiliary heads (Inception-v3's `AuxLogits`, GoogLeNet's `aux1`/`aux2`):
/// `forward` gives the main logits only; `forwardWithAuxiliary` adds the auxiliary logits when the
/// model computes them (its reference's rule), for a training loss such as `loss + 0.4 · aux`.
public protocol AuxiliaryClassifying: ClassifierModel {
    func forwardWithAuxiliary(_ input: Tensor) -> (logits: Tensor, auxiliary: [Tensor])
}

/// timm's `InceptionV3`: stem convolutions and pools, Mixed_5b…Mixed_7c, average pool, dropout, `fc`;
/// with `auxLogits` the `AuxLogits` head after Mixed_6e.
/// ```swift
/// let model = try createModel("inception_v3", modelArgs: ["aux_logits": true])
/// let (logits, auxiliary) = (model as! InceptionV3).forwardWithAuxiliary(images)   // 299×299 input
/// ```
public final class InceptionV3: Module, ClassifierModel, AuxiliaryClassifying {
    let stem: [(String, Module)]
    let mixed: [(String, Module)]
    let late: [(String, Module)]
    public let auxLogits: InceptionAux?
    public let globalPool = GlobalAvgPool2d()
    public private(set) var fc: Module

    public private(set) var numClasses: Int
    public let numFeatures = 2048
    public let dropRate: Float
    public var classifierName: String { "fc" }
    public let featureInfo: [FeatureInfo] = [
        FeatureInfo(channels: 64, reduction: 2, module: "Conv2d_2b_3x3"),
        FeatureInfo(channels: 192, reduction: 4, module: "Conv2d_4a_3x3"),
        FeatureInfo(channels: 288, reduction: 8, module: "Mixed_5d"),
        FeatureInfo(channels: 768, reduction: 16, module: "Mixed_6e"),
        FeatureInfo(channels: 2048, reduction: 32, module: "Mixed_7c"),
    ]

    public init(numClasses: Int = 1000, inChans: Int = 3, dropRate: Float = 0, auxLogits: Bool = false) {
        self.numClasses = numClasses
        self.dropRate = dropRate
        stem = [
            ("Conv2d_1a_3x3", BasicConv2d(inChans, 32, kernelSize: 3, stride: 2)),
            ("Conv2d_2a_3x3", BasicConv2d(32, 32, kernelSize: 3)),
            ("Conv2d_2b_3x3", BasicConv2d(32, 64, kernelSize: 3, padding: 1)),
            ("Pool1", MaxPool2d(kernelSize: 3, stride: 2)),
            ("Conv2d_3b_1x1", BasicConv2d(64, 80, kernelSize: 1)),
            ("Conv2d_4a_3x3", BasicConv2d(80, 192, kernelSize: 3)),
            ("Pool2", MaxPool2d(kernelSize: 3, stride: 2)),
        ]
        mixed = [
            ("Mixed_5b", InceptionA(192, poolFeatures: 32)), ("Mixed_5c", InceptionA(256, poolFeatures: 64)),
            ("Mixed_5d", InceptionA(288, poolFeatures: 64)), ("Mixed_6a", InceptionB(288)),
            ("Mixed_6b", InceptionC(768, channels7x7: 128)), ("Mixed_6c", InceptionC(768, channels7x7: 160)),
            ("Mixed_6d", InceptionC(768, channels7x7: 160)), ("Mixed_6e", InceptionC(768, channels7x7: 192)),
        ]
        self.auxLogits = auxLogits ? InceptionAux(768, numClasses: numClasses) : nil
        late = [("Mixed_7a", InceptionD(768)), ("Mixed_7b", InceptionE(1280)), ("Mixed_7c", InceptionE(2048))]
        fc = numClasses > 0 ? Linear(2048, numClasses) : Identity()
        super.init()
        initializeWeights()
    }

    /// timm's module names are PyTorch attribute names (`Conv2d_1a_3x3`), not derived from Swift's.
    public override func namedChildren() -> [(String, Module)] {
        stem + mixed + (auxLogits.map { [("AuxLogits", $0 as Module)] } ?? []) + late
            + [("global_pool", globalPool), ("fc", fc)]
    }

    /// timm's init: convolutions and linears truncated normal (std 0.1; the aux head's conv1 0.01, its fc 0.001).
    private func initializeWeights() {
        for (key, module) in namedModules() {
            let weight = (module as? Conv2d)?.weight ?? (module as? Linear)?.weight
            guard let weight else { continue }
            let std: Float = key == "AuxLogits.conv1.conv" ? 0.01 : key == "AuxLogits.fc" ? 0.001 : 0.1
            WeightInitialization.reinitialize(weight) { Tensor.truncatedNormal(weight.shape, std: std, using: &$0) }
        }
    }

    /// Everything before the auxiliary head (to Mixed_6e).
    func forwardPreAux(_ input: Tensor) -> Tensor {
        (stem + mixed).reduce(input) { x, layer in layer.1(x) }
    }

    func forwardPostAux(_ x: Tensor) -> Tensor { late.reduce(x) { x, layer in layer.1(x) } }

    public func forwardFeatures(_ input: Tensor) -> Tensor { forwardPostAux(forwardPreAux(input)) }

    public func forwardHead(_ features: Tensor, preLogits: Bool) -> Tensor {
        let x = globalPool(features).dropout(p: dropRate, training: isTraining)
        return preLogits ? x : fc(x)
    }

    public override func forward(_ input: Tensor) -> Tensor { forwardHead(forwardFeatures(input)) }

    /// timm's rule: with the auxiliary head built (`aux_logits`), its logits come with every forward.
    public func forwardWithAuxiliary(_ input: Tensor) -> (logits: Tensor, auxiliary: [Tensor]) {
        let x = forwardPreAux(input)
        let auxiliary = auxLogits.map { [$0(x)] } ?? []
        return (forwardHead(forwardPostAux(x)), auxiliary)
    }

    public func resetClassifier(numClasses: Int) {
        self.numClasses = numClasses
        fc = numClasses > 0 ? Linear(2048, numClasses) : Identity()
        fc.train(isTraining)
        auxLogits?.reset(numClasses: numClasses)
    }
}

extension InceptionV3: FeatureExtracting {
    /// timm's `forward_intermediates`: Conv2d_2b_3x3, Conv2d_4a_3x3, Mixed_5d, Mixed_6e, Mixed_7c.
    public func forwardIntermediates(_ input: Tensor, indices: [Int]) -> [Tensor] {
        let wanted = Set(indices.map { featureInfo[$0].module })
        let last = featureInfo[indices.max() ?? 0].module
        var maps: [Tensor] = []
        var x = input
        for (name, layer) in stem + mixed + late {
            x = layer(x)
            if wanted.contains(name) { maps.append(x) }
            if name == last { break }
        }
        return maps
    }
}

extension InceptionV3: CheckpointAdapting {
    /// torchvision's and timm's `tv_in1k` checkpoints carry the auxiliary head: without one, its
    /// tensors are dropped (timm loads those weights non-strictly for this).
    public func adaptCheckpoint(_ tensors: [(name: String, tensor: Tensor)]) -> [(name: String, tensor: Tensor)] {
        auxLogits != nil ? tensors : tensors.filter { !$0.name.hasPrefix("AuxLogits.") }
    }
}

// MARK: - Registration

/// The one architecture timm registers in `inception_v3` (its tags are in manifests/inception_v3.json).
public enum InceptionV3Variants {
    public static let names = ["inception_v3"]

    /// Attaches `inception_v3` under the family "inception_v3"; `aux_logits` builds the auxiliary head.
    public static func register(into registry: ModelRegistry) {
        registry.register(architecture: "inception_v3", family: "inception_v3") { args in
            InceptionV3(
                numClasses: args.numClasses, inChans: args.inChans, dropRate: Float(args.dropRate),
                auxLogits: args.extra["aux_logits"]?.boolValue ?? false)
        }
    }
}
