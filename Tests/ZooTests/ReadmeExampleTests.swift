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
}
