// torchvision's classification models that timm has no twin for, under torchvision's names and with
// torchvision's module trees and keys, so its checkpoints load as they are: AlexNet, SqueezeNet 1.0
// and 1.1, GoogLeNet (with its auxiliary heads) and ShuffleNetV2 ×0.5/1.0/1.5/2.0 (torchvision 0.14's
// `alexnet.py`, `squeezenet.py`, `googlenet.py`, `shufflenetv2.py`). docs/torchvision.md.
import ZooNN
import ZooRegistry
import ZooTensor

// MARK: - AlexNet

/// torchvision's `AlexNet`: five convolutions (`features`), a 6×6 adaptive average pool and three
/// `Linear`s (`classifier.1/.4/.6`, dropout before the first two).
public final class AlexNet: Module, ClassifierModel {
    public let features: Sequential
    public let avgpool = AdaptiveAvgPool2d(6)
    public private(set) var classifier: Sequential

    public private(set) var numClasses: Int
    public let numFeatures = 256
    public var classifierName: String { "classifier.6" }

    public init(numClasses: Int = 1000, inChans: Int = 3, dropRate: Float = 0) {
        self.numClasses = numClasses
        features = Sequential(
            Conv2d(inChans, 64, kernelSize: 11, stride: 4, padding: 2), ReLU(), MaxPool2d(kernelSize: 3, stride: 2),
            Conv2d(64, 192, kernelSize: 5, padding: 2), ReLU(), MaxPool2d(kernelSize: 3, stride: 2),
            Conv2d(192, 384, kernelSize: 3, padding: 1), ReLU(),
            Conv2d(384, 256, kernelSize: 3, padding: 1), ReLU(),
            Conv2d(256, 256, kernelSize: 3, padding: 1), ReLU(), MaxPool2d(kernelSize: 3, stride: 2))
        classifier = Sequential(
            Dropout(dropRate), Linear(256 * 6 * 6, 4096), ReLU(), Dropout(dropRate), Linear(4096, 4096), ReLU(),
            numClasses > 0 ? Linear(4096, numClasses) : Identity())
    }

    public func forwardFeatures(_ input: Tensor) -> Tensor { features(input) }

    public func forwardHead(_ features: Tensor, preLogits: Bool) -> Tensor {
        var x = avgpool(features).flatten(start: 1)
        for layer in classifier.layers.prefix(6) { x = layer(x) }
        return preLogits ? x : classifier[6](x)
    }

    public override func forward(_ input: Tensor) -> Tensor { forwardHead(forwardFeatures(input)) }

    public func resetClassifier(numClasses: Int) {
        self.numClasses = numClasses
        classifier = Sequential(
            Array(classifier.layers.prefix(6)) + [numClasses > 0 ? Linear(4096, numClasses) : Identity()])
        classifier.train(isTraining)
    }
}

// MARK: - SqueezeNet

/// SqueezeNet's Fire module: a 1×1 squeeze, then 1×1 and 3×3 expansions concatenated.
public final class Fire: Module {
    public let squeeze: Conv2d
    public let expand1x1: Conv2d
    public let expand3x3: Conv2d

    init(_ inChannels: Int, squeeze squeezeChannels: Int, expand expandChannels: Int) {
        squeeze = Conv2d(inChannels, squeezeChannels, kernelSize: 1)
        expand1x1 = Conv2d(squeezeChannels, expandChannels, kernelSize: 1)
        expand3x3 = Conv2d(squeezeChannels, expandChannels, kernelSize: 3, padding: 1)
    }

    public override func forward(_ input: Tensor) -> Tensor {
        let x = squeeze(input).relu()
        return Tensor.concat([expand1x1(x).relu(), expand3x3(x).relu()], dim: 1)
    }
}

/// torchvision's `SqueezeNet` (versions "1_0" and "1_1"): convolution, pools and Fire modules
/// (`features`), then dropout, a 1×1 convolution to the classes (`classifier.1`), ReLU and an average pool.
public final class SqueezeNet: Module, ClassifierModel {
    public let features: Sequential
    public private(set) var classifier: Sequential

    public private(set) var numClasses: Int
    public let numFeatures = 512
    public var classifierName: String { "classifier.1" }

    public init(version: String, numClasses: Int = 1000, inChans: Int = 3, dropRate: Float = 0) {
        precondition(version == "1_0" || version == "1_1", "SqueezeNet versions are 1_0 and 1_1, got \(version)")
        self.numClasses = numClasses
        let pool = { MaxPool2d(kernelSize: 3, stride: 2, ceilMode: true) }
        features =
            version == "1_0"
            ? Sequential(
                Conv2d(inChans, 96, kernelSize: 7, stride: 2), ReLU(), pool(),
                Fire(96, squeeze: 16, expand: 64), Fire(128, squeeze: 16, expand: 64),
                Fire(128, squeeze: 32, expand: 128), pool(),
                Fire(256, squeeze: 32, expand: 128), Fire(256, squeeze: 48, expand: 192),
                Fire(384, squeeze: 48, expand: 192), Fire(384, squeeze: 64, expand: 256), pool(),
                Fire(512, squeeze: 64, expand: 256))
            : Sequential(
                Conv2d(inChans, 64, kernelSize: 3, stride: 2), ReLU(), pool(),
                Fire(64, squeeze: 16, expand: 64), Fire(128, squeeze: 16, expand: 64), pool(),
                Fire(128, squeeze: 32, expand: 128), Fire(256, squeeze: 32, expand: 128), pool(),
                Fire(256, squeeze: 48, expand: 192), Fire(384, squeeze: 48, expand: 192),
                Fire(384, squeeze: 64, expand: 256), Fire(512, squeeze: 64, expand: 256))
        classifier = Sequential(Dropout(dropRate), SqueezeNet.finalConv(numClasses), ReLU(), GlobalAvgPool2d())
        super.init()
        // torchvision's init: kaiming-uniform (gain √2) convolutions with zero bias, the final one N(0, 0.01).
        for case let conv as Conv2d in features.namedModules().map(\.1) {
            WeightInitialization.reinitialize(conv.weight) {
                Tensor.kaimingUniform(conv.weight.shape, a: 0, using: &$0)
            }
            conv.bias?.assign(Tensor.zeros([conv.outChannels]))
        }
    }

    private static func finalConv(_ numClasses: Int) -> Module {
        guard numClasses > 0 else { return Identity() }
        let conv = Conv2d(512, numClasses, kernelSize: 1)
        WeightInitialization.reinitialize(conv.weight) { Tensor.normal(conv.weight.shape, std: 0.01, using: &$0) }
        conv.bias?.assign(Tensor.zeros([numClasses]))
        return conv
    }

    public func forwardFeatures(_ input: Tensor) -> Tensor { features(input) }

    /// The classifier is a 1×1 convolution before the pool; `preLogits` gives the pooled features instead.
    public func forwardHead(_ features: Tensor, preLogits: Bool) -> Tensor {
        preLogits ? features.mean(dims: [2, 3]) : classifier(features)
    }

    public override func forward(_ input: Tensor) -> Tensor { forwardHead(forwardFeatures(input)) }

    public func resetClassifier(numClasses: Int) {
        self.numClasses = numClasses
        classifier = Sequential(classifier[0], SqueezeNet.finalConv(numClasses), ReLU(), GlobalAvgPool2d())
        classifier.train(isTraining)
    }
}

// MARK: - GoogLeNet

/// GoogLeNet's Inception block: 1×1, 1×1→3×3, 1×1→3×3 (torchvision's, where the paper has 5×5)
/// and 3×3 max pool→1×1 branches, concatenated.
public final class GoogLeNetInception: Module {
    public let branch1: BasicConv2d
    public let branch2: Sequential
    public let branch3: Sequential
    public let branch4: Sequential

    init(
        _ inChannels: Int, ch1x1: Int, ch3x3Reduce: Int, ch3x3: Int, ch5x5Reduce: Int, ch5x5: Int, poolProjection: Int
    ) {
        branch1 = BasicConv2d(inChannels, ch1x1, kernelSize: 1)
        branch2 = Sequential(
            BasicConv2d(inChannels, ch3x3Reduce, kernelSize: 1),
            BasicConv2d(ch3x3Reduce, ch3x3, kernelSize: 3, padding: 1))
        branch3 = Sequential(
            BasicConv2d(inChannels, ch5x5Reduce, kernelSize: 1),
            BasicConv2d(ch5x5Reduce, ch5x5, kernelSize: 3, padding: 1))
        branch4 = Sequential(
            MaxPool2d(kernelSize: 3, stride: 1, padding: 1, ceilMode: true),
            BasicConv2d(inChannels, poolProjection, kernelSize: 1))
    }

    public override func forward(_ x: Tensor) -> Tensor {
        Tensor.concat([branch1(x), branch2(x), branch3(x), branch4(x)], dim: 1)
    }
}

/// GoogLeNet's auxiliary classifier: 4×4 adaptive average pool, 1×1 convolution, two `Linear`s.
public final class GoogLeNetAux: Module {
    public let conv: BasicConv2d
    public let fc1: Linear
    public private(set) var fc2: Module
    public let dropout: Dropout

    init(_ inChannels: Int, numClasses: Int, dropRate: Float) {
        conv = BasicConv2d(inChannels, 128, kernelSize: 1)
        fc1 = Linear(2048, 1024)
        fc2 = numClasses > 0 ? Linear(1024, numClasses) : Identity()
        dropout = Dropout(dropRate)
    }

    public override func forward(_ input: Tensor) -> Tensor {
        let x = conv(input.adaptiveAvgPool2d((4, 4))).flatten(start: 1)
        return fc2(dropout(fc1(x).relu()))
    }

    func reset(numClasses: Int) {
        fc2 = numClasses > 0 ? Linear(1024, numClasses) : Identity()
        fc2.train(isTraining)
    }
}

/// torchvision's `GoogLeNet`. With `transformInput` (what torchvision's pretrained model uses) an
/// ImageNet-normalized input is re-normalized to mean 0.5, std 0.5 first; with `auxLogits` the
/// auxiliary heads `aux1` (after inception4a) and `aux2` (after inception4d) run in training mode.
public final class GoogLeNet: Module, ClassifierModel, AuxiliaryClassifying {
    public let conv1: BasicConv2d
    public let maxpool1 = MaxPool2d(kernelSize: 3, stride: 2, ceilMode: true)
    public let conv2: BasicConv2d
    public let conv3: BasicConv2d
    public let maxpool2 = MaxPool2d(kernelSize: 3, stride: 2, ceilMode: true)
    public let inception3a: GoogLeNetInception
    public let inception3b: GoogLeNetInception
    public let maxpool3 = MaxPool2d(kernelSize: 3, stride: 2, ceilMode: true)
    public let inception4a: GoogLeNetInception
    public let inception4b: GoogLeNetInception
    public let inception4c: GoogLeNetInception
    public let inception4d: GoogLeNetInception
    public let inception4e: GoogLeNetInception
    public let maxpool4 = MaxPool2d(kernelSize: 2, stride: 2, ceilMode: true)
    public let inception5a: GoogLeNetInception
    public let inception5b: GoogLeNetInception
    public let aux1: GoogLeNetAux?
    public let aux2: GoogLeNetAux?
    public let avgpool = GlobalAvgPool2d()
    public let dropout: Dropout
    public private(set) var fc: Module

    public private(set) var numClasses: Int
    public let numFeatures = 1024
    public let transformInput: Bool
    public var classifierName: String { "fc" }

    public init(
        numClasses: Int = 1000, inChans: Int = 3, dropRate: Float = 0, auxLogits: Bool = true,
        auxDropRate: Float = 0.7, transformInput: Bool = true
    ) {
        self.numClasses = numClasses
        self.transformInput = transformInput
        conv1 = BasicConv2d(inChans, 64, kernelSize: 7, stride: 2, padding: 3)
        conv2 = BasicConv2d(64, 64, kernelSize: 1)
        conv3 = BasicConv2d(64, 192, kernelSize: 3, padding: 1)
        typealias I = GoogLeNetInception
        inception3a = I(192, ch1x1: 64, ch3x3Reduce: 96, ch3x3: 128, ch5x5Reduce: 16, ch5x5: 32, poolProjection: 32)
        inception3b = I(256, ch1x1: 128, ch3x3Reduce: 128, ch3x3: 192, ch5x5Reduce: 32, ch5x5: 96, poolProjection: 64)
        inception4a = I(480, ch1x1: 192, ch3x3Reduce: 96, ch3x3: 208, ch5x5Reduce: 16, ch5x5: 48, poolProjection: 64)
        inception4b = I(512, ch1x1: 160, ch3x3Reduce: 112, ch3x3: 224, ch5x5Reduce: 24, ch5x5: 64, poolProjection: 64)
        inception4c = I(512, ch1x1: 128, ch3x3Reduce: 128, ch3x3: 256, ch5x5Reduce: 24, ch5x5: 64, poolProjection: 64)
        inception4d = I(512, ch1x1: 112, ch3x3Reduce: 144, ch3x3: 288, ch5x5Reduce: 32, ch5x5: 64, poolProjection: 64)
        inception4e = I(
            528, ch1x1: 256, ch3x3Reduce: 160, ch3x3: 320, ch5x5Reduce: 32, ch5x5: 128, poolProjection: 128)
        inception5a = I(
            832, ch1x1: 256, ch3x3Reduce: 160, ch3x3: 320, ch5x5Reduce: 32, ch5x5: 128, poolProjection: 128)
        inception5b = I(
            832, ch1x1: 384, ch3x3Reduce: 192, ch3x3: 384, ch5x5Reduce: 48, ch5x5: 128, poolProjection: 128)
        aux1 = auxLogits ? GoogLeNetAux(512, numClasses: numClasses, dropRate: auxDropRate) : nil
        aux2 = auxLogits ? GoogLeNetAux(528, numClasses: numClasses, dropRate: auxDropRate) : nil
        dropout = Dropout(dropRate)
        fc = numClasses > 0 ? Linear(1024, numClasses) : Identity()
        super.init()
        // torchvision's init_weights: convolutions and linears truncated normal (std 0.01 within ±2).
        for (_, module) in namedModules() {
            guard let weight = (module as? Conv2d)?.weight ?? (module as? Linear)?.weight else { continue }
            WeightInitialization.reinitialize(weight) { Tensor.truncatedNormal(weight.shape, std: 0.01, using: &$0) }
        }
    }

    /// torchvision's `_transform_input`: ImageNet normalization → (x − 0.5) / 0.5 normalization.
    private func transformed(_ input: Tensor) -> Tensor {
        guard transformInput else { return input }
        let (mean, std): ([Float], [Float]) = ([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])
        let channels = (0..<3).map { c in
            input.slice(1, c, c + 1) * ((std[c] / 0.5)) + ((mean[c] - 0.5) / 0.5)
        }
        return Tensor.concat(channels, dim: 1)
    }

    /// Stem and blocks to inception5b, with the auxiliary logits `[aux1, aux2]` in training mode.
    private func trunk(_ input: Tensor) -> (Tensor, [Tensor]) {
        var x = maxpool2(conv3(conv2(maxpool1(conv1(transformed(input))))))
        x = inception4a(maxpool3(inception3b(inception3a(x))))
        let first = isTraining ? aux1?(x) : nil
        x = inception4d(inception4c(inception4b(x)))
        let second = isTraining ? aux2?(x) : nil
        x = inception5b(inception5a(maxpool4(inception4e(x))))
        return (x, [first, second].compactMap { $0 })
    }

    public func forwardFeatures(_ input: Tensor) -> Tensor { trunk(input).0 }

    public func forwardHead(_ features: Tensor, preLogits: Bool) -> Tensor {
        let x = dropout(avgpool(features))
        return preLogits ? x : fc(x)
    }

    public override func forward(_ input: Tensor) -> Tensor { forwardHead(forwardFeatures(input)) }

    /// torchvision's rule: the auxiliary logits in training mode only, aux1's then aux2's (the order
    /// of torchvision's `GoogLeNetOutputs` tuple, whose fields are named the other way round).
    public func forwardWithAuxiliary(_ input: Tensor) -> (logits: Tensor, auxiliary: [Tensor]) {
        let (features, auxiliary) = trunk(input)
        return (forwardHead(features), auxiliary)
    }

    public func resetClassifier(numClasses: Int) {
        self.numClasses = numClasses
        fc = numClasses > 0 ? Linear(1024, numClasses) : Identity()
        fc.train(isTraining)
        aux1?.reset(numClasses: numClasses)
        aux2?.reset(numClasses: numClasses)
    }
}

extension GoogLeNet: CheckpointAdapting {
    /// torchvision's checkpoint carries the auxiliary heads: without them, their tensors are dropped
    /// (what torchvision does after loading with `aux_logits=False`).
    public func adaptCheckpoint(_ tensors: [(name: String, tensor: Tensor)]) -> [(name: String, tensor: Tensor)] {
        aux1 != nil ? tensors : tensors.filter { !$0.name.hasPrefix("aux1.") && !$0.name.hasPrefix("aux2.") }
    }
}

// MARK: - ShuffleNetV2

/// ShuffleNetV2's unit: stride 2 runs both branches on the input; stride 1 passes half the channels
/// through and runs `branch2` on the other half; the halves are then interleaved (channel shuffle).
public final class ShuffleInvertedResidual: Module {
    /// Depthwise 3×3 + norm, 1×1 + norm + ReLU (empty at stride 1).
    public let branch1: Sequential
    /// 1×1 + norm + ReLU, depthwise 3×3 + norm, 1×1 + norm + ReLU.
    public let branch2: Sequential
    let stride: Int

    init(_ inChannels: Int, _ outChannels: Int, stride: Int) {
        let half = outChannels / 2
        self.stride = stride
        branch1 =
            stride > 1
            ? Sequential(
                Conv2d(
                    inChannels, inChannels, kernelSize: 3, stride: stride, padding: 1, groups: inChannels, bias: false),
                BatchNorm2d(inChannels), Conv2d(inChannels, half, kernelSize: 1, bias: false), BatchNorm2d(half), ReLU()
            )
            : Sequential()
        branch2 = Sequential(
            Conv2d(stride > 1 ? inChannels : half, half, kernelSize: 1, bias: false), BatchNorm2d(half), ReLU(),
            Conv2d(half, half, kernelSize: 3, stride: stride, padding: 1, groups: half, bias: false), BatchNorm2d(half),
            Conv2d(half, half, kernelSize: 1, bias: false), BatchNorm2d(half), ReLU())
    }

    public override func forward(_ input: Tensor) -> Tensor {
        let joined: Tensor
        if stride == 1 {
            let halves = input.split(input.shape[1] / 2, dim: 1)
            joined = Tensor.concat([halves[0], branch2(halves[1])], dim: 1)
        } else {
            joined = Tensor.concat([branch1(input), branch2(input)], dim: 1)
        }
        return ShuffleInvertedResidual.channelShuffle(joined, groups: 2)
    }

    /// [N, g·c, H, W] → viewed [N, g, c, H, W] → transposed to [N, c, g, H, W] → flattened back.
    static func channelShuffle(_ x: Tensor, groups: Int) -> Tensor {
        let (n, channels, height, width) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        return x.reshape([n, groups, channels / groups, height, width]).transpose(1, 2).contiguous()
            .reshape([n, channels, height, width])
    }
}

/// torchvision's `ShuffleNetV2`: `conv1`, max pool, `stage2`…`stage4`, `conv5`, mean pool, `fc`.
public final class ShuffleNetV2: Module, ClassifierModel {
    public let conv1: Sequential
    public let maxpool = MaxPool2d(kernelSize: 3, stride: 2, padding: 1)
    public let stage2: Sequential
    public let stage3: Sequential
    public let stage4: Sequential
    public let conv5: Sequential
    public private(set) var fc: Module

    public private(set) var numClasses: Int
    public let numFeatures: Int
    public let dropRate: Float
    public var classifierName: String { "fc" }

    /// `channels`: the stem's, the three stages' and conv5's output widths.
    public init(
        repeats: [Int] = [4, 8, 4], channels: [Int], numClasses: Int = 1000, inChans: Int = 3, dropRate: Float = 0
    ) {
        precondition(repeats.count == 3 && channels.count == 5, "ShuffleNetV2 has 3 stages and 5 widths")
        self.numClasses = numClasses
        self.dropRate = dropRate
        conv1 = Sequential(
            Conv2d(inChans, channels[0], kernelSize: 3, stride: 2, padding: 1, bias: false), BatchNorm2d(channels[0]),
            ReLU())
        var stages: [Sequential] = []
        var width = channels[0]
        for (count, out) in zip(repeats, channels[1...3]) {
            let stage = Sequential(ShuffleInvertedResidual(width, out, stride: 2))
            for _ in 1..<count { stage.append(ShuffleInvertedResidual(out, out, stride: 1)) }
            stages.append(stage)
            width = out
        }
        (stage2, stage3, stage4) = (stages[0], stages[1], stages[2])
        conv5 = Sequential(
            Conv2d(width, channels[4], kernelSize: 1, bias: false), BatchNorm2d(channels[4]), ReLU())
        numFeatures = channels[4]
        fc = numClasses > 0 ? Linear(channels[4], numClasses) : Identity()
    }

    public func forwardFeatures(_ input: Tensor) -> Tensor {
        conv5(stage4(stage3(stage2(maxpool(conv1(input))))))
    }

    public func forwardHead(_ features: Tensor, preLogits: Bool) -> Tensor {
        let x = features.mean(dims: [2, 3]).dropout(p: dropRate, training: isTraining)
        return preLogits ? x : fc(x)
    }

    public override func forward(_ input: Tensor) -> Tensor { forwardHead(forwardFeatures(input)) }

    public func resetClassifier(numClasses: Int) {
        self.numClasses = numClasses
        fc = numClasses > 0 ? Linear(numFeatures, numClasses) : Identity()
        fc.train(isTraining)
    }
}

// MARK: - Registration

/// torchvision's classification models without a timm twin, by torchvision's name (family "torchvision").
public enum TorchvisionClassicVariants {
    public static let names: [String] = table.map(\.0)

    private static let table: [(String, @Sendable (ModelArgs) throws -> Module)] = [
        ("alexnet", { AlexNet(numClasses: $0.numClasses, inChans: $0.inChans, dropRate: Float($0.dropRate)) }),
        ("googlenet", { googLeNet($0) }),
        ("shufflenet_v2_x0_5", { shuffleNet([24, 48, 96, 192, 1024], $0) }),
        ("shufflenet_v2_x1_0", { shuffleNet([24, 116, 232, 464, 1024], $0) }),
        ("shufflenet_v2_x1_5", { shuffleNet([24, 176, 352, 704, 1024], $0) }),
        ("shufflenet_v2_x2_0", { shuffleNet([24, 244, 488, 976, 2048], $0) }),
        ("squeezenet1_0", { squeezeNet("1_0", $0) }),
        ("squeezenet1_1", { squeezeNet("1_1", $0) }),
    ]

    private static func googLeNet(_ args: ModelArgs) -> Module {
        GoogLeNet(
            numClasses: args.numClasses, inChans: args.inChans, dropRate: Float(args.dropRate),
            auxLogits: args.extra["aux_logits"]?.boolValue ?? true,
            auxDropRate: Float(args.extra["dropout_aux"]?.doubleValue ?? 0.7),
            transformInput: args.extra["transform_input"]?.boolValue ?? true)
    }

    private static func shuffleNet(_ channels: [Int], _ args: ModelArgs) -> Module {
        ShuffleNetV2(
            channels: channels, numClasses: args.numClasses, inChans: args.inChans, dropRate: Float(args.dropRate))
    }

    private static func squeezeNet(_ version: String, _ args: ModelArgs) -> Module {
        SqueezeNet(version: version, numClasses: args.numClasses, inChans: args.inChans, dropRate: Float(args.dropRate))
    }

    /// torchvision's eval transform for the name's weights (its `Weights.transforms`): resize 256
    /// bilinear and crop 224, ShuffleNetV2 ×1.5 and ×2.0 resize 232; ImageNet mean and std.
    static func cfg(_ name: String) -> PretrainedCfg {
        var cfg = PretrainedCfg(architecture: name)
        cfg.interpolation = "bilinear"
        cfg.cropPct = name == "shufflenet_v2_x1_5" || name == "shufflenet_v2_x2_0" ? 224.0 / 232 : 224.0 / 256
        let heads: (String, String) =
            switch name {
            case "alexnet": ("features.0", "classifier.6")
            case "googlenet": ("conv1.conv", "fc")
            case _ where name.hasPrefix("squeezenet"): ("features.0", "classifier.1")
            default: ("conv1.0", "fc")
            }
        cfg.firstConv = .single(heads.0)
        cfg.classifier = .single(heads.1)
        return cfg
    }

    /// Attaches these names under the family "torchvision" with torchvision's eval transform as their
    /// cfg; their keys are torchvision's, no filter.
    public static func register(into registry: ModelRegistry) {
        for (name, build) in table {
            registry.register(architecture: name, family: "torchvision", builder: build)
        }
        try! registry.register(cfgs: names.map(cfg))
    }
}
