import Foundation
import Testing
import Zoo

/// The README's library example, run as written (a smaller model and images keep it quick), so the
/// first screen never shows an API that doesn't exist.
@Suite struct ReadmeExampleTests {
    @Test func fineTuningStartRuns() throws {
        let checkpoint = try CreateModelFixtures.file("create_model.resnet18.pth").path

        #expect(listModels("*resnet*").contains("resnet50"))
        let model = try createModel("resnet18", numClasses: 10, checkpointPath: checkpoint)
        try model.freeze(matching: "layer[1-3]*")
        let optimizer = AdamW(parameters: model.trainableParameters(), lr: 1e-3)
        let schedule = CosineAnnealingLR(baseLRs: optimizer.learningRates, tMax: 10)

        var rng = RandomGenerator(seed: 0)
        let images = Tensor.normal([2, 3, 64, 64], using: &rng), labels = Tensor(indices: [3, 7])
        let loss = Loss.crossEntropy(model(images), labels, labelSmoothing: 0.1)
        loss.backward()
        optimizer.step()
        schedule.step()
        schedule.apply(to: optimizer)

        let frozen = model.namedParameters().filter { $0.0.hasPrefix("layer2.") }.map(\.1)
        #expect(!frozen.isEmpty, "resnet18 has no layer2 parameters")
        #expect(frozen.allSatisfy { $0.grad == nil })
        #expect(optimizer.learningRates[0] < 1e-3)
    }

    /// The second example, on 32-pixel images and one epoch so that it stays quick.
    @Test func fineTuneRunRuns() throws {
        // This file is <repo>/Tests/ZooTests/ReadmeExampleTests.swift.
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("examples/photos").path
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("zoo-readme-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: out) }

        let photos = try ImageFolder(root: root + "/train"), held = try ImageFolder(root: root + "/val")
        let config = DataConfig(cfg: try Zoo.registry.resolve("resnet10t.zoo_demo").cfg!, inputSize: 32)
        let train = DataLoader(
            photos, transform: EvalTransform(config), options: LoaderOptions(batchSize: 16, shuffle: true))
        let validation = DataLoader(held, transform: EvalTransform(config), options: LoaderOptions(batchSize: 16))
        let net = try createModel("resnet10t.zoo_demo", pretrained: true, numClasses: photos.classNames.count)
        var options = FineTuneOptions(epochs: 1)
        options.freezeEpochs = 1
        options.outputDirectory = out
        let run = FineTune(
            model: net, loss: ClosureLoss.crossEntropy(), optimizer: SGD(parameters: net.parameters(), lr: 0.05),
            options: options, classNames: photos.classNames)
        var lines: [String] = []
        run.onEpoch = { lines.append($0.csvLine) }
        try run.fit(train: { train.trainerBatches(epoch: $0) }, validation: { validation.trainerBatches(epoch: 0) })
        try Figure.trainingCurves(
            epochs: run.history.map(\.epoch), trainLoss: run.history.map(\.trainLoss),
            top1: run.history.map(\.top1)
        ).write(to: out + "/mine.svg")

        #expect(lines.count == 1 && lines[0].hasPrefix("1,"))
        #expect(run.history.first?.top1 != nil)
        let written = try FileManager.default.contentsOfDirectory(atPath: out).sorted()
        #expect(written == ["best.zoo", "curves.png", "curves.svg", "last.zoo", "metrics.csv", "mine.svg"])
    }
}
