import Testing
import ZooTensor

@testable import ZooTrain

/// One loss call recorded by real PyTorch (tools/fixtures/make_loss_fixtures.py).
struct LossFixture: Decodable, CustomTestStringConvertible {
    let name: String
    let loss: String
    let reduction: String
    let options: [String: FixtureOption]
    let inputs: [String: FixtureTensor]
    let upstream: FixtureTensor?
    let output: FixtureTensor
    let grads: [String: FixtureTensor]

    var testDescription: String { name }

    func number(_ key: String, default value: Float) -> Float {
        if case .number(let n) = options[key] { return Float(n) }
        return value
    }

    func flag(_ key: String) -> Bool {
        if case .flag(let b) = options[key] { return b }
        return false
    }

    static func all() throws -> [LossFixture] {
        struct File: Decodable { let cases: [LossFixture] }
        return try loadFixture("losses", as: File.self).cases
    }
    /// The `torch.nn.functional` losses.
    static func builtIn() throws -> [LossFixture] { try all().filter { $0.loss != "dice" } }
    /// The DiceLoss example of CustomLoss.swift.
    static func dice() throws -> [LossFixture] { try all().filter { $0.loss == "dice" } }
}

@Suite struct LossTests {
    /// Calls the Swift loss a fixture names, with its options.
    static func evaluate(_ fixture: LossFixture, _ x: [String: Tensor]) -> Tensor {
        let reduction: Reduction =
            switch fixture.reduction {
            case "none": .none
            case "sum": .sum
            case "batchmean": .batchMean
            default: .mean
            }
        let input = x["input"], target = x["target"]!, weight = x["weight"]
        switch fixture.loss {
        case "cross_entropy":
            return Loss.crossEntropy(
                input!, target, weight: weight, ignoreIndex: Int(fixture.number("ignore_index", default: -100)),
                reduction: reduction, labelSmoothing: fixture.number("label_smoothing", default: 0))
        case "nll":
            return Loss.nll(
                input!, target, weight: weight, ignoreIndex: Int(fixture.number("ignore_index", default: -100)),
                reduction: reduction)
        case "binary_cross_entropy":
            return Loss.binaryCrossEntropy(input!, target, weight: weight, reduction: reduction)
        case "binary_cross_entropy_with_logits":
            return Loss.binaryCrossEntropyWithLogits(
                input!, target, weight: weight, posWeight: x["pos_weight"], reduction: reduction)
        case "mse": return Loss.mse(input!, target, reduction: reduction)
        case "l1": return Loss.l1(input!, target, reduction: reduction)
        case "smooth_l1":
            return Loss.smoothL1(input!, target, beta: fixture.number("beta", default: 1), reduction: reduction)
        case "huber":
            return Loss.huber(input!, target, delta: fixture.number("delta", default: 1), reduction: reduction)
        case "kl_div": return Loss.klDiv(input!, target, reduction: reduction, logTarget: fixture.flag("log_target"))
        case "margin_ranking":
            return Loss.marginRanking(
                x["input1"]!, x["input2"]!, target, margin: fixture.number("margin", default: 0), reduction: reduction)
        case "hinge_embedding":
            return Loss.hingeEmbedding(
                input!, target, margin: fixture.number("margin", default: 1), reduction: reduction)
        case "multilabel_margin": return Loss.multilabelMargin(input!, target, reduction: reduction)
        case "soft_margin": return Loss.softMargin(input!, target, reduction: reduction)
        case "multilabel_soft_margin":
            return Loss.multilabelSoftMargin(input!, target, weight: weight, reduction: reduction)
        case "cosine_embedding":
            return Loss.cosineEmbedding(
                x["input1"]!, x["input2"]!, target, margin: fixture.number("margin", default: 0), reduction: reduction)
        case "multi_margin":
            return Loss.multiMargin(
                input!, target, p: Int(fixture.number("p", default: 1)), margin: fixture.number("margin", default: 1),
                weight: weight, reduction: reduction)
        default:
            fatalError("no Swift loss for fixture \(fixture.loss)")
        }
    }

    @Test(arguments: try LossFixture.builtIn())
    func matchesPyTorch(_ fixture: LossFixture) {
        let x = fixture.inputs.mapValues { $0.tensor(requiresGrad: false) }
        var leaves = x
        for name in fixture.grads.keys { leaves[name] = fixture.inputs[name]!.tensor(requiresGrad: true) }
        let output: Tensor
        if fixture.loss == "triplet_margin" {
            output = Loss.tripletMargin(
                anchor: leaves["anchor"]!, positive: leaves["positive"]!, negative: leaves["negative"]!,
                margin: fixture.number("margin", default: 1), p: fixture.number("p", default: 2),
                eps: fixture.number("eps", default: 1e-6), swap: fixture.flag("swap"),
                reduction: fixture.reduction == "none" ? .none : fixture.reduction == "sum" ? .sum : .mean)
        } else {
            output = Self.evaluate(fixture, leaves)
        }
        expectClose(output, fixture.output, "\(fixture.name) value")
        output.backward(fixture.upstream?.tensor())
        for (name, expected) in fixture.grads {
            expectClose(leaves[name]!.grad, expected, "\(fixture.name) ∂/∂\(name)")
        }
    }

    @Test func everyReductionIsCovered() throws {
        let byLoss = Dictionary(grouping: try LossFixture.builtIn(), by: \.loss).mapValues { Set($0.map(\.reduction)) }
        #expect(byLoss.count == 17)
        for (loss, reductions) in byLoss { #expect(reductions.isSuperset(of: ["none", "mean", "sum"]), "\(loss)") }
    }
}
